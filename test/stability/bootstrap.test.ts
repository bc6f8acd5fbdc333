import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitClusters } from '../../src/cluster/fit.js';
import type { Matrix } from '../../src/core/matrix.js';
import { Random } from '../../src/core/random.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import {
  bestJaccards,
  bootstrapStability,
  drawReplicate,
  type RefitContext,
} from '../../src/stability/bootstrap.js';
import { defaultThresholds, gateBootstrap, renderBootstrap } from '../../src/stability/stability.js';
import { fixtures } from '../helpers/cli.js';

const i32 = (xs: number[]) => Int32Array.from(xs);

/** A 1-column matrix 0..n−1 (the fake refits below look at the original row numbers only). */
function rowsMatrix(n: number): Matrix {
  return { data: Float64Array.from({ length: n }, (_, i) => i), nRows: n, nCols: 1 };
}

describe('best Jaccard per segment (hand-computed)', () => {
  it('keeps the largest |S ∩ C| / |S ∪ C| over bootstrap clusters, noise excluded', () => {
    // Drawn rows: original 0 0 0 1 1 2 -1; bootstrap 5 5 7 7 7 -1 7.
    const orig = i32([0, 0, 0, 1, 1, 2, -1]);
    const boot = i32([5, 5, 7, 7, 7, -1, 7]);
    const j = bestJaccards([0, 1, 2, 3], orig, boot);
    // Segment 0 = {0,1,2}: with 5 = {0,1} → 2/3; with 7 = {2,3,4,6} → 1/6. Best 2/3.
    expect(j[0]).toBeCloseTo(2 / 3, 15);
    // Segment 1 = {3,4}: with 7 → 2/4.
    expect(j[1]).toBe(0.5);
    // Segment 2 = {5} is only in bootstrap noise: no cluster overlaps → 0.
    expect(j[2]).toBe(0);
    // Segment 3 has no drawn row: not computed.
    expect(Number.isNaN(j[3]!)).toBe(true);
    // A refit that found nothing but noise: every drawn segment dissolves to 0.
    expect([...bestJaccards([0, 1], i32([0, 1]), i32([-1, -1]))]).toEqual([0, 0]);
  });

  it('draws n rows with replacement from a per-replicate stream, distinct and ascending', () => {
    const a = drawReplicate(1000, 7, 3);
    const b = drawReplicate(1000, 7, 3);
    expect(a).toEqual(b);
    expect(drawReplicate(1000, 7, 4).rows).not.toEqual(a.rows);
    for (let i = 1; i < a.rows.length; i++) expect(a.rows[i]!).toBeGreaterThan(a.rows[i - 1]!);
    // About 1 − 1/e of the rows are drawn.
    expect(Math.abs(a.rows.length / 1000 - (1 - Math.exp(-1)))).toBeLessThan(0.05);
  });
});

describe('bootstrapStability with fake refits', () => {
  const labels = i32([0, 0, 0, 0, 1, 1, 1, 1, 2, -1]);
  const X = rowsMatrix(labels.length);

  it('a refit that returns the original partition gives Jaccard 1 and ARI 1 everywhere', async () => {
    const calls: RefitContext[] = [];
    const r = await bootstrapStability(X, labels, {
      replicates: 20,
      seed: 1,
      refit: (_x, ctx) => {
        calls.push(ctx);
        return Int32Array.from(ctx.rows, (row) => labels[row]!);
      },
    });
    expect(calls.map((c) => c.replicate)).toEqual(Array.from({ length: 20 }, (_, b) => b + 1));
    expect(r.ari).toEqual({ mean: 1, min: 1, max: 1 });
    expect(r.noise).toBe(1);
    for (const s of r.segments) {
      expect(s.meanJaccard).toBe(1);
      expect(s.dissolved).toBe(0);
      expect(s.recovered).toBe(s.computed);
    }
    // Segment 2 has one row (row 8): computed exactly in the replicates that drew it.
    const drawn8 = calls.filter((c) => c.rows.includes(8)).length;
    expect(r.segments[2]).toEqual({
      segment: 2,
      size: 1,
      meanJaccard: 1,
      computed: drawn8,
      dissolved: 0,
      recovered: drawn8,
    });
    expect(drawn8).toBeLessThan(20);
    expect(r.segments.map((s) => s.size)).toEqual([4, 4, 1]);
  });

  it('merging two segments halves their Jaccard: hand-computed mean per replicate', async () => {
    // The refit puts segments 0 and 1 in one cluster: for each, best Jaccard = |S| / (|S0| + |S1|) on the drawn rows.
    const expected: number[][] = [[], []];
    const r = await bootstrapStability(X, labels, {
      replicates: 30,
      seed: 9,
      segments: [0, 1, 2, 5],
      refit: (_x, ctx) => {
        const drawn = [...ctx.rows];
        const s0 = drawn.filter((row) => labels[row] === 0).length;
        const s1 = drawn.filter((row) => labels[row] === 1).length;
        if (s0 > 0) expected[0]!.push(s0 / (s0 + s1));
        if (s1 > 0) expected[1]!.push(s1 / (s0 + s1));
        return Int32Array.from(ctx.rows, (row) =>
          labels[row]! <= 1 && labels[row]! >= 0 ? 0 : labels[row]!,
        );
      },
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.segments[0]!.meanJaccard).toBeCloseTo(mean(expected[0]!), 14);
    expect(r.segments[1]!.meanJaccard).toBeCloseTo(mean(expected[1]!), 14);
    expect(r.segments[0]!.computed).toBe(expected[0]!.length);
    expect(r.segments[0]!.dissolved).toBe(expected[0]!.filter((v) => v < 0.5).length);
    expect(r.segments[0]!.recovered).toBe(expected[0]!.filter((v) => v >= 0.75).length);
    // Segment 5 has no row at all: never computed, and the Jaccard gate fails on it.
    expect(r.segments[3]).toEqual({
      segment: 5,
      size: 0,
      meanJaccard: null,
      computed: 0,
      dissolved: 0,
      recovered: 0,
    });
    const g = gateBootstrap(r, defaultThresholds);
    const jg = g.gates.find((x) => x.name === 'jaccard')!;
    expect([jg.value, jg.at, jg.pass]).toEqual([null, 'segment 5 never drawn', false]);
    expect(g.pass).toBe(false);
    expect(g.gates.filter((x) => !x.applicable).map((x) => [x.name, x.pass, x.enabled])).toEqual([
      ['psi', true, false],
      ['ks', true, false],
    ]);
    expect(renderBootstrap(r, g)).toMatch(/jaccard +— +>= 0\.7 +segment 5 never drawn +FAIL/);
    expect(r.ari.mean).toBeLessThan(1);
  });

  it('is reproducible from the seed and refuses a bad replicate count', async () => {
    const refit = (_x: Matrix, ctx: RefitContext) =>
      Int32Array.from(ctx.rows, (row) => (row % 3 === 0 ? 0 : 1));
    const a = await bootstrapStability(X, labels, { replicates: 5, seed: 3, refit });
    const b = await bootstrapStability(X, labels, { replicates: 5, seed: 3, refit });
    expect(a).toEqual(b);
    const c = await bootstrapStability(X, labels, { replicates: 5, seed: 4, refit });
    expect(c).not.toEqual(a);
    await expect(bootstrapStability(X, labels, { replicates: 1, seed: 3, refit })).rejects.toThrow(
      /replicates/,
    );
    await expect(bootstrapStability(X, labels, { replicates: 10_001, seed: 3, refit })).rejects.toThrow(
      /replicates/,
    );
  });
});

/** fixtures/blobs.csv: 600 rows, 4 features, true label in the last column. */
function blobs(): { X: Matrix; truth: Int32Array } {
  const lines = readFileSync(join(fixtures, 'blobs.csv'), 'utf8').trim().split('\n').slice(1);
  const data = new Float64Array(lines.length * 4);
  const truth = new Int32Array(lines.length);
  lines.forEach((l, i) => {
    const v = l.split(',').map(Number);
    data.set(v.slice(0, 4), i * 4);
    truth[i] = v[4]!;
  });
  return { X: { data, nRows: lines.length, nCols: 4 }, truth };
}

describe('bootstrapStability with real refits', () => {
  it('well-separated blobs clustered with the true k: every segment has mean Jaccard >= 0.95', async () => {
    const { X } = blobs();
    const params = { algorithm: 'kmeans' as const, nClusters: 4, nInit: 3, seed: 42 };
    const fit = await fitClusters(X, ['x0', 'x1', 'x2', 'x3'], null, params, { toolVersion: 'test' });
    const r = await bootstrapStability(X, fit.labels, { replicates: 20, seed: 42, refit: params });
    expect(r.segments).toHaveLength(4);
    for (const s of r.segments) {
      expect(s.meanJaccard!).toBeGreaterThanOrEqual(0.95);
      expect(s.dissolved).toBe(0);
    }
    expect(r.ari.mean).toBeGreaterThan(0.95);
    expect(gateBootstrap(r, defaultThresholds).pass).toBe(true);
  });

  it('k-means with k too large on one Gaussian blob: some segments fall below 0.75', async () => {
    const rng = new Random(5);
    const n = 400;
    const data = Float64Array.from({ length: n * 2 }, () => rng.normal());
    const X = { data, nRows: n, nCols: 2 };
    const params = { algorithm: 'kmeans' as const, nClusters: 6, nInit: 1, seed: 42 };
    const fit = await fitClusters(X, ['a', 'b'], null, params, { toolVersion: 'test' });
    const r = await bootstrapStability(X, fit.labels, { replicates: 20, seed: 42, refit: params });
    const means = r.segments.map((s) => s.meanJaccard!);
    expect(Math.min(...means)).toBeLessThan(0.75);
    expect(r.segments.some((s) => s.dissolved > 0)).toBe(true);
    const g = gateBootstrap(r, { ...defaultThresholds, minJaccard: 0.75 });
    expect(g.pass).toBe(false);
  });

  it('gives the same result with a worker pool as without (resamples span several row blocks)', async () => {
    const rng = new Random(2);
    const n = 30_000;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[2 * i] = (i % 3) * 4 + rng.normal();
      data[2 * i + 1] = rng.normal();
    }
    const X = { data, nRows: n, nCols: 2 };
    const params = { algorithm: 'kmeans' as const, nClusters: 3, nInit: 1, seed: 42 };
    const fit = await fitClusters(X, ['a', 'b'], null, params, { toolVersion: 'test' });
    const one = await bootstrapStability(X, fit.labels, { replicates: 3, seed: 8, refit: params });
    const pool = new WorkerPool(3);
    try {
      const many = await bootstrapStability(X, fit.labels, {
        replicates: 3,
        seed: 8,
        refit: params,
        env: { pool, toolVersion: 'test' },
      });
      expect(many).toEqual(one);
    } finally {
      await pool.close();
    }
  });
});
