import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parseDuration, pivotNames, resolveParams, sanitiseName } from '../../src/features/params.js';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours, days and weeks', () => {
    expect(parseDuration('90d', '--window')).toBe(90 * 86_400);
    expect(parseDuration('12w', '--window')).toBe(12 * 7 * 86_400);
    expect(parseDuration('36h', '--window')).toBe(36 * 3600);
    expect(parseDuration('30min', '--session-gap')).toBe(1800);
    expect(parseDuration(' 1.5 d ', '--window')).toBe(1.5 * 86_400);
    expect(parseDuration('45s', '--session-gap')).toBe(45);
  });

  it('refuses m (minutes or months?), missing units, zero and garbage, naming the flag', () => {
    let hint: string | undefined;
    try {
      parseDuration('3m', '--window');
    } catch (e) {
      expect((e as Error).message).toBe("--window: cannot read '3m' as a duration");
      hint = (e as UsageError).hint;
    }
    expect(hint).toMatch(/use 'min' for minutes, or days/);
    expect(() => parseDuration('90', '--window')).toThrow(UsageError);
    expect(() => parseDuration('0d', '--window')).toThrow(/longer than 0/);
    expect(() => parseDuration('soon', '--session-gap')).toThrow(/--session-gap/);
    expect(() => parseDuration('-5d', '--window')).toThrow(UsageError);
  });
});

describe('sanitiseName / pivotNames', () => {
  it('makes lower-case ASCII identifiers', () => {
    expect(sanitiseName('Product View')).toBe('product_view');
    expect(sanitiseName('add-to-cart!')).toBe('add_to_cart');
    expect(sanitiseName('Café Crème')).toBe('cafe_creme');
    expect(sanitiseName('  ')).toBe('blank');
    expect(sanitiseName('__x__y__')).toBe('x_y');
  });

  it('disambiguates collisions in order and avoids taken names', () => {
    expect(pivotNames(['Purchase', 'purchase', 'PURCHASE'], 'events_', new Set())).toEqual([
      'events_purchase',
      'events_purchase_2',
      'events_purchase_3',
    ]);
    expect(pivotNames(['x'], 'events_', new Set(['events_x']))).toEqual(['events_x_2']);
  });
});

describe('resolveParams', () => {
  it('fills the defaults', () => {
    const p = resolveParams({ id: 'c', time: 't', event: 'e' });
    expect(p).toMatchObject({
      purchaseEvent: 'purchase',
      timezone: 'UTC',
      sessionGapSeconds: 1800,
      strict: false,
      negativeAmounts: 'error',
      maxEventTypes: 200,
      seed: 42,
    });
  });

  it('states the constraint and the value, scikit-learn style', () => {
    expect(() => resolveParams({ id: '', time: 't', event: 'e' })).toThrow(
      'The \'id\' parameter of features.computeFeatures must be a non-empty column name. Got "".',
    );
    expect(() => resolveParams({ id: 'c', time: 't', event: 'e', windowSeconds: -1 })).toThrow(
      "The 'windowSeconds' parameter of features.computeFeatures must be a float in (0, inf). Got -1.",
    );
    expect(() => resolveParams({ id: 'c', time: 't', event: 'e', maxEventTypes: 0 })).toThrow(
      /maxEventTypes/,
    );
    expect(() => resolveParams({ id: 'c', time: 't', event: 'e', sampleCustomers: 1.5 })).toThrow(
      /sampleCustomers/,
    );
  });

  it('refuses impossible combinations', () => {
    expect(() => resolveParams({ id: 'c', time: 't' })).toThrow(/give --event .* or --amount/);
    expect(() => resolveParams({ id: 'c', time: 'c', event: 'e' })).toThrow(
      /column 'c' is given for two roles/,
    );
    expect(() => resolveParams({ id: 'c', time: 't', amount: 'a', funnel: ['a', 'b'] })).toThrow(
      /--funnel needs an event type column/,
    );
    expect(() => resolveParams({ id: 'c', time: 't', event: 'e', funnel: ['a'] })).toThrow(
      /at least two stages/,
    );
    expect(() => resolveParams({ id: 'c', time: 't', event: 'e', funnel: ['a', 'b', 'a'] })).toThrow(/twice/);
    expect(() => resolveParams({ id: 'c', time: 't', amount: 'a', purchaseEvent: 'buy' })).toThrow(
      /--purchase-event needs an event type column/,
    );
  });
});
