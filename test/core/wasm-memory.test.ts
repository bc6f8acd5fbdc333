import { describe, expect, it } from 'vitest';
import { WasmArena } from '../../src/core/wasm-memory.js';

describe('WasmArena', () => {
  it('hands out zeroed, aligned arrays, again after a release, growing the memory when needed', () => {
    const arena = WasmArena.create(1000, 1 << 22)!;
    const mark = arena.claim()!;
    expect(arena.inUse).toBe(true);
    expect(arena.claim()).toBeUndefined();
    const a = arena.f64(100);
    a.fill(7);
    expect(a.byteOffset % 16).toBe(0);
    expect(WasmArena.of(a)).toBe(arena);
    arena.release(mark);
    expect(arena.inUse).toBe(false);
    // The same bytes again, and past the memory's current end (it grows): zero throughout.
    arena.claim();
    const b = arena.f64(100_000);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(a[0]).toBe(0); // the same memory: the old view sees the zeros
    const c = arena.i32(10);
    expect(c.byteOffset).toBeGreaterThanOrEqual(b.byteOffset + b.byteLength);
    expect(WasmArena.of(c)).toBe(arena);
  });

  it('refuses what passes its maximum, and what WebAssembly cannot address', () => {
    const arena = WasmArena.create(65536, 65536)!;
    expect(arena.fits(65536)).toBe(true);
    expect(arena.fits(65537)).toBe(false);
    expect(() => arena.f64(10_000)).toThrow(/arena full/);
    expect(WasmArena.create(5 * 1024 ** 3)).toBeUndefined();
    expect(WasmArena.of(new Float64Array(4))).toBeUndefined();
  });
});
