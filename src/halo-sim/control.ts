/**
 * The in-process handle tests use to look at and change the simulated tenant "as a person in Halo would"
 * (edits stamp last-update times and fire webhooks), and to arm faults. `/_sim/*` exposes the same over HTTP
 * for a standalone simulator driven by scripts.
 */
import { IncomingMessage } from 'node:http';
import { ApiResponse } from './api';
import { AuthServer, SimApp, SimAppInput } from './auth';
import { haloDate } from './clock';
import { EndpointPattern, FaultInjector, FaultSpec, RateLimit, RollingRateLimiter } from './faults';
import { API_AGENT_ID, PRIMARY_CLIENT } from './seed';
import { RequestLogEntry, SimServer } from './server';
import { HaloState } from './state';
import { RecordId, TABLE_NAMES, TableName, tableDef } from './tables';
import type { SimEventDef, SimEventTable, SimEventTrigger } from './truth';
import { WebhookDelivery, WebhookDispatcher, WebhookFaultSpec } from './webhooks';
import { HaloRecord, bindBody } from './wire';

export interface EditOptions {
  /** The agent the edit is attributed to in webhook payloads (default 2, a person, not the API agent). */
  agentId?: number;
}

/** An event as an admin picks it in Halo's UI: by what it is about, or by its number. */
export type AdminEventChoice = { table: SimEventTable; trigger: SimEventTrigger } | { eventno: number };

export interface PageChange {
  /** The list request after whose page the change happens, e.g. `'GET /api/Client'`. */
  match: EndpointPattern;
  /** Page number after which to change (default 1). */
  afterPage?: number;
  change: (control: SimControl) => void;
}

export interface SimControl {
  readonly primaryClientId: number;
  readonly apiAgentId: number;

  /** Copies of a table's records (tickets include soft-deleted ones; check `deleted`). */
  list(table: TableName, where?: (rec: HaloRecord) => boolean): HaloRecord[];
  get(table: TableName, id: RecordId): HaloRecord | undefined;
  count(table: TableName): number;
  create(table: TableName, fields: HaloRecord, opts?: EditOptions): HaloRecord;
  update(table: TableName, id: RecordId, patch: HaloRecord, opts?: EditOptions): HaloRecord;
  /** Tickets are soft-deleted; other records are removed. */
  delete(table: TableName, id: RecordId, opts?: EditOptions): HaloRecord;
  inactivate(table: TableName, id: RecordId, opts?: EditOptions): HaloRecord;
  settings(): HaloRecord;
  updateSettings(patch: HaloRecord): HaloRecord;

  addApp(app: SimAppInput): SimApp;
  setAgentActive(agentId: number, active: boolean): void;
  expireTokens(): void;
  /** Every token, issued or to come, answers 401 (expired) after `uses` more API requests; undefined lifts it. */
  setTokenUses(uses: number | undefined): void;
  /** The users that are a client's placeholder "General User" (left out by `/api/Users?exclude_generaluser=true`). */
  generalUserIds(): RecordId[];
  /** Simulator time as Halo writes it. */
  now(): string;
  /** Moves simulator time forward: ages tokens, rate-limit windows and future last-update stamps. */
  advanceTime(ms: number): void;

  /** Logged requests, oldest first: the most recent 100,000 (REQUEST_LOG_LIMIT) since `resetCounts()`. */
  requests(pattern?: EndpointPattern): RequestLogEntry[];
  /** Every matching request since `resetCounts()`, also those `requests()` no longer keeps. */
  requestCount(pattern?: EndpointPattern): number;
  resetCounts(): void;

  setFault(fault: FaultSpec): number;
  clearFaults(id?: number): void;
  activeFaults(): FaultSpec[];
  setRateLimit(limit: RateLimit | false): void;
  resetRateLimit(): void;

  webhookDeliveries(): WebhookDelivery[];
  setWebhookFault(fault: WebhookFaultSpec): void;
  clearWebhookFaults(): void;
  /** Resolves once every queued webhook delivery has been attempted. */
  webhooksIdle(): Promise<void>;
  /** Every event this Halo raises (its catalogue; the oracle tests judge by). */
  webhookEventCatalogue(): SimEventDef[];
  /**
   * What an admin does in Halo's UI (Configuration > Integrations > Webhooks > a webhook > Events): ticks an
   * event for the webhook. Creates the Notification row Halo would, named after the event; ticking one already
   * ticked changes nothing. Throws when the webhook does not exist or this Halo has no such event.
   */
  adminSubscribe(webhookId: string, event: AdminEventChoice, opts?: EditOptions): HaloRecord;

  changeBetweenPages(spec: PageChange): void;
}

/** Default author of control edits: Alice Admin, a person (webhook payloads carry the agent id). */
const PERSON_AGENT_ID = 2;

export class Control implements SimControl {
  readonly primaryClientId = PRIMARY_CLIENT.id;
  readonly apiAgentId = API_AGENT_ID;

  constructor(
    private readonly state: HaloState,
    private readonly auth: AuthServer,
    private readonly server: SimServer,
    private readonly faults: FaultInjector,
    private readonly limiter: RollingRateLimiter,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  list(table: TableName, where?: (rec: HaloRecord) => boolean): HaloRecord[] {
    const rows = [...this.state.tables[table].values()];
    return structuredClone(where ? rows.filter(where) : rows);
  }

  get(table: TableName, id: RecordId): HaloRecord | undefined {
    const rec = this.state.get(table, id);
    return rec && structuredClone(rec);
  }

  count(table: TableName): number {
    return this.state.tables[table].size;
  }

  create(table: TableName, fields: HaloRecord, opts: EditOptions = {}): HaloRecord {
    return structuredClone(this.state.create(table, this.typed(table, fields), opts.agentId ?? PERSON_AGENT_ID));
  }

  update(table: TableName, id: RecordId, patch: HaloRecord, opts: EditOptions = {}): HaloRecord {
    return structuredClone(this.state.update(table, id, this.typed(table, patch), opts.agentId ?? PERSON_AGENT_ID));
  }

  delete(table: TableName, id: RecordId, opts: EditOptions = {}): HaloRecord {
    return structuredClone(this.state.remove(table, id, opts.agentId ?? PERSON_AGENT_ID));
  }

  inactivate(table: TableName, id: RecordId, opts: EditOptions = {}): HaloRecord {
    return this.update(table, id, { inactive: true }, opts);
  }

  settings(): HaloRecord {
    return structuredClone(this.state.settings);
  }

  updateSettings(patch: HaloRecord): HaloRecord {
    Object.assign(this.state.settings, this.typed('Control', patch));
    this.state.touchSettings();
    return this.settings();
  }

  addApp(app: SimAppInput): SimApp {
    return this.auth.addApp(app);
  }

  setAgentActive(agentId: number, active: boolean): void {
    this.state.require('agents', agentId, 'Agent').isdisabled = !active;
    this.state.touch('agents');
  }

  expireTokens(): void {
    this.auth.expireAll();
  }

  setTokenUses(uses: number | undefined): void {
    this.auth.setTokenUses(uses);
  }

  generalUserIds(): RecordId[] {
    return [...this.state.generalUsers].filter((id) => this.state.get('users', id));
  }

  now(): string {
    return haloDate(this.state.clock.peek());
  }

  advanceTime(ms: number): void {
    this.state.clock.advance(ms);
  }

  requests(pattern?: EndpointPattern): RequestLogEntry[] {
    return this.server.log.entries(pattern).map((e) => ({ ...e, query: { ...e.query } }));
  }

  requestCount(pattern?: EndpointPattern): number {
    return this.server.log.count(pattern);
  }

  resetCounts(): void {
    this.server.log.clear();
  }

  setFault(fault: FaultSpec): number {
    return this.faults.add(fault);
  }

  clearFaults(id?: number): void {
    this.faults.clear(id);
  }

  activeFaults(): FaultSpec[] {
    return this.faults.list();
  }

  setRateLimit(limit: RateLimit | false): void {
    this.limiter.limit = limit;
    this.limiter.reset();
  }

  resetRateLimit(): void {
    this.limiter.reset();
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.log();
  }

  setWebhookFault(fault: WebhookFaultSpec): void {
    this.webhooks.setFault(fault);
  }

  clearWebhookFaults(): void {
    this.webhooks.clearFaults();
  }

  webhooksIdle(): Promise<void> {
    return this.webhooks.idle();
  }

  webhookEventCatalogue(): SimEventDef[] {
    return structuredClone(this.state.truth.events);
  }

  adminSubscribe(webhookId: string, choice: AdminEventChoice, opts: EditOptions = {}): HaloRecord {
    const hook = this.state.get('webhooks', webhookId);
    if (!hook) throw new Error(`webhook ${webhookId} does not exist`);
    const event = this.state.truth.events.find((e) => ('eventno' in choice ? e.eventno === choice.eventno : e.table === choice.table && e.trigger === choice.trigger));
    if (!event) throw new Error(`this Halo has no event ${'eventno' in choice ? String(choice.eventno) : `for ${choice.table} ${choice.trigger}`}`);
    const existing = [...this.state.tables.notifications.values()].find((n) => n.webhook_id === hook.id && Number(n.eventno) === event.eventno);
    if (existing) return structuredClone(existing);
    const created = this.state.create(
      'notifications',
      { webhook_id: hook.id, eventno: event.eventno, name: event.name, type: -2, delivery_method: 6, restriction_type: 0, conditions: [] },
      opts.agentId ?? PERSON_AGENT_ID,
    );
    return structuredClone(created);
  }

  changeBetweenPages(spec: PageChange): void {
    this.server.pageHooks.push({ match: spec.match, afterPage: spec.afterPage ?? 1, run: () => spec.change(this) });
  }

  /** Control edits are type-checked like API writes, so a test cannot plant a value Halo would never hold. */
  private typed(tableOrSchema: TableName | 'Control', fields: HaloRecord): HaloRecord {
    const schema = tableOrSchema === 'Control' ? 'Control' : tableDef(tableOrSchema).schema;
    const bound = bindBody(schema, [fields]);
    if (!bound.ok) throw new Error(`invalid ${tableOrSchema} fields: ${JSON.stringify(bound.errors)}`);
    const out = bound.records[0] as HaloRecord;
    // Action flags and creation helpers are not in every schema but the state understands them.
    for (const [k, v] of Object.entries(fields)) if (/^(_|newclient_|lines$)/.test(k) && !(k in out)) out[k] = v;
    return out;
  }
}

type Route = (c: Control, params: string[], body: HaloRecord, url: URL) => Promise<unknown> | unknown;

const asTable = (name: string | undefined): TableName => {
  if (!name || !(TABLE_NAMES as string[]).includes(name)) throw new ControlHttpError(404, `unknown table ${String(name)}`);
  return name as TableName;
};
const idOf = (raw: string | undefined): RecordId => (raw && /^\d+$/.test(raw) ? Number(raw) : (raw ?? ''));

class ControlHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The HTTP mirror of SimControl, kept to what scripts need. Every body and answer is JSON. */
const ROUTES: [string, RegExp, Route][] = [
  ['GET', /^tables\/(\w+)$/, (c, [t], _b, url) => c.list(asTable(t)).slice(0, Number(url.searchParams.get('limit') ?? 1000))],
  ['GET', /^tables\/(\w+)\/([\w-]+)$/, (c, [t, id]) => c.get(asTable(t), idOf(id)) ?? Promise.reject(new ControlHttpError(404, 'not found'))],
  ['POST', /^tables\/(\w+)$/, (c, [t], b) => c.create(asTable(t), b)],
  ['PATCH', /^tables\/(\w+)\/([\w-]+)$/, (c, [t, id], b) => c.update(asTable(t), idOf(id), b)],
  ['DELETE', /^tables\/(\w+)\/([\w-]+)$/, (c, [t, id]) => c.delete(asTable(t), idOf(id))],
  ['GET', /^settings$/, (c) => c.settings()],
  ['PATCH', /^settings$/, (c, _p, b) => c.updateSettings(b)],
  ['POST', /^apps$/, (c, _p, b) => c.addApp(b as unknown as SimAppInput)],
  ['POST', /^agents\/(\d+)\/active$/, (c, [id], b) => c.setAgentActive(Number(id), b.active !== false)],
  ['POST', /^tokens\/expire$/, (c) => c.expireTokens()],
  ['PUT', /^tokens\/uses$/, (c, _p, b) => c.setTokenUses(b.uses == null ? undefined : Number(b.uses))],
  ['GET', /^general-users$/, (c) => c.generalUserIds()],
  ['POST', /^time\/advance$/, (c, _p, b) => c.advanceTime(Number(b.ms ?? 0))],
  ['GET', /^requests$/, (c, _p, _b, url) => c.requests(patternFrom(url))],
  ['GET', /^requests\/count$/, (c, _p, _b, url) => ({ count: c.requestCount(patternFrom(url)) })],
  ['DELETE', /^requests$/, (c) => c.resetCounts()],
  ['GET', /^faults$/, (c) => c.activeFaults()],
  ['POST', /^faults$/, (c, _p, b) => ({ id: c.setFault(b as unknown as FaultSpec) })],
  ['DELETE', /^faults$/, (c) => c.clearFaults()],
  ['PUT', /^rate-limit$/, (c, _p, b) => c.setRateLimit(b.max ? { max: Number(b.max), windowMs: Number(b.windowMs ?? 300_000) } : false)],
  ['GET', /^webhooks\/deliveries$/, (c) => c.webhookDeliveries()],
  ['POST', /^webhooks\/faults$/, (c, _p, b) => c.setWebhookFault(b as unknown as WebhookFaultSpec)],
  ['DELETE', /^webhooks\/faults$/, (c) => c.clearWebhookFaults()],
  ['POST', /^webhooks\/idle$/, (c) => c.webhooksIdle()],
  ['GET', /^webhooks\/events$/, (c) => c.webhookEventCatalogue()],
  [
    'POST', /^webhooks\/([\w-]+)\/events$/,
    (c, [id], b) => c.adminSubscribe(id ?? '', b.eventno !== undefined ? { eventno: Number(b.eventno) } : { table: b.table as SimEventTable, trigger: b.trigger as SimEventTrigger }),
  ],
  [
    'POST', /^page-change$/,
    (c, _p, b) => {
      const op = b.change as { kind: 'create' | 'update' | 'delete'; table: string; id?: RecordId; fields?: HaloRecord };
      c.changeBetweenPages({
        match: b.match as string,
        afterPage: Number(b.afterPage ?? 1),
        change: (ctl) => {
          const table = asTable(op.table);
          if (op.kind === 'create') ctl.create(table, op.fields ?? {});
          else if (op.kind === 'update') ctl.update(table, op.id ?? 0, op.fields ?? {});
          else ctl.delete(table, op.id ?? 0);
        },
      });
    },
  ],
];

function patternFrom(url: URL): EndpointPattern | undefined {
  const path = url.searchParams.get('path') ?? undefined;
  const method = url.searchParams.get('method') ?? undefined;
  return path || method ? { path, method } : undefined;
}

export function controlHttpHandler(control: Control) {
  return async (req: IncomingMessage, url: URL, body: string): Promise<ApiResponse> => {
    const sub = url.pathname.slice('/_sim/'.length).replace(/\/+$/, '');
    for (const [method, pattern, route] of ROUTES) {
      const m = pattern.exec(sub);
      if (!m || method !== req.method) continue;
      try {
        const parsed = body ? (JSON.parse(body) as HaloRecord) : {};
        const result = await route(control, m.slice(1), parsed, url);
        return { status: 200, body: JSON.stringify(result ?? { ok: true }), contentType: 'application/json' };
      } catch (err) {
        const status = err instanceof ControlHttpError ? err.status : 400;
        return { status, body: JSON.stringify({ error: err instanceof Error ? err.message : String(err) }), contentType: 'application/json' };
      }
    }
    return { status: 404, body: JSON.stringify({ error: `no control route ${req.method ?? ''} /_sim/${sub}` }), contentType: 'application/json' };
  };
}
