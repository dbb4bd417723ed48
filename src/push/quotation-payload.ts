import { formatHaloDate, type HaloQuotation, type HaloQuoteLine } from '../halo';
import { billingPeriodName, HALO_BILLING_PERIOD } from '../halo/facts';
import { isRecurringPeriod, type BillingPeriod } from '../common/billing-period';
import { resolveAccountCode, type AccountCodes, type QuoteLineFieldNames } from '../integration/settings';
import { toWireNumber } from '../quotes/money';
import { compareCandidates, compareFields, sameNumber, show, type StoredDifference } from './read-back';
import { PushRejected } from './outbox';

export interface QuotationLineSource {
  position: number;
  description: string;
  quantity: string;
  unitPrice: string;
  unitCost: string | null;
  recurring: boolean;
  billingPeriod: BillingPeriod | null;
  haloItemId: number | null;
  haloGroupId: number | null;
  haloTaxCode: number | null;
  /** The item's own account code override set here, if any. */
  accountCodeOverride: string | null;
  bundle: { name: string; position: number } | null;
  /** Halo's id of this line, once the quotation is in Halo: an update keeps the line instead of adding a copy. */
  haloLineId?: number | null;
}

export interface QuotationSource {
  /** The quotation's Halo id when it is already there: the payload updates it. */
  haloId?: number | null;
  title: string;
  reference: string;
  validUntil: string | null;
  haloQuoteStatusId: number;
  haloClientId: number;
  haloSiteId: number | null;
  haloUserId: number | null;
  haloTicketId: number | null;
  lines: QuotationLineSource[];
  shipping: { charge: string; haloItemId: number; haloGroupId: number | null } | null;
  accountCodes: AccountCodes;
  /** The names Halo reads a line's quantity and unit price from (the tenant's setting, else every candidate). */
  lineFields: Pick<QuoteLineFieldNames, 'quantity' | 'unitPrice'>;
  today: Date;
}

/** The quotation to send, and which of our lines (by position) each sent line is: null for group headers and shipping. */
export interface QuotationPayload {
  body: Partial<HaloQuotation> & { lines: Partial<HaloQuoteLine>[] };
  positions: (number | null)[];
}

/** A recurring line's period must be a recurring one (the quote service checks; this keeps a bad row from reaching Halo). */
export class UnsendableLine extends PushRejected {}

const accountCode = (codes: AccountCodes, l: { haloItemId: number | null; haloGroupId: number | null; accountCodeOverride?: string | null }) =>
  l.accountCodeOverride ?? resolveAccountCode(codes, { haloItemId: l.haloItemId, haloGroupId: l.haloGroupId })?.code ?? undefined;

/** The same value under every name Halo may read it from. */
const under = (names: readonly string[], value: number): Record<string, number> => Object.fromEntries(names.map((n) => [n, value]));

/** Halo's billing period integer for a line (facts.ts `HALO_BILLING_PERIOD`). */
export function haloBillingPeriod(recurring: boolean, period: BillingPeriod | null): number {
  if (!recurring) return HALO_BILLING_PERIOD.ONE_OFF;
  if (!isRecurringPeriod(period)) throw new UnsendableLine(`a recurring line needs a billing period other than ONE_OFF (has ${period ?? 'none'})`);
  return HALO_BILLING_PERIOD[period];
}

function line(src: QuotationLineSource, quote: QuotationSource, sortSeq: number, groupId: number | undefined): Partial<HaloQuoteLine> {
  return {
    ...(src.haloLineId ? { id: src.haloLineId } : {}),
    sort_seq: sortSeq,
    ...(src.haloItemId ? { item_id: src.haloItemId } : {}),
    name: src.description,
    ...under(quote.lineFields.quantity, Number(src.quantity)),
    ...under(quote.lineFields.unitPrice, Number(src.unitPrice)),
    ...(src.unitCost != null ? { costprice: toWireNumber(src.unitCost) } : {}),
    nominal_code: accountCode(quote.accountCodes, src),
    ...(src.haloTaxCode ? { item_tax_code: src.haloTaxCode } : {}),
    item_recurring: src.recurring,
    billingperiod: haloBillingPeriod(src.recurring, src.billingPeriod),
    ...(groupId !== undefined ? { group_id: groupId } : {}),
  };
}

/**
 * An accepted quote as a Halo quotation (POST /api/Quotation). Lines keep our order; a bundle becomes a group
 * header line (`isgroupdesc`) followed by its lines, at the place of its first line; shipping is its own line
 * with the shipping product. Money leaves our exact decimals only here, as JSON numbers, as Halo expects. The
 * sales order is asked for separately, once Halo is seen to hold what was sent.
 */
export function buildQuotation(src: QuotationSource): QuotationPayload {
  const ordered = [...src.lines].sort((a, b) => a.position - b.position);
  const out: Partial<HaloQuoteLine>[] = [];
  const positions: (number | null)[] = [];
  const emittedBundles = new Set<string>();
  let groupNo = 0;
  for (const l of ordered) {
    if (!l.bundle) {
      out.push(line(l, src, out.length + 1, undefined));
      positions.push(l.position);
      continue;
    }
    if (emittedBundles.has(l.bundle.name)) continue;
    emittedBundles.add(l.bundle.name);
    groupNo += 1;
    out.push({ sort_seq: out.length + 1, isgroupdesc: true, name: l.bundle.name, group_id: groupNo, ...under(src.lineFields.quantity, 1) });
    positions.push(null);
    for (const member of ordered.filter((m) => m.bundle?.name === l.bundle!.name)) {
      out.push(line(member, src, out.length + 1, groupNo));
      positions.push(member.position);
    }
  }
  if (src.shipping) {
    out.push({
      sort_seq: out.length + 1,
      item_id: src.shipping.haloItemId,
      name: 'Shipping',
      ...under(src.lineFields.quantity, 1),
      ...under(src.lineFields.unitPrice, Number(src.shipping.charge)),
      nominal_code: accountCode(src.accountCodes, { haloItemId: src.shipping.haloItemId, haloGroupId: src.shipping.haloGroupId }),
      item_recurring: false,
      billingperiod: HALO_BILLING_PERIOD.ONE_OFF,
    });
    positions.push(null);
  }
  return {
    body: {
      ...(src.haloId ? { id: src.haloId } : {}),
      title: src.title,
      client_id: src.haloClientId,
      ...(src.haloSiteId ? { site_id: src.haloSiteId } : {}),
      ...(src.haloUserId ? { user_id: src.haloUserId } : {}),
      ...(src.haloTicketId ? { ticket_id: src.haloTicketId } : {}),
      date: formatHaloDate(src.today),
      ...(src.validUntil ? { expiry_date: `${src.validUntil}T00:00:00` } : {}),
      // Halo keeps it and returns it: our reference, by which a quotation whose creation answer was lost is found.
      third_party_number: src.reference,
      status: src.haloQuoteStatusId,
      lines: out,
    },
    positions,
  };
}

/** A billing period as `2 (MONTHLY)`. */
const showPeriod = (v: unknown): string => {
  const name = typeof v === 'number' ? billingPeriodName(v) : null;
  return name ? `${v as number} (${name})` : show(v);
};

const LINE_FIELDS = [
  { key: 'item_id', label: 'item', as: 'id' },
  { key: 'costprice', label: 'cost', as: 'number' },
  { key: 'item_recurring', label: 'recurring', as: 'flag' },
  { key: 'billingperiod', label: 'billing period', as: 'id', show: showPeriod },
  { key: 'nominal_code', label: 'account code', as: 'text' },
] as const;

const round2 = (n: number) => Math.round(n * 100) / 100;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0)) || 0;

/**
 * What Halo holds of a quotation we sent (`stored`: read back with its lines) against what we sent: the line count,
 * then per line (in sort order) the group header flag, item, quantity, unit price, cost, recurring flag, billing
 * period and account code; the status; and the total before tax against Σ quantity × unit price. Pure.
 */
export function compareQuotation(
  sent: QuotationPayload['body'],
  stored: HaloQuotation,
  lineFields: Pick<QuoteLineFieldNames, 'quantity' | 'unitPrice'>,
): StoredDifference[] {
  const diffs: StoredDifference[] = [];
  const storedLines = [...(stored.lines ?? [])].sort((a, b) => num(a.sort_seq) - num(b.sort_seq) || num(a.id) - num(b.id));
  if (storedLines.length !== sent.lines.length) diffs.push({ field: 'line count', key: 'lines', sent: String(sent.lines.length), stored: String(storedLines.length) });
  sent.lines.forEach((s, i) => {
    const h = storedLines[i];
    if (!h) return;
    const at = `line ${i + 1} `;
    if (s.isgroupdesc) {
      if (h.isgroupdesc !== true) diffs.push({ field: `${at}group header`, key: 'isgroupdesc', sent: 'yes', stored: 'no' });
      return;
    }
    if (h.isgroupdesc === true) diffs.push({ field: `${at}group header`, key: 'isgroupdesc', sent: 'no', stored: 'yes' });
    const line = h as Record<string, unknown>;
    const sentLine = { item_id: 0, ...s } as Record<string, unknown>;
    diffs.push(...compareFields(sentLine, line, LINE_FIELDS.slice(0, 1), at));
    const qty = compareCandidates(s[lineFields.quantity[0]!], line, lineFields.quantity, `${at}quantity`);
    if (qty) diffs.push(qty);
    const price = compareCandidates(s[lineFields.unitPrice[0]!], line, lineFields.unitPrice, `${at}unit price`);
    if (price) diffs.push(price);
    diffs.push(...compareFields(sentLine, line, LINE_FIELDS.slice(1), at));
  });
  diffs.push(...compareFields(sent as Record<string, unknown>, stored as Record<string, unknown>, [{ key: 'status', label: 'status', as: 'id' }]));
  const expected = round2(sent.lines.reduce((sum, l) => sum + num(l[lineFields.quantity[0]!]) * num(l[lineFields.unitPrice[0]!]), 0));
  if (typeof stored.total === 'number' && typeof stored.tax_total === 'number') {
    const net = round2(stored.total - stored.tax_total);
    if (!sameNumber(expected, net)) diffs.push({ field: 'total before tax', key: 'total', sent: expected.toFixed(2), stored: net.toFixed(2) });
  }
  return diffs;
}
