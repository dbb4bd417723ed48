import type { HaloItem } from '../../halo';
import { billingPeriodName, HALO_BILLING_PERIOD } from '../../halo/facts';
import { isRecurringPeriod, type BillingPeriod } from '../../common/billing-period';
import { PushRejected } from '../outbox';
import { compareFields, show, type StoredDifference } from '../read-back';

/** A product made here → a Halo item (HALO-API.md §3.2 "Item", §6 recurring items and account codes). */

/**
 * Our reference, in the item's `externalreference`: how an attempt whose answer was lost finds the item instead of
 * creating a second one (`internalreference` is left alone: the sync reads it as the SKU when there is no
 * supplier part code).
 */
export function itemReference(itemId: string): string {
  return `halo-sync:item:${itemId}`;
}

export interface ItemCreateInput {
  reference: string;
  name: string;
  description: string | null;
  sku: string | null;
  haloGroupId: number;
  price: string;
  cost: string | null;
  recurring: boolean;
  /** Only for recurring products: how often it is billed (not ONE_OFF). */
  billingPeriod: BillingPeriod | null;
  accountCode: string | null;
}

/** Money leaves as JSON numbers only here: 4 decimal places are exact in a double for money-sized values. */
const num = (v: string | null): number => (v == null ? 0 : Number(v));

export function itemCreate(p: ItemCreateInput): Partial<HaloItem> {
  const out: Partial<HaloItem> = {
    name: p.name,
    description: p.description ?? '',
    assetgroup_id: p.haloGroupId,
    baseprice: num(p.price),
    costprice: num(p.cost),
    externalreference: p.reference,
    isrecurringitem: p.recurring,
  };
  if (p.sku) out.supplier_part_code = p.sku;
  // Without a code of its own or its group's, Halo applies the group's default nominal code.
  if (p.accountCode) out.nominalcode = p.accountCode;
  if (p.recurring) {
    // Recurring items need the flag to appear in recurring-item lookups and recurring invoices.
    out.recurringprice = num(p.price);
    out.recurringcost = num(p.cost);
    // Halo's integer for the period (facts.ts): the enum, not a number of months.
    if (!isRecurringPeriod(p.billingPeriod)) throw new PushRejected(`"${p.name}" is recurring but has no billing period other than ONE_OFF.`);
    out.item_default_billing_period = HALO_BILLING_PERIOD[p.billingPeriod];
  }
  return out;
}

const showPeriod = (v: unknown): string => {
  const name = typeof v === 'number' ? billingPeriodName(v) : null;
  return name ? `${v as number} (${name})` : show(v);
};

/** What Halo holds of an item against what we sent: price, cost, recurring fields, group and account code. Pure. */
export function compareItem(sent: Partial<HaloItem>, stored: HaloItem): StoredDifference[] {
  return compareFields(sent as Record<string, unknown>, stored as Record<string, unknown>, [
    { key: 'baseprice', label: 'price', as: 'number' },
    { key: 'costprice', label: 'cost', as: 'number' },
    { key: 'isrecurringitem', label: 'recurring', as: 'flag' },
    { key: 'recurringprice', label: 'recurring price', as: 'number' },
    { key: 'recurringcost', label: 'recurring cost', as: 'number' },
    { key: 'item_default_billing_period', label: 'billing period', as: 'id', show: showPeriod },
    { key: 'assetgroup_id', label: 'product group', as: 'id' },
    { key: 'nominalcode', label: 'account code', as: 'text' },
  ]);
}
