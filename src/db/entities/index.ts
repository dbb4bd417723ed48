import { ApiKey, Tenant } from './tenant';
import { Company, Contact, Item, Opportunity, ProductGroup, Quote, QuoteBundle, QuoteLine, Site } from './records';
import { OutboxRow, SyncConflict } from './push';
import { ScheduleSlot, SyncCursor, SyncRecordError, SyncRun } from './sync';
import { ConfigChange, HaloConnectionRow, IntegrationSettingsRow } from './integration';
import { HaloWebhookConfig, WebhookDelivery } from './webhooks';

export {
  ApiKey,
  Tenant,
  Company,
  Contact,
  Item,
  Opportunity,
  Quote,
  QuoteLine,
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
  WebhookDelivery,
  QuoteBundle,
  OutboxRow,
  SyncConflict,
};
export type { OutboxState } from './push';
export type { EntityProgress, SyncKind, SyncRunStatus } from './sync';
export type { ConnectionStatus } from './integration';
export type { WebhookDeliveryStatus } from './webhooks';
export type { RecordSyncError } from './synced';

/** Every entity the ORM knows; add new ones here (and a migration in migrations/). */
export const entities = [
  Tenant,
  ApiKey,
  Company,
  Contact,
  Item,
  Opportunity,
  Quote,
  QuoteLine,
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
  WebhookDelivery,
  QuoteBundle,
  OutboxRow,
  SyncConflict,
];
