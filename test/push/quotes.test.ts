import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { Company, Item, Opportunity, Quote } from '../../src/db/entities';
import {
  CreateQuoteDocument,
  PushesDocument,
  QuoteDetailDocument,
  QuoteOpportunityStateDocument,
  RetryPushDocument,
  SetAccountCodesDocument,
  SetupChecklistDocument,
  SetQuoteStatusDocument,
  UpdateQuoteDocument,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS, quoteStatusMapping, useHalosQuoteLineNames } from '../support/mappings';
import { until } from '../support/wait';
import { connect, syncAndWait } from '../support/sync';

type Gql = Awaited<ReturnType<TestApp['newTenant']>>['gql'];


describe('quotes pushed to Halo', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Gql;
  let tenantId: string;
  let shippingItem: number;
  let company: Company;
  let opportunity: Opportunity;
  let items: { hardware: Item; monthly: Item; annual: Item };

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5', PUSH_RETRY_BASE_MS: '30', PUSH_MAX_ATTEMPTS: '25', PUSH_LEASE_SECONDS: '3', HALO_RETRY_BASE_MS: '20', HALO_RATE_LIMIT_DELAY_MS: '50', HALO_RATE_LIMIT_PER_5MIN: '100000' }), startSim()]);
    ({ gql, tenantId } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
    shippingItem = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id);
    await configureDefaults(gql, shippingItem, sim.truth.lookupIds);
    await gql.expectData(SetAccountCodesDocument, { input: { groups: [{ haloGroupId: GROUPS.hardware, code: '4000-HW' }, { haloGroupId: GROUPS.services, code: '4300-SVC' }], items: [] } });
    sim.control.updateSettings({ create_so_on_quote_approved: true });
    expect((await syncAndWait(gql, { full: true })).status).toBe('SUCCEEDED');
    const em = t.app.orm.em.fork();
    opportunity = (await em.find(Opportunity, { tenantId, haloId: { $ne: null }, companyId: { $ne: null } }, { limit: 1 }))[0];
    company = await em.findOneOrFail(Company, { id: opportunity.companyId! });
    items = {
      hardware: (await em.find(Item, { tenantId, haloGroupId: GROUPS.hardware }, { limit: 1 }))[0],
      monthly: (await em.find(Item, { tenantId, haloGroupId: GROUPS.managed, recurring: true, billingPeriod: 'MONTHLY' }, { limit: 1 }))[0],
      annual: (await em.find(Item, { tenantId, haloGroupId: GROUPS.cloud, recurring: true }, { limit: 1 }))[0],
    };
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  const quoteInput = (title: string, extra: Record<string, unknown> = {}) => ({
    companyId: company.id,
    opportunityId: opportunity.id,
    title,
    shippingCharge: '25.50',
    lines: [
      { itemId: items.hardware.id, quantity: '2', unitPrice: '1000.10' },
      { itemId: items.monthly.id, quantity: '10', unitPrice: '19.99' },
      { itemId: items.annual.id, quantity: '5', unitPrice: '84', billingPeriod: 'YEARLY' as const },
      { itemId: items.monthly.id, quantity: '4', unitPrice: '50', billingPeriod: 'QUARTERLY' as const },
      { productName: 'Cabling (custom)', quantity: '1', unitPrice: '150', unitCost: '90' },
      { itemId: items.hardware.id, quantity: '1', unitPrice: '0.1', bundle: 'Starter Pack' },
      { productName: 'Setup', quantity: '3', unitPrice: '0.2', bundle: 'Starter Pack' },
    ],
    ...extra,
  });

  /** The names this seed's Halo reads a line's quantity and unit price from (the oracle). */
  const names = () => ({ qty: sim.truth.quoteLineQuantityField, price: sim.truth.quoteLineUnitPriceField });
  /** Whether the names we send by default (facts.ts: `quantity`; `baseprice` and `price`) include this Halo's. */
  const defaultsHonoured = () => names().qty === 'quantity' && ['baseprice', 'price'].includes(names().price);
  /** What an admin does once the push error names the fields: tell us the names their Halo uses. */
  const useHalosNames = () => useHalosQuoteLineNames(gql, sim.truth);

  const outboxState = () => t.app.orm.em.getConnection().execute(`select kind, state, attempts, last_error, next_attempt_at, locked_until from outbox order by seq desc limit 10`);
  const pushed = (id: string) =>
    until(
      `quote ${id} pushed`,
      async () => {
        const { quote } = await gql.expectData(QuoteDetailDocument, { id });
        if (quote?.pushState === 'FAILED') throw new Error(`push failed: ${quote.pushError}`);
        return quote?.pushState === 'PUSHED' && quote.haloId ? quote : null;
      },
      20_000,
      outboxState,
    );

  it('derives exact totals and rejects bad input field by field', async () => {
    const { createQuote } = await gql.expectData(CreateQuoteDocument, { input: quoteInput('Totals') });
    // one-off: 2×1000.10 + 150 + 0.1 + 3×0.2 = 2150.9; recurring: 10×19.99 + 5×84 + 4×50 = 819.9
    expect(createQuote.totals).toEqual({ subtotal: '2150.9000', recurringSubtotal: '819.9000', shipping: '25.5000', total: '2176.4000' });
    expect(createQuote.status).toBe('DRAFT');
    expect(createQuote.reference).toMatch(/^QS-[0-9A-F]{8}$/);

    const bad = await gql.request(CreateQuoteDocument, {
      input: { ...quoteInput(''), lines: [{ quantity: '0', unitPrice: '-1' }, { itemId: '00000000-0000-4000-8000-000000000000', quantity: '1' }] },
    });
    const fieldErrors = (bad.errors?.[0].extensions?.fieldErrors as { path: string; code: string }[]).map((e) => `${e.path}:${e.code}`);
    expect(fieldErrors).toEqual(
      expect.arrayContaining(['input.title:REQUIRED', 'input.lines.0.productName:REQUIRED', 'input.lines.0.quantity:INVALID', 'input.lines.0.unitPrice:INVALID', 'input.lines.1.itemId:NOT_FOUND']),
    );

    const moved = await gql.request(SetQuoteStatusDocument, { id: createQuote.id, status: 'DECLINED' });
    expect(moved.errors).toBeUndefined();
    const illegal = await gql.request(SetQuoteStatusDocument, { id: createQuote.id, status: 'APPROVED' });
    expect(illegal.errors?.[0].extensions?.fieldErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION' })]);

    const periods = await gql.request(CreateQuoteDocument, {
      input: {
        ...quoteInput('Periods'),
        lines: [
          { itemId: items.monthly.id, quantity: '1', billingPeriod: 'ONE_OFF' },
          { itemId: items.hardware.id, quantity: '1', billingPeriod: 'MONTHLY' },
          { productName: 'Support (custom)', quantity: '1', unitPrice: '10', recurring: true },
        ],
      },
    });
    expect((periods.errors?.[0].extensions?.fieldErrors as { path: string; code: string }[]).map((e) => `${e.path}:${e.code}`)).toEqual([
      'input.lines.0.billingPeriod:INVALID',
      'input.lines.1.billingPeriod:NOT_RECURRING',
      'input.lines.2.billingPeriod:REQUIRED',
    ]);
  });

  it('moves the linked Halo opportunity as mapped on each status change', async () => {
    const { createQuote } = await gql.expectData(CreateQuoteDocument, { input: quoteInput('Status moves') });
    await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'SENT' });
    await until('ticket at Proposal Sent', async () => {
      const ticket = sim.control.get('tickets', opportunity.haloId!);
      return ticket?.status_id === 22 && ticket.pipeline_stage_id === 3;
    });
    await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'DRAFT' });
    await until('ticket back at Open Lead', async () => sim.control.get('tickets', opportunity.haloId!)?.status_id === 20);
  });

  it('sends an accepted quote to Halo as a quotation and reads it back: a quantity or price Halo does not hold fails the push until the field names are set, then a retry updates the same quotation', async () => {
    const { createQuote } = await gql.expectData(CreateQuoteDocument, { input: quoteInput('Accepted quote') });
    await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'SENT' });
    await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'APPROVED' });
    const ours = () => sim.control.list('quotes', (q) => q.third_party_number === createQuote.reference);

    if (!defaultsHonoured()) {
      // This Halo reads the quantity or unit price under a name we did not send: it stored 1 / 0 instead.
      const failed = await until('push failed', async () => {
        const { quote } = await gql.expectData(QuoteDetailDocument, { id: createQuote.id });
        return quote?.pushState === 'FAILED' ? quote : null;
      }, 20_000, outboxState);
      const { pushes } = await gql.expectData(PushesDocument, { targetId: createQuote.id });
      const push = pushes.find((p) => p.kind === 'quote.createQuotation')!;
      // Never retried blindly: it failed at the first attempt, once, with the differences named.
      expect(push).toMatchObject({ state: 'FAILED', lastErrorCode: 'HALO_STORED_DIFFERENTLY', attempts: 1 });
      if (names().qty !== 'quantity') expect(push.lastError).toContain('line 1 quantity: sent 2, Halo stored nothing under "quantity"');
      else expect(push.lastError).not.toMatch(/quantity:/);
      if (!['baseprice', 'price'].includes(names().price)) expect(push.lastError).toContain('line 1 unit price: sent 1000.1, Halo stored nothing under "baseprice" or "price"');
      else expect(push.lastError).not.toMatch(/unit price:/);
      expect(push.lastError).toMatch(/setHaloQuoteLineFields/);
      expect(failed.pushError).toBe(push.lastError);
      // The quotation is in Halo and ours is linked to it; no sales order was made from a quotation Halo holds wrongly.
      expect(failed.haloId).toBeTruthy();
      expect(ours()).toHaveLength(1);
      expect(ours()[0]).toMatchObject({ id: failed.haloId, salesorder_id: 0 });
      const { setupChecklist } = await gql.expectData(SetupChecklistDocument);
      expect(setupChecklist.find((c) => c.id === 'pushes_stored_as_sent')).toMatchObject({
        status: 'ACTION_NEEDED',
        detail: expect.stringContaining(`quote.createQuotation ${createQuote.id}`),
        fix: expect.stringMatching(/setHaloQuoteLineFields.*retryPush/),
      });

      // The admin sets the names their Halo uses and retries: the same quotation is updated, not a second made.
      const { setHaloQuoteLineFields } = await useHalosNames();
      expect(setHaloQuoteLineFields.haloQuoteLineFields).toEqual({ quantity: [names().qty], unitPrice: [names().price], custom: true });
      await gql.expectData(RetryPushDocument, { id: push.id });
    }
    const quote = await pushed(createQuote.id);
    expect((await gql.expectData(PushesDocument, { targetId: createQuote.id })).pushes.find((p) => p.kind === 'quote.createQuotation')).toMatchObject({ state: 'DONE', lastErrorCode: null });
    expect(ours()).toHaveLength(1);
    const { setupChecklist } = await gql.expectData(SetupChecklistDocument);
    expect(setupChecklist.find((c) => c.id === 'pushes_stored_as_sent')?.status).toBe('OK');

    const q = sim.control.get('quotes', quote.haloId!)!;
    expect(q.id).toBe(quote.haloId);
    expect(q.third_party_number).toBe(createQuote.reference);
    expect(q.client_id).toBe(company.haloId);
    expect(q.ticket_id).toBe(opportunity.haloId);
    expect(q.status).toBe(3);
    const lines = q.lines as Record<string, unknown>[];
    expect(lines.map((l) => l.name)).toEqual([items.hardware.name, items.monthly.name, items.annual.name, items.monthly.name, 'Cabling (custom)', 'Starter Pack', items.hardware.name, 'Setup', 'Shipping']);
    const [hw, monthly, annual, quarterly, custom, header, member1, member2, shipping] = lines;
    const { qty, price } = names();
    expect(hw).toMatchObject({ item_id: items.hardware.haloId, [qty]: 2, [price]: 1000.1, nominal_code: '4000-HW', item_recurring: false, billingperiod: 0 });
    // Halo's billing period enum: 2 Monthly, 3 Yearly, 4 Quarterly.
    expect(monthly).toMatchObject({ item_id: items.monthly.haloId, [qty]: 10, [price]: 19.99, item_recurring: true, billingperiod: 2 });
    expect(annual).toMatchObject({ item_id: items.annual.haloId, [qty]: 5, [price]: 84, item_recurring: true, billingperiod: 3 });
    expect(quarterly).toMatchObject({ item_id: items.monthly.haloId, [qty]: 4, [price]: 50, item_recurring: true, billingperiod: 4 });
    expect(custom).toMatchObject({ [price]: 150, costprice: 90 });
    expect(custom.item_id ?? 0).toBe(0);
    expect(header).toMatchObject({ isgroupdesc: true, group_id: 1 });
    expect(member1).toMatchObject({ group_id: 1 });
    expect(member2).toMatchObject({ group_id: 1 });
    expect(shipping).toMatchObject({ item_id: shippingItem, [price]: 25.5, nominal_code: '4300-SVC' });

    // Halo created a sales order from the accepted quotation once it held it as sent; we link it.
    expect(quote.salesOrderHaloId).toBeTruthy();
    expect(sim.control.get('salesOrders', quote.salesOrderHaloId!)?.quotation_id).toBe(quote.haloId);
    expect(sim.control.list('salesOrders', (o) => o.quotation_id === quote.haloId)).toHaveLength(1);
    await until('opportunity won', async () => sim.control.get('tickets', opportunity.haloId!)?.status_id === 24, 20_000, async () => ({
      ticket: sim.control.get('tickets', opportunity.haloId!)?.status_id,
      outbox: await outboxState(),
    }));

    // A later sync of the quotation keeps our lines (no copies) and the quote stays accepted.
    await syncAndWait(gql, { entities: ['quotes'] });
    const after = (await gql.expectData(QuoteDetailDocument, { id: createQuote.id })).quote!;
    expect(after.lines).toHaveLength(7);
    expect(after.lines.map((l) => l.billingPeriod)).toEqual(['ONE_OFF', 'MONTHLY', 'YEARLY', 'QUARTERLY', 'ONE_OFF', 'ONE_OFF', 'ONE_OFF']);
    expect(after.status).toBe('APPROVED');
    expect(after.bundles.map((b) => b.name)).toEqual(['Starter Pack']);
    // Each wait above reports the outbox when it runs out; the test's own limit leaves room for them to.
  }, 60_000);

  it('shows the opportunity a status change moves at once, pending until Halo has it, and lists that push among the quote\'s', async () => {
    // After the accepted-quote test: that one sees this seed's Halo refuse our default line names first.
    await useHalosNames();
    const { createQuote } = await gql.expectData(CreateQuoteDocument, { input: quoteInput('Moves the opportunity at once') });
    const ticket = () => sim.control.get('tickets', opportunity.haloId!)!;
    const state = async () => (await gql.expectData(QuoteOpportunityStateDocument, { id: opportunity.id })).opportunity!;
    const settled = (what: string) =>
      until(what, async () => {
        const o = await state();
        if (o.pushState === 'FAILED') throw new Error(`push failed: ${o.pushError}`);
        return o.pushState === 'PUSHED' ? o : null;
      }, 20_000, outboxState);

    for (const status of ['SENT', 'APPROVED'] as const) {
      const mapped = quoteStatusMapping.find((m) => m.status === status)!;
      await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status });
      // Straight after the mutation, before any push or sync: the mapped status and stage, our status from them.
      const now = await state();
      expect(['PENDING', 'PUSHED']).toContain(now.pushState);
      expect(now).toMatchObject({ status: status === 'SENT' ? 'OPEN' : 'WON', haloStatusId: mapped.haloOpportunityStatusId, pipelineStageId: mapped.haloPipelineStageId });
      // Once Halo has it: pushed, with Halo's names for what it holds.
      const done = await settled(`opportunity pushed after ${status}`);
      expect(done).toMatchObject({ haloStatusId: mapped.haloOpportunityStatusId, pipelineStageId: mapped.haloPipelineStageId, pushError: null });
      expect(ticket().status_id).toBe(mapped.haloOpportunityStatusId);
      expect(done.haloStatusName).toBe(ticket().status_name ?? null);
      expect(done.pipelineStageName).toBe(ticket().pipeline_stage_name ?? null);
    }

    // The quote's pushes include the opportunity moves it caused.
    await pushed(createQuote.id);
    const { pushes } = await gql.expectData(PushesDocument, { targetId: createQuote.id });
    expect(pushes.map((p) => `${p.kind} ${p.state}`)).toEqual(['quote.createQuotation DONE', 'quote.status DONE', 'quote.status DONE']);
    expect(pushes.filter((p) => p.kind === 'quote.status').map((p) => p.haloId)).toEqual([opportunity.haloId, opportunity.haloId]);
  }, 60_000);

  it('stops a push that cannot succeed with a clear per-record error, and retries it once fixed', async () => {
    await useHalosNames();
    const em = t.app.orm.em.fork();
    const local = em.create(Company, { tenantId, name: 'Not in Halo Ltd', origin: 'LOCAL' });
    await em.flush();
    const { createQuote } = await gql.expectData(CreateQuoteDocument, { input: { ...quoteInput('Orphan'), companyId: local.id, opportunityId: null } });
    await gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'APPROVED' });
    const failed = await until('push failed', async () => {
      const { quote } = await gql.expectData(QuoteDetailDocument, { id: createQuote.id });
      return quote?.pushState === 'FAILED' ? quote : null;
    });
    expect(failed.pushError).toMatch(/company is not in Halo/);
    const { pushes } = await gql.expectData(PushesDocument, { targetId: createQuote.id });
    expect(pushes[0]).toMatchObject({ kind: 'quote.createQuotation', state: 'FAILED', lastErrorCode: 'REJECTED' });

    // Fix: the company turns out to be a Halo client after all.
    await em.nativeUpdate(Company, { id: local.id }, { haloId: company.haloId! + 100_000 });
    await em.nativeUpdate(Company, { id: local.id }, { haloId: null });
    await em.nativeUpdate(Quote, { id: createQuote.id }, { companyId: company.id });
    await gql.expectData(RetryPushDocument, { id: pushes[0].id });
    expect((await pushed(createQuote.id)).haloId).toBeTruthy();
  });

  it('turns 200 accepted quotes into exactly 200 Halo quotations through lost answers, 5xx and 429 bursts', async () => {
    await useHalosNames();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { createQuote } = await gql.expectData(CreateQuoteDocument, {
        input: { companyId: company.id, title: `Bulk ${i}`, lines: [{ itemId: items.hardware.id, quantity: '1' }] },
      });
      ids.push(createQuote.id);
    }
    const before = sim.control.count('quotes');
    sim.control.setFault({ kind: 'timeoutAfterApply', match: { method: 'POST', path: '/api/Quotation' }, count: 40, ms: 20 });
    sim.control.setFault({ kind: 'error5xx', match: { method: 'POST', path: '/api/Quotation' }, count: 25, status: 502 });
    sim.control.setFault({ kind: 'rateLimit', count: 25 });
    try {
      for (const id of ids) await gql.expectData(SetQuoteStatusDocument, { id, status: 'APPROVED' });
      await until(
        'all 200 pushed',
        async () => {
          const n = await t.app.orm.em.fork().count(Quote, { id: { $in: ids }, pushState: 'PUSHED' });
          const failed = await t.app.orm.em.fork().find(Quote, { id: { $in: ids }, pushState: 'FAILED' });
          if (failed.length) throw new Error(`${failed.length} pushes failed: ${failed[0].pushError}`);
          return n === 200;
        },
        90_000,
      ).catch(async (err) => {
        const states = await t.app.orm.em.getConnection().execute(`select kind, state, count(*)::int n, max(attempts) max_attempts, min(next_attempt_at) next from outbox group by 1, 2`);
        throw new Error(`${(err as Error).message}: ${JSON.stringify(states)}`);
      });
    } finally {
      sim.control.clearFaults();
    }
    const references = new Set((await t.app.orm.em.fork().find(Quote, { id: { $in: ids } })).map((q) => q.reference));
    const created = sim.control.list('quotes', (q) => references.has(q.third_party_number as string));
    expect(created).toHaveLength(200);
    expect(new Set(created.map((q) => q.third_party_number)).size).toBe(200);
    expect(sim.control.count('quotes') - before).toBe(200);
  }, 120_000);
});
