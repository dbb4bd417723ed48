import type { Config } from '../config';
import type { HaloLogger } from '../halo';
import { SecretBox } from '../crypto/secret-box';
import { HaloAccess } from './halo-access';
import { ConnectionService } from './connection.service';
import { SettingsService } from './settings.service';
import { ChecklistService } from './checklist.service';
import { LookupTablesService } from './lookup-tables.service';

export interface IntegrationServices {
  box: SecretBox;
  access: HaloAccess;
  connections: ConnectionService;
  settings: SettingsService;
  checklist: ChecklistService;
  lookupTables: LookupTablesService;
}

export function createIntegrationServices(config: Config, logger?: HaloLogger): IntegrationServices {
  const box = new SecretBox(config.encryptionKeys);
  const access = new HaloAccess({ box, logger, rateBudgetPer5Min: config.haloRateLimitPer5Min, retry: config.haloRetry });
  const settings = new SettingsService();
  const lookupTables = new LookupTablesService(access, settings);
  return {
    box,
    access,
    connections: new ConnectionService(access, box),
    settings,
    checklist: new ChecklistService(access, settings, lookupTables),
    lookupTables,
  };
}
