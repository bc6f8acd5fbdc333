import { afterAll, describe, expect, it } from 'vitest';
import { cutTree, estimateMemory, linkageTree, type Dendrogram } from '../../src/cluster/hierarchical.js';
import { kernelModule, wardNnChain, wardState, wardStop } from '../../src/cluster/hierarchical-kernels.js';
import type { Distance, Linkage } from '../../src/core/distance.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

const mat = (rows: number[][]): Matrix => ({
  data: Float64Array.from(rows.flat()),
  nRows: rows.length,
  nCols: rows[0]!.length,
});

/** The 31-bit LCG of the reference script: integer arithmetic only, so Python builds bit-identical data. */
function lcg(seed: number): () => number {
  let state = BigInt(seed);
  return () => {
    state = (state * 1103515245n + 12345n) % 2147483648n;
    return Number(state);
  };
}

/*
 * Reference values below come from this script (scipy 1.10.1, scikit-learn 1.2.1):
 *
 *   def lcg(seed):
 *       state = seed
 *       def nxt():
 *           nonlocal state
 *           state = (state * 1103515245 + 12345) % 2147483648
 *           return state
 *       return nxt
 *   def ref_data():   # 40×3, four loose groups
 *       nx = lcg(2024)
 *       return np.array([[nx() / 2147483648 * 10 + (4 if i % 4 == j else 0) for j in range(3)] for i in range(40)])
 *   def ties_data():  # 24×2 integers 1..4: many exactly equal distances
 *       nx = lcg(7)
 *       return np.array([[1 + nx() % 4 for j in range(2)] for i in range(24)], dtype=np.float64)
 *   def dups_data():  # 16×3, six distinct rows repeated
 *       nx = lcg(11)
 *       base = [[nx() / 2147483648 * 10 for j in range(3)] for i in range(6)]
 *       return np.array([base[nx() % 6] for i in range(16)])
 *   canon = lambda l: ''.join(str(m.setdefault(int(v), len(m))) for m in [{}] for v in l)
 *   for each linkage lk and metric met (manhattan → 'cityblock' for scipy):
 *       Z = scipy.cluster.hierarchy.linkage(X, lk, met)                        # a, b, heights
 *       partitions: canon(AgglomerativeClustering(n_clusters=k, linkage=lk, metric=met).fit(X).labels_), k = 2..5
 *       thresholds: t = round((Z[i-1, 2] + Z[i, 2]) / 2, 6) for i in (36, 32), then
 *           a = AgglomerativeClustering(None, distance_threshold=t, compute_full_tree=True, linkage=lk, metric=met)
 *           [t, a.n_clusters_, canon(a.labels_)]
 */
function refData(): Matrix {
  const nx = lcg(2024);
  const rows: number[][] = [];
  for (let i = 0; i < 40; i++)
    rows.push([0, 1, 2].map((j) => (nx() / 2147483648) * 10 + (i % 4 === j ? 4 : 0)));
  return mat(rows);
}

function tiesData(): Matrix {
  const nx = lcg(7);
  const rows: number[][] = [];
  for (let i = 0; i < 24; i++) rows.push([0, 1].map(() => 1 + (nx() % 4)));
  return mat(rows);
}

function dupsData(): Matrix {
  const nx = lcg(11);
  const base: number[][] = [];
  for (let i = 0; i < 6; i++) base.push([0, 1, 2].map(() => (nx() / 2147483648) * 10));
  const rows: number[][] = [];
  for (let i = 0; i < 16; i++) rows.push(base[nx() % 6]!);
  return mat(rows);
}

/** Uniform rows in [0, 10)^d plus an offset by group, from the LCG. */
function randomData(n: number, d: number, seed: number, groups = 3): Matrix {
  const nx = lcg(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++)
      data[i * d + j] = (nx() / 2147483648) * 10 + 6 * (i % groups === j % groups ? 1 : 0);
  }
  return { data, nRows: n, nCols: d };
}

interface ZCase {
  a: number[];
  b: number[];
  heights: number[];
}
interface RefCase extends ZCase {
  partitions: string[];
  thresholds: [number, number, string][];
}

/** Labels renumbered by first occurrence, as one string (fewer than 10 clusters). */
const canon = (labels: ArrayLike<number>): string => {
  const m = new Map<number, number>();
  let s = '';
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!m.has(v)) m.set(v, m.size);
    s += String(m.get(v));
  }
  return s;
};

/** Same partition, whatever the label names. */
const canonArr = (labels: ArrayLike<number>): number[] => {
  const m = new Map<number, number>();
  return Array.from(labels, (v) => {
    if (!m.has(v)) m.set(v, m.size);
    return m.get(v)!;
  });
};

const COMBOS: [Linkage, Distance][] = [
  ['ward', 'euclidean'],
  ['complete', 'euclidean'],
  ['complete', 'manhattan'],
  ['complete', 'cosine'],
  ['average', 'euclidean'],
  ['average', 'manhattan'],
  ['average', 'cosine'],
  ['single', 'euclidean'],
  ['single', 'manhattan'],
  ['single', 'cosine'],
];

function expectHeights(got: Float64Array, want: number[], rel: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const err = Math.abs(got[i]! - w) / Math.max(Math.abs(w), 1e-300);
    if (err > rel) expect.fail(`height ${i}: got ${got[i]}, want ${w} (relative error ${err})`);
  }
}

function expectSameTree(x: Dendrogram, y: Dendrogram): void {
  expect(Array.from(x.a)).toEqual(Array.from(y.a));
  expect(Array.from(x.b)).toEqual(Array.from(y.b));
  expect(Array.from(x.sizes)).toEqual(Array.from(y.sizes));
  expect(Buffer.from(x.heights.buffer, x.heights.byteOffset, x.heights.byteLength)).toEqual(
    Buffer.from(y.heights.buffer, y.heights.byteOffset, y.heights.byteLength),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// A second implementation: the textbook O(n³) algorithm on a full distance matrix.

function naiveDistance(X: Matrix, i: number, j: number, metric: Distance): number {
  const d = X.nCols;
  const a = X.data;
  let s = 0;
  if (metric === 'euclidean') {
    for (let k = 0; k < d; k++) s += (a[i * d + k]! - a[j * d + k]!) ** 2;
    return Math.sqrt(s);
  }
  if (metric === 'manhattan') {
    for (let k = 0; k < d; k++) s += Math.abs(a[i * d + k]! - a[j * d + k]!);
    return s;
  }
  let na = 0;
  let nb = 0;
  for (let k = 0; k < d; k++) {
    s += a[i * d + k]! * a[j * d + k]!;
    na += a[i * d + k]! ** 2;
    nb += a[j * d + k]! ** 2;
  }
  return 1 - s / Math.sqrt(na * nb);
}

/**
 * Each step merges the closest pair of active clusters and updates the distances to the new cluster with the
 * Lance–Williams formula of the linkage. Returns merge heights and node ids (n + k for merge k) in merge order.
 */
function naiveLinkage(
  X: Matrix,
  linkage: Linkage,
  metric: Distance,
): { heights: number[]; merges: [number, number][] } {
  const n = X.nRows;
  const D: number[][] = [];
  for (let i = 0; i < n; i++) {
    D.push([]);
    for (let j = 0; j < n; j++) D[i]!.push(i === j ? 0 : naiveDistance(X, i, j, metric));
  }
  const active = Array.from({ length: n }, (_, i) => i); // matrix rows still in play
  const node = Array.from({ length: n }, (_, i) => i); // their node ids
  const size = new Array<number>(n).fill(1);
  const heights: number[] = [];
  const merges: [number, number][] = [];
  for (let k = 0; k < n - 1; k++) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (const i of active) {
      for (const j of active) {
        if (j <= i) continue;
        if (D[i]![j]! < best) {
          best = D[i]![j]!;
          bi = i;
          bj = j;
        }
      }
    }
    heights.push(best);
    merges.push([node[bi]!, node[bj]!]);
    const ni = size[bi]!;
    const nj = size[bj]!;
    for (const m of active) {
      if (m === bi || m === bj) continue;
      const dim = D[bi]![m]!;
      const djm = D[bj]![m]!;
      const nm = size[m]!;
      let v: number;
      if (linkage === 'single') v = Math.min(dim, djm);
      else if (linkage === 'complete') v = Math.max(dim, djm);
      else if (linkage === 'average') v = (ni * dim + nj * djm) / (ni + nj);
      else v = Math.sqrt(((nm + ni) * dim * dim + (nm + nj) * djm * djm - nm * best * best) / (ni + nj + nm));
      D[bi]![m] = v;
      D[m]![bi] = v;
    }
    size[bi] = ni + nj;
    node[bi] = n + k;
    active.splice(active.indexOf(bj), 1);
  }
  return { heights, merges };
}

/** Partition after the first n − k merges of a merge list (node ids as in a dendrogram). */
function naiveCut(n: number, merges: [number, number][], k: number): number[] {
  const parent = Array.from({ length: 2 * n - 1 }, (_, i) => i);
  for (let j = 0; j < n - k; j++) {
    parent[merges[j]![0]] = n + j;
    parent[merges[j]![1]] = n + j;
  }
  const root = (v: number): number => (parent[v] === v ? v : root(parent[v]!));
  return canonArr(Array.from({ length: n }, (_, i) => root(i)));
}

// ---------------------------------------------------------------------------------------------------------------

describe('linkageTree on hand-computed cases', () => {
  // Points 0, 1, 3, 7, 15 on a line: every linkage first merges 0 and 1, then adds 3, 7 and 15 in turn.
  const line = mat([[0], [1], [3], [7], [15]]);
  const chain = { a: [0, 2, 3, 4], b: [1, 5, 6, 7], sizes: [2, 3, 4, 5] };
  const cases: [Linkage, number[]][] = [
    ['single', [1, 2, 4, 8]],
    ['complete', [1, 3, 7, 15]],
    ['average', [1, 2.5, 17 / 3, 49 / 4]],
    // ward: √(2·|A||B|/(|A|+|B|))·|c_A − c_B| with centroids 0.5, 4/3, 2.75
    ['ward', [1, Math.sqrt(4 / 3) * 2.5, Math.sqrt(6 / 4) * (7 - 4 / 3), Math.sqrt(8 / 5) * (15 - 2.75)]],
  ];
  for (const [linkage, heights] of cases) {
    it(`${linkage}: merges and heights`, async () => {
      const t = await linkageTree(line, { linkage, distance: 'euclidean' });
      expect(t.nLeaves).toBe(5);
      expect(Array.from(t.a)).toEqual(chain.a);
      expect(Array.from(t.b)).toEqual(chain.b);
      expect(Array.from(t.sizes)).toEqual(chain.sizes);
      expectHeights(t.heights, heights, 1e-14);
    });
  }

  it('manhattan on a 2-D toy: A(0,0) B(1,0) C(1,2) D(5,2)', async () => {
    // L1 distances: AB 1, AC 3, AD 7, BC 2, BD 6, CD 4.
    const X = mat([
      [0, 0],
      [1, 0],
      [1, 2],
      [5, 2],
    ]);
    const want: [Linkage, number[]][] = [
      ['single', [1, 2, 4]],
      ['complete', [1, 3, 7]],
      ['average', [1, 2.5, 17 / 3]],
    ];
    for (const [linkage, heights] of want) {
      const t = await linkageTree(X, { linkage, distance: 'manhattan' });
      expect(Array.from(t.a)).toEqual([0, 2, 3]);
      expect(Array.from(t.b)).toEqual([1, 4, 5]);
      expectHeights(t.heights, heights, 1e-15);
    }
  });

  it('one row: no merges, one cluster', async () => {
    const t = await linkageTree(mat([[1, 2]]), { linkage: 'ward', distance: 'euclidean' });
    expect(t.a.length).toBe(0);
    expect(Array.from(cutTree(t, { nClusters: 1 }))).toEqual([0]);
    expect(Array.from(cutTree(t, { distanceThreshold: 0 }))).toEqual([0]);
  });

  it('two rows', async () => {
    const t = await linkageTree(
      mat([
        [0, 0],
        [3, 4],
      ]),
      { linkage: 'average', distance: 'euclidean' },
    );
    expect(Array.from(t.heights)).toEqual([5]);
    expect(Array.from(cutTree(t, { nClusters: 2 }))).toEqual([0, 1]);
    expect(Array.from(cutTree(t, { nClusters: 1 }))).toEqual([0, 0]);
  });
});

describe('linkageTree against SciPy and scikit-learn', () => {
  const X = refData();
  for (const [linkage, metric] of COMBOS) {
    const key = `${linkage}/${metric}`;
    it(`${key}: linkage matrix and AgglomerativeClustering partitions`, async () => {
      const ref = REF[key]!;
      const t = await linkageTree(X, { linkage, distance: metric });
      expect(t.linkage).toBe(linkage);
      expect(t.distance).toBe(metric);
      expect(Array.from(t.a)).toEqual(ref.a);
      expect(Array.from(t.b)).toEqual(ref.b);
      expectHeights(t.heights, ref.heights, 1e-12);
      for (let k = 2; k <= 5; k++)
        expect(canon(cutTree(t, { nClusters: k })), `k = ${k}`).toBe(ref.partitions[k - 2]);
      for (const [threshold, nClusters, partition] of ref.thresholds) {
        const labels = cutTree(t, { distanceThreshold: threshold });
        expect(new Set(labels).size).toBe(nClusters);
        expect(canon(labels)).toBe(partition);
      }
    });
  }

  it('sizes count the leaves under each node', async () => {
    const t = await linkageTree(X, { linkage: 'average', distance: 'euclidean' });
    const size = (v: number): number => (v < 40 ? 1 : t.sizes[v - 40]!);
    for (let i = 0; i < 39; i++) expect(t.sizes[i]).toBe(size(t.a[i]!) + size(t.b[i]!));
    expect(t.sizes[38]).toBe(40);
  });

  it('breaks exact ties as SciPy does (integer data, equal distances everywhere)', async () => {
    const T = tiesData();
    for (const [linkage, metric] of COMBOS) {
      if (linkage === 'ward') continue;
      const ref = TIES[`${linkage}/${metric}`]!;
      const t = await linkageTree(T, { linkage, distance: metric });
      expect(Array.from(t.a), `${linkage}/${metric}`).toEqual(ref.a);
      expect(Array.from(t.b), `${linkage}/${metric}`).toEqual(ref.b);
      expectHeights(t.heights, ref.heights, 1e-12);
    }
  });

  it('single linkage compares rooted distances, as SciPy: squares that differ but root equal are a tie', async () => {
    // |row 1|² and |row 2|² are adjacent doubles (K + 1 and K units of 2⁻⁵²) with the same square root, so row 1
    // (the lower index) joins first although its square is larger. SciPy: [[0, 1, r, 2], [2, 3, r, 3]].
    const u = 2 ** -26;
    const X = mat([
      [0, 0, 0],
      [-55_000_000 * u, -52_000_001 * u, u],
      [55_000_000 * u, 52_000_001 * u, 0],
    ]);
    const t = await linkageTree(X, { linkage: 'single', distance: 'euclidean' });
    expect(Array.from(t.a)).toEqual([0, 2]);
    expect(Array.from(t.b)).toEqual([1, 3]);
    expect(Array.from(t.heights)).toEqual([1.1278712536048356, 1.1278712536048356]);
  });

  it('ward: copies of a row merge at height exactly 0, as in SciPy', async () => {
    const X = mat([
      [0.1, 0.7],
      [0.3, 0.2],
      [0.1, 0.7],
      [0.1, 0.7],
      [0.3, 0.2],
      [0.1, 0.7],
      [0.1, 0.7],
    ]);
    const t = await linkageTree(X, { linkage: 'ward', distance: 'euclidean' });
    expect(Array.from(t.heights.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(t.heights[5]).toBeGreaterThan(0);
  });

  it('keeps duplicate rows at distance 0 and merges them as SciPy does', async () => {
    const D = dupsData();
    for (const [linkage, metric] of COMBOS) {
      const ref = DUPS[`${linkage}/${metric}`]!;
      const t = await linkageTree(D, { linkage, distance: metric });
      expect(Array.from(t.a), `${linkage}/${metric}`).toEqual(ref.a);
      expect(Array.from(t.b), `${linkage}/${metric}`).toEqual(ref.b);
      expectHeights(t.heights, ref.heights, 1e-12);
    }
  });
});

describe('linkageTree against a naive O(n³) implementation', () => {
  const X = randomData(150, 4, 99);
  for (const [linkage, metric] of COMBOS) {
    it(`${linkage}/${metric}`, async () => {
      const ref = naiveLinkage(X, linkage, metric);
      const t = await linkageTree(X, { linkage, distance: metric });
      expectHeights(t.heights, ref.heights, 1e-9);
      for (const k of [2, 3, 4, 7, 20]) {
        expect(canonArr(cutTree(t, { nClusters: k })), `k = ${k}`).toEqual(naiveCut(150, ref.merges, k));
      }
    });
  }

  it('ward on wider rows (d = 11, not a multiple of 8) and on a single column', async () => {
    for (const [d, seed] of [
      [11, 5],
      [1, 6],
    ] as const) {
      const Y = randomData(120, d, seed);
      const ref = naiveLinkage(Y, 'ward', 'euclidean');
      const t = await linkageTree(Y, { linkage: 'ward', distance: 'euclidean' });
      expectHeights(t.heights, ref.heights, 1e-9);
      expect(canonArr(cutTree(t, { nClusters: 5 }))).toEqual(naiveCut(120, ref.merges, 5));
    }
  });
});

describe('cutTree', () => {
  const X = refData();

  it('k = 1 gives one cluster, k = n one row per cluster, labels numbered by first occurrence', async () => {
    const t = await linkageTree(X, { linkage: 'complete', distance: 'euclidean' });
    expect(Array.from(cutTree(t, { nClusters: 1 }))).toEqual(new Array(40).fill(0));
    expect(Array.from(cutTree(t, { nClusters: 40 }))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const labels = cutTree(t, { nClusters: 4 });
    expect(canonArr(labels)).toEqual(Array.from(labels));
  });

  it('distance threshold: k = (merges with height >= t) + 1, as scikit-learn', async () => {
    const t = await linkageTree(X, { linkage: 'single', distance: 'euclidean' });
    const h = t.heights;
    // exactly at a height: that merge is undone (>=)
    expect(new Set(cutTree(t, { distanceThreshold: h[30]! })).size).toBe(40 - 30);
    expect(new Set(cutTree(t, { distanceThreshold: 0 })).size).toBe(40);
    expect(new Set(cutTree(t, { distanceThreshold: h[38]! + 1 })).size).toBe(1);
  });

  it('rejects invalid cuts', async () => {
    const t = await linkageTree(X, { linkage: 'single', distance: 'euclidean' });
    expect(() => cutTree(t, { nClusters: 0 })).toThrow(UsageError);
    expect(() => cutTree(t, { nClusters: 2.5 })).toThrow(UsageError);
    expect(() => cutTree(t, { nClusters: 41 })).toThrow(DataError);
    expect(() => cutTree(t, { distanceThreshold: -1 })).toThrow(UsageError);
    expect(() => cutTree(t, { distanceThreshold: Number.NaN })).toThrow(UsageError);
  });
});

describe('threads', () => {
  const pool = new WorkerPool(2);
  afterAll(() => pool.close());

  it('gives the same tree with 1 and 2 threads (every linkage)', async () => {
    const X = randomData(700, 5, 3); // > 512 rows: the distance matrix is computed over the pool
    for (const [linkage, metric] of COMBOS) {
      const one = await linkageTree(X, { linkage, distance: metric });
      const two = await linkageTree(X, { linkage, distance: metric, pool });
      expectSameTree(one, two);
    }
  });

  it('ward scans split over helper threads give the same tree (small split threshold)', async () => {
    const n = 3000;
    const d = 5;
    const X = randomData(n, d, 4, 5);
    // Rows 0..999 three times over: equal values in different blocks, where the reduction must keep the first.
    X.data.copyWithin(1000 * d, 0, 1000 * d);
    X.data.copyWithin(2000 * d, 0, 1000 * d);
    await pool.run([
      { module: kernelModule, fn: 'noop', args: [] },
      { module: kernelModule, fn: 'noop', args: [] },
    ]);
    const st = wardState(X.data, n, d, true);
    const helpers = pool.run<number>([
      { module: kernelModule, fn: 'wardHelper', args: [st] },
      { module: kernelModule, fn: 'noop', args: [] },
    ]);
    let split;
    try {
      split = wardNnChain(st, n, d, { min: 64, adaptive: false });
    } finally {
      wardStop(st);
    }
    await helpers;
    const seq = wardNnChain(wardState(X.data, n, d, false), n, d);
    expect(Array.from(split.xs)).toEqual(Array.from(seq.xs));
    expect(Array.from(split.ys)).toEqual(Array.from(seq.ys));
    expect(Array.from(split.h)).toEqual(Array.from(seq.h));
  });

  it('ward through linkageTree with a pool on enough rows to split its scans', async () => {
    const X = randomData(12_300, 2, 8, 4);
    const one = await linkageTree(X, { linkage: 'ward', distance: 'euclidean' });
    const two = await linkageTree(X, { linkage: 'ward', distance: 'euclidean', pool });
    expectSameTree(one, two);
  });
});

describe('errors and memory', () => {
  const X = refData();

  it('ward needs the euclidean distance', async () => {
    await expect(linkageTree(X, { linkage: 'ward', distance: 'manhattan' })).rejects.toThrow(UsageError);
    await expect(linkageTree(X, { linkage: 'ward', distance: 'cosine' })).rejects.toThrow(
      /ward linkage requires the euclidean distance/,
    );
  });

  it('rejects unknown linkages and metrics', async () => {
    await expect(linkageTree(X, { linkage: 'centroid' as Linkage, distance: 'euclidean' })).rejects.toThrow(
      UsageError,
    );
    await expect(linkageTree(X, { linkage: 'single', distance: 'chebyshev' as Distance })).rejects.toThrow(
      UsageError,
    );
  });

  it('needs at least one row and finite values', async () => {
    await expect(
      linkageTree(
        { data: new Float64Array(0), nRows: 0, nCols: 3 },
        { linkage: 'ward', distance: 'euclidean' },
      ),
    ).rejects.toThrow(DataError);
    await expect(
      linkageTree(
        mat([
          [1, 2],
          [Number.NaN, 1],
          [3, 3],
        ]),
        { linkage: 'single', distance: 'euclidean' },
      ),
    ).rejects.toThrow(DataError);
    await expect(
      linkageTree(
        mat([
          [1, 2],
          [1e200, 1],
          [3, 3],
        ]),
        { linkage: 'ward', distance: 'euclidean' },
      ),
    ).rejects.toThrow(DataError);
  });

  it('cosine refuses all-zero rows (SciPy and scikit-learn refuse them too)', async () => {
    await expect(
      linkageTree(
        mat([
          [1, 2],
          [0, 0],
          [3, 3],
        ]),
        { linkage: 'average', distance: 'cosine' },
      ),
    ).rejects.toThrow(/all-zero row \(row 2\)/);
  });

  it('refuses a distance matrix over the memory limit before allocating it', async () => {
    const err = await linkageTree(X, { linkage: 'average', distance: 'euclidean', memoryLimit: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(
      /^average linkage on 40 rows needs about \d+\.\d kB for its distance matrix, over the 1000 bytes memory limit$/,
    );
    expect((err as DataError).hint).toBe(
      'use --sample N, raise --memory-limit, or use ward/single linkage (linear memory)',
    );
    // the same limit is plenty for ward and single
    await expect(
      linkageTree(X, { linkage: 'ward', distance: 'euclidean', memoryLimit: 10_000 }),
    ).resolves.toBeDefined();
    const big = { data: new Float64Array(60_000), nRows: 60_000, nCols: 1 };
    await expect(
      linkageTree(big, { linkage: 'complete', distance: 'euclidean', memoryLimit: 4 * 1024 ** 3 }),
    ).rejects.toThrow(
      'complete linkage on 60000 rows needs about 13.4 GB for its distance matrix, over the 4.0 GB memory limit',
    );
  });

  it('refuses a distance matrix larger than an array can hold', async () => {
    const huge = { data: new Float64Array(100_000), nRows: 100_000, nCols: 1 };
    await expect(linkageTree(huge, { linkage: 'average', distance: 'euclidean' })).rejects.toThrow(
      /more than the/,
    );
  });

  it('estimates memory: quadratic for complete/average, linear for ward/single', () => {
    expect(estimateMemory(60_000, 8, 'average')).toBeGreaterThan(8 * 1_799_970_000);
    expect(estimateMemory(60_000, 8, 'average')).toBeLessThan(8 * 1_799_970_000 + 60_000 * 1000);
    expect(estimateMemory(60_000, 8, 'ward')).toBeLessThan(60_000 * 1000);
    expect(estimateMemory(2 * 60_000, 8, 'single')).toBe(2 * estimateMemory(60_000, 8, 'single'));
  });
});

// Generated by scipy 1.10.1 / scikit-learn 1.2.1 (see the header).
const REF: Record<string, RefCase> = {
  'ward/euclidean': {
    a: [
      8, 13, 17, 16, 14, 15, 1, 23, 6, 4, 3, 2, 11, 21, 27, 9, 47, 10, 20, 7, 22, 51, 5, 46, 30, 0, 32, 24,
      33, 48, 64, 54, 53, 60, 65, 56, 70, 72, 76,
    ],
    b: [
      12, 29, 40, 19, 34, 41, 39, 31, 44, 26, 18, 36, 25, 37, 28, 45, 52, 38, 43, 42, 58, 55, 50, 57, 59, 35,
      49, 61, 62, 63, 66, 67, 68, 69, 73, 71, 75, 74, 77,
    ],
    heights: [
      0.507869427031873, 0.7867615042956323, 0.8779337730210084, 1.1564280474771371, 1.518032112985914,
      1.651511788522244, 1.6933172611500713, 1.736151596738479, 2.0751521440954472, 2.4392051223058338,
      2.5160093165505666, 2.8170098789213096, 2.8310739130145595, 2.8747072316317173, 2.9169816846157612,
      2.943521442689469, 3.0515547181680374, 3.603465327115766, 3.6466307626322516, 3.6743776521416804,
      3.816859764619137, 4.033069165866092, 4.049914339577713, 4.3628759295527155, 4.402258847651846,
      4.416180731042078, 4.43115211341846, 4.861147454171962, 5.286885365207963, 5.594870476074348,
      7.649063013165634, 8.156236048747466, 8.829006404794336, 11.800489901044024, 11.905653312855248,
      12.195431494709474, 20.086635275809506, 21.2550318048322, 24.391878997394155,
    ],
    partitions: [
      '0010100111011101010000011111111110001000',
      '0012120111011101012002011111111112001200',
      '0012320331013101032002011131113132001200',
      '0012320331043101032002041431113432001200',
    ],
    thresholds: [
      [16.141033, 4, '0012320331013101032002011131113132001200'],
      [8.492621, 8, '0123431442154212643667652542224543102711'],
    ],
  },
  'complete/euclidean': {
    a: [
      8, 13, 17, 16, 14, 1, 23, 15, 6, 4, 3, 2, 11, 21, 27, 46, 47, 20, 7, 10, 22, 30, 9, 5, 32, 38, 0, 50,
      24, 59, 54, 61, 53, 60, 66, 67, 70, 71, 75,
    ],
    b: [
      12, 29, 40, 19, 34, 39, 31, 41, 44, 26, 18, 36, 25, 37, 28, 52, 51, 43, 42, 48, 57, 58, 56, 33, 49, 45,
      35, 63, 62, 65, 68, 64, 55, 69, 73, 72, 74, 76, 77,
    ],
    heights: [
      0.507869427031873, 0.7867615042956323, 0.9250497821293473, 1.1564280474771371, 1.518032112985914,
      1.6933172611500713, 1.736151596738479, 1.749518995301117, 2.16868615767293, 2.4392051223058338,
      2.5160093165505666, 2.8170098789213096, 2.8310739130145595, 2.8747072316317173, 2.9169816846157612,
      3.086575550369742, 3.1483937375863635, 3.3297186519875694, 3.3934962932026393, 3.415567603689888,
      3.6604447479589424, 3.8401408553019873, 3.8728869083700452, 4.119549937416422, 4.24513253781438,
      4.364590246406605, 4.416180731042078, 5.431597299719387, 5.706367686061557, 5.713719959273761,
      6.88473159769957, 7.089180343622274, 7.4464514556430075, 8.910557857660551, 9.4031011581193,
      9.969151450275241, 12.236301805761173, 14.394742261220111, 15.99017258925712,
    ],
    partitions: [
      '0001010000010000001001010100000101000100',
      '0001210220012000021001010120002121000100',
      '0012320331023101032002021231113232001200',
      '0012320331043101032004041431113432001400',
    ],
    thresholds: [
      [11.102727, 4, '0012320331023101032002021231113232001200'],
      [7.267816, 8, '0123431442154212643667652542224543102711'],
    ],
  },
  'complete/manhattan': {
    a: [
      8, 13, 17, 16, 14, 23, 15, 1, 6, 4, 2, 3, 11, 27, 22, 9, 7, 5, 25, 21, 20, 47, 10, 49, 30, 24, 0, 33,
      53, 61, 63, 58, 60, 64, 66, 67, 70, 73, 75,
    ],
    b: [
      12, 29, 40, 19, 34, 31, 41, 39, 44, 26, 36, 18, 45, 28, 43, 46, 42, 51, 52, 37, 54, 48, 38, 50, 56, 32,
      35, 57, 55, 62, 68, 59, 69, 65, 72, 71, 74, 76, 77,
    ],
    heights: [
      0.6618806533515453, 1.3585209101438522, 1.481622646562755, 1.9120122017338872, 2.3336482606828213,
      2.485716752707958, 2.5558849554508924, 2.60949601046741, 3.0182653851807117, 3.920959869399667,
      3.94661477021873, 3.9708662508055568, 4.045293610543013, 4.333824991248548, 4.353167776949704,
      4.382778475061059, 4.781565530225635, 4.849178543314338, 4.870593914762139, 4.928654804825783,
      5.114364260807633, 5.61823280993849, 5.894500333815813, 6.018385104835033, 6.161546912975609,
      6.6399010643363, 7.593393485061824, 7.6891578789800406, 8.643438089638948, 8.99285301566124,
      9.816070181317627, 10.939718881621957, 12.968729389831424, 14.583434110507369, 15.638811430893838,
      15.913088271394372, 16.98579099588096, 24.833043339662254, 26.605891657061875,
    ],
    partitions: [
      '0001010000010000001001010100000101000100',
      '0001010220012000021001012100002121000100',
      '0012120331023101032002023211113232001200',
      '0012120331043101032004043411113432001400',
    ],
    thresholds: [
      [16.44944, 4, '0012120331023101032002023211113232001200'],
      [11.954224, 8, '0123231442154212643665657522224573102511'],
    ],
  },
  'complete/cosine': {
    a: [
      1, 8, 13, 16, 7, 26, 10, 20, 17, 0, 5, 19, 2, 6, 24, 23, 39, 34, 42, 11, 4, 3, 21, 52, 48, 55, 47, 27,
      50, 58, 38, 57, 64, 62, 67, 68, 66, 73, 76,
    ],
    b: [
      30, 12, 29, 35, 14, 32, 40, 22, 41, 9, 18, 43, 15, 44, 36, 25, 46, 53, 49, 31, 45, 33, 37, 54, 60, 59,
      51, 28, 61, 63, 56, 70, 69, 65, 72, 71, 74, 75, 77,
    ],
    heights: [
      8.02277343370239e-5, 0.00032823963315853355, 0.0003844160167926214, 0.0005509454161244376,
      0.0006392925435356744, 0.0016294665232972072, 0.0017313888141964329, 0.0017621827347676922,
      0.0018662729961647084, 0.0020257828378360543, 0.0025683820031613402, 0.004246969668492362,
      0.004635843195357481, 0.005401728361964175, 0.008179283573880647, 0.009786846769733182,
      0.010771075060174828, 0.01362594822158436, 0.014319318865630315, 0.014733086073139168,
      0.015401469243581878, 0.01852214992518797, 0.02529413295698235, 0.03147305711769699,
      0.032997965099315185, 0.03467276019104648, 0.037603231952740956, 0.04069570081109075,
      0.05200831446790033, 0.060906620618644935, 0.061338829372770465, 0.12505460246535927,
      0.15794980113842183, 0.18490611481484898, 0.22781532487043066, 0.26359714136435697, 0.46623959053479247,
      0.5578287532333874, 0.8528207903311866,
    ],
    partitions: [
      '0101011100110010001001010100001101100111',
      '0101011100120010001002020200001201100211',
      '0101011100120010301332320200001201130211',
      '0102021100130010402443430300001302140311',
    ],
    thresholds: [
      [0.364918, 4, '0101011100120010301332320200001201130211'],
      [0.141502, 8, '0102321130143010532556540437701432150611'],
    ],
  },
  'average/euclidean': {
    a: [
      8, 13, 17, 16, 15, 14, 1, 23, 6, 4, 9, 3, 11, 2, 25, 21, 27, 7, 50, 10, 20, 46, 22, 5, 30, 24, 32, 38,
      0, 64, 33, 54, 67, 56, 62, 69, 68, 75, 55,
    ],
    b: [
      12, 29, 40, 19, 41, 34, 39, 31, 45, 26, 44, 18, 47, 36, 52, 37, 28, 42, 53, 48, 43, 59, 60, 51, 57, 58,
      49, 61, 35, 66, 63, 65, 70, 71, 72, 73, 74, 76, 77,
    ],
    heights: [
      0.507869427031873, 0.7867615042956323, 0.7901680440358765, 1.1564280474771371, 1.4535333953954475,
      1.518032112985914, 1.6933172611500713, 1.736151596738479, 1.9370440418448873, 2.4392051223058338,
      2.4515804093987903, 2.5160093165505666, 2.5465021711802187, 2.8170098789213096, 2.8319736309450474,
      2.8747072316317173, 2.9169816846157612, 3.0147238408867114, 3.0634100557816586, 3.1668119081019612,
      3.20827360054597, 3.3856725126646796, 3.476248787396218, 3.687570133855368, 3.7301191009233237,
      3.9911252963349, 4.020352751174787, 4.30390563914384, 4.416180731042078, 4.637674704795077,
      4.7037825328395755, 5.055391523428333, 5.575463817491409, 6.277165130840182, 7.345262180177687,
      7.424445609536714, 7.925352632310336, 8.16351196967482, 9.71624085079389,
    ],
    partitions: [
      '0000000000000000000001000000000000000100',
      '0010100111011101010002011111111110001200',
      '0121211222122212121113122222222221102311',
      '0121311332123212131114122232223231102411',
    ],
    thresholds: [
      [7.674899, 4, '0121211222122212121113122222222221102311'],
      [5.315428, 8, '0123431442124212543556522247724243102611'],
    ],
  },
  'average/manhattan': {
    a: [
      8, 17, 13, 16, 15, 14, 23, 1, 6, 9, 11, 4, 2, 3, 22, 27, 25, 47, 7, 49, 5, 20, 21, 30, 24, 10, 32, 38,
      63, 55, 33, 0, 61, 62, 56, 68, 71, 75, 73,
    ],
    b: [
      12, 40, 29, 19, 42, 34, 31, 39, 45, 44, 46, 26, 36, 18, 43, 28, 50, 48, 41, 52, 53, 54, 37, 58, 59, 57,
      51, 65, 66, 64, 60, 35, 67, 70, 69, 72, 74, 76, 77,
    ],
    heights: [
      0.6618806533515453, 1.2985346773639321, 1.3585209101438522, 1.9120122017338872, 2.1618089117109776,
      2.3336482606828213, 2.485716752707958, 2.60949601046741, 2.73608117364347, 3.5650389498720565,
      3.700997456908226, 3.920959869399667, 3.94661477021873, 3.9708662508055568, 4.223447948228568,
      4.333824991248548, 4.386676240091522, 4.407462346057097, 4.508383521189292, 4.654279662296176,
      4.714910531882197, 4.879198717263837, 4.928654804825783, 5.142443543300033, 5.364683537743986,
      5.38871141821146, 6.332316170446575, 6.49956043312947, 7.144740185017388, 7.250761310237327,
      7.275705601709585, 7.593393485061824, 8.467957801551425, 8.567773110233247, 8.701880800537765,
      10.343089878940107, 11.34503919756613, 11.982692648342956, 14.02875972070786,
    ],
    partitions: [
      '0001010000000000001001000000000001000100',
      '0102121110101010112112100010001012100211',
      '0123131112121212113113122212221213102311',
      '0123431442124212143113122242224243102311',
    ],
    thresholds: [
      [10.844065, 4, '0123131112121212113113122212221213102311'],
      [8.030676, 8, '0123431442154212643667652542224543102711'],
    ],
  },
  'average/cosine': {
    a: [
      1, 8, 13, 16, 7, 17, 10, 26, 20, 0, 5, 19, 2, 6, 24, 39, 23, 42, 34, 4, 11, 3, 45, 56, 52, 21, 54, 48,
      58, 50, 27, 59, 38, 63, 65, 71, 70, 75, 74,
    ],
    b: [
      30, 12, 29, 35, 14, 41, 40, 32, 22, 9, 18, 43, 15, 44, 36, 46, 25, 49, 53, 47, 31, 33, 55, 60, 57, 37,
      64, 51, 62, 61, 28, 68, 67, 66, 69, 72, 73, 76, 77,
    ],
    heights: [
      8.02277343370239e-5, 0.00032823963315853355, 0.0003844160167926214, 0.0005509454161244376,
      0.0006392925435356744, 0.0012543850569196602, 0.0015211181256996609, 0.0016294665232972072,
      0.0017621827347676922, 0.0020257828378360543, 0.0025683820031613402, 0.003698388950610032,
      0.004635843195357481, 0.004717737362154917, 0.008179283573880647, 0.00891613658795265,
      0.009786846769733182, 0.010441028585581297, 0.010976713188790196, 0.011275004797172472,
      0.014733086073139168, 0.01852214992518797, 0.021096948966102924, 0.021952371009255484,
      0.024122911462550467, 0.02529413295698235, 0.026372075279675666, 0.027818747299920475,
      0.030551281812928592, 0.0383726308991692, 0.04069570081109075, 0.05892166597735722, 0.08353480166343412,
      0.09067831465618345, 0.1195498588615078, 0.13006449482625368, 0.16799744233452318, 0.20974611435017446,
      0.3085919391932716,
    ],
    partitions: [
      '0001010000000000001001000000000001000100',
      '0102121110101010112112100010001012110211',
      '0102121110101010112112100013301012110211',
      '0102121110101010312332300014401012130231',
    ],
    thresholds: [
      [0.149031, 4, '0102121110101010112112100013301012110211'],
      [0.071228, 8, '0102121110131010412445430316601312140571'],
    ],
  },
  'single/euclidean': {
    a: [
      8, 17, 13, 16, 15, 14, 1, 6, 23, 9, 11, 49, 36, 4, 46, 3, 54, 25, 7, 2, 43, 37, 21, 53, 27, 24, 10, 38,
      20, 22, 64, 5, 32, 70, 71, 30, 33, 0, 76,
    ],
    b: [
      12, 40, 29, 19, 42, 34, 39, 45, 31, 44, 48, 50, 51, 26, 47, 18, 55, 52, 41, 57, 56, 60, 61, 59, 28, 63,
      62, 66, 67, 68, 65, 69, 58, 72, 73, 74, 75, 35, 77,
    ],
    heights: [
      0.507869427031873, 0.6552863059424056, 0.7867615042956323, 1.1564280474771371, 1.157547795489778,
      1.518032112985914, 1.6933172611500713, 1.7054019260168445, 1.736151596738479, 1.7929976556401712,
      2.006428791990696, 2.3676593031897744, 2.4109307714210453, 2.4392051223058338, 2.4999682176685045,
      2.5160093165505666, 2.5759981243591628, 2.6662556742905816, 2.6919782747926053, 2.763394420103978,
      2.8587934789768115, 2.87119745170091, 2.8747072316317173, 2.909624974332038, 2.9169816846157612,
      2.9552476519230306, 2.969587149723439, 3.0405526557283062, 3.0868285491043705, 3.1096980096539237,
      3.1440311303794957, 3.153007839470419, 3.19552508268849, 3.243433613674434, 3.262939624932138,
      3.5273976994397134, 4.119549937416422, 4.416180731042078, 4.543955125222341,
    ],
    partitions: [
      '0111111111111111111111111111111111101111',
      '0111111111111111111111111111111111121111',
      '0111111111111111111111111111111112131111',
      '0111111111111111111111111111112113141111',
    ],
    thresholds: [
      [3.823474, 4, '0111111111111111111111111111111112131111'],
      [3.174266, 8, '0121211332123212131111122222224256172111'],
    ],
  },
  'single/manhattan': {
    a: [
      8, 17, 13, 15, 16, 14, 6, 23, 1, 9, 36, 24, 18, 11, 51, 48, 4, 2, 3, 25, 22, 38, 28, 7, 37, 56, 27, 30,
      10, 20, 68, 66, 5, 32, 21, 73, 0, 33, 35,
    ],
    b: [
      12, 40, 29, 42, 19, 34, 45, 31, 39, 43, 49, 50, 46, 47, 53, 52, 26, 54, 55, 57, 44, 58, 59, 41, 61, 63,
      62, 65, 64, 60, 69, 67, 70, 71, 72, 74, 75, 76, 77,
    ],
    heights: [
      0.6618806533515453, 1.1154467081651092, 1.3585209101438522, 1.7677328679710627, 1.9120122017338872,
      2.3336482606828213, 2.453896962106228, 2.485716752707958, 2.60949601046741, 2.880761567503214,
      3.0876296358183026, 3.2994257351383567, 3.3364111930131912, 3.3567013032734394, 3.530409647151828,
      3.718720809556544, 3.920959869399667, 3.94661477021873, 3.9708662508055568, 4.001115648075938,
      4.093728119507432, 4.1082202373072505, 4.119183160364628, 4.217729122377932, 4.2501089964061975,
      4.3108931835740805, 4.333824991248548, 4.51208802126348, 4.528449159115553, 4.559903071261942,
      4.562007515691221, 4.577807933092117, 4.580642520450056, 4.8442291440442204, 4.928654804825783,
      5.162045533768833, 5.636762548238039, 6.4683459140360355, 7.261608951725066,
    ],
    partitions: [
      '0000000000000000000000000000000000010000',
      '0000000000000000000000000000000001020000',
      '0111111111111111111111111111111112131111',
      '0121211222122212121111122222222223142111',
    ],
    thresholds: [
      [5.399404, 4, '0111111111111111111111111111111112131111'],
      [4.579225, 8, '0121231222122212121114122222222256172111'],
    ],
  },
  'single/cosine': {
    a: [
      1, 8, 13, 16, 7, 17, 10, 26, 20, 0, 5, 19, 15, 6, 2, 39, 49, 4, 24, 36, 34, 23, 31, 45, 57, 63, 60, 11,
      3, 66, 48, 37, 21, 28, 50, 38, 74, 70, 27,
    ],
    b: [
      30, 12, 29, 35, 14, 41, 40, 32, 22, 9, 18, 43, 42, 44, 52, 46, 54, 47, 56, 58, 53, 25, 61, 55, 59, 64,
      65, 62, 33, 67, 51, 68, 71, 69, 72, 73, 75, 76, 77,
    ],
    heights: [
      8.02277343370239e-5, 0.00032823963315853355, 0.0003844160167926214, 0.0005509454161244376,
      0.0006392925435356744, 0.0006424971176746119, 0.0013108474372028889, 0.0016294665232972072,
      0.0017621827347676922, 0.0020257828378360543, 0.0025683820031613402, 0.003149808232727702,
      0.004006454953076055, 0.004033746362345658, 0.004635843195357481, 0.005379229359942617,
      0.0065058929803721854, 0.007148540350763066, 0.008092720020762556, 0.008179283573880647,
      0.008871768548254555, 0.009786846769733182, 0.010838089129395212, 0.010997486457162364,
      0.011065895885817523, 0.011543506925546065, 0.012991841781608948, 0.014733086073139168,
      0.01852214992518797, 0.019045987413715992, 0.01917918072275815, 0.02114074392914045,
      0.02529413295698235, 0.026270126685416506, 0.027981315674480145, 0.03060615773546238,
      0.031761163384683266, 0.03270966153070398, 0.04069570081109075,
    ],
    partitions: [
      '0000000000000000000000000001000000000000',
      '0000000000000000100110100002000000010000',
      '0001010000000000201221200003000001020100',
      '0001010000000000201221200003000001020140',
    ],
    thresholds: [
      [0.031184, 4, '0001010000000000201221200003000001020100'],
      [0.023217, 8, '0001020000000000302334300005600001030170'],
    ],
  },
};
const TIES: Record<string, ZCase> = {
  'complete/euclidean': {
    a: [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 44],
    b: [2, 3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 2.8284271247461903,
    ],
  },
  'complete/manhattan': {
    a: [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 44],
    b: [2, 3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 4.0,
    ],
  },
  'complete/cosine': {
    a: [1, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 0, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 34],
    b: [3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 2, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 0.01613008990009257,
    ],
  },
  'average/euclidean': {
    a: [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 44],
    b: [2, 3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 2.828427124746191,
    ],
  },
  'average/manhattan': {
    a: [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 44],
    b: [2, 3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 4.0,
    ],
  },
  'average/cosine': {
    a: [1, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 0, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 34],
    b: [3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 2, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 0.01613008990009257,
    ],
  },
  'single/euclidean': {
    a: [0, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 1, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 34],
    b: [2, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 3, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 2.8284271247461903,
    ],
  },
  'single/manhattan': {
    a: [0, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 1, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 34],
    b: [2, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 3, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0, 4.0,
    ],
  },
  'single/cosine': {
    a: [1, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 0, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 34],
    b: [3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 2, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      2.220446049250313e-16, 0.01613008990009257,
    ],
  },
};
const DUPS: Record<string, ZCase> = {
  'ward/euclidean': {
    a: [0, 1, 2, 3, 4, 11, 10, 14, 7, 15, 19, 16, 20, 26, 28],
    b: [6, 5, 8, 9, 12, 17, 18, 22, 13, 24, 21, 23, 25, 27, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.440762850946112, 7.204497166764312,
      7.503559152143863, 10.724918127713483, 17.456510428406197,
    ],
  },
  'complete/euclidean': {
    a: [0, 1, 2, 3, 4, 11, 10, 14, 7, 15, 21, 19, 20, 16, 27],
    b: [6, 5, 8, 9, 12, 17, 18, 22, 13, 24, 23, 26, 25, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.048246235585118, 4.479346130029609,
      4.843526605589237, 7.361130822111735, 10.775757254839075,
    ],
  },
  'complete/manhattan': {
    a: [0, 1, 2, 3, 4, 11, 10, 14, 7, 15, 19, 16, 20, 26, 28],
    b: [6, 5, 8, 9, 12, 17, 18, 22, 13, 24, 21, 23, 25, 27, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.261264001950622, 6.557046351954341,
      8.184334742836654, 10.202690507285297, 16.6858677752316,
    ],
  },
  'complete/cosine': {
    a: [0, 1, 2, 3, 11, 10, 14, 4, 7, 15, 16, 19, 23, 25, 27],
    b: [6, 5, 8, 9, 17, 18, 21, 12, 13, 24, 22, 20, 26, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.1102230246251565e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      0.02719208716993149, 0.04043560950117986, 0.11938575988044231, 0.3052802315533646, 0.7164275392438566,
    ],
  },
  'average/euclidean': {
    a: [0, 1, 2, 3, 4, 11, 10, 14, 7, 15, 21, 19, 20, 16, 28],
    b: [6, 5, 8, 9, 12, 17, 18, 22, 13, 24, 23, 26, 25, 27, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.048246235585118, 4.341409735630184,
      4.843526605589237, 5.993984892498697, 7.451084801662604,
    ],
  },
  'average/manhattan': {
    a: [0, 1, 2, 3, 4, 11, 10, 14, 7, 15, 19, 16, 26, 20, 28],
    b: [6, 5, 8, 9, 12, 17, 18, 22, 13, 24, 21, 23, 27, 25, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.261264001950622, 6.557046351954341,
      7.880738761586447, 8.184334742836654, 11.2305453191088,
    ],
  },
  'average/cosine': {
    a: [0, 1, 2, 3, 11, 10, 14, 4, 7, 15, 16, 19, 23, 27, 25],
    b: [6, 5, 8, 9, 17, 18, 21, 12, 13, 24, 22, 20, 26, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.1102230246251565e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      0.02719208716993149, 0.04043560950117986, 0.09343243914612098, 0.1750087588582428, 0.3997000371637391,
    ],
  },
  'single/euclidean': {
    a: [0, 2, 10, 14, 1, 11, 3, 4, 7, 15, 19, 22, 16, 23, 25],
    b: [6, 8, 17, 18, 5, 20, 9, 12, 13, 24, 21, 26, 27, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.048246235585118, 4.1574945430976165,
      4.411835477974913, 4.549752530761512, 4.843526605589237,
    ],
  },
  'single/manhattan': {
    a: [0, 2, 10, 14, 1, 11, 3, 4, 7, 15, 21, 16, 26, 23, 25],
    b: [6, 8, 17, 18, 5, 20, 9, 12, 13, 24, 22, 19, 27, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.261264001950622, 6.557046351954341,
      6.700435406528413, 6.766622867435217, 8.184334742836654,
    ],
  },
  'single/cosine': {
    a: [0, 2, 10, 14, 3, 1, 11, 4, 7, 15, 16, 20, 23, 27, 25],
    b: [6, 8, 17, 18, 9, 5, 21, 12, 13, 24, 19, 22, 26, 28, 29],
    heights: [
      0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.1102230246251565e-16, 2.220446049250313e-16, 2.220446049250313e-16,
      0.02719208716993149, 0.04043560950117986, 0.04152579767747833, 0.056752232867338104,
      0.16661903494560137,
    ],
  },
};
