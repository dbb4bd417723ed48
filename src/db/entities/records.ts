import { Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { SyncedRecord } from './synced';
import { BILLING_PERIODS, type BillingPeriod } from '../../common/billing-period';

/** A Halo product group (asset group marked "Use for Items"), typed by the tenant's mapping. */
@Entity({ tableName: 'product_group' })
@Unique({ properties: ['tenantId', 'haloId'] })
export class ProductGroup extends SyncedRecord {
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  productType?: string | null;

  @Property({ type: 'text', nullable: true })
  accountCode?: string | null;

  /** Halo's own nominal code of the group ('' when it has none; null: synced before it was kept). */
  @Property({ type: 'text', nullable: true })
  haloAccountCode?: string | null;
}

@Entity({ tableName: 'company' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'name'] })
export class Company extends SyncedRecord {
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  website?: string | null;

  /** Halo "account"/prospect rather than a customer. */
  @Property({ type: 'boolean', default: false })
  isProspect: boolean = false;

  @Property({ type: 'boolean', default: false })
  inactive: boolean = false;

  @Property({ type: 'integer', nullable: true })
  haloCustomerTypeId?: number | null;

  /** Halo's own account/prospect flag (`is_account`); null: synced before it was kept. */
  @Property({ type: 'boolean', nullable: true })
  haloIsAccount?: boolean | null;

  @Property({ type: 'text', nullable: true })
  accountsId?: string | null;
}

@Entity({ tableName: 'site' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
export class Site extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloCompanyId?: number | null;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  street?: string | null;

  @Property({ type: 'text', nullable: true })
  street2?: string | null;

  @Property({ type: 'text', nullable: true })
  city?: string | null;

  @Property({ type: 'text', nullable: true })
  state?: string | null;

  @Property({ type: 'text', nullable: true })
  postalCode?: string | null;

  /** ISO alpha-2 country code, from Halo's own country field. */
  @Property({ type: 'text', nullable: true })
  countryCode?: string | null;

  @Property({ type: 'text', nullable: true })
  countryName?: string | null;

  @Property({ type: 'text', nullable: true })
  regionName?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  /** Halo's address lines (line1–line4, postcode) as sent; the address mapping picks from them. Null: synced before they were kept. */
  @Property({ type: 'jsonb', nullable: true })
  haloAddress?: Record<string, string | null> | null;
}

@Entity({ tableName: 'contact' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
@Index({ properties: ['tenantId', 'email'] })
@Index({ properties: ['tenantId', 'name'] })
export class Contact extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloCompanyId?: number | null;

  @Property({ type: 'integer', nullable: true })
  haloSiteId?: number | null;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  firstName?: string | null;

  @Property({ type: 'text', nullable: true })
  lastName?: string | null;

  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Property({ type: 'text', nullable: true })
  mobile?: string | null;

  @Property({ type: 'boolean', default: false })
  isProspect: boolean = false;

  @Property({ type: 'boolean', default: false })
  inactive: boolean = false;
}

@Entity({ tableName: 'item' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'name'] })
export class Item extends SyncedRecord {
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Property({ type: 'text', nullable: true })
  sku?: string | null;

  @Property({ type: 'uuid', nullable: true })
  productGroupId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloGroupId?: number | null;

  /** The product type of its group, per the tenant's product-group mapping. */
  @Property({ type: 'text', nullable: true })
  productType?: string | null;

  /** Money as exact decimal strings: never binary floating point. */
  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  price?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  cost?: string | null;

  @Property({ type: 'boolean', default: false })
  recurring: boolean = false;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  recurringPrice?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  recurringCost?: string | null;

  /**
   * How often a recurring item is billed (Halo's default billing period of the item), by name: text limited to the
   * names by a check constraint, never Halo's integer (migration 20261203110000).
   */
  @Enum({ items: () => BILLING_PERIODS, nullable: true })
  billingPeriod?: BillingPeriod | null;

  @Property({ type: 'integer', nullable: true })
  haloTaxCode?: number | null;

  @Property({ type: 'text', nullable: true })
  accountCode?: string | null;

  /** Set here for a product: wins over its group's account code when pushed. */
  @Property({ type: 'text', nullable: true })
  accountCodeOverride?: string | null;
}

@Entity({ tableName: 'opportunity' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
@Index({ properties: ['tenantId', 'title'] })
export class Opportunity extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloCompanyId?: number | null;

  @Property({ type: 'uuid', nullable: true })
  contactId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloContactId?: number | null;

  @Property({ type: 'text' })
  title!: string;

  /** Our status (OPEN/WON/LOST) through the tenant's status mapping; null when the Halo status is unmapped. */
  @Property({ type: 'text', nullable: true })
  status?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloStatusId?: number | null;

  @Property({ type: 'text', nullable: true })
  haloStatusName?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloTypeId?: number | null;

  @Property({ type: 'integer', nullable: true })
  pipelineStageId?: number | null;

  @Property({ type: 'text', nullable: true })
  pipelineStageName?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  value?: string | null;

  @Property({ type: 'integer', nullable: true })
  ownerAgentId?: number | null;

  @Property({ type: 'text', nullable: true })
  ownerName?: string | null;

  /** Local edits not yet in Halo: field → { value, at }. A sync meeting them resolves conflicts field by field. */
  @Property({ type: 'jsonb', default: '{}' })
  pendingChanges: Record<string, { value: unknown; at: string }> = {};

  /** The Halo values as of the last sync: what "changed in Halo since the last sync" is measured against. */
  @Property({ type: 'jsonb', nullable: true })
  haloValues?: Record<string, unknown> | null;
}

@Entity({ tableName: 'quote' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
@Index({ properties: ['tenantId', 'opportunityId'] })
export class Quote extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloCompanyId?: number | null;

  @Property({ type: 'uuid', nullable: true })
  opportunityId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloOpportunityId?: number | null;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text', default: 'DRAFT' })
  status: string = 'DRAFT';

  @Property({ type: 'integer', nullable: true })
  haloQuoteStatusId?: number | null;

  /** Halo's name of the quote status ('' when none; null: not known yet, e.g. a quote pushed from here). */
  @Property({ type: 'text', nullable: true })
  haloStatusName?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  total?: string | null;

  @Property({ type: 'uuid', nullable: true })
  contactId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloContactId?: number | null;

  /** Our reference, sent to Halo with the quotation: how a lost answer is looked up before writing again. */
  @Property({ type: 'text', nullable: true })
  reference?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  shippingCharge?: string | null;

  @Property({ type: 'date', nullable: true })
  validUntil?: string | null;

  @Property({ type: 'integer', nullable: true })
  salesOrderHaloId?: number | null;
}

/** A named group of lines on one of our quotes; sent to Halo as a group header with its lines. */
@Entity({ tableName: 'quote_bundle' })
@Index({ properties: ['tenantId', 'quoteId'] })
export class QuoteBundle {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'uuid' })
  quoteId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'integer' })
  position!: number;
}

@Entity({ tableName: 'quote_line' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'quoteId'] })
export class QuoteLine extends SyncedRecord {
  @Property({ type: 'uuid' })
  quoteId!: string;

  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'uuid', nullable: true })
  itemId?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloItemId?: number | null;

  @Property({ type: 'text' })
  description!: string;

  @Property({ type: 'decimal', precision: 18, scale: 4 })
  quantity!: string;

  @Property({ type: 'decimal', precision: 18, scale: 4 })
  unitPrice!: string;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  unitCost?: string | null;

  @Property({ type: 'boolean', default: false })
  recurring: boolean = false;

  /** How often the line is billed, by name; ONE_OFF for a line that is not recurring. */
  @Enum({ items: () => BILLING_PERIODS, nullable: true })
  billingPeriod?: BillingPeriod | null;

  @Property({ type: 'uuid', nullable: true })
  bundleId?: string | null;
}
