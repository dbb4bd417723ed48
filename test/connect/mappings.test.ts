import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import {
  AccountCodeForDocument,
  ConfigHistoryDocument,
  ConnectHaloDocument,
  IntegrationSettingsDocument,
  SetAccountCodesDocument,
  SetCompanyImportDocument,
  SetOpportunityMappingDocument,
  SetPrimaryClientDocument,
  SetProductDefaultsDocument,
  SetProductGroupMappingsDocument,
  SetQuoteStatusMappingDocument,
  SetupChecklistDocument,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { connectInput, startSim } from '../support/halo';
import { addressMapping, ALL_PRODUCT_GROUPS, confirmLookupIds, GROUPS, opportunityMapping, PRIMARY, PRODUCT_TYPES, quoteStatusMapping } from '../support/mappings';
import { DEFAULT_LOOKUP_IDS, UNKNOWN_LOOKUPS } from '../../src/halo/facts';

const address = addressMapping;

describe('mappings and defaults', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let anItemInHardware: number;
  let anItemWithoutGroup: number;

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp(), startSim()]);
    ({ gql } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await gql.expectData(ConnectHaloDocument, { input: connectInput(sim) });
    anItemInHardware = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.hardware)[0].id);
    anItemWithoutGroup = Number(sim.control.list('items', (i) => !i.assetgroup_id)[0].id);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  const settings = async () => (await gql.expectData(IntegrationSettingsDocument)).integrationSettings;
  const fieldErrors = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    (res.errors?.[0].extensions?.fieldErrors as { path: string; code: string }[] | undefined) ?? [];

  it('starts empty and the checklist names every missing piece', async () => {
    const s = await settings();
    expect(s.primaryClient).toBeNull();
    expect(s.productGroups).toEqual([]);
    const { setupChecklist } = await gql.expectData(SetupChecklistDocument);
    const byId = Object.fromEntries(setupChecklist.map((c) => [c.id, c]));
    expect(byId.connection.status).toBe('OK');
    expect(byId.webhook_scope.status).toBe('OK');
    expect(byId.pipeline_stages.status).toBe('OK');
    for (const id of ['primary_client', 'product_groups', 'opportunity_mapping', 'quote_status_mapping', 'shipping_product', 'default_category', 'webhooks', 'first_full_sync']) {
      expect(byId[id].status, id).toBe('ACTION_NEEDED');
      expect(byId[id].fix, id).toBeTruthy();
    }
    expect(byId.product_groups.detail).toMatch(/6 of 6 product groups/);
    // Lookup ids no source gives: our defaults, wrong wherever this Halo (the oracle) has them elsewhere.
    for (const key of UNKNOWN_LOOKUPS) {
      if (sim.truth.lookupIds[key] !== DEFAULT_LOOKUP_IDS[key]) expect(byId[`lookup_${key}`], key).toMatchObject({ status: 'ACTION_NEEDED', fix: expect.stringContaining('setHaloLookupIds') });
    }
  });

  it('accepts the MSP’s own company as primary client and rejects one whose website differs or is missing', async () => {
    const other = sim.control.list('clients', (c) => Number(c.id) !== PRIMARY && typeof c.website === 'string' && c.website.length > 0)[0];
    const mismatch = await gql.request(SetPrimaryClientDocument, { haloClientId: Number(other.id) });
    expect(mismatch.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'haloClientId' });
    expect(fieldErrors(mismatch)[0].code).toBe('WEBSITE_MISMATCH');
    const unknown = await gql.request(SetPrimaryClientDocument, { haloClientId: 999_999 });
    expect(fieldErrors(unknown)[0]).toMatchObject({ path: 'haloClientId', code: 'UNKNOWN_HALO_ID' });
    expect((await settings()).primaryClient).toBeNull();

    const ok = await gql.expectData(SetPrimaryClientDocument, { haloClientId: PRIMARY });
    expect(ok.setPrimaryClient.primaryClient).toEqual({ haloClientId: PRIMARY, name: 'Acme Managed Services', website: 'acme.example' });
  });

  it('maps product groups, refusing unknown groups, groups not marked as items and duplicates — all or nothing', async () => {
    const bad = await gql.request(SetProductGroupMappingsDocument, {
      mappings: [
        { haloGroupId: GROUPS.hardware, productType: 'HARDWARE' },
        { haloGroupId: GROUPS.workstationsNotItems, productType: 'HARDWARE' },
        { haloGroupId: 4242, productType: 'OTHER' },
        { haloGroupId: GROUPS.software, productType: 'SOFTWARE' },
        { haloGroupId: GROUPS.software, productType: 'LICENSE' },
      ],
    });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual([
      'mappings.1.haloGroupId:NOT_A_PRODUCT_GROUP',
      'mappings.2.haloGroupId:UNKNOWN_HALO_ID',
      'mappings.3.haloGroupId:DUPLICATE',
      'mappings.4.haloGroupId:DUPLICATE',
    ]);
    expect((await settings()).productGroups).toEqual([]);

    const mappings = ALL_PRODUCT_GROUPS.map((haloGroupId, i) => ({ haloGroupId, productType: PRODUCT_TYPES[i] }));
    const ok = await gql.expectData(SetProductGroupMappingsDocument, { mappings });
    expect(ok.setProductGroupMappings.productGroups).toEqual(mappings);
    expect((await settings()).productGroups).toEqual(mappings);
  });

  it('maps opportunities in both directions and rejects unknown types, a missing status and a round trip that flips', async () => {
    const bad = await gql.request(SetOpportunityMappingDocument, {
      input: {
        ...opportunityMapping,
        defaultTypeId: 1, // an incident type, not an opportunity type
        toHalo: opportunityMapping.toHalo.filter((m) => m.status !== 'LOST').map((m) => (m.status === 'WON' ? { ...m, haloStatusId: 25 } : m)),
      },
    });
    const codes = fieldErrors(bad).map((e) => `${e.path}:${e.code}`);
    expect(codes).toContain('input.defaultTypeId:UNKNOWN_HALO_ID');
    expect(codes).toContain('input.toHalo:REQUIRED');
    expect(codes).toContain('input.toHalo.1.haloStatusId:CONFLICT');
    expect((await settings()).opportunities).toBeNull();

    const ok = await gql.expectData(SetOpportunityMappingDocument, { input: opportunityMapping });
    expect(ok.setOpportunityMapping.opportunities).toEqual(opportunityMapping);
  });

  it('maps company import type and address lines, refusing two fields on one line', async () => {
    const bad = await gql.request(SetCompanyImportDocument, { input: { prospectTypeId: 77, address: { ...address, city: 'line1' } } });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual(['input.prospectTypeId:UNKNOWN_HALO_ID', 'input.address.city:CONFLICT']);
    expect((await settings()).companies).toBeNull();
    const ok = await gql.expectData(SetCompanyImportDocument, { input: { prospectTypeId: 2, address } });
    expect(ok.setCompanyImport.companies).toEqual({ prospectTypeId: 2, address });
  });

  it('maps the four quote statuses, each to a Halo quote status and an opportunity status or stage', async () => {
    if (sim.truth.lookupIds.pipelineStage !== DEFAULT_LOOKUP_IDS.pipelineStage) {
      // Stage ids are checked against the Pipeline Stage lookup, and only once that table is confirmed.
      const unverified = await gql.request(SetQuoteStatusMappingDocument, { mappings: quoteStatusMapping });
      expect(fieldErrors(unverified).map((e) => `${e.path}:${e.code}`)).toEqual([
        'mappings.0.haloPipelineStageId:LOOKUP_UNVERIFIED',
        'mappings.1.haloPipelineStageId:LOOKUP_UNVERIFIED',
        'mappings.2.haloPipelineStageId:LOOKUP_UNVERIFIED',
      ]);
    }
    await confirmLookupIds(gql, sim.truth.lookupIds);
    // A status that closes the quote in Halo (value3 = '1') cannot stand for a quote still being worked on.
    const closing = await gql.request(SetQuoteStatusMappingDocument, { mappings: [{ ...quoteStatusMapping[0], haloQuoteStatusId: 3 }, ...quoteStatusMapping.slice(1)] });
    expect(fieldErrors(closing).map((e) => `${e.path}:${e.code}`)).toEqual(['mappings.0.haloQuoteStatusId:CLOSED_STATUS']);
    const bad = await gql.request(SetQuoteStatusMappingDocument, {
      mappings: [
        { ...quoteStatusMapping[0], haloQuoteStatusId: 99 },
        { ...quoteStatusMapping[1], haloOpportunityStatusId: null, haloPipelineStageId: null },
        quoteStatusMapping[2],
      ],
    });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual([
      'mappings.0.haloQuoteStatusId:UNKNOWN_HALO_ID',
      'mappings.1:REQUIRED',
      'mappings:REQUIRED',
    ]);
    expect((await settings()).quoteStatuses).toEqual([]);
    const ok = await gql.expectData(SetQuoteStatusMappingDocument, { mappings: quoteStatusMapping });
    expect(ok.setQuoteStatusMapping.quoteStatuses).toEqual(quoteStatusMapping);
  });

  it('sets the shipping product and default category, refusing unknown items and non-item groups', async () => {
    const bad = await gql.request(SetProductDefaultsDocument, { input: { shippingItemId: 987_654, defaultGroupId: GROUPS.workstationsNotItems } });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual(['input.shippingItemId:UNKNOWN_HALO_ID', 'input.defaultGroupId:NOT_A_PRODUCT_GROUP']);
    const shipping = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id);
    const ok = await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId: shipping, defaultGroupId: GROUPS.services } });
    expect(ok.setProductDefaults.productDefaults).toEqual({ shippingItemId: shipping, defaultGroupId: GROUPS.services });
  });

  it('resolves account codes: the product’s own, else its group’s, else none', async () => {
    const bad = await gql.request(SetAccountCodesDocument, {
      input: { groups: [{ haloGroupId: GROUPS.hardware, code: '' }], items: [{ haloItemId: 123_456, code: '4001' }] },
    });
    expect(fieldErrors(bad).map((e) => `${e.path}:${e.code}`)).toEqual(['input.groups.0.code:INVALID', 'input.items.0.haloItemId:UNKNOWN_HALO_ID']);
    await gql.expectData(SetAccountCodesDocument, {
      input: { groups: [{ haloGroupId: GROUPS.hardware, code: '4000-HW' }], items: [{ haloItemId: anItemInHardware, code: '4001-LAPTOP' }] },
    });
    expect((await gql.expectData(AccountCodeForDocument, { haloItemId: anItemInHardware })).accountCodeFor).toEqual({ code: '4001-LAPTOP', source: 'product' });
    const otherHardware = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.hardware)[1].id);
    expect((await gql.expectData(AccountCodeForDocument, { haloItemId: otherHardware })).accountCodeFor).toEqual({ code: '4000-HW', source: 'group' });
    expect((await gql.expectData(AccountCodeForDocument, { haloItemId: anItemWithoutGroup })).accountCodeFor).toBeNull();
  });

  it('records every change with before and after, newest first', async () => {
    const { configHistory } = await gql.expectData(ConfigHistoryDocument, {});
    expect(configHistory.map((c) => c.section)).toEqual([
      'accountCodes',
      'productDefaults',
      'quoteStatuses',
      'lookupIds',
      'companies',
      'opportunities',
      'productGroups',
      'primaryClient',
      'connection',
    ]);
    const primary = configHistory.find((c) => c.section === 'primaryClient')!;
    expect(JSON.parse(primary.before ?? 'null')).toBeNull();
    expect(JSON.parse(primary.after ?? 'null')).toMatchObject({ haloClientId: PRIMARY });
    expect(primary.apiKeyId).toBeTruthy();
    const onlyGroups = await gql.expectData(ConfigHistoryDocument, { section: 'productGroups' });
    expect(onlyGroups.configHistory).toHaveLength(1);
  });

  it('turns the checklist green for everything this stage owns once configured', async () => {
    const { setupChecklist } = await gql.expectData(SetupChecklistDocument);
    const notOk = setupChecklist.filter((c) => c.status !== 'OK').map((c) => c.id);
    // Webhooks, the first full sync and the count of items without a group come with the sync and webhook work.
    expect(notOk.sort()).toEqual(['first_full_sync', 'items_without_group', 'realtime_coverage', 'webhooks']);
  });

  it('flags the primary client again when its website changes in Halo', async () => {
    sim.control.update('clients', PRIMARY, { website: 'elsewhere.example' });
    try {
      // The checklist reads through a one-minute cache; a fresh app instance would see it at once. Use a new tenant
      // with its own cache entry to read Halo's current state.
      const fresh = await t.newTenant('Acme again', 'acme.example');
      await fresh.gql.expectData(ConnectHaloDocument, { input: connectInput(sim) });
      const res = await fresh.gql.request(SetPrimaryClientDocument, { haloClientId: PRIMARY });
      expect(fieldErrors(res)[0].code).toBe('WEBSITE_MISMATCH');
    } finally {
      sim.control.update('clients', PRIMARY, { website: 'acme.example' });
    }
  });
});
