import { describe, expect, it } from 'vitest';
import { allocMatrix, matrixColumn, takeColumns } from '../../src/core/matrix.js';

describe('takeColumns', () => {
  for (const [r, c] of [
    [0, 3],
    [1, 1],
    [1, 5],
    [7, 1],
    [2, 2],
    [3, 5],
    [1000, 8],
    [2049, 3],
    [4097, 13],
    [500, 20],
    [301, 17],
  ] as const) {
    it(`gives the columns of a ${r}×${c} matrix in place`, () => {
      const m = allocMatrix(r, c, r % 2 === 1);
      for (let i = 0; i < m.data.length; i++) m.data[i] = i % 3 === 0 ? -i * 0.5 : i + 0.25;
      const want = Array.from({ length: c }, (_, j) => Array.from(matrixColumn(m, j)));
      const cols = takeColumns(m);
      expect(cols).toHaveLength(c);
      expect(cols.map((col) => Array.from(col))).toEqual(want);
      for (const col of cols) expect(col.buffer).toBe(m.data.buffer);
    });
  }
});
