import { describe, expect, it } from 'vitest';
import { formatDecimal, multiply, MoneyError, parseDecimal, subtract, sum } from '../../src/quotes/money';

describe('exact money', () => {
  it('adds what binary floating point cannot', () => {
    expect(sum(['0.1', '0.2'])).toBe('0.3000');
    expect(sum(Array.from({ length: 10 }, () => '0.1'))).toBe('1.0000');
  });

  it('multiplies quantity by unit price and rounds half away from zero to 4 places', () => {
    expect(multiply('3', '19.99')).toBe('59.9700');
    expect(multiply('0.3333', '0.5')).toBe('0.1667');
    expect(multiply('-0.3333', '0.5')).toBe('-0.1667');
    expect(multiply('99999999999999', '1')).toBe('99999999999999.0000');
  });

  it('round-trips and subtracts', () => {
    expect(formatDecimal(parseDecimal('12.5'))).toBe('12.5000');
    expect(subtract('10', '12.25')).toBe('-2.2500');
  });

  it('refuses anything that is not a plain decimal', () => {
    for (const bad of ['1e3', '1.23456', 'abc', '', '1,5', '123456789012345']) expect(() => parseDecimal(bad), bad).toThrow(MoneyError);
  });
});
