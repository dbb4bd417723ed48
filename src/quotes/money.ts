/**
 * Exact money: decimal strings in, decimal strings out, BigInt in between (4 decimal places, as stored in
 * Postgres `numeric(18,4)`). Never a binary float on the way.
 */
const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);
const DECIMAL = /^(-)?(\d{1,14})(?:\.(\d{1,4}))?$/;

export class MoneyError extends Error {}

export function parseDecimal(value: string): bigint {
  const m = DECIMAL.exec(value.trim());
  if (!m) throw new MoneyError(`"${value}" is not a decimal with up to 14 digits and 4 decimal places`);
  const units = BigInt(m[2]) * FACTOR + BigInt((m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] ? -units : units;
}

export function formatDecimal(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(SCALE, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** a × b, rounded half away from zero to 4 places. */
export function multiply(a: string, b: string): string {
  const product = parseDecimal(a) * parseDecimal(b); // scale 8
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs + FACTOR / 2n) / FACTOR;
  return formatDecimal(negative ? -rounded : rounded);
}

export function sum(values: (string | null | undefined)[]): string {
  return formatDecimal(values.reduce<bigint>((acc, v) => acc + (v ? parseDecimal(v) : 0n), 0n));
}

export function subtract(a: string, b: string): string {
  return formatDecimal(parseDecimal(a) - parseDecimal(b));
}

/** For Halo's wire format only (JSON numbers): 4 decimal places are exact in a double for money-sized values. */
export const toWireNumber = (value: string | null | undefined): number | undefined => (value == null ? undefined : Number(value));
