/**
 * The HTTP front: request log, rolling rate limit, injected faults, then the authorisation server
 * (`/auth/token`), discovery (`/api/authinfo`) and the resource server (`/api/*`).
 */
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiResponse, HaloApi, endpointArea, notFound } from './api';
import { AuthServer } from './auth';
import { EndpointPattern, FaultInjector, FaultSpec, RollingRateLimiter, matcher, matches } from './faults';
import { SimQuirks } from './quirks';
import { HaloState } from './state';

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** 0 while the request is still being answered (e.g. hanging). */
  status: number;
  /** Simulator time, ms since the epoch. */
  at: number;
  durationMs: number;
  fault?: FaultSpec['kind'];
}

/** Requests `requests()` keeps (the most recent); counts stay exact beyond it. */
export const REQUEST_LOG_LIMIT = 100_000;

/**
 * The request log: the last `limit` entries in a ring, so a long benchmark cannot grow it without bound, and a
 * count per method and path of every request since the last `clear()`, so `requestCount()` stays exact.
 */
export class RequestLog {
  private ring: RequestLogEntry[] = [];
  /** Index of the oldest entry once the ring is full. */
  private head = 0;
  /** Per `METHOD path`: one entry per distinct request path (ids included), not per request. */
  private counts = new Map<string, { method: string; path: string; n: number }>();

  constructor(readonly limit = REQUEST_LOG_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`request log limit must be a positive integer, not ${limit}`);
  }

  push(entry: RequestLogEntry): void {
    if (this.ring.length < this.limit) this.ring.push(entry);
    else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % this.limit;
    }
    const key = `${entry.method} ${entry.path}`;
    const count = this.counts.get(key);
    if (count) count.n++;
    else this.counts.set(key, { method: entry.method, path: entry.path, n: 1 });
  }

  /** Kept entries matching the pattern, oldest first. */
  entries(pattern?: EndpointPattern): RequestLogEntry[] {
    const test = matcher(pattern);
    const out: RequestLogEntry[] = [];
    const n = this.ring.length;
    for (let i = 0; i < n; i++) {
      const e = this.ring[(this.head + i) % n] as RequestLogEntry;
      if (test(e.method, e.path)) out.push(e);
    }
    return out;
  }

  /** Every matching request since the last clear, including those no longer kept. */
  count(pattern?: EndpointPattern): number {
    const test = matcher(pattern);
    let total = 0;
    for (const c of this.counts.values()) if (test(c.method, c.path)) total += c.n;
    return total;
  }

  clear(): void {
    this.ring = [];
    this.head = 0;
    this.counts = new Map();
  }
}

export interface PageHook {
  match: EndpointPattern;
  afterPage: number;
  run: () => void;
}

/** Answers the gateway in front of Halo gives when Halo does not answer in time. */
const GATEWAY_TIMEOUT = '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>';

export interface ServerDeps {
  state: HaloState;
  auth: AuthServer;
  api: HaloApi;
  faults: FaultInjector;
  limiter: RollingRateLimiter;
  quirks: SimQuirks;
  tenant: string;
  control: (req: IncomingMessage, url: URL, body: string) => Promise<ApiResponse>;
  /** Entries the request log keeps (default REQUEST_LOG_LIMIT). */
  requestLogLimit?: number;
}

export class SimServer {
  readonly log: RequestLog;
  readonly pageHooks: PageHook[] = [];
  private readonly server: Server;
  private readonly sleepers = new Set<() => void>();
  private seq = 0;
  private baseUrl = '';

  constructor(private readonly deps: ServerDeps) {
    this.log = new RequestLog(deps.requestLogLimit);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, { status: 500, body: JSON.stringify({ ClassName: 'System.Exception', Message: String(err) }), contentType: 'application/json' });
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${actual}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (url.pathname.startsWith('/_sim/')) {
      this.send(res, await this.deps.control(req, url, body));
      return;
    }
    const started = Date.now();
    const entry: RequestLogEntry = {
      seq: ++this.seq, method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: this.deps.state.clock.peek(), durationMs: 0,
    };
    this.log.push(entry);
    const finish = (response: ApiResponse) => {
      entry.status = response.status;
      entry.durationMs = Date.now() - started;
      this.send(res, response);
    };

    const wait = this.deps.limiter.acquire(this.deps.state.clock.peek());
    if (wait !== undefined) return finish(this.rateLimited(wait));

    const fault = this.deps.faults.take(method, url.pathname);
    if (fault) entry.fault = fault.kind;
    switch (fault?.kind) {
      case 'latency':
        await this.sleep(fault.ms ?? 1000);
        break;
      case 'error5xx':
        return finish({ status: fault.status ?? 500, body: JSON.stringify({ ClassName: 'System.Exception', Message: 'An unexpected error occurred.' }), contentType: 'application/json' });
      case 'hang':
        await this.sleep(fault.ms ?? 5000);
        return finish({ status: 504, body: GATEWAY_TIMEOUT, contentType: 'text/html' });
      case 'rateLimit':
        return finish(this.rateLimited(60_000));
      default:
        break;
    }

    const response = this.route(method, url, body, req, fault?.kind === 'storeDifferently' ? fault.set : undefined);
    if (fault?.kind === 'timeoutAfterApply') {
      await this.sleep(fault.ms ?? 5000);
      return finish({ status: 504, body: GATEWAY_TIMEOUT, contentType: 'text/html' });
    }
    finish(response);
    if (response.page !== undefined) this.runPageHooks(method, url.pathname, response.page);
  }

  private runPageHooks(method: string, path: string, page: number): void {
    for (const hook of [...this.pageHooks]) {
      if (hook.afterPage === page && matches(hook.match, method, path)) {
        this.pageHooks.splice(this.pageHooks.indexOf(hook), 1);
        hook.run();
      }
    }
  }

  private rateLimited(waitMs: number): ApiResponse {
    const headers: Record<string, string> = this.deps.quirks.rateLimitRetryAfter ? { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } : {};
    return { status: 429, body: this.deps.limiter.message(), contentType: 'text/plain; charset=utf-8', headers };
  }

  private route(method: string, url: URL, body: string, req: IncomingMessage, storeOverride?: Record<string, unknown>): ApiResponse {
    const path = url.pathname.replace(/\/+$/, '');
    const lower = path.toLowerCase();
    if (lower === '/api/authinfo' && method === 'GET') {
      return json(200, { auth_url: `${this.baseUrl}/auth`, tenant_id: this.deps.tenant });
    }
    if (lower === '/api/instanceinfo' && method === 'GET') {
      return json(200, { auth_url: `${this.baseUrl}/auth`, app_version: '2.200.1 (simulator)', agent_url: this.baseUrl, portal_url: `${this.baseUrl}/portal` });
    }
    if (lower === '/auth/token') return this.token(method, url, body, req);
    if (!lower.startsWith('/api/')) return notFound();
    const check = this.deps.auth.check(req.headers.authorization);
    if (!check.ok) {
      return { status: 401, body: '', headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${check.description}"` } };
    }
    const route = path.slice('/api/'.length);
    const area = endpointArea(route);
    if (!area) return notFound();
    const denied = this.deps.auth.denied(check, area, method, lower);
    if (denied) {
      return {
        status: 403,
        body: JSON.stringify(`You do not have permission to access this resource: ${denied}.`),
        contentType: 'application/json; charset=utf-8',
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", error_description="${denied}"` },
      };
    }
    return this.deps.api.handle({ method, route, query: url.searchParams, body, app: check.app, ...(storeOverride ? { storeOverride } : {}) });
  }

  private token(method: string, url: URL, body: string, req: IncomingMessage): ApiResponse {
    if (method !== 'POST') return { status: 405, body: '' };
    if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return json(400, { error: 'invalid_request', error_description: 'The mandatory \'Content-Type\' header must be \'application/x-www-form-urlencoded\'.' });
    }
    const form = new URLSearchParams(body);
    const from = this.deps.quirks.tenantFrom;
    const tenant = (from !== 'form' ? url.searchParams.get('tenant') : null) ?? (from !== 'query' ? form.get('tenant') : null) ?? undefined;
    const result = this.deps.auth.issue(form, tenant);
    return json(result.status, result.body);
  }

  private send(res: ServerResponse, r: ApiResponse): void {
    if (res.destroyed || res.headersSent) return;
    const body = r.body ?? '';
    res.writeHead(r.status, {
      ...(body ? { 'content-type': r.contentType ?? 'text/plain; charset=utf-8' } : {}),
      'content-length': Buffer.byteLength(body),
      ...r.headers,
    });
    res.end(body);
  }
}

function json(status: number, value: unknown): ApiResponse {
  return { status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
