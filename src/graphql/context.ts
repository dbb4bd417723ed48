import type { EntityManager } from '@mikro-orm/postgresql';
import type { Loaders } from './loaders';
import type { IntegrationServices } from '../integration';
import type { SyncService } from '../sync/service';
import type { Outbox } from '../push/outbox';
import type { WebhookService } from '../webhooks/service';

/** What every resolver gets: the caller's tenant, a request-scoped entity manager and DataLoaders. */
export interface GraphQLContext {
  requestId: string;
  tenantId: string;
  apiKeyId: string;
  em: EntityManager;
  loaders: Loaders;
  services: Services;
  /** Aborts when the caller is gone (the connection closed before the answer): work on its behalf stops. */
  signal?: AbortSignal;
}

export type Services = IntegrationServices & { sync: SyncService; webhooks: WebhookService; outbox: Outbox };
