import { distances, type Distance } from '../core/distance.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import {
  COSINE,
  EUCLIDEAN,
  MANHATTAN,
  SQEUCLIDEAN,
  dunnBlock,
  jackknifeFinish,
  jackknifeTiles,
  kernelModule,
  silhouetteFinish,
  silhouetteTiles,
  type DunnCtx,
  type SilhouetteCtx,
} from './metrics-kernels.js';

/**
 * What to do with rows labelled −1 (DBSCAN noise).
 * - `exclude` (default): drop them first; every index then describes the clustered rows only, and reports say how
 *   many rows were dropped.
 * - `cluster`: keep them as one more cluster (what scikit-learn does when handed the labels as they are).
 */
export type NoisePolicy = 'exclude' | 'cluster';

/** Names of the indices {@link computeValidity} can compute. */
export type ValidityIndex =
  'silhouette' | 'silhouetteSampled' | 'daviesBouldin' | 'calinskiHarabasz' | 'dunn' | 'inertia';

/** Options shared by every index. */
export interface NoiseOptions {
  /** Treatment of rows labelled −1; default `exclude` (see {@link NoisePolicy}). */
  noise?: NoisePolicy | undefined;
}

/** Options of the distance-based indices (silhouette, Dunn). */
export interface DistanceOptions extends NoiseOptions {
  /** Distance between rows, scikit-learn's `metric=` names; default `euclidean`. */
  distance?: Distance | undefined;
  /** Worker pool: rows are processed in fixed blocks, so the result does not depend on the thread count. */
  pool?: WorkerPool | undefined;
}

/** Options of {@link silhouetteSampled}. */
export interface SampledSilhouetteOptions extends DistanceOptions {
  /** Rows in the random subset, an int ≥ 3; default 10,000. At or above the number of rows: exact silhouette. */
  sampleSize?: number | undefined;
  /** Seed of the subset; default 0. */
  seed?: number | undefined;
  /** Coverage of the interval, in (0, 1); default 0.95. */
  confidence?: number | undefined;
}

/** Result of {@link silhouetteSampled}. */
export interface SampledSilhouette {
  /** Mean silhouette of the subset (distances within the subset only, as scikit-learn's `sample_size=`). */
  mean: number;
  /** Bounds of the confidence interval for the silhouette of all rows, clipped to [−1, 1]. */
  lower: number;
  upper: number;
  /** Rows actually in the subset (the requested size, capped at the number of clustered rows). */
  sampleSize: number;
  confidence: number;
  /** `jackknife` (see {@link silhouetteSampled}), or `exact` when the subset was every row (lower = upper = mean). */
  method: 'jackknife' | 'exact';
}

/** Options of {@link computeValidity}. */
export interface ValidityOptions extends SampledSilhouetteOptions {
  /** Indices to compute (at least one). */
  metrics: readonly ValidityIndex[];
}

/** Result of {@link computeValidity}: each requested index, plus what the indices describe. */
export interface ValidityReport {
  /** Clusters among the rows scored (with `noise: 'cluster'`, the noise cluster counts when present). */
  nClusters: number;
  /** Rows scored (after excluding noise under `exclude`). */
  nRows: number;
  /** Rows labelled −1 (excluded under `exclude`, one cluster under `cluster`). */
  nNoise: number;
  noisePolicy: NoisePolicy;
  silhouette?: number;
  silhouetteSampled?: SampledSilhouette;
  daviesBouldin?: number;
  calinskiHarabasz?: number;
  dunn?: number;
  inertia?: number;
}

const VALIDITY_INDICES: readonly ValidityIndex[] = [
  'silhouette',
  'silhouetteSampled',
  'daviesBouldin',
  'calinskiHarabasz',
  'dunn',
  'inertia',
];
const DISTANCES: readonly Distance[] = distances;
/** Rows per task of the Dunn kernel: fixed (its minima and maxima are exact anyway). */
const BLOCK = 256;
/** Default subset size of {@link silhouetteSampled}. */
const DEFAULT_SAMPLE_SIZE = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Public indices.

/**
 * Sum of squared euclidean distances of the rows to the mean of their cluster (k-means' objective, and the
 * within-cluster dispersion of {@link calinskiHarabasz}). Sums are accurate: plain over runs of rows, the runs
 * folded by compensated (Neumaier) addition.
 * Unlike the other indices it is defined for a single cluster. O(n·d) time, O(k·d) memory.
 * @throws DataError when no row is left to score or X has a non-finite value in a scored row; UsageError when
 *   labels do not match the rows or are not integers.
 */
export function inertia(X: Matrix, labels: ArrayLike<number>, opts: NoiseOptions = {}): number {
  const pre = prepareLabels(X, labels, opts.noise, 'evaluate.inertia');
  if (pre.used.length === 0) throw noRows('inertia', pre);
  return dispersion(X, pre).intra;
}

/**
 * Davies–Bouldin index (Davies & Bouldin 1979), equal to scikit-learn's `davies_bouldin_score`: with s_i the mean
 * euclidean distance of cluster i's rows to its centroid and d_ij the distance between centroids, the mean over
 * clusters of max over j ≠ i of (s_i + s_j) / d_ij; a pair of coincident centroids contributes 0, and the index is
 * 0 when every s_i or every d_ij is within 1e-8 of 0 (scikit-learn's `np.allclose`). Lower is better. Always
 * euclidean, as scikit-learn. Distances are computed from differences (scikit-learn expands ‖x − c‖², so on data
 * far from the origin the two may differ beyond rounding; these values are the more accurate ones).
 * O(n·d + k²·d) time, O(k·d) memory.
 * @throws DataError unless 2 ≤ clusters ≤ rows − 1, or on a non-finite value; UsageError on bad labels.
 */
export function daviesBouldin(X: Matrix, labels: ArrayLike<number>, opts: NoiseOptions = {}): number {
  return daviesBouldinCore(X, prepareLabels(X, labels, opts.noise, 'evaluate.daviesBouldin'));
}

function daviesBouldinCore(X: Matrix, pre: Prepared): number {
  checkClusters('Davies–Bouldin', pre.k, pre.used.length, pre);
  const { k } = pre;
  const d = X.nCols;
  const { means, counts } = clusterMeans(X, pre);
  const intraAcc = new SlotSums(k);
  const { used, codes } = pre;
  const x = X.data;
  for (let r = 0; r < used.length; r++) {
    const c = codes[r]!;
    const o = used[r]! * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const u = x[o + j]! - means[c * d + j]!;
      s += u * u;
    }
    intraAcc.run[c] = intraAcc.run[c]! + Math.sqrt(s);
    intraAcc.row();
  }
  const intra = intraAcc.totals();
  for (let c = 0; c < k; c++) intra[c] = intra[c]! / counts[c]!;
  const centroidDist = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const u = means[a * d + j]! - means[b * d + j]!;
        s += u * u;
      }
      centroidDist[a * k + b] = Math.sqrt(s);
    }
  // scikit-learn: np.allclose(..., 0), i.e. every |value| <= 1e-8.
  if (intra.every((v) => Math.abs(v) <= 1e-8) || centroidDist.every((v) => Math.abs(v) <= 1e-8)) return 0;
  let total = 0;
  for (let a = 0; a < k; a++) {
    let worst = 0;
    for (let b = 0; b < k; b++) {
      const dist = centroidDist[a * k + b]!;
      if (dist === 0) continue; // scikit-learn sets it to ∞: the ratio is 0
      const r = (intra[a]! + intra[b]!) / dist;
      if (r > worst) worst = r;
    }
    total += worst;
  }
  return total / k;
}

/**
 * Calinski–Harabasz index (variance ratio criterion, Caliński & Harabasz 1974), equal to scikit-learn's
 * `calinski_harabasz_score`: [B / (k − 1)] / [W / (n − k)] with B = Σ_c n_c‖mean_c − mean‖² and W the
 * within-cluster sum of squares ({@link inertia}); 1 when W = 0, as scikit-learn. Higher is better. Always
 * euclidean. Compensated sums. O(n·d) time, O(k·d) memory.
 * @throws DataError unless 2 ≤ clusters ≤ rows − 1, or on a non-finite value; UsageError on bad labels.
 */
export function calinskiHarabasz(X: Matrix, labels: ArrayLike<number>, opts: NoiseOptions = {}): number {
  return calinskiHarabaszCore(X, prepareLabels(X, labels, opts.noise, 'evaluate.calinskiHarabasz'));
}

function calinskiHarabaszCore(X: Matrix, pre: Prepared): number {
  checkClusters('Calinski–Harabasz', pre.k, pre.used.length, pre);
  const { intra, extra } = dispersion(X, pre);
  const n = pre.used.length;
  const k = pre.k;
  return intra === 0 ? 1 : (extra * (n - k)) / (intra * (k - 1));
}

/**
 * Silhouette of every row (Rousseeuw 1987), equal to scikit-learn's `silhouette_samples(X, labels, metric=...)`:
 * with a the mean distance to the other rows of its cluster and b the smallest mean distance to the rows of
 * another cluster, (b − a) / max(a, b); 0 for a row alone in its cluster (and where a = b = 0).
 *
 * Exact and blocked, never an n × n matrix: the rows are sorted by cluster and cut into fixed blocks of 512 rows
 * (more for very large n) that each lie in one cluster; every pair of blocks (a tile) is visited once, each
 * distance serving both of its rows, and one partial sum per (row, block) is kept, then added per cluster in block
 * order. Tiles run on the pool, one row of tiles per task; each partial is written by one tile in a fixed order, so
 * the values are byte-identical for any thread count. Euclidean distances come from differences (scikit-learn
 * expands ‖x − y‖², which agrees to rounding on data near the origin); cosine is 1 − x·y of the rows scaled to unit
 * length (an all-zero row stays zero, at distance 1 from every other row), clipped to [0, 2], as scikit-learn.
 * O(n²·d / 2) time; O(n·(d + k) + p) memory where p, the number of partials, is about n²/512 (40 MiB at n = 50,000)
 * and at most about 2^24 + n·k.
 * @returns one value per row of X, in row order; rows excluded as noise (`noise: 'exclude'`) get NaN, having no
 *   silhouette.
 * @throws DataError unless 2 ≤ clusters ≤ rows − 1 (after excluding noise), or on a non-finite value in a scored
 *   row; UsageError on bad labels or an unknown metric.
 */
export async function silhouetteSamples(
  X: Matrix,
  labels: ArrayLike<number>,
  opts: DistanceOptions = {},
): Promise<Float64Array> {
  const owner = 'evaluate.silhouetteSamples';
  const metric = checkMetric(opts.distance, owner);
  const pre = prepareLabels(X, labels, opts.noise, owner);
  checkClusters('silhouette', pre.k, pre.used.length, pre);
  const lay = layout(pre.used, pre.codes, pre.k);
  const ctx = await silhouetteRun(X, lay, metric, opts.pool, false);
  const out = new Float64Array(X.nRows).fill(NaN);
  for (let p = 0; p < lay.m; p++) out[lay.order[p]!] = ctx.out[p]!;
  return out;
}

/**
 * Mean silhouette of the scored rows: scikit-learn's `silhouette_score(X, labels, metric=...)` without sampling.
 * Same computation, costs and guarantees as {@link silhouetteSamples}; the mean is a compensated sum. Higher is
 * better, in [−1, 1].
 * @throws as {@link silhouetteSamples}.
 */
export async function silhouetteScore(
  X: Matrix,
  labels: ArrayLike<number>,
  opts: DistanceOptions = {},
): Promise<number> {
  const owner = 'evaluate.silhouetteScore';
  const metric = checkMetric(opts.distance, owner);
  const pre = prepareLabels(X, labels, opts.noise, owner);
  checkClusters('silhouette', pre.k, pre.used.length, pre);
  const lay = layout(pre.used, pre.codes, pre.k);
  const ctx = await silhouetteRun(X, lay, metric, opts.pool, false);
  return meanOf(ctx.out);
}

/**
 * Silhouette of a seeded random subset, with a confidence interval for the silhouette of all rows.
 *
 * The estimate is what scikit-learn's `silhouette_score(X, labels, sample_size=m, random_state=seed)` computes:
 * m rows drawn uniformly without replacement from the scored rows (noise excluded first under `exclude`), and
 * the mean silhouette of those rows with distances within the subset only. The subset differs from
 * scikit-learn's for the same seed (a different generator), not the method.
 *
 * Interval: delete-one jackknife (Quenouille–Tukey) over the subset. For each subset row l, θ₍₋ₗ₎ is the mean
 * silhouette of the subset without l, recomputed exactly (removing l changes one cluster sum of each other row and
 * one cluster size, so all m values cost one more pass over the pairs); the variance estimate is
 * v = (m − 1)/m · Σ (θ₍₋ₗ₎ − θ̄)², which accounts both for which rows are scored and for the noise in their a and
 * b estimated from the subset. It is multiplied by the finite-population correction (1 − m/N), N the scored rows,
 * and the interval is mean ± z·√v with z the normal quantile of (1 + confidence)/2, clipped to [−1, 1]. (For a
 * statistic that is a plain mean of independent values, v is exactly the squared standard error s²/m.) The
 * subset's O(1/m) bias is not corrected. When m ≥ N the subset is every row and the result is exact.
 *
 * Caveat: a cluster with very few rows is often missing from the subset, and its rows' neighbours then score
 * against farther clusters; the interval describes the sampling variability, not that bias. Prefer the exact
 * {@link silhouetteScore} when some clusters are tiny.
 *
 * O(m²·d + N) time (two passes over the subset's pairs, each visiting a pair once, tiled and parallel as
 * {@link silhouetteSamples}, so byte-identical for any thread count); O(m·(d + k) + m²/512) memory.
 * @throws UsageError when sampleSize is not an int ≥ 3, seed not an integer, confidence not in (0, 1), or on bad
 *   labels or an unknown metric; DataError unless 2 ≤ clusters ≤ rows − 1 among the scored rows and in the
 *   subset, or on a non-finite value in a scored row.
 */
export async function silhouetteSampled(
  X: Matrix,
  labels: ArrayLike<number>,
  opts: SampledSilhouetteOptions = {},
): Promise<SampledSilhouette> {
  const owner = 'evaluate.silhouetteSampled';
  const metric = checkMetric(opts.distance, owner);
  const { sampleSize, seed, confidence } = checkSampling(opts, owner);
  const pre = prepareLabels(X, labels, opts.noise, owner);
  return sampledCore(X, pre, metric, opts.pool, sampleSize, seed, confidence);
}

/**
 * Dunn index (Dunn 1974) as R's `clValid::dunn` and `fpc::cluster.stats()$dunn`: the smallest distance between two
 * rows of different clusters divided by the largest cluster diameter (largest distance between two rows of one
 * cluster). Higher is better. Each pair is visited once over fixed row blocks on the pool; minima and maxima are
 * exact, so the value is identical for any thread count. O(n²·d / 2) time, O(n·d) memory (the rows, sorted by
 * cluster).
 * @throws DataError unless 2 ≤ clusters ≤ rows − 1, when every cluster has diameter 0 (the index is undefined), or
 *   on a non-finite value; UsageError on bad labels or an unknown metric.
 */
export async function dunn(
  X: Matrix,
  labels: ArrayLike<number>,
  opts: DistanceOptions = {},
): Promise<number> {
  const owner = 'evaluate.dunn';
  const metric = checkMetric(opts.distance, owner);
  const pre = prepareLabels(X, labels, opts.noise, owner);
  return dunnCore(X, pre, metric, opts.pool);
}

/**
 * Compute several validity indices on one labelling, preparing the labels once. `metric` and `pool` apply to the
 * distance-based indices (silhouette, silhouetteSampled, Dunn); Davies–Bouldin, Calinski–Harabasz and inertia are
 * euclidean by definition, and the first two are refused under another `distance` (see `euclideanIndexNote`). `sampleSize`, `seed` and `confidence` apply to `silhouetteSampled`. Noise (−1) follows
 * `noise` (default `exclude`, see {@link NoisePolicy}); the report says how many rows were scored and how many were
 * noise. Costs: those of the indices requested.
 * @throws UsageError when `metrics` is empty or names an unknown index, or on a bad option; DataError as the
 *   requested indices (e.g. fewer than 2 clusters after excluding noise).
 */
export async function computeValidity(
  X: Matrix,
  labels: ArrayLike<number>,
  opts: ValidityOptions,
): Promise<ValidityReport> {
  const owner = 'evaluate.computeValidity';
  const wanted = opts.metrics;
  if (!Array.isArray(wanted) || wanted.length === 0 || wanted.some((m) => !VALIDITY_INDICES.includes(m))) {
    throw invalidParameter(
      owner,
      'metrics',
      `a non-empty list of {${VALIDITY_INDICES.map((m) => `'${m}'`).join(', ')}}`,
      wanted,
    );
  }
  const metric = checkMetric(opts.distance, owner);
  // Davies-Bouldin and Calinski-Harabasz are euclidean by construction: under another distance they would be numbers
  // about a geometry the segments were not made in.
  const euclideanOnly = wanted.filter((m) => m === 'daviesBouldin' || m === 'calinskiHarabasz');
  if (metric !== 'euclidean' && euclideanOnly.length > 0)
    throw new UsageError(
      `${euclideanOnly.join(' and ')} need the euclidean distance (centroid dispersion), not ${metric}`,
      'ask for silhouette or dunn, which take any distance',
    );
  const sampling = wanted.includes('silhouetteSampled') ? checkSampling(opts, owner) : undefined;
  const pre = prepareLabels(X, labels, opts.noise, owner);
  const report: ValidityReport = {
    nClusters: pre.k,
    nRows: pre.used.length,
    nNoise: pre.nNoise,
    noisePolicy: pre.policy,
  };
  if (wanted.includes('inertia')) {
    if (pre.used.length === 0) throw noRows('inertia', pre);
    report.inertia = dispersion(X, pre).intra;
  }
  if (wanted.includes('calinskiHarabasz')) report.calinskiHarabasz = calinskiHarabaszCore(X, pre);
  if (wanted.includes('daviesBouldin')) report.daviesBouldin = daviesBouldinCore(X, pre);
  if (wanted.includes('silhouette')) {
    checkClusters('silhouette', pre.k, pre.used.length, pre);
    const ctx = await silhouetteRun(X, layout(pre.used, pre.codes, pre.k), metric, opts.pool, false);
    report.silhouette = meanOf(ctx.out);
  }
  if (sampling) {
    const { sampleSize, seed, confidence } = sampling;
    report.silhouetteSampled = await sampledCore(X, pre, metric, opts.pool, sampleSize, seed, confidence);
  }
  if (wanted.includes('dunn')) report.dunn = await dunnCore(X, pre, metric, opts.pool);
  return report;
}

/**
 * Quantile function of the standard normal distribution (Wichura 1988, algorithm AS 241 `PPND16`, about 16
 * significant digits). O(1).
 * @throws UsageError when p is not in (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw invalidParameter('evaluate.normalQuantile', 'p', 'a float in (0, 1)', p);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241_A, r)) / horner(AS241_B, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const val =
    r <= 5
      ? horner(AS241_C, r - 1.6) / horner(AS241_D, r - 1.6)
      : horner(AS241_E, r - 5) / horner(AS241_F, r - 5);
  return q < 0 ? -val : val;
}

// Coefficients of AS 241 (lowest degree first), as printed in Wichura (1988) rounded to doubles.
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852546,
];
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
];
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

/** Σ c[i]·x^i by Horner's rule. */
function horner(c: readonly number[], x: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * x + c[i]!;
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Labels and layout.

/** Scored rows and their cluster codes. */
interface Prepared {
  /** Original indices of the scored rows, ascending. */
  readonly used: Int32Array;
  /** Cluster code 0..k−1 of each scored row (labels in increasing order, as scikit-learn's LabelEncoder). */
  readonly codes: Int32Array;
  readonly k: number;
  readonly nNoise: number;
  readonly policy: NoisePolicy;
}

/** Rows sorted by cluster: position p holds row `order[p]`, cluster c the positions [start[c], start[c + 1]). */
interface Layout {
  readonly m: number;
  readonly k: number;
  readonly order: Int32Array;
  readonly start: Int32Array;
  readonly cl: Int32Array;
}

/**
 * Validate labels, apply the noise policy, encode the labels and check the scored rows are finite. O(n·d).
 * @throws UsageError on a length mismatch, a non-integer label or an unknown policy; DataError on a non-finite value.
 */
function prepareLabels(
  X: Matrix,
  labels: ArrayLike<number>,
  noise: NoisePolicy | undefined,
  owner: string,
): Prepared {
  const policy = noise ?? 'exclude';
  if (policy !== 'exclude' && policy !== 'cluster') {
    throw invalidParameter(owner, 'noise', "a str among {'exclude', 'cluster'}", noise);
  }
  const n = X.nRows;
  if (labels.length !== n) {
    throw new UsageError(`labels has ${labels.length} entries but X has ${n} rows; they must match`);
  }
  const exclude = policy === 'exclude';
  let nNoise = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v)) throw new UsageError(`labels must be integers; row ${i + 1} has ${String(v)}`);
    if (v === -1) {
      nNoise++;
      if (exclude) continue;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Label → code in increasing label order: a table over [lo, hi] when that range is small, else a Map.
  const m = exclude ? n - nNoise : n;
  const dense = m > 0 && hi - lo < 4 * n + 1024;
  const table = new Int32Array(dense ? hi - lo + 1 : 0);
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (v === -1 && exclude) continue;
    if (dense) table[v - lo] = 1;
    else map.set(v, 0);
  }
  let k = 0;
  if (dense) for (let t = 0; t < table.length; t++) table[t] = table[t] === 1 ? k++ : -1;
  else {
    const uniq = [...map.keys()].sort((a, b) => a - b);
    uniq.forEach((v, c) => map.set(v, c));
    k = uniq.length;
  }
  const used = new Int32Array(m);
  const codes = new Int32Array(m);
  const x = X.data;
  const d = X.nCols;
  for (let i = 0, r = 0; i < n; i++) {
    const v = labels[i]!;
    if (v === -1 && exclude) continue;
    for (let j = 0, o = i * d; j < d; j++) {
      if (!Number.isFinite(x[o + j]!)) {
        throw new DataError(
          `X has a non-finite value (${x[o + j]}) at row ${i + 1}, column ${j + 1}; validity indices need finite values`,
          'impute or remove missing and infinite values first',
        );
      }
    }
    used[r] = i;
    codes[r++] = dense ? table[v - lo]! : map.get(v)!;
  }
  return { used, codes, k, nNoise, policy };
}

/** Counting sort of the rows by code, dropping codes with no row (a subset may miss clusters). O(m + k). */
function layout(used: Int32Array, codes: Int32Array, kAll: number): Layout {
  const m = used.length;
  const count = new Int32Array(kAll);
  for (let r = 0; r < m; r++) count[codes[r]!]!++;
  const compact = new Int32Array(kAll);
  let k = 0;
  for (let c = 0; c < kAll; c++) compact[c] = count[c]! > 0 ? k++ : -1;
  const start = new Int32Array(k + 1);
  for (let c = 0; c < kAll; c++) if (count[c]! > 0) start[compact[c]! + 1] = count[c]!;
  for (let c = 0; c < k; c++) start[c + 1] = start[c + 1]! + start[c]!;
  const fillAt = start.slice(0, k);
  const order = new Int32Array(m);
  const cl = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const c = compact[codes[r]!]!;
    const p = fillAt[c]!++;
    order[p] = used[r]!;
    cl[p] = c;
  }
  return { m, k, order, start, cl };
}

/**
 * The rows of X in layout order, on a SharedArrayBuffer when `shared`; for cosine scaled to unit length as
 * scikit-learn's `normalize` (divided by the norm; an all-zero row stays zero). O(m·d).
 */
function gather(X: Matrix, order: Int32Array, metric: Distance, shared: boolean): Float64Array {
  const d = X.nCols;
  const m = order.length;
  const out = allocF64(m * d, shared);
  const x = X.data;
  for (let p = 0; p < m; p++) {
    const o = order[p]! * d;
    const po = p * d;
    if (metric === 'cosine') {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[o + j]! * x[o + j]!;
      const norm = Math.sqrt(s);
      for (let j = 0; j < d; j++) out[po + j] = norm === 0 ? x[o + j]! : x[o + j]! / norm;
    } else for (let j = 0; j < d; j++) out[po + j] = x[o + j]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Cores shared by the public functions and computeValidity.

/**
 * Column blocks of the silhouette tiles: each cluster cut into blocks of `size` rows (the last one shorter), so a
 * block lies in one cluster. The size depends only on the number of rows: 512, raised for large m so the m × nb
 * partials stay near 2^24 values (128 MiB) at most beyond m·k.
 */
function tileBlocks(lay: Layout): { blockStart: Int32Array; blockCl: Int32Array } {
  const size = Math.max(512, Math.ceil((lay.m * lay.m) / 2 ** 24));
  const bs: number[] = [0];
  const bc: number[] = [];
  for (let c = 0; c < lay.k; c++) {
    const end = lay.start[c + 1]!;
    for (let s = lay.start[c]!; s < end; s += size) {
      bs.push(Math.min(end, s + size));
      bc.push(c);
    }
  }
  return { blockStart: Int32Array.from(bs), blockCl: Int32Array.from(bc) };
}

/**
 * Run the silhouette kernels: the distance tiles (one task per row of tiles, largest first), then the per-row
 * silhouettes from the partials. `keepSums` also keeps what the jackknife needs.
 */
async function silhouetteRun(
  X: Matrix,
  lay: Layout,
  metric: Distance,
  pool: WorkerPool | undefined,
  keepSums: boolean,
): Promise<SilhouetteCtx> {
  const { m, k } = lay;
  const { blockStart, blockCl } = tileBlocks(lay);
  const nb = blockCl.length;
  const parallel = pool !== undefined && pool.nThreads > 1 && nb > 1;
  const mk = keepSums ? m : 0;
  const ctx: SilhouetteCtx = {
    x: gather(X, lay.order, metric, parallel),
    m,
    d: X.nCols,
    k,
    start: shareI32(lay.start, parallel),
    cl: shareI32(lay.cl, parallel),
    kind: metric === 'manhattan' ? MANHATTAN : metric === 'cosine' ? COSINE : EUCLIDEAN,
    blockStart: shareI32(blockStart, parallel),
    blockCl: shareI32(blockCl, parallel),
    partial: allocF64(m * nb, parallel),
    out: allocF64(m, parallel),
    sums: allocF64(k * mk, parallel),
    a: allocF64(mk, parallel),
    b: allocF64(mk, parallel),
    best: shareI32(new Int32Array(mk), parallel),
    b2: allocF64(mk, parallel),
    thr: allocF64(k * mk, parallel),
  };
  if (parallel) {
    const tasks: Task[] = [];
    for (let I = 0; I < nb; I++)
      tasks.push({ module: kernelModule, fn: 'silhouetteTiles', args: [ctx, I, I + 1] });
    await pool.run<number>(tasks);
  } else silhouetteTiles(ctx, 0, nb);
  silhouetteFinish(ctx, 0, m);
  return ctx;
}

async function sampledCore(
  X: Matrix,
  pre: Prepared,
  metric: Distance,
  pool: WorkerPool | undefined,
  sampleSize: number,
  seed: number,
  confidence: number,
): Promise<SampledSilhouette> {
  const N = pre.used.length;
  checkClusters('silhouette', pre.k, N, pre);
  if (sampleSize >= N) {
    const ctx = await silhouetteRun(X, layout(pre.used, pre.codes, pre.k), metric, pool, false);
    const mean = meanOf(ctx.out);
    return { mean, lower: mean, upper: mean, sampleSize: N, confidence, method: 'exact' };
  }
  const m = sampleSize;
  const pick = new Random(seed).sampleIndices(N, m);
  const used = new Int32Array(m);
  const codes = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    used[r] = pre.used[pick[r]!]!;
    codes[r] = pre.codes[pick[r]!]!;
  }
  const lay = layout(used, codes, pre.k);
  if (!(lay.k > 1 && lay.k < m)) {
    throw new DataError(
      `the silhouette sample of ${m} rows has ${plural(lay.k, 'segment')}; it needs 2 to ${m - 1}`,
      'raise sampleSize',
    );
  }
  const ctx = await silhouetteRun(X, lay, metric, pool, true);
  const nb = ctx.blockCl.length;
  if (pool !== undefined && pool.nThreads > 1 && nb > 1) {
    const tasks: Task[] = [];
    for (let I = 0; I < nb; I++)
      tasks.push({ module: kernelModule, fn: 'jackknifeTiles', args: [ctx, I, I + 1] });
    await pool.run<number>(tasks);
  } else jackknifeTiles(ctx, 0, nb);
  const delta = new Float64Array(m);
  jackknifeFinish(ctx, 0, m, delta);
  const sil = ctx.out;
  const total = sumOf(sil);
  const mean = total / m;
  // Leave-one-out means, their average, and the jackknife variance.
  const loo = new Float64Array(m);
  for (let l = 0; l < m; l++) loo[l] = (total - sil[l]! + delta[l]!) / (m - 1);
  const looMean = sumOf(loo) / m;
  let ss = 0;
  for (let l = 0; l < m; l++) ss += (loo[l]! - looMean) ** 2;
  const variance = (((m - 1) / m) * ss * (N - m)) / N;
  const half = normalQuantile((1 + confidence) / 2) * Math.sqrt(variance);
  return {
    mean,
    lower: Math.max(-1, mean - half),
    upper: Math.min(1, mean + half),
    sampleSize: m,
    confidence,
    method: 'jackknife',
  };
}

async function dunnCore(
  X: Matrix,
  pre: Prepared,
  metric: Distance,
  pool: WorkerPool | undefined,
): Promise<number> {
  checkClusters('the Dunn index', pre.k, pre.used.length, pre);
  const lay = layout(pre.used, pre.codes, pre.k);
  const parallel = pool !== undefined && pool.nThreads > 1 && lay.m > BLOCK;
  const ctx: DunnCtx = {
    x: gather(X, lay.order, metric, parallel),
    m: lay.m,
    d: X.nCols,
    start: shareI32(lay.start, parallel),
    cl: shareI32(lay.cl, parallel),
    kind: metric === 'manhattan' ? MANHATTAN : metric === 'cosine' ? COSINE : SQEUCLIDEAN,
  };
  const parts = parallel
    ? await pool.run<[number, number]>(
        blocks(lay.m, BLOCK).map(([s, e]) => ({ module: kernelModule, fn: 'dunnBlock', args: [ctx, s, e] })),
      )
    : [dunnBlock(ctx, 0, lay.m)];
  let minInter = Infinity;
  let maxIntra = -Infinity;
  for (const [lo, hi] of parts) {
    if (lo < minInter) minInter = lo;
    if (hi > maxIntra) maxIntra = hi;
  }
  if (metric === 'euclidean') {
    minInter = Math.sqrt(minInter);
    maxIntra = Math.sqrt(maxIntra);
  }
  if (!(maxIntra > 0)) {
    throw new DataError(
      `the Dunn index is undefined: every segment has diameter 0 (${plural(lay.k, 'segment')} on ${plural(lay.m, 'row')})`,
    );
  }
  return minInter / maxIntra;
}

/** Cluster means (scikit-learn: the mean of each cluster's rows) from accurate sums, and cluster sizes. O(n·d). */
function clusterMeans(X: Matrix, pre: Prepared): { means: Float64Array; counts: Float64Array } {
  const { used, codes, k } = pre;
  const d = X.nCols;
  const x = X.data;
  const acc = new SlotSums(k * d);
  const counts = new Float64Array(k);
  for (let r = 0; r < used.length; r++) {
    const c = codes[r]!;
    counts[c]!++;
    const o = used[r]! * d;
    const run = acc.run;
    for (let j = 0, t = c * d; j < d; j++, t++) run[t] = run[t]! + x[o + j]!;
    acc.row();
  }
  const sums = acc.totals();
  const means = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] = sums[c * d + j]! / counts[c]!;
  return { means, counts };
}

/** Within-cluster sum of squares (intra) and between-cluster dispersion Σ n_c‖mean_c − mean‖² (extra). O(n·d). */
function dispersion(X: Matrix, pre: Prepared): { intra: number; extra: number } {
  const { used, codes, k } = pre;
  const d = X.nCols;
  const x = X.data;
  const n = used.length;
  const { means, counts } = clusterMeans(X, pre);
  const acc = new SlotSums(k);
  for (let r = 0; r < n; r++) {
    const c = codes[r]!;
    const o = used[r]! * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const u = x[o + j]! - means[c * d + j]!;
      s += u * u;
    }
    acc.run[c] = acc.run[c]! + s;
    acc.row();
  }
  const w = acc.totals();
  // Overall mean from the cluster means: Σ_c n_c·mean_c / n.
  const overall = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const t = new SlotSums(1);
    for (let c = 0; c < k; c++) {
      t.run[0] = t.run[0]! + counts[c]! * means[c * d + j]!;
      t.row();
    }
    overall[j] = t.totals()[0]! / n;
  }
  let intra = 0;
  let extra = 0;
  for (let c = 0; c < k; c++) {
    intra += w[c]!;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const u = means[c * d + j]! - overall[j]!;
      s += u * u;
    }
    extra += counts[c]! * s;
  }
  return { intra, extra };
}

/**
 * Accurate sums of many values into a few slots: plain sums over runs of rows (`run`, added to by the caller),
 * folded with Neumaier's compensated addition every max(1024, slots) rows. The error is that of a plain sum of
 * one run, relative ~1e-13 at worst, instead of growing with the number of rows.
 */
class SlotSums {
  readonly run: Float64Array;
  private readonly sum: Float64Array;
  private readonly comp: Float64Array;
  private readonly every: number;
  private rows = 0;

  constructor(slots: number) {
    this.run = new Float64Array(slots);
    this.sum = new Float64Array(slots);
    this.comp = new Float64Array(slots);
    this.every = Math.max(1024, slots);
  }

  /** Count one row; folds the run when it is long enough. */
  row(): void {
    if (++this.rows === this.every) this.fold();
  }

  /** The compensated totals. */
  totals(): Float64Array {
    this.fold();
    const out = new Float64Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i]! + this.comp[i]!;
    return out;
  }

  private fold(): void {
    const { run, sum, comp } = this;
    for (let i = 0; i < run.length; i++) {
      neumaier(sum, comp, i, run[i]!);
      run[i] = 0;
    }
    this.rows = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks and small helpers.

function checkMetric(metric: Distance | undefined, owner: string): Distance {
  const m = metric ?? 'euclidean';
  if (!DISTANCES.includes(m)) {
    throw invalidParameter(owner, 'metric', "a str among {'euclidean', 'manhattan', 'cosine'}", metric);
  }
  return m;
}

function checkSampling(
  opts: SampledSilhouetteOptions,
  owner: string,
): { sampleSize: number; seed: number; confidence: number } {
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const seed = opts.seed ?? 0;
  const confidence = opts.confidence ?? 0.95;
  if (!Number.isInteger(sampleSize) || sampleSize < 3) {
    throw invalidParameter(owner, 'sampleSize', 'an int in [3, inf)', sampleSize);
  }
  if (!Number.isInteger(seed)) throw invalidParameter(owner, 'seed', 'an int', seed);
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw invalidParameter(owner, 'confidence', 'a float in (0, 1)', confidence);
  }
  return { sampleSize, seed, confidence };
}

/** scikit-learn's "1 < n_labels < n_samples", as a one-line DataError. */
function checkClusters(what: string, k: number, m: number, pre: Prepared): void {
  if (m === 0) throw noRows(what, pre);
  if (k > 1 && k < m) return;
  throw new DataError(
    `${what} needs 2 to n−1 segments; got ${plural(k, 'segment')} on ${plural(m, 'row')}${noiseNote(pre)}`,
  );
}

function noRows(what: string, pre: Prepared): DataError {
  return new DataError(`${what} needs rows to score; got 0 rows${noiseNote(pre)}`);
}

function noiseNote(pre: Prepared): string {
  return pre.policy === 'exclude' && pre.nNoise > 0 ? ` (${plural(pre.nNoise, 'noise row')} excluded)` : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Neumaier's compensated addition of v into sum[i] (running error in comp[i]). */
function neumaier(sum: Float64Array, comp: Float64Array, i: number, v: number): void {
  const s = sum[i]!;
  const t = s + v;
  comp[i] = comp[i]! + (Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s);
  sum[i] = t;
}

/** Compensated sum of an array, in order. */
function sumOf(a: Float64Array): number {
  const sum = new Float64Array(1);
  const comp = new Float64Array(1);
  for (let i = 0; i < a.length; i++) neumaier(sum, comp, 0, a[i]!);
  return sum[0]! + comp[0]!;
}

function meanOf(a: Float64Array): number {
  return sumOf(a) / a.length;
}

function allocF64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n) : new Float64Array(n);
}

function shareI32(a: Int32Array, shared: boolean): Int32Array {
  if (!shared) return a;
  const out = new Int32Array(new SharedArrayBuffer(Math.max(1, a.length) * 4), 0, a.length);
  out.set(a);
  return out;
}
