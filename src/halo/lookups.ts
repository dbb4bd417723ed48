import { HALO_LOOKUP_VALUE_FIELDS, QUOTE_STATUS_CLOSED_FLAG } from './facts';
import type { HaloLookup } from './types';

/** The row's non-empty string values, `value2` first (the fields of `HALO_LOOKUP_VALUE_FIELDS`), keyed by field. */
export function lookupValues(row: HaloLookup): { field: string; value: string }[] {
  const out: { field: string; value: string }[] = [];
  for (const field of HALO_LOOKUP_VALUE_FIELDS.value) {
    const v = row[field];
    if (typeof v === 'string' && v.trim()) out.push({ field, value: v.trim() });
    else if (typeof v === 'number') out.push({ field, value: String(v) });
  }
  return out;
}

/**
 * Whether a Quote Status lookup row closes the quote: Halo's SQL marks it `fvalue3 = '1'`, which the API serialises
 * as the string `value3` (HALO-API.md §9; spec `Lookup.value3: string`).
 */
export function isClosedQuoteStatus(row: HaloLookup): boolean {
  const v = row[QUOTE_STATUS_CLOSED_FLAG.value];
  return (typeof v === 'string' && v.trim() === '1') || v === 1;
}
