/**
 * The simulated tenant's data and the rules Halo applies when it changes: derived name fields, last-update
 * stamps, defaults, cascades and soft deletes. API writes and control edits both come through here, so both
 * bump timestamps and raise the same change events (which the webhook dispatcher turns into deliveries).
 */
import { randomUUID } from 'node:crypto';
import { EMPTY_DATE, SimClock, haloDate } from './clock';
import { QUOTE_LINE_QUANTITY_NAMES, QUOTE_LINE_UNIT_PRICE_NAMES, SimTruth, truthFor } from './truth';
import { CLOSED_STATUS_ID, RecordId, TABLE_NAMES, TableName, tableDef } from './tables';
import { HaloRecord, fillEmptyDates } from './wire';

export type ChangeKind = 'created' | 'updated' | 'deleted';

export interface Change {
  table: TableName;
  kind: ChangeKind;
  id: RecordId;
  before?: HaloRecord;
  after: HaloRecord;
  /** The agent the change is attributed to (webhook payloads carry it). */
  agentId: number;
}

/** A write Halo refuses. `body` is sent as JSON: Halo's business-rule errors are usually a bare string (§5.2). */
export class HaloRuleError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

const rule = (message: string) => new HaloRuleError(400, message);

/** Fields a write may set but Halo never stores: action flags (`_recover`, `_create_so`, …) and creation helpers. */
const TRANSIENT = /^(_|newclient_)/;

/** A tenant's data as `HaloState.exportData` gives it (JSON-safe). */
export interface HaloStateData {
  tables: Record<TableName, HaloRecord[]>;
  settings: HaloRecord;
  nextIds: Record<TableName, number>;
  nextLineId: number;
}

export function lookupKey(lookupid: number, id: number): string {
  return `${lookupid}:${id}`;
}

export class HaloState {
  readonly tables = Object.fromEntries(TABLE_NAMES.map((t) => [t, new Map<RecordId, HaloRecord>()])) as Record<
    TableName,
    Map<RecordId, HaloRecord>
  >;
  settings: HaloRecord = {};
  private readonly nextIds = Object.fromEntries(TABLE_NAMES.map((t) => [t, 1])) as Record<TableName, number>;
  private nextLineId = 1;
  private readonly listeners: ((change: Change) => void)[] = [];
  /**
   * The users that are a client's placeholder "General User". Halo knows them by a flag its API does not return;
   * `GET /api/Users?exclude_generaluser=true` leaves them out.
   */
  readonly generalUsers = new Set<RecordId>();
  /** Told of every change, settings included (after the fact): what a persisted simulator saves on. */
  private readonly dirtyListeners: (() => void)[] = [];
  /** Bumped on every change to a table, so list orderings can be cached between changes. */
  readonly versions = Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>;

  constructor(
    readonly clock: SimClock,
    /** The answers drawn from the seed where the evidence has none (`truth.ts`). */
    readonly truth: SimTruth = truthFor(1),
  ) {}

  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  onDirty(listener: () => void): void {
    this.dirtyListeners.push(listener);
  }

  /** Marks the instance settings changed (they are written in place by `/api/Control` and the control handle). */
  touchSettings(): void {
    for (const l of this.dirtyListeners) l();
  }

  /** Everything a restart needs to come back as this tenant: every table, the settings and the id counters. */
  exportData(): HaloStateData {
    return {
      tables: Object.fromEntries(TABLE_NAMES.map((t) => [t, [...this.tables[t].values()]])) as Record<TableName, HaloRecord[]>,
      settings: this.settings,
      nextIds: { ...this.nextIds },
      nextLineId: this.nextLineId,
    };
  }

  /** Replaces all data with an export (records as stored: derived fields included, no stamping, no events). */
  importData(data: HaloStateData): void {
    for (const t of TABLE_NAMES) {
      const map = this.tables[t];
      map.clear();
      for (const rec of data.tables[t] ?? []) map.set(t === 'lookups' ? lookupKey(rec.lookupid as number, rec.id as number) : (rec.id as RecordId), rec);
      this.versions[t]++;
    }
    this.settings = data.settings;
    Object.assign(this.nextIds, data.nextIds);
    this.nextLineId = data.nextLineId;
  }

  get(table: TableName, id: RecordId): HaloRecord | undefined {
    const map = this.tables[table];
    return map.get(id) ?? (typeof id === 'string' && /^\d+$/.test(id) ? map.get(Number(id)) : undefined);
  }

  require(table: TableName, id: RecordId, what: string): HaloRecord {
    const rec = this.get(table, id);
    if (!rec) throw rule(`${what} ${String(id)} does not exist`);
    return rec;
  }

  lookup(lookupid: number, id: unknown): HaloRecord | undefined {
    return typeof id === 'number' ? this.tables.lookups.get(lookupKey(lookupid, id)) : undefined;
  }

  /** Stores a seed record as-is (plus derived fields), without stamping or events. */
  load(table: TableName, rec: HaloRecord): HaloRecord {
    const id = rec.id as RecordId;
    if (typeof id === 'number') {
      if (table === 'lookups') this.tables.lookups.set(lookupKey(rec.lookupid as number, id), rec);
      else this.nextIds[table] = Math.max(this.nextIds[table], id + 1);
    }
    for (const line of (rec.lines as HaloRecord[] | undefined) ?? []) this.nextLineId = Math.max(this.nextLineId, (line.id as number) + 1);
    this.derive(table, rec);
    if (table !== 'lookups') this.tables[table].set(id, rec);
    this.versions[table]++;
    return rec;
  }

  create(table: TableName, input: HaloRecord, agentId: number): HaloRecord {
    const def = tableDef(table);
    const rec: HaloRecord = {};
    this.assign(rec, input);
    this.validate(table, rec, undefined);
    rec.id = this.newId(table, rec);
    const now = haloDate(this.clock.now());
    if (def.created) rec[def.created] ??= now;
    if (def.lastUpdate) rec[def.lastUpdate] = now;
    Object.assign(rec, { ...this.defaults(table, rec), ...rec });
    if (table === 'quotes' || table === 'salesOrders') rec.lines = this.lines(table, rec.id as number, input.lines, []);
    this.derive(table, rec);
    fillEmptyDates(def.schema, rec);
    this.tables[table].set(table === 'lookups' ? lookupKey(rec.lookupid as number, rec.id as number) : (rec.id as RecordId), rec);
    this.emit({ table, kind: 'created', id: rec.id as RecordId, after: rec, agentId });
    if (table === 'clients') this.createClientSiteAndContact(rec, input, agentId);
    if (table === 'quotes' && input._create_so === true) this.createSalesOrderFromQuote(rec, agentId);
    return rec;
  }

  update(table: TableName, id: RecordId, input: HaloRecord, agentId: number): HaloRecord {
    const def = tableDef(table);
    const rec = this.get(table, id);
    if (!rec || (rec.deleted === true && input._recover !== true)) throw rule(`${labelOf(table)} ${String(id)} does not exist`);
    const before = structuredClone(rec);
    const patch = { ...input };
    delete patch.id;
    this.validate(table, { ...rec, ...stripTransient(patch) }, rec);
    this.assign(rec, patch);
    if (table === 'tickets' && input._recover === true) rec.deleted = false;
    if ((table === 'quotes' || table === 'salesOrders') && Array.isArray(input.lines)) {
      rec.lines = this.lines(table, rec.id as number, input.lines, (rec.lines as HaloRecord[] | undefined) ?? []);
    }
    if (def.lastUpdate) rec[def.lastUpdate] = haloDate(this.clock.now());
    this.derive(table, rec);
    fillEmptyDates(def.schema, rec);
    this.emit({ table, kind: 'updated', id: rec.id as RecordId, before, after: rec, agentId });
    if (table === 'quotes' && input._create_so === true && !rec.salesorder_id) this.createSalesOrderFromQuote(rec, agentId);
    return rec;
  }

  /**
   * Tickets are soft-deleted (`deleted: true`, listed with `deleted=true`, restored with `_recover`); everything
   * else is removed. Deleting a client takes its sites and contacts with it; deleting a webhook, its subscriptions.
   */
  remove(table: TableName, id: RecordId, agentId: number): HaloRecord {
    const rec = this.get(table, id);
    if (!rec || rec.deleted === true) throw new HaloRuleError(404, `${labelOf(table)} ${String(id)} does not exist`);
    if (table === 'tickets') {
      const before = structuredClone(rec);
      rec.deleted = true;
      rec.last_update = haloDate(this.clock.now());
      this.emit({ table, kind: 'deleted', id: rec.id as RecordId, before, after: rec, agentId });
      return rec;
    }
    this.tables[table].delete(table === 'lookups' ? lookupKey(rec.lookupid as number, rec.id as number) : (rec.id as RecordId));
    if (table === 'clients') {
      const siteIds = new Set<unknown>();
      for (const [sid, site] of this.tables.sites) if (site.client_id === rec.id) (siteIds.add(sid), this.tables.sites.delete(sid));
      for (const [uid, user] of this.tables.users) if (siteIds.has(user.site_id)) this.tables.users.delete(uid);
      this.versions.sites++;
      this.versions.users++;
    }
    if (table === 'webhooks') {
      for (const [nid, n] of this.tables.notifications) if (n.webhook_id === rec.id) this.tables.notifications.delete(nid);
      this.versions.notifications++;
    }
    this.emit({ table, kind: 'deleted', id: rec.id as RecordId, before: rec, after: rec, agentId });
    return rec;
  }

  /** Marks a table changed by a direct field write (outside create/update/remove), so cached list orders and filters refresh. */
  touch(table: TableName): void {
    this.versions[table]++;
    for (const l of this.dirtyListeners) l();
  }

  private emit(change: Change): void {
    this.versions[change.table]++;
    for (const listener of this.listeners) listener(change);
    for (const l of this.dirtyListeners) l();
  }

  private assign(rec: HaloRecord, input: HaloRecord): void {
    for (const [k, v] of Object.entries(input)) if (!TRANSIENT.test(k) && k !== 'lines') rec[k] = v;
  }

  private newId(table: TableName, rec: HaloRecord): RecordId {
    if (tableDef(table).uuidIds) return randomUUID();
    if (table === 'lookups') {
      let max = 0;
      for (const row of this.tables.lookups.values()) if (row.lookupid === rec.lookupid) max = Math.max(max, row.id as number);
      return max + 1;
    }
    return this.nextIds[table]++;
  }

  /** Business rules Halo enforces on save; each failure is a 400 with a bare-string body. */
  private validate(table: TableName, rec: HaloRecord, existing: HaloRecord | undefined): void {
    const blank = (v: unknown) => v === undefined || v === null || String(v).trim() === '';
    const ref = (field: string, target: TableName, what: string) => {
      const v = rec[field];
      if (!blank(v) && v !== 0 && v !== existing?.[field]) this.require(target, v as RecordId, what);
    };
    switch (table) {
      case 'clients':
        if (blank(rec.name)) throw rule('Please enter a name for this Customer');
        break;
      case 'sites':
        if (blank(rec.name)) throw rule('Please enter a name for this Site');
        if (blank(rec.client_id)) throw rule('Please select a Customer for this Site');
        ref('client_id', 'clients', 'Customer');
        break;
      case 'users':
        if (blank(rec.name) && blank(rec.surname) && blank(rec.firstname)) throw rule('Please enter a name for this User');
        if (blank(rec.site_id)) throw rule('Please select a Site for this User');
        ref('site_id', 'sites', 'Site');
        break;
      case 'items':
        if (blank(rec.name)) throw rule('Please enter a name for this Item');
        ref('assetgroup_id', 'assetGroups', 'Asset Group');
        ref('taxcode', 'taxes', 'Tax');
        break;
      case 'tickets':
        if (blank(rec.summary)) throw rule('Please enter a Summary');
        ref('client_id', 'clients', 'Customer');
        ref('site_id', 'sites', 'Site');
        ref('tickettype_id', 'ticketTypes', 'Ticket Type');
        ref('status_id', 'statuses', 'Status');
        break;
      case 'quotes':
      case 'salesOrders':
        if (blank(rec.client_id)) throw rule('Please select a Customer');
        ref('client_id', 'clients', 'Customer');
        ref('ticket_id', 'tickets', 'Ticket');
        break;
      case 'webhooks':
        if (blank(rec.url) && (rec.type ?? 0) === 0) throw rule('Please enter a URL for this Webhook');
        break;
      case 'notifications':
        if (!blank(rec.webhook_id)) ref('webhook_id', 'webhooks', 'Webhook');
        break;
      case 'lookups':
        if (blank(rec.lookupid)) throw rule('lookupid is required');
        break;
      default:
        break;
    }
  }

  private defaults(table: TableName, rec: HaloRecord): HaloRecord {
    switch (table) {
      case 'clients':
        return { inactive: false, toplevel_id: 1, website: '', notes: '', customertype: 1, is_account: false, is_vip: false, main_site_id: 0 };
      case 'sites':
        return { inactive: false, phonenumber: '', country_code: '', region_code: 0, isinvoicesite: false };
      case 'users':
        return { inactive: false, emailaddress: '', phonenumber: '', mobilenumber: '', is_prospect: false, isimportantcontact: false };
      case 'items':
        return { inactive: false, assetgroup_id: 0, baseprice: 0, costprice: 0, recurringprice: 0, recurringcost: 0, isrecurringitem: false, item_default_billing_period: 0, taxcode: 0, nominalcode: '', purchasenominalcode: '', description: '' };
      case 'tickets': {
        const type = this.get('ticketTypes', rec.tickettype_id as RecordId);
        return {
          tickettype_id: 1, status_id: (type?.initial_status as number | undefined) ?? 1, client_id: 0, site_id: 0, user_id: 0, agent_id: 1,
          team: (type?.default_team as string | undefined) ?? '', deleted: false, dateoccurred: rec.datecreated, dateclosed: EMPTY_DATE,
          pipeline_stage_id: this.settings.show_pipeline_stages === true ? (this.settings.default_pipeline_stage ?? 0) : 0,
          priority_id: 3, oppvalue: 0,
        };
      }
      case 'quotes':
        return { status: 1, date: haloDate(this.clock.peek()), expiry_date: EMPTY_DATE, salesorder_id: 0, ticket_id: 0, note: '' };
      case 'salesOrders':
        return { status: 1, open_status: 0, date: haloDate(this.clock.peek()), quotation_id: 0, ticket_id: 0 };
      case 'webhooks':
        return { type: 0, method: 0, content_type: 'application/json', authentication_type: 0, active: true, disabled: false, payload_type: 1 };
      case 'notifications':
        return { type: -2, delivery_method: 6, restriction_type: 0, conditions: [] };
      case 'agents':
        return { isdisabled: false, is_agent: true };
      default:
        return {};
    }
  }

  /** Recomputes the read-only companions Halo returns next to the ids (names, totals, closed flags). */
  private derive(table: TableName, rec: HaloRecord): void {
    const name = (t: TableName, id: unknown, field = 'name') => (this.get(t, id as RecordId)?.[field] as string | undefined) ?? '';
    switch (table) {
      case 'clients':
        rec.main_site_name = name('sites', rec.main_site_id);
        rec.customertype_new = (this.lookup(this.truth.lookupIds.customerType, rec.customertype)?.name as string | undefined) ?? '';
        break;
      case 'sites': {
        rec.client_name = name('clients', rec.client_id);
        rec.clientsite_name = `${String(rec.client_name)}/${String(rec.name)}`;
        const country = [...this.countries()].find((c) => c.value2 === rec.country_code);
        rec.country_code_name = (country?.name as string | undefined) ?? '';
        rec.region_code_name = (this.lookup(this.truth.lookupIds.regionCode, rec.region_code)?.name as string | undefined) ?? '';
        break;
      }
      case 'users': {
        if (!rec.name) rec.name = [rec.firstname, rec.surname].filter(Boolean).join(' ');
        if (rec.firstname === undefined && typeof rec.name === 'string') {
          const [first, ...rest] = rec.name.split(' ');
          rec.firstname = first ?? '';
          rec.surname = rest.join(' ');
        }
        const site = this.get('sites', rec.site_id as RecordId);
        rec.site_name = (site?.name as string | undefined) ?? '';
        rec.client_id = (site?.client_id as number | undefined) ?? 0;
        rec.client_name = name('clients', rec.client_id);
        break;
      }
      case 'items': {
        const group = this.get('assetGroups', rec.assetgroup_id as RecordId);
        rec.assetgroup_name = (group?.name as string | undefined) ?? '';
        rec.item_group_nominalcode = (group?.nominalcode as string | undefined) ?? '';
        rec.item_group_taxcode = (group?.tax_id as number | undefined) ?? 0;
        rec.taxcode_name = name('taxes', rec.taxcode);
        break;
      }
      case 'tickets': {
        rec.client_name = name('clients', rec.client_id);
        rec.site_name = name('sites', rec.site_id);
        rec.user_name = name('users', rec.user_id);
        rec.agent_name = name('agents', rec.agent_id);
        rec.tickettype_name = name('ticketTypes', rec.tickettype_id);
        rec.status_name = name('statuses', rec.status_id);
        const closed = this.get('statuses', rec.status_id as RecordId)?.type === 2 || rec.status_id === CLOSED_STATUS_ID;
        if (closed && rec.hasbeenclosed !== true) rec.dateclosed = haloDate(this.clock.peek());
        if (!closed) rec.dateclosed = EMPTY_DATE;
        rec.hasbeenclosed = closed;
        // Stages only exist while "Enable Pipeline Stages" is on; writes to them are ignored otherwise.
        if (this.settings.show_pipeline_stages !== true) rec.pipeline_stage_id = 0;
        rec.pipeline_stage_name = (this.lookup(this.truth.lookupIds.pipelineStage, rec.pipeline_stage_id)?.name as string | undefined) ?? '';
        break;
      }
      case 'quotes':
      case 'salesOrders': {
        rec.client_name = name('clients', rec.client_id);
        rec.site_name = name('sites', rec.site_id);
        rec.user_name = name('users', rec.user_id);
        const lines = (rec.lines as HaloRecord[] | undefined) ?? [];
        const sum = (f: string) => round2(lines.reduce((s, l) => s + ((l[f] as number | undefined) ?? 0), 0));
        rec.tax_total = sum('total_tax');
        rec.total = sum('total_price');
        const cost = round2(lines.reduce((s, l) => s + num(l.costprice) * num(l[this.truth.quoteLineQuantityField], 1), 0));
        if (table === 'quotes') rec.margin = rec.total === 0 ? 0 : round2((sum('net_total') - cost) / sum('net_total') * 100);
        else rec.cost = cost;
        if (table === 'quotes') rec.status_name = (this.lookup(this.truth.lookupIds.quoteStatus, rec.status)?.name as string | undefined) ?? '';
        break;
      }
      case 'notifications':
        rec.name ??= '';
        break;
      default:
        break;
    }
  }

  *countries(): Iterable<HaloRecord> {
    for (const row of this.tables.lookups.values()) if (row.lookupid === this.truth.lookupIds.countryCode) yield row;
  }

  /**
   * Posting `lines` replaces the set: lines with a known id keep it, the rest are new (Halo's editor saves whole).
   * The quantity and unit price are read from this Halo's names only (`truth`); the other candidate names are
   * ignored like any unknown JSON property, so an ignored quantity stays at Halo's default 1 and an ignored price
   * at 0. The line is stored and returned under this Halo's names.
   */
  private lines(table: TableName, headerId: number, input: unknown, existing: HaloRecord[]): HaloRecord[] {
    if (!Array.isArray(input)) return existing;
    const headerKey = table === 'quotes' ? 'qhid' : 'salesorder_id';
    const { quoteLineQuantityField: qtyField, quoteLineUnitPriceField: priceField } = this.truth;
    return (input as HaloRecord[]).map((raw, i) => {
      const old = existing.find((l) => l.id === raw.id && raw.id);
      const given = withoutCandidates(raw);
      const line: HaloRecord = { ...(old ?? {}), ...given };
      line.id = old ? old.id : this.nextLineId++;
      line[headerKey] = headerId;
      line.sort_seq ??= i + 1;
      const quantity = num(raw[qtyField], old ? num(old[qtyField], 1) : 1);
      line[qtyField] = quantity;
      const price = num(raw[priceField], old ? num(old[priceField]) : 0);
      line[priceField] = price;
      line.costprice = num(line.costprice);
      const item = this.get('items', line.item_id as RecordId);
      if (item) line.name ??= item.name;
      const taxId = (line.override_tax_code as number | undefined) || (line.item_tax_code as number | undefined) || 0;
      const rate = num(this.get('taxes', taxId)?.value);
      const net = round2(quantity * price * (1 - num(line.discount_perc) / 100));
      line.net_total = net;
      line.total_tax = round2((net * rate) / 100);
      line.total_price = round2(net + (line.total_tax as number));
      line.item_recurring ??= false;
      line.billingperiod ??= 0;
      return line;
    });
  }

  private createClientSiteAndContact(client: HaloRecord, input: HaloRecord, agentId: number): void {
    const site = this.create('sites', {
      name: (input.newclient_sitename as string | undefined) || 'Main',
      client_id: client.id,
      phonenumber: input.newclient_phonenumber ?? '',
      country_code: input.newclient_countrycode ?? '',
      region_code: input.newclient_regioncode ?? 0,
      delivery_address: input.newclient_delivery_address ?? null,
      isinvoicesite: true,
    }, agentId);
    client.main_site_id = site.id;
    client.main_site_name = site.name;
    this.touch('clients');
    if (input.newclient_contactname || input.newclient_contactemail) {
      this.create('users', { name: input.newclient_contactname || input.newclient_contactemail, emailaddress: input.newclient_contactemail ?? '', site_id: site.id }, agentId);
    }
  }

  private createSalesOrderFromQuote(quote: HaloRecord, agentId: number): void {
    const order = this.create('salesOrders', {
      title: quote.title ?? '', client_id: quote.client_id, site_id: quote.site_id ?? 0, user_id: quote.user_id ?? 0,
      ticket_id: quote.ticket_id ?? 0, quotation_id: quote.id,
      lines: ((quote.lines as HaloRecord[] | undefined) ?? []).map(({ id, qhid: _qhid, ...line }) => ({ ...line, quotation_line_id: id })),
    }, agentId);
    quote.salesorder_id = order.id;
    this.touch('quotes');
  }
}

/** Every name a quote line's quantity or unit price may be sent under (`truth.ts`); only this Halo's are read. */
const LINE_CANDIDATES: readonly string[] = [...QUOTE_LINE_QUANTITY_NAMES, ...QUOTE_LINE_UNIT_PRICE_NAMES];

function withoutCandidates(line: HaloRecord): HaloRecord {
  return Object.fromEntries(Object.entries(line).filter(([k]) => !LINE_CANDIDATES.includes(k)));
}

function stripTransient(rec: HaloRecord): HaloRecord {
  return Object.fromEntries(Object.entries(rec).filter(([k]) => !TRANSIENT.test(k)));
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function labelOf(table: TableName): string {
  return { tickets: 'Ticket', clients: 'Customer', sites: 'Site', users: 'User', items: 'Item', quotes: 'Quote', salesOrders: 'Sales Order' }[
    table as string
  ] ?? 'Record';
}
