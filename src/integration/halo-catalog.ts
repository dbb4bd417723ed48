import { isClosedQuoteStatus, type HaloClient, type HaloLookup } from '../halo';
import { HALO_CATEGORY_NAME_FIELDS, HALO_ITEM_GROUPS_FILTER, HALO_LOOKUPS } from '../halo/facts';
import type { HaloCatalog, HaloItemInfo, Named } from './validate';

const named = (rows: { id: number; name?: string | null }[]): Named[] =>
  rows.map((r) => ({ id: r.id, name: r.name ?? `#${r.id}` })).sort((a, b) => a.name.localeCompare(b.name));

const TTL_MS = 60_000;

/** Halo sends 0 or null for "no product group" (facts.ts HALO_ITEM_NO_GROUP); we say null. */
const groupIdOf = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

const itemInfo = (it: { id: number; name?: string | null; assetgroup_id?: number | null }): HaloItemInfo => ({
  id: it.id,
  name: it.name ?? `#${it.id}`,
  groupId: groupIdOf(it.assetgroup_id),
});

/** A category's name: the spec's string fields, in the order of HALO_CATEGORY_NAME_FIELDS. */
const categoryName = (c: Record<string, unknown>): string | null => {
  for (const field of HALO_CATEGORY_NAME_FIELDS.value) {
    const v = c[field];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return null;
};

/** Up to this many ids are read one by one; more are found by paging the item list once. */
export const ITEMS_BY_ID_MAX = 8;
const ITEM_READS_AT_ONCE = 4;

/**
 * What the admin screens and the mapping validators read from Halo, live through the client and cached for a
 * minute per tenant: a person clicking through the screens should not spend the tenant's Halo rate budget.
 */
export class CachedHaloCatalog implements HaloCatalog {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly halo: HaloClient,
    private readonly now: () => number = Date.now,
  ) {}

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: this.now(), value });
    // A failure is not cached: the next call asks Halo again.
    value.catch(() => this.cache.delete(key));
    return value;
  }

  client(id: number) {
    return this.cached(`client:${id}`, async () => {
      const c = await this.halo.getById('clients', id);
      return c ? { id: c.id, name: c.name ?? `#${c.id}`, website: c.website ?? null, inactive: c.inactive === true } : null;
    });
  }

  clients(search: string | null, limit = 50) {
    return this.cached(`clients:${search ?? ''}:${limit}`, async () => {
      const rows = await this.halo.listAll('clients', search ? { search } : {}, { limit, pageSize: limit });
      return rows.map((c) => ({ id: c.id, name: c.name ?? `#${c.id}`, website: c.website ?? null, inactive: c.inactive === true }));
    });
  }

  assetGroups() {
    return this.cached('assetGroups', async () =>
      (await this.halo.assetGroups.all()).map((g) => ({ id: g.id, name: g.name ?? `#${g.id}`, isProductGroup: g.showasitem === true })),
    );
  }

  async productGroups(): Promise<Named[]> {
    return (await this.assetGroups()).filter((g) => g.isProductGroup).map(({ id, name }) => ({ id, name }));
  }

  opportunityTypes() {
    return this.cached('opportunityTypes', async () => named(await this.halo.opportunityTypes()));
  }

  statuses() {
    return this.cached('statuses', async () => named(await this.halo.statuses.all()));
  }

  /**
   * The rows of one lookup table, by id. The confirmed tables are read at their constant ids; the unknown ones
   * (country, region, pipeline stage) only through `LookupTablesService`, which checks them first.
   */
  lookupRows(lookupId: number): Promise<HaloLookup[]> {
    return this.cached(`lookup:${lookupId}`, async () => this.halo.lookupCodes(lookupId));
  }

  /** Quote statuses: lookup 39 (confirmed), each with whether it closes the quote. */
  async quoteStatuses(): Promise<(Named & { closed: boolean })[]> {
    const rows = await this.lookupRows(HALO_LOOKUPS.quoteStatus.value);
    const closed = new Map(rows.map((r) => [r.id, isClosedQuoteStatus(r)]));
    return named(rows).map((r) => ({ ...r, closed: closed.get(r.id) ?? false }));
  }

  /** Customer types: lookup 33 (confirmed). */
  async customerTypes() {
    return named(await this.lookupRows(HALO_LOOKUPS.customerType.value));
  }

  /**
   * The Halo items with these ids (absent ones are missing from the map), in few requests: a handful by id, more by
   * paging the item list (inactive ones included) until every id is found. Not cached: each caller's own signal
   * stops its reads when the caller is gone.
   */
  async itemsById(ids: number[], signal?: AbortSignal): Promise<Map<number, HaloItemInfo>> {
    const wanted = [...new Set(ids)];
    const found = new Map<number, HaloItemInfo>();
    if (!wanted.length) return found;
    if (wanted.length <= ITEMS_BY_ID_MAX) {
      for (let i = 0; i < wanted.length; i += ITEM_READS_AT_ONCE) {
        signal?.throwIfAborted();
        const batch = await Promise.all(wanted.slice(i, i + ITEM_READS_AT_ONCE).map((id) => this.halo.getById('items', id, { signal })));
        for (const it of batch) if (it) found.set(it.id, itemInfo(it));
      }
      return found;
    }
    const missing = new Set(wanted);
    for await (const page of this.halo.listPages('items', { includeinactive: true }, { signal })) {
      for (const it of page) {
        if (!missing.delete(it.id)) continue;
        found.set(it.id, itemInfo(it));
      }
      if (!missing.size) break;
    }
    return found;
  }

  items(search: string | null, limit = 50) {
    return this.cached(`items:${search ?? ''}:${limit}`, async () => {
      const rows = await this.halo.listAll('items', search ? { search } : {}, { limit, pageSize: limit });
      return rows.map(itemInfo);
    });
  }

  /**
   * Active items outside every product group (no group, or a group not marked "Use for Items"): they cannot sync,
   * since the sync lists items from the product groups only. Read for the setup checklist, not by every sync run.
   */
  /**
   * Active Halo items outside every product group (they never sync): all items less those in the product groups,
   * each from Halo's record_count, so two requests whatever the catalogue's size. null when Halo gives no count.
   */
  itemsOutsideProductGroups() {
    return this.cached('itemsOutsideProductGroups', async () => {
      const productGroups = (await this.assetGroups()).filter((g) => g.isProductGroup).map((g) => g.id);
      const all = await this.halo.count('items');
      if (all === null) return null;
      if (!productGroups.length) return all;
      const inGroups = await this.halo.count('items', { [HALO_ITEM_GROUPS_FILTER.value]: productGroups });
      return inGroups === null ? null : Math.max(0, all - inGroups);
    });
  }

  categories() {
    return this.cached('categories', async () =>
      (await this.halo.categories.all())
        .map((c) => ({ id: c.id, name: categoryName(c) ?? `#${c.id}` }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  taxCodes() {
    return this.cached('taxes', async () => named(await this.halo.taxes.all()));
  }
}
