import { describe, expect, it } from 'vitest';
import { allocMatrix, matrixColumn, takeColumns } from '../../src/core/matrix.js';
import { WasmArena } from '../../src/core/wasm-memory.js';

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

  it('uses the room a WebAssembly memory has above the matrix, and gives it back', () => {
    const m = allocMatrix(3001, 9, true);
    for (let i = 0; i < m.data.length; i++) m.data[i] = (i * 37) % 101;
    const arena = WasmArena.of(m.data)!;
    const used = arena.used;
    // A computation's work arrays, given back (as k-means does).
    const mark = arena.claim()!;
    arena.f64(3001 * 5);
    arena.release(mark);
    expect(arena.spare).toBeGreaterThanOrEqual(3001 * 5 * 8);
    const want = Array.from({ length: 9 }, (_, j) => Array.from(matrixColumn(m, j)));
    expect(takeColumns(m).map((col) => Array.from(col))).toEqual(want);
    expect(arena.used).toBe(used);
    expect(arena.claim()).toBe(used);
  });
});
