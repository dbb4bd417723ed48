import type { HaloItem } from '../../halo';

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
  /** Months (Halo's billing period code); only for recurring products. */
  billingPeriod: number | null;
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
    out.item_default_billing_period = p.billingPeriod ?? undefined;
  }
  return out;
}
