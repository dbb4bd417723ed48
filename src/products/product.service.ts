import type { EntityManager } from '@mikro-orm/postgresql';
import { Item, ProductGroup, type OutboxRow } from '../db/entities';
import { InputError, type FieldError } from '../common/input-error';
import { PRODUCT_TYPES } from '../integration/settings';
import type { Outbox } from '../push/outbox';
import { formatDecimal, MoneyError, parseDecimal } from '../quotes/money';
import { isBillingPeriod, RECURRING_BILLING_PERIODS, type BillingPeriod } from '../common/billing-period';

/** The outbox kind that creates a product in Halo (src/push/handlers/item.ts). */
export const ITEM_CREATE = 'item.create';

export interface ProductInput {
  name: string;
  description?: string | null;
  sku?: string | null;
  productType?: string | null;
  /** A Halo product group; wins over the product-type mapping. */
  haloGroupId?: number | null;
  price: string;
  cost?: string | null;
  recurring?: boolean | null;
  /** How often a recurring product is billed: any billing period but ONE_OFF. */
  billingPeriod?: BillingPeriod | null;
  /** The product's own account (nominal) code; wins over its group's. */
  accountCode?: string | null;
}

/**
 * Products made here: a local item (origin LOCAL) and, in the same transaction, its push to Halo. Which group it
 * lands in is decided when the push runs (placement.ts), so fixing a mapping and retrying is enough.
 */
export class ProductService {
  constructor(private readonly deps: { outbox: Outbox }) {}

  async create(em: EntityManager, tenantId: string, input: ProductInput): Promise<Item> {
    const errors: FieldError[] = [];
    const name = (input.name ?? '').trim();
    if (!name) errors.push({ path: 'name', code: 'REQUIRED', message: 'A name is required.' });
    else if (name.length > 255) errors.push({ path: 'name', code: 'TOO_LONG', message: 'At most 255 characters.' });
    if (input.productType != null && !(PRODUCT_TYPES as readonly string[]).includes(input.productType)) {
      errors.push({ path: 'productType', code: 'UNKNOWN_PRODUCT_TYPE', message: `Must be one of ${PRODUCT_TYPES.join(', ')}.` });
    }
    const price = money(input.price, 'price', errors);
    const cost = input.cost == null ? null : money(input.cost, 'cost', errors);
    const recurring = input.recurring === true;
    if (input.billingPeriod != null && !isBillingPeriod(input.billingPeriod)) {
      errors.push({ path: 'billingPeriod', code: 'INVALID_PERIOD', message: `Must be one of ${RECURRING_BILLING_PERIODS.join(', ')}.` });
    } else if (recurring && input.billingPeriod == null) {
      errors.push({ path: 'billingPeriod', code: 'REQUIRED', message: `A recurring product needs a billing period: ${RECURRING_BILLING_PERIODS.join(', ')}.` });
    } else if (recurring && input.billingPeriod === 'ONE_OFF') {
      errors.push({ path: 'billingPeriod', code: 'INVALID_PERIOD', message: `A recurring product is not billed once: choose ${RECURRING_BILLING_PERIODS.join(', ')}.` });
    } else if (!recurring && input.billingPeriod != null && input.billingPeriod !== 'ONE_OFF') {
      errors.push({ path: 'billingPeriod', code: 'NOT_RECURRING', message: 'Only a recurring product has a billing period.' });
    }
    const accountCode = input.accountCode?.trim() || null;
    if (accountCode && accountCode.length > 50) errors.push({ path: 'accountCode', code: 'TOO_LONG', message: 'At most 50 characters.' });
    let group: ProductGroup | null = null;
    if (input.haloGroupId != null) {
      group = await em.findOne(ProductGroup, { tenantId, haloId: input.haloGroupId, deletedAt: null });
      if (!group) errors.push({ path: 'haloGroupId', code: 'NOT_A_PRODUCT_GROUP', message: 'No Halo product group with this id (an asset group marked "Use for Items", synced).' });
    }
    if (errors.length) throw new InputError(errors);

    let row: OutboxRow | undefined;
    const item = await em.transactional(async (tx) => {
      const it = tx.create(Item, {
        tenantId,
        origin: 'LOCAL',
        name,
        description: input.description?.trim() || null,
        sku: input.sku?.trim() || null,
        productType: input.productType ?? group?.productType ?? null,
        haloGroupId: group?.haloId ?? null,
        productGroupId: group?.id ?? null,
        price,
        cost,
        recurring,
        recurringPrice: recurring ? price : null,
        recurringCost: recurring ? cost : null,
        billingPeriod: recurring ? input.billingPeriod! : null,
        accountCodeOverride: accountCode,
        pushState: 'PENDING',
      });
      row = this.deps.outbox.add(tx, { tenantId, kind: ITEM_CREATE, targetId: it.id });
      return it;
    });
    await this.deps.outbox.dispatch([row!]);
    return item;
  }
}

function money(value: string, path: string, errors: FieldError[]): string {
  try {
    const units = parseDecimal(value);
    if (units < 0n) errors.push({ path, code: 'NEGATIVE', message: 'Cannot be negative.' });
    return formatDecimal(units);
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err;
    errors.push({ path, code: 'INVALID_DECIMAL', message: err.message });
    return '0.0000';
  }
}
