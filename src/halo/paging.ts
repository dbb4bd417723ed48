import { HaloUnknownError } from './errors';

/**
 * Halo's list answers (HALO-API.md §2.2): paginated endpoints wrap rows as `{"record_count": N, "<key>": [...]}` (the
 * key varies per endpoint: `clients`, `tickets` for opportunities, `quotes`, …); others return a bare array. Some
 * also echo `page_no`/`page_size`/`include_children`. When the expected key is absent we take the single array
 * property, so an unverified key (`/WebhookEvent`, `/Category`, …) or a newer Halo does not break the sync.
 */
export function extractListPage<T>(body: unknown, expectedKey: string | null | undefined, where: string): { rows: T[]; recordCount?: number } {
  if (body === null || body === undefined || body === '') return { rows: [] };
  if (Array.isArray(body)) return { rows: body as T[] };
  if (typeof body !== 'object') throw new HaloUnknownError(`Halo answered ${where} with a ${typeof body} where a list was expected.`);
  const o = body as Record<string, unknown>;
  const rc = o.record_count;
  const recordCount = typeof rc === 'number' && Number.isFinite(rc) ? rc : typeof rc === 'string' && /^\d+$/.test(rc) ? Number(rc) : undefined;
  if (expectedKey && Array.isArray(o[expectedKey])) return { rows: o[expectedKey] as T[], recordCount };
  const arrays = Object.entries(o).filter(([, v]) => Array.isArray(v));
  if (arrays.length === 1) return { rows: arrays[0][1] as T[], recordCount };
  if (arrays.length === 0 && recordCount === 0) return { rows: [], recordCount };
  throw new HaloUnknownError(
    `Halo answered ${where} with an unexpected list shape (keys: ${Object.keys(o).slice(0, 10).join(', ') || 'none'}).`,
  );
}

export interface PageDecisionState {
  requestedSize: number;
  fetched: number;
  largestPage: number;
}

/** Every page size we know Halo to cap at is ≥ 100, so a page shorter than a request of ≤ 100 is the last one. */
export const SAFE_SHORT_PAGE_SIZE = 100;

/**
 * Decide whether another page is needed after one arrived (rows already de-duplicated; `newRows` = rows not seen
 * before). Never derives a page count from the requested size: Halo may cap `page_size` silently (tickets at 100
 * while `record_count` stays true), so "short" means shorter than the largest page seen, or shorter than a request
 * small enough that no cap applies.
 */
export function isLastPage(args: { pageRows: number; newRows: number; recordCount?: number; state: PageDecisionState }): boolean {
  const { pageRows, newRows, recordCount, state } = args;
  if (pageRows === 0) return true; // empty page
  if (newRows === 0) return true; // Halo sent the same page again (ignores page_no)
  if (recordCount !== undefined && state.fetched >= recordCount) return true;
  if (pageRows < state.largestPage) return true; // shorter than an earlier page: the end
  if (pageRows < state.requestedSize && state.requestedSize <= SAFE_SHORT_PAGE_SIZE) return true;
  return false;
}

export function recordKey(row: unknown): string | undefined {
  if (row && typeof row === 'object') {
    const id = (row as { id?: unknown }).id;
    if (typeof id === 'number' || typeof id === 'string') return String(id);
  }
  return undefined;
}
