import { randomInt } from 'node:crypto';
import {
  HaloBadUrlError,
  HaloError,
  HaloOutcomeUnknownError,
  HaloTransientError,
  HaloUnknownError,
  Redactor,
  classifyHttpError,
  redactBody,
} from './errors';
import { DEFAULT_RATE_BUDGET, governorFor, unlimitedGovernor, type RateBudget, type RateGovernor } from './rate-governor';
import { normalizeAuthUrl, normalizeHaloUrl, type HaloUrls } from './url';
import { formatHaloDate } from './dates';
import type { HaloAuthInfo } from './types';

/** Pino-compatible: `logger.warn({ fields }, 'message')`. */
export interface HaloLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export interface RetryPolicy {
  /** Total tries per request, including the first (≥1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` we are willing to sleep; a longer one fails fast with `rate_limited`. */
  maxRetryAfterMs: number;
  /**
   * First wait after a 429 without `Retry-After` (doubling, capped by maxDelayMs, "equal jitter" so it never
   * drops to ~0). Halo's window is 5 rolling minutes, so hammering again after a few ms only earns more 429s.
   */
  rateLimitDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000, rateLimitDelayMs: 5_000 };

/**
 * The default scopes are the three the setup guide tells admins to tick. Many Halo apps are instead ticked `all`
 * (what most integrations request); when Halo answers `invalid_scope` to the defaults, the client asks once for
 * `all` and keeps whichever worked. Explicitly configured scopes are never swapped.
 */
export const DEFAULT_SCOPES = 'all:standard all:teams admin:webhooks';

export interface HaloClientOptions {
  /** Any form a person types: `acme.halopsa.com`, `https://acme.halopsa.com/`, with or without `/api`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Hosted tenants: sent as `?tenant=` on the token URL. Defaults to `/api/authinfo`'s `tenant_id`. */
  tenant?: string;
  /** Space-separated scopes; default {@link DEFAULT_SCOPES}. */
  scopes?: string;
  /** Per attempt, from sending to the last body byte. Default 30 s (Halo documents none; clients use 20–30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Rolling request budget for this Halo instance (default 300 / 5 min); `false` disables the governor. */
  rateBudget?: RateBudget | false;
  /** Supply a governor (e.g. Postgres-backed) instead of the process-wide in-memory one for this instance. */
  rateGovernor?: RateGovernor;
  logger?: HaloLogger;
  fetch?: typeof fetch;
  /** Refresh the token this long before Halo's expiry (capped at a quarter of its lifetime). Default 60 s. */
  tokenRefreshSkewMs?: number;
}

export type QueryValue = string | number | boolean | Date | null | undefined | ReadonlyArray<string | number>;
export type QueryParams = Record<string, QueryValue>;

export interface RequestOptions {
  query?: QueryParams;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

export interface AuthEndpoint {
  /** Auth server base, e.g. `https://acme.halopsa.com/auth`. */
  authUrl: string;
  tenant?: string;
  /** `authinfo` = announced by Halo; `default` = `{base}/auth` fallback. */
  source: 'authinfo' | 'default';
  /** HTTP status of `/api/authinfo` (diagnostics: 404/HTML there hints the URL is not a Halo instance). */
  authInfoStatus?: number;
}

const silentLogger: HaloLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Errors whose request never left this machine: safe to retry even for a POST. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH']);

interface NetworkFailure {
  kind: 'timeout' | 'network' | 'aborted';
  code: string;
  /** True when the request provably never reached Halo. */
  notSent: boolean;
}

function describeFetchError(e: unknown, timedOut: boolean, callerAborted: boolean): NetworkFailure {
  if (callerAborted) return { kind: 'aborted', code: 'aborted', notSent: false };
  if (timedOut) return { kind: 'timeout', code: 'timeout', notSent: false };
  let code = 'network';
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') {
      code = c;
      break;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return { kind: 'network', code, notSent: NOT_SENT_CODES.has(code) };
}

function parseRetryAfter(h: string | null, now: number): number | undefined {
  if (!h) return undefined;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function encodeQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (v instanceof Date) sp.set(k, formatHaloDate(v));
    else if (Array.isArray(v)) sp.set(k, v.join(','));
    else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/**
 * One connection to one Halo instance: URL, discovery, token, governor, timeouts, retries. Everything that touches
 * the network goes through {@link HaloTransport.request} (API) or the private token/discovery calls.
 */
export class HaloTransport {
  readonly urls: HaloUrls;
  readonly redactor = new Redactor();
  readonly logger: HaloLogger;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly governor: RateGovernor;
  private readonly fetchImpl: typeof fetch;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private scopes: string;
  private readonly scopesExplicit: boolean;
  private readonly tenantOverride?: string;
  private readonly refreshSkewMs: number;
  private auth?: AuthEndpoint;
  private authPending?: Promise<AuthEndpoint>;
  private token?: CachedToken;
  private tokenPending?: Promise<CachedToken>;
  /** Counters for tests and metrics. */
  readonly stats = { tokenRequests: 0, apiRequests: 0, retries: 0, rateLimited: 0 };

  constructor(options: HaloClientOptions) {
    this.urls = normalizeHaloUrl(options.baseUrl);
    if (!options.clientId?.trim()) throw new HaloError('bad_credentials', 'The Halo Client ID is empty.');
    if (!options.clientSecret) throw new HaloError('bad_credentials', 'The Halo Client Secret is empty.');
    this.clientId = options.clientId.trim();
    this.clientSecret = options.clientSecret;
    this.redactor.add(this.clientSecret);
    this.scopes = (options.scopes ?? DEFAULT_SCOPES).trim().split(/\s+/).join(' ');
    this.scopesExplicit = options.scopes !== undefined;
    this.tenantOverride = options.tenant?.trim() || undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.retry.maxAttempts = Math.max(1, Math.floor(this.retry.maxAttempts));
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.logger = options.logger ?? silentLogger;
    this.refreshSkewMs = options.tokenRefreshSkewMs ?? 60_000;
    this.governor =
      options.rateGovernor ??
      (options.rateBudget === false ? unlimitedGovernor : governorFor(this.urls.apiUrl, options.rateBudget ?? DEFAULT_RATE_BUDGET));
  }

  // ---------------------------------------------------------------------------------------------------- logging

  log(level: keyof HaloLogger, obj: Record<string, unknown>, msg: string): void {
    try {
      const safe = JSON.parse(this.redactor.scrub(JSON.stringify(obj))) as Record<string, unknown>;
      this.logger[level]({ halo: this.urls.host, ...safe }, this.redactor.scrub(msg));
    } catch {
      // A logger must never break a request.
    }
  }

  private fail<E extends HaloError>(e: E): E {
    return this.redactor.scrubError(e);
  }

  // ---------------------------------------------------------------------------------------------------- discovery

  /** Find the auth server: `/api/authinfo`, else `{base}/auth`. Cached; concurrent callers share one lookup. */
  discoverAuth(signal?: AbortSignal): Promise<AuthEndpoint> {
    if (this.auth) return Promise.resolve(this.auth);
    this.authPending ??= this.doDiscover(signal).finally(() => {
      this.authPending = undefined;
    });
    return this.authPending;
  }

  private async doDiscover(signal?: AbortSignal): Promise<AuthEndpoint> {
    let info: HaloAuthInfo | undefined;
    let authInfoStatus: number | undefined;
    try {
      const res = await this.rawFetch('GET', `${this.urls.apiUrl}/authinfo`, { signal, governed: true, retries: 2 });
      authInfoStatus = res.status;
      if (res.status === 429 || res.status >= 500) {
        // Not a definitive "no authinfo here": falling back now could drop the hosted tenant id and turn a Halo
        // hiccup into a misleading credentials error. Fail transiently and try discovery again next time.
        throw this.fail(
          classifyHttpError({ status: res.status, method: 'GET', path: '/api/authinfo', bodyText: res.text }),
        );
      }
      if (res.status >= 200 && res.status < 300) {
        try {
          const parsed = JSON.parse(res.text) as unknown;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) info = parsed as HaloAuthInfo;
        } catch {
          // Not JSON (a proxy page?): fall back to the default.
        }
      }
    } catch (e) {
      if (e instanceof HaloError && e.reason && ['ENOTFOUND', 'EAI_AGAIN'].includes(e.reason)) {
        throw this.fail(
          new HaloBadUrlError(`Could not find ${this.urls.host}: check the Halo URL (it should be your Halo web address).`, {
            method: 'GET',
            path: '/api/authinfo',
            reason: e.reason,
          }),
        );
      }
      throw e;
    }
    const tenant = this.tenantOverride ?? (typeof info?.tenant_id === 'string' && info.tenant_id.trim() ? info.tenant_id.trim() : undefined);
    let auth: AuthEndpoint;
    if (info && typeof info.auth_url === 'string' && info.auth_url.trim()) {
      auth = { authUrl: normalizeAuthUrl(info.auth_url), tenant, source: 'authinfo', authInfoStatus };
    } else {
      auth = { authUrl: this.urls.defaultAuthUrl, tenant, source: 'default', authInfoStatus };
    }
    this.auth = auth;
    this.log('debug', { authUrl: auth.authUrl, source: auth.source, tenant: auth.tenant }, 'halo auth server found');
    return auth;
  }

  // ---------------------------------------------------------------------------------------------------- tokens

  /** A valid access token; at most one token request in flight however many callers wait. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const t = this.token;
    if (t && Date.now() < t.expiresAt) return t.accessToken;
    this.tokenPending ??= this.requestToken(signal).finally(() => {
      this.tokenPending = undefined;
    });
    return (await this.tokenPending).accessToken;
  }

  /** Drop the cached token if it is the one that just failed (another caller may have renewed it already). */
  invalidateToken(accessToken?: string): void {
    if (!accessToken || this.token?.accessToken === accessToken) this.token = undefined;
  }

  /** Request a token with explicit scopes, bypassing the cache (diagnostics probe single scopes this way). */
  async probeToken(scopes: string, signal?: AbortSignal): Promise<void> {
    await this.requestToken(signal, scopes, false);
  }

  private async requestToken(signal?: AbortSignal, scopes = this.scopes, cache = true): Promise<CachedToken> {
    try {
      return await this.requestTokenOnce(signal, scopes, cache);
    } catch (e) {
      if (cache && !this.scopesExplicit && scopes === DEFAULT_SCOPES && e instanceof HaloError && e.oauthError === 'invalid_scope') {
        try {
          const tok = await this.requestTokenOnce(signal, 'all', cache);
          this.scopes = 'all';
          this.log('info', {}, 'halo application is not ticked for the default scopes; using scope "all"');
          return tok;
        } catch {
          throw e;
        }
      }
      throw e;
    }
  }

  private async requestTokenOnce(signal: AbortSignal | undefined, scopes: string, cache: boolean): Promise<CachedToken> {
    const auth = await this.discoverAuth(signal);
    const tokenUrl = new URL(`${auth.authUrl.replace(/\/+$/, '')}/token`);
    if (auth.tenant) tokenUrl.searchParams.set('tenant', auth.tenant);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.clientId,
      client_secret: this.clientSecret,
      scope: scopes,
    });
    this.stats.tokenRequests++;
    const path = `${tokenUrl.pathname}`; // never the query or the body in errors
    // Token POSTs are safe to repeat (an extra token is harmless), so they retry like GETs. They take a slot from
    // the budget when the auth server is the API's host (a per-host limit would count them); an auth server on
    // another host has its own limits.
    const res = await this.rawFetch('POST', tokenUrl.toString(), {
      signal,
      governed: tokenUrl.host.toLowerCase() === this.urls.host,
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
      retries: this.retry.maxAttempts,
      errorPath: path,
      idempotent: true,
    });
    if (res.status < 200 || res.status >= 300) {
      throw this.fail(classifyHttpError({ status: res.status, method: 'POST', path, bodyText: res.text, isAuth: true }));
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw this.fail(new HaloUnknownError(`Halo's token endpoint (${path}) answered ${res.status} without JSON.`, { status: res.status, method: 'POST', path }));
    }
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw this.fail(new HaloUnknownError(`Halo's token endpoint (${path}) answered without an access token.`, { status: res.status, method: 'POST', path }));
    }
    this.redactor.add(body.access_token);
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : Number(body.expires_in) || 3600) * 1000;
    const skew = Math.min(this.refreshSkewMs, lifetimeMs / 4);
    const tok = { accessToken: body.access_token, expiresAt: Date.now() + lifetimeMs - skew };
    if (cache) this.token = tok;
    this.log('debug', { lifetimeMs }, 'halo token issued');
    return tok;
  }

  // ---------------------------------------------------------------------------------------------------- requests

  /**
   * Call the API. Retries timeouts, network errors, 5xx and 429 for idempotent methods (GET, DELETE) with exponential
   * backoff and full jitter, honouring Retry-After. Writes (POST) are retried only where Halo cannot have applied
   * them: 429 (refused before processing), 503 (the IIS/app-pool "unavailable" answer sent before the app runs), 408
   * and connection failures before any byte was sent. A POST that timed out, lost its connection mid-flight or got
   * 500/502/504 fails with HaloOutcomeUnknownError carrying what was sent. A 401 renews the token once and repeats.
   */
  async request<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, opts: RequestOptions = {}): Promise<T> {
    const policy = { ...this.retry, ...opts.retry };
    const idempotent = method !== 'POST';
    const qs = encodeQuery(opts.query);
    const rel = `${path.startsWith('/') ? path : `/${path}`}${qs}`;
    const url = `${this.urls.apiUrl}${rel}`;
    const bodyText = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    let renewed = false;
    let ambiguousBefore = false;
    let lastError: HaloError | undefined;

    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const token = await this.getToken(opts.signal);
      const started = Date.now();
      let res: { status: number; text: string; headers: Headers } | undefined;
      let failure: NetworkFailure | undefined;
      try {
        res = await this.send(method, url, { token, body: bodyText, signal: opts.signal, timeoutMs: opts.timeoutMs ?? this.timeoutMs });
      } catch (e) {
        if (e instanceof FetchFailure) failure = e.failure;
        else throw e;
      }
      const ms = Date.now() - started;

      if (failure) {
        if (failure.kind === 'aborted') throw opts.signal?.reason ?? new HaloTransientError(`${method} ${rel} was aborted.`, { method, path: rel, reason: 'aborted' });
        this.log('warn', { method, path: rel, attempt, ms, reason: failure.code }, 'halo request failed without an answer');
        if (!idempotent && !failure.notSent) {
          throw this.fail(
            new HaloOutcomeUnknownError(
              `${method} ${rel} ${failure.kind === 'timeout' ? `timed out after ${opts.timeoutMs ?? this.timeoutMs} ms` : `lost its connection (${failure.code})`}; Halo may or may not have saved it. Look the record up before writing again.`,
              redactBody(opts.body),
              { method, path: rel, reason: failure.code, attempts: attempt },
            ),
          );
        }
        if (failure.code === 'ENOTFOUND') {
          throw this.fail(new HaloBadUrlError(`Could not find ${this.urls.host}: check the Halo URL.`, { method, path: rel, reason: failure.code, attempts: attempt }));
        }
        ambiguousBefore = ambiguousBefore || !failure.notSent;
        lastError = new HaloTransientError(
          failure.kind === 'timeout'
            ? `Halo did not answer ${method} ${rel} within ${opts.timeoutMs ?? this.timeoutMs} ms.`
            : `Could not reach Halo for ${method} ${rel} (${failure.code}).`,
          { method, path: rel, reason: failure.code, attempts: attempt },
        );
        await this.backoff(attempt, policy, undefined, opts.signal);
        continue;
      }

      const r = res!;
      this.log('debug', { method, path: rel, status: r.status, attempt, ms }, 'halo request');
      if (r.status >= 200 && r.status < 300) return this.parseJson<T>(r.text, method, rel, r.status);

      if (r.status === 401 && !renewed) {
        // Expired or revoked token: renew once, without spending an attempt.
        renewed = true;
        this.invalidateToken(token);
        attempt--;
        continue;
      }
      if (method === 'DELETE' && r.status === 404 && ambiguousBefore) {
        // An earlier attempt probably deleted it.
        return null as T;
      }
      const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'), Date.now());
      const err = classifyHttpError({ status: r.status, method, path: rel, bodyText: r.text, retryAfterMs, attempts: attempt });
      if (r.status === 429) {
        this.stats.rateLimited++;
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) throw this.fail(err);
        const wait = retryAfterMs !== undefined ? this.backoffDelay(attempt, policy, retryAfterMs) : this.rateLimitDelay(attempt, policy);
        this.governor.penalize?.(wait);
        this.log('warn', { method, path: rel, attempt, retryAfterMs, waitMs: wait }, 'halo rate limit hit; backing off');
        lastError = err;
        if (attempt < policy.maxAttempts) await sleep(wait, opts.signal);
        continue;
      }
      const retryableStatus = r.status === 408 || r.status >= 500;
      if (!retryableStatus) throw this.fail(err);
      if (!idempotent && r.status !== 503 && r.status !== 408) {
        throw this.fail(
          new HaloOutcomeUnknownError(
            `${method} ${rel} got ${r.status} from Halo${err.haloMessage ? ` (${err.haloMessage})` : ''}; it may or may not have been saved. Look the record up before writing again.`,
            redactBody(opts.body),
            { status: r.status, method, path: rel, haloMessage: err.haloMessage, attempts: attempt },
          ),
        );
      }
      ambiguousBefore = ambiguousBefore || r.status !== 503;
      lastError = err;
      this.log('warn', { method, path: rel, status: r.status, attempt }, 'halo server error; retrying');
      await this.backoff(attempt, policy, retryAfterMs, opts.signal);
    }
    throw this.fail(lastError ?? new HaloTransientError(`${method} ${rel} failed.`, { method, path: rel }));
  }

  private parseJson<T>(text: string, method: string, path: string, status: number): T {
    if (!text.trim()) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.fail(new HaloUnknownError(`Halo answered ${method} ${path} with ${status} but the body is not JSON.`, { status, method, path }));
    }
  }

  private backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const jittered = cap > 0 ? randomInt(0, Math.max(1, Math.floor(cap)) + 1) : 0; // full jitter
    return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
  }

  private rateLimitDelay(attempt: number, policy: RetryPolicy): number {
    const cap = Math.min(policy.maxDelayMs, policy.rateLimitDelayMs * 2 ** (attempt - 1));
    const half = Math.floor(cap / 2);
    return half + randomInt(0, Math.max(1, cap - half) + 1);
  }

  private async backoff(attempt: number, policy: RetryPolicy, retryAfterMs: number | undefined, signal?: AbortSignal): Promise<void> {
    if (attempt >= policy.maxAttempts) return;
    this.stats.retries++;
    await sleep(this.backoffDelay(attempt, policy, retryAfterMs), signal);
  }

  /** One governed, timed API attempt. Throws FetchFailure when no HTTP answer arrived. */
  private async send(
    method: string,
    url: string,
    o: { token: string; body?: string; signal?: AbortSignal; timeoutMs: number },
  ): Promise<{ status: number; text: string; headers: Headers }> {
    await this.governor.acquire(o.signal);
    this.stats.apiRequests++;
    const headers: Record<string, string> = { Authorization: `Bearer ${o.token}`, Accept: 'application/json' };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    return this.timedFetch(method, url, headers, o.body, o.timeoutMs, o.signal);
  }

  private async timedFetch(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const onCallerAbort = () => ac.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const res = await this.fetchImpl(url, { method, headers, body, signal: ac.signal, redirect: 'manual' });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers };
    } catch (e) {
      throw new FetchFailure(describeFetchError(e, timedOut, !!signal?.aborted));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * Discovery and token calls: retried on timeouts, network errors, 5xx and 429 (`retries` tries). Returns the
   * response whatever its status; throws a classified error only when no answer came.
   */
  private async rawFetch(
    method: 'GET' | 'POST',
    url: string,
    o: { signal?: AbortSignal; governed: boolean; body?: string; contentType?: string; retries: number; errorPath?: string; idempotent?: boolean },
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const path = o.errorPath ?? new URL(url).pathname;
    let last: { status: number; text: string; headers: Headers } | undefined;
    let lastFailure: NetworkFailure | undefined;
    for (let attempt = 1; attempt <= Math.max(1, o.retries); attempt++) {
      if (o.governed) await this.governor.acquire(o.signal);
      if (o.governed) this.stats.apiRequests++;
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (o.contentType) headers['Content-Type'] = o.contentType;
      try {
        last = await this.timedFetch(method, url, headers, o.body, this.timeoutMs, o.signal);
        lastFailure = undefined;
      } catch (e) {
        if (!(e instanceof FetchFailure)) throw e;
        lastFailure = e.failure;
        if (e.failure.kind === 'aborted') throw o.signal?.reason ?? e;
        if (['ENOTFOUND', 'EAI_AGAIN'].includes(e.failure.code)) break;
        this.log('warn', { method, path, attempt, reason: e.failure.code }, 'halo auth request failed without an answer');
        await this.backoff(attempt, { ...this.retry, maxAttempts: o.retries }, undefined, o.signal);
        continue;
      }
      if (last.status === 429 || last.status >= 500) {
        this.log('warn', { method, path, attempt, status: last.status }, 'halo auth request got a retryable status');
        await this.backoff(attempt, { ...this.retry, maxAttempts: o.retries }, parseRetryAfter(last.headers.get('retry-after'), Date.now()), o.signal);
        continue;
      }
      return last;
    }
    if (last && !lastFailure) return last;
    const f = lastFailure!;
    throw this.fail(
      new HaloTransientError(
        f.kind === 'timeout' ? `Halo did not answer ${method} ${path} within ${this.timeoutMs} ms.` : `Could not reach Halo at ${this.urls.host} for ${method} ${path} (${f.code}).`,
        { method, path, reason: f.code },
      ),
    );
  }
}

class FetchFailure extends Error {
  constructor(readonly failure: NetworkFailure) {
    super(failure.code);
  }
}
