import type { HaloAssetGroup, HaloClient, HaloListFilter, HaloResourceName } from '../halo';
import { HALO_GENERAL_USER, HALO_ITEM_GROUPS_FILTER } from '../halo/facts';
import type { IntegrationSettingsDoc } from '../integration/settings';
import { groupAccountCodeFor, productTypeFor } from '../integration/mapping-rules';
import { isSkip, mapClient, mapItem, mapQuotation, mapSite, mapTicket, mapUser, type Mapped, type Skip } from './mappers';
import type { LinkSpec, SyncTable } from './store';

/** The entities a sync moves, in dependency order (links resolve to rows written before them). */
export const SYNC_ENTITIES = ['productGroups', 'companies', 'sites', 'contacts', 'items', 'opportunities', 'quotes'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

export interface MapContext {
  settings: IntegrationSettingsDoc;
  /** Every asset group, for typing items (loaded once per run). */
  assetGroups: Map<number, { name: string; isProductGroup: boolean }>;
}

export interface EntityDef {
  entity: SyncEntity;
  table: SyncTable;
  resource: HaloResourceName;
  /** Halo filters this list by last update (HALO-API.md §2.4); without it an incremental run scans and compares. */
  lastUpdateFilter: boolean;
  /** The list's Halo filters; null when there is nothing to list (no request is made). */
  filter(ctx: MapContext): HaloListFilter | null;
  /**
   * Needs the asset groups (product groups, typing items). A run reads them once, for every entity that needs them;
   * the entity whose resource they are (productGroups) takes its rows from that read instead of listing again.
   */
  usesAssetGroups?: boolean;
  map(record: Record<string, unknown>, ctx: MapContext): Mapped<object> | Skip;
  /** Our foreign keys, resolved from the Halo ids the mapped rows carry, in the same statement that writes them. */
  links?: LinkSpec[];
}

const toCompany: LinkSpec = { column: 'company_id', haloField: 'haloCompanyId', target: 'company' };

export const ENTITY_DEFS: Record<SyncEntity, EntityDef> = {
  productGroups: {
    entity: 'productGroups',
    table: 'product_group',
    resource: 'assetGroups',
    lastUpdateFilter: false,
    filter: () => ({}),
    usesAssetGroups: true,
    map: (g, ctx) => {
      if (g.showasitem !== true) {
        return { skip: { code: 'GROUP_NOT_FOR_ITEMS', message: `Asset group "${String(g.name)}" is not a product group.`, hint: 'Tick "Use for Items" on it in Halo if its items should sync.' } };
      }
      const id = Number(g.id);
      // Halo's own code is kept ('' for none) so a changed account-code mapping is re-applied without asking Halo.
      const haloAccountCode = typeof g.nominalcode === 'string' ? g.nominalcode.trim() : '';
      const row = {
        name: String(g.name ?? `Group ${id}`),
        productType: productTypeFor(ctx.settings, id),
        accountCode: groupAccountCodeFor(ctx.settings, id, haloAccountCode),
        haloAccountCode,
      };
      return { haloId: id, haloUpdatedAt: null, row, contentHash: JSON.stringify(row) };
    },
  },
  companies: {
    entity: 'companies',
    table: 'company',
    resource: 'clients',
    lastUpdateFilter: true,
    filter: () => ({}),
    map: (c, ctx) => mapClient(c as never, ctx.settings),
  },
  sites: {
    entity: 'sites',
    table: 'site',
    resource: 'sites',
    lastUpdateFilter: true,
    filter: () => ({ includeaddress: true }),
    map: (s, ctx) => mapSite(s as never, ctx.settings),
    links: [toCompany],
  },
  contacts: {
    entity: 'contacts',
    table: 'contact',
    resource: 'users',
    lastUpdateFilter: true,
    // Contacts are people: each client's placeholder "General User" is left out (as are inactive users: Halo's
    // default list hides them).
    filter: () => ({ [HALO_GENERAL_USER.excludeParam.value]: true }),
    map: (u) => mapUser(u as never),
    links: [toCompany],
  },
  items: {
    entity: 'items',
    table: 'item',
    resource: 'items',
    lastUpdateFilter: false,
    filter: itemsFilter,
    usesAssetGroups: true,
    map: (it, ctx) => mapItem(it as never, ctx.assetGroups, ctx.settings),
    links: [{ column: 'product_group_id', haloField: 'haloGroupId', target: 'product_group' }],
  },
  opportunities: {
    entity: 'opportunities',
    table: 'opportunity',
    resource: 'opportunities',
    lastUpdateFilter: true,
    filter: () => ({}),
    map: (t, ctx) => mapTicket(t as never, ctx.settings),
    links: [toCompany, { column: 'contact_id', haloField: 'haloContactId', target: 'contact' }],
  },
  quotes: {
    entity: 'quotes',
    table: 'quote',
    resource: 'quotations',
    lastUpdateFilter: false,
    filter: () => ({ includelines: true }),
    map: (q, ctx) => mapQuotation(q as never, ctx.settings),
    links: [toCompany, { column: 'opportunity_id', haloField: 'haloOpportunityId', target: 'opportunity' }],
  },
};

/**
 * Items are listed from the product groups only, all of them in one list: `assetgroups=<ids>` takes several
 * groups (spec), so the list costs ceil(items in product groups / page) requests, never more than listing every
 * item, where `assetgroup_id` (one group) would cost at least one request per group. Should Halo ignore the filter,
 * the mapper still skips every item outside a product group. No product group: nothing to list.
 */
export function itemsFilter(ctx: MapContext): HaloListFilter | null {
  const ids = [...ctx.assetGroups].filter(([, g]) => g.isProductGroup).map(([id]) => id).sort((a, b) => a - b);
  return ids.length ? { [HALO_ITEM_GROUPS_FILTER.value]: ids } : null;
}

export function assetGroupMap(groups: HaloAssetGroup[]): MapContext['assetGroups'] {
  return new Map(groups.map((g) => [Number(g.id), { name: String(g.name ?? g.id), isProductGroup: g.showasitem === true }]));
}

export async function loadMapContext(client: HaloClient, settings: IntegrationSettingsDoc): Promise<MapContext> {
  return { settings, assetGroups: assetGroupMap(await client.assetGroups.all()) };
}

export { isSkip };
