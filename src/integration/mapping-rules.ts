import {
  ADDRESS_FIELDS,
  DEFAULT_ADDRESS_MAPPING,
  HALO_ADDRESS_LINES,
  QUOTE_STATUSES,
  type AddressField,
  type HaloAddressLine,
  type IntegrationSettingsDoc,
  type OpportunityStatus,
  type ProductType,
  type QuoteStatus,
} from './settings';

/**
 * How the tenant's mappings shape the records we store, as pure functions of (settings, the Halo values a row keeps).
 * The sync mappers (`src/sync/mappers.ts`) call them for every record Halo sends, and a changed mapping is re-applied
 * to the stored rows with the same functions (`reapply.ts`), so a mapping change and the next sync always agree.
 */

/** A product group's product type; null while the group is unmapped. */
export function productTypeFor(settings: Pick<IntegrationSettingsDoc, 'productGroups'>, haloGroupId: number | null): ProductType | null {
  if (haloGroupId === null) return null;
  return settings.productGroups.find((m) => m.haloGroupId === haloGroupId)?.productType ?? null;
}

/** A product group's account code: the tenant's own for the group, else Halo's nominal code of the group, else none. */
export function groupAccountCodeFor(settings: Pick<IntegrationSettingsDoc, 'accountCodes'>, haloGroupId: number, haloNominalCode: string | null): string | null {
  return settings.accountCodes.groups.find((m) => m.haloGroupId === haloGroupId)?.code ?? (haloNominalCode ? haloNominalCode : null);
}

/** Our status of an opportunity at this Halo status; null when the Halo status is unmapped. */
export function opportunityStatusFor(settings: Pick<IntegrationSettingsDoc, 'opportunities'>, haloStatusId: number | null): OpportunityStatus | null {
  if (haloStatusId === null) return null;
  return settings.opportunities?.fromHalo.find((m) => m.haloStatusId === haloStatusId)?.status ?? null;
}

/** Whether opportunities of this Halo ticket type are imported (every type while none is chosen). */
export function importsOpportunityType(settings: Pick<IntegrationSettingsDoc, 'opportunities'>, typeId: number | null): boolean {
  const imported = settings.opportunities?.importTypeIds;
  if (!imported?.length) return true;
  return typeId !== null && imported.includes(typeId);
}

/** Whether the set of imported opportunity types differs (records of other types must be fetched or dropped). */
export function importedTypesChanged(before: Pick<IntegrationSettingsDoc, 'opportunities'>, after: Pick<IntegrationSettingsDoc, 'opportunities'>): boolean {
  const key = (s: Pick<IntegrationSettingsDoc, 'opportunities'>) => [...new Set(s.opportunities?.importTypeIds ?? [])].sort((a, b) => a - b).join(',');
  return key(before) !== key(after);
}

/**
 * Whether a Halo client is an account/prospect: Halo's own flag (`is_account`, newer Halo), or the customer type the
 * tenant mapped as prospects (older Halo only has the type).
 */
export function isProspectFor(settings: Pick<IntegrationSettingsDoc, 'companies'>, client: { isAccount: boolean; customerTypeId: number | null }): boolean {
  const prospectType = settings.companies?.prospectTypeId ?? null;
  return client.isAccount || (prospectType !== null && client.customerTypeId === prospectType);
}

/** Halo's address lines as a site row keeps them (trimmed; empty lines are null). */
export type HaloAddressLines = Record<HaloAddressLine, string | null>;

export function haloAddressLines(address: Record<string, unknown> | null | undefined): HaloAddressLines {
  const line = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return Object.fromEntries(HALO_ADDRESS_LINES.map((l) => [l, line(address?.[l])])) as HaloAddressLines;
}

/** Our address fields from Halo's lines, through the tenant's address mapping (the default until one is saved). */
export function addressFor(settings: Pick<IntegrationSettingsDoc, 'companies'>, lines: HaloAddressLines): Record<AddressField, string | null> {
  const mapping = settings.companies?.address ?? DEFAULT_ADDRESS_MAPPING;
  return Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, mapping[f] ? (lines[mapping[f]!] ?? null) : null])) as Record<AddressField, string | null>;
}

/**
 * Our status of a quote at this Halo quote status: the tenant's mapping, else Halo's status name when it is one of
 * ours, else DRAFT.
 */
export function quoteStatusFor(settings: Pick<IntegrationSettingsDoc, 'quoteStatuses'>, quote: { haloQuoteStatusId: number | null; statusName: string | null }): QuoteStatus {
  const mapped = settings.quoteStatuses.find((m) => m.haloQuoteStatusId === quote.haloQuoteStatusId)?.status;
  if (mapped) return mapped;
  const byName = (quote.statusName ?? '').toUpperCase();
  return (QUOTE_STATUSES as readonly string[]).includes(byName) ? (byName as QuoteStatus) : 'DRAFT';
}

/** Whether a quote's status can be decided without Halo's status name (its id is mapped). */
export const quoteStatusNeedsName = (settings: Pick<IntegrationSettingsDoc, 'quoteStatuses'>, haloQuoteStatusId: number | null) =>
  !settings.quoteStatuses.some((m) => m.haloQuoteStatusId === haloQuoteStatusId);
