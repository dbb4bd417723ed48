import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import {
  SetAccountCodesDocument,
  SetCompanyImportDocument,
  SetOpportunityMappingDocument,
  SetProductGroupMappingsDocument,
  SetQuoteStatusMappingDocument,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { addressMapping, ALL_PRODUCT_GROUPS, configureDefaults, GROUPS, opportunityMapping, PRIMARY, PRODUCT_TYPES, quoteStatusMapping } from '../support/mappings';
import { connect, syncAndWait, waitForRun } from '../support/sync';

interface Records {
  items: { nodes: { haloId: number; productType: string | null; productGroup: { haloId: number; productType: string | null; accountCode: string | null } | null }[] };
  opportunities: { nodes: { haloId: number; status: string | null; haloStatusId: number | null; haloTypeId: number | null }[] };
  quotes: { nodes: { haloId: number | null; status: string; haloQuoteStatusId: number | null }[] };
  companies: { nodes: { haloId: number; isProspect: boolean; sites: { haloId: number; street: string | null; city: string | null; state: string | null }[] }[] };
  syncRuns: { id: string; status: string; kind: string; trigger: string }[];
}

const RECORDS = `{
  items(first: 200) { nodes { haloId productType productGroup { haloId productType accountCode } } }
  opportunities(first: 200) { nodes { haloId status haloStatusId haloTypeId } }
  quotes(first: 200) { nodes { haloId status haloQuoteStatusId } }
  companies(first: 200) { nodes { haloId isProspect sites { haloId street city state } } }
  syncRuns { id status kind trigger }
}`;

/**
 * Issue 14 item 6: a changed mapping reaches the records already stored at once (from the Halo values each row keeps,
 * no Halo call), and what the stored rows cannot answer is fetched by a sync started for it. Runs under every seed.
 */
describe('mapping changes reach stored records', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let partner: number;
  const records = () => gql.expectData<Records, Record<string, never>>(RECORDS);
  const sql = <T>(text: string, params: unknown[] = []) => t.app.orm.em.fork().getConnection().execute<T>(text, params);

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    ({ gql } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
    const shipping = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0]!.id);
    await configureDefaults(gql, shipping, sim.truth.lookupIds);
    // A partner (customer type 3) that is no account in Halo, and quotes at the Draft and Sent Halo statuses.
    const customer = sim.control.list('clients', (c) => c.customertype === 1 && c.is_account !== true && c.inactive !== true && Number(c.id) !== PRIMARY)[0]!;
    partner = Number(customer.id);
    sim.control.update('clients', partner, { customertype: 3 });
    for (const status of [1, 2]) sim.control.create('quotes', { client_id: partner, title: `Quote at Halo status ${status}`, status, lines: [] });
    expect((await syncAndWait(gql, { full: true })).status).toBe('SUCCEEDED');
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('product group → product type: stored items and groups take the new type at once, without asking Halo for items', async () => {
    const before = await records();
    const hardware = before.items.nodes.filter((i) => i.productGroup?.haloId === GROUPS.hardware);
    expect(hardware.length).toBeGreaterThan(0);
    expect(hardware.every((i) => i.productType === 'HARDWARE')).toBe(true);

    sim.control.resetCounts();
    const mappings = ALL_PRODUCT_GROUPS.map((haloGroupId, i) => ({ haloGroupId, productType: haloGroupId === GROUPS.hardware ? ('OTHER' as const) : PRODUCT_TYPES[i] }));
    await gql.expectData(SetProductGroupMappingsDocument, { mappings });
    expect(sim.control.requestCount(/\/api\/Item/)).toBe(0);

    const after = await records();
    for (const item of after.items.nodes) {
      const expected = mappings.find((m) => m.haloGroupId === item.productGroup?.haloId)?.productType ?? null;
      expect(item.productType, String(item.haloId)).toBe(expected);
      expect(item.productGroup?.productType, String(item.haloId)).toBe(expected);
    }
    // Nothing needed fetching: no sync was started for it.
    expect(after.syncRuns.filter((r) => r.trigger === 'mapping')).toEqual([]);
  });

  it('opportunity statuses: stored opportunities take the status the new mapping gives their Halo status', async () => {
    const at22 = (await records()).opportunities.nodes.filter((o) => o.haloStatusId === 22);
    expect(at22.length).toBeGreaterThan(0);
    expect(at22.every((o) => o.status === 'OPEN')).toBe(true);
    const fromHalo = opportunityMapping.fromHalo.map((m) => (m.haloStatusId === 22 ? { ...m, status: 'LOST' as const } : m));
    await gql.expectData(SetOpportunityMappingDocument, { input: { ...opportunityMapping, fromHalo } });
    for (const o of (await records()).opportunities.nodes) {
      expect(o.status, String(o.haloId)).toBe(fromHalo.find((m) => m.haloStatusId === o.haloStatusId)?.status ?? null);
    }
  });

  it('quote statuses: stored quotes take the status the new mapping gives their Halo quote status', async () => {
    const swapped = quoteStatusMapping.map((m) => (m.status === 'DRAFT' ? { ...m, haloQuoteStatusId: 2 } : m.status === 'SENT' ? { ...m, haloQuoteStatusId: 1 } : m));
    await gql.expectData(SetQuoteStatusMappingDocument, { mappings: swapped });
    const quotes = (await records()).quotes.nodes.filter((q) => q.haloId !== null);
    expect(quotes.some((q) => q.haloQuoteStatusId === 1 && q.status === 'SENT')).toBe(true);
    expect(quotes.some((q) => q.haloQuoteStatusId === 2 && q.status === 'DRAFT')).toBe(true);
    for (const q of quotes) {
      const mapped = swapped.find((m) => m.haloQuoteStatusId === q.haloQuoteStatusId)?.status;
      if (mapped) expect(q.status, String(q.haloId)).toBe(mapped);
    }
  });

  it('company import: the prospect type and the address lines reach stored companies and sites', async () => {
    const before = await records();
    const partnerBefore = before.companies.nodes.find((c) => c.haloId === partner)!;
    expect(partnerBefore.isProspect).toBe(false);
    const swapped = { ...addressMapping, city: 'line4' as const, state: 'line3' as const };
    await gql.expectData(SetCompanyImportDocument, { input: { prospectTypeId: 3, address: swapped } });

    const after = await records();
    expect(after.companies.nodes.find((c) => c.haloId === partner)!.isProspect).toBe(true);
    for (const c of after.companies.nodes) {
      const halo = sim.control.get('clients', c.haloId)!;
      expect(c.isProspect, String(c.haloId)).toBe(halo.is_account === true || halo.customertype === 3);
    }
    const sitesBefore = new Map(before.companies.nodes.flatMap((c) => c.sites).map((s) => [s.haloId, s]));
    let moved = 0;
    for (const site of after.companies.nodes.flatMap((c) => c.sites)) {
      const was = sitesBefore.get(site.haloId)!;
      expect([site.city, site.state], String(site.haloId)).toEqual([was.state, was.city]);
      if (was.city !== was.state) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    expect(after.syncRuns.filter((r) => r.trigger === 'mapping')).toEqual([]);
  });

  it('account codes: a group’s code reaches the stored group, and removing it brings back Halo’s own', async () => {
    const group = () => records().then((r) => r.items.nodes.find((i) => i.productGroup?.haloId === GROUPS.hardware)!.productGroup!);
    const halosOwn = String(sim.control.get('assetGroups', GROUPS.hardware)!.nominalcode);
    expect((await group()).accountCode).toBe(halosOwn);
    await gql.expectData(SetAccountCodesDocument, { input: { groups: [{ haloGroupId: GROUPS.hardware, code: 'HW-9' }], items: [] } });
    expect((await group()).accountCode).toBe('HW-9');
    await gql.expectData(SetAccountCodesDocument, { input: { groups: [], items: [] } });
    expect((await group()).accountCode).toBe(halosOwn);
  });

  it('a change to the imported opportunity types is fetched by a full sync the mutation starts', async () => {
    const fromHalo = opportunityMapping.fromHalo.map((m) => (m.haloStatusId === 22 ? { ...m, status: 'LOST' as const } : m));
    const renewals = sim.control.list('tickets', (tk) => tk.tickettype_id === 33 && tk.deleted !== true).map((tk) => Number(tk.id)).sort();
    expect(renewals.length).toBeGreaterThan(0);
    const importOnly = async (importTypeIds: number[]) => {
      const runsBefore = (await records()).syncRuns.filter((r) => r.trigger === 'mapping').length;
      await gql.expectData(SetOpportunityMappingDocument, { input: { ...opportunityMapping, fromHalo, importTypeIds } });
      const runs = (await records()).syncRuns.filter((r) => r.trigger === 'mapping');
      expect(runs).toHaveLength(runsBefore + 1);
      expect(runs[0]).toMatchObject({ kind: 'FULL' });
      expect((await waitForRun(gql, runs[0]!.id)).status).toBe('SUCCEEDED');
      return (await records()).opportunities.nodes.filter((o) => o.haloTypeId === 33).map((o) => o.haloId).sort();
    };
    expect(await importOnly([32])).toEqual([]);
    expect(await importOnly([32, 33])).toEqual(renewals);
  });

  it('rows synced before they kept the Halo values a mapping reads are fetched again by a sync', async () => {
    // As an upgraded deployment has them: companies without Halo's own account flag.
    await sql(`update company set halo_is_account = null`);
    await gql.expectData(SetCompanyImportDocument, { input: { prospectTypeId: 2, address: addressMapping } });
    const runs = (await records()).syncRuns.filter((r) => r.trigger === 'mapping');
    expect(runs).toHaveLength(3);
    expect((await waitForRun(gql, runs[0]!.id)).status).toBe('SUCCEEDED');
    for (const c of (await records()).companies.nodes) {
      const halo = sim.control.get('clients', c.haloId)!;
      expect(c.isProspect, String(c.haloId)).toBe(halo.is_account === true || halo.customertype === 2);
    }
    expect(await sql<{ n: number }[]>(`select count(*)::int as n from company where halo_is_account is null and halo_id is not null`)).toEqual([{ n: 0 }]);
  });

  it('the next full sync agrees with what was re-applied', async () => {
    const before = await records();
    expect((await syncAndWait(gql, { full: true })).status).toBe('SUCCEEDED');
    const after = await records();
    expect(after.items).toEqual(before.items);
    expect(after.opportunities).toEqual(before.opportunities);
    expect(after.quotes).toEqual(before.quotes);
    expect(after.companies).toEqual(before.companies);
  });
});
