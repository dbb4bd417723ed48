import type { MikroORM } from '@mikro-orm/postgresql';
import type PgBoss from 'pg-boss';
import type { HaloAccess } from '../integration/halo-access';
import type { SettingsService } from '../integration/settings.service';
import type { Logger } from '../log';
import { Outbox, type OutboxOptions, DEFAULT_OUTBOX_OPTIONS } from './outbox';
import { createQuotationHandler, quoteStatusHandler } from './handlers/quote';
import { opportunityPushHandler } from './handlers/opportunity';
import { itemCreateHandler } from './handlers/item';

export interface PushDeps {
  orm: MikroORM;
  boss: PgBoss;
  access: HaloAccess;
  settings: SettingsService;
  log: Logger;
}

/** The outbox with every push handler registered. Services that change records add their pushes through it. */
export function createOutbox(deps: PushDeps, opts: Partial<OutboxOptions> = {}): Outbox {
  const outbox = new Outbox(deps, { ...DEFAULT_OUTBOX_OPTIONS, ...opts });
  outbox.register(quoteStatusHandler);
  outbox.register(createQuotationHandler);
  outbox.register(opportunityPushHandler);
  outbox.register(itemCreateHandler);
  return outbox;
}

export { Outbox, PushRejected, HaloStoredDifferently, startPushWorker } from './outbox';
export type { PushContext, PushHandler } from './outbox';
