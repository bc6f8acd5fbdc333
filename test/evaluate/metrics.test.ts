import { describe, expect, it } from 'vitest';
import type { Distance } from '../../src/core/distance.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import {
  calinskiHarabasz,
  computeValidity,
  daviesBouldin,
  dunn,
  inertia,
  normalQuantile,
  silhouetteSampled,
  silhouetteSamples,
  silhouetteScore,
} from '../../src/evaluate/metrics.js';

/**
 * Deterministic blobs, reproduced exactly by the Python that computed the scikit-learn references below:
 * s ← s·48271 mod (2^31 − 1); label = s mod k; x_ij = ((label·7 + j·3) mod 11 − 5) + (s' mod 20001 − 10000)/5000.
 */
function fixture(n: number, d: number, k: number, seed: number): { X: Matrix; y: Int32Array } {
  let s = seed;
  const next = (): number => (s = (s * 48271) % 2147483647);
  const data = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lab = next() % k;
    y[i] = lab;
    for (let j = 0; j < d; j++)
      data[i * d + j] = ((lab * 7 + j * 3) % 11) - 5 + ((next() % 20001) - 10000) / 5000;
  }
  return { X: { data, nRows: n, nCols: d }, y };
}

function mat(rows: number[][]): Matrix {
  return { data: Float64Array.from(rows.flat()), nRows: rows.length, nCols: rows[0]?.length ?? 0 };
}

function expectRel(got: number, want: number, tol = 1e-9): void {
  const err = Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);
  if (want === 0) expect(Math.abs(got)).toBeLessThanOrEqual(1e-12);
  else expect(err, `got ${got}, want ${want}`).toBeLessThanOrEqual(tol);
}

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

// ----- naive references (O(n²) double loops) -----

function dist(X: Matrix, i: number, j: number, metric: Distance): number {
  const d = X.nCols;
  const x = X.data;
  if (metric === 'cosine') {
    let dot = 0;
    let ni = 0;
    let nj = 0;
    for (let t = 0; t < d; t++) {
      dot += x[i * d + t]! * x[j * d + t]!;
      ni += x[i * d + t]! ** 2;
      nj += x[j * d + t]! ** 2;
    }
    const v = 1 - dot / (Math.sqrt(ni || 1) * Math.sqrt(nj || 1));
    return Math.min(2, Math.max(0, v));
  }
  let s = 0;
  for (let t = 0; t < d; t++) {
    const u = x[i * d + t]! - x[j * d + t]!;
    s += metric === 'manhattan' ? Math.abs(u) : u * u;
  }
  return metric === 'manhattan' ? s : Math.sqrt(s);
}

/** Silhouette of the rows `rows` (all rows when undefined), distances among those rows only. */
function naiveSilhouette(X: Matrix, y: ArrayLike<number>, metric: Distance, rows?: number[]): number[] {
  const R = rows ?? Array.from({ length: X.nRows }, (_, i) => i);
  const labs = [...new Set(R.map((r) => y[r]!))];
  const size = new Map(labs.map((l) => [l, R.filter((r) => y[r] === l).length]));
  return R.map((i) => {
    const sums = new Map(labs.map((l) => [l, 0]));
    for (const j of R) if (j !== i) sums.set(y[j]!, sums.get(y[j]!)! + dist(X, i, j, metric));
    const own = y[i]!;
    if (size.get(own)! === 1) return 0;
    const a = sums.get(own)! / (size.get(own)! - 1);
    let b = Infinity;
    for (const l of labs) if (l !== own) b = Math.min(b, sums.get(l)! / size.get(l)!);
    const v = (b - a) / Math.max(a, b);
    return Number.isNaN(v) ? 0 : v;
  });
}

function naiveDunn(X: Matrix, y: ArrayLike<number>, metric: Distance): number {
  let minInter = Infinity;
  let maxIntra = 0;
  for (let i = 0; i < X.nRows; i++)
    for (let j = i + 1; j < X.nRows; j++) {
      const v = dist(X, i, j, metric);
      if (y[i] === y[j]) maxIntra = Math.max(maxIntra, v);
      else minInter = Math.min(minInter, v);
    }
  return minInter / maxIntra;
}

const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

// Reference values: scikit-learn 1.2.1 (silhouette_samples / silhouette_score / davies_bouldin_score /
// calinski_harabasz_score) on fixture(...) above; inertia with numpy (sum of squared deviations from cluster means).
const IDX = [0, 1, 17, 42, 99, 149];
const REF_A = {
  euclidean: {
    mean: 0.6831081604244861,
    samples: [
      0.6872799491076426, 0.7085639627153084, 0.6212397975645295, 0.5840808819323646, 0.7205421709972955,
      0.6883094344145849,
    ],
  },
  manhattan: {
    mean: 0.6611550763224902,
    samples: [
      0.676434968508577, 0.6453683857824832, 0.5577452772920244, 0.533000752887433, 0.734565570878181,
      0.6912671149022206,
    ],
  },
  cosine: {
    mean: 0.9129666788277859,
    samples: [
      0.8957440646639069, 0.9271841550241858, 0.8401484652478698, 0.8345673476757542, 0.9409965167163133,
      0.9199105093483078,
    ],
  },
  db: 0.4429778371648604,
  ch: 403.5977050519871,
  inertia: 740.9880646519662,
};

describe('hand-computed toy: 0, 1 | 4, 5 on a line', () => {
  const X = mat([[0], [1], [4], [5]]);
  const y = [0, 0, 1, 1];

  it('silhouette: 7/9, 5/7, 5/7, 7/9 (euclidean = manhattan in 1-d)', async () => {
    for (const metric of ['euclidean', 'manhattan'] as const) {
      const s = await silhouetteSamples(X, y, { distance: metric });
      const want = [7 / 9, 5 / 7, 5 / 7, 7 / 9];
      for (let i = 0; i < 4; i++) expectRel(s[i]!, want[i]!, 1e-15);
      expectRel(await silhouetteScore(X, y, { distance: metric }), 47 / 63, 1e-15);
    }
  });

  it('Davies–Bouldin 1/4, Calinski–Harabasz 32, inertia 1, Dunn 3', async () => {
    // centroids 0.5, 4.5; s = 0.5 each; centroid distance 4 → (0.5 + 0.5)/4
    expect(daviesBouldin(X, y)).toBe(0.25);
    // B = 2·2² + 2·2² = 16, W = 4·0.25 = 1: (16 / 1) / (1 / 2)
    expect(calinskiHarabasz(X, y)).toBe(32);
    expect(inertia(X, y)).toBe(1);
    // nearest pair across: 1–4 = 3; largest diameter 1
    expect(await dunn(X, y)).toBe(3);
  });

  it('cosine toy: two directions', async () => {
    // (1,0), (2,0), (1,1) | (0,1), (0,3): cos distance 0 within the x-axis pair, 1 − 1/√2 to (1,1), 1 across.
    const Xc = mat([
      [1, 0],
      [2, 0],
      [1, 1],
      [0, 1],
      [0, 3],
    ]);
    const yc = [0, 0, 0, 1, 1];
    const h = 1 - Math.SQRT1_2;
    const s = await silhouetteSamples(Xc, yc, { distance: 'cosine' });
    // row 0: a = h/2, b = 1; row 2: a = h (to both x-axis rows), b = h (to both y-axis rows); row 3: a = 0
    expectRel(s[0]!, 1 - h / 2, 1e-12);
    expectRel(s[2]!, 0, 1e-12);
    expectRel(s[3]!, 1, 1e-12);
    // Dunn: nearest across = h ((1,1) to (0,1)), largest diameter = h
    expectRel(await dunn(Xc, yc, { distance: 'cosine' }), 1, 1e-12);
  });
});

describe('agreement with scikit-learn (1e-9 relative)', () => {
  const { X, y } = fixture(150, 4, 4, 12345);

  it('silhouette: euclidean, manhattan, cosine (means and per-row values)', async () => {
    for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
      const ref = REF_A[metric];
      expectRel(await silhouetteScore(X, y, { distance: metric }), ref.mean);
      const s = await silhouetteSamples(X, y, { distance: metric });
      IDX.forEach((i, r) => expectRel(s[i]!, ref.samples[r]!));
    }
  });

  it('Davies–Bouldin, Calinski–Harabasz, inertia', () => {
    expectRel(daviesBouldin(X, y), REF_A.db);
    expectRel(calinskiHarabasz(X, y), REF_A.ch);
    expectRel(inertia(X, y), REF_A.inertia);
  });

  it('a singleton cluster: its row scores 0, as scikit-learn', async () => {
    const ys = Int32Array.from(y);
    ys[3] = 9;
    const s = await silhouetteSamples(X, ys);
    expect(s[3]).toBe(0);
    expectRel(s[4]!, 0.7240816080034773);
    expectRel(mean(s), 0.47696691495589427);
    expectRel(daviesBouldin(X, ys), 0.6166532280727159);
    expectRel(calinskiHarabasz(X, ys), 303.16999627336406);
  });

  it('cosine with an all-zero row: distance 1 to every row, silhouette 0', async () => {
    const Xz = { ...X, data: X.data.slice() };
    Xz.data.fill(0, 5 * 4, 6 * 4);
    const s = await silhouetteSamples(Xz, y, { distance: 'cosine' });
    expect(s[5]).toBe(0);
    expectRel(s[6]!, 0.8283546099930577);
    expectRel(mean(s), 0.9005069072119742);
  });

  it('2,500 rows (several tiles per cluster), all metrics, sequential and 2 threads', async () => {
    const big = fixture(2500, 3, 3, 777);
    const ref = { euclidean: 0.5810459319251898, manhattan: 0.5984929171040818, cosine: 0.83677856744186 };
    const pool = new WorkerPool(2);
    try {
      for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
        expectRel(await silhouetteScore(big.X, big.y, { distance: metric }), ref[metric]);
        expectRel(await silhouetteScore(big.X, big.y, { distance: metric, pool }), ref[metric]);
      }
    } finally {
      await pool.close();
    }
  });
});

describe('blocked and parallel equal naive', () => {
  const big = fixture(2500, 3, 3, 777);

  it('silhouette samples match a naive double loop; bytes identical for 1 and 2 threads', async () => {
    const one = new WorkerPool(1);
    const two = new WorkerPool(2);
    try {
      for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
        const seq = await silhouetteSamples(big.X, big.y, { distance: metric });
        const p1 = await silhouetteSamples(big.X, big.y, { distance: metric, pool: one });
        const p2 = await silhouetteSamples(big.X, big.y, { distance: metric, pool: two });
        expect(bytes(p1).equals(bytes(seq))).toBe(true);
        expect(bytes(p2).equals(bytes(seq))).toBe(true);
        if (metric === 'euclidean') {
          const naive = naiveSilhouette(big.X, big.y, metric);
          let worst = 0;
          for (let i = 0; i < naive.length; i++) worst = Math.max(worst, Math.abs(seq[i]! - naive[i]!));
          expect(worst).toBeLessThan(1e-12);
        }
      }
      // Dunn: exact minima and maxima, identical whatever the split.
      const d1 = await dunn(big.X, big.y, { pool: one });
      const d2 = await dunn(big.X, big.y, { pool: two });
      expect(d2).toBe(d1);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('naive and blocked agree on smaller sets for manhattan and cosine', async () => {
    const { X, y } = fixture(300, 5, 4, 99);
    for (const metric of ['manhattan', 'cosine'] as const) {
      const naive = naiveSilhouette(X, y, metric);
      const s = await silhouetteSamples(X, y, { distance: metric });
      for (let i = 0; i < naive.length; i++) expect(Math.abs(s[i]! - naive[i]!)).toBeLessThan(1e-12);
    }
  });

  it('Dunn equals the naive O(n²) loop for every metric', async () => {
    const { X, y } = fixture(400, 3, 5, 4242);
    for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
      expectRel(await dunn(X, y, { distance: metric }), naiveDunn(X, y, metric), 1e-14);
    }
    const big = fixture(2500, 3, 3, 777);
    expect(await dunn(big.X, big.y)).toBe(naiveDunn(big.X, big.y, 'euclidean'));
  });
});

describe('noise policy', () => {
  const { X, y } = fixture(150, 4, 4, 12345);
  const yn = Int32Array.from(y);
  for (let i = 0; i < yn.length; i += 10) yn[i] = -1;

  it('exclude (default): indices of the clustered rows only, noise rows NaN in the samples', async () => {
    expectRel(await silhouetteScore(X, yn), 0.682923072636189);
    expectRel(await silhouetteScore(X, yn, { distance: 'manhattan' }), 0.6614648498555339);
    expectRel(daviesBouldin(X, yn), 0.4428282989644057);
    expectRel(calinskiHarabasz(X, yn), 362.6808223670616);
    expectRel(inertia(X, yn), 665.6635782663537);
    const s = await silhouetteSamples(X, yn);
    expect(s[0]).toBeNaN();
    expectRel(s[1]!, 0.7107826366644756);
    const r = await computeValidity(X, yn, { metrics: ['silhouette', 'daviesBouldin', 'inertia'] });
    expect(r).toMatchObject({ nClusters: 4, nRows: 135, nNoise: 15, noisePolicy: 'exclude' });
    expectRel(r.silhouette!, 0.682923072636189);
  });

  it('cluster: noise is one more cluster, as scikit-learn given the labels as they are', async () => {
    const opts = { noise: 'cluster' } as const;
    expectRel(await silhouetteScore(X, yn, opts), 0.5193253980750283);
    expectRel(await silhouetteScore(X, yn, { ...opts, distance: 'cosine' }), 0.7248596276771876);
    expectRel(daviesBouldin(X, yn, opts), 1.417560817089792);
    expectRel(calinskiHarabasz(X, yn, opts), 155.97385575378473);
    expectRel(inertia(X, yn, opts), 1298.5919747303537);
    const r = await computeValidity(X, yn, { metrics: ['calinskiHarabasz'], noise: 'cluster' });
    expect(r).toMatchObject({ nClusters: 5, nRows: 150, nNoise: 15, noisePolicy: 'cluster' });
    expectRel(r.calinskiHarabasz!, 155.97385575378473);
  });
});

describe('degenerate inputs', () => {
  const X = mat([[0], [1], [4], [5], [6]]);

  it('fewer than 2 clusters, as many clusters as rows, or no rows: DataError', async () => {
    await expect(silhouetteScore(X, [0, 0, 0, 0, 0])).rejects.toThrow(
      /silhouette needs 2 to n−1 segments; got 1 segment on 5 rows/,
    );
    await expect(silhouetteScore(X, [0, 1, 2, 3, 4])).rejects.toThrow(DataError);
    await expect(silhouetteScore(X, [-1, -1, -1, 0, 0])).rejects.toThrow(
      /1 segment on 2 rows \(3 noise rows/,
    );
    await expect(silhouetteScore(X, [-1, -1, -1, -1, -1])).rejects.toThrow(/got 0 rows/);
    expect(() => daviesBouldin(X, [1, 1, 1, 1, 1])).toThrow(DataError);
    expect(() => calinskiHarabasz(X, [0, 1, 2, 3, 4])).toThrow(DataError);
    await expect(dunn(X, [0, 0, 0, 0, 0])).rejects.toThrow(DataError);
    await expect(silhouetteSampled(X, [7, 7, 7, 7, 7])).rejects.toThrow(DataError);
    await expect(computeValidity(X, [0, 0, 0, 0, 0], { metrics: ['silhouette'] })).rejects.toThrow(DataError);
    expect(() => inertia(X, [-1, -1, -1, -1, -1])).toThrow(DataError);
    // inertia is defined for one cluster
    expect(inertia(X, [0, 0, 0, 0, 0])).toBeCloseTo(26.8, 12);
  });

  it('Dunn with every cluster of diameter 0 is undefined: DataError', async () => {
    await expect(dunn(mat([[0], [0], [5], [5]]), [0, 0, 1, 1])).rejects.toThrow(/diameter 0/);
  });

  it('non-finite X: DataError; label problems and bad options: UsageError', async () => {
    const bad = mat([[0], [NaN], [4], [5]]);
    await expect(silhouetteScore(bad, [0, 0, 1, 1])).rejects.toThrow(/non-finite value \(NaN\) at row 2/);
    expect(() => calinskiHarabasz(mat([[0], [Infinity], [4], [5]]), [0, 0, 1, 1])).toThrow(DataError);
    // a non-finite value in an excluded noise row is never read
    expect(inertia(bad, [0, -1, 1, 1])).toBe(0.5);
    await expect(silhouetteScore(X, [0, 1])).rejects.toThrow(UsageError);
    expect(() => daviesBouldin(X, [0, 0.5, 1, 1, 1])).toThrow(UsageError);
    await expect(silhouetteScore(X, [0, 0, 1, 1, 1], { distance: 'cityblock' as Distance })).rejects.toThrow(
      /The 'metric' parameter/,
    );
    await expect(silhouetteScore(X, [0, 0, 1, 1, 1], { noise: 'drop' as 'exclude' })).rejects.toThrow(
      UsageError,
    );
    await expect(silhouetteSampled(X, [0, 0, 1, 1, 1], { sampleSize: 2 })).rejects.toThrow(UsageError);
    await expect(silhouetteSampled(X, [0, 0, 1, 1, 1], { confidence: 1 })).rejects.toThrow(UsageError);
    await expect(computeValidity(X, [0, 0, 1, 1, 1], { metrics: [] })).rejects.toThrow(UsageError);
    await expect(computeValidity(X, [0, 0, 1, 1, 1], { metrics: ['gap' as 'dunn'] })).rejects.toThrow(
      UsageError,
    );
  });
});

describe('sampled silhouette', () => {
  it('normalQuantile matches scipy.stats.norm.ppf', () => {
    // scipy 1.10.1
    expectRel(normalQuantile(0.975), 1.959963984540054, 1e-14);
    expectRel(normalQuantile(0.1), -1.2815515655446004, 1e-14);
    expectRel(normalQuantile(1e-10), -6.361340902404056, 1e-14);
    expectRel(normalQuantile(0.999999), 4.753424308817087, 1e-14);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('equals a brute-force delete-one jackknife on the same subset', async () => {
    const N = 200;
    const m = 60;
    const seed = 3;
    const { X, y } = fixture(N, 3, 3, 2024);
    const r = await silhouetteSampled(X, y, { sampleSize: m, seed });
    const rows = Array.from(new Random(seed).sampleIndices(N, m));
    const theta = mean(naiveSilhouette(X, y, 'euclidean', rows));
    expectRel(r.mean, theta, 1e-12);
    const loo = rows.map((_, l) => mean(naiveSilhouette(X, y, 'euclidean', rows.toSpliced(l, 1))));
    const looMean = mean(loo);
    const v = ((m - 1) / m) * loo.reduce((s, t) => s + (t - looMean) ** 2, 0) * (1 - m / N);
    const half = 1.959963984540054 * Math.sqrt(v);
    expectRel(r.upper - r.mean, half, 1e-9);
    expectRel(r.mean - r.lower, half, 1e-9);
    expect(r).toMatchObject({ sampleSize: m, confidence: 0.95, method: 'jackknife' });
  });

  it('equals a delete-one jackknife from a distance matrix when clusters span several tiles', async () => {
    // 1,800 of 2,400 rows in 3 clusters of ~600: each cluster spans two tile blocks.
    const N = 2400;
    const m = 1800;
    const seed = 8;
    const { X, y } = fixture(N, 2, 3, 555);
    for (let i = 0; i < X.data.length; i++) X.data[i] = X.data[i]! * 0.4; // overlapping clusters
    const r = await silhouetteSampled(X, y, { sampleSize: m, seed, distance: 'manhattan' });
    const rows = Array.from(new Random(seed).sampleIndices(N, m));
    const lab = rows.map((i) => y[i]!);
    const k = 3;
    const D = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) D[i * m + j] = dist(X, rows[i]!, rows[j]!, 'manhattan');
    const S = new Float64Array(m * k);
    const size = new Float64Array(k);
    for (let i = 0; i < m; i++) {
      size[lab[i]!]!++;
      for (let j = 0; j < m; j++) if (j !== i) S[i * k + lab[j]!] = S[i * k + lab[j]!]! + D[i * m + j]!;
    }
    // Silhouette of i from its cluster sums and the cluster sizes, minimum over every cluster left.
    const silOf = (i: number, sums: Float64Array, sz: Float64Array): number => {
      const own = lab[i]!;
      if (sz[own]! <= 1) return 0;
      const a = sums[own]! / (sz[own]! - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) if (c !== own && sz[c]! > 0) b = Math.min(b, sums[c]! / sz[c]!);
      const v = (b - a) / Math.max(a, b);
      return Number.isNaN(v) ? 0 : v;
    };
    let total = 0;
    for (let i = 0; i < m; i++) total += silOf(i, S.subarray(i * k, i * k + k), size);
    expectRel(r.mean, total / m, 1e-12);
    const loo: number[] = [];
    const sums = new Float64Array(k);
    for (let l = 0; l < m; l++) {
      const sz = size.slice();
      sz[lab[l]!]!--;
      let t = 0;
      for (let i = 0; i < m; i++) {
        if (i === l) continue;
        sums.set(S.subarray(i * k, i * k + k));
        sums[lab[l]!] = sums[lab[l]!]! - D[i * m + l]!;
        t += silOf(i, sums, sz);
      }
      loo.push(t / (m - 1));
    }
    const looMean = mean(loo);
    const v = ((m - 1) / m) * loo.reduce((s, t) => s + (t - looMean) ** 2, 0) * (1 - m / N);
    expectRel(r.upper - r.mean, 1.959963984540054 * Math.sqrt(v), 1e-9);
  });

  it('seeded: deterministic, identical bytes for 1 and 2 threads; the interval contains the exact value', async () => {
    const { X, y } = fixture(3000, 4, 4, 31337);
    // Overlapping blobs: widen the noise so the silhouette is far from 1.
    for (let i = 0; i < X.data.length; i++) X.data[i] = X.data[i]! * (1 + (i % 7) / 3);
    const exact = await silhouetteScore(X, y);
    const one = new WorkerPool(1);
    const two = new WorkerPool(2);
    try {
      const a = await silhouetteSampled(X, y, { sampleSize: 1200, seed: 11, pool: one });
      const b = await silhouetteSampled(X, y, { sampleSize: 1200, seed: 11, pool: two });
      const c = await silhouetteSampled(X, y, { sampleSize: 1200, seed: 11 });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(Object.is(a.lower, b.lower) && Object.is(a.upper, b.upper)).toBe(true);
      expect(a.lower).toBeLessThan(exact);
      expect(a.upper).toBeGreaterThan(exact);
      const other = await silhouetteSampled(X, y, { sampleSize: 1200, seed: 12 });
      expect(other.mean).not.toBe(a.mean);
      // at or above the number of rows: exact, zero-width interval
      const all = await silhouetteSampled(X, y, { sampleSize: 5000 });
      expect(all).toMatchObject({ sampleSize: 3000, method: 'exact', lower: all.mean, upper: all.mean });
      expectRel(all.mean, exact, 1e-15);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('computeValidity', () => {
  it('returns every requested index and the counts', async () => {
    const { X, y } = fixture(150, 4, 4, 12345);
    const r = await computeValidity(X, y, {
      metrics: ['silhouette', 'silhouetteSampled', 'daviesBouldin', 'calinskiHarabasz', 'dunn', 'inertia'],
      distance: 'euclidean',
      sampleSize: 100,
      seed: 5,
    });
    expect(r).toMatchObject({ nClusters: 4, nRows: 150, nNoise: 0, noisePolicy: 'exclude' });
    expectRel(r.silhouette!, REF_A.euclidean.mean);
    expectRel(r.daviesBouldin!, REF_A.db);
    expectRel(r.calinskiHarabasz!, REF_A.ch);
    expectRel(r.inertia!, REF_A.inertia);
    expectRel(r.dunn!, naiveDunn(X, y, 'euclidean'), 1e-14);
    expect(r.silhouetteSampled).toEqual(await silhouetteSampled(X, y, { sampleSize: 100, seed: 5 }));
    const only = await computeValidity(X, y, { metrics: ['dunn'], distance: 'manhattan' });
    expect(Object.keys(only).sort()).toEqual(['dunn', 'nClusters', 'nNoise', 'nRows', 'noisePolicy']);
  });
});
