import { describe, expect, it } from 'vitest';
import { BILLING_PERIODS } from '../../src/common/billing-period';
import { billingPeriodName, HALO_BILLING_PERIOD } from '../../src/halo/facts';
import type { HaloItem, HaloQuotation } from '../../src/halo';
import { emptySettings, quoteLineFieldNames } from '../../src/integration/settings';
import { validateQuoteLineFields } from '../../src/integration/validate';
import { buildQuotation, compareQuotation, haloBillingPeriod, type QuotationLineSource, type QuotationSource } from '../../src/push/quotation-payload';
import { compareItem, itemCreate } from '../../src/push/handlers/item-payload';
import { compareTicket } from '../../src/push/handlers/opportunity-payload';
import { describeDifferences } from '../../src/push/read-back';
import { isSkip, mapItem, mapQuotation } from '../../src/sync/mappers';

/** Pure: the billing-period mapping and the read-back compare functions (no database, no Halo). */

const defaults = quoteLineFieldNames(emptySettings());

const lineSource = (over: Partial<QuotationLineSource> = {}): QuotationLineSource => ({
  position: 1,
  description: 'Managed Workstation',
  quantity: '5.0000',
  unitPrice: '19.9900',
  unitCost: '10.0000',
  recurring: false,
  billingPeriod: 'ONE_OFF',
  haloItemId: 7,
  haloGroupId: 3,
  haloTaxCode: null,
  accountCodeOverride: null,
  bundle: null,
  ...over,
});

const quotation = (lines: QuotationLineSource[], over: Partial<QuotationSource> = {}): QuotationSource => ({
  title: 'Q',
  reference: 'QS-1',
  validUntil: null,
  haloQuoteStatusId: 3,
  haloClientId: 12,
  haloSiteId: null,
  haloUserId: null,
  haloTicketId: null,
  lines,
  shipping: null,
  accountCodes: { groups: [{ haloGroupId: 3, code: '4200' }], items: [] },
  lineFields: defaults,
  today: new Date('2026-12-01T00:00:00Z'),
  ...over,
});

/** What a Halo that honours `qty`/`price` names would hold after this payload: the sent lines under its own names. */
function storedAs(body: ReturnType<typeof buildQuotation>['body'], names: { qty: string; price: string; from: { qty: string; price: string } }, tweak: (l: Record<string, unknown>, i: number) => void = () => {}): HaloQuotation {
  let total = 0;
  const lines = body.lines.map((l, i) => {
    const { quantity: _q, baseprice: _b, price: _p, ...rest } = l as Record<string, unknown>;
    const out: Record<string, unknown> = { ...rest, id: 100 + i, [names.qty]: (l as Record<string, unknown>)[names.from.qty] ?? 1, [names.price]: (l as Record<string, unknown>)[names.from.price] ?? 0 };
    tweak(out, i);
    total += Number(out[names.qty]) * Number(out[names.price]);
    return out;
  });
  return { id: 9, status: body.status, lines, total: Math.round(total * 120) / 100, tax_total: Math.round(total * 20) / 100 } as HaloQuotation;
}

describe('billing periods', () => {
  it('are Halo’s enum: every name maps to Halo’s integer and back; nothing outside 0–9 has a name', () => {
    expect(HALO_BILLING_PERIOD).toMatchObject({ ONE_OFF: 0, WEEKLY: 1, MONTHLY: 2, YEARLY: 3, QUARTERLY: 4, SIX_MONTHLY: 5, FIVE_YEARLY: 6, THREE_YEARLY: 7, TWO_YEARLY: 8, FOUR_YEARLY: 9 });
    expect([...BILLING_PERIODS].sort()).toEqual(Object.keys(HALO_BILLING_PERIOD).sort());
    for (const p of BILLING_PERIODS) expect(billingPeriodName(HALO_BILLING_PERIOD[p])).toBe(p);
    expect([billingPeriodName(10), billingPeriodName(12), billingPeriodName(-1), billingPeriodName(null)]).toEqual([null, null, null, null]);
  });

  it('reach Halo as its integer: recurring lines 2 monthly, 4 quarterly, 3 yearly; one-off lines 0; no recurring line without a period', () => {
    expect(haloBillingPeriod(true, 'MONTHLY')).toBe(2);
    expect(haloBillingPeriod(true, 'QUARTERLY')).toBe(4);
    expect(haloBillingPeriod(true, 'YEARLY')).toBe(3);
    expect(haloBillingPeriod(false, 'YEARLY')).toBe(0);
    expect(() => haloBillingPeriod(true, 'ONE_OFF')).toThrow(/other than ONE_OFF/);
    expect(() => haloBillingPeriod(true, null)).toThrow(/billing period/);
    const item = itemCreate({ reference: 'r', name: 'Backup', description: null, sku: null, haloGroupId: 3, price: '5', cost: null, recurring: true, billingPeriod: 'QUARTERLY', accountCode: null });
    expect(item.item_default_billing_period).toBe(4);
  });

  it('are read from Halo by the enum; a value outside it is the record’s error, never stored', () => {
    const groups = new Map([[3, { name: 'Managed Services', isProductGroup: true }]]);
    const settings = emptySettings();
    const item = (period: unknown) => mapItem({ id: 1, name: 'Backup', assetgroup_id: 3, isrecurringitem: true, item_default_billing_period: period } as HaloItem, groups, settings);
    expect(item(4)).toMatchObject({ row: { billingPeriod: 'QUARTERLY' } });
    expect(item(0)).toMatchObject({ row: { billingPeriod: 'ONE_OFF' } });
    expect(item(undefined)).toMatchObject({ row: { billingPeriod: null } });
    expect(item(12)).toMatchObject({ skip: { code: 'UNKNOWN_BILLING_PERIOD', message: expect.stringMatching(/12/) } });

    const quote = (period: unknown) => mapQuotation({ id: 5, lines: [{ id: 1, quantity: 2, price: 10, item_recurring: true, billingperiod: period }] } as HaloQuotation, settings);
    expect(quote(3)).toMatchObject({ row: { lines: [{ billingPeriod: 'YEARLY', quantity: '2.0000', unitPrice: '10.0000' }] } });
    expect(quote(42)).toMatchObject({ skip: { code: 'UNKNOWN_BILLING_PERIOD' } });
  });
});

describe('quote-line quantity and unit-price names', () => {
  it('default to every candidate in facts.ts; a tenant’s own names replace them', () => {
    expect(defaults).toEqual({ quantity: ['quantity'], unitPrice: ['baseprice', 'price'], custom: false });
    const own = quoteLineFieldNames({ haloQuoteLineFields: { quantity: 'qty', unitPrice: 'unit_price' } });
    expect(own).toEqual({ quantity: ['qty'], unitPrice: ['unit_price'], custom: true });
    const { body } = buildQuotation(quotation([lineSource({ quantity: '5', unitPrice: '19.99' })]));
    expect(body.lines[0]).toMatchObject({ quantity: 5, baseprice: 19.99, price: 19.99 });
    const custom = buildQuotation(quotation([lineSource({ quantity: '5', unitPrice: '19.99' })], { lineFields: own })).body.lines[0]!;
    expect(custom).toMatchObject({ qty: 5, unit_price: 19.99 });
    expect(custom).not.toHaveProperty('quantity');
    expect(custom).not.toHaveProperty('baseprice');
  });

  it('are read from a synced quotation under the tenant’s names; a line without them is the quotation’s error', () => {
    const q = { id: 5, lines: [{ id: 1, qty: 3, unit_price: 7, billingperiod: 0 }] } as unknown as HaloQuotation;
    const skipped = mapQuotation(q, emptySettings());
    expect(isSkip(skipped) && skipped.skip).toMatchObject({ code: 'QUOTE_LINE_FIELD_MISSING', message: expect.stringMatching(/quantity \(quantity\)/), hint: expect.stringMatching(/setHaloQuoteLineFields/) });
    const read = mapQuotation(q, { ...emptySettings(), haloQuoteLineFields: { quantity: 'qty', unitPrice: 'unit_price' } });
    expect(read).toMatchObject({ row: { lines: [{ quantity: '3.0000', unitPrice: '7.0000' }] } });
  });

  it('must be plain, distinct identifiers that are not another line field', () => {
    expect(validateQuoteLineFields({ quantity: 'qty', unitPrice: 'unit_price' })).toEqual([]);
    expect(validateQuoteLineFields({ quantity: 'quantity', unitPrice: 'baseprice' })).toEqual([]);
    const codes = (q: string, p: string) => validateQuoteLineFields({ quantity: q, unitPrice: p }).map((e) => `${e.path}:${e.code}`);
    expect(codes('qty; drop', 'price')).toEqual(['quantity:INVALID']);
    expect(codes('qty', '')).toEqual(['unitPrice:INVALID']);
    expect(codes('costprice', 'price')).toEqual(['quantity:CONFLICT']);
    expect(codes('Item_Id', 'price')).toEqual(['quantity:CONFLICT']);
    expect(codes('price', 'PRICE')).toEqual(['unitPrice:CONFLICT']);
    expect(codes('baseprice', 'price')).toEqual(['quantity:CONFLICT']);
  });
});

describe('compareQuotation (the read-back of a pushed quotation)', () => {
  const lines = [
    lineSource({ position: 1, description: 'Laptop', quantity: '2', unitPrice: '1000.10', haloItemId: 1, haloGroupId: 1 }),
    lineSource({ position: 2, quantity: '5', unitPrice: '19.99', recurring: true, billingPeriod: 'MONTHLY' }),
    lineSource({ position: 3, description: 'Custom', quantity: '1', unitPrice: '150', haloItemId: null, haloGroupId: null, unitCost: null }),
  ];
  const sent = buildQuotation(quotation(lines, { shipping: { charge: '25.5', haloItemId: 4, haloGroupId: 4 } })).body;
  const honours = { qty: 'quantity', price: 'price', from: { qty: 'quantity', price: 'price' } };

  it('finds nothing when Halo holds what was sent', () => {
    expect(compareQuotation(sent, storedAs(sent, honours), defaults)).toEqual([]);
  });

  it('names the field, the line, what was sent and what Halo stored', () => {
    const ignoredQty = storedAs(sent, { ...honours, qty: 'qty', from: { qty: 'none', price: 'price' } });
    const diffs = compareQuotation(sent, ignoredQty, defaults);
    expect(describeDifferences(diffs)).toContain('line 1 quantity: sent 2, Halo stored nothing under "quantity"');
    expect(diffs.map((d) => d.field)).toEqual(['line 1 quantity', 'line 2 quantity', 'line 3 quantity', 'line 4 quantity', 'total before tax']);

    // A Halo that returns `quantity` but keeps its default there (it reads the quantity from elsewhere).
    const defaulted = storedAs(sent, honours, (l) => (l.quantity = 1));
    expect(describeDifferences(compareQuotation(sent, defaulted, defaults))).toBe(
      'line 1 quantity: sent 2, Halo stored 1; line 2 quantity: sent 5, Halo stored 1; total before tax: sent 2275.65, Halo stored 1195.59',
    );

    const wrongPeriod = storedAs(sent, honours, (l, i) => i === 1 && (l.billingperiod = 1));
    expect(describeDifferences(compareQuotation(sent, wrongPeriod, defaults))).toBe('line 2 billing period: sent 2 (MONTHLY), Halo stored 1 (WEEKLY)');
  });

  it('checks the line count, item, unit price, cost, recurring flag, account code and status', () => {
    const stored = storedAs(sent, honours, (l, i) => {
      if (i === 0) Object.assign(l, { item_id: 2, price: 999, costprice: 1 });
      if (i === 1) Object.assign(l, { item_recurring: false, nominal_code: '9999' });
    });
    stored.status = 1;
    stored.lines = stored.lines!.slice(0, 3);
    const fields = compareQuotation(sent, stored, defaults).map((d) => d.field);
    expect(fields).toEqual(['line count', 'line 1 item', 'line 1 unit price', 'line 1 cost', 'line 2 recurring', 'line 2 account code', 'status', 'total before tax']);
  });

  it('accepts a unit price Halo returns under either default name, but not one it contradicts', () => {
    const underBase = storedAs(sent, { qty: 'quantity', price: 'baseprice', from: { qty: 'quantity', price: 'baseprice' } });
    expect(compareQuotation(sent, underBase, defaults)).toEqual([]);
    const both = storedAs(sent, honours, (l) => (l.baseprice = 0));
    expect(compareQuotation(sent, both, defaults).map((d) => d.field)).toEqual(['line 1 unit price', 'line 2 unit price', 'line 3 unit price', 'line 4 unit price']);
  });
});

describe('compareItem and compareTicket', () => {
  it('compare only what was sent, with Halo’s "none" as 0', () => {
    const sent = itemCreate({ reference: 'r', name: 'Backup', description: null, sku: null, haloGroupId: 3, price: '45.5', cost: '20', recurring: true, billingPeriod: 'YEARLY', accountCode: 'REV' });
    const stored = { id: 1, ...sent } as HaloItem;
    expect(compareItem(sent, stored)).toEqual([]);
    expect(describeDifferences(compareItem(sent, { ...stored, baseprice: 1, item_default_billing_period: 2, nominalcode: '' }))).toBe(
      'price: sent 45.5, Halo stored 1; billing period: sent 3 (YEARLY), Halo stored 2 (MONTHLY); account code: sent "REV", Halo stored ""',
    );
    expect(compareTicket({ summary: 'Deal', oppvalue: 500, user_id: 0 }, { id: 1, summary: 'Deal ', oppvalue: 500.00001 } as never)).toEqual([]);
    expect(describeDifferences(compareTicket({ status_id: 24, oppvalue: 500 }, { id: 1, status_id: 20, oppvalue: 0 } as never))).toBe('status: sent 24, Halo stored 20; value: sent 500, Halo stored 0');
  });
});
