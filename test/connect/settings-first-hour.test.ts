import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { SETTINGS_LIST_LIMITS } from '../../src/integration/validate';
import { ITEMS_BY_ID_MAX } from '../../src/integration/halo-catalog';
import {
  HaloLookupsDocument,
  IntegrationSettingsDocument,
  SetAccountCodesDocument,
  SetCompanyImportDocument,
  SetOpportunityMappingDocument,
  SetProductDefaultsDocument,
  SetProductGroupMappingsDocument,
  SetQuoteStatusMappingDocument,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { addressMapping, confirmLookupIds, GROUPS, opportunityMapping, quoteStatusMapping } from '../support/mappings';
import { connect, syncAndWait } from '../support/sync';

type Res = { errors?: { message: string; extensions?: Record<string, unknown> }[] };
const fieldErrors = (res: Res) => (res.errors?.[0]?.extensions?.fieldErrors as { path: string; code: string; message: string }[] | undefined) ?? [];

/**
 * Issue 14, what a new user, a frontend developer and an attacker hit first in the integration settings: lookups that
 * read Halo's fields, inputs whose omitted fields mean what the schema says, one message style, and lists that cannot
 * spend the tenant's Halo budget (capped, checked with batched reads, stopped when the caller leaves).
 */
describe('integration settings: first-hour defects', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let apiKey: string;

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    ({ gql, apiKey } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  const settings = async () => (await gql.expectData(IntegrationSettingsDocument)).integrationSettings;

  it('names categories by Halo’s category name and gives an item without a product group a null groupId', async () => {
    const { haloLookups } = await gql.expectData(HaloLookupsDocument, {});
    const expected = sim.control.list('categories').map((c) => ({ id: Number(c.id), name: String(c.value) }));
    expect(haloLookups.categories.slice().sort((a, b) => a.id - b.id)).toEqual(expected.sort((a, b) => a.id - b.id));
    expect(haloLookups.categories.map((c) => c.name)).not.toContain('#1');

    const withoutGroup = sim.control.list('items', (i) => !i.assetgroup_id);
    expect(withoutGroup.length).toBeGreaterThan(0);
    const byId = new Map(haloLookups.items.map((i) => [i.id, i]));
    const shown = withoutGroup.filter((i) => byId.has(Number(i.id)));
    expect(shown.length).toBeGreaterThan(0);
    for (const i of shown) expect(byId.get(Number(i.id))!.groupId, String(i.name)).toBeNull();
  });

  it('setProductDefaults: an omitted field is left unchanged, null clears it; never "id undefined"', async () => {
    const shipping = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0]!.id);
    await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId: shipping, defaultGroupId: GROUPS.services } });

    const onlyGroup = await gql.request(SetProductDefaultsDocument, { input: { defaultGroupId: GROUPS.hardware } });
    expect(onlyGroup.errors, JSON.stringify(onlyGroup.errors)).toBeUndefined();
    expect(onlyGroup.data?.setProductDefaults.productDefaults).toEqual({ shippingItemId: shipping, defaultGroupId: GROUPS.hardware });

    const onlyShipping = await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId: null } });
    expect(onlyShipping.setProductDefaults.productDefaults).toEqual({ shippingItemId: null, defaultGroupId: GROUPS.hardware });
    expect((await settings()).productDefaults).toEqual({ shippingItemId: null, defaultGroupId: GROUPS.hardware });
  });

  it('whole-section inputs: an omitted nullable id means none, never "id undefined"', async () => {
    const company = await gql.request(SetCompanyImportDocument, { input: { address: addressMapping } as never });
    expect(company.errors, JSON.stringify(company.errors)).toBeUndefined();
    expect(company.data?.setCompanyImport.companies).toEqual({ prospectTypeId: null, address: addressMapping });

    await confirmLookupIds(gql, sim.truth.lookupIds);
    const withoutStatus = quoteStatusMapping.map(({ haloOpportunityStatusId: _s, ...m }) => m);
    const res = await gql.request(SetQuoteStatusMappingDocument, { mappings: withoutStatus as never });
    expect(res.raw).not.toContain('undefined');
    // DECLINED names neither a status nor a stage once the omitted status means none.
    expect(fieldErrors(res).map((e) => `${e.path}:${e.code}`)).toEqual(['mappings.3:REQUIRED']);
  });

  it('writes every validation message in one style: a sentence saying what is wrong and what is allowed', async () => {
    const messages: string[] = [];
    const collect = (res: Res) => {
      expect(fieldErrors(res).length, JSON.stringify(res.errors)).toBeGreaterThan(0);
      messages.push(...fieldErrors(res).map((e) => e.message));
    };
    collect(await gql.request(SetProductGroupMappingsDocument, {
      mappings: [
        { haloGroupId: GROUPS.workstationsNotItems, productType: 'HARDWARE' },
        { haloGroupId: 4242, productType: 'OTHER' },
        { haloGroupId: GROUPS.software, productType: 'SOFTWARE' },
        { haloGroupId: GROUPS.software, productType: 'LICENSE' },
      ],
    }));
    collect(await gql.request(SetOpportunityMappingDocument, {
      input: { ...opportunityMapping, defaultTypeId: 1, importTypeIds: [], toHalo: opportunityMapping.toHalo.slice(0, 2).map((m) => (m.status === 'WON' ? { ...m, haloStatusId: 25 } : m)) },
    }));
    collect(await gql.request(SetCompanyImportDocument, { input: { prospectTypeId: 77, address: { ...addressMapping, street: null, city: 'line1', state: 'line1' } } }));
    collect(await gql.request(SetQuoteStatusMappingDocument, {
      mappings: [{ ...quoteStatusMapping[0]!, haloQuoteStatusId: 3 }, { ...quoteStatusMapping[1]!, haloQuoteStatusId: 99, haloOpportunityStatusId: null, haloPipelineStageId: null }],
    }));
    collect(await gql.request(SetProductDefaultsDocument, { input: { shippingItemId: 987_654, defaultGroupId: GROUPS.workstationsNotItems } }));
    collect(await gql.request(SetAccountCodesDocument, { input: { groups: [{ haloGroupId: 4242, code: '' }], items: [{ haloItemId: 123_456, code: 'x'.repeat(51) }] } }));

    expect(messages.length).toBeGreaterThan(15);
    for (const m of messages) {
      expect(m, m).toMatch(/^["A-Z0-9]/);
      expect(m, m).toMatch(/\.$/);
      expect(m, m).not.toMatch(/undefined|id null/);
    }
    // Each says what is allowed, not only what is wrong.
    const unknownGroup = messages.find((m) => m.includes('4242'));
    expect(unknownGroup).toMatch(/haloLookups\.productGroups/);
  });

  it('caps every list argument (documented), answering BAD_USER_INPUT with the path before calling Halo', async () => {
    const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
    sim.control.resetCounts();
    const cases: [Promise<Res>, string][] = [
      [gql.request(SetAccountCodesDocument, { input: { groups: [], items: many(10_000, (i) => ({ haloItemId: 100_000 + i, code: '4000' })) } }), 'input.items'],
      [gql.request(SetAccountCodesDocument, { input: { groups: many(SETTINGS_LIST_LIMITS.accountCodeGroups + 1, (i) => ({ haloGroupId: i + 1, code: '4000' })), items: [] } }), 'input.groups'],
      [gql.request(SetProductGroupMappingsDocument, { mappings: many(SETTINGS_LIST_LIMITS.productGroupMappings + 1, (i) => ({ haloGroupId: i + 1, productType: 'OTHER' as const })) }), 'mappings'],
      [gql.request(SetOpportunityMappingDocument, { input: { ...opportunityMapping, importTypeIds: many(SETTINGS_LIST_LIMITS.importTypeIds + 1, (i) => i + 1) } }), 'input.importTypeIds'],
      [gql.request(SetOpportunityMappingDocument, { input: { ...opportunityMapping, fromHalo: many(SETTINGS_LIST_LIMITS.fromHalo + 1, (i) => ({ haloStatusId: i + 1, status: 'OPEN' as const })) } }), 'input.fromHalo'],
      [gql.request(SetOpportunityMappingDocument, { input: { ...opportunityMapping, toHalo: many(SETTINGS_LIST_LIMITS.toHalo + 1, () => opportunityMapping.toHalo[0]!) } }), 'input.toHalo'],
      [gql.request(SetQuoteStatusMappingDocument, { mappings: many(SETTINGS_LIST_LIMITS.quoteStatusMappings + 1, () => quoteStatusMapping[0]!) }), 'mappings'],
    ];
    for (const [pending, path] of cases) {
      const res = await pending;
      expect(res.errors?.[0]?.extensions, path).toMatchObject({ code: 'BAD_USER_INPUT', field: path });
      expect(fieldErrors(res)[0], path).toMatchObject({ path, code: 'TOO_MANY' });
      expect(fieldErrors(res)[0]!.message, path).toMatch(/at most \d+/);
    }
    expect(sim.control.requestCount(/\/api\//)).toBe(0);

    // The caps are in the argument descriptions a frontend developer reads.
    const schema = await gql.expectData<{ __schema: { types: { name: string; inputFields: { name: string; description: string | null }[] | null }[] } }, Record<string, never>>(
      '{ __schema { types { name inputFields { name description } } } }',
    );
    const described = (type: string, field: string) => schema.__schema.types.find((x) => x.name === type)?.inputFields?.find((f) => f.name === field)?.description ?? '';
    expect(described('AccountCodesInput', 'items')).toContain(`at most ${SETTINGS_LIST_LIMITS.accountCodeItems}`);
    expect(described('AccountCodesInput', 'groups')).toContain(`at most ${SETTINGS_LIST_LIMITS.accountCodeGroups}`);
    expect(described('OpportunityMappingInput', 'importTypeIds')).toContain(`at most ${SETTINGS_LIST_LIMITS.importTypeIds}`);
    expect(described('OpportunityMappingInput', 'fromHalo')).toContain(`at most ${SETTINGS_LIST_LIMITS.fromHalo}`);
    expect(described('OpportunityMappingInput', 'toHalo')).toContain(`at most ${SETTINGS_LIST_LIMITS.toHalo}`);
    const mutations = await gql.expectData<{ __schema: { mutationType: { fields: { name: string; args: { name: string; description: string | null }[] }[] } } }, Record<string, never>>(
      '{ __schema { mutationType { fields { name args { name description } } } } }',
    );
    const arg = (m: string, a: string) => mutations.__schema.mutationType.fields.find((f) => f.name === m)?.args.find((x) => x.name === a)?.description ?? '';
    expect(arg('setProductGroupMappings', 'mappings')).toContain(`at most ${SETTINGS_LIST_LIMITS.productGroupMappings}`);
    expect(arg('setQuoteStatusMapping', 'mappings')).toContain(`at most ${SETTINGS_LIST_LIMITS.quoteStatusMappings}`);
  });

  it('checks account-code items against stored items first and asks Halo only for the others, in few requests', async () => {
    const run = await syncAndWait(gql, { full: true, entities: ['productGroups', 'items'] });
    expect(run.status).toBe('SUCCEEDED');
    const stored = sim.control.list('items', (i) => [GROUPS.hardware, GROUPS.software, GROUPS.managed, GROUPS.services].includes(Number(i.assetgroup_id)) && i.inactive !== true);
    expect(stored.length).toBeGreaterThan(20);
    const notStored = sim.control.list('items', (i) => !i.assetgroup_id);
    const items = [
      ...stored.map((i) => ({ haloItemId: Number(i.id), code: '4001' })),
      ...notStored.map((i) => ({ haloItemId: Number(i.id), code: '4002' })),
      { haloItemId: 990_001, code: '4003' },
      { haloItemId: 990_002, code: '4003' },
    ];
    sim.control.resetCounts();
    const res = await gql.request(SetAccountCodesDocument, { input: { groups: [], items } });
    expect(fieldErrors(res).map((e) => `${e.path}:${e.code}`)).toEqual([
      `input.items.${items.length - 2}.haloItemId:UNKNOWN_HALO_ID`,
      `input.items.${items.length - 1}.haloItemId:UNKNOWN_HALO_ID`,
    ]);
    // Only the ids we do not hold go to Halo: a handful one by one.
    const unknown = notStored.length + 2;
    const expectedRequests = (n: number) => (n <= ITEMS_BY_ID_MAX ? n : 1);
    expect(sim.control.requestCount(/^GET \/api\/Item/)).toBe(expectedRequests(unknown));

    // Many ids we do not hold: one pass over Halo's item list (60 items: one page), not one request each.
    sim.control.resetCounts();
    const many = Array.from({ length: 40 }, (_, i) => ({ haloItemId: 970_000 + i, code: '4004' }));
    const res2 = await gql.request(SetAccountCodesDocument, { input: { groups: [], items: [...items.slice(0, 5), ...many] } });
    expect(fieldErrors(res2)).toHaveLength(many.length);
    expect(sim.control.requestCount(/^GET \/api\/Item/)).toBe(1);

    sim.control.resetCounts();
    await gql.expectData(SetAccountCodesDocument, { input: { groups: [], items: items.slice(0, -2) } });
    expect(sim.control.requestCount(/^GET \/api\/Item/)).toBe(expectedRequests(notStored.length));
    expect((await settings()).accountCodes.items).toHaveLength(items.length - 2);
  });

  it('stops asking Halo once the caller has gone', async () => {
    const unknown = Array.from({ length: 8 }, (_, i) => ({ haloItemId: 980_000 + i, code: '4000' }));
    sim.control.resetCounts();
    const slow = sim.control.setFault({ kind: 'latency', ms: 400, count: Infinity, match: { method: 'GET', path: '/api/Item/*' } });
    try {
      const requestId = 'first-hour-abort-0001';
      const caller = new AbortController();
      const sent = fetch(`${t.url}/graphql`, {
        method: 'POST',
        signal: caller.signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-request-id': requestId },
        body: JSON.stringify({
          query: 'mutation ($input: AccountCodesInput!) { setAccountCodes(input: $input) { accountCodes { items { haloItemId } } } }',
          variables: { input: { groups: [], items: unknown } },
        }),
      }).catch(() => 'aborted');
      while (sim.control.requestCount(/^GET \/api\/Item\//) === 0) await new Promise((r) => setTimeout(r, 20));
      caller.abort();
      expect(await sent).toBe('aborted');
      // The server logs each request when its handling ends: after that no further Halo request may follow.
      const handled = () => t.logLines.some((l) => l.includes(requestId) && l.includes('"msg":"request"'));
      while (!handled()) await new Promise((r) => setTimeout(r, 20));
      const asked = sim.control.requestCount(/^GET \/api\/Item\//);
      expect(asked).toBeLessThan(unknown.length);
      await gql.expectData(IntegrationSettingsDocument);
      expect(sim.control.requestCount(/^GET \/api\/Item\//)).toBe(asked);
    } finally {
      sim.control.clearFaults(slow);
    }
  });
});
