import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatPercent, formatValue } from '../../src/core/format.js';

const nbsp = '\u00a0';
const minus = '\u2212';

describe('formatValue', () => {
  it('zero, negative zero, missing and infinite values', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(-0)).toBe('0');
    expect(formatValue(NaN)).toBe('—');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue(NaN, { missing: 'n/a' })).toBe('n/a');
    expect(formatValue(Infinity)).toBe('∞');
    expect(formatValue(-Infinity)).toBe(`${minus}∞`);
    expect(formatValue(Infinity, { sign: true })).toBe('+∞');
  });

  it('floating-point noise prints as 0, never in exponent notation and never as −0', () => {
    expect(formatValue(-1.085e-15)).toBe('0');
    expect(formatValue(1e-15, { scale: 1 })).toBe('0');
    expect(formatValue(-1e-15, { scale: 1, sign: true })).toBe('0');
    expect(formatValue(-2e-10, { scale: 1.3e6 })).toBe('0');
    expect(formatValue(3e-13)).toBe('0');
  });

  it('values below a billionth of their scale print as 0; small real values keep their digits', () => {
    expect(formatValue(0.000123, { scale: 0.001 })).toBe('0.000123');
    expect(formatValue(0.000123)).toBe('0.000123');
    expect(formatValue(0.000123, { scale: 1 })).toBe('0.000123');
    expect(formatValue(-0.00004, { scale: 1 })).toBe(`${minus}0.00004`);
    expect(formatValue(12.29, { scale: 1.3e6 })).toBe('12.29');
    expect(formatValue(0.000123, { scale: 1e6 })).toBe('0');
    expect(formatValue(1.5e-7)).toBe('0.00000015');
    expect(formatValue(1.23456e-9, { scale: 1e-8 })).toBe('0.000000001235');
    // A scale that is not a positive finite number is ignored.
    expect(formatValue(0.5, { scale: 0 })).toBe('0.5');
    expect(formatValue(0.5, { scale: NaN })).toBe('0.5');
  });

  it('thousands separators; the whole part is never cut to the significant digits', () => {
    expect(formatValue(1234567.891)).toBe('1,234,568');
    expect(formatValue(1234.567)).toBe('1,235');
    expect(formatValue(999.96)).toBe('1,000');
    expect(formatValue(9999.7)).toBe('10,000');
    expect(formatValue(600)).toBe('600');
    expect(formatValue(24562616767614.02)).toBe('24,562,616,767,614');
    expect(formatValue(1e21)).toBe('1,000,000,000,000,000,000,000');
    expect(formatValue(-1.5e22)).toBe(`${minus}15,000,000,000,000,000,000,000`);
  });

  it('significant digits with trailing zeros dropped', () => {
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(12.345678)).toBe('12.35');
    expect(formatValue(0.74823)).toBe('0.7482');
    expect(formatValue(0.99996)).toBe('1');
    expect(formatValue(2.5, { digits: 2 })).toBe('2.5');
    expect(formatValue(0.123456, { digits: 2 })).toBe('0.12');
    expect(formatValue(3.14159, { digits: 0 })).toBe('3'); // at least one digit
    expect(formatValue(1 / 3, { digits: 40 })).toBe('0.33333333333333331'); // at most 17
  });

  it('negative numbers use the minus sign; sign: true marks positives', () => {
    expect(formatValue(-12.345678)).toBe(`${minus}12.35`);
    expect(formatValue(-1234567.891)).toBe(`${minus}1,234,568`);
    expect(formatValue(0.53, { sign: true, digits: 2 })).toBe('+0.53');
    expect(formatValue(-0.53, { sign: true, digits: 2 })).toBe(`${minus}0.53`);
  });

  it('units: a word after a no-break space, or a prefix / suffix as given', () => {
    expect(formatValue(95, { unit: 'days' })).toBe(`95${nbsp}days`);
    expect(formatValue(230, { unit: { prefix: '€' } })).toBe('€230');
    expect(formatValue(-230.456, { unit: { prefix: '€' } })).toBe(`${minus}€230.5`);
    expect(formatValue(1500000, { unit: { prefix: '$', suffix: ' per year' } })).toBe('$1,500,000 per year');
    expect(formatValue(NaN, { unit: 'days' })).toBe('—');
    expect(formatValue(0, { unit: { prefix: '€' } })).toBe('€0');
  });
});

describe('formatPercent', () => {
  it('a share as a percentage with a no-break space and 3 significant digits', () => {
    expect(formatPercent(0.123456)).toBe(`12.3${nbsp}%`);
    expect(formatPercent(0.5)).toBe(`50${nbsp}%`);
    expect(formatPercent(1)).toBe(`100${nbsp}%`);
    expect(formatPercent(0.000412)).toBe(`0.0412${nbsp}%`);
    expect(formatPercent(0)).toBe(`0${nbsp}%`);
    expect(formatPercent(-0.05)).toBe(`${minus}5${nbsp}%`);
    expect(formatPercent(0.123456, { digits: 4 })).toBe(`12.35${nbsp}%`);
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(NaN)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('binary units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
  });
});

describe('formatCount', () => {
  it('groups the digits of whole counts as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 12345, 212000, 1234567, -1234, -999, 2 ** 53 - 1, 1.5, 1e21, NaN])
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });
});
