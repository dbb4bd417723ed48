import type { Config } from '../config';
import type { HaloLogger } from '../halo';
import { SecretBox } from '../crypto/secret-box';
import { HaloAccess } from './halo-access';
import { EgressPolicy } from './egress';
import { ConnectionService } from './connection.service';
import { SettingsService } from './settings.service';
import { ChecklistService } from './checklist.service';
import { LookupTablesService } from './lookup-tables.service';

export interface IntegrationServices {
  box: SecretBox;
  /** Which addresses Halo requests may go to; `close()` it on shutdown. */
  egress: EgressPolicy;
  access: HaloAccess;
  connections: ConnectionService;
  settings: SettingsService;
  checklist: ChecklistService;
  lookupTables: LookupTablesService;
}

export function createIntegrationServices(config: Config, logger?: HaloLogger): IntegrationServices {
  const box = new SecretBox(config.encryptionKeys);
  // Which addresses a tenant's Halo may be at (egress.ts): public only in production mode.
  const egress = new EgressPolicy({ allowPrivate: config.haloAllowPrivateAddresses });
  const access = new HaloAccess({ box, logger, rateBudgetPer5Min: config.haloRateLimitPer5Min, retry: config.haloRetry, fetch: egress.fetch });
  const settings = new SettingsService();
  const lookupTables = new LookupTablesService(access, settings);
  return {
    box,
    egress,
    access,
    connections: new ConnectionService(access, box, egress),
    settings,
    checklist: new ChecklistService(access, settings, lookupTables),
    lookupTables,
  };
}
