/**
 * Every push is read back: after a write, the record is read from Halo and compared with what was sent, field by
 * field, by the pure compare functions beside the payload builders (`compareQuotation`, `compareItem`,
 * `compareTicket`). A difference fails the push with HALO_STORED_DIFFERENTLY (`outbox.ts`): a push is never done
 * while Halo holds something other than what we sent, whether because a guessed field name was ignored, a value
 * was coerced, or a Halo rule overrode it.
 */

/** One field Halo holds differently from what was sent, in words for the push error. */
export interface StoredDifference {
  /** What the field is, for people: `line 2 quantity`, `price`, `status`. */
  field: string;
  /** The Halo wire field compared (for a line field, the first name it was sent under). */
  key: string;
  sent: string;
  stored: string;
}

/** `line 2 quantity: sent 5, Halo stored 1`. */
export const describeDifference = (d: StoredDifference): string => `${d.field}: sent ${d.sent}, Halo stored ${d.stored}`;

export const describeDifferences = (diffs: readonly StoredDifference[]): string => diffs.map(describeDifference).join('; ');

const asNumber = (v: unknown): number | null => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

/** Money and quantities leave with at most 4 decimal places: equal when they agree to those. */
export function sameNumber(sent: unknown, stored: unknown): boolean {
  const a = asNumber(sent);
  const b = asNumber(stored);
  return a !== null && b !== null && Math.abs(a - b) < 0.00005;
}

/** Ids and enum values; Halo's "none" is 0 or null. */
export function sameId(sent: unknown, stored: unknown): boolean {
  return Math.trunc(asNumber(sent) ?? 0) === Math.trunc(asNumber(stored) ?? 0);
}

export const sameFlag = (sent: unknown, stored: unknown): boolean => (sent === true) === (stored === true);

export const sameText = (sent: unknown, stored: unknown): boolean => String(sent ?? '').trim() === String(stored ?? '').trim();

/** A value as a person reads it in an error: numbers plain, text quoted, absence as "nothing". */
export function show(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(Math.round(v * 10_000) / 10_000);
  return String(v);
}

export type Comparison = 'number' | 'id' | 'flag' | 'text';

const SAME: Record<Comparison, (a: unknown, b: unknown) => boolean> = { number: sameNumber, id: sameId, flag: sameFlag, text: sameText };

/**
 * Compares the fields listed in `fields` that were sent (present in `sent`) with what `stored` holds, in that
 * order. `showValue` formats a value of a field for the error (e.g. a billing period with its name).
 */
export function compareFields(
  sent: Record<string, unknown>,
  stored: Record<string, unknown>,
  fields: readonly { key: string; label: string; as: Comparison; show?: (v: unknown) => string }[],
  prefix = '',
): StoredDifference[] {
  const out: StoredDifference[] = [];
  for (const f of fields) {
    if (!(f.key in sent) || sent[f.key] === undefined) continue;
    if (SAME[f.as](sent[f.key], stored[f.key])) continue;
    const fmt = f.show ?? show;
    out.push({ field: `${prefix}${f.label}`, key: f.key, sent: fmt(sent[f.key]), stored: stored[f.key] === undefined ? 'nothing' : fmt(stored[f.key]) });
  }
  return out;
}

/**
 * A value sent under several candidate names (Halo's quote-line quantity and unit price: facts.ts): Halo holds it
 * when every candidate it returns equals what was sent and it returns at least one. `null` when it does.
 */
export function compareCandidates(sentValue: unknown, stored: Record<string, unknown>, names: readonly string[], field: string): StoredDifference | null {
  const present = names.filter((n) => stored[n] !== undefined && stored[n] !== null);
  const key = names[0] ?? field;
  if (!present.length) {
    return { field, key, sent: show(sentValue), stored: `nothing under ${names.map((n) => `"${n}"`).join(' or ')}` };
  }
  const wrong = present.find((n) => !sameNumber(sentValue, stored[n]));
  return wrong === undefined ? null : { field, key: wrong, sent: show(sentValue), stored: show(stored[wrong]) };
}
