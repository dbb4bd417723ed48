/**
 * Halo's wire format: request bodies are bound like ASP.NET + Newtonsoft.Json binds them (lenient coercion
 * of numeric/boolean strings, unknown properties ignored, wrong types → 400 keyed by JSON path), and
 * responses are written with doubles as `12.0` (HALO-API.md §3.1) and dates without a zone (§2.4).
 */
import { HALO_SCHEMAS } from './schemas/halo-schemas';
import { EMPTY_DATE, haloDate, parseHaloDate } from './clock';

export type HaloRecord = Record<string, unknown>;
export type FieldErrors = Record<string, string[]>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function schemaFields(schema: string): Record<string, string> {
  const fields = HALO_SCHEMAS[schema];
  if (!fields) throw new Error(`no schema ${schema}`);
  return fields;
}

export function isDateField(schema: string, field: string): boolean {
  return HALO_SCHEMAS[schema]?.[field]?.startsWith('t') ?? false;
}

function describe(value: unknown): string {
  if (value === null) return '{null}';
  if (Array.isArray(value)) return 'StartArray';
  if (typeof value === 'object') return 'StartObject';
  return String(value);
}

/** Newtonsoft's wording, minus line/position, which no client parses. */
function bindError(path: string, type: string, value: unknown): string {
  if (value !== null && typeof value === 'object') {
    return `Unexpected token ${describe(value)} when reading ${type}. Path '${path}'.`;
  }
  if (value === null) return `Error converting value {null} to type '${type}'. Path '${path}'.`;
  return `Could not convert ${typeof value} to ${type}: ${String(value)}. Path '${path}'.`;
}

interface Binder {
  errors: FieldErrors;
}

function fail(b: Binder, path: string, message: string): undefined {
  (b.errors[path] ??= []).push(message);
  return undefined;
}

function bindValue(b: Binder, code: string, value: unknown, path: string): unknown {
  const nullable = code.endsWith('?');
  const base = nullable ? code.slice(0, -1) : code;
  if (value === null || value === undefined) {
    const isValueType = /^[idbtu]$/.test(base);
    return isValueType && !nullable ? fail(b, path, bindError(path, netType(base), null)) : null;
  }
  if (base.endsWith('[]')) {
    if (!Array.isArray(value)) return fail(b, path, `Cannot deserialize the current JSON value into a list. Path '${path}'.`);
    return value.map((v, i) => bindValue(b, base.slice(0, -2), v, `${path}[${i}]`));
  }
  switch (base) {
    case 'i': {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof n === 'number' && Number.isInteger(n)) return n;
      if (value === '') return nullable ? null : fail(b, path, bindError(path, 'integer', value));
      return fail(b, path, bindError(path, 'integer', value));
    }
    case 'd': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      if (value === '') return nullable ? null : fail(b, path, bindError(path, 'double', value));
      return fail(b, path, bindError(path, 'double', value));
    }
    case 'b': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      return fail(b, path, bindError(path, 'boolean', value));
    }
    case 's':
    case 'p':
      if (typeof value === 'object') return fail(b, path, bindError(path, 'string', value));
      return String(value);
    case 't': {
      if (value === '') return null;
      const ms = parseHaloDate(value);
      return ms === undefined ? fail(b, path, bindError(path, 'DateTime', value)) : haloDate(ms);
    }
    case 'u':
      if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
      if (value === '') return nullable ? null : fail(b, path, bindError(path, 'Guid', value));
      return fail(b, path, bindError(path, 'Guid', value));
    case 'o':
    case 'a':
      return value;
    default: {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(b, path, bindError(path, base, value));
      return bindObject(b, base, value as HaloRecord, path);
    }
  }
}

function netType(base: string): string {
  return { i: 'System.Int32', d: 'System.Double', b: 'System.Boolean', t: 'System.DateTime', u: 'System.Guid' }[base] ?? base;
}

function bindObject(b: Binder, schema: string, value: HaloRecord, path: string): HaloRecord {
  const fields = schemaFields(schema);
  const out: HaloRecord = {};
  for (const [key, raw] of Object.entries(value)) {
    const code = fields[key];
    if (code === undefined) continue;
    const bound = bindValue(b, code, raw, path ? `${path}.${key}` : key);
    if (bound !== undefined) out[key] = bound;
  }
  return out;
}

export type BindResult = { ok: true; records: HaloRecord[] } | { ok: false; errors: FieldErrors };

/** Binds a POST body, which Halo types as `array<Schema>`. */
export function bindBody(schema: string, body: unknown): BindResult {
  const b: Binder = { errors: {} };
  if (!Array.isArray(body)) {
    return { ok: false, errors: { '': [`Cannot deserialize the current JSON object into type 'List\`1[${schema}]' because the type requires a JSON array.`] } };
  }
  const records = body.map((el, i) =>
    el !== null && typeof el === 'object' && !Array.isArray(el)
      ? bindObject(b, schema, el as HaloRecord, `[${i}]`)
      : (fail(b, `[${i}]`, bindError(`[${i}]`, schema, el)), {}),
  );
  return Object.keys(b.errors).length ? { ok: false, errors: b.errors } : { ok: true, records };
}

/** Date fields a write leaves empty are stored as Halo's sentinel. */
export function fillEmptyDates(schema: string, rec: HaloRecord): void {
  for (const [field, code] of Object.entries(schemaFields(schema))) {
    if (code.startsWith('t') && (rec[field] === null || rec[field] === undefined) && field in rec) rec[field] = EMPTY_DATE;
  }
}

/**
 * JSON.stringify with Halo's number style: integral doubles keep `.0`. JSON cannot tell 12.0 from 12 once
 * parsed, but a client that validates with an int schema, or parses raw text, would see the difference.
 */
export function toHaloJson(value: unknown, schema: string | undefined, floats: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + toHaloJson(value[i], schema, floats);
    return `${out}]`;
  }
  const rec = value as HaloRecord;
  let out = '{';
  let first = true;
  for (const key of Object.keys(rec)) {
    const v = rec[key];
    if (v === undefined) continue;
    const info = fieldInfo(schema, key);
    let text: string;
    if (typeof v === 'string') text = JSON.stringify(v);
    else if (typeof v === 'number' && floats && info.double && Number.isInteger(v) && Math.abs(v) < 1e15) text = `${v}.0`;
    else text = toHaloJson(v, info.nested, floats);
    out += (first ? '' : ',') + info.quoted + ':' + text;
    first = false;
  }
  return `${out}}`;
}

/** What the serialiser needs to know about one field of a schema: its quoted name, whether a double, its nested schema. */
interface FieldInfo {
  quoted: string;
  double: boolean;
  nested: string | undefined;
}

/** Per schema, per field: worked out once, as lists serialise the same fields on every row of every page. */
const FIELD_INFO = new Map<string, Map<string, FieldInfo>>();

function fieldInfo(schema: string | undefined, key: string): FieldInfo {
  const fields = schema ? HALO_SCHEMAS[schema] : undefined;
  if (!fields) return { quoted: JSON.stringify(key), double: false, nested: undefined };
  let byKey = FIELD_INFO.get(schema as string);
  if (!byKey) FIELD_INFO.set(schema as string, (byKey = new Map()));
  let info = byKey.get(key);
  if (!info) {
    const code = Object.hasOwn(fields, key) ? fields[key] : undefined;
    const nested = code ? code.replace(/\??$/, '').replace(/\[\]$/, '') : undefined;
    info = { quoted: JSON.stringify(key), double: code?.startsWith('d') ?? false, nested: nested && HALO_SCHEMAS[nested] ? nested : undefined };
    byKey.set(key, info);
  }
  return info;
}
