import { fitClusters, type ClusterParams, type FitEnv } from '../cluster/fit.js';
import { DataError, InternalError, invalidParameter } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { contingency, NOISE } from '../core/matching.js';
import { adjustedRandIndex } from './metrics.js';

/** Most replicates {@link bootstrapStability} accepts. */
export const maxReplicates = 10_000;

/** Below this best Jaccard a segment "dissolved" in a replicate (fpc::clusterboot's `dissolution`). */
export const dissolutionLevel = 0.5;

/** At or above this best Jaccard a segment was "recovered" in a replicate (fpc::clusterboot's `recover`). */
export const recoverLevel = 0.75;

/** What a refit receives besides the resampled rows. */
export interface RefitContext {
  /** Replicate number, 1-based. */
  replicate: number;
  /** Seed for the refit's own randomness (k-means++ …), drawn from the replicate's stream. */
  seed: number;
  /** Original row of each row of the resampled matrix (distinct, ascending). */
  rows: Int32Array;
}

/** Refit on resampled rows: one label per row of `X` (−1 = noise). */
export type Refit = (X: Matrix, ctx: RefitContext) => Promise<Int32Array> | Int32Array;

/** Options of {@link bootstrapStability}. */
export interface BootstrapOptions {
  /** Number of bootstrap replicates B (2 … {@link maxReplicates}). */
  replicates: number;
  /** Seed of the resampling; replicate b draws from its own stream, so results do not depend on scheduling. */
  seed: number;
  /** How to refit: a callback, or the parameters of {@link fitClusters} (its `seed` is replaced per replicate). */
  refit: Refit | ClusterParams;
  /** Where {@link fitClusters} runs when `refit` is parameters (pool, memory limit). */
  env?: FitEnv | undefined;
  /**
   * Segments to report (default: every label >= 0 of `labels`). A segment with no row never enters a sample, so
   * its mean Jaccard cannot be computed.
   */
  segments?: readonly number[] | undefined;
  /** Called after each replicate with the number done and B. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Bootstrap stability of one original segment. */
export interface BootstrapSegment {
  segment: number;
  /** Rows of the segment in the original labels. */
  size: number;
  /** Mean over the replicates where it was computed of the best Jaccard with a bootstrap cluster; null if never. */
  meanJaccard: number | null;
  /** Replicates in which the segment had at least one drawn row (its Jaccard was computed). */
  computed: number;
  /** Replicates with best Jaccard < {@link dissolutionLevel}. */
  dissolved: number;
  /** Replicates with best Jaccard >= {@link recoverLevel}. */
  recovered: number;
}

/** Everything {@link bootstrapStability} measures. */
export interface BootstrapResult {
  replicates: number;
  /** Rows of the original data. */
  rows: number;
  /** Noise rows (−1) of the original labels. */
  noise: number;
  dissolution: number;
  recover: number;
  /** Distinct rows per replicate (about 63.2 % of the rows). */
  distinctRows: { mean: number; min: number; max: number };
  /** Clusters (noise excluded) found per replicate. */
  clusters: { min: number; max: number };
  /** ARI of original and bootstrap labels on the distinct drawn rows (noise a label of its own). */
  ari: { mean: number; min: number; max: number };
  segments: BootstrapSegment[];
}

/** Stream of the first replicate's generator; replicate b uses stream base + b − 1. */
const streamBase = 0x6b00;

/**
 * The distinct rows of one bootstrap draw and the refit seed of replicate `replicate` (1-based): n draws with
 * replacement from Random(seed, stream of the replicate), duplicates removed, ascending. O(n).
 */
export function drawReplicate(
  n: number,
  seed: number,
  replicate: number,
): { rows: Int32Array; seed: number } {
  const rng = new Random(seed, streamBase + replicate - 1);
  const hit = new Uint8Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = rng.int(n);
    if (!hit[r]) {
      hit[r] = 1;
      m++;
    }
  }
  const rows = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) if (hit[i]) rows[j++] = i;
  return { rows, seed: rng.int(0x7fffffff) };
}

/**
 * Best Jaccard of each original segment with any bootstrap cluster on the same drawn rows: for segment s with
 * members S among the rows and each bootstrap cluster C (noise excluded), |S ∩ C| / |S ∪ C|, keeping the largest;
 * 0 when the refit found no cluster; NaN when S is empty (not computed). O(m + r·c).
 * @param original original labels of the drawn rows
 * @param boot bootstrap labels of the same rows
 */
export function bestJaccards(
  segments: readonly number[],
  original: Int32Array,
  boot: Int32Array,
): Float64Array {
  const c = contingency(original, boot);
  const k = c.cols.length;
  const rowOf = new Map(c.rows.map((l, i) => [l, i]));
  const out = new Float64Array(segments.length);
  for (let s = 0; s < segments.length; s++) {
    const i = rowOf.get(segments[s]!);
    if (i === undefined) {
      out[s] = NaN;
      continue;
    }
    let best = 0;
    for (let j = 0; j < k; j++) {
      if (c.cols[j] === NOISE) continue;
      const t = c.table[i * k + j]!;
      if (t === 0) continue;
      const jac = t / (c.rowSums[i]! + c.colSums[j]! - t);
      if (jac > best) best = jac;
    }
    out[s] = best;
  }
  return out;
}

/**
 * Bootstrap stability of a clustering, as fpc::clusterboot with `bootmethod = "boot"`: for b = 1..B draw n rows
 * with replacement, drop duplicates, refit on the distinct drawn rows, and for each original segment take the best
 * Jaccard of its drawn members with a bootstrap cluster (noise is no cluster); report per segment the mean over the
 * replicates where it was drawn, how often it dissolved (< 0.5) and was recovered (>= 0.75), and the mean ARI of the
 * original and bootstrap labels on the drawn rows. Replicates run one after another (a refit may use a worker pool)
 * and are combined in replicate order: the same seed gives the same result whatever the thread count.
 * Complexity: B refits on ≈ 0.632·n rows, plus O(B · (n·d + r·c)).
 * @param X the data the clustering was fitted on, one row per label
 * @param labels the original labels (−1 = noise)
 * @throws UsageError for replicates outside [2, 10000]; DataError when a refit is impossible on a replicate (its
 *   message names the replicate); InternalError when `labels` and `X` differ in length or a refit returns the wrong
 *   number of labels.
 * @example
 * const boot = await bootstrapStability(X, fit.labels, { replicates: 50, seed: 42, refit: { algorithm: 'kmeans', nClusters: 5 }, env: { toolVersion } });
 * boot.segments.map((s) => s.meanJaccard);
 */
export async function bootstrapStability(
  X: Matrix,
  labels: Int32Array,
  opts: BootstrapOptions,
): Promise<BootstrapResult> {
  const B = opts.replicates;
  if (!Number.isInteger(B) || B < 2 || B > maxReplicates)
    throw invalidParameter('stability.bootstrap', 'replicates', `an int in [2, ${maxReplicates}]`, B);
  const n = X.nRows;
  const d = X.nCols;
  if (labels.length !== n) throw new InternalError(`bootstrap: ${labels.length} labels for ${n} rows`);
  if (n === 0) throw new DataError('bootstrap: no rows');
  const segments =
    opts.segments !== undefined
      ? [...opts.segments]
      : [...new Set(labels)].filter((l) => l !== NOISE).sort((a, b) => a - b);
  const sizes = segments.map(() => 0);
  const index = new Map(segments.map((s, i) => [s, i]));
  let noise = 0;
  for (const l of labels) {
    if (l === NOISE) noise++;
    const i = index.get(l);
    if (i !== undefined) sizes[i]!++;
  }
  const refit = typeof opts.refit === 'function' ? opts.refit : paramsRefit(opts.refit, d, opts.env);

  const sum = new Float64Array(segments.length);
  const computed = new Int32Array(segments.length);
  const dissolved = new Int32Array(segments.length);
  const recovered = new Int32Array(segments.length);
  let ariSum = 0;
  let ariMin = Infinity;
  let ariMax = -Infinity;
  let rowsSum = 0;
  let rowsMin = Infinity;
  let rowsMax = -Infinity;
  let clMin = Infinity;
  let clMax = -Infinity;
  for (let b = 1; b <= B; b++) {
    const draw = drawReplicate(n, opts.seed, b);
    const m = draw.rows.length;
    const sub = new Float64Array(m * d);
    const orig = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const r = draw.rows[i]!;
      sub.set(X.data.subarray(r * d, (r + 1) * d), i * d);
      orig[i] = labels[r]!;
    }
    let boot: Int32Array;
    try {
      boot = await refit(
        { data: sub, nRows: m, nCols: d },
        { replicate: b, seed: draw.seed, rows: draw.rows },
      );
    } catch (e) {
      if (e instanceof DataError)
        throw new DataError(`bootstrap replicate ${b} (${m} distinct rows): ${e.message}`, e.hint, {
          cause: e,
        });
      throw e;
    }
    if (boot.length !== m)
      throw new InternalError(
        `bootstrap replicate ${b}: the refit returned ${boot.length} labels for ${m} rows`,
      );
    const jac = bestJaccards(segments, orig, boot);
    for (let s = 0; s < segments.length; s++) {
      const v = jac[s]!;
      if (Number.isNaN(v)) continue;
      sum[s]! += v;
      computed[s]!++;
      if (v < dissolutionLevel) dissolved[s]!++;
      if (v >= recoverLevel) recovered[s]!++;
    }
    const ari = adjustedRandIndex(contingency(orig, boot));
    ariSum += ari;
    ariMin = Math.min(ariMin, ari);
    ariMax = Math.max(ariMax, ari);
    rowsSum += m;
    rowsMin = Math.min(rowsMin, m);
    rowsMax = Math.max(rowsMax, m);
    const nClusters = new Set(boot).size - (boot.includes(NOISE) ? 1 : 0);
    clMin = Math.min(clMin, nClusters);
    clMax = Math.max(clMax, nClusters);
    opts.onProgress?.(b, B);
  }
  return {
    replicates: B,
    rows: n,
    noise,
    dissolution: dissolutionLevel,
    recover: recoverLevel,
    distinctRows: { mean: rowsSum / B, min: rowsMin, max: rowsMax },
    clusters: { min: clMin, max: clMax },
    ari: { mean: ariSum / B, min: ariMin, max: ariMax },
    segments: segments.map((segment, s) => ({
      segment,
      size: sizes[s]!,
      meanJaccard: computed[s]! > 0 ? sum[s]! / computed[s]! : null,
      computed: computed[s]!,
      dissolved: dissolved[s]!,
      recovered: recovered[s]!,
    })),
  };
}

/** A refit through {@link fitClusters} with fixed parameters and the replicate's seed. */
function paramsRefit(params: ClusterParams, d: number, env: FitEnv | undefined): Refit {
  const features = Array.from({ length: d }, (_, j) => `x${j}`);
  return async (X, ctx) => {
    const fit = await fitClusters(
      X,
      features,
      null,
      { ...params, seed: ctx.seed },
      env ?? { toolVersion: '' },
    );
    return fit.labels;
  };
}
