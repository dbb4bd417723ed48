import { formatHaloDate, type HaloQuotation, type HaloQuoteLine } from '../halo';
import { resolveAccountCode, type AccountCodes } from '../integration/settings';
import { toWireNumber } from '../quotes/money';

export interface QuotationLineSource {
  position: number;
  description: string;
  quantity: string;
  unitPrice: string;
  unitCost: string | null;
  recurring: boolean;
  billingPeriod: number | null;
  haloItemId: number | null;
  haloGroupId: number | null;
  haloTaxCode: number | null;
  /** The item's own account code override set here, if any. */
  accountCodeOverride: string | null;
  bundle: { name: string; position: number } | null;
}

export interface QuotationSource {
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
  /** Halo is set to create a sales order from an approved quote. */
  createSalesOrder: boolean;
  today: Date;
}

const accountCode = (codes: AccountCodes, l: { haloItemId: number | null; haloGroupId: number | null; accountCodeOverride?: string | null }) =>
  l.accountCodeOverride ?? resolveAccountCode(codes, { haloItemId: l.haloItemId, haloGroupId: l.haloGroupId })?.code ?? undefined;

function line(src: QuotationLineSource, codes: AccountCodes, sortSeq: number, groupId: number | undefined): Partial<HaloQuoteLine> {
  return {
    sort_seq: sortSeq,
    ...(src.haloItemId ? { item_id: src.haloItemId } : {}),
    name: src.description,
    quantity: toWireNumber(src.quantity),
    baseprice: toWireNumber(src.unitPrice),
    ...(src.unitCost != null ? { costprice: toWireNumber(src.unitCost) } : {}),
    nominal_code: accountCode(codes, src),
    ...(src.haloTaxCode ? { item_tax_code: src.haloTaxCode } : {}),
    item_recurring: src.recurring,
    billingperiod: src.recurring ? (src.billingPeriod ?? 1) : 0,
    ...(groupId !== undefined ? { group_id: groupId } : {}),
  };
}

/**
 * An accepted quote as a Halo quotation (POST /api/Quotation). Lines keep our order; a bundle becomes a group
 * header line (`isgroupdesc`) followed by its lines, at the place of its first line; shipping is its own line
 * with the shipping product. Money leaves our exact decimals only here, as JSON numbers, as Halo expects.
 */
export function buildQuotation(src: QuotationSource): Partial<HaloQuotation> & { lines: Partial<HaloQuoteLine>[] } {
  const ordered = [...src.lines].sort((a, b) => a.position - b.position);
  const out: Partial<HaloQuoteLine>[] = [];
  const emittedBundles = new Set<string>();
  let groupNo = 0;
  for (const l of ordered) {
    if (!l.bundle) {
      out.push(line(l, src.accountCodes, out.length + 1, undefined));
      continue;
    }
    if (emittedBundles.has(l.bundle.name)) continue;
    emittedBundles.add(l.bundle.name);
    groupNo += 1;
    out.push({ sort_seq: out.length + 1, isgroupdesc: true, name: l.bundle.name, group_id: groupNo, quantity: 1 });
    for (const member of ordered.filter((m) => m.bundle?.name === l.bundle!.name)) {
      out.push(line(member, src.accountCodes, out.length + 1, groupNo));
    }
  }
  if (src.shipping) {
    out.push({
      sort_seq: out.length + 1,
      item_id: src.shipping.haloItemId,
      name: 'Shipping',
      quantity: 1,
      baseprice: toWireNumber(src.shipping.charge),
      nominal_code: accountCode(src.accountCodes, { haloItemId: src.shipping.haloItemId, haloGroupId: src.shipping.haloGroupId }),
      item_recurring: false,
      billingperiod: 0,
    });
  }
  return {
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
    ...(src.createSalesOrder ? { _create_so: true } : {}),
    lines: out,
  };
}
