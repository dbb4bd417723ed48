/**
 * Halo datetimes are ISO-8601 without a zone and mean UTC (`2026-02-10T00:00:00`); an "empty" date comes back as
 * `1900-01-01T00:00:00` (HALO-API.md §2.4, DJPSA `empty_date_parser`).
 */

const EMPTY_YEAR_MAX = 1901;

/** Parse a Halo datetime. Zone-less → UTC; the 1900 sentinel, empty and unparsable values → null. */
export function parseHaloDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (!s) return null;
  const hasZone = /(z|[+-]\d{2}:?\d{2})$/i.test(s);
  const isoish = /^\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?/i.test(s);
  if (!isoish) return null;
  let norm = s.replace(' ', 'T');
  if (!hasZone) norm = norm.length === 10 ? `${norm}T00:00:00Z` : `${norm}Z`;
  // JS Date accepts at most millisecond precision; Halo sends up to 7 fractional digits.
  norm = norm.replace(/(\.\d{3})\d+/, '$1');
  const d = new Date(norm);
  if (Number.isNaN(d.getTime())) return null;
  if (d.getUTCFullYear() < EMPTY_YEAR_MAX) return null;
  return d;
}

/** Format for Halo query params and bodies: UTC, no zone, no milliseconds (`2026-08-01T06:30:00`). */
export function formatHaloDate(date: Date | string | number): string {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid date: ${String(date)}`);
  return d.toISOString().slice(0, 19);
}
