import { ApiKey, Tenant } from './tenant';
import { Company, Contact, Item, Opportunity, ProductGroup, Quote, QuoteBundle, QuoteLine, Site } from './records';
import { OutboxRow, SyncConflict } from './push';
import { ScheduleSlot, SyncCursor, SyncRecordError, SyncRun } from './sync';
import { ConfigChange, HaloConnectionRow, IntegrationSettingsRow } from './integration';
import { HaloWebhookConfig, HaloWebhookSubscription, WebhookDelivery } from './webhooks';

export * from './tenant';
export * from './records';
export * from './push';
export * from './sync';
export * from './integration';
export * from './webhooks';
export type { RecordSyncError, SyncedRecord } from './synced';

/** Every entity the ORM knows: a new entity file is exported above and its classes listed here (then `npm run migration:create`). */
export const entities = [
  Tenant,
  ApiKey,
  Company,
  Contact,
  Item,
  Opportunity,
  Quote,
  QuoteLine,
  QuoteBundle,
  Site,
  ProductGroup,
  HaloConnectionRow,
  IntegrationSettingsRow,
  ConfigChange,
  SyncRun,
  SyncRecordError,
  SyncCursor,
  ScheduleSlot,
  HaloWebhookConfig,
  HaloWebhookSubscription,
  WebhookDelivery,
  OutboxRow,
  SyncConflict,
];
