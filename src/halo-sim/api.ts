/**
 * The resource server's endpoints (`/api/<Entity>`): which table each serves, its list envelope, paging,
 * filters and views, after HALO-API.md §2–§3.
 */
import { parseHaloDate } from './clock';
import { ScopeArea, SimApp } from './auth';
import { SimQuirks } from './quirks';
import { HaloRuleError, HaloState } from './state';
import { RecordId, TableName, tableDef } from './tables';
import { FieldErrors, HaloRecord, bindBody, toHaloJson } from './wire';

type Filter = (rec: HaloRecord, value: string, state: HaloState) => boolean;

interface Endpoint {
  path: string;
  table: TableName;
  area: ScopeArea;
  /** Envelope key, or null for a bare array (§2.2). */
  envelope: string | null;
  /**
   * 'paged': honours pageinate/page_no/page_size, and without pageinate returns `count` or the default page.
   * 'optin': a bare full list unless pageinate=true, then paged under `pagedEnvelope` (Agent per DJPSA).
   * 'none': always the full list; paging parameters are ignored (DJPSA sees "the same page again").
   */
  paging: 'paged' | 'optin' | 'none';
  pagedEnvelope?: string;
  /** Default order: Halo's UI lists people and things by name, so pages shift when one is renamed or added. */
  orderBy?: string;
  /** Whether Halo has lastupdatefromdate/lastupdatetodate here; elsewhere they are silently ignored (§2.4). */
  lastUpdateFilter?: boolean;
  idOnlyParam?: 'idonly' | 'ticketidonly';
  /** Honours includeinactive/includeactive/activeinactive; inactive rows are hidden by default. */
  inactiveFlag?: string;
  search?: string[];
  filters?: Record<string, Filter>;
  visible?: (rec: HaloRecord, q: URLSearchParams, state: HaloState) => boolean;
  listView?: (rec: HaloRecord, q: URLSearchParams) => HaloRecord;
  byIdView?: (rec: HaloRecord, q: URLSearchParams, state: HaloState) => HaloRecord;
  /** Adjusts a POST element before it is stored (defaults that depend on the endpoint). */
  beforeCreate?: (input: HaloRecord, state: HaloState) => void;
  afterWrite?: (rec: HaloRecord, input: HaloRecord, state: HaloState, agentId: number) => void;
  readOnly?: boolean;
  noDelete?: boolean;
}

const truthy = (v: string | null) => v !== null && /^(true|1)$/i.test(v);
const int = (field: string): Filter => (rec, v) => Number(rec[field]) === Number(v);
const csvInt = (field: string): Filter => (rec, v) => v.split(',').map(Number).includes(Number(rec[field]));
const flag = (test: (rec: HaloRecord) => boolean): Filter => (rec, v) => !truthy(v) || test(rec);
const without = (rec: HaloRecord, ...fields: string[]) => {
  const out = { ...rec };
  for (const f of fields) delete out[f];
  return out;
};

function ticketTypeUse(state: HaloState, rec: HaloRecord): string {
  return (state.get('ticketTypes', rec.tickettype_id as RecordId)?.use as string | undefined) ?? 'reqs';
}

/** A quote is closed when its status has System use = Closed: `value3 = '1'` in the Quote Status lookup (HALO-API.md §9). */
function quoteClosed(state: HaloState, rec: HaloRecord): boolean {
  return state.lookup(state.truth.lookupIds.quoteStatus, rec.status)?.value3 === '1';
}

const ticketFilters: Record<string, Filter> = {
  client_id: int('client_id'),
  client_ids: csvInt('client_id'),
  site_id: int('site_id'),
  user_id: int('user_id'),
  agent_id: int('agent_id'),
  status_id: int('status_id'),
  tickettype_id: int('tickettype_id'),
  requesttype_id: int('tickettype_id'),
  ticketids: csvInt('id'),
  team: (rec, v) => String(rec.team).toLowerCase() === v.toLowerCase(),
  team_name: (rec, v) => String(rec.team).toLowerCase() === v.toLowerCase(),
  open_only: flag((rec) => rec.hasbeenclosed !== true),
  closed_only: flag((rec) => rec.hasbeenclosed === true),
  domain: (rec, v, state) => ticketTypeUse(state, rec) === v.toLowerCase(),
};

const ticketVisible = (rec: HaloRecord, q: URLSearchParams) => (truthy(q.get('deleted')) ? rec.deleted === true : rec.deleted !== true);

const withLines = (param: string) => (rec: HaloRecord, q: URLSearchParams) => (truthy(q.get(param)) ? rec : without(rec, 'lines'));

const ENDPOINTS: Endpoint[] = [
  {
    path: 'Client', table: 'clients', area: 'customers', envelope: 'clients', paging: 'paged', orderBy: 'name',
    lastUpdateFilter: true, idOnlyParam: 'idonly', inactiveFlag: 'inactive', search: ['name'],
    filters: { toplevel_id: int('toplevel_id'), customertype: int('customertype') },
  },
  {
    path: 'Site', table: 'sites', area: 'customers', envelope: 'sites', paging: 'paged', orderBy: 'name',
    lastUpdateFilter: true, idOnlyParam: 'idonly', inactiveFlag: 'inactive', search: ['name'],
    filters: { client_id: int('client_id'), site_id: int('id') },
    listView: (rec, q) => (truthy(q.get('includeaddress')) ? rec : without(rec, 'delivery_address', 'invoice_address')),
  },
  {
    path: 'Users', table: 'users', area: 'customers', envelope: 'users', paging: 'paged', orderBy: 'name',
    lastUpdateFilter: true, idOnlyParam: 'idonly', inactiveFlag: 'inactive', search: ['name', 'emailaddress'],
    filters: {
      client_id: int('client_id'), site_id: int('site_id'),
      exclude_generaluser: (rec, v, state) => !truthy(v) || !state.generalUsers.has(rec.id as RecordId),
    },
  },
  {
    path: 'Item', table: 'items', area: 'items', envelope: 'items', paging: 'paged', orderBy: 'name',
    inactiveFlag: 'inactive', search: ['name', 'description', 'internalreference', 'supplier_part_code'],
    filters: {
      assetgroup_id: int('assetgroup_id'),
      assetgroups: csvInt('assetgroup_id'),
      supplier_id: int('supplier_id'),
      recurringonly: flag((rec) => rec.isrecurringitem === true),
      excluderecurring: flag((rec) => rec.isrecurringitem !== true),
    },
  },
  { path: 'AssetGroup', table: 'assetGroups', area: 'items', envelope: null, paging: 'none' },
  {
    path: 'Tickets', table: 'tickets', area: 'tickets', envelope: 'tickets', paging: 'paged', lastUpdateFilter: true,
    idOnlyParam: 'ticketidonly', search: ['summary', 'id'], filters: ticketFilters, visible: ticketVisible,
  },
  {
    path: 'Opportunities', table: 'tickets', area: 'crm', envelope: 'tickets', paging: 'paged', lastUpdateFilter: true,
    idOnlyParam: 'ticketidonly', search: ['summary', 'id', 'oppcompanyname'], filters: ticketFilters,
    visible: (rec, q, state) => ticketVisible(rec, q) && ticketTypeUse(state, rec) === 'opps',
    beforeCreate: (input, state) => {
      input.tickettype_id ??= state.settings.default_opp_tickettype_id;
    },
  },
  {
    path: 'Quotation', table: 'quotes', area: 'quotes', envelope: 'quotes', paging: 'paged', search: ['title'],
    filters: {
      client_id: int('client_id'), site_id: int('site_id'), ticket_id: int('ticket_id'), user_id: int('user_id'),
      quote_status: csvInt('status'),
      open: (rec, v, state) => !truthy(v) || !quoteClosed(state, rec),
      closed: (rec, v, state) => !truthy(v) || quoteClosed(state, rec),
    },
    listView: withLines('includelines'),
    byIdView: withLines('includedetails'),
  },
  {
    path: 'SalesOrder', table: 'salesOrders', area: 'sos', envelope: 'salesorders', paging: 'paged', idOnlyParam: 'idonly',
    search: ['title'],
    filters: {
      client_id: int('client_id'), site_id: int('site_id'), ticket_id: int('ticket_id'), user_id: int('user_id'),
      client_ids: csvInt('client_id'),
      open: flag((rec) => rec.open_status !== 1),
      closed: flag((rec) => rec.open_status === 1),
    },
    listView: (rec) => without(rec, 'lines'),
    byIdView: withLines('includedetails'),
  },
  {
    path: 'TicketType', table: 'ticketTypes', area: 'standard', envelope: null, paging: 'none',
    filters: { domain: (rec, v) => String(rec.use) === v.toLowerCase() },
    visible: (rec, q) => rec.visible !== false || truthy(q.get('showinactive')),
  },
  {
    path: 'Status', table: 'statuses', area: 'standard', envelope: null, paging: 'none',
    filters: {
      domain: (rec, v) => String(rec.domain ?? 'reqs') === v.toLowerCase(),
      excludeclosed: flag((rec) => rec.type !== 2),
      tickettype_id: (rec, v, state) => {
        const type = state.get('ticketTypes', Number(v));
        const allowed = type?.allowed_status as HaloRecord[] | undefined;
        return !type || type.allowall_status !== false || !allowed || allowed.some((a) => a.status_id === rec.id);
      },
    },
  },
  { path: 'Category', table: 'categories', area: 'standard', envelope: null, paging: 'none', filters: { type_id: int('type_id') } },
  { path: 'Tax', table: 'taxes', area: 'standard', envelope: null, paging: 'none' },
  {
    path: 'Agent', table: 'agents', area: 'standard', envelope: null, paging: 'optin', pagedEnvelope: 'results', search: ['name'],
    visible: (rec, q) => (rec.isdisabled !== true || truthy(q.get('includedisabled'))) && (rec.isapiagent !== true || truthy(q.get('includeapiagents'))),
    filters: { team: (rec, v) => String(rec.team).toLowerCase() === v.toLowerCase() },
  },
  { path: 'Team', table: 'teams', area: 'teams', envelope: null, paging: 'none' },
  {
    path: 'Lookup', table: 'lookups', area: 'standard', envelope: null, paging: 'none', noDelete: true,
    filters: {
      lookupid: int('lookupid'),
      country_code_id: (rec, v, state) => rec.value2 === state.lookup(state.truth.lookupIds.countryCode, Number(v))?.value2,
    },
  },
  {
    path: 'Webhook', table: 'webhooks', area: 'webhooks', envelope: null, paging: 'none',
    filters: { type: int('type') },
    afterWrite: (rec, input, state, agentId) => {
      // Inline `events` become Notification subscriptions; the webhook lists them at read time.
      delete rec.events;
      for (const event of (input.events as HaloRecord[] | undefined) ?? []) {
        state.create('notifications', { ...event, webhook_id: rec.id, id: undefined }, agentId);
      }
    },
  },
  {
    path: 'Notification', table: 'notifications', area: 'webhooks', envelope: null, paging: 'none',
    filters: { webhook_id: (rec, v) => String(rec.webhook_id).toLowerCase() === v.toLowerCase(), type: int('type') },
  },
  {
    path: 'WebhookEvent', table: 'webhookEvents', area: 'webhooks', envelope: null, paging: 'optin', pagedEnvelope: 'webhookevents',
    readOnly: true, noDelete: true, idOnlyParam: 'idonly',
    filters: { webhook_id: (rec, v) => String(rec.webhook_id).toLowerCase() === v.toLowerCase() },
  },
];

const BY_PATH = new Map(ENDPOINTS.map((e) => [e.path.toLowerCase(), e]));

export interface ApiResponse {
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** For list responses: the page served, so page-boundary hooks can fire. */
  page?: number;
}

export interface ApiRequest {
  method: string;
  /** Path below /api, without a leading slash, e.g. `Client/12`. */
  route: string;
  query: URLSearchParams;
  body: string;
  app: SimApp;
  /** A `storeDifferently` fault: fields Halo stores instead of what each posted record says. */
  storeOverride?: HaloRecord;
}

export function endpointArea(route: string): ScopeArea | undefined {
  const head = route.split('/')[0]?.toLowerCase() ?? '';
  if (head === 'control' || head === 'agent' || head === 'users') return BY_PATH.get(head)?.area ?? 'standard';
  return BY_PATH.get(head)?.area;
}

export class HaloApi {
  private readonly orderCache = new Map<string, { version: number; rows: HaloRecord[] }>();
  /** Matching rows in list order per (endpoint, filtering query), valid while `listVersion` is unchanged. */
  private readonly listCache = new Map<string, { version: string; rows: readonly HaloRecord[] }>();

  constructor(private readonly state: HaloState, private readonly quirks: SimQuirks) {}

  handle(req: ApiRequest): ApiResponse {
    const [head = '', sub, ...rest] = req.route.split('/');
    const lower = head.toLowerCase();
    if (rest.length) return notFound();
    if (lower === 'control' && !sub) return this.control(req);
    if (lower === 'agent' && sub?.toLowerCase() === 'me' && req.method === 'GET') {
      return this.json(200, this.state.get('agents', req.app.agentId) ?? {}, 'Uname');
    }
    if (lower === 'users' && sub?.toLowerCase() === 'me' && req.method === 'GET') {
      const user = req.app.userId !== undefined ? this.state.get('users', req.app.userId) : this.state.tables.users.values().next().value;
      return user ? this.json(200, user, 'Users') : notFound();
    }
    const ep = BY_PATH.get(lower);
    if (!ep) return notFound();
    try {
      if (sub === undefined || sub === '') {
        if (req.method === 'GET') return this.list(ep, req.query);
        if (req.method === 'POST' && !ep.readOnly) return this.post(ep, req);
        return methodNotAllowed();
      }
      if (req.method === 'GET') return this.getById(ep, sub, req.query);
      if (req.method === 'DELETE' && !ep.noDelete) {
        const rec = this.state.get(ep.table, sub);
        if (!rec || !this.isVisibleById(ep, rec)) return notFound();
        return this.json(200, this.state.remove(ep.table, rec.id as RecordId, req.app.agentId), this.schema(ep));
      }
      return methodNotAllowed();
    } catch (err) {
      if (err instanceof HaloRuleError) return err.status === 404 ? notFound() : this.jsonRaw(err.status, JSON.stringify(err.body));
      throw err;
    }
  }

  private schema(ep: Endpoint): string {
    return tableDef(ep.table).schema;
  }

  private json(status: number, value: unknown, schema: string | undefined): ApiResponse {
    return this.jsonRaw(status, toHaloJson(value, schema, this.quirks.doublesAsFloats));
  }

  private jsonRaw(status: number, body: string): ApiResponse {
    return { status, body, contentType: 'application/json; charset=utf-8' };
  }

  private isVisibleById(ep: Endpoint, rec: HaloRecord): boolean {
    return ep.table !== 'tickets' || rec.deleted !== true;
  }

  private getById(ep: Endpoint, id: string, q: URLSearchParams): ApiResponse {
    const rec = this.state.get(ep.table, id);
    if (!rec || !this.isVisibleById(ep, rec)) return notFound();
    return this.json(200, this.view(ep, ep.byIdView ? ep.byIdView(rec, q, this.state) : rec), this.schema(ep));
  }

  /** Read-time additions that are not stored: a webhook lists its subscriptions. */
  private view(ep: Endpoint, rec: HaloRecord): HaloRecord {
    if (ep.table !== 'webhooks') return rec;
    const events = [...this.state.tables.notifications.values()].filter((n) => n.webhook_id === rec.id);
    return { ...rec, events };
  }

  private list(ep: Endpoint, q: URLSearchParams): ApiResponse {
    const override = this.quirks.listEnvelopes[ep.path];
    const envelope = override !== undefined ? override : ep.envelope;
    let rows = this.filtered(ep, q);
    const idOnly = ep.idOnlyParam && truthy(q.get(ep.idOnlyParam));
    const pageinate = truthy(q.get('pageinate'));
    const total = rows.length;
    let page: number | undefined;
    let pageSize: number | undefined;
    if (idOnly) {
      // "Not compatible with pagination" (spec): every matching id, paging parameters ignored.
    } else if (ep.paging === 'paged' || (ep.paging === 'optin' && pageinate)) {
      if (pageinate) {
        const cap = this.quirks.pageSizeCaps[ep.path] ?? null;
        pageSize = Math.max(1, positiveInt(q.get('page_size')) ?? this.quirks.defaultPageSize);
        if (cap !== null) pageSize = Math.min(pageSize, cap);
        page = positiveInt(q.get('page_no')) ?? 1;
        rows = rows.slice((page - 1) * pageSize, page * pageSize);
      } else {
        rows = rows.slice(0, positiveInt(q.get('count')) ?? this.quirks.defaultPageSize);
      }
    }
    const view = ep.listView ?? ((r: HaloRecord) => r);
    const shaped = idOnly ? rows.map((r) => ({ id: r.id })) : rows.map((r) => this.view(ep, view(r, q)));
    const key = ep.paging === 'optin' && pageinate && override === undefined ? ep.pagedEnvelope : envelope;
    const rowsJson = toHaloJson(shaped, this.schema(ep), this.quirks.doublesAsFloats);
    const pageMeta = page !== undefined ? { page } : {};
    if (key === null || key === undefined) return { ...this.jsonRaw(200, rowsJson), ...pageMeta };
    const head: HaloRecord = page !== undefined ? { page_no: page, page_size: pageSize, record_count: total } : { record_count: total };
    if (ep.table === 'tickets') head.include_children = false;
    return { ...this.jsonRaw(200, `${JSON.stringify(head).slice(0, -1)},${JSON.stringify(key)}:${rowsJson}}`), ...pageMeta };
  }

  /**
   * The rows a list request selects, in list order, before paging. Filtering and ordering the whole table per
   * page made paging a large tenant cost O(table) per request, so the result is kept per endpoint and filtering
   * query (paging and view parameters left out) until the table, or a table the filters consult, changes.
   * Records are shared, not copied: a page always serialises their current fields.
   */
  private filtered(ep: Endpoint, q: URLSearchParams): readonly HaloRecord[] {
    const key = listCacheKey(ep, q);
    const version = this.listVersion(ep);
    const hit = this.listCache.get(key);
    if (hit && hit.version === version) {
      this.listCache.delete(key);
      this.listCache.set(key, hit);
      return hit.rows;
    }
    const rows = this.ordered(ep, q).filter(this.matcher(ep, q));
    this.listCache.delete(key);
    this.listCache.set(key, { version, rows });
    if (this.listCache.size > LIST_CACHE_ENTRIES) this.listCache.delete(this.listCache.keys().next().value as string);
    return rows;
  }

  /** The endpoint's table, plus the small tables filters and visibility rules look up (ticket types, lookups). */
  private listVersion(ep: Endpoint): string {
    const v = this.state.versions;
    return `${v[ep.table]}:${v.ticketTypes}:${v.lookups}`;
  }

  private ordered(ep: Endpoint, q: URLSearchParams): HaloRecord[] {
    const field = q.get('order') ?? ep.orderBy;
    const desc = truthy(q.get('orderdesc'));
    const cacheKey = `${ep.table}|${field ?? ''}|${desc}`;
    const version = this.state.versions[ep.table];
    const cached = this.orderCache.get(cacheKey);
    if (cached && cached.version === version) return cached.rows;
    let rows = [...this.state.tables[ep.table].values()];
    if (field) {
      const keyed = rows.map((r) => ({ r, k: sortKey(r[field]) }));
      keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : (a.r.id as number) - (b.r.id as number)));
      rows = keyed.map((x) => x.r);
    }
    if (desc) rows.reverse();
    this.orderCache.set(cacheKey, { version, rows });
    return rows;
  }

  /** The query's row test, with its parameters read and parsed once rather than per row. */
  private matcher(ep: Endpoint, q: URLSearchParams): (rec: HaloRecord) => boolean {
    const state = this.state;
    const tests: ((rec: HaloRecord) => boolean)[] = [];
    const visible = ep.visible;
    if (visible) tests.push((rec) => visible(rec, q, state));
    const inactiveFlag = ep.inactiveFlag;
    if (inactiveFlag) {
      const mode = q.get('activeinactive');
      let showActive = q.get('includeactive') === null || truthy(q.get('includeactive'));
      let showInactive = truthy(q.get('includeinactive'));
      if (mode !== null) {
        const parts = mode.toLowerCase().split(',').map((s) => s.trim());
        showActive = parts.includes('active') || parts.includes('true');
        showInactive = parts.includes('inactive') || parts.includes('false');
      }
      if (!showActive || !showInactive) tests.push((rec) => (rec[inactiveFlag] === true ? showInactive : showActive));
    }
    for (const [param, test] of Object.entries(ep.filters ?? {})) {
      const value = q.get(param);
      if (value !== null && value !== '') tests.push((rec) => test(rec, value, state));
    }
    const search = q.get('search');
    const searchFields = ep.search;
    if (search && searchFields) {
      const needle = search.toLowerCase();
      tests.push((rec) => searchFields.some((f) => String(rec[f] ?? '').toLowerCase().includes(needle)));
    }
    const lastUpdate = tableDef(ep.table).lastUpdate;
    if (ep.lastUpdateFilter && lastUpdate) {
      const from = parseHaloDate(q.get('lastupdatefromdate'));
      const to = parseHaloDate(q.get('lastupdatetodate'));
      if (from !== undefined || to !== undefined) {
        tests.push((rec) => {
          const at = parseHaloDate(rec[lastUpdate]) ?? 0;
          return !((from !== undefined && at < from) || (to !== undefined && at > to));
        });
      }
    }
    return (rec) => {
      for (const test of tests) if (!test(rec)) return false;
      return true;
    };
  }

  private post(ep: Endpoint, req: ApiRequest): ApiResponse {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch (err) {
      return this.validationError({ '': [`Unexpected character encountered while parsing value. ${(err as Error).message}`] });
    }
    const bound = bindBody(this.schema(ep), parsed);
    if (!bound.ok) return this.validationError(bound.errors);
    const saved: HaloRecord[] = [];
    for (const input of bound.records) {
      if (req.storeOverride) Object.assign(input, req.storeOverride);
      const existing = hasId(input.id) ? this.state.get(ep.table, input.id as RecordId) : undefined;
      let rec: HaloRecord;
      if (hasId(input.id)) {
        if (!existing) throw new HaloRuleError(400, `${ep.path} ${String(input.id)} does not exist`);
        rec = this.state.update(ep.table, existing.id as RecordId, input, req.app.agentId);
      } else {
        delete input.id;
        ep.beforeCreate?.(input, this.state);
        rec = this.state.create(ep.table, input, req.app.agentId);
      }
      ep.afterWrite?.(rec, input, this.state, req.app.agentId);
      saved.push(this.postView(ep, rec));
    }
    return this.json(200, saved.length === 1 ? saved[0] : saved, this.schema(ep));
  }

  /** DJPSA: POST responses name the ticket's last-update `lastupdate`, GETs `last_update`. */
  private postView(ep: Endpoint, rec: HaloRecord): HaloRecord {
    const out = this.view(ep, rec);
    if (ep.table !== 'tickets' || this.quirks.ticketPostLastUpdateKey === 'last_update') return out;
    const { last_update, ...rest } = out;
    return { ...rest, lastupdate: last_update };
  }

  private validationError(errors: FieldErrors): ApiResponse {
    if (this.quirks.validationErrorShape === 'modelstate') return this.jsonRaw(400, JSON.stringify(errors));
    return this.jsonRaw(400, JSON.stringify({
      type: 'https://tools.ietf.org/html/rfc7231#section-6.5.1', title: 'One or more validation errors occurred.', status: 400, errors,
    }));
  }

  private control(req: ApiRequest): ApiResponse {
    if (req.method === 'GET') return this.json(200, this.state.settings, 'Control');
    if (req.method !== 'POST') return methodNotAllowed();
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      return this.validationError({ '': ['Unexpected character encountered while parsing value.'] });
    }
    const bound = bindBody('Control', parsed);
    if (!bound.ok) return this.validationError(bound.errors);
    for (const patch of bound.records) Object.assign(this.state.settings, without(patch, 'id'));
    this.state.touchSettings();
    return this.json(200, this.state.settings, 'Control');
  }
}

function hasId(id: unknown): boolean {
  return (typeof id === 'number' && id > 0) || (typeof id === 'string' && id !== '' && id !== '00000000-0000-0000-0000-000000000000');
}

function positiveInt(v: string | null): number | undefined {
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Query parameters that page or shape a list but do not change which rows it selects or their order. */
const NON_FILTER_PARAMS = new Set(['pageinate', 'page_no', 'page_size', 'count', 'idonly', 'ticketidonly', 'includeaddress', 'includelines', 'includedetails']);
const LIST_CACHE_ENTRIES = 32;

function listCacheKey(ep: Endpoint, q: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const [k, v] of q) if (!NON_FILTER_PARAMS.has(k)) kept.append(k, v);
  return `${ep.path}?${kept.toString()}`;
}

function sortKey(v: unknown): string | number {
  return typeof v === 'number' ? v : String(v ?? '').toLowerCase();
}

export function notFound(): ApiResponse {
  return { status: 404, body: '' };
}

function methodNotAllowed(): ApiResponse {
  return { status: 405, body: '' };
}
