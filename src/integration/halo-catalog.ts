import { isClosedQuoteStatus, type HaloClient, type HaloLookup } from '../halo';
import { HALO_LOOKUPS } from '../halo/facts';
import type { HaloCatalog, Named } from './validate';

const named = (rows: { id: number; name?: string | null }[]): Named[] =>
  rows.map((r) => ({ id: r.id, name: r.name ?? `#${r.id}` })).sort((a, b) => a.name.localeCompare(b.name));

const TTL_MS = 60_000;

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

  item(id: number) {
    return this.cached(`item:${id}`, async () => {
      const it = await this.halo.getById('items', id);
      return it ? { id: it.id, name: it.name ?? `#${it.id}`, groupId: it.assetgroup_id ?? null } : null;
    });
  }

  items(search: string | null, limit = 50) {
    return this.cached(`items:${search ?? ''}:${limit}`, async () => {
      const rows = await this.halo.listAll('items', search ? { search } : {}, { limit, pageSize: limit });
      return rows.map((it) => ({ id: it.id, name: it.name ?? `#${it.id}`, groupId: it.assetgroup_id ?? null }));
    });
  }

  /**
   * Active items outside every product group (no group, or a group not marked "Use for Items"): they cannot sync,
   * since the sync lists items from the product groups only. Read for the setup checklist, not by every sync run.
   */
  itemsOutsideProductGroups() {
    return this.cached('itemsOutsideProductGroups', async () => {
      const productGroups = new Set((await this.assetGroups()).filter((g) => g.isProductGroup).map((g) => g.id));
      let outside = 0;
      for await (const it of this.halo.items.list()) if (!productGroups.has(Number(it.assetgroup_id))) outside++;
      return outside;
    });
  }

  categories() {
    return this.cached('categories', async () => named(await this.halo.categories.all()));
  }

  taxCodes() {
    return this.cached('taxes', async () => named(await this.halo.taxes.all()));
  }
}
