/**
 * Keeps this process under Halo's rolling request budget (hosted: "300 Requests per rolling 5 minute window",
 * HALO-API.md §5.1) across every caller that talks to the same Halo instance.
 *
 * The interface is deliberately tiny so a Postgres-backed implementation can replace the in-memory one when several
 * processes share a tenant: `acquire()` would insert a row into a per-instance request log (or take a slot in a
 * counter table) inside a transaction and wait until fewer than `max` rows fall inside the window; `penalize()` would
 * write a "blocked until" timestamp all processes read. Nothing else in the client changes.
 */
import { HALO_RATE_LIMIT } from './facts';
export interface RateGovernor {
  /**
   * Resolves when one request may be sent now. FIFO: earlier callers go first. It may resolve with a slot whose
   * `done()` the caller calls once the answer arrived (or the request failed).
   */
  acquire(signal?: AbortSignal): Promise<RateSlot | void>;
  /** Halo answered 429: hold every caller back for at least `ms`. */
  penalize?(ms: number): void;
}

/** One admitted request. */
export interface RateSlot {
  /**
   * The answer arrived (or the request failed): Halo has counted the request by now, so its slot is held a window
   * from this moment, not from when it was sent. Under load a request reaches Halo well after we send it, and a
   * window counted from the send would free its slot before Halo's does.
   */
  done(): void;
}

export interface RateBudget {
  max: number;
  windowMs: number;
}

/** Hosted Halo's limit, from the catalogue of Halo facts (its sources are there). */
export const DEFAULT_RATE_BUDGET: RateBudget = HALO_RATE_LIMIT.value;

/**
 * Sliding-window log: at most `max` requests in any `windowMs`, each counted from when it was sent and, once its
 * answer is in, from when the answer arrived (see {@link RateSlot}).
 */
export class InMemoryRateGovernor implements RateGovernor {
  private sent: Array<{ at: number }> = [];
  private readonly waiters: Array<{ resolve: (slot: RateSlot) => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private blockedUntil = 0;

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = Date.now,
  ) {
    if (!(budget.max >= 1) || !(budget.windowMs > 0)) throw new Error('rate budget needs max >= 1 and windowMs > 0');
  }

  acquire(signal?: AbortSignal): Promise<RateSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RateSlot>((resolve, reject) => {
      const w: (typeof this.waiters)[number] = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
      this.drain();
    });
  }

  penalize(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + Math.max(0, ms));
  }

  /** Requests sent within the current window (for tests and metrics). */
  inFlightWindow(): number {
    this.prune(this.now());
    return this.sent.length;
  }

  /**
   * We count at send time, Halo at receipt: a slot frees a little after the window so that network jitter cannot
   * make Halo see max+1 requests in its window (2 % of the window, at most 1 s).
   */
  private get slackMs(): number {
    return Math.min(1000, Math.ceil(this.budget.windowMs * 0.02));
  }

  private prune(now: number): void {
    const cutoff = now - this.budget.windowMs - this.slackMs;
    if (this.sent.some((e) => e.at <= cutoff)) this.sent = this.sent.filter((e) => e.at > cutoff);
  }

  private drain(): void {
    if (this.timer) return;
    const now = this.now();
    this.prune(now);
    while (this.waiters.length && now >= this.blockedUntil && this.sent.length < this.budget.max) {
      const w = this.waiters.shift()!;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      const entry = { at: now };
      this.sent.push(entry);
      w.resolve({ done: () => (entry.at = Math.max(entry.at, this.now())) });
    }
    if (!this.waiters.length) return;
    const oldest = this.sent.reduce((min, e) => Math.min(min, e.at), Infinity);
    const nextFree = this.sent.length >= this.budget.max ? oldest + this.budget.windowMs + this.slackMs + 1 : now;
    const wait = Math.max(nextFree, this.blockedUntil) - now;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.max(1, wait));
    // A pending wait must not keep a finished process alive.
    this.timer.unref?.();
  }
}

/** A governor that never waits (rateBudget: false). */
export const unlimitedGovernor: RateGovernor = { acquire: () => Promise.resolve(undefined) };

const registry = new Map<string, InMemoryRateGovernor>();

/**
 * The process-wide governor for one Halo instance, keyed by its resource server URL. Every HaloClient for the same
 * instance shares it, whatever connection object created it. The first caller's budget wins; a caller asking for a
 * different budget gets a fresh governor only if none exists yet (budgets come from one config value in practice).
 */
export function governorFor(key: string, budget: RateBudget = DEFAULT_RATE_BUDGET): InMemoryRateGovernor {
  const k = key.toLowerCase().replace(/\/+$/, '');
  let g = registry.get(k);
  if (!g) {
    g = new InMemoryRateGovernor(budget);
    registry.set(k, g);
  }
  return g;
}

/** Forget the shared governors (tests). */
export function resetRateGovernors(): void {
  registry.clear();
}
