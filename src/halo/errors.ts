/**
 * Classified Halo failures. Everything outside `src/halo/` sees one of these, never a fetch error or a raw body.
 *
 * Each kind has one recovery (see STYLE example 6):
 *   bad_credentials → stop, ask for a new client id/secret      permission → stop, name the scope to tick
 *   not_found       → the record is gone                          validation → show field messages, don't retry
 *   rate_limited    → back off at the job level                   transient  → retry later
 *   outcome_unknown → look the record up before writing again     bad_url    → fix the base URL
 *   unknown         → fail loudly
 *
 * Nothing here ever holds a header, a token request body, a client secret or an access token. Messages pass through
 * a {@link Redactor} that knows the live secrets of the connection, as a second line of defence.
 */

export type HaloErrorKind =
  | 'bad_credentials'
  | 'permission'
  | 'not_found'
  | 'validation'
  | 'rate_limited'
  | 'transient'
  | 'outcome_unknown'
  | 'bad_url'
  | 'unknown';

export type HaloScope = 'all:standard' | 'all:teams' | 'admin:webhooks';

export interface HaloFieldError {
  /** The JSON path Halo named (`[0].id`, `name`), or null for a message not tied to a field. */
  field: string | null;
  message: string;
}

export interface HaloErrorDetails {
  status?: number;
  method?: string;
  /** Request path relative to the API or auth server, without secrets (API query strings carry none). */
  path?: string;
  /** The text Halo returned, reduced to a message (never the raw body of a token request). */
  haloMessage?: string;
  fieldErrors?: HaloFieldError[];
  missingScope?: HaloScope;
  retryAfterMs?: number;
  /** OAuth `error` code from the token endpoint (`invalid_client`, `invalid_scope`, …). */
  oauthError?: string;
  /** A network/timeout reason, e.g. `ETIMEDOUT`, `ECONNRESET`, `timeout`. Never an error object. */
  reason?: string;
  attempts?: number;
}

export class HaloError extends Error {
  readonly kind: HaloErrorKind;
  readonly status?: number;
  readonly method?: string;
  readonly path?: string;
  readonly haloMessage?: string;
  readonly fieldErrors: HaloFieldError[];
  readonly missingScope?: HaloScope;
  readonly retryAfterMs?: number;
  readonly oauthError?: string;
  readonly reason?: string;
  readonly attempts?: number;
  /**
   * Raised on the way to a token (discovery or the token request): every other request of the connection would
   * meet it too, so a sync run stops rather than letting each entity ask again.
   */
  duringAuth = false;

  constructor(kind: HaloErrorKind, message: string, details: HaloErrorDetails = {}) {
    super(message);
    this.name = 'HaloError';
    this.kind = kind;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.haloMessage = details.haloMessage;
    this.fieldErrors = details.fieldErrors ?? [];
    this.missingScope = details.missingScope;
    this.retryAfterMs = details.retryAfterMs;
    this.oauthError = details.oauthError;
    this.reason = details.reason;
    this.attempts = details.attempts;
  }

  /** Whether repeating the same call later may succeed. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate_limited';
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      haloMessage: this.haloMessage,
      fieldErrors: this.fieldErrors.length ? this.fieldErrors : undefined,
      missingScope: this.missingScope,
      retryAfterMs: this.retryAfterMs,
      oauthError: this.oauthError,
      reason: this.reason,
      attempts: this.attempts,
    };
  }
}

export class HaloBadCredentialsError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('bad_credentials', message, details);
    this.name = 'HaloBadCredentialsError';
  }
}
export class HaloPermissionError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('permission', message, details);
    this.name = 'HaloPermissionError';
  }
}
export class HaloNotFoundError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('not_found', message, details);
    this.name = 'HaloNotFoundError';
  }
}
export class HaloValidationError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('validation', message, details);
    this.name = 'HaloValidationError';
  }
}
export class HaloRateLimitedError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('rate_limited', message, details);
    this.name = 'HaloRateLimitedError';
  }
}
export class HaloTransientError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('transient', message, details);
    this.name = 'HaloTransientError';
  }
}
export class HaloBadUrlError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('bad_url', message, details);
    this.name = 'HaloBadUrlError';
  }
}
export class HaloUnknownError extends HaloError {
  constructor(message: string, details?: HaloErrorDetails) {
    super('unknown', message, details);
    this.name = 'HaloUnknownError';
  }
}

/**
 * A write whose fate we cannot know: the request left this process, then the connection dropped, the timeout hit or
 * a gateway answered 5xx. Halo may or may not have saved it. `sent` is the body we posted (secret-looking fields
 * blanked) so the caller can search for the record (e.g. by a reference it set) before writing again.
 */
export class HaloOutcomeUnknownError extends HaloError {
  readonly sent: unknown;
  constructor(message: string, sent: unknown, details?: HaloErrorDetails) {
    super('outcome_unknown', message, details);
    this.name = 'HaloOutcomeUnknownError';
    this.sent = sent;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sent: this.sent };
  }
}

export function isHaloError(e: unknown): e is HaloError {
  return e instanceof HaloError;
}

// ---------------------------------------------------------------------------------------------------------------
// Body parsing

export interface ParsedHaloErrorBody {
  message?: string;
  fieldErrors: HaloFieldError[];
  oauthError?: string;
}

const MAX_MESSAGE = 500;

function clip(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_MESSAGE ? `${t.slice(0, MAX_MESSAGE)}…` : t;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return clip(v);
  return undefined;
}

function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype|html|head|body)/i.test(text);
}

/**
 * Reduce any of Halo's error bodies (HALO-API.md §5.2; DJPSA: "The Halo API doesn't provide a standard error format")
 * to a message and field messages:
 *  1. OAuth `{"error":"invalid_client","error_description":"…"}` (token endpoint, OpenIddict)
 *  2. a bare JSON string `"Some message"`
 *  3. `{"error":"text"}` or `{"error":{"error_description":"…"}}`
 *  4. a serialised .NET exception `{"ClassName":"System.Exception","Message":"…"}`
 *  5. model-binding errors keyed by JSON path `{"[0].id":["…"]}` or `{"id":"…"}` (value shape varies), plus ASP.NET
 *     ProblemDetails `{"title":…,"errors":{field:[…]}}` which the same framework emits
 *  6. empty or plain text bodies (404s, the 429 "Rate Limit Reached" text); HTML error pages are summarised, not quoted.
 */
export function parseHaloErrorBody(text: string | undefined | null): ParsedHaloErrorBody {
  const out: ParsedHaloErrorBody = { fieldErrors: [] };
  if (!text || !text.trim()) return out;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    out.message = looksLikeHtml(text) ? undefined : clip(text);
    return out;
  }
  if (typeof json === 'string') {
    out.message = asText(json);
    return out;
  }
  if (Array.isArray(json)) {
    // Seen from bulk endpoints: a list of messages or of error objects.
    for (const el of json) {
      const sub = parseHaloErrorBody(JSON.stringify(el));
      if (sub.message) out.fieldErrors.push({ field: null, message: sub.message });
      out.fieldErrors.push(...sub.fieldErrors);
    }
    out.message = out.fieldErrors.map((f) => f.message).join('; ') || undefined;
    return out;
  }
  if (!json || typeof json !== 'object') {
    out.message = json === null ? undefined : clip(String(json));
    return out;
  }
  const o = json as Record<string, unknown>;

  // 1 + 3: OAuth / {error: ...}
  if ('error' in o) {
    const err = o.error;
    if (typeof err === 'string') {
      const desc = asText(o.error_description);
      if (desc || /^[a-z_]+$/.test(err)) {
        if (/^[a-z_]+$/.test(err)) out.oauthError = err;
        out.message = desc ?? err;
      } else {
        out.message = asText(err);
      }
      return out;
    }
    if (err && typeof err === 'object') {
      const e = err as Record<string, unknown>;
      out.message = asText(e.error_description) ?? asText(e.message) ?? asText(e.Message) ?? asText(e.error);
      if (out.message) return out;
    }
  }
  // 4: .NET exception
  if ('ClassName' in o || 'Message' in o || 'message' in o) {
    const inner = o.InnerException as Record<string, unknown> | undefined;
    out.message = asText(o.Message) ?? asText(o.message) ?? asText(inner?.Message);
    if (out.message) return out;
  }
  // 5b: ProblemDetails
  if (o.errors && typeof o.errors === 'object' && !Array.isArray(o.errors)) {
    collectFieldErrors(o.errors as Record<string, unknown>, out.fieldErrors);
    out.message = asText(o.title) ?? (out.fieldErrors.map(describeField).join('; ') || undefined);
    return out;
  }
  // 5a: model binding keyed by path
  collectFieldErrors(o, out.fieldErrors);
  if (out.fieldErrors.length) {
    out.message = out.fieldErrors.map(describeField).join('; ');
    return out;
  }
  out.message = asText(o.title) ?? asText(o.detail) ?? asText(o.description);
  return out;
}

function describeField(f: HaloFieldError): string {
  return f.field ? `${f.field}: ${f.message}` : f.message;
}

function collectFieldErrors(o: Record<string, unknown>, into: HaloFieldError[]): void {
  for (const [key, value] of Object.entries(o)) {
    const field = key === '' ? null : key;
    if (typeof value === 'string') {
      if (value.trim()) into.push({ field, message: clip(value) });
    } else if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v === 'string' && v.trim()) into.push({ field, message: clip(v) });
        else if (v && typeof v === 'object') {
          const m = asText((v as Record<string, unknown>).errorMessage) ?? asText((v as Record<string, unknown>).ErrorMessage);
          if (m) into.push({ field, message: m });
        }
      }
    } else if (value && typeof value === 'object') {
      // ModelState entries: {"[0].id": {"errors": [{"errorMessage": "…"}]}}
      const errs = (value as Record<string, unknown>).errors ?? (value as Record<string, unknown>).Errors;
      if (Array.isArray(errs)) collectFieldErrors({ [key]: errs }, into);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scope and status classification

/** The scope an endpoint most probably needs (setup guide: all:standard, all:teams, admin:webhooks). */
export function scopeForPath(path: string): HaloScope {
  const p = path.toLowerCase().replace(/^\/?(api\/)?/, '/');
  if (/^\/(webhook|webhookevent|notification|notifications)(\/|\?|$)/.test(p)) return 'admin:webhooks';
  if (/^\/(team)(\/|\?|$)/.test(p) || p.startsWith('/control/teams')) return 'all:teams';
  return 'all:standard';
}

export interface ClassifyInput {
  status: number;
  method: string;
  path: string;
  bodyText?: string;
  retryAfterMs?: number;
  attempts?: number;
  /** True for the token endpoint: 400/401 there mean bad credentials or scopes, not a bad record. */
  isAuth?: boolean;
}

const PERMISSION_TEXT = /\b(permission|not authori[sz]ed|access (is )?denied|forbidden|insufficient scope)\b/i;

/** Build the classified error for a non-2xx response. */
export function classifyHttpError(input: ClassifyInput): HaloError {
  const { status, method, path } = input;
  const parsed = parseHaloErrorBody(input.bodyText);
  const details: HaloErrorDetails = {
    status,
    method,
    path,
    haloMessage: parsed.message,
    fieldErrors: parsed.fieldErrors,
    oauthError: parsed.oauthError,
    retryAfterMs: input.retryAfterMs,
    attempts: input.attempts,
  };
  const said = parsed.message ? `: ${parsed.message}` : '';
  const where = `${method} ${path}`;

  if (input.isAuth) {
    const code = parsed.oauthError;
    if (code === 'invalid_scope') {
      return new HaloPermissionError(
        `Halo refused the requested scopes (${where} → ${status})${said}. Tick all:standard, all:teams and admin:webhooks on the API application.`,
        details,
      );
    }
    if (status === 400 || status === 401 || status === 403 || code === 'invalid_client' || code === 'unauthorized_client' || code === 'invalid_grant') {
      return new HaloBadCredentialsError(
        `Halo rejected the client credentials (${where} → ${status}${code ? ` ${code}` : ''})${said}. Check the Client ID and Client Secret, that the application uses "Client ID and Secret (Services)" with Login Type: Agent, and that its agent is active.`,
        details,
      );
    }
  }

  switch (true) {
    case status === 401:
      return new HaloBadCredentialsError(`Halo refused the access token (${where} → 401)${said}.`, details);
    case status === 403: {
      const scope = scopeForPath(path);
      return new HaloPermissionError(
        `Halo denied ${where} (403)${said}. The API application or its agent probably lacks the "${scope}" permission.`,
        { ...details, missingScope: scope },
      );
    }
    case status === 404:
      return new HaloNotFoundError(`Halo has no such record or endpoint: ${where} (404)${said}.`, details);
    case status === 429:
      return new HaloRateLimitedError(`Halo rate limit reached on ${where} (429)${said}.`, details);
    case status === 400 && !parsed.fieldErrors.length && !!parsed.message && PERMISSION_TEXT.test(parsed.message): {
      const scope = scopeForPath(path);
      return new HaloPermissionError(
        `Halo denied ${where} (400)${said}. The API application or its agent probably lacks the "${scope}" permission.`,
        { ...details, missingScope: scope },
      );
    }
    case status === 400 || status === 409 || status === 422:
      return new HaloValidationError(`Halo rejected ${where} (${status})${said || ' without a reason'}.`, details);
    case status === 408 || status >= 500:
      return new HaloTransientError(`Halo failed on ${where} (${status})${said}.`, details);
    default:
      return new HaloUnknownError(`Unexpected answer from Halo to ${where} (${status})${said}.`, details);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redaction

const SECRET_KEY = /(secret|password|passwd|token|apikey|api_key|authorization|signature)/i;

/** A deep copy of a request body with secret-looking fields blanked (webhook `basic_password`, …). */
export function redactBody(body: unknown, depth = 0): unknown {
  if (depth > 20) return '[truncated]';
  if (Array.isArray(body)) return body.map((b) => redactBody(b, depth + 1));
  if (body && typeof body === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? '[redacted]' : redactBody(v, depth + 1);
    }
    return out;
  }
  return body;
}

/**
 * Knows the live secrets of one connection (client secret, every access token issued) and blanks them out of any
 * string. Applied to every error message and log line built in this module.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined | null): void {
    // Short values would blank ordinary words; real secrets and tokens are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join('[redacted]');
      const enc = encodeURIComponent(s);
      if (enc !== s && out.includes(enc)) out = out.split(enc).join('[redacted]');
    }
    // Anything shaped like a bearer header or a form-encoded secret, whoever it belongs to.
    return out
      .replace(/(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1[redacted]')
      .replace(/(client_secret=)[^&\s]+/gi, '$1[redacted]')
      .replace(/("?(?:access_token|client_secret|refresh_token|id_token)"?\s*[:=]\s*"?)[^"&\s,}]+/gi, '$1[redacted]');
  }

  /** Deep copy with every string scrubbed. */
  scrubValue(v: unknown, depth = 0): unknown {
    if (typeof v === 'string') return this.scrub(v);
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.scrubValue(x, depth + 1));
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, this.scrubValue(x, depth + 1)]));
  }

  /** Scrub a HaloError in place (message, stack, texts, sent body) and return it. */
  scrubError<E extends HaloError>(e: E): E {
    const w = e as unknown as { message: string; stack?: string; haloMessage?: string; fieldErrors: HaloFieldError[]; sent?: unknown };
    if (e instanceof HaloOutcomeUnknownError) w.sent = this.scrubValue(e.sent);
    w.message = this.scrub(e.message);
    if (e.stack) w.stack = this.scrub(e.stack);
    if (e.haloMessage) w.haloMessage = this.scrub(e.haloMessage);
    w.fieldErrors = e.fieldErrors.map((f) => ({ field: f.field, message: this.scrub(f.message) }));
    return e;
  }
}
