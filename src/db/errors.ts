import { DriverException } from '@mikro-orm/core';

/**
 * The one classifier of database errors (by SQLSTATE) for everything a user or an API answer sees: a sync run's
 * record errors, a webhook delivery's error, the receiver's answer. A driver's message carries the whole statement
 * with its row values (thousands of characters of someone's data), so it never leaves the process: callers store
 * and show `message`, and log `log` (SQLSTATE, table, column, constraint; values masked).
 */
export interface DbErrorClass {
  /** Ours, stable, upper case: NUMERIC_OUT_OF_RANGE, VALUE_TOO_LONG, … */
  code: string;
  sqlstate: string;
  /** Trying again later can succeed (the database was busy, unavailable or in a conflict); otherwise the data is at fault. */
  transient: boolean;
  /** For users: what happened, without SQL or values. */
  message: string;
  /** What to do about it. */
  hint: string;
  /** For the log only: where it happened, never a row value. */
  log: { sqlstate: string; code: string; table?: string; column?: string; constraint?: string; dataType?: string; reason?: string };
}

/** The largest value of a Postgres `integer` column (Halo's ids fit it: they are SQL Server ints). */
export const INT4_MAX = 2_147_483_647;

interface Kind {
  code: string;
  reason: string;
  transient?: boolean;
}

/** SQLSTATE → what it means for the data, most specific first (Postgres Appendix A, "PostgreSQL Error Codes"). */
const EXACT: Record<string, Kind> = {
  '22003': { code: 'NUMERIC_OUT_OF_RANGE', reason: 'a value is out of range for its column' },
  '22001': { code: 'VALUE_TOO_LONG', reason: 'a text value is longer than its column allows' },
  '22008': { code: 'DATE_OUT_OF_RANGE', reason: 'a date is out of the range the database can store' },
  '22007': { code: 'INVALID_DATE', reason: 'a date is not in a form the database reads' },
  '22P02': { code: 'INVALID_VALUE', reason: 'a value is not of its column’s type' },
  '22021': { code: 'INVALID_TEXT', reason: 'a text value holds a character the database cannot store' },
  '22P05': { code: 'INVALID_TEXT', reason: 'a text value holds a character the database cannot store' },
  '22004': { code: 'MISSING_VALUE', reason: 'a required value is missing' },
  '23502': { code: 'MISSING_VALUE', reason: 'a required value is missing' },
  '23505': { code: 'DUPLICATE_VALUE', reason: 'another record already holds a value that must be unique' },
  '23503': { code: 'MISSING_REFERENCE', reason: 'it refers to a record that does not exist' },
  '23514': { code: 'CHECK_FAILED', reason: 'a value breaks a rule of its column' },
  '40001': { code: 'TRANSACTION_CONFLICT', reason: 'it collided with another change', transient: true },
  '40P01': { code: 'TRANSACTION_CONFLICT', reason: 'it collided with another change', transient: true },
  '55P03': { code: 'TRANSACTION_CONFLICT', reason: 'a row it needed was locked', transient: true },
  '57014': { code: 'DATABASE_TIMEOUT', reason: 'the database took too long', transient: true },
};
/** By SQLSTATE class (the first two characters) when no exact code matches. */
const BY_CLASS: Record<string, Kind> = {
  '08': { code: 'DATABASE_UNAVAILABLE', reason: 'the database could not be reached', transient: true },
  '22': { code: 'INVALID_DATA', reason: 'a value does not fit its column' },
  '23': { code: 'CONSTRAINT_VIOLATION', reason: 'it breaks a rule of the database' },
  '40': { code: 'TRANSACTION_CONFLICT', reason: 'it collided with another change', transient: true },
  '53': { code: 'DATABASE_UNAVAILABLE', reason: 'the database is out of resources', transient: true },
  '57': { code: 'DATABASE_UNAVAILABLE', reason: 'the database is shutting down or starting', transient: true },
  '58': { code: 'DATABASE_UNAVAILABLE', reason: 'the database had a system error', transient: true },
};
const OTHER: Kind = { code: 'DATABASE_ERROR', reason: 'the database refused it' };
/** Errors of the connection itself (no SQLSTATE): the pool, the socket. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE: Kind = { code: 'DATABASE_UNAVAILABLE', reason: 'the database could not be reached', transient: true };

const SQLSTATE = /^[0-9A-Z]{5}$/;

type PgFields = { code?: unknown; severity?: unknown; table?: unknown; column?: unknown; constraint?: unknown; dataType?: unknown; name?: unknown; message?: unknown };

function kindOf(err: unknown): { kind: Kind; sqlstate: string } | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as PgFields;
  const code = typeof e.code === 'string' ? e.code : '';
  const fromDriver = err instanceof DriverException || typeof e.severity === 'string';
  if (fromDriver && SQLSTATE.test(code)) return { kind: EXACT[code] ?? BY_CLASS[code.slice(0, 2)] ?? OTHER, sqlstate: code };
  if (fromDriver && NETWORK_CODES.has(code)) return { kind: UNAVAILABLE, sqlstate: '08000' };
  // The pool gave no connection in time (knex), or the socket closed under a query.
  if (e.name === 'KnexTimeoutError' || (err instanceof DriverException && /connection terminated|timeout acquiring a connection/i.test(String(e.message)))) {
    return { kind: UNAVAILABLE, sqlstate: '08000' };
  }
  return null;
}

/**
 * What a database error means, or null when `err` is not one. `subject` names what failed for the reader
 * ("The record could not be saved"; "The delivery could not be stored").
 */
export function classifyDbError(err: unknown, subject = 'The record could not be saved'): DbErrorClass | null {
  const found = kindOf(err);
  if (!found) return null;
  const { kind, sqlstate } = found;
  const transient = kind.transient === true;
  const e = err as PgFields;
  const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 100) : undefined);
  return {
    code: kind.code,
    sqlstate,
    transient,
    message: `${subject}: ${kind.reason} (code ${kind.code})`,
    hint: transient
      ? 'The database was busy or unavailable; it is tried again.'
      : 'A value from Halo does not fit our database. The service log names the table and column; the next run tries again.',
    log: { sqlstate, code: kind.code, table: str(e.table), column: str(e.column), constraint: str(e.constraint), dataType: str(e.dataType), reason: driverReason(e.message) },
  };
}

/**
 * The database's own words without the statement before them (the driver prefixes the whole SQL with its values,
 * then " - "), with quoted values masked: `value "…" is out of range for type integer`.
 */
function driverReason(message: unknown): string | undefined {
  if (typeof message !== 'string') return undefined;
  const cut = message.lastIndexOf(' - ');
  const reason = cut >= 0 ? message.slice(cut + 3) : message;
  // A reason that still looks like a statement is not worth the risk of logging values.
  if (/\b(insert|update|select|delete)\b.*\b(into|set|from|values)\b/i.test(reason)) return undefined;
  return reason.replace(/"[^"]*"/g, '"…"').replace(/'[^']*'/g, "'…'").slice(0, 200);
}

/** For a log line: the classified fields of a database error, else the error's message (never a statement). */
export function errorForLog(err: unknown): Record<string, unknown> | string {
  const db = classifyDbError(err);
  if (db) return db.log;
  return err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500);
}
