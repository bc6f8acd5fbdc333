import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmeans, type KMeansParams } from '../../src/cluster/kmeans.js';
import { kmeansWasm, scratchBytes } from '../../src/cluster/kmeans-wasm.js';
import { allocMatrix, type Matrix } from '../../src/core/matrix.js';
import { WasmArena } from '../../src/core/wasm-memory.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

/** Seeded overlapping blobs (xorshift + Box–Muller), optionally rounded to a grid so that many distances tie. */
function blobs(n: number, d: number, centres: number, seed: number, grid = 0): Matrix {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  const mu = Array.from({ length: centres * d }, () => (u() - 0.5) * 12);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * centres);
    for (let t = 0; t < d; t++) {
      const g = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      const v = mu[c * d + t]! + 1.6 * g;
      data[i * d + t] = grid > 0 ? Math.round(v / grid) * grid : v;
    }
  }
  return { data, nRows: n, nCols: d };
}

function expectSame(
  a: Awaited<ReturnType<typeof kmeans>>,
  b: Awaited<ReturnType<typeof kmeans>>,
  what: string,
): void {
  expect(b.labels, what).toEqual(a.labels);
  expect(b.centroids, what).toEqual(a.centroids);
  expect(b.inertia, what).toBe(a.inertia);
  expect(b.nIter, what).toBe(a.nIter);
}

describe('k-means WebAssembly kernels', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  // Shapes that reach every code path: k = 1 (no rival), k = 2 … 7 (short candidate groups: 2 or 3 trials),
  // k = 8 and 13 (one full group of four; odd k pairs its last centre with itself), k = 21 (a group of four then
  // one), d = 1, 3 (odd lanes), 8 and 17; blocks that end mid-pair; ties from a coarse grid and duplicate rows.
  const shapes: { n: number; d: number; k: number; grid?: number; blockSize?: number }[] = [
    { n: 1500, d: 1, k: 1 },
    { n: 1500, d: 1, k: 2, grid: 0.5 },
    { n: 2001, d: 3, k: 3, blockSize: 257 },
    { n: 3000, d: 8, k: 8 },
    { n: 3000, d: 8, k: 8, grid: 1 },
    { n: 2500, d: 17, k: 13, blockSize: 333 },
    { n: 2000, d: 2, k: 21, grid: 0.25 },
    { n: 40, d: 3, k: 7, grid: 2 },
    { n: 1500, d: 40, k: 16 }, // k² · d past the pair table: pairs of rows instead
  ];

  for (const [i, sh] of shapes.entries()) {
    it(`gives the JavaScript kernels' bits: n ${sh.n}, d ${sh.d}, k ${sh.k}${sh.grid ? ', ties' : ''}`, async () => {
      const X = blobs(sh.n, sh.d, Math.max(2, Math.min(sh.k, 9)), 11 + i, sh.grid ?? 0);
      for (const algorithm of ['hamerly', 'lloyd', 'elkan'] as const) {
        const p: KMeansParams = {
          nClusters: sh.k,
          nInit: 3,
          algorithm,
          seed: 7 + i,
          blockSize: sh.blockSize,
        };
        const js = await kmeans(X, { ...p, wasm: false });
        const wasm = await kmeans(X, p);
        expectSame(js, wasm, `${algorithm}, one thread`);
        expectSame(js, await kmeans(X, { ...p, pool }), `${algorithm}, two threads`);
      }
    });
  }

  it('runs on the matrix in place when it was allocated in a WebAssembly memory, and gives that memory back', async () => {
    const src = blobs(5000, 4, 5, 3);
    const X = allocMatrix(5000, 4, true);
    X.data.set(src.data);
    const arena = WasmArena.of(X.data);
    expect(arena).toBeDefined();
    const used = arena!.used;
    const p: KMeansParams = { nClusters: 5, nInit: 2, seed: 1 };
    const inPlace = await kmeans(X, { ...p, pool });
    expect(arena!.used).toBe(used);
    // Two runs at once on the same matrix: the second cannot claim the memory and takes a copy.
    const [a, b] = await Promise.all([kmeans(X, { ...p, pool }), kmeans(X, p)]);
    expectSame(inPlace, a, 'first of two at once');
    expectSame(inPlace, b, 'second of two at once');
    expectSame(inPlace, await kmeans(src, { ...p, wasm: false }), 'ordinary arrays, JavaScript kernels');
    expect(arena!.used).toBe(used);
  });

  it('gives each task the scratch space the WebAssembly side uses', () => {
    const arena = WasmArena.create(65536)!;
    const w = kmeansWasm({ memory: arena.memory, id: arena.id, scratch: 0, scratchBytes: 0 });
    for (const blockSize of [1, 7, 256, 8192]) {
      for (const k of [1, 2, 3, 8, 13, 22, 23, 64]) {
        for (const d of [1, 2, 3, 8, 17, 40]) {
          expect(scratchBytes(blockSize, k, d), `${blockSize} ${k} ${d}`).toBeGreaterThanOrEqual(
            w.hamerlyScratch(blockSize, k, d),
          );
        }
      }
    }
  });

  it('is the compilation of its source (npm run build:wasm after editing wasm/)', () => {
    // Exits 1 with a message naming the stale module.
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
  });
});
