import type { EntityManager } from '@mikro-orm/postgresql';
import { Company, Contact, Item, Opportunity, Quote, QuoteBundle, QuoteLine } from '../db/entities';
import { InputError, type FieldError } from '../common/input-error';
import type { Outbox } from '../push/outbox';
import { MoneyError, multiply, parseDecimal, sum } from './money';
import { isBillingPeriod, isRecurringPeriod, type BillingPeriod } from '../common/billing-period';
import type { IntegrationSettingsDoc } from '../integration/settings';
import { opportunityStatusFor } from '../integration/mapping-rules';
import { LockMode } from '@mikro-orm/core';

export const QUOTE_TRANSITIONS: Record<string, readonly string[]> = {
  DRAFT: ['SENT', 'APPROVED', 'DECLINED'],
  SENT: ['DRAFT', 'APPROVED', 'DECLINED'],
  DECLINED: ['DRAFT'],
  // An accepted quote is in Halo as a quotation: it is final here.
  APPROVED: [],
};

export interface QuoteLineInput {
  itemId?: string | null;
  /** A custom product, not from the catalogue. */
  productName?: string | null;
  description?: string | null;
  quantity: string;
  /** Defaults to the item's price (recurring price for recurring items). */
  unitPrice?: string | null;
  unitCost?: string | null;
  recurring?: boolean | null;
  /** A recurring line's billing period (not ONE_OFF); defaults to the item's. */
  billingPeriod?: BillingPeriod | null;
  /** The name of the bundle the line belongs to; lines with the same name form one bundle. */
  bundle?: string | null;
}

export interface QuoteInput {
  companyId: string;
  opportunityId?: string | null;
  contactId?: string | null;
  title: string;
  validUntil?: string | null;
  shippingCharge?: string | null;
  lines: QuoteLineInput[];
}

export interface QuoteTotals {
  subtotal: string;
  recurringSubtotal: string;
  shipping: string;
  total: string;
}

/**
 * A line's recurring flag (its own, else its item's) and billing period: a recurring line bills on its own period,
 * else its item's if that is a recurring one; a one-off line is ONE_OFF. `period` null: a recurring line with none.
 */
export function linePeriod(l: Pick<QuoteLineInput, 'recurring' | 'billingPeriod'>, item: Pick<Item, 'recurring' | 'billingPeriod'> | undefined): { recurring: boolean; period: BillingPeriod | null } {
  const recurring = l.recurring ?? item?.recurring ?? false;
  if (!recurring) return { recurring, period: 'ONE_OFF' };
  return { recurring, period: l.billingPeriod ?? (isRecurringPeriod(item?.billingPeriod) ? item.billingPeriod : null) };
}

/** Totals are derived, never stored by hand: one-off lines and shipping, and recurring lines per their period. */
export function quoteTotals(lines: Pick<QuoteLine, 'quantity' | 'unitPrice' | 'recurring'>[], shippingCharge: string | null | undefined): QuoteTotals {
  const oneOff = lines.filter((l) => !l.recurring).map((l) => multiply(l.quantity, l.unitPrice));
  const recurring = lines.filter((l) => l.recurring).map((l) => multiply(l.quantity, l.unitPrice));
  const subtotal = sum(oneOff);
  const shipping = sum([shippingCharge]);
  return { subtotal, recurringSubtotal: sum(recurring), shipping, total: sum([subtotal, shipping]) };
}

/** YYYY-MM-DD naming a day that exists (2026-02-31 does not; Postgres would refuse it). */
function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number(m[1]) >= 1 && date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/** Totals are stored as numeric(18,4): a line or a total beyond 14 integer digits is a bad input, not a database error. */
const MAX_AMOUNT = 10n ** 22n; // 10^14 at scale 8 (a product of two scale-4 decimals)

function totalsTooLarge(input: QuoteInput, items: Map<string, Item>): FieldError[] {
  const message = 'the amount does not fit 14 digits before the decimal point';
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const sums = { oneOff: abs(parseDecimal(input.shippingCharge ?? '0')) * 10_000n, recurring: 0n };
  for (const [i, l] of input.lines.entries()) {
    const item = l.itemId ? items.get(l.itemId) : undefined;
    const recurring = l.recurring ?? item?.recurring ?? false;
    const amount = abs(parseDecimal(l.quantity) * parseDecimal(l.unitPrice ?? (recurring ? item?.recurringPrice : item?.price) ?? '0'));
    if (amount >= MAX_AMOUNT) return [{ path: `lines.${i}.unitPrice`, code: 'INVALID', message: `quantity × unit price: ${message}` }];
    sums[recurring ? 'recurring' : 'oneOff'] += amount;
  }
  return sums.oneOff >= MAX_AMOUNT || sums.recurring >= MAX_AMOUNT ? [{ path: 'lines', code: 'INVALID', message: `the quote total: ${message}` }] : [];
}

/** Quotes built here: create, edit while open, move through the statuses; each change that Halo must see is pushed. */
export class QuoteService {
  constructor(
    private readonly outbox: Outbox,
    /** The tenant's settings: a status change shows on the linked opportunity at once, as the mapping moves it. */
    private readonly settings?: { get(em: EntityManager, tenantId: string): Promise<IntegrationSettingsDoc> },
  ) {}

  private async validate(em: EntityManager, tenantId: string, input: QuoteInput): Promise<{ items: Map<string, Item> }> {
    const errors: FieldError[] = [];
    const money = (path: string, v: string | null | undefined, opts: { positive?: boolean } = {}) => {
      if (v == null) return;
      try {
        const units = parseDecimal(v);
        if (units < 0n || (opts.positive && units === 0n)) errors.push({ path, code: 'INVALID', message: opts.positive ? 'must be greater than 0' : 'must not be negative' });
      } catch (e) {
        errors.push({ path, code: 'INVALID', message: (e as MoneyError).message });
      }
    };
    if (!input.title.trim()) errors.push({ path: 'title', code: 'REQUIRED', message: 'a quote needs a title' });
    if (input.title.length > 250) errors.push({ path: 'title', code: 'INVALID', message: 'at most 250 characters' });
    if (input.validUntil != null && !isCalendarDate(input.validUntil)) errors.push({ path: 'validUntil', code: 'INVALID', message: 'a date like 2026-12-31 that exists' });
    money('shippingCharge', input.shippingCharge);
    const company = await em.findOne(Company, { id: input.companyId, tenantId, deletedAt: null });
    if (!company) errors.push({ path: 'companyId', code: 'NOT_FOUND', message: 'no such company' });
    if (input.opportunityId) {
      const opp = await em.findOne(Opportunity, { id: input.opportunityId, tenantId });
      if (!opp) errors.push({ path: 'opportunityId', code: 'NOT_FOUND', message: 'no such opportunity' });
      else if (company && opp.companyId && opp.companyId !== company.id) errors.push({ path: 'opportunityId', code: 'CONFLICT', message: 'the opportunity belongs to another company' });
    }
    if (input.contactId) {
      const contact = await em.findOne(Contact, { id: input.contactId, tenantId });
      if (!contact) errors.push({ path: 'contactId', code: 'NOT_FOUND', message: 'no such contact' });
    }
    if (!input.lines.length) errors.push({ path: 'lines', code: 'REQUIRED', message: 'a quote needs at least one line' });
    if (input.lines.length > 500) errors.push({ path: 'lines', code: 'INVALID', message: 'at most 500 lines' });
    const itemIds = input.lines.map((l) => l.itemId).filter((x): x is string => !!x);
    const items = new Map((itemIds.length ? await em.find(Item, { id: { $in: itemIds }, tenantId }) : []).map((i) => [i.id, i]));
    input.lines.forEach((l, i) => {
      const at = `lines.${i}`;
      if (l.itemId && !items.has(l.itemId)) errors.push({ path: `${at}.itemId`, code: 'NOT_FOUND', message: 'no such item' });
      if (l.itemId && items.get(l.itemId)?.deletedAt) errors.push({ path: `${at}.itemId`, code: 'INVALID', message: 'the item was deleted in Halo' });
      if (!l.itemId && !l.productName?.trim()) errors.push({ path: `${at}.productName`, code: 'REQUIRED', message: 'a line needs an item or a product name' });
      money(`${at}.quantity`, l.quantity, { positive: true });
      money(`${at}.unitPrice`, l.unitPrice);
      money(`${at}.unitCost`, l.unitCost);
      if (!l.itemId && l.unitPrice == null) errors.push({ path: `${at}.unitPrice`, code: 'REQUIRED', message: 'a custom product needs a unit price' });
      const { recurring, period } = linePeriod(l, l.itemId ? items.get(l.itemId) : undefined);
      if (l.billingPeriod != null && !isBillingPeriod(l.billingPeriod)) {
        errors.push({ path: `${at}.billingPeriod`, code: 'INVALID', message: 'not a billing period' });
      } else if (recurring && period === null) {
        errors.push({ path: `${at}.billingPeriod`, code: 'REQUIRED', message: 'a recurring line needs a billing period (its item has none)' });
      } else if (recurring && period === 'ONE_OFF') {
        errors.push({ path: `${at}.billingPeriod`, code: 'INVALID', message: 'a recurring line needs a billing period other than ONE_OFF' });
      } else if (!recurring && l.billingPeriod != null && l.billingPeriod !== 'ONE_OFF') {
        errors.push({ path: `${at}.billingPeriod`, code: 'NOT_RECURRING', message: 'only a recurring line has a billing period: set recurring to true, or leave the period out' });
      }
      if (l.bundle != null && !l.bundle.trim()) errors.push({ path: `${at}.bundle`, code: 'INVALID', message: 'a bundle needs a name' });
    });
    if (!errors.length) errors.push(...totalsTooLarge(input, items));
    if (errors.length) throw new InputError(errors);
    return { items };
  }

  private writeLines(em: EntityManager, tenantId: string, quote: Quote, input: QuoteInput, items: Map<string, Item>): void {
    const bundles = new Map<string, QuoteBundle>();
    input.lines.forEach((l, i) => {
      const item = l.itemId ? items.get(l.itemId) : undefined;
      let bundleId: string | null = null;
      if (l.bundle) {
        let b = bundles.get(l.bundle.trim());
        if (!b) {
          b = em.create(QuoteBundle, { tenantId, quoteId: quote.id, name: l.bundle.trim(), position: bundles.size + 1 });
          bundles.set(l.bundle.trim(), b);
        }
        bundleId = b.id;
      }
      const { recurring, period } = linePeriod(l, item);
      em.create(QuoteLine, {
        tenantId,
        quoteId: quote.id,
        position: i + 1,
        itemId: item?.id ?? null,
        haloItemId: item?.haloId ?? null,
        description: l.description?.trim() || l.productName?.trim() || item?.name || `Line ${i + 1}`,
        quantity: l.quantity,
        unitPrice: l.unitPrice ?? (recurring ? item?.recurringPrice : item?.price) ?? '0',
        unitCost: l.unitCost ?? (recurring ? item?.recurringCost : item?.cost) ?? null,
        recurring,
        billingPeriod: period,
        bundleId,
        origin: 'LOCAL',
      });
    });
  }

  /** Header, lines and bundles from the input, then the derived total. */
  private async writeContent(tx: EntityManager, tenantId: string, quote: Quote, input: QuoteInput, items: Map<string, Item>): Promise<Quote> {
    const company = await tx.findOneOrFail(Company, { id: input.companyId });
    Object.assign(quote, {
      title: input.title.trim(),
      companyId: company.id,
      haloCompanyId: company.haloId ?? null,
      opportunityId: input.opportunityId ?? null,
      contactId: input.contactId ?? null,
      validUntil: input.validUntil ?? null,
      shippingCharge: input.shippingCharge ?? null,
    });
    this.writeLines(tx, tenantId, quote, input, items);
    await tx.flush();
    quote.total = quoteTotals(await tx.find(QuoteLine, { quoteId: quote.id }), quote.shippingCharge).total;
    return quote;
  }

  async create(em: EntityManager, tenantId: string, input: QuoteInput): Promise<Quote> {
    const { items } = await this.validate(em, tenantId, input);
    return em.transactional(async (tx) => {
      const quote = tx.create(Quote, { tenantId, origin: 'LOCAL', title: input.title.trim(), status: 'DRAFT' });
      // A short, human-readable reference Halo keeps (third-party number): how we find our quotation again.
      quote.reference = `QS-${quote.id.slice(0, 8).toUpperCase()}`;
      return this.writeContent(tx, tenantId, quote, input, items);
    });
  }

  async update(em: EntityManager, tenantId: string, id: string, input: QuoteInput): Promise<Quote> {
    const quote = await em.findOne(Quote, { id, tenantId });
    if (!quote) throw new InputError([{ path: 'id', code: 'NOT_FOUND', message: 'no such quote' }]);
    if (quote.origin !== 'LOCAL') throw new InputError([{ path: 'id', code: 'READ_ONLY', message: 'this quote comes from Halo; edit it there' }]);
    if (quote.status === 'APPROVED') throw new InputError([{ path: 'id', code: 'READ_ONLY', message: 'an accepted quote cannot be edited' }]);
    const { items } = await this.validate(em, tenantId, input);
    return em.transactional(async (tx) => {
      const q = tx.merge(quote);
      await tx.nativeDelete(QuoteLine, { quoteId: q.id, tenantId });
      await tx.nativeDelete(QuoteBundle, { quoteId: q.id, tenantId });
      return this.writeContent(tx, tenantId, q, input, items);
    });
  }

  /**
   * Moves a quote to another status. The linked Halo opportunity follows through the quote status mapping; an
   * accepted quote becomes a Halo quotation. Both go through the outbox in this transaction. The local opportunity
   * shows the mapped Halo status and pipeline stage (and our status from them) at once, PENDING until Halo has them;
   * the push reads the ticket back and records what Halo holds (names included).
   */
  async setStatus(em: EntityManager, tenantId: string, id: string, status: string): Promise<Quote> {
    const quote = await em.findOne(Quote, { id, tenantId });
    if (!quote) throw new InputError([{ path: 'id', code: 'NOT_FOUND', message: 'no such quote' }]);
    if (quote.origin !== 'LOCAL') throw new InputError([{ path: 'id', code: 'READ_ONLY', message: 'this quote comes from Halo; change its status there' }]);
    if (quote.status === status) return quote;
    if (!QUOTE_TRANSITIONS[quote.status]?.includes(status)) {
      throw new InputError([{ path: 'status', code: 'INVALID_TRANSITION', message: `${/^[AEIOU]/.test(quote.status) ? 'An' : 'A'} ${quote.status} quote cannot become ${status}. Allowed: ${QUOTE_TRANSITIONS[quote.status]?.join(', ') || 'none'}.` }]);
    }
    const settings = quote.opportunityId && this.settings ? await this.settings.get(em, tenantId) : null;
    const rows = await em.transactional(async (tx) => {
      const q = tx.merge(quote);
      q.status = status;
      const added = [];
      if (q.opportunityId) {
        added.push(this.outbox.add(tx, { tenantId, kind: 'quote.status', targetId: q.opportunityId, payload: { quoteId: q.id, status } }));
        const opp = await tx.findOne(Opportunity, { id: q.opportunityId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (opp) {
          const mapping = settings?.quoteStatuses.find((m) => m.status === status);
          if (mapping?.haloOpportunityStatusId != null && mapping.haloOpportunityStatusId !== opp.haloStatusId) {
            opp.haloStatusId = mapping.haloOpportunityStatusId;
            opp.haloStatusName = null; // Halo's name for it is read back by the push
            opp.status = opportunityStatusFor(settings!, mapping.haloOpportunityStatusId);
          }
          if (mapping?.haloPipelineStageId != null && mapping.haloPipelineStageId !== opp.pipelineStageId) {
            opp.pipelineStageId = mapping.haloPipelineStageId;
            opp.pipelineStageName = null;
          }
          opp.pushState = 'PENDING';
          opp.pushError = null;
        }
      }
      if (status === 'APPROVED') added.push(this.outbox.add(tx, { tenantId, kind: 'quote.createQuotation', targetId: q.id }));
      if (added.length) {
        q.pushState = 'PENDING';
        q.pushError = null;
      }
      return added;
    });
    await this.outbox.dispatch(rows);
    return quote;
  }
}
