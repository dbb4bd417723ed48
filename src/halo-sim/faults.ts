/** Programmable misbehaviour of the HTTP side, and Halo's rolling-window rate limit (HALO-API.md §5.1). */

export interface RequestMatch {
  method?: string;
  /** Exact path, a glob (`/api/Client/*`), or a RegExp; case-insensitive like Halo's routing. */
  path?: string | RegExp;
}

export interface FaultSpec {
  /**
   * latency: answer normally after `ms`. error5xx: answer `status` (default 500) without touching state.
   * hang: hold the request for `ms`, then 504 like the gateway in front of Halo. timeoutAfterApply: perform the
   * request, then hang and 504 (the "did my write go through?" case). rateLimit: a 429 regardless of the counter.
   * storeDifferently: a POST is saved with the fields in `set` instead of what it sent (a Halo rule or default
   * overriding a value), and answered normally.
   */
  kind: 'latency' | 'error5xx' | 'hang' | 'timeoutAfterApply' | 'rateLimit' | 'storeDifferently';
  /** Which requests it hits (default: any). */
  match?: EndpointPattern;
  /** How many matching requests it affects (default 1; Infinity for all). */
  count?: number;
  ms?: number;
  status?: number;
  /** storeDifferently: the header fields Halo stores instead, e.g. `{ baseprice: 0 }`. */
  set?: Record<string, unknown>;
}

interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
}

/** `'GET /api/Client'`, `'/api/Client/*'` or a RegExp over `METHOD /path`. */
export type EndpointPattern = string | RegExp | RequestMatch;

export function matches(pattern: EndpointPattern | undefined, method: string, path: string): boolean {
  return matcher(pattern)(method, path);
}

/** `matches` with the pattern parsed and compiled once, for testing many requests against one pattern. */
export function matcher(pattern: EndpointPattern | undefined): (method: string, path: string) => boolean {
  if (pattern === undefined) return () => true;
  if (pattern instanceof RegExp) return (method, path) => pattern.test(`${method} ${path}`) || pattern.test(path);
  if (typeof pattern === 'string') {
    const m = /^([A-Z]+)\s+(.*)$/.exec(pattern);
    return matcher({ method: m?.[1], path: m ? m[2] : pattern });
  }
  const wantMethod = pattern.method ? pattern.method.toUpperCase() : undefined;
  const p = pattern.path;
  let testPath: (path: string) => boolean;
  if (p === undefined) testPath = () => true;
  else if (p instanceof RegExp) testPath = (path) => p.test(path);
  else {
    const glob = p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
    const re = new RegExp(`^${glob}/?$`, 'i');
    testPath = (path) => re.test(path);
  }
  return (method, path) => (wantMethod === undefined || wantMethod === method) && testPath(path);
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): number {
    const id = this.nextId++;
    this.faults.push({ ...spec, id, remaining: spec.count ?? 1 });
    return id;
  }

  clear(id?: number): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  list(): FaultSpec[] {
    return this.faults.map(({ id: _id, remaining, ...spec }) => ({ ...spec, count: remaining }));
  }

  /** The first armed fault for this request, consuming one of its uses. */
  take(method: string, path: string): FaultSpec | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && matches(f.match, method, path));
    if (!fault) return undefined;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }
}

export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Counts accepted requests in a rolling window; refused ones do not count, so a client that backs off recovers. */
export class RollingRateLimiter {
  private hits: number[] = [];

  constructor(public limit: RateLimit | false) {}

  /** Undefined when the request may proceed, else milliseconds until a slot frees up. */
  acquire(now: number): number | undefined {
    if (!this.limit) return undefined;
    const since = now - this.limit.windowMs;
    let drop = 0;
    while (drop < this.hits.length && (this.hits[drop] as number) <= since) drop++;
    if (drop) this.hits = this.hits.slice(drop);
    if (this.hits.length >= this.limit.max) return (this.hits[0] as number) + this.limit.windowMs - now;
    this.hits.push(now);
    return undefined;
  }

  reset(): void {
    this.hits = [];
  }

  /** Halo's text, with this limiter's numbers. */
  message(): string {
    const limit = this.limit || { max: 300, windowMs: 300_000 };
    const minutes = Math.round(limit.windowMs / 60_000);
    return `Rate Limit Reached - ${limit.max} Requests per rolling ${minutes} minute window`;
  }
}
