import { ApiKey, Tenant } from './tenant';
import { Company, Contact, Item, Opportunity, Quote } from './records';
import { ConfigChange, HaloConnectionRow, IntegrationSettingsRow } from './integration';

export { ApiKey, Tenant, Company, Contact, Item, Opportunity, Quote, HaloConnectionRow, IntegrationSettingsRow, ConfigChange };
export type { ConnectionStatus } from './integration';
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
  HaloConnectionRow,
  IntegrationSettingsRow,
  ConfigChange,
];
