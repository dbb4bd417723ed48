import { describe, expect, it } from 'vitest';
import { isClosedQuoteStatus, type HaloLookup } from '../../src/halo';
import { lookupChecks, verifyLookupTables, type LookupTablesInput, type SyncedLookupEvidence } from '../../src/integration/lookup-tables';

/** The pure checks of `src/integration/lookup-tables.ts`, on hand-made tables (the integration test uses the simulator). */
const countries: HaloLookup[] = [
  { id: 1, name: 'United Kingdom', value2: 'GB', value3: 'GBR' },
  { id: 2, name: 'Netherlands', value2: 'NL', value3: 'NLD' },
  { id: 3, name: 'Germany', value2: 'DE', value3: 'DEU' },
];
const regions: HaloLookup[] = [
  { id: 1, name: 'England', value2: 'GB' },
  { id: 2, name: 'Scotland', value2: 'GB' },
  { id: 3, name: 'Utrecht', value2: 'NL' },
  { id: 4, name: 'Bayern', value2: 'DE' },
];
const stages: HaloLookup[] = ['Lead', 'Qualified', 'Proposal'].map((name, i) => ({ id: i + 1, name }));
const quoteStatuses: HaloLookup[] = [
  { id: 1, name: 'Draft', value3: '0' },
  { id: 2, name: 'Approved', value3: '1' },
];
const noEvidence: SyncedLookupEvidence = { siteCountries: [], siteRegions: [], opportunityStages: [] };

function run(ids: Partial<Record<'countryCode' | 'regionCode' | 'pipelineStage', number>>, tables: Record<number, HaloLookup[]>, evidence = noEvidence, source: 'ADMIN' | 'DEFAULT' = 'ADMIN') {
  const input: LookupTablesInput = {
    ids: {
      customerType: { id: 33, source: 'CONFIRMED' },
      quoteStatus: { id: 39, source: 'CONFIRMED' },
      countryCode: { id: ids.countryCode ?? 70, source },
      regionCode: { id: ids.regionCode ?? 71, source },
      pipelineStage: { id: ids.pipelineStage ?? 142, source },
    },
    // Every id in use is read; one no table has answers an empty list, as Halo does.
    rows: new Map<number, HaloLookup[] | { error: unknown }>([
      [33, [{ id: 1, name: 'Customer' }]],
      [39, quoteStatuses],
      ...[ids.countryCode ?? 70, ids.regionCode ?? 71, ids.pipelineStage ?? 142].map((id) => [id, tables[id] ?? []] as [number, HaloLookup[]]),
    ]),
    evidence,
  };
  return Object.fromEntries(verifyLookupTables(input).map((r) => [r.key, r]));
}

describe('lookup table checks', () => {
  it('reads the quote status closed flag from value3 = "1" only', () => {
    expect([{ value3: '1' }, { value3: ' 1 ' }, { value3: '0' }, { value3: null }, { value2: '1' }, { value3_bool: true }].map((r) => isClosedQuoteStatus({ id: 1, ...r }))).toEqual([true, true, false, false, false, false]);
  });

  it('accepts countries, regions and stages that look right, and finds the field holding the 2-letter code', () => {
    const r = run({ countryCode: 5, regionCode: 6, pipelineStage: 7 }, { 5: countries, 6: regions, 7: stages });
    expect([r.countryCode!.verdict, r.regionCode!.verdict, r.pipelineStage!.verdict]).toEqual(['PLAUSIBLE', 'PLAUSIBLE', 'PLAUSIBLE']);
    expect(r.countryCode!.codeField).toBe('value2');
    expect(r.countryCode!.rows[0]).toMatchObject({ name: 'United Kingdom', code: 'GB', codes: ['GB', 'GBR'] });
    expect(r.quoteStatus!.rows.map((x) => x.closed)).toEqual([false, true]);
    // The code may live in another value field.
    const moved = run({ countryCode: 5, regionCode: 6 }, { 5: countries.map((c) => ({ ...c, value2: c.value3, value4: c.value2 })), 6: regions });
    expect(moved.countryCode).toMatchObject({ verdict: 'PLAUSIBLE', codeField: 'value4' });
  });

  it('refuses regions as countries, countries as regions, coded rows as stages, and an empty table', () => {
    expect(run({ countryCode: 6 }, { 6: regions }).countryCode!.detail).toMatch(/looks like regions/);
    const asRegions = run({ countryCode: 5, regionCode: 8 }, { 5: countries, 8: countries.map((c) => ({ ...c, id: c.id + 10 })) });
    expect(asRegions.regionCode).toMatchObject({ verdict: 'FAILED', detail: expect.stringMatching(/holds countries/) });
    expect(run({ pipelineStage: 5 }, { 5: countries }).pipelineStage).toMatchObject({ verdict: 'FAILED', detail: expect.stringMatching(/2-letter codes/) });
    const empty = run({}, {}, noEvidence, 'DEFAULT');
    expect(empty.countryCode).toMatchObject({ verdict: 'FAILED', fix: expect.stringContaining('setHaloLookupIds(input: { countryCode:') });
    // Regions cannot be judged without a good country table.
    expect(run({ regionCode: 6 }, { 6: regions }).regionCode!.detail).toMatch(/Country Codes table is not confirmed/);
  });

  it('verifies against what Halo shows on synced records, and fails on any disagreement', () => {
    const evidence: SyncedLookupEvidence = { siteCountries: [{ code: 'GB', name: 'United Kingdom' }], siteRegions: ['England'], opportunityStages: [{ id: 2, name: 'Qualified' }] };
    const ok = run({ countryCode: 5, regionCode: 6, pipelineStage: 7 }, { 5: countries, 6: regions, 7: stages }, evidence);
    expect([ok.countryCode!.verdict, ok.regionCode!.verdict, ok.pipelineStage!.verdict]).toEqual(['VERIFIED', 'VERIFIED', 'VERIFIED']);
    const other = { siteCountries: [{ code: 'GB', name: 'United Kingdom' }], siteRegions: ['Wales'], opportunityStages: [{ id: 2, name: 'Negotiation' }] };
    const bad = run({ countryCode: 5, regionCode: 6, pipelineStage: 7 }, { 5: countries, 6: regions, 7: stages }, other);
    const france = run({ countryCode: 5, regionCode: 6 }, { 5: countries, 6: regions }, { ...noEvidence, siteCountries: [{ code: 'FR', name: 'France' }] });
    expect(france.countryCode!.detail).toMatch(/FR "France", which lookup 5 does not hold/);
    expect(bad.regionCode!.detail).toMatch(/region "Wales"/);
    expect(bad.pipelineStage!.detail).toMatch(/stage 2 "Negotiation", but lookup 7 calls 2 "Qualified"/);
  });

  it('turns reports into checklist items: wrong → action, unconfirmed default → warning, unreadable → unknown', () => {
    const plausibleDefault = run({ countryCode: 5, regionCode: 6, pipelineStage: 7 }, { 5: countries, 6: regions, 7: stages }, noEvidence, 'DEFAULT');
    expect(lookupChecks(Object.values(plausibleDefault)).map((c) => c.status)).toEqual(['WARNING', 'WARNING', 'WARNING']);
    const admin = run({ countryCode: 5, regionCode: 6, pipelineStage: 7 }, { 5: countries, 6: regions, 7: stages });
    expect(lookupChecks(Object.values(admin)).map((c) => c.status)).toEqual(['OK', 'OK', 'OK']);
    const reports = Object.values(run({}, {}));
    const unreadable = verifyLookupTables({
      ids: { customerType: { id: 33, source: 'CONFIRMED' }, quoteStatus: { id: 39, source: 'CONFIRMED' }, countryCode: { id: 5, source: 'ADMIN' }, regionCode: { id: 6, source: 'ADMIN' }, pipelineStage: { id: 7, source: 'ADMIN' } },
      rows: new Map([[5, { error: new Error('Halo: timed out') }]]),
      evidence: noEvidence,
    });
    expect(unreadable.find((r) => r.key === 'countryCode')).toMatchObject({ verdict: 'UNCHECKED', detail: expect.stringContaining('timed out') });
    expect(lookupChecks(reports).map((c) => [c.id, c.status])).toEqual([['lookup_countryCode', 'ACTION_NEEDED'], ['lookup_regionCode', 'ACTION_NEEDED'], ['lookup_pipelineStage', 'ACTION_NEEDED']]);
    expect(lookupChecks(null).map((c) => c.status)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
  });
});
