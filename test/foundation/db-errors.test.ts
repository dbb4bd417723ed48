import { describe, expect, it } from 'vitest';
import { classifyDbError, errorForLog } from '../../src/db/errors';

/** A pg error as the driver throws it once knex has put the statement (with its values) in front of the message. */
const pgError = (code: string, reason: string, fields: Record<string, string> = {}) =>
  Object.assign(new Error(`insert into "item" ("name", "price") values ('Secret Gadget', 1e20) - ${reason}`), { code, severity: 'ERROR', ...fields });

describe('classifyDbError: one classifier of database errors, by SQLSTATE', () => {
  it('says what happened in words and a code, never the statement or a value', () => {
    const c = classifyDbError(pgError('22003', 'numeric field overflow', { table: 'item', column: 'price' }))!;
    expect(c).toMatchObject({
      code: 'NUMERIC_OUT_OF_RANGE',
      sqlstate: '22003',
      transient: false,
      message: 'The record could not be saved: a value is out of range for its column (code NUMERIC_OUT_OF_RANGE)',
    });
    expect(c.log).toEqual({ sqlstate: '22003', code: 'NUMERIC_OUT_OF_RANGE', table: 'item', column: 'price', reason: 'numeric field overflow' });
    expect(JSON.stringify(c)).not.toMatch(/insert|Secret Gadget|1e20/);
  });

  it('masks quoted values in the database’s own words', () => {
    const c = classifyDbError(pgError('22P02', 'invalid input syntax for type integer: "Secret Gadget"'), 'The delivery could not be stored')!;
    expect(c.message).toBe('The delivery could not be stored: a value is not of its column’s type (code INVALID_VALUE)');
    expect(c.log.reason).toBe('invalid input syntax for type integer: "…"');
  });

  it('knows what a retry can fix (conflicts, an unavailable database) from what it cannot (the data)', () => {
    const cases: [string, string, boolean][] = [
      ['23505', 'DUPLICATE_VALUE', false],
      ['23502', 'MISSING_VALUE', false],
      ['22001', 'VALUE_TOO_LONG', false],
      ['22P05', 'INVALID_TEXT', false],
      ['22012', 'INVALID_DATA', false],
      ['40P01', 'TRANSACTION_CONFLICT', true],
      ['40001', 'TRANSACTION_CONFLICT', true],
      ['57014', 'DATABASE_TIMEOUT', true],
      ['08006', 'DATABASE_UNAVAILABLE', true],
      ['57P01', 'DATABASE_UNAVAILABLE', true],
      ['42P01', 'DATABASE_ERROR', false],
    ];
    for (const [sqlstate, code, transient] of cases) expect(classifyDbError(pgError(sqlstate, 'x')), sqlstate).toMatchObject({ code, transient });
    expect(classifyDbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', severity: 'ERROR' }))).toMatchObject({ code: 'DATABASE_UNAVAILABLE', transient: true });
  });

  it('leaves errors that are not the database’s alone', () => {
    expect(classifyDbError(new Error('Halo answered 400'))).toBeNull();
    expect(classifyDbError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeNull();
    expect(classifyDbError('text')).toBeNull();
    expect(errorForLog(new Error('Halo answered 400'))).toBe('Halo answered 400');
  });
});
