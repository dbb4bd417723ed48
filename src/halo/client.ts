import { HALO_TICKET_PAGE_CAP } from './facts';
import { HaloNotFoundError, HaloError } from './errors';
import { extractListPage, isLastPage, recordKey, type PageDecisionState } from './paging';
import { HaloTransport, type HaloClientOptions, type QueryParams, type QueryValue, type AuthEndpoint } from './transport';
import type {
  HaloAgent,
  HaloAssetGroup,
  HaloCategory,
  HaloClientRecord,
  HaloControl,
  HaloDeleteResult,
  HaloItem,
  HaloLookup,
  HaloNotification,
  HaloQuotation,
  HaloSalesOrder,
  HaloSite,
  HaloStatus,
  HaloTax,
  HaloTeam,
  HaloTicket,
  HaloTicketType,
  HaloUser,
  HaloWebhook,
  HaloWebhookEvent,
} from './types';

/**
 * How each resource lists. `listKey` is the envelope key (HALO-API.md §2.2); `paginated: false` endpoints have no
 * paging params in the spec and return their whole list as a bare array, so they are fetched in one request.
 */
export interface HaloResourceDef {
  path: string;
  listKey: string | null;
  paginated: boolean;
}

export const HALO_RESOURCES = {
  clients: { path: '/Client', listKey: 'clients', paginated: true },
  sites: { path: '/Site', listKey: 'sites', paginated: true },
  users: { path: '/Users', listKey: 'users', paginated: true },
  items: { path: '/Item', listKey: 'items', paginated: true },
  assetGroups: { path: '/AssetGroup', listKey: null, paginated: false },
  ticketTypes: { path: '/TicketType', listKey: null, paginated: false },
  statuses: { path: '/Status', listKey: null, paginated: false },
  tickets: { path: '/Tickets', listKey: 'tickets', paginated: true },
  // Opportunities come back under the key "tickets" (PS Get-HaloOpportunity).
  opportunities: { path: '/Opportunities', listKey: 'tickets', paginated: true },
  quotations: { path: '/Quotation', listKey: 'quotes', paginated: true },
  salesOrders: { path: '/SalesOrder', listKey: 'salesorders', paginated: true },
  taxes: { path: '/Tax', listKey: null, paginated: false },
  lookups: { path: '/Lookup', listKey: null, paginated: false },
  agents: { path: '/Agent', listKey: null, paginated: false },
  teams: { path: '/Team', listKey: null, paginated: false },
  categories: { path: '/Category', listKey: null, paginated: false },
  webhooks: { path: '/Webhook', listKey: null, paginated: false },
  notifications: { path: '/Notification', listKey: null, paginated: false },
  // Paginated per the spec; envelope key unverified, so the single-array rule picks it.
  webhookEvents: { path: '/WebhookEvent', listKey: null, paginated: true },
} as const satisfies Record<string, HaloResourceDef>;

export interface HaloResourceTypes {
  clients: HaloClientRecord;
  sites: HaloSite;
  users: HaloUser;
  items: HaloItem;
  assetGroups: HaloAssetGroup;
  ticketTypes: HaloTicketType;
  statuses: HaloStatus;
  tickets: HaloTicket;
  opportunities: HaloTicket;
  quotations: HaloQuotation;
  salesOrders: HaloSalesOrder;
  taxes: HaloTax;
  lookups: HaloLookup;
  agents: HaloAgent;
  teams: HaloTeam;
  categories: HaloCategory;
  webhooks: HaloWebhook;
  notifications: HaloNotification;
  webhookEvents: HaloWebhookEvent;
}

export type HaloResourceName = keyof typeof HALO_RESOURCES;
export type HaloId = number | string;

/**
 * Query filters, names verbatim from the spec. Dates are sent as zone-less UTC (`lastupdatefromdate`), arrays
 * comma-joined. Unknown keys pass through, so any spec filter works.
 */
export interface HaloListFilter {
  search?: string;
  includeinactive?: boolean;
  includeactive?: boolean;
  activeinactive?: string;
  /** Only ids; "not compatible with pagination" (spec) – sent without paging params. */
  idonly?: boolean;
  /** The tickets/opportunities spelling of `idonly`. */
  ticketidonly?: boolean;
  lastupdatefromdate?: Date | string;
  lastupdatetodate?: Date | string;
  client_id?: number;
  site_id?: number;
  ticket_id?: number;
  assetgroup_id?: number;
  tickettype_id?: number;
  domain?: string;
  lookupid?: number;
  includedetails?: boolean;
  includelines?: boolean;
  order?: string;
  orderdesc?: boolean;
  [param: string]: QueryValue;
}

export interface ListOptions {
  /** Rows requested per page (default 100, the cap Halo applies to tickets). */
  pageSize?: number;
  /** Stop after this many rows. */
  limit?: number;
  signal?: AbortSignal;
  /** Force paging on/off regardless of the resource table. */
  paginate?: boolean;
  /** Told Halo's `record_count` whenever a page carries one (progress bars; never used to plan requests). */
  onRecordCount?: (count: number) => void;
}

export interface GetOptions {
  includedetails?: boolean;
  query?: QueryParams;
  signal?: AbortSignal;
}

const MAX_PAGES = 100_000;

export class HaloClient {
  readonly transport: HaloTransport;

  readonly clients: HaloResource<'clients'>;
  readonly sites: HaloResource<'sites'>;
  readonly users: HaloResource<'users'>;
  readonly items: HaloResource<'items'>;
  readonly assetGroups: HaloResource<'assetGroups'>;
  readonly ticketTypes: HaloResource<'ticketTypes'>;
  readonly statuses: HaloResource<'statuses'>;
  readonly tickets: HaloResource<'tickets'>;
  readonly opportunities: HaloResource<'opportunities'>;
  readonly quotations: HaloResource<'quotations'>;
  readonly salesOrders: HaloResource<'salesOrders'>;
  readonly taxes: HaloResource<'taxes'>;
  readonly lookups: HaloResource<'lookups'>;
  readonly agents: HaloResource<'agents'>;
  readonly teams: HaloResource<'teams'>;
  readonly categories: HaloResource<'categories'>;
  readonly webhooks: HaloResource<'webhooks'>;
  readonly notifications: HaloResource<'notifications'>;
  readonly webhookEvents: HaloResource<'webhookEvents'>;

  constructor(options: HaloClientOptions) {
    this.transport = new HaloTransport(options);
    this.clients = new HaloResource(this, 'clients');
    this.sites = new HaloResource(this, 'sites');
    this.users = new HaloResource(this, 'users');
    this.items = new HaloResource(this, 'items');
    this.assetGroups = new HaloResource(this, 'assetGroups');
    this.ticketTypes = new HaloResource(this, 'ticketTypes');
    this.statuses = new HaloResource(this, 'statuses');
    this.tickets = new HaloResource(this, 'tickets');
    this.opportunities = new HaloResource(this, 'opportunities');
    this.quotations = new HaloResource(this, 'quotations');
    this.salesOrders = new HaloResource(this, 'salesOrders');
    this.taxes = new HaloResource(this, 'taxes');
    this.lookups = new HaloResource(this, 'lookups');
    this.agents = new HaloResource(this, 'agents');
    this.teams = new HaloResource(this, 'teams');
    this.categories = new HaloResource(this, 'categories');
    this.webhooks = new HaloResource(this, 'webhooks');
    this.notifications = new HaloResource(this, 'notifications');
    this.webhookEvents = new HaloResource(this, 'webhookEvents');
  }

  /** The normalised URLs of this connection (`appUrl`, `apiUrl`, …). */
  get urls() {
    return this.transport.urls;
  }

  /** Where tokens come from (discovered once, then cached). */
  authEndpoint(signal?: AbortSignal): Promise<AuthEndpoint> {
    return this.transport.discoverAuth(signal);
  }

  /** Low-level escape hatch for endpoints without a typed method. Path relative to `/api`. */
  request<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, opts?: { query?: QueryParams; body?: unknown; signal?: AbortSignal }): Promise<T> {
    return this.transport.request<T>(method, path, opts);
  }

  /**
   * How many rows a list holds, from Halo's `record_count` on a one-row page: one request, whatever the size.
   * null when Halo's answer carries no count (a bare array).
   */
  async count<R extends HaloResourceName>(resource: R, filter: HaloListFilter = {}, opts: { signal?: AbortSignal } = {}): Promise<number | null> {
    const def: HaloResourceDef = HALO_RESOURCES[resource];
    const query: QueryParams = { ...filter, pageinate: true, page_size: 1, page_no: 1 };
    const body = await this.transport.request<unknown>('GET', def.path, { query, signal: opts.signal });
    return extractListPage<HaloResourceTypes[R]>(body, def.listKey, `GET ${def.path}`).recordCount ?? null;
  }

  /**
   * Iterate every row of a list, page by page (HALO-API.md §2.1): `pageinate=true&page_size=N&page_no=k`, stopping
   * on an empty page, a page shorter than the largest seen, `fetched >= record_count`, or a page with nothing new
   * (Halo ignoring `page_no`). Rows repeated across pages are yielded once.
   */
  async *list<R extends HaloResourceName>(resource: R, filter: HaloListFilter = {}, opts: ListOptions = {}): AsyncGenerator<HaloResourceTypes[R]> {
    for await (const page of this.listPages(resource, filter, opts)) yield* page;
  }

  /** Like {@link list} but yields whole pages (after de-duplication). */
  async *listPages<R extends HaloResourceName>(resource: R, filter: HaloListFilter = {}, opts: ListOptions = {}): AsyncGenerator<Array<HaloResourceTypes[R]>> {
    const def: HaloResourceDef = HALO_RESOURCES[resource];
    const where = `GET ${def.path}`;
    // `idonly`/`ticketidonly` are "not compatible with pagination" (spec): one request returns every id.
    const paginate = (opts.paginate ?? def.paginated) && !filter.idonly && !filter.ticketidonly;
    const requestedSize = Math.max(1, Math.floor(opts.pageSize ?? HALO_TICKET_PAGE_CAP.value));
    const limit = opts.limit ?? Infinity;
    const seen = new Set<string>();
    const state: PageDecisionState = { requestedSize, fetched: 0, largestPage: 0 };
    let yielded = 0;

    for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
      const query: QueryParams = { ...filter };
      if (paginate) Object.assign(query, { pageinate: true, page_size: requestedSize, page_no: pageNo });
      const body = await this.transport.request<unknown>('GET', def.path, { query, signal: opts.signal });
      const { rows, recordCount } = extractListPage<HaloResourceTypes[R]>(body, def.listKey, where);
      if (recordCount !== undefined) opts.onRecordCount?.(recordCount);
      const fresh: Array<HaloResourceTypes[R]> = [];
      for (const row of rows) {
        const k = recordKey(row);
        if (k !== undefined) {
          if (seen.has(k)) continue;
          seen.add(k);
        }
        fresh.push(row);
      }
      state.fetched += rows.length;
      const last = !paginate || isLastPage({ pageRows: rows.length, newRows: fresh.length, recordCount, state });
      state.largestPage = Math.max(state.largestPage, rows.length);
      if (!paginate && rows.length === 0) return;
      const room = limit - yielded;
      const out = fresh.length > room ? fresh.slice(0, room) : fresh;
      if (out.length) {
        yielded += out.length;
        yield out;
      }
      if (last || yielded >= limit) return;
      if (fresh.length === 0) return;
    }
    throw new HaloError('unknown', `${where} did not finish after ${MAX_PAGES} pages.`);
  }

  /** Collect a whole list. */
  async listAll<R extends HaloResourceName>(resource: R, filter: HaloListFilter = {}, opts: ListOptions = {}): Promise<Array<HaloResourceTypes[R]>> {
    const out: Array<HaloResourceTypes[R]> = [];
    for await (const page of this.listPages(resource, filter, opts)) out.push(...page);
    return out;
  }

  /** `GET /api/<X>/{id}`: the record, or null when Halo answers 404. */
  async getById<R extends HaloResourceName>(resource: R, id: HaloId, opts: GetOptions = {}): Promise<HaloResourceTypes[R] | null> {
    const def = HALO_RESOURCES[resource];
    const query: QueryParams = { ...opts.query };
    if (opts.includedetails) query.includedetails = true;
    try {
      const rec = await this.transport.request<HaloResourceTypes[R] | null>('GET', `${def.path}/${encodeURIComponent(String(id))}`, { query, signal: opts.signal });
      return rec && typeof rec === 'object' ? rec : null;
    } catch (e) {
      if (e instanceof HaloNotFoundError) return null;
      throw e;
    }
  }

  /** Like {@link getById} but throws `HaloNotFoundError` when missing. */
  async mustGetById<R extends HaloResourceName>(resource: R, id: HaloId, opts: GetOptions = {}): Promise<HaloResourceTypes[R]> {
    const rec = await this.getById(resource, id, opts);
    if (!rec) {
      const def = HALO_RESOURCES[resource];
      throw new HaloNotFoundError(`Halo has no ${resource} record ${String(id)}.`, { method: 'GET', path: `${def.path}/${String(id)}`, status: 404 });
    }
    return rec;
  }

  /**
   * Create/update through `POST /api/<X>` with a JSON array (no `id` = create, with `id` = partial update). Halo
   * answers a one-element array with the bare object and several with an array; this always returns an array.
   * A POST whose outcome cannot be known throws HaloOutcomeUnknownError (see HaloTransport.request).
   */
  async upsert<R extends HaloResourceName>(
    resource: R,
    records: ReadonlyArray<Partial<HaloResourceTypes[R]>>,
    opts: { query?: QueryParams; signal?: AbortSignal } = {},
  ): Promise<Array<HaloResourceTypes[R]>> {
    if (!records.length) return [];
    const def = HALO_RESOURCES[resource];
    const body = await this.transport.request<unknown>('POST', def.path, { body: records, query: opts.query, signal: opts.signal });
    if (Array.isArray(body)) return body as Array<HaloResourceTypes[R]>;
    if (body && typeof body === 'object') {
      // Tolerate an envelope around the saved rows, as for lists.
      const arrays = Object.values(body as Record<string, unknown>).filter(Array.isArray);
      if (!('id' in (body as object)) && arrays.length === 1) return arrays[0] as Array<HaloResourceTypes[R]>;
      return [body as HaloResourceTypes[R]];
    }
    return [];
  }

  /** `DELETE /api/<X>/{id}` (tickets/opportunities take `reason`). Returns Halo's answer (usually `{id}`). */
  async delete<R extends HaloResourceName>(resource: R, id: HaloId, opts: { reason?: string; signal?: AbortSignal } = {}): Promise<HaloDeleteResult | null> {
    const def = HALO_RESOURCES[resource];
    return this.transport.request<HaloDeleteResult | null>('DELETE', `${def.path}/${encodeURIComponent(String(id))}`, {
      query: opts.reason ? { reason: opts.reason } : undefined,
      signal: opts.signal,
    });
  }

  // ------------------------------------------------------------------------------------------------ specific reads

  /** The agent the token acts as (`GET /api/Agent/me`). */
  me(signal?: AbortSignal): Promise<HaloAgent> {
    return this.transport.request<HaloAgent>('GET', '/Agent/me', { signal });
  }

  /** Instance settings (`GET /api/Control`): pipeline stages, quote defaults, … */
  settings(signal?: AbortSignal): Promise<HaloControl> {
    return this.transport.request<HaloControl>('GET', '/Control', { signal });
  }

  /** Lookup codes of one lookup table (`GET /api/Lookup?lookupid=N`): quote statuses, countries, regions, … */
  lookupCodes(lookupid: number, opts: { signal?: AbortSignal; [param: string]: QueryValue | AbortSignal } = {}): Promise<HaloLookup[]> {
    const { signal, ...rest } = opts;
    return this.listAll('lookups', { ...(rest as QueryParams), lookupid }, { signal: signal as AbortSignal | undefined });
  }

  /** Ticket types usable for opportunities (`GET /api/TicketType?domain=opps`). */
  opportunityTypes(signal?: AbortSignal): Promise<HaloTicketType[]> {
    return this.listAll('ticketTypes', { domain: 'opps' }, { signal });
  }

  /** Product groups: asset groups with "Use for Items" ticked. */
  async productGroups(signal?: AbortSignal): Promise<HaloAssetGroup[]> {
    const all = await this.listAll('assetGroups', {}, { signal });
    return all.filter((g) => g.showasitem === true);
  }

  /** A quotation with its lines. */
  quotationWithLines(id: number, signal?: AbortSignal): Promise<HaloQuotation | null> {
    return this.getById('quotations', id, { includedetails: true, signal });
  }
}

/** Typed per-resource access: `client.items.list({ assetgroup_id: 3 })`, `client.clients.get(5)`, … */
export class HaloResource<R extends HaloResourceName> {
  constructor(
    private readonly client: HaloClient,
    readonly name: R,
  ) {}

  list(filter?: HaloListFilter, opts?: ListOptions): AsyncGenerator<HaloResourceTypes[R]> {
    return this.client.list(this.name, filter, opts);
  }
  pages(filter?: HaloListFilter, opts?: ListOptions): AsyncGenerator<Array<HaloResourceTypes[R]>> {
    return this.client.listPages(this.name, filter, opts);
  }
  all(filter?: HaloListFilter, opts?: ListOptions): Promise<Array<HaloResourceTypes[R]>> {
    return this.client.listAll(this.name, filter, opts);
  }
  get(id: HaloId, opts?: GetOptions): Promise<HaloResourceTypes[R] | null> {
    return this.client.getById(this.name, id, opts);
  }
  upsert(records: ReadonlyArray<Partial<HaloResourceTypes[R]>>, opts?: { query?: QueryParams; signal?: AbortSignal }): Promise<Array<HaloResourceTypes[R]>> {
    return this.client.upsert(this.name, records, opts);
  }
  delete(id: HaloId, opts?: { reason?: string; signal?: AbortSignal }): Promise<HaloDeleteResult | null> {
    return this.client.delete(this.name, id, opts);
  }
}

export function createHaloClient(options: HaloClientOptions): HaloClient {
  return new HaloClient(options);
}
