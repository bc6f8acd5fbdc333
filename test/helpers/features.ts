import { expect } from 'vitest';

/** A row of features as JSON gives it. */
export type Row = Record<string, unknown>;

/**
 * Same rows (by position), same columns; numbers within 1e-9 relative, text and missing values equal. Returns the
 * number of cells compared.
 */
export function expectSameFeatures(a: Row[], b: Row[]): number {
  expect(b.length).toBe(a.length);
  expect(Object.keys(b[0]!)).toEqual(Object.keys(a[0]!));
  let compared = 0;
  for (let i = 0; i < a.length; i++) {
    for (const [k, va] of Object.entries(a[i]!)) {
      const vb = b[i]![k];
      if (typeof va === 'number' && typeof vb === 'number') {
        const tol = 1e-9 * Math.max(1, Math.abs(va));
        if (Math.abs(va - vb) > tol) expect(`${k}[${i}] = ${vb}`).toBe(`${k}[${i}] = ${va}`);
      } else if (va !== vb) {
        expect(`${k}[${i}] = ${String(vb)}`).toBe(`${k}[${i}] = ${String(va)}`);
      }
      compared++;
    }
  }
  return compared;
}
