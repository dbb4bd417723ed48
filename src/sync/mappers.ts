import { createHash } from 'node:crypto';
import { parseHaloDate } from '../halo';
import type { HaloClientRecord, HaloItem, HaloQuotation, HaloSite, HaloTicket, HaloUser } from '../halo';
import { billingPeriodName } from '../halo/facts';
import { quoteLineFieldNames, type IntegrationSettingsDoc } from '../integration/settings';
import type { BillingPeriod } from '../common/billing-period';
import { addressFor, haloAddressLines, importsOpportunityType, isProspectFor, opportunityStatusFor, productTypeFor, quoteStatusFor, type HaloAddressLines } from '../integration/mapping-rules';

/**
 * Halo records → our rows, as pure functions of (record, settings). Every mapper returns either a row (with the
 * hash of its content, so unchanged records are never rewritten) or a skip with the reason and the fix.
 */

export interface Skip {
  skip: { code: string; message: string; hint: string };
}

/**
 * Skips of a record Halo still holds but we cannot read correctly (a value we must not guess): our copy is kept as
 * it is, not marked deleted by a full sync, until the cause is fixed.
 */
export const KEEP_ON_SKIP: ReadonlySet<string> = new Set(['UNKNOWN_BILLING_PERIOD', 'QUOTE_LINE_FIELD_MISSING']);

export interface Mapped<R> {
  haloId: number;
  haloUpdatedAt: Date | null;
  row: R;
  contentHash: string;
}

/** Stable JSON (sorted keys) → SHA-1: a change detector, not a security boundary. */
export function contentHash(value: unknown): string {
  const stable = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]))
      : Array.isArray(v)
        ? v.map(stable)
        : v;
  return createHash('sha1').update(JSON.stringify(stable(value))).digest('base64url');
}

/** Halo sends money as JSON numbers (binary floats); we keep exact 4-place decimal strings from here on. */
export function money(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return null;
  return n.toFixed(4);
}

const text = (v: unknown): string | null => {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length ? t : null;
};

const int = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  // Halo sends some ids as doubles (12.0); 0 and negatives are "none" sentinels (e.g. user_id -1, agent 1 = Unassigned is kept).
  return Number.isFinite(n) && n > 0 ? Math.trunc(n) : null;
};

/**
 * Halo's billing period integer (facts.ts `HALO_BILLING_PERIOD`) → its name. `undefined` for a value outside the
 * enum: never stored as something it is not.
 */
function billingPeriod(v: unknown): BillingPeriod | null | undefined {
  if (v === null || v === undefined || v === '') return null;
  return billingPeriodName(typeof v === 'number' ? v : Number(v)) ?? undefined;
}

const unknownPeriod = (what: string, value: unknown): Skip => ({
  skip: {
    code: 'UNKNOWN_BILLING_PERIOD',
    message: `${what} has billing period ${JSON.stringify(value)}, which is not one of Halo's billing periods (0–9).`,
    hint: 'In Halo choose a billing period for it (One Off, Weekly, Monthly, Quarterly, 6-Monthly, Yearly, …), then sync again.',
  },
});

function mapped<R extends object>(haloId: unknown, updated: unknown, row: R): Mapped<R> {
  return { haloId: Number(haloId), haloUpdatedAt: parseHaloDate(updated), row, contentHash: contentHash(row) };
}

export interface CompanyRow {
  name: string;
  website: string | null;
  isProspect: boolean;
  inactive: boolean;
  haloCustomerTypeId: number | null;
  /** Halo's own account flag, kept so a changed prospect mapping is re-applied without asking Halo. */
  haloIsAccount: boolean;
  accountsId: string | null;
}

export function mapClient(c: HaloClientRecord, settings: IntegrationSettingsDoc): Mapped<CompanyRow> {
  const customerType = int(c.customertype);
  const isAccount = c.is_account === true;
  return mapped(c.id, c.alastupdate, {
    name: text(c.name) ?? `Halo client ${c.id}`,
    website: text(c.website),
    isProspect: isProspectFor(settings, { isAccount, customerTypeId: customerType }),
    inactive: c.inactive === true,
    haloCustomerTypeId: customerType,
    haloIsAccount: isAccount,
    accountsId: text(c.accountsid),
  });
}

export interface SiteRow {
  haloCompanyId: number | null;
  name: string;
  street: string | null;
  street2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  countryCode: string | null;
  countryName: string | null;
  regionName: string | null;
  phone: string | null;
  /** Halo's address lines as sent, kept so a changed address mapping is re-applied without asking Halo. */
  haloAddress: HaloAddressLines;
}

export function mapSite(s: HaloSite, settings: IntegrationSettingsDoc): Mapped<SiteRow> {
  const haloAddress = haloAddressLines((s.delivery_address ?? s.invoice_address ?? {}) as Record<string, unknown>);
  return mapped(s.id, s.slastupdate, {
    haloCompanyId: int(s.client_id),
    name: text(s.name) ?? `Site ${s.id}`,
    ...addressFor(settings, haloAddress),
    // Country and region have their own Halo fields (setup guide step 5), never an address line.
    countryCode: text(s.country_code),
    countryName: text(s.country_code_name),
    regionName: text(s.region_code_name),
    phone: text(s.phonenumber),
    haloAddress,
  });
}

export interface ContactRow {
  haloCompanyId: number | null;
  haloSiteId: number | null;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  mobile: string | null;
  isProspect: boolean;
  inactive: boolean;
}

export function mapUser(u: HaloUser): Mapped<ContactRow> {
  const first = text(u.firstname);
  const last = text(u.surname);
  return mapped(u.id, u.ulastupdate, {
    haloCompanyId: int(u.client_id),
    haloSiteId: int(u.site_id),
    name: text(u.name) ?? ([first, last].filter(Boolean).join(' ') || `Contact ${u.id}`),
    firstName: first,
    lastName: last,
    email: text(u.emailaddress)?.toLowerCase() ?? null,
    phone: text(u.phonenumber),
    mobile: text(u.mobilenumber),
    isProspect: u.is_prospect === true,
    inactive: u.inactive === true,
  });
}

export interface ProductGroupRow {
  name: string;
  productType: string | null;
  accountCode: string | null;
}

export interface ItemRow {
  name: string;
  description: string | null;
  sku: string | null;
  haloGroupId: number;
  productType: string | null;
  price: string | null;
  cost: string | null;
  recurring: boolean;
  recurringPrice: string | null;
  recurringCost: string | null;
  billingPeriod: BillingPeriod | null;
  haloTaxCode: number | null;
  accountCode: string | null;
}

/**
 * Only items in a product group (an asset group marked "Use for Items") become products; others are reported per
 * record with the fix, as the setup guide's "Products not syncing — missing categories" describes.
 */
export function mapItem(
  it: HaloItem,
  groups: Map<number, { name: string; isProductGroup: boolean }>,
  settings: IntegrationSettingsDoc,
): Mapped<ItemRow> | Skip {
  const groupId = int(it.assetgroup_id);
  const name = text(it.name) ?? `Item ${it.id}`;
  if (groupId === null) {
    return {
      skip: {
        code: 'ITEM_WITHOUT_GROUP',
        message: `"${name}" has no product group in Halo, so it cannot be sold from the catalogue.`,
        hint: 'In Halo open the item and choose a product group (an asset group marked "Use for Items"), then sync again.',
      },
    };
  }
  const group = groups.get(groupId);
  if (!group?.isProductGroup) {
    return {
      skip: {
        code: 'ITEM_GROUP_NOT_FOR_ITEMS',
        message: `"${name}" is in the asset group "${group?.name ?? groupId}", which is not marked "Use for Items".`,
        hint: 'In Halo tick "Use for Items" on that asset group, or move the item to a product group, then sync again.',
      },
    };
  }
  const recurring = it.isrecurringitem === true;
  const period = billingPeriod(it.item_default_billing_period);
  if (period === undefined) return unknownPeriod(`"${name}"`, it.item_default_billing_period);
  return mapped(it.id, it.lastmodified, {
    name,
    description: text(it.description),
    sku: text(it.supplier_part_code) ?? text(it.internalreference),
    haloGroupId: groupId,
    productType: productTypeFor(settings, groupId),
    price: money(it.baseprice),
    cost: money(it.costprice),
    recurring,
    recurringPrice: recurring ? money(it.recurringprice) : null,
    recurringCost: recurring ? money(it.recurringcost) : null,
    billingPeriod: period,
    haloTaxCode: int(it.taxcode),
    accountCode: text(it.nominalcode),
  });
}

export interface OpportunityRow {
  haloCompanyId: number | null;
  haloContactId: number | null;
  title: string;
  status: string | null;
  haloStatusId: number | null;
  haloStatusName: string | null;
  haloTypeId: number | null;
  pipelineStageId: number | null;
  pipelineStageName: string | null;
  value: string | null;
  ownerAgentId: number | null;
  ownerName: string | null;
}

export function mapTicket(t: HaloTicket, settings: IntegrationSettingsDoc): Mapped<OpportunityRow> | Skip {
  const typeId = int(t.tickettype_id);
  if (!importsOpportunityType(settings, typeId)) {
    return {
      skip: {
        code: 'OPPORTUNITY_TYPE_NOT_IMPORTED',
        message: `Opportunity ${t.id} is of a type that is not imported.`,
        hint: 'Add its type to the imported opportunity types if it should sync.',
      },
    };
  }
  const statusId = int(t.status_id);
  const status = opportunityStatusFor(settings, statusId);
  return mapped(t.id, t.last_update ?? t.lastupdate, {
    haloCompanyId: int(t.client_id),
    haloContactId: int(t.user_id),
    title: text(t.summary) ?? `Opportunity ${t.id}`,
    status,
    haloStatusId: statusId,
    haloStatusName: text(t.status_name),
    haloTypeId: typeId,
    pipelineStageId: int(t.pipeline_stage_id),
    pipelineStageName: text(t.pipeline_stage_name),
    value: money(t.oppvalue),
    ownerAgentId: int(t.agent_id),
    ownerName: text(t.agent_name),
  });
}

export interface QuoteLineRow {
  haloId: number;
  position: number;
  haloItemId: number | null;
  description: string;
  quantity: string;
  unitPrice: string;
  unitCost: string | null;
  recurring: boolean;
  billingPeriod: BillingPeriod | null;
}

export interface QuoteRow {
  haloCompanyId: number | null;
  haloOpportunityId: number | null;
  title: string;
  status: string;
  haloQuoteStatusId: number | null;
  /** Halo's name of the status ('' when none), kept so a changed status mapping is re-applied without asking Halo. */
  haloStatusName: string;
  total: string | null;
  lines: QuoteLineRow[];
}

/**
 * The first of `names` the line carries (Halo's quote-line quantity and unit-price names are unknown: the tenant's
 * setting, else the candidates in facts.ts). `undefined` when the line has none of them.
 */
function lineValue(line: Record<string, unknown>, names: readonly string[]): unknown {
  for (const n of names) if (line[n] !== undefined && line[n] !== null) return line[n];
  return undefined;
}

export function mapQuotation(q: HaloQuotation, settings: IntegrationSettingsDoc): Mapped<QuoteRow> | Skip {
  const statusId = int(q.status ?? q.quote_status);
  const statusName = text(q.status_name) ?? '';
  const fields = quoteLineFieldNames(settings);
  const lines: QuoteLineRow[] = [];
  for (const [i, l] of (Array.isArray(q.lines) ? q.lines : []).entries()) {
    const period = billingPeriod(l.billingperiod);
    if (period === undefined) return unknownPeriod(`Line ${i + 1} of quotation ${q.id}`, l.billingperiod);
    const quantity = money(lineValue(l, fields.quantity));
    const unitPrice = money(lineValue(l, fields.unitPrice));
    if (quantity === null || unitPrice === null) {
      const missing = quantity === null ? `quantity (${fields.quantity.join(' or ')})` : `unit price (${fields.unitPrice.join(' or ')})`;
      return {
        skip: {
          code: 'QUOTE_LINE_FIELD_MISSING',
          message: `Line ${i + 1} of quotation ${q.id} has no ${missing}: this Halo names that quote-line field differently.`,
          hint: 'Find the field names your Halo uses for a quote line’s quantity and unit price and set them (setHaloQuoteLineFields), then sync again.',
        },
      };
    }
    lines.push({
      haloId: Number(l.id),
      position: typeof l.sort_seq === 'number' ? l.sort_seq : i + 1,
      haloItemId: int(l.item_id),
      description: text(l.name) ?? text(l.description) ?? `Line ${i + 1}`,
      quantity,
      unitPrice,
      unitCost: money(l.costprice),
      recurring: l.item_recurring === true,
      billingPeriod: period,
    });
  }
  return mapped(q.id, q.last_update_time, {
    haloCompanyId: int(q.client_id),
    haloOpportunityId: int(q.ticket_id),
    title: text(q.title) ?? `Quote ${q.id}`,
    status: quoteStatusFor(settings, { haloQuoteStatusId: statusId, statusName }),
    haloQuoteStatusId: statusId,
    haloStatusName: statusName,
    total: money(q.total),
    lines,
  });
}

export const isSkip = <R>(m: Mapped<R> | Skip): m is Skip => 'skip' in m;
