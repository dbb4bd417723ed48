import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChecklist, type ChecklistFacts } from '../../src/integration/checklist';
import { verifyLookupTables } from '../../src/integration/lookup-tables';
import { emptySettings } from '../../src/integration/settings';
import { DEFAULT_LOOKUP_IDS, HALO_LOOKUPS } from '../../src/halo/facts';

/** The mutations the API has, read from the emitted schema a frontend developer works from. */
const MUTATIONS = (() => {
  const sdl = readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
  const body = /type Mutation \{([\s\S]*?)\n\}/.exec(sdl)![1]!;
  return new Set([...body.matchAll(/^ {2}(\w+)\(|^ {2}(\w+):/gm)].map((m) => m[1] ?? m[2]!));
})();

const lookups = () =>
  verifyLookupTables({
    ids: {
      customerType: { id: HALO_LOOKUPS.customerType.value, source: 'CONFIRMED' },
      quoteStatus: { id: HALO_LOOKUPS.quoteStatus.value, source: 'CONFIRMED' },
      countryCode: { id: DEFAULT_LOOKUP_IDS.countryCode, source: 'DEFAULT' },
      regionCode: { id: DEFAULT_LOOKUP_IDS.regionCode, source: 'DEFAULT' },
      pipelineStage: { id: DEFAULT_LOOKUP_IDS.pipelineStage, source: 'DEFAULT' },
    },
    rows: new Map(Object.values({ ...DEFAULT_LOOKUP_IDS, c: 33, q: 39 }).map((id) => [id, []])),
    evidence: { siteCountries: [], siteRegions: [], opportunityStages: [] },
  });

/** Facts under which every check that can need an action needs one. */
const broken = (over: Partial<ChecklistFacts> = {}): ChecklistFacts => ({
  tenantWebsite: 'acme.example',
  connection: {
    status: 'FAILING',
    steps: [
      { step: 'url', ok: true, message: 'ok' },
      { step: 'token', ok: false, message: 'Halo refused the Client ID or Client Secret.', fix: 'In Halo go to Configuration > Integrations and copy the Client Secret again.' },
      { step: 'webhooks', ok: false, message: 'The application lacks admin:webhooks.', fix: "In the API application's Permissions tab tick admin:webhooks and save." },
    ],
    pipelineStagesEnabled: false,
  },
  settings: emptySettings(),
  primaryClientNow: null,
  productGroups: [{ id: 1, name: 'Hardware' }],
  itemsWithoutGroup: 3,
  webhooks: null,
  lastFullSyncAt: null,
  lookups: lookups(),
  ...over,
});

const needingAction = (facts: ChecklistFacts) => buildChecklist(facts).filter((c) => c.status !== 'OK' && c.status !== 'UNKNOWN');

describe('setup checklist fixes (pure)', () => {
  it('the schema has the mutations the fixes may name', () => {
    for (const m of ['connectHalo', 'testHaloConnection', 'setPrimaryClient', 'setProductGroupMappings', 'startSync', 'setHaloLookupIds']) expect(MUTATIONS, m).toContain(m);
  });

  it('every fix names the mutation to call, one that exists', () => {
    const variants: ChecklistFacts[] = [
      broken(),
      broken({ connection: null, lookups: null }),
      broken({
        connection: { status: 'CONNECTED', steps: [{ step: 'url', ok: true, message: 'ok' }, { step: 'agent', ok: false, message: 'The agent is inactive.', fix: 'In Halo make the agent active.' }], pipelineStagesEnabled: true },
        settings: { ...emptySettings(), primaryClient: { haloClientId: 12, name: 'Acme', website: 'acme.example' } },
        primaryClientNow: { name: 'Acme', website: 'elsewhere.example' },
        webhooks: { ok: false, detail: 'One subscription is missing.', polled: ['everything'] },
      }),
    ];
    let fixes = 0;
    for (const facts of variants) {
      for (const check of needingAction(facts)) {
        expect(check.fix, `${check.id} has no fix`).toBeTruthy();
        const named = [...check.fix!.matchAll(/\b([a-z]+[A-Z]\w*)\b/g)].map((m) => m[1]!).filter((w) => MUTATIONS.has(w));
        expect(named.length, `${check.id}: "${check.fix}" names no mutation`).toBeGreaterThan(0);
        fixes++;
      }
    }
    expect(fixes).toBeGreaterThan(20);
  });

  it('a fix made in Halo says which mutation checks it again', () => {
    const byId = Object.fromEntries(buildChecklist(broken()).map((c) => [c.id, c]));
    // The connection's own step fix (credentials) is followed by saving the connection again.
    expect(byId.connection!.fix).toMatch(/copy the Client Secret again.*connectHalo/);
    expect(byId.webhook_scope!.fix).toMatch(/tick admin:webhooks.*testHaloConnection/);
    expect(byId.items_without_group!.fix).toContain('startSync');
    expect(byId.shipping_product!.fix).toContain('setProductDefaults');
  });
});
