import { describe, expect, it } from 'vitest';
import { binaryFolds, foldRows, stratifiedHoldout } from '../../src/predict/split.js';

const y = Float64Array.from({ length: 103 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // 26 positives, 77 negatives

describe('stratified splits', () => {
  it('hold-out: ceil(test share · n) rows, class shares kept, seeded', () => {
    const s = stratifiedHoldout(y, 0.25, 1);
    expect(s.test.length).toBe(26);
    expect(s.train.length + s.test.length).toBe(103);
    const pos = Array.from(s.test).filter((i) => y[i] === 1).length;
    expect(pos).toBe(7); // 26 · 26/103 = 6.56 → 6 + the larger remainder
    expect(new Set([...s.train, ...s.test]).size).toBe(103);
    expect(stratifiedHoldout(y, 0.25, 1)).toEqual(s);
    expect(stratifiedHoldout(y, 0.25, 2)).not.toEqual(s);
  });

  it('k folds: sizes differ by at most one, every fold holds both classes in proportion', () => {
    const folds = binaryFolds(y, 5, 3);
    for (let f = 0; f < 5; f++) {
      const { test } = foldRows(folds, f);
      expect(test.length).toBeGreaterThanOrEqual(20);
      expect(test.length).toBeLessThanOrEqual(21);
      const pos = Array.from(test).filter((i) => y[i] === 1).length;
      expect(pos).toBeGreaterThanOrEqual(5);
      expect(pos).toBeLessThanOrEqual(6);
    }
  });

  it('refuses more folds than rows of a class, and a bad share', () => {
    const rare = Float64Array.from({ length: 50 }, (_, i) => (i < 3 ? 1 : 0));
    expect(() => binaryFolds(rare, 5, 1)).toThrow(/positive class has 3/);
    expect(() => stratifiedHoldout(y, 1, 1)).toThrow(/testSize/);
  });
});
