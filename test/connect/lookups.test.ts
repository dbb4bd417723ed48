import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { DEFAULT_LOOKUP_IDS, UNKNOWN_LOOKUPS, type UnknownLookupName } from '../../src/halo/facts';
import {
  ConfigHistoryDocument,
  HaloLookupCodesDocument,
  HaloLookupsDocument,
  HaloLookupTablesDocument,
  IntegrationSettingsDocument,
  SetHaloLookupIdsDocument,
  SetOpportunityMappingDocument,
  SetQuoteStatusMappingDocument,
  SetupChecklistDocument,
  type HaloLookupTablesQuery,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { confirmLookupIds, opportunityMapping, quoteStatusMapping } from '../support/mappings';
import { connect, syncAndWait } from '../support/sync';

type Table = HaloLookupTablesQuery['haloLookupTables'][number];

/**
 * Halo's lookup tables (issue 13). Customer type 33 and quote status 39 are confirmed; the country, region and
 * pipeline stage ids are unknown, so this Halo (the simulator) answers them from its seed, and the tests judge the
 * product by `sim.truth.lookupIds` (the oracle). Runs under any HALO_SIM_SEED.
 */
describe('Halo lookup tables', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  const truth = () => sim.truth.lookupIds;
  /** Whether this Halo keeps the table elsewhere than our default (every seed so far does). */
  const defaultIsWrong = (key: UnknownLookupName) => truth()[key] !== DEFAULT_LOOKUP_IDS[key];
  const simRows = (lookupid: number) => sim.control.list('lookups', (l) => l.lookupid === lookupid);

  const tables = async (first = 10) => {
    const { haloLookupTables } = await gql.expectData(HaloLookupTablesDocument, { first });
    return Object.fromEntries(haloLookupTables.map((x) => [x.key, x])) as Record<string, Table>;
  };
  const checklist = async () => Object.fromEntries((await gql.expectData(SetupChecklistDocument)).setupChecklist.map((c) => [c.id, c]));
  const fieldErrors = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    ((res.errors?.[0]?.extensions?.fieldErrors as { path: string; code: string; message: string }[] | undefined) ?? []);

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    ({ gql } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('reads quote statuses from the confirmed lookup 39 with Halo’s closed flag, never from the tech-status table 49', async () => {
    sim.control.resetCounts();
    const { haloLookups } = await gql.expectData(HaloLookupsDocument, {});
    const expected = simRows(39).map((r) => ({ id: r.id, name: r.name, closed: r.value3 === '1' }));
    expect(haloLookups.quoteStatuses.slice().sort((a, b) => a.id - b.id)).toEqual(expected);
    expect(haloLookups.quoteStatuses.filter((s) => s.closed).map((s) => s.name).sort()).toEqual(['Approved', 'Declined', 'Expired']);
    const asked = sim.control.requests('GET /api/Lookup').map((r) => Number(r.query.lookupid));
    expect(asked).toContain(39);
    expect(asked).not.toContain(49);

    const { quoteStatus, customerType } = await tables();
    expect(quoteStatus).toMatchObject({ lookupId: 39, source: 'CONFIRMED', grade: 'CONFIRMED', verification: { status: 'VERIFIED' }, fix: null, rowCount: 5 });
    expect(quoteStatus.evidence).toMatch(/stellarcyber/);
    expect(quoteStatus.rows.map((r) => [r.name, r.closed])).toEqual([['Draft', false], ['Sent', false], ['Approved', true], ['Declined', true], ['Expired', true]]);
    expect(customerType).toMatchObject({ lookupId: 33, source: 'CONFIRMED', grade: 'CONFIRMED', verification: { status: 'VERIFIED' } });
  });

  it('with the default ids, names each wrong table with the fix and its rows, and shows none of them as countries, regions or stages', async () => {
    const byKey = await tables();
    const checks = await checklist();
    for (const key of UNKNOWN_LOOKUPS) {
      const table = byKey[key]!;
      expect(table, key).toMatchObject({ lookupId: DEFAULT_LOOKUP_IDS[key], source: 'DEFAULT', grade: 'UNKNOWN' });
      if (!defaultIsWrong(key)) continue;
      expect(table.verification.status, key).toBe('FAILED');
      expect(table.fix, key).toContain(`setHaloLookupIds(input: { ${key}:`);
      expect(table.fix, key).toContain(`Lookup ${DEFAULT_LOOKUP_IDS[key]} holds:`);
      expect(checks[`lookup_${key}`], key).toMatchObject({ status: 'ACTION_NEEDED', fix: table.fix });
      expect(checks[`lookup_${key}`]!.detail, key).toContain(`Lookup ${DEFAULT_LOOKUP_IDS[key]} (our unconfirmed default)`);
    }

    const res = await gql.request(HaloLookupCodesDocument);
    const lists = { countryCode: 'countries', regionCode: 'regions', pipelineStage: 'pipelineStages' } as const;
    for (const key of UNKNOWN_LOOKUPS) {
      if (!defaultIsWrong(key)) continue;
      expect(res.data?.haloLookups[lists[key]], key).toBeNull();
      const err = res.errors?.find((e) => e.path?.[1] === lists[key]);
      expect(err?.extensions, key).toMatchObject({ code: 'HALO_LOOKUP_UNVERIFIED', lookup: key, lookupId: DEFAULT_LOOKUP_IDS[key], fix: expect.stringContaining('setHaloLookupIds') });
    }
  });

  it('refuses ids that cannot be right: not positive, a confirmed or the tech-status table, used twice, or rows of another kind', async () => {
    const codes = async (input: Record<string, number | null>) => fieldErrors(await gql.request(SetHaloLookupIdsDocument, { input })).map((e) => `${e.path}:${e.code}`);
    expect(await codes({ countryCode: 0, regionCode: -3 })).toEqual(['input.countryCode:INVALID', 'input.regionCode:INVALID']);
    expect(await codes({ countryCode: 39, regionCode: 33, pipelineStage: 49 })).toEqual([
      'input.countryCode:RESERVED_LOOKUP',
      'input.regionCode:RESERVED_LOOKUP',
      'input.pipelineStage:RESERVED_LOOKUP',
    ]);
    expect(await codes({ countryCode: 4001, regionCode: 4001 })).toEqual(['input.countryCode:DUPLICATE', 'input.regionCode:DUPLICATE']);
    // Another id's default is in use too: a region id equal to the default country id is a duplicate.
    expect(await codes({ regionCode: DEFAULT_LOOKUP_IDS.countryCode })).toEqual(['input.regionCode:DUPLICATE']);

    // Country and region swapped: regions repeat their country's code, and regions need a real country table.
    const swapped = await gql.request(SetHaloLookupIdsDocument, { input: { countryCode: truth().regionCode, regionCode: truth().countryCode, pipelineStage: truth().pipelineStage } });
    expect(fieldErrors(swapped).map((e) => `${e.path}:${e.code}`)).toEqual(['input.countryCode:LOOKUP_MISMATCH', 'input.regionCode:LOOKUP_MISMATCH']);
    expect(fieldErrors(swapped)[0]!.message).toMatch(/looks like regions/);
    expect(fieldErrors(swapped)[0]!.message).toContain('England');
    // The countries are not pipeline stages; an id with no table has no rows.
    const stagesAreCountries = fieldErrors(await gql.request(SetHaloLookupIdsDocument, { input: { pipelineStage: truth().countryCode } }));
    expect(stagesAreCountries).toMatchObject([{ path: 'input.pipelineStage', code: 'LOOKUP_MISMATCH', message: expect.stringMatching(/2-letter codes/) }]);
    const none = fieldErrors(await gql.request(SetHaloLookupIdsDocument, { input: { pipelineStage: 4242 } }));
    expect(none).toMatchObject([{ path: 'input.pipelineStage', code: 'LOOKUP_MISMATCH', message: expect.stringMatching(/no rows/) }]);

    expect((await gql.expectData(IntegrationSettingsDocument)).integrationSettings.lookupIds).toEqual({ countryCode: null, regionCode: null, pipelineStage: null });
    const { configHistory } = await gql.expectData(ConfigHistoryDocument, { section: 'lookupIds' });
    expect(configHistory).toEqual([]);
  });

  it('once an admin sets the ids found in Halo, the checklist clears and countries, regions and pipeline stages read right', async () => {
    const { setHaloLookupIds } = await gql.expectData(SetHaloLookupIdsDocument, { input: { countryCode: truth().countryCode, regionCode: truth().regionCode, pipelineStage: truth().pipelineStage } });
    expect(setHaloLookupIds.lookupIds).toEqual({ countryCode: truth().countryCode, regionCode: truth().regionCode, pipelineStage: truth().pipelineStage });

    const byKey = await tables(3);
    const checks = await checklist();
    for (const key of UNKNOWN_LOOKUPS) {
      expect(byKey[key], key).toMatchObject({ lookupId: truth()[key], source: 'ADMIN', grade: 'UNKNOWN', fix: null, rowCount: simRows(truth()[key]).length });
      // No sync yet: the rows look right, nothing synced names one to cross-check.
      expect(byKey[key]!.verification.status, key).toBe('PLAUSIBLE');
      expect(byKey[key]!.rows, key).toHaveLength(3);
      expect(checks[`lookup_${key}`]?.status, key).toBe('OK');
    }

    const { haloLookups } = await gql.expectData(HaloLookupCodesDocument);
    const countries = simRows(truth().countryCode);
    expect(haloLookups.countries?.map((c) => [c.id, c.name, c.code]).sort()).toEqual(countries.map((c) => [c.id, c.name, c.value2]).sort());
    expect(haloLookups.countries?.find((c) => c.code === 'GB')?.name).toBe('United Kingdom');
    expect(haloLookups.regions?.filter((r) => r.code === 'GB').map((r) => r.name).sort()).toEqual(['England', 'Northern Ireland', 'Scotland', 'Wales']);
    expect(haloLookups.regions).toHaveLength(simRows(truth().regionCode).length);
    expect(haloLookups.pipelineStages?.map((s) => [s.id, s.name]).sort()).toEqual(simRows(truth().pipelineStage).map((s) => [s.id, s.name]).sort());

    // The stage ids of the quote-status mapping are now checked against the confirmed table.
    const bad = await gql.request(SetQuoteStatusMappingDocument, { mappings: [{ ...quoteStatusMapping[0]!, haloPipelineStageId: 99 }, ...quoteStatusMapping.slice(1)] });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual(['mappings.0.haloPipelineStageId:UNKNOWN_HALO_ID']);
    await gql.expectData(SetQuoteStatusMappingDocument, { mappings: quoteStatusMapping });
    expect((await gql.expectData(ConfigHistoryDocument, { section: 'lookupIds' })).configHistory).toHaveLength(1);
  });

  it('after a sync, checks each table against what Halo shows on synced sites and opportunities', async () => {
    await gql.expectData(SetOpportunityMappingDocument, { input: opportunityMapping });
    const run = await syncAndWait(gql, { full: true });
    expect(run.status).toBe('SUCCEEDED');

    const byKey = await tables();
    for (const key of UNKNOWN_LOOKUPS) expect(byKey[key]!.verification, key).toMatchObject({ status: 'VERIFIED' });
    expect(byKey.pipelineStage!.verification.detail).toMatch(/stages Halo shows on synced opportunities/);

    // A table of named stages whose names disagree with the stages Halo shows on synced opportunities is refused.
    const other = 4100;
    for (const [i, name] of ['Prospecting', 'Discovery', 'Demo', 'Contract', 'Signed', 'Dropped'].entries()) {
      sim.control.create('lookups', { lookupid: other, id: i + 1, name, inactive: false });
    }
    const wrong = fieldErrors(await gql.request(SetHaloLookupIdsDocument, { input: { pipelineStage: other } }));
    expect(wrong).toMatchObject([{ path: 'input.pipelineStage', code: 'LOOKUP_MISMATCH', message: expect.stringMatching(/Synced opportunities are at stage \d+ "/) }]);
    expect((await tables()).pipelineStage).toMatchObject({ lookupId: truth().pipelineStage, verification: { status: 'VERIFIED' } });
  });

  it('returns an id to its default with null, and the checklist flags it again', async () => {
    const { setHaloLookupIds } = await gql.expectData(SetHaloLookupIdsDocument, { input: { pipelineStage: null } });
    expect(setHaloLookupIds.lookupIds).toEqual({ countryCode: truth().countryCode, regionCode: truth().regionCode, pipelineStage: null });
    const stage = (await tables()).pipelineStage!;
    expect(stage).toMatchObject({ lookupId: DEFAULT_LOOKUP_IDS.pipelineStage, source: 'DEFAULT' });
    if (defaultIsWrong('pipelineStage')) {
      expect(stage.verification.status).toBe('FAILED');
      expect((await checklist()).lookup_pipelineStage?.status).toBe('ACTION_NEEDED');
    }
  });
});
