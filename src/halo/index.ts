/**
 * The Halo API client: the one module that knows Halo's HTTP and wire shapes. Imports nothing from db/, graphql/,
 * sync/ or halo-sim/; takes its logger by injection.
 */
export { HaloClient, HaloResource, createHaloClient, HALO_RESOURCES } from './client';
export type { HaloResourceDef, HaloResourceName, HaloResourceTypes, HaloListFilter, ListOptions, GetOptions, HaloId } from './client';
export { HaloTransport, DEFAULT_RETRY, DEFAULT_SCOPES, encodeQuery, newHaloSession } from './transport';
export type { HaloClientOptions, HaloLogger, RetryPolicy, QueryParams, QueryValue, RequestOptions, AuthEndpoint } from './transport';
export { HaloSession } from './session';
export * from './errors';
export { normalizeHaloUrl, normalizeAuthUrl } from './url';
export type { HaloUrls } from './url';
export { parseHaloDate, formatHaloDate } from './dates';
export { InMemoryRateGovernor, governorFor, resetRateGovernors, unlimitedGovernor, DEFAULT_RATE_BUDGET } from './rate-governor';
export type { RateGovernor, RateBudget, RateSlot } from './rate-governor';
export { extractListPage, isLastPage } from './paging';
export { createHaloLoaders, limitConcurrency } from './loaders';
export type { HaloLoaders, HaloLoaderOptions } from './loaders';
export { diagnose } from './diagnose';
export type { DiagnosticStep, DiagnosticStepName } from './diagnose';
export type * from './types';
export { lookupValues, isClosedQuoteStatus } from './lookups';
export {
  HALO_WEBHOOK_ACTIONS,
  HALO_EVENT_RESOURCES,
  HALO_WEBHOOK_AUTH,
  HALO_WEBHOOK_NOTIFICATION,
  HALO_SIGNATURE_HEADER,
  classifyHaloEvent,
  resourceOfPayloadKey,
  haloTicketEvent,
  haloWebhookBody,
  haloNotificationBody,
  haloWebhookSignature,
  verifyHaloWebhook,
  parseHaloWebhookBody,
  HaloWebhookPayloadError,
  haloInt,
} from './webhooks';
export type { HaloWebhookAction, HaloEventResource, HaloEventClass, HaloWebhookEventIn, KnownNotification } from './webhooks';
