import { DEFAULT_LOOKUP_IDS, HALO_QUOTE_LINE_FIELDS, UNKNOWN_LOOKUPS, type HaloLookupIds, type UnknownLookupName } from '../halo/facts';

/**
 * The tenant's integration settings (setup guide steps 5–6): one document per tenant, saved section by section,
 * each save all-or-nothing and recorded in the configuration history.
 */

export const PRODUCT_TYPES = ['HARDWARE', 'SOFTWARE', 'LICENSE', 'SERVICE', 'LABOR', 'OTHER'] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export const OPPORTUNITY_STATUSES = ['OPEN', 'WON', 'LOST'] as const;
export type OpportunityStatus = (typeof OPPORTUNITY_STATUSES)[number];

export const QUOTE_STATUSES = ['DRAFT', 'SENT', 'APPROVED', 'DECLINED'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

/** Our address fields; Halo addresses have four free lines and a postcode. Country and region have their own fields. */
export const ADDRESS_FIELDS = ['street', 'street2', 'city', 'state', 'postalCode'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export const HALO_ADDRESS_LINES = ['line1', 'line2', 'line3', 'line4', 'postcode'] as const;
export type HaloAddressLine = (typeof HALO_ADDRESS_LINES)[number];

export interface PrimaryClientSetting {
  haloClientId: number;
  name: string;
  website: string;
}

export interface ProductGroupMapping {
  haloGroupId: number;
  productType: ProductType;
}

export interface OpportunitySettings {
  defaultTypeId: number;
  importTypeIds: number[];
  /** Our status → the Halo status we set. */
  toHalo: { status: OpportunityStatus; haloStatusId: number }[];
  /** Halo status → our status, for every Halo status we may meet. */
  fromHalo: { haloStatusId: number; status: OpportunityStatus }[];
}

export interface CompanySettings {
  /** Halo customer type given to accounts/prospects we import or create. */
  prospectTypeId: number | null;
  address: Record<AddressField, HaloAddressLine | null>;
}

export interface QuoteStatusMapping {
  status: QuoteStatus;
  haloQuoteStatusId: number;
  /** What the linked opportunity moves to: a ticket status, a pipeline stage, or both. */
  haloOpportunityStatusId: number | null;
  haloPipelineStageId: number | null;
}

export interface ProductDefaults {
  shippingItemId: number | null;
  /** Product group used for products sent to Halo whose type has no group mapping. */
  defaultGroupId: number | null;
}

export interface AccountCodes {
  groups: { haloGroupId: number; code: string }[];
  items: { haloItemId: number; code: string }[];
}

/**
 * The quote-line field names this tenant's Halo reads the quantity and unit price from. Halo's names are unknown
 * (`HALO_QUOTE_LINE_FIELDS` in facts.ts): until an admin sets them, every candidate name is sent and read back.
 */
export interface QuoteLineFieldsSetting {
  quantity: string;
  unitPrice: string;
}

export interface IntegrationSettingsDoc {
  primaryClient: PrimaryClientSetting | null;
  productGroups: ProductGroupMapping[];
  opportunities: OpportunitySettings | null;
  companies: CompanySettings | null;
  quoteStatuses: QuoteStatusMapping[];
  productDefaults: ProductDefaults;
  accountCodes: AccountCodes;
  /**
   * Halo lookup table ids no source gives (country, region, pipeline stage), as the tenant's admin confirmed them.
   * A missing key means the default of `src/halo/facts.ts` is in use, unconfirmed.
   */
  lookupIds: Partial<HaloLookupIds>;
  /** null: Halo's names are not known here; the candidates in facts.ts are sent. */
  haloQuoteLineFields: QuoteLineFieldsSetting | null;
}

export type SettingsSection = keyof IntegrationSettingsDoc;

export const DEFAULT_ADDRESS_MAPPING: Record<AddressField, HaloAddressLine | null> = {
  street: 'line1',
  street2: 'line2',
  city: 'line3',
  state: 'line4',
  postalCode: 'postcode',
};

export function emptySettings(): IntegrationSettingsDoc {
  return {
    primaryClient: null,
    productGroups: [],
    opportunities: null,
    companies: null,
    quoteStatuses: [],
    productDefaults: { shippingItemId: null, defaultGroupId: null },
    accountCodes: { groups: [], items: [] },
    lookupIds: {},
    haloQuoteLineFields: null,
  };
}

/**
 * GraphQL leaves an omitted nullable input field undefined. In a section saved whole, omitted means none (null);
 * these give every such field its documented meaning before anything reads it.
 */
export function companiesFromInput(input: { prospectTypeId?: number | null; address: Partial<Record<AddressField, HaloAddressLine | null>> }): CompanySettings {
  const address = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, input.address[f] ?? null])) as Record<AddressField, HaloAddressLine | null>;
  return { prospectTypeId: input.prospectTypeId ?? null, address };
}

export function quoteStatusesFromInput(
  mappings: { status: QuoteStatus; haloQuoteStatusId: number; haloOpportunityStatusId?: number | null; haloPipelineStageId?: number | null }[],
): QuoteStatusMapping[] {
  return mappings.map((m) => ({
    status: m.status,
    haloQuoteStatusId: m.haloQuoteStatusId,
    haloOpportunityStatusId: m.haloOpportunityStatusId ?? null,
    haloPipelineStageId: m.haloPipelineStageId ?? null,
  }));
}

/** Product defaults as an input sets them: field by field, an omitted field keeps its stored value, null clears it. */
export type ProductDefaultsInput = { shippingItemId?: number | null; defaultGroupId?: number | null };

export function mergeProductDefaults(current: ProductDefaults, input: ProductDefaultsInput): ProductDefaults {
  return {
    shippingItemId: input.shippingItemId === undefined ? current.shippingItemId : input.shippingItemId,
    defaultGroupId: input.defaultGroupId === undefined ? current.defaultGroupId : input.defaultGroupId,
  };
}

/** The values an input sets that are checked against Halo (null: nothing to check). */
export const productDefaultsToCheck = (input: ProductDefaultsInput): ProductDefaults => ({
  shippingItemId: input.shippingItemId ?? null,
  defaultGroupId: input.defaultGroupId ?? null,
});

/** Stored documents from older versions may lack newer sections: fill them in. */
export function withDefaults(stored: Partial<IntegrationSettingsDoc> | null | undefined): IntegrationSettingsDoc {
  return { ...emptySettings(), ...(stored ?? {}) };
}

/**
 * The account (nominal) code a product is sold under: its own override, else its product group's, else none.
 * The push side calls this for every quotation line and product it sends.
 */
export function resolveAccountCode(
  codes: AccountCodes,
  product: { haloItemId?: number | null; haloGroupId?: number | null },
): { code: string; source: 'product' | 'group' } | null {
  const own = product.haloItemId != null ? codes.items.find((c) => c.haloItemId === product.haloItemId) : undefined;
  if (own) return { code: own.code, source: 'product' };
  const group = product.haloGroupId != null ? codes.groups.find((c) => c.haloGroupId === product.haloGroupId) : undefined;
  if (group) return { code: group.code, source: 'group' };
  return null;
}

/** The lookup id in use for each unknown table, and whether the admin set it or it is our unconfirmed default. */
export function effectiveLookupIds(settings: Pick<IntegrationSettingsDoc, 'lookupIds'>): Record<UnknownLookupName, { id: number; source: 'ADMIN' | 'DEFAULT' }> {
  const out = {} as Record<UnknownLookupName, { id: number; source: 'ADMIN' | 'DEFAULT' }>;
  for (const name of UNKNOWN_LOOKUPS) {
    const set = settings.lookupIds?.[name];
    out[name] = typeof set === 'number' ? { id: set, source: 'ADMIN' } : { id: DEFAULT_LOOKUP_IDS[name], source: 'DEFAULT' };
  }
  return out;
}

/** The names a quote line's quantity and unit price are written under (and read back from): the tenant's, else every candidate. */
export interface QuoteLineFieldNames {
  quantity: readonly string[];
  unitPrice: readonly string[];
  /** Set by the tenant's admin (true) or the candidates from facts.ts (false). */
  custom: boolean;
}

export function quoteLineFieldNames(settings: Pick<IntegrationSettingsDoc, 'haloQuoteLineFields'>): QuoteLineFieldNames {
  const own = settings.haloQuoteLineFields;
  return own
    ? { quantity: [own.quantity], unitPrice: [own.unitPrice], custom: true }
    : { quantity: HALO_QUOTE_LINE_FIELDS.quantity.value, unitPrice: HALO_QUOTE_LINE_FIELDS.unitPrice.value, custom: false };
}
