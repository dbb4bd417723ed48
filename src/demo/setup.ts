import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../app';
import { SyncRun, Tenant } from '../db/entities';
import type { IntegrationSettingsDoc, SettingsSection } from '../integration/settings';
import * as v from '../integration/validate';
import { authenticateApiKey } from '../tenants/tenants';
import type { HaloSim } from '../halo-sim';
import { DEMO_SETTINGS, DEMO_SHIPPING_GROUP_ID } from './defaults';

/**
 * Demo mode only: an in-process Halo simulator, the demo tenant connected to it with default mappings, and a full
 * sync, so GraphiQL shows data as soon as the two start-up lines are printed.
 *
 * Restarts keep what the user did:
 * - the simulator's tenant is kept in `.data/halo-sim.json` (beside the embedded database; `simStateFile`), written
 *   shortly after every change and on shutdown, and restored on start: a quotation pushed before a restart is still
 *   in "Halo" after it, so the full sync each start runs finds it. A kill -9 loses at most the simulator's changes of
 *   the last ~100 ms (halo-sim/persist.ts); a clean stop (SIGTERM/SIGINT) loses nothing.
 * - a default mapping is saved only for a section the tenant never saved (no configuration history for it), so the
 *   user's own mappings are never reverted.
 * The simulator comes back on a new port, so the stored connection is replaced on every start.
 */

export interface DemoHalo {
  /** The simulator's base URL (changes on every start). */
  readonly haloUrl: string;
  /** The full sync started for this start-up. */
  readonly runId: string | null;
  stop(): Promise<void>;
}

export interface DemoSetupOptions {
  /** How long to wait for the very first full sync before printing the start-up lines anyway. */
  firstSyncWaitMs?: number;
}

export async function startDemoHalo(app: App, apiKey: string, opts: DemoSetupOptions = {}): Promise<DemoHalo> {
  const log = app.log.child({ module: 'demo' });
  const real = app.config.halo;
  // Dynamic: production code paths never load the simulator; with a Halo configured it is not started at all.
  const sim = real
    ? undefined
    : await (await import('../halo-sim/index.js')).startHaloSim({ scale: 'demo', seed: 1, rateLimit: false, stateFile: simStateFile(app) });
  let runId: string | null = null;
  try {
    const em = app.orm.em.fork();
    const key = await authenticateApiKey(em, apiKey);
    if (!key) throw new Error('the demo API key does not authenticate');
    const { tenantId, apiKeyId } = key;

    const connected = await app.integration.connections.connect(
      em,
      tenantId,
      apiKeyId,
      real
        ? { baseUrl: real.url, clientId: real.clientId, clientSecret: real.clientSecret, tenant: real.tenant }
        : { baseUrl: sim!.url, clientId: sim!.clientId, clientSecret: sim!.clientSecret, tenant: sim!.tenant },
    );
    if (!connected.ok) throw new Error(`connecting to ${real ? 'Halo' : 'the simulator'} failed at ${connected.failedStep?.step}: ${connected.failedStep?.message} ${connected.failedStep?.fix ?? ''}`);

    // The defaults fit the simulator's data only; a real Halo is mapped by its admin (the setup checklist says what is missing).
    if (sim) await saveDefaultSettings(app, sim, em.fork(), tenantId, apiKeyId);

    const syncedBefore = (await app.sync.service.lastFullSyncAt(em, tenantId)) !== null;
    const run = await app.sync.service.start(em, tenantId, { kind: 'FULL', trigger: 'demo' });
    runId = run.id;
    log.info({ haloUrl: real?.url ?? sim!.url, simulator: !real, runId }, 'demo tenant connected; full sync started');
    // The first time, wait so the data is there when the URL is printed; afterwards it is there already.
    if (!syncedBefore) await waitForRun(app, run.id, opts.firstSyncWaitMs ?? 30_000);
  } catch (err) {
    // The API still serves (an empty demo is better than none); say what went wrong.
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'demo setup failed');
  }
  return {
    haloUrl: real?.url ?? sim!.url,
    runId,
    stop: async () => sim?.stop(),
  };
}

/** Where the demo keeps its simulator's tenant: beside the embedded database, under `.data/` by default. */
export function simStateFile(app: App): string {
  return path.join(path.dirname(path.resolve(app.config.database.embeddedDir)), 'halo-sim.json');
}

/**
 * Saves the demo default of each settings section the tenant never saved, validated like the API does. A section
 * with any configuration history (the demo's own first save, or the user's change) is left as it is.
 */
async function saveDefaultSettings(app: App, sim: HaloSim, em: EntityManager, tenantId: string, apiKeyId: string): Promise<void> {
  const { settings, access, lookupTables } = app.integration;
  const catalog = await access.catalogFor(em, tenantId);
  const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
  const saved = new Set(
    (await em.getConnection().execute<{ section: string }[]>(`select distinct section from config_change where tenant_id = ?`, [tenantId])).map((r) => r.section),
  );

  const shipping = sim.control
    .list('items', (i) => i.assetgroup_id === DEMO_SHIPPING_GROUP_ID && i.inactive !== true)
    .map((i) => Number(i.id))
    .sort((a, b) => a - b)[0];
  // Country, region and pipeline stage lookup ids are unknown in Halo (HALO-API.md §9): a real tenant's admin finds
  // them in Halo and confirms them (setHaloLookupIds). The demo owns its simulator, so it plays that admin and reads
  // them from the simulator's truth; they are still checked against the rows like an admin's input.
  const { countryCode, regionCode, pipelineStage } = sim.truth.lookupIds;
  const wanted: IntegrationSettingsDoc = {
    ...DEMO_SETTINGS,
    productDefaults: { ...DEMO_SETTINGS.productDefaults, shippingItemId: shipping ?? null },
    lookupIds: { countryCode, regionCode, pipelineStage },
    haloQuoteLineFields: { quantity: sim.truth.quoteLineQuantityField, unitPrice: sim.truth.quoteLineUnitPriceField },
  };
  const validators: { [S in SettingsSection]: (value: IntegrationSettingsDoc[S]) => Promise<v.FieldError[]> } = {
    // First: the quote-status mapping's pipeline stages are checked against the confirmed stage table.
    lookupIds: async (ids) => (await lookupTables.validate(em.fork(), tenantId, ids)).errors,
    primaryClient: async (p) => (p ? (await v.validatePrimaryClient(catalog, p.haloClientId, tenant.website)).errors : []),
    productGroups: (m) => v.validateProductGroups(catalog, m),
    opportunities: async (o) => (o ? v.validateOpportunities(catalog, o) : []),
    companies: async (c) => (c ? v.validateCompanies(catalog, c) : []),
    quoteStatuses: async (m) => v.validateQuoteStatuses(catalog, m, await lookupTables.stagesForValidation(em.fork(), tenantId)),
    productDefaults: (d) => v.validateProductDefaults(catalog, d),
    accountCodes: (c) => v.validateAccountCodes(catalog, c),
    haloQuoteLineFields: async (f) => (f ? v.validateQuoteLineFields(f) : []),
  };
  for (const section of Object.keys(validators) as SettingsSection[]) {
    if (saved.has(section)) continue;
    const validate = validators[section] as (value: unknown) => Promise<v.FieldError[]>;
    // Throws SettingsValidationError naming every field: the defaults drifted from the simulator's data.
    await settings.save(em, tenantId, apiKeyId, section, wanted[section], await validate(wanted[section]));
  }
}

async function waitForRun(app: App, runId: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const run = await app.orm.em.fork().findOne(SyncRun, { id: runId });
    if (!run || (run.status !== 'QUEUED' && run.status !== 'RUNNING')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  app.log.warn({ runId }, 'the first demo sync is still running; data will appear as it finishes');
}
