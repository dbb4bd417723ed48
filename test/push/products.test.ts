import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import {
  CreateProductDocument,
  PushedProductByIdDocument,
  PushesDocument,
  RetryProductPushDocument,
  SetupChecklistDocument,
  SetAccountCodesDocument,
  SetProductDefaultsDocument,
  type PushedProductFragment,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS } from '../support/mappings';
import { connect, syncAndWait } from '../support/sync';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('products to Halo', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let tenantId: string;
  let shipping: number;

  async function settled(id: string, timeoutMs = 30_000): Promise<PushedProductFragment> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const p = (await gql.expectData(PushedProductByIdDocument, { id })).item!;
      if (p.pushState === 'PUSHED' || p.pushState === 'FAILED') return p;
      if (Date.now() > until) throw new Error(`product ${id} still ${p.pushState} (${p.pushError})`);
      await sleep(100);
    }
  }

  const itemsNamed = (prefix: string) => sim.control.list('items', (i) => String(i.name).startsWith(prefix));

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5', PUSH_RETRY_BASE_MS: '50' }), startSim()]);
    ({ gql, tenantId } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
    shipping = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id);
    // Types: hardware, software → LICENSE, managed → SERVICE, services → LABOR, cloud → SOFTWARE, accessories → HARDWARE;
    // default group: services.
    await configureDefaults(gql, shipping, sim.truth.lookupIds);
    await gql.expectData(SetAccountCodesDocument, { input: { groups: [{ haloGroupId: GROUPS.managed, code: 'REV-MANAGED' }], items: [] } });
    expect((await syncAndWait(gql, { full: true })).status).toBe('SUCCEEDED');
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('creates a recurring product in the group its type is mapped to, with the group’s account code and billing period', async () => {
    const before = sim.control.count('items');
    const { createProduct: p } = await gql.expectData(CreateProductDocument, {
      input: { name: 'Managed Firewall', productType: 'SERVICE', price: '45.50', cost: '20', recurring: true, billingPeriod: 'YEARLY', sku: 'MFW-1' },
    });
    expect(p).toMatchObject({ origin: 'LOCAL', pushState: 'PENDING', haloId: null, recurring: true, billingPeriod: 'YEARLY', price: '45.5000' });
    const pushed = await settled(p.id);
    expect(pushed).toMatchObject({ pushState: 'PUSHED', pushError: null, productType: 'SERVICE', accountCode: 'REV-MANAGED' });
    expect(pushed.productGroupId).toBeTruthy();
    expect(sim.control.count('items')).toBe(before + 1);
    expect(sim.control.get('items', pushed.haloId!)).toMatchObject({
      name: 'Managed Firewall',
      assetgroup_id: GROUPS.managed,
      nominalcode: 'REV-MANAGED',
      baseprice: 45.5,
      costprice: 20,
      isrecurringitem: true,
      recurringprice: 45.5,
      recurringcost: 20,
      // Halo's billing period enum: 3 = Yearly.
      item_default_billing_period: 3,
      supplier_part_code: 'MFW-1',
      externalreference: `halo-sync:item:${p.id}`,
    });
  });

  it('puts a product whose type is unmapped in the default group, with its own account code; an explicit group wins over the mapping', async () => {
    const { createProduct: other } = await gql.expectData(CreateProductDocument, { input: { name: 'Cable kit', productType: 'OTHER', price: '12', accountCode: 'REV-MISC' } });
    const pushed = await settled(other.id);
    expect(pushed).toMatchObject({ pushState: 'PUSHED', accountCode: 'REV-MISC' });
    expect(sim.control.get('items', pushed.haloId!)).toMatchObject({ assetgroup_id: GROUPS.services, nominalcode: 'REV-MISC', isrecurringitem: false, baseprice: 12 });

    const { createProduct: explicit } = await gql.expectData(CreateProductDocument, { input: { name: 'Tenant migration', productType: 'SERVICE', haloGroupId: GROUPS.cloud, price: '300' } });
    const placed = await settled(explicit.id);
    expect(sim.control.get('items', placed.haloId!)).toMatchObject({ assetgroup_id: GROUPS.cloud });
  });

  it('fails a product with nowhere to go with a clear per-record error, and a retry after the fix creates it once', async () => {
    await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId: shipping, defaultGroupId: null } });
    const before = sim.control.count('items');
    const { createProduct: p } = await gql.expectData(CreateProductDocument, { input: { name: 'Mystery box', productType: 'OTHER', price: '1' } });
    const failed = await settled(p.id);
    expect(failed.pushState).toBe('FAILED');
    expect(failed.haloId).toBeNull();
    expect(failed.pushError).toMatch(/"Mystery box" has no Halo product group: its product type OTHER is not mapped .* no default product group is set/);
    expect(sim.control.count('items')).toBe(before);

    await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId: shipping, defaultGroupId: GROUPS.services } });
    const { retryProductPush } = await gql.expectData(RetryProductPushDocument, { id: p.id });
    expect(retryProductPush).toMatchObject({ pushState: 'PENDING', pushError: null });
    const pushed = await settled(p.id);
    expect(pushed.pushState).toBe('PUSHED');
    expect(itemsNamed('Mystery box')).toEqual([expect.objectContaining({ assetgroup_id: GROUPS.services })]);
  });

  it('sends each recurring period as Halo’s integer: monthly 2, quarterly 4', async () => {
    const monthly = (await gql.expectData(CreateProductDocument, { input: { name: 'Period monthly', productType: 'SERVICE', price: '5', recurring: true, billingPeriod: 'MONTHLY' } })).createProduct;
    const quarterly = (await gql.expectData(CreateProductDocument, { input: { name: 'Period quarterly', productType: 'SERVICE', price: '5', recurring: true, billingPeriod: 'QUARTERLY' } })).createProduct;
    expect(sim.control.get('items', (await settled(monthly.id)).haloId!)?.item_default_billing_period).toBe(2);
    expect(sim.control.get('items', (await settled(quarterly.id)).haloId!)?.item_default_billing_period).toBe(4);
  });

  it('reads the item back: a value Halo stores differently fails the push with HALO_STORED_DIFFERENTLY, and a retry updates the same item', async () => {
    const before = sim.control.count('items');
    // A Halo default overriding what we send (the fault stores this price instead, once).
    sim.control.setFault({ kind: 'storeDifferently', match: 'POST /api/Item', set: { baseprice: 1 } });
    const { createProduct: p } = await gql.expectData(CreateProductDocument, { input: { name: 'Overridden widget', productType: 'HARDWARE', price: '30' } });
    const failed = await settled(p.id);
    expect(failed).toMatchObject({ pushState: 'FAILED', pushError: expect.stringContaining('price: sent 30, Halo stored 1') });
    expect(failed.haloId).toBeTruthy();
    const { pushes } = await gql.expectData(PushesDocument, { targetId: p.id });
    expect(pushes).toEqual([expect.objectContaining({ kind: 'item.create', state: 'FAILED', lastErrorCode: 'HALO_STORED_DIFFERENTLY', attempts: 1, haloId: failed.haloId })]);
    const { setupChecklist } = await gql.expectData(SetupChecklistDocument);
    expect(setupChecklist.find((c) => c.id === 'pushes_stored_as_sent')).toMatchObject({ status: 'ACTION_NEEDED', detail: expect.stringContaining(`item.create ${p.id}`) });
    expect(sim.control.count('items')).toBe(before + 1);

    await gql.expectData(RetryProductPushDocument, { id: p.id });
    const pushed = await settled(p.id);
    expect(pushed).toMatchObject({ pushState: 'PUSHED', haloId: failed.haloId });
    expect(sim.control.get('items', failed.haloId!)).toMatchObject({ name: 'Overridden widget', baseprice: 30 });
    expect(sim.control.count('items')).toBe(before + 1);
    expect((await gql.expectData(SetupChecklistDocument)).setupChecklist.find((c) => c.id === 'pushes_stored_as_sent')?.status).toBe('OK');
  });

  it('rejects bad input with codes and field paths', async () => {
    const periods = await gql.request(CreateProductDocument, { input: { name: 'Bad periods', price: '1', recurring: true, billingPeriod: 'ONE_OFF' } });
    expect((periods.errors?.[0].extensions as { fieldErrors: { path: string; code: string }[] }).fieldErrors.map((e) => `${e.path}:${e.code}`)).toEqual(['input.billingPeriod:INVALID_PERIOD']);
    const oneOff = await gql.request(CreateProductDocument, { input: { name: 'Bad periods', price: '1', billingPeriod: 'MONTHLY' } });
    expect((oneOff.errors?.[0].extensions as { fieldErrors: { path: string; code: string }[] }).fieldErrors.map((e) => `${e.path}:${e.code}`)).toEqual(['input.billingPeriod:NOT_RECURRING']);
    const notAPeriod = await gql.request(CreateProductDocument, { input: { name: 'Bad periods', price: '1', recurring: true, billingPeriod: 12 as never } });
    expect(notAPeriod.errors?.[0].message).toMatch(/BillingPeriod/);
    const res = await gql.request(CreateProductDocument, { input: { name: '', productType: 'GADGET', price: '-1', recurring: true, haloGroupId: GROUPS.workstationsNotItems } });
    const ext = res.errors?.[0].extensions as { code: string; fieldErrors: { path: string; code: string }[] };
    expect(ext.code).toBe('BAD_USER_INPUT');
    expect(ext.fieldErrors.map((e) => `${e.path}:${e.code}`).sort()).toEqual([
      'input.billingPeriod:REQUIRED',
      'input.haloGroupId:NOT_A_PRODUCT_GROUP',
      'input.name:REQUIRED',
      'input.price:NEGATIVE',
      'input.productType:UNKNOWN_PRODUCT_TYPE',
    ]);
  });

  it('creates exactly N items for N products while Halo loses answers and sends 5xx and 429 bursts', async () => {
    const N = 20;
    const before = sim.control.count('items');
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 50, match: 'POST /api/Item', count: 6 });
    sim.control.setFault({ kind: 'error5xx', status: 500, match: 'POST /api/Item', count: 4 });
    sim.control.setFault({ kind: 'rateLimit', match: 'POST /api/Item', count: 2 });
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) =>
        (await gql.expectData(CreateProductDocument, { input: { name: `Bulk product ${String(i).padStart(2, '0')}`, productType: i % 2 ? 'HARDWARE' : 'LABOR', price: '10' } })).createProduct.id,
      ),
    );
    const done = await Promise.all(ids.map((id) => settled(id, 60_000)));
    expect(done.every((p) => p.pushState === 'PUSHED')).toBe(true);
    expect(sim.control.activeFaults()).toEqual([]);
    expect(itemsNamed('Bulk product ')).toHaveLength(N);
    expect(sim.control.count('items')).toBe(before + N);
    expect(new Set(done.map((p) => p.haloId)).size).toBe(N);
    const [lost] = await t.app.orm.em.getConnection().execute(`select count(*)::int as n from outbox where tenant_id = ? and kind = 'item.create' and outcome_unknown`, [tenantId]);
    expect(lost.n).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it('keeps one row per product when a sync meets the items made here', async () => {
    await syncAndWait(gql, { entities: ['items'] });
    const [row] = await t.app.orm.em.getConnection().execute(
      `select count(*)::int as n, count(distinct halo_id)::int as ids from item where tenant_id = ? and (name like 'Bulk product %' or name in ('Managed Firewall', 'Cable kit', 'Mystery box'))`,
      [tenantId],
    );
    expect(row).toEqual({ n: 23, ids: 23 });
  });
});
