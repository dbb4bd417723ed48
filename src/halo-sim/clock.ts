/** Seed data is dated before this instant, so anything changed while the simulator runs is newer. */
export const SEED_EPOCH = Date.UTC(2026, 0, 1);

/** Halo's "no date" sentinel (HALO-API.md §2.4). */
export const EMPTY_DATE = '1900-01-01T00:00:00';

/**
 * The simulator's time. Strictly increasing, so two edits in the same millisecond still order under
 * `lastupdatefromdate`, and advanceable, so tests can age tokens and rate-limit windows without sleeping.
 */
export class SimClock {
  private offset = Math.max(0, SEED_EPOCH + 86_400_000 - Date.now());
  private last = 0;

  now(): number {
    const t = Math.max(Date.now() + this.offset, this.last + 1);
    this.last = t;
    return t;
  }

  /** Current time without consuming a tick. */
  peek(): number {
    return Math.max(Date.now() + this.offset, this.last);
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  /** The clock's position, so a restored simulator never stamps a time before one it already handed out. */
  exportState(): { offset: number; last: number } {
    return { offset: this.offset, last: this.last };
  }

  importState(saved: { offset: number; last: number }): void {
    this.offset = Math.max(this.offset, saved.offset);
    this.last = Math.max(this.last, saved.last);
  }
}

/** Halo writes datetimes as ISO-8601 without a zone and trims trailing fraction zeros, like .NET. */
export function haloDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace(/\.?0+$/, '');
}

/** Parses a Halo datetime (zone-less means UTC); undefined for garbage. */
export function parseHaloDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const s = value.trim();
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(s) ? s : `${s.length === 10 ? `${s}T00:00:00` : s}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Webhook timestamps are the one place Halo sends a zone and 7 fraction digits (HALO-API.md §4.2). */
export function webhookTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}
