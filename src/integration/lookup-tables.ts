/**
 * Verification of the Halo lookup tables the product reads (pure). Two ids are confirmed (customer type 33, quote
 * status 39); country, region and pipeline stage ids have no source (HALO-API.md §9), so they are per-tenant
 * settings with a default, and every read of them is checked first: does the table exist, do its rows look like what
 * we expect, and do they agree with what Halo itself resolved on the records we synced (site country and region
 * names, opportunity stage names)? A table that fails is never served as if it were right: the lists say why, the
 * checklist names the fix.
 */
import {
  HALO_LOOKUPS,
  HALO_LOOKUP_TITLES,
  HALO_LOOKUP_VALUE_FIELDS,
  UNKNOWN_LOOKUPS,
  type HaloFactGrade,
  type HaloLookupName,
  type UnknownLookupName,
} from '../halo/facts';
import { isClosedQuoteStatus, lookupValues } from '../halo/lookups';
import type { HaloLookup } from '../halo/types';
import type { Check } from './checklist';

/**
 * VERIFIED: the rows look right and agree with the synced records that name them. PLAUSIBLE: the rows look right,
 * but no synced record names one yet. FAILED: no rows, rows of another kind, or rows that contradict synced records.
 * UNCHECKED: Halo could not be asked.
 */
export type LookupVerdict = 'VERIFIED' | 'PLAUSIBLE' | 'FAILED' | 'UNCHECKED';
/** CONFIRMED: a constant from the evidence. DEFAULT: our unconfirmed guess. ADMIN: set by the tenant's admin. */
export type LookupIdSource = 'CONFIRMED' | 'DEFAULT' | 'ADMIN';

export interface LookupRowView {
  id: number;
  name: string;
  /** The row's non-empty values (`value2`…), in field order. */
  codes: string[];
  /** Quote statuses only: whether the status closes the quote (`value3 = '1'`). */
  closed?: boolean;
  /** Countries and regions, once checked: the 2-letter (country) code, from the field found to hold it. */
  code?: string | null;
}

/** What Halo itself resolved on the records we synced: the names it shows next to the ids. */
export interface SyncedLookupEvidence {
  /** (2-letter code, country name) pairs on synced sites. */
  siteCountries: { code: string; name: string }[];
  /** Region names on synced sites. */
  siteRegions: string[];
  /** (stage id, stage name) pairs on synced opportunities. */
  opportunityStages: { id: number; name: string }[];
}

export interface LookupTableReport {
  key: HaloLookupName;
  title: string;
  lookupId: number;
  source: LookupIdSource;
  grade: HaloFactGrade;
  /** Where the id comes from (the evidence, or why it is unknown). */
  evidence: string;
  verdict: LookupVerdict;
  detail: string;
  /** What to do when the table is wrong or unconfirmed; null when nothing is needed. */
  fix: string | null;
  /** Every row read (the GraphQL layer shows the first few). */
  rows: LookupRowView[];
  /** Countries and regions: the field holding the 2-letter (country) code, once found. */
  codeField: string | null;
  /** Why the table could not be read, when UNCHECKED. */
  error?: unknown;
}

export interface LookupTablesInput {
  ids: Record<HaloLookupName, { id: number; source: LookupIdSource }>;
  /** Rows per lookup id, or the error that reading them raised. */
  rows: ReadonlyMap<number, HaloLookup[] | { error: unknown }>;
  evidence: SyncedLookupEvidence;
}

/** Share of rows that must look right: real tables carry a few odd rows (an "Unknown", a custom entry). */
const MOST = 0.8;
const TWO_LETTERS = /^[A-Za-z]{2}$/;
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const fieldValue = (row: HaloLookup, field: string): string | null => {
  const v = row[field];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
};

export function rowView(key: HaloLookupName, row: HaloLookup): LookupRowView {
  const view: LookupRowView = { id: row.id, name: typeof row.name === 'string' ? row.name : '', codes: lookupValues(row).map((v) => v.value) };
  if (key === 'quoteStatus') view.closed = isClosedQuoteStatus(row);
  return view;
}

/** "3 Away, 4 Busy, …" — what an admin sees of a table in a message. */
export function preview(rows: LookupRowView[], n = 5): string {
  if (!rows.length) return 'nothing';
  const shown = rows.slice(0, n).map((r) => `${r.id} "${r.name}"${r.codes.length ? ` (${r.codes.slice(0, 2).join(', ')})` : ''}`);
  return shown.join(', ') + (rows.length > n ? `, … (${rows.length} rows)` : '');
}

/** The value field in which most rows hold a value accepted by `test`, with how many; null when none reaches MOST. */
function bestField(rows: HaloLookup[], test: (v: string) => boolean): { field: string; hits: number } | null {
  let best: { field: string; hits: number } | null = null;
  for (const field of HALO_LOOKUP_VALUE_FIELDS.value) {
    const hits = rows.filter((r) => {
      const v = fieldValue(r, field);
      return v !== null && test(v);
    }).length;
    if (hits > (best?.hits ?? 0)) best = { field, hits };
  }
  return best && best.hits >= MOST * rows.length ? best : null;
}

interface Verdict {
  verdict: LookupVerdict;
  detail: string;
  codeField?: string | null;
}

function verifyCountries(id: number, rows: HaloLookup[], evidence: SyncedLookupEvidence): Verdict {
  const coded = bestField(rows, (v) => TWO_LETTERS.test(v));
  if (!coded) {
    return { verdict: 'FAILED', detail: `Lookup ${id} does not hold countries: fewer than ${MOST * 100}% of its ${rows.length} rows carry a 2-letter code.` };
  }
  const codes = rows.map((r) => fieldValue(r, coded.field)?.toUpperCase()).filter((c): c is string => !!c && TWO_LETTERS.test(c));
  const distinct = new Set(codes).size;
  if (distinct < 0.95 * codes.length) {
    return { verdict: 'FAILED', detail: `Lookup ${id} repeats its 2-letter codes (${codes.length} rows, ${distinct} codes): it looks like regions, not countries.` };
  }
  if (rows.filter((r) => typeof r.name === 'string' && r.name.trim()).length < MOST * rows.length) {
    return { verdict: 'FAILED', detail: `Lookup ${id} has 2-letter codes but most rows have no name.` };
  }
  const byCode = new Map(rows.map((r) => [fieldValue(r, coded.field)?.toUpperCase(), r] as const));
  const wrong = evidence.siteCountries.filter((c) => {
    const row = byCode.get(c.code.toUpperCase());
    return !row || !same(String(row.name ?? ''), c.name);
  });
  if (wrong.length) {
    const w = wrong[0]!;
    return {
      verdict: 'FAILED',
      detail: `Synced sites are in ${w.code} "${w.name}", which lookup ${id} does not hold${wrong.length > 1 ? ` (nor ${wrong.length - 1} other countries of synced sites)` : ''}.`,
      codeField: coded.field,
    };
  }
  const base = `${rows.length} rows with distinct 2-letter codes in ${coded.field}`;
  return evidence.siteCountries.length
    ? { verdict: 'VERIFIED', detail: `${base}; they agree with the ${evidence.siteCountries.length} countries Halo shows on synced sites.`, codeField: coded.field }
    : { verdict: 'PLAUSIBLE', detail: `${base}; no synced site names a country yet to cross-check.`, codeField: coded.field };
}

function verifyRegions(id: number, rows: HaloLookup[], countries: { report: Verdict; rows: HaloLookup[] } | null, evidence: SyncedLookupEvidence): Verdict {
  if (!countries || countries.report.verdict === 'FAILED' || countries.report.verdict === 'UNCHECKED' || !countries.report.codeField) {
    return { verdict: 'FAILED', detail: `Regions are checked against the countries, and the Country Codes table is not confirmed (${countries?.report.detail ?? 'not read'}).` };
  }
  const countryField = countries.report.codeField;
  const countryCodes = new Set(countries.rows.map((r) => fieldValue(r, countryField)?.toUpperCase()).filter((c): c is string => !!c));
  const countryNames = countries.rows.map((r) => String(r.name ?? '')).filter(Boolean);
  const coded = bestField(rows, (v) => countryCodes.has(v.toUpperCase()));
  if (!coded) {
    return { verdict: 'FAILED', detail: `Lookup ${id} does not hold regions: fewer than ${MOST * 100}% of its ${rows.length} rows carry a country's code.` };
  }
  const named = rows.filter((r) => countryNames.some((n) => same(n, String(r.name ?? '')))).length;
  if (named >= 0.5 * rows.length) return { verdict: 'FAILED', detail: `Lookup ${id} holds countries (${named} of ${rows.length} rows are named like the countries), not regions.` };
  const missing = evidence.siteRegions.filter((name) => !rows.some((r) => same(String(r.name ?? ''), name)));
  if (missing.length) {
    return { verdict: 'FAILED', detail: `Synced sites are in region "${missing[0]!}", which lookup ${id} does not hold${missing.length > 1 ? ` (nor ${missing.length - 1} other regions of synced sites)` : ''}.`, codeField: coded.field };
  }
  const base = `${rows.length} rows carrying a country's code in ${coded.field}`;
  return evidence.siteRegions.length
    ? { verdict: 'VERIFIED', detail: `${base}; they include the ${evidence.siteRegions.length} regions Halo shows on synced sites.`, codeField: coded.field }
    : { verdict: 'PLAUSIBLE', detail: `${base}; no synced site names a region yet to cross-check.`, codeField: coded.field };
}

function verifyStages(id: number, rows: HaloLookup[], evidence: SyncedLookupEvidence): Verdict {
  if (rows.filter((r) => typeof r.name === 'string' && r.name.trim()).length < MOST * rows.length) {
    return { verdict: 'FAILED', detail: `Most rows of lookup ${id} have no name: they are not pipeline stages.` };
  }
  const coded = bestField(rows, (v) => TWO_LETTERS.test(v));
  if (coded) return { verdict: 'FAILED', detail: `The rows of lookup ${id} carry 2-letter codes (in ${coded.field}) like a country or region table, not pipeline stages.` };
  const byId = new Map(rows.map((r) => [r.id, r]));
  const wrong = evidence.opportunityStages.filter((s) => !same(String(byId.get(s.id)?.name ?? ''), s.name));
  if (wrong.length) {
    const w = wrong[0]!;
    const there = byId.get(w.id);
    return {
      verdict: 'FAILED',
      detail: `Synced opportunities are at stage ${w.id} "${w.name}", but lookup ${id} ${there ? `calls ${w.id} "${String(there.name ?? '')}"` : `has no row ${w.id}`}${wrong.length > 1 ? ` (and ${wrong.length - 1} more stages disagree)` : ''}.`,
    };
  }
  return evidence.opportunityStages.length
    ? { verdict: 'VERIFIED', detail: `${rows.length} named rows; they agree with the ${evidence.opportunityStages.length} stages Halo shows on synced opportunities.` }
    : { verdict: 'PLAUSIBLE', detail: `${rows.length} named rows; no synced opportunity has a stage yet to cross-check.` };
}

function verifyConfirmed(key: HaloLookupName, id: number, rows: HaloLookup[]): Verdict {
  const named = rows.filter((r) => typeof r.name === 'string' && r.name.trim()).length;
  if (named < MOST * rows.length) return { verdict: 'FAILED', detail: `Most rows of lookup ${id} have no name.` };
  const closed = key === 'quoteStatus' ? `; ${rows.filter(isClosedQuoteStatus).length} close the quote (value3 = '1')` : '';
  return { verdict: 'VERIFIED', detail: `${rows.length} named rows${closed}.` };
}

const SET_FIX = (key: UnknownLookupName) =>
  `In Halo, find the id of the ${HALO_LOOKUP_TITLES[key]} lookup table (a Halo SQL report such as \`select distinct fid, fcode from lookup where fvalue = '<a name you know>'\` shows it), then call setHaloLookupIds(input: { ${key}: <that id> }).`;

/** Verifies every lookup table the product reads. Pure: the same rows and evidence always give the same reports. */
export function verifyLookupTables(input: LookupTablesInput): LookupTableReport[] {
  const order: HaloLookupName[] = ['customerType', 'quoteStatus', 'countryCode', 'regionCode', 'pipelineStage'];
  const verdicts = new Map<HaloLookupName, { report: Verdict; rows: HaloLookup[] }>();
  const reports: LookupTableReport[] = [];
  for (const key of order) {
    const { id, source } = input.ids[key];
    const read = input.rows.get(id);
    const rows = Array.isArray(read) ? read : [];
    let v: Verdict;
    if (!read || !Array.isArray(read)) {
      const err = read && 'error' in read ? read.error : undefined;
      v = { verdict: 'UNCHECKED', detail: `Could not read lookup ${id} from Halo${err instanceof Error ? `: ${err.message}` : ''}.` };
    } else if (!rows.length) {
      v = { verdict: 'FAILED', detail: `Halo's lookup ${id} has no rows: there is no such table, or it is empty.` };
    } else if (key === 'countryCode') v = verifyCountries(id, rows, input.evidence);
    else if (key === 'regionCode') v = verifyRegions(id, rows, verdicts.get('countryCode') ?? null, input.evidence);
    else if (key === 'pipelineStage') v = verifyStages(id, rows, input.evidence);
    else v = verifyConfirmed(key, id, rows);
    verdicts.set(key, { report: v, rows });

    const views = rows.map((r) => (v.codeField ? { ...rowView(key, r), code: fieldValue(r, v.codeField) } : rowView(key, r)));
    const unknown = (UNKNOWN_LOOKUPS as readonly string[]).includes(key);
    let fix: string | null = null;
    if (unknown && v.verdict === 'FAILED') fix = `${SET_FIX(key as UnknownLookupName)} Lookup ${id} holds: ${preview(views)}.`;
    else if (unknown && v.verdict === 'PLAUSIBLE' && source === 'DEFAULT') {
      fix = `Lookup ${id} is our unconfirmed default. If its rows (${preview(views)}) are Halo's ${HALO_LOOKUP_TITLES[key]}, confirm it with setHaloLookupIds(input: { ${key}: ${id} }); otherwise: ${SET_FIX(key as UnknownLookupName)}`;
    } else if (!unknown && v.verdict === 'FAILED') fix = 'A confirmed table failed its check: report it to support with the rows shown.';
    reports.push({
      key,
      title: HALO_LOOKUP_TITLES[key],
      lookupId: id,
      source,
      grade: HALO_LOOKUPS[key].grade,
      evidence: HALO_LOOKUPS[key].source,
      verdict: v.verdict,
      detail: v.detail,
      fix,
      rows: views,
      codeField: v.codeField ?? null,
      ...(read && !Array.isArray(read) ? { error: read.error } : {}),
    });
  }
  return reports;
}

/** Whether a report's rows may be shown as what they claim to be. */
export const servable = (r: LookupTableReport) => r.verdict === 'VERIFIED' || r.verdict === 'PLAUSIBLE';

/**
 * One checklist item per lookup id we cannot confirm from the evidence; `reports` null when they could not be read
 * (not connected, or `unavailable` says why). OK once the rows agree with synced records, or look right and the admin confirmed the id.
 */
export function lookupChecks(reports: LookupTableReport[] | null, unavailable?: string): Check[] {
  return UNKNOWN_LOOKUPS.map((key): Check => {
    const id = `lookup_${key}`;
    const title = `${HALO_LOOKUP_TITLES[key]} lookup id confirmed`;
    const r = reports?.find((x) => x.key === key);
    if (!r) return { id, title, status: 'UNKNOWN', detail: unavailable ? `Could not be checked: ${unavailable}` : 'Not checked yet: connect first.' };
    const which = `Lookup ${r.lookupId} (${r.source === 'ADMIN' ? 'set by an admin' : 'our unconfirmed default'})`;
    switch (r.verdict) {
      case 'UNCHECKED':
        return { id, title, status: 'UNKNOWN', detail: `${which}: ${r.detail}` };
      case 'FAILED':
        return { id, title, status: 'ACTION_NEEDED', detail: `${which}: ${r.detail}`, fix: r.fix ?? SET_FIX(key) };
      case 'PLAUSIBLE':
        if (r.source === 'DEFAULT') return { id, title, status: 'WARNING', detail: `${which}: ${r.detail}`, fix: r.fix ?? SET_FIX(key) };
        return { id, title, status: 'OK', detail: `${which}: ${r.detail}` };
      default:
        return { id, title, status: 'OK', detail: `${which}: ${r.detail}` };
    }
  });
}
