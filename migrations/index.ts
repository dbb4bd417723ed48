import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128000000Initial } from './Migration20261128000000Initial';
import { Migration20261128205549Integration } from './Migration20261128205549Integration';
import { Migration20261128210359SyncEngine } from './Migration20261128210359SyncEngine';
import { Migration20261128211255Webhooks } from './Migration20261128211255Webhooks';
import { Migration20261128211553Push } from './Migration20261128211553Push';
import { Migration20261203100000WebhookCoverage } from './Migration20261203100000WebhookCoverage';
import { Migration20261203110000BillingPeriodEnum } from './Migration20261203110000BillingPeriodEnum';
import { Migration20261203120000ContactsWithoutGeneralUsers } from './Migration20261203120000ContactsWithoutGeneralUsers';
import { Migration20261203140000SearchIndexes } from './Migration20261203140000SearchIndexes';
import { Migration20261203150000MappingInputs } from './Migration20261203150000MappingInputs';
import { Migration20261203160000WebhookReplays } from './Migration20261203160000WebhookReplays';

/** Every migration, in order. `npm run migration:create -- Name` writes the next one and registers it here. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261128000000Initial', class: Migration20261128000000Initial },
  { name: 'Migration20261128205549Integration', class: Migration20261128205549Integration },
  { name: 'Migration20261128210359SyncEngine', class: Migration20261128210359SyncEngine },
  { name: 'Migration20261128211255Webhooks', class: Migration20261128211255Webhooks },
  { name: 'Migration20261128211553Push', class: Migration20261128211553Push },
  { name: 'Migration20261203100000WebhookCoverage', class: Migration20261203100000WebhookCoverage },
  { name: 'Migration20261203110000BillingPeriodEnum', class: Migration20261203110000BillingPeriodEnum },
  { name: 'Migration20261203120000ContactsWithoutGeneralUsers', class: Migration20261203120000ContactsWithoutGeneralUsers },
  { name: 'Migration20261203140000SearchIndexes', class: Migration20261203140000SearchIndexes },
  { name: 'Migration20261203150000MappingInputs', class: Migration20261203150000MappingInputs },
  { name: 'Migration20261203160000WebhookReplays', class: Migration20261203160000WebhookReplays },
];
