import { normaliseWebsite } from '../tenants/tenants';
import { HALO_LOOKUPS, HALO_LOOKUP_TITLES, HALO_TECH_STATUS_LOOKUP, UNKNOWN_LOOKUPS, type HaloLookupIds, type UnknownLookupName } from '../halo/facts';
import {
  ADDRESS_FIELDS,
  OPPORTUNITY_STATUSES,
  QUOTE_STATUSES,
  type AccountCodes,
  type CompanySettings,
  type OpportunitySettings,
  type ProductDefaults,
  type ProductGroupMapping,
  type QuoteLineFieldsSetting,
  type QuoteStatusMapping,
} from './settings';
import { HALO_QUOTE_LINE_KNOWN_FIELDS } from '../halo/facts';

/**
 * One bad field: where (a path into the mutation's input), why, and a stable code.
 *
 * Message style, for every settings and mapping mutation: full sentences in sentence case, each ending with a full
 * stop; first what is wrong, then what is allowed or what to do (`Halo has no asset group with id 4242. Choose one of
 * haloLookups.productGroups.`). Limits are stated as "must be …" / "at most …"; Halo's names are quoted.
 */
export interface FieldError {
  path: string;
  code:
    | 'REQUIRED'
    | 'UNKNOWN_HALO_ID'
    | 'NOT_A_PRODUCT_GROUP'
    | 'DUPLICATE'
    | 'CONFLICT'
    | 'WEBSITE_MISMATCH'
    | 'INVALID'
    | 'CLOSED_STATUS'
    | 'LOOKUP_UNVERIFIED'
    | 'LOOKUP_MISMATCH'
    | 'RESERVED_LOOKUP'
    | 'TOO_MANY';
  message: string;
}

export interface Named {
  id: number;
  name: string;
}

/** A Halo item as the validators need it; `groupId` null when it has no product group. */
export interface HaloItemInfo extends Named {
  groupId: number | null;
}

/** What Halo knows, as the validators need it. Read live through the Halo client (cached), or in memory in tests. */
export interface HaloCatalog {
  client(id: number): Promise<{ id: number; name: string; website: string | null; inactive: boolean } | null>;
  /** Every asset group, with whether it is marked "Use for Items" (a product group). */
  assetGroups(): Promise<(Named & { isProductGroup: boolean })[]>;
  opportunityTypes(): Promise<Named[]>;
  statuses(): Promise<Named[]>;
  /** Halo's quote statuses (lookup 39), each with whether it closes the quote. */
  quoteStatuses(): Promise<(Named & { closed: boolean })[]>;
  customerTypes(): Promise<Named[]>;
  /** The items with these ids that exist (absent ids are missing from the map), read in as few requests as possible. */
  itemsById(ids: number[]): Promise<Map<number, HaloItemInfo>>;
}

const ids = (rows: Named[]) => new Set(rows.map((r) => r.id));

function duplicates<T>(values: T[]): Set<T> {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

/** Messages several validators share (the style: see FieldError). */
const MSG = {
  unknownGroup: (id: number) => `Halo has no asset group with id ${id}. Choose one of haloLookups.productGroups.`,
  notProductGroup: (name: string) =>
    `"${name}" is not marked "Use for Items" in Halo, so it is not a product group. Choose one of haloLookups.productGroups, or tick "Use for Items" on it in Halo.`,
  unknownOpportunityType: (id: number) => `Halo has no opportunity type with id ${id}. Choose one of haloLookups.opportunityTypes.`,
  unknownStatus: (id: number) => `Halo has no status with id ${id}. Choose one of haloLookups.statuses.`,
  unknownItem: (id: number) => `Halo has no item with id ${id}. Choose one of haloLookups.items.`,
};

export async function validatePrimaryClient(
  catalog: HaloCatalog,
  haloClientId: number,
  tenantWebsite: string,
): Promise<{ errors: FieldError[]; client?: { id: number; name: string; website: string } }> {
  const client = await catalog.client(haloClientId);
  if (!client) {
    return { errors: [{ path: 'haloClientId', code: 'UNKNOWN_HALO_ID', message: `Halo has no client with id ${haloClientId}. Choose your own company from haloLookups.clients.` }] };
  }
  if (!client.website?.trim()) {
    return {
      errors: [
        {
          path: 'haloClientId',
          code: 'WEBSITE_MISMATCH',
          message: `"${client.name}" has no website in Halo. Set it to ${tenantWebsite} on the client in Halo, then choose it again.`,
        },
      ],
    };
  }
  if (normaliseWebsite(client.website) !== normaliseWebsite(tenantWebsite)) {
    return {
      errors: [
        {
          path: 'haloClientId',
          code: 'WEBSITE_MISMATCH',
          message: `"${client.name}" has website ${client.website} in Halo, which does not match your company's ${tenantWebsite}. Choose your own company (the MSP) or correct its website in Halo.`,
        },
      ],
    };
  }
  return { errors: [], client: { id: client.id, name: client.name, website: client.website } };
}

export async function validateProductGroups(catalog: HaloCatalog, mappings: ProductGroupMapping[]): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const groups = new Map((await catalog.assetGroups()).map((g) => [g.id, g]));
  const dup = duplicates(mappings.map((m) => m.haloGroupId));
  mappings.forEach((m, i) => {
    const group = groups.get(m.haloGroupId);
    if (!group) errors.push({ path: `mappings.${i}.haloGroupId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownGroup(m.haloGroupId) });
    else if (!group.isProductGroup) errors.push({ path: `mappings.${i}.haloGroupId`, code: 'NOT_A_PRODUCT_GROUP', message: MSG.notProductGroup(group.name) });
    if (dup.has(m.haloGroupId)) {
      errors.push({ path: `mappings.${i}.haloGroupId`, code: 'DUPLICATE', message: `Product group ${m.haloGroupId} is mapped more than once. Map each product group once.` });
    }
  });
  return errors;
}

export async function validateOpportunities(catalog: HaloCatalog, s: OpportunitySettings): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const [types, statuses] = await Promise.all([catalog.opportunityTypes(), catalog.statuses()]);
  const typeIds = ids(types);
  const statusIds = ids(statuses);
  if (!typeIds.has(s.defaultTypeId)) {
    errors.push({ path: 'defaultTypeId', code: 'UNKNOWN_HALO_ID', message: MSG.unknownOpportunityType(s.defaultTypeId) });
  }
  if (!s.importTypeIds.length) {
    errors.push({ path: 'importTypeIds', code: 'REQUIRED', message: 'No opportunity type is chosen to import. Choose at least one of haloLookups.opportunityTypes.' });
  }
  const dupTypes = duplicates(s.importTypeIds);
  s.importTypeIds.forEach((id, i) => {
    if (!typeIds.has(id)) errors.push({ path: `importTypeIds.${i}`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownOpportunityType(id) });
    if (dupTypes.has(id)) errors.push({ path: `importTypeIds.${i}`, code: 'DUPLICATE', message: `Opportunity type ${id} is listed more than once. List each type once.` });
  });
  const dupOurs = duplicates(s.toHalo.map((m) => m.status));
  s.toHalo.forEach((m, i) => {
    if (!statusIds.has(m.haloStatusId)) errors.push({ path: `toHalo.${i}.haloStatusId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownStatus(m.haloStatusId) });
    if (dupOurs.has(m.status)) {
      errors.push({ path: `toHalo.${i}.status`, code: 'CONFLICT', message: `${m.status} is mapped to more than one Halo status. Map each of ${OPPORTUNITY_STATUSES.join(', ')} once.` });
    }
  });
  for (const status of OPPORTUNITY_STATUSES) {
    if (!s.toHalo.some((m) => m.status === status)) {
      errors.push({ path: 'toHalo', code: 'REQUIRED', message: `No Halo status is chosen for ${status} opportunities. Map each of ${OPPORTUNITY_STATUSES.join(', ')} to a Halo status.` });
    }
  }
  const dupHalo = duplicates(s.fromHalo.map((m) => m.haloStatusId));
  s.fromHalo.forEach((m, i) => {
    if (!statusIds.has(m.haloStatusId)) errors.push({ path: `fromHalo.${i}.haloStatusId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownStatus(m.haloStatusId) });
    if (dupHalo.has(m.haloStatusId)) {
      errors.push({ path: `fromHalo.${i}.haloStatusId`, code: 'CONFLICT', message: `Halo status ${m.haloStatusId} is mapped more than once. Map each Halo status to one status.` });
    }
  });
  // Round trip: a status we write must read back as itself, or a push would flip the status on the next sync.
  s.toHalo.forEach((m, i) => {
    const back = s.fromHalo.find((f) => f.haloStatusId === m.haloStatusId);
    if (back && back.status !== m.status) {
      errors.push({
        path: `toHalo.${i}.haloStatusId`,
        code: 'CONFLICT',
        message: `${m.status} is sent as Halo status ${m.haloStatusId}, which is read back as ${back.status}. Read it back as ${m.status}, or send ${m.status} as another status.`,
      });
    }
  });
  return errors;
}

export async function validateCompanies(catalog: HaloCatalog, s: CompanySettings): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (s.prospectTypeId !== null && !ids(await catalog.customerTypes()).has(s.prospectTypeId)) {
    errors.push({ path: 'prospectTypeId', code: 'UNKNOWN_HALO_ID', message: `Halo has no customer type with id ${s.prospectTypeId}. Choose one of haloLookups.customerTypes, or none.` });
  }
  const used = new Map<string, string>();
  for (const field of ADDRESS_FIELDS) {
    const line = s.address[field];
    if (!line) continue;
    const other = used.get(line);
    if (other) errors.push({ path: `address.${field}`, code: 'CONFLICT', message: `The ${field} and ${other} fields both map to Halo ${line}. Map each Halo line to one field at most.` });
    else used.set(line, field);
  }
  if (!s.address.street) errors.push({ path: 'address.street', code: 'REQUIRED', message: 'The street maps to no Halo address line. It must map to one of line1–line4.' });
  return errors;
}

/**
 * Pipeline stages as the quote-status validator needs them: the rows of the tenant's Pipeline Stage lookup once it
 * passed its check, else why it did not (its id is unknown and may be wrong: `lookup-tables.ts`).
 */
export type PipelineStagesForValidation = { rows: Named[] } | { unverified: string };

/** Statuses a quote still being worked on must not map to a Halo status that closes the quote. */
const OPEN_QUOTE_STATUSES = new Set(['DRAFT', 'SENT']);

export async function validateQuoteStatuses(catalog: HaloCatalog, mappings: QuoteStatusMapping[], stages: PipelineStagesForValidation): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const [quoteStatuses, statuses] = await Promise.all([catalog.quoteStatuses(), catalog.statuses()]);
  const q = new Map(quoteStatuses.map((r) => [r.id, r]));
  const st = ids(statuses);
  const ps = 'rows' in stages ? ids(stages.rows) : null;
  const dup = duplicates(mappings.map((m) => m.status));
  mappings.forEach((m, i) => {
    if (dup.has(m.status)) errors.push({ path: `mappings.${i}.status`, code: 'DUPLICATE', message: `${m.status} is mapped more than once. Map each quote status once.` });
    const quoteStatus = q.get(m.haloQuoteStatusId);
    if (!quoteStatus) {
      errors.push({ path: `mappings.${i}.haloQuoteStatusId`, code: 'UNKNOWN_HALO_ID', message: `Halo has no quote status with id ${m.haloQuoteStatusId}. Choose one of haloLookups.quoteStatuses.` });
    } else if (quoteStatus.closed && OPEN_QUOTE_STATUSES.has(m.status)) {
      errors.push({
        path: `mappings.${i}.haloQuoteStatusId`,
        code: 'CLOSED_STATUS',
        message: `Halo quote status ${m.haloQuoteStatusId} "${quoteStatus.name}" closes the quote (System use = Closed), so it cannot stand for ${m.status}. Choose a quote status that is not closed.`,
      });
    }
    if (m.haloOpportunityStatusId !== null && !st.has(m.haloOpportunityStatusId)) {
      errors.push({ path: `mappings.${i}.haloOpportunityStatusId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownStatus(m.haloOpportunityStatusId) });
    }
    if (m.haloPipelineStageId !== null && !ps) {
      errors.push({
        path: `mappings.${i}.haloPipelineStageId`,
        code: 'LOOKUP_UNVERIFIED',
        message: `Pipeline stages cannot be checked (${'unverified' in stages ? stages.unverified.replace(/\.$/, '') : 'not read'}). Confirm the Pipeline Stage lookup id (setHaloLookupIds) first.`,
      });
    } else if (m.haloPipelineStageId !== null && !ps!.has(m.haloPipelineStageId)) {
      errors.push({ path: `mappings.${i}.haloPipelineStageId`, code: 'UNKNOWN_HALO_ID', message: `Halo has no pipeline stage with id ${m.haloPipelineStageId}. Choose one of haloLookups.pipelineStages.` });
    }
    if (m.haloOpportunityStatusId === null && m.haloPipelineStageId === null) {
      errors.push({ path: `mappings.${i}`, code: 'REQUIRED', message: `Nothing is chosen for the opportunity when a quote is ${m.status}. Choose a status, a pipeline stage, or both.` });
    }
  });
  for (const status of QUOTE_STATUSES) {
    if (!mappings.some((m) => m.status === status)) {
      errors.push({ path: 'mappings', code: 'REQUIRED', message: `The ${status} quote status is not mapped. Map each of ${QUOTE_STATUSES.join(', ')}.` });
    }
  }
  return errors;
}

/** Ids no unknown lookup may take: the confirmed tables' and the tech-status table's. */
const RESERVED_LOOKUP_IDS = new Map<number, string>([
  [HALO_LOOKUPS.customerType.value, HALO_LOOKUP_TITLES.customerType],
  [HALO_LOOKUPS.quoteStatus.value, HALO_LOOKUP_TITLES.quoteStatus],
  [HALO_TECH_STATUS_LOOKUP.value, 'Tech Status'],
]);

/**
 * The lookup ids an admin sets (format only; their contents are checked against Halo by the caller). A key left
 * out keeps its current value, null returns it to the default. Every id in use afterwards must be distinct.
 */
export function validateLookupIds(
  input: Partial<Record<UnknownLookupName, number | null>>,
  current: Partial<HaloLookupIds>,
  defaults: HaloLookupIds,
): { errors: FieldError[]; next: Partial<HaloLookupIds> } {
  const errors: FieldError[] = [];
  const next: Partial<HaloLookupIds> = { ...current };
  for (const key of UNKNOWN_LOOKUPS) {
    const v = input[key];
    if (v === undefined) continue;
    if (v === null) {
      delete next[key];
      continue;
    }
    if (!Number.isSafeInteger(v) || v <= 0) {
      errors.push({ path: key, code: 'INVALID', message: `${String(v)} is not a lookup id. A lookup id must be a positive whole number.` });
      continue;
    }
    const reserved = RESERVED_LOOKUP_IDS.get(v);
    if (reserved) {
      errors.push({ path: key, code: 'RESERVED_LOOKUP', message: `Lookup ${v} is Halo's ${reserved} table, not ${HALO_LOOKUP_TITLES[key]}. Choose the id of the ${HALO_LOOKUP_TITLES[key]} table.` });
      continue;
    }
    next[key] = v;
  }
  const inUse = UNKNOWN_LOOKUPS.map((key) => ({ key, id: next[key] ?? defaults[key] }));
  for (const { key, id } of inUse) {
    if (input[key] === undefined || input[key] === null || errors.some((e) => e.path === key)) continue;
    const other = inUse.find((o) => o.key !== key && o.id === id);
    if (other) errors.push({ path: key, code: 'DUPLICATE', message: `Lookup ${id} is already used for ${HALO_LOOKUP_TITLES[other.key]}. Each table must have its own id.` });
  }
  return { errors, next };
}

export async function validateProductDefaults(catalog: HaloCatalog, d: ProductDefaults): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (d.shippingItemId !== null && !(await catalog.itemsById([d.shippingItemId])).has(d.shippingItemId)) {
    errors.push({ path: 'shippingItemId', code: 'UNKNOWN_HALO_ID', message: MSG.unknownItem(d.shippingItemId) });
  }
  if (d.defaultGroupId !== null) {
    const group = (await catalog.assetGroups()).find((g) => g.id === d.defaultGroupId);
    if (!group) errors.push({ path: 'defaultGroupId', code: 'UNKNOWN_HALO_ID', message: MSG.unknownGroup(d.defaultGroupId) });
    else if (!group.isProductGroup) errors.push({ path: 'defaultGroupId', code: 'NOT_A_PRODUCT_GROUP', message: MSG.notProductGroup(group.name) });
  }
  return errors;
}

const ACCOUNT_CODE = /^[\w.\- /]{1,50}$/;
const ACCOUNT_CODE_RULE = 'The account code must be 1–50 letters, digits, spaces or . - / _ characters.';

/** Item ids are checked in one batch (`itemsById`: stored items first, Halo only for the rest, in few requests). */
export async function validateAccountCodes(catalog: HaloCatalog, codes: AccountCodes): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const [assetGroups, items] = await Promise.all([catalog.assetGroups(), catalog.itemsById(codes.items.map((it) => it.haloItemId))]);
  const groups = new Map(assetGroups.map((g) => [g.id, g]));
  const dupGroups = duplicates(codes.groups.map((g) => g.haloGroupId));
  codes.groups.forEach((g, i) => {
    const group = groups.get(g.haloGroupId);
    if (!group) errors.push({ path: `groups.${i}.haloGroupId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownGroup(g.haloGroupId) });
    else if (!group.isProductGroup) errors.push({ path: `groups.${i}.haloGroupId`, code: 'NOT_A_PRODUCT_GROUP', message: MSG.notProductGroup(group.name) });
    if (dupGroups.has(g.haloGroupId)) errors.push({ path: `groups.${i}.haloGroupId`, code: 'DUPLICATE', message: `Product group ${g.haloGroupId} has more than one code. Give each group one code.` });
    if (!ACCOUNT_CODE.test(g.code)) errors.push({ path: `groups.${i}.code`, code: 'INVALID', message: ACCOUNT_CODE_RULE });
  });
  const dupItems = duplicates(codes.items.map((g) => g.haloItemId));
  codes.items.forEach((it, i) => {
    if (!items.has(it.haloItemId)) errors.push({ path: `items.${i}.haloItemId`, code: 'UNKNOWN_HALO_ID', message: MSG.unknownItem(it.haloItemId) });
    if (dupItems.has(it.haloItemId)) errors.push({ path: `items.${i}.haloItemId`, code: 'DUPLICATE', message: `Item ${it.haloItemId} has more than one code. Give each item one code.` });
    if (!ACCOUNT_CODE.test(it.code)) errors.push({ path: `items.${i}.code`, code: 'INVALID', message: ACCOUNT_CODE_RULE });
  });
  return errors;
}

/** A JSON property name Halo could bind: letters, digits and underscores, not starting with a digit. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The quote-line field names an admin says their Halo reads the quantity and unit price from. Each must be a plain
 * identifier, the two must differ, and neither may be a line field we already send for another purpose.
 */
export function validateQuoteLineFields(f: QuoteLineFieldsSetting): FieldError[] {
  const errors: FieldError[] = [];
  const taken = new Set(HALO_QUOTE_LINE_KNOWN_FIELDS.value.filter((n) => n !== 'baseprice'));
  for (const key of ['quantity', 'unitPrice'] as const) {
    const name = f[key];
    if (!FIELD_NAME.test(name)) errors.push({ path: key, code: 'INVALID', message: 'a Halo field name: 1–64 letters, digits or underscores, not starting with a digit' });
    else if (taken.has(name.toLowerCase())) errors.push({ path: key, code: 'CONFLICT', message: `"${name}" is a quote line field we send for something else` });
  }
  if (f.quantity.toLowerCase() === f.unitPrice.toLowerCase()) errors.push({ path: 'unitPrice', code: 'CONFLICT', message: 'the quantity and unit price need different fields' });
  if (f.quantity.toLowerCase() === 'baseprice') errors.push({ path: 'quantity', code: 'CONFLICT', message: '"baseprice" is a price field' });
  return errors;
}

/** The most entries each list argument of the settings mutations takes (stated in its description). */
export const SETTINGS_LIST_LIMITS = {
  productGroupMappings: 500,
  importTypeIds: 100,
  toHalo: 10,
  fromHalo: 500,
  quoteStatusMappings: 10,
  accountCodeGroups: 500,
  accountCodeItems: 2000,
} as const;

export type SettingsListName = keyof typeof SETTINGS_LIST_LIMITS;

/**
 * Lists longer than their limit, as field errors (`path` into the input). Checked before anything else, so an
 * oversized list costs no database or Halo work.
 */
export function checkListSizes(lists: { path: string; limit: SettingsListName; size: number }[]): FieldError[] {
  return lists
    .filter((l) => l.size > SETTINGS_LIST_LIMITS[l.limit])
    .map((l) => ({
      path: l.path,
      code: 'TOO_MANY' as const,
      message: `The list has ${l.size} entries. It may have at most ${SETTINGS_LIST_LIMITS[l.limit]}.`,
    }));
}

/** How a list argument's description states its limit: `(at most 500 entries)`. */
export const listLimitNote = (limit: SettingsListName) => `(at most ${SETTINGS_LIST_LIMITS[limit]} entries)`;
