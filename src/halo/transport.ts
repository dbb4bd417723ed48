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
import { HaloSession, sessionKey, type AuthEndpoint, type CachedToken, type SessionIdentity } from './session';
import type { HaloAuthInfo } from './types';

export type { AuthEndpoint } from './session';

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
  /**
   * Longest a request waits in total across 429s before it fails with `rate_limited`. 429s do not spend
   * `maxAttempts`: a request in a full window waits its turn (Halo's window is 5 minutes; default two windows).
   * 0 fails on the first 429.
   */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
  rateLimitDelayMs: 5_000,
  maxRateLimitWaitMs: 600_000,
};

/** However short the waits, a request gives up after this many 429s in a row. */
const MAX_RATE_LIMITED_TRIES = 200;

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
  /**
   * Share discovery and the token with every other client of the same credentials (see {@link HaloSession}); it
   * must have been made for these credentials (`HaloSession.for`). Default: a session of this client's own.
   */
  session?: HaloSession;
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

/** What a session is keyed by, normalised as the transport uses it. */
function sessionIdentity(options: HaloClientOptions): SessionIdentity {
  return {
    apiUrl: normalizeHaloUrl(options.baseUrl).apiUrl,
    clientId: options.clientId.trim(),
    clientSecret: options.clientSecret,
    tenant: options.tenant?.trim() || undefined,
    scopes: (options.scopes ?? DEFAULT_SCOPES).trim().split(/\s+/).join(' '),
  };
}

/** A session for these client options, to share between clients of the same credentials (`options.session`). */
export function newHaloSession(options: HaloClientOptions): HaloSession {
  return HaloSession.for(sessionIdentity(options));
}

/**
 * One connection to one Halo instance: URL, discovery, token, governor, timeouts, retries. Everything that touches
 * the network goes through {@link HaloTransport.request} (API) or the private token/discovery calls.
 */
export class HaloTransport {
  readonly urls: HaloUrls;
  readonly logger: HaloLogger;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly governor: RateGovernor;
  /** Discovery, token and scopes, possibly shared with other clients of the same credentials. */
  readonly session: HaloSession;
  private readonly fetchImpl: typeof fetch;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly configuredScopes: string;
  private readonly scopesExplicit: boolean;
  private readonly tenantOverride?: string;
  private readonly refreshSkewMs: number;
  /** Counters for tests and metrics (this transport's own sends; `apiRequests` counts every governed send). */
  readonly stats = { tokenRequests: 0, apiRequests: 0, retries: 0, rateLimited: 0 };

  constructor(options: HaloClientOptions) {
    this.urls = normalizeHaloUrl(options.baseUrl);
    if (!options.clientId?.trim()) throw new HaloError('bad_credentials', 'The Halo Client ID is empty.');
    if (!options.clientSecret) throw new HaloError('bad_credentials', 'The Halo Client Secret is empty.');
    this.clientId = options.clientId.trim();
    this.clientSecret = options.clientSecret;
    this.configuredScopes = (options.scopes ?? DEFAULT_SCOPES).trim().split(/\s+/).join(' ');
    this.scopesExplicit = options.scopes !== undefined;
    this.tenantOverride = options.tenant?.trim() || undefined;
    const identity = sessionIdentity(options);
    if (options.session && options.session.key !== sessionKey(identity)) {
      // Sharing a token across credentials would act with someone else's rights.
      throw new Error('This Halo session was made for other credentials.');
    }
    this.session = options.session ?? HaloSession.for(identity);
    this.redactor.add(this.clientSecret);
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

  /** Knows the secret and every token of the session: scrubs them from logs and errors. */
  get redactor(): Redactor {
    return this.session.redactor;
  }

  private get scopes(): string {
    return this.session.scopes ?? this.configuredScopes;
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

  /**
   * Find the auth server: `/api/authinfo`, else `{base}/auth`. Cached in the session (so across runs and clients of
   * the same credentials); concurrent callers share one lookup.
   */
  discoverAuth(signal?: AbortSignal): Promise<AuthEndpoint> {
    const known = this.session.auth;
    if (known) return Promise.resolve(known);
    return shareFlight(
      () => this.session.authPending,
      (p) => (this.session.authPending = p),
      (sig) => this.doDiscover(sig),
      signal,
    ).catch((e: unknown) => {
      throw markAuth(e);
    });
  }

  private async doDiscover(signal?: AbortSignal): Promise<AuthEndpoint> {
    let info: HaloAuthInfo | undefined;
    let authInfoStatus: number | undefined;
    try {
      const res = await this.rawFetch('GET', `${this.urls.apiUrl}/authinfo`, { signal, retries: 2 });
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
    this.session.auth = auth;
    this.log('debug', { authUrl: auth.authUrl, source: auth.source, tenant: auth.tenant }, 'halo auth server found');
    return auth;
  }

  // ---------------------------------------------------------------------------------------------------- tokens

  /**
   * A valid access token: the session's while it is valid (shared by every client of these credentials in this
   * process), else a new one, with at most one token request in flight however many callers wait.
   */
  async getToken(signal?: AbortSignal): Promise<string> {
    const t = this.session.token;
    if (t && Date.now() < t.expiresAt) return t.accessToken;
    try {
      const tok = await shareFlight(
        () => this.session.tokenPending,
        (p) => (this.session.tokenPending = p),
        (sig) => this.requestToken(sig),
        signal,
      );
      return tok.accessToken;
    } catch (e) {
      throw markAuth(e);
    }
  }

  /** Drop the cached token if it is the one that just failed (another caller may have renewed it already). */
  invalidateToken(accessToken?: string): void {
    this.session.dropToken(accessToken);
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
          this.session.scopes = 'all';
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
    // Token POSTs are safe to repeat (an extra token is harmless), so they retry like GETs. Like every request they
    // take a slot from the instance's budget and a 429 takes the rate-limit path (penalty, doubling waits).
    const res = await this.rawFetch('POST', tokenUrl.toString(), {
      signal,
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
      retries: this.retry.maxAttempts,
      errorPath: path,
      idempotent: true,
    });
    if (res.status < 200 || res.status >= 300) {
      // The announced auth server is not there (any more): discover it again next time.
      if (res.status === 404 && cache) this.session.auth = undefined;
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
    if (cache) this.session.token = tok;
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
    const limited: RateLimitState = { tries: 0, waitedMs: 0 };

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
        const wait = this.rateLimitWait(limited, policy, retryAfterMs, method, rel);
        if (wait === undefined) throw this.fail(err);
        // A 429 is Halo asking us to wait, not a failure of this request: it spends no attempt.
        attempt--;
        await sleep(wait, opts.signal);
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

  /**
   * The one 429 path, for API, token and discovery requests alike: wait what `Retry-After` says (failing fast when
   * that is longer than `maxRetryAfterMs`), else `rateLimitDelayMs` doubling per 429 in a row; hold every caller of
   * the instance back as long (governor penalty). Returns the wait, or undefined when the request should give up:
   * its 429 waits would pass `maxRateLimitWaitMs`.
   */
  private rateLimitWait(state: RateLimitState, policy: RetryPolicy, retryAfterMs: number | undefined, method: string, path: string): number | undefined {
    this.stats.rateLimited++;
    if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
    state.tries++;
    // `Retry-After: 0` is not an invitation to hammer: at least the first backoff step.
    const wait = retryAfterMs !== undefined ? Math.max(retryAfterMs, policy.baseDelayMs) : this.rateLimitDelay(state.tries, policy);
    if (state.waitedMs + wait > policy.maxRateLimitWaitMs || state.tries > MAX_RATE_LIMITED_TRIES) return undefined;
    state.waitedMs += wait;
    this.governor.penalize?.(wait);
    this.log('warn', { method, path, rateLimited: state.tries, retryAfterMs, waitMs: wait }, 'halo rate limit hit; backing off');
    return wait;
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
    const slot = await this.governor.acquire(o.signal);
    this.stats.apiRequests++;
    const headers: Record<string, string> = { Authorization: `Bearer ${o.token}`, Accept: 'application/json' };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await this.timedFetch(method, url, headers, o.body, o.timeoutMs, o.signal);
    } finally {
      slot?.done();
    }
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
   * Discovery and token calls: governed like API calls; retried on timeouts, network errors and 5xx (`retries`
   * tries), and on 429 through the same rate-limit path as API calls. Returns the response whatever its status;
   * throws a classified error only when no answer came.
   */
  private async rawFetch(
    method: 'GET' | 'POST',
    url: string,
    o: { signal?: AbortSignal; body?: string; contentType?: string; retries: number; errorPath?: string; idempotent?: boolean },
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const path = o.errorPath ?? new URL(url).pathname;
    const policy = { ...this.retry, maxAttempts: Math.max(1, o.retries) };
    const limited: RateLimitState = { tries: 0, waitedMs: 0 };
    let last: { status: number; text: string; headers: Headers } | undefined;
    let lastFailure: NetworkFailure | undefined;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const slot = await this.governor.acquire(o.signal);
      this.stats.apiRequests++;
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (o.contentType) headers['Content-Type'] = o.contentType;
      try {
        last = await this.timedFetch(method, url, headers, o.body, this.timeoutMs, o.signal);
        lastFailure = undefined;
        slot?.done();
      } catch (e) {
        slot?.done();
        if (!(e instanceof FetchFailure)) throw e;
        lastFailure = e.failure;
        if (e.failure.kind === 'aborted') throw o.signal?.reason ?? e;
        if (['ENOTFOUND', 'EAI_AGAIN'].includes(e.failure.code)) break;
        this.log('warn', { method, path, attempt, reason: e.failure.code }, 'halo auth request failed without an answer');
        await this.backoff(attempt, policy, undefined, o.signal);
        continue;
      }
      const retryAfterMs = parseRetryAfter(last.headers.get('retry-after'), Date.now());
      if (last.status === 429) {
        const wait = this.rateLimitWait(limited, policy, retryAfterMs, method, path);
        if (wait === undefined) return last;
        attempt--;
        await sleep(wait, o.signal);
        continue;
      }
      if (last.status >= 500) {
        this.log('warn', { method, path, attempt, status: last.status }, 'halo auth request got a retryable status');
        if (attempt >= policy.maxAttempts) return last;
        await this.backoff(attempt, policy, retryAfterMs, o.signal);
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

interface RateLimitState {
  /** 429s in a row for this request. */
  tries: number;
  /** Time spent waiting on them. */
  waitedMs: number;
}

/** Thrown to the callers sharing a flight when its starter gave up (its own signal aborted): they start another. */
class StarterAborted extends Error {}

/**
 * Single flight across every caller of a session: the first caller starts `start`, later ones wait for the same
 * promise. Each caller stops waiting when its own signal aborts; when the starter aborts, the others start again.
 */
async function shareFlight<T>(
  get: () => Promise<T> | undefined,
  set: (p: Promise<T> | undefined) => void,
  start: (signal?: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    let pending = get();
    if (!pending) {
      const flight: Promise<T> = start(signal)
        .catch((e: unknown) => {
          throw signal?.aborted ? new StarterAborted() : e;
        })
        .finally(() => {
          if (get() === flight) set(undefined);
        });
      flight.catch(() => undefined);
      set(flight);
      pending = flight;
    }
    try {
      return await untilAborted(pending, signal);
    } catch (e) {
      if (e instanceof StarterAborted) continue; // ours aborted → the loop's first line throws our reason
      throw e;
    }
  }
}

function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Errors on the way to a token (discovery, the token request) block every request of the connection alike. */
function markAuth(e: unknown): unknown {
  if (e instanceof HaloError) e.duringAuth = true;
  return e;
}

class FetchFailure extends Error {
  constructor(readonly failure: NetworkFailure) {
    super(failure.code);
  }
}
