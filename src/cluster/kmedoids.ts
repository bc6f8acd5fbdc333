import { rowDistance } from '../core/distance.js';
import { DataError, UsageError } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import { gowerDistance, noCommonColumn, type GowerScale } from '../core/gower.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { silhouetteFromRows } from '../evaluate/precomputed.js';
import { modelFormat, modelVersion, type KMedoidsModel, type SegmentInfo } from './cluster-model.js';
import type { ClusterFit } from './fit.js';

/** Distances k-medoids works with. */
export const medoidDistances = ['euclidean', 'manhattan', 'gower'] as const;
export type MedoidDistance = (typeof medoidDistances)[number];

/**
 * Largest number of rows PAM clusters: it holds the n × n distance matrix (8·n² bytes, 800 MB at 10,000 rows) and
 * each SWAP pass costs O(k · n²).
 */
export const MAX_PAM_ROWS = 10_000;

/**
 * Distance between row `i` of `a` and row `j` of `b` (`d` columns) as R's `daisy`/`dist`: euclidean (not squared),
 * manhattan, or Gower (needs the fitted `scale`). The one function the fit and the assignment both use. O(d).
 */
export function medoidDistance(
  metric: MedoidDistance,
  scale: GowerScale | null,
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  d: number,
): number {
  if (metric === 'gower') return gowerDistance(scale!, a, i, b, j, d);
  const s = rowDistance(metric, a, i, b, j, d);
  return metric === 'euclidean' ? Math.sqrt(s) : s;
}

/**
 * Refuse PAM on more rows than it can hold, before any work: more than {@link MAX_PAM_ROWS}, or an n × n matrix of
 * float64 over `memoryLimit` bytes.
 * @throws DataError naming the limit.
 */
export function checkPamSize(n: number, memoryLimit: number | undefined): void {
  const need = 8 * n * n;
  if (n > MAX_PAM_ROWS) {
    throw new DataError(
      `k-medoids (PAM) takes at most ${MAX_PAM_ROWS.toLocaleString('en-US')} rows (it holds the n × n distance matrix); got ${n.toLocaleString('en-US')}`,
      `cluster a sample: --sample ${MAX_PAM_ROWS}`,
    );
  }
  if (memoryLimit !== undefined && need > memoryLimit) {
    throw new DataError(
      `k-medoids (PAM) on ${n.toLocaleString('en-US')} rows needs about ${formatBytes(need)} for its distance matrix, over the ${formatBytes(memoryLimit)} memory limit`,
      'use --sample N or raise --memory-limit',
    );
  }
}

/** Whether PAM can run on n rows: at most {@link MAX_PAM_ROWS} and its matrix within `memoryLimit`. */
export function pamFits(n: number, memoryLimit: number | undefined): boolean {
  return n <= MAX_PAM_ROWS && (memoryLimit === undefined || 8 * n * n <= memoryLimit);
}

/** Default CLARA sample size: R's 40 + 2k, raised to 1,000 rows (at most n). */
export function defaultSampsize(n: number, k: number): number {
  return Math.min(n, Math.max(40 + 2 * k, 1000));
}

/** What {@link clara} returns: the medoids of the best sample (rows of X), every row's nearest and the objective. */
export interface ClaraResult {
  medoids: Int32Array;
  labels: Int32Array;
  /** Mean distance of all rows to their nearest medoid, for the best sample. */
  objective: number;
  /** 0-based index of the sample that won. */
  bestSample: number;
}

/**
 * CLARA (Kaufman & Rousseeuw, R's `cluster::clara`): PAM on `samples` seeded random samples of `sampsize` rows (each
 * sample after the first holds the best medoids so far), each scored by the mean distance of every row to its nearest
 * medoid; the best sample's medoids win (ties: the earlier sample). Its samples are this package's seeded ones, not
 * R's. O(samples · (sampsize² · d + swaps · k · sampsize² + n · k · d)) time, 8·sampsize² bytes.
 * @throws DataError when a row has no feature in common with any medoid (Gower).
 */
export function clara(
  X: Matrix,
  k: number,
  metric: MedoidDistance,
  scale: GowerScale | null,
  opts: { samples: number; sampsize: number; seed: number; onSample?: () => void },
): ClaraResult {
  const n = X.nRows;
  const d = X.nCols;
  const size = Math.min(n, Math.max(opts.sampsize, k));
  const rng = new Random(opts.seed, 11);
  let best: ClaraResult | null = null;
  for (let s = 0; s < opts.samples; s++) {
    const rows: Set<number> = new Set<number>(best ? Array.from(best.medoids) : []);
    for (const r of rng.sampleIndices(n, size)) {
      if (rows.size >= size) break;
      rows.add(r);
    }
    const idx: Int32Array = Int32Array.from(rows).sort();
    const sub = new Float64Array(idx.length * d);
    idx.forEach((r, i) => sub.set(X.data.subarray(r * d, (r + 1) * d), i * d));
    const S: Matrix = { data: sub, nRows: idx.length, nCols: d };
    const p = pam(distanceMatrix(S, metric, scale), idx.length, k);
    const medoids: Int32Array = Int32Array.from(p.medoids, (m) => idx[m]!);
    const M = new Float64Array(k * d);
    medoids.forEach((m, i) => M.set(X.data.subarray(m * d, (m + 1) * d), i * d));
    let total = 0;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let bi = -1;
      let bd = Infinity;
      for (let m = 0; m < k; m++) {
        const v = medoidDistance(metric, scale, X.data, i, M, m, d);
        if (v < bd) {
          bd = v;
          bi = m;
        }
      }
      if (bi < 0) throw noCommonColumn(i, medoids[0]!);
      labels[i] = bi;
      total += bd;
    }
    if (best === null || total / n < best.objective)
      best = { medoids, labels, objective: total / n, bestSample: s };
    opts.onSample?.();
  }
  return best!;
}

/**
 * The full symmetric n × n distance matrix of the rows of X. O(n² · d) time, 8·n² bytes.
 * @throws DataError when a Gower distance is undefined (two rows without a common non-missing column).
 */
export function distanceMatrix(
  X: Matrix,
  metric: MedoidDistance,
  scale: GowerScale | null,
  onRow?: () => void,
): Float64Array {
  const n = X.nRows;
  const d = X.nCols;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = medoidDistance(metric, scale, X.data, i, X.data, j, d);
      if (Number.isNaN(v)) throw noCommonColumn(i, j);
      D[i * n + j] = v;
      D[j * n + i] = v;
    }
    onRow?.();
  }
  return D;
}

/** What {@link pam} returns. */
export interface PamResult {
  /** Row indices of the medoids, in the order BUILD chose them (SWAP replaces in place). */
  medoids: Int32Array;
  /** Index into `medoids` of each row's nearest medoid (ties: the first in `medoids`). */
  labels: Int32Array;
  /** Mean distance of the rows to their nearest medoid after BUILD and after SWAP (R's `objective`). */
  objective: { build: number; swap: number };
  /** Swaps made. */
  nSwaps: number;
}

/**
 * Partitioning Around Medoids on a full distance matrix, as R's `cluster::pam` (variant "original"): BUILD picks
 * the row with the least total distance, then greedily the row that lowers the total most; SWAP then makes the
 * best (medoid, non-medoid) exchange while it lowers the total. Ties go to the lowest row index. O(k · n²) per
 * swap, O(n) extra memory.
 * @throws UsageError when k is not in [1, n].
 */
export function pam(D: Float64Array, n: number, k: number, onStep?: () => void): PamResult {
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new UsageError(`k = ${k} must be between 1 and the ${n} rows`);
  const isMedoid = new Uint8Array(n);
  const medoids = new Int32Array(k);
  const near = new Float64Array(n).fill(Infinity);
  // BUILD.
  for (let m = 0; m < k; m++) {
    let best = -1;
    let bestGain = -Infinity;
    for (let i = 0; i < n; i++) {
      if (isMedoid[i]) continue;
      let gain = 0;
      const row = i * n;
      if (m === 0) for (let j = 0; j < n; j++) gain -= D[row + j]!;
      else {
        for (let j = 0; j < n; j++) {
          const g = near[j]! - D[row + j]!;
          if (g > 0) gain += g;
        }
      }
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    medoids[m] = best;
    isMedoid[best] = 1;
    onStep?.();
    const row = best * n;
    for (let j = 0; j < n; j++) if (D[row + j]! < near[j]!) near[j] = D[row + j]!;
  }
  const total = (): number => {
    let s = 0;
    for (let j = 0; j < n; j++) s += near[j]!;
    return s;
  };
  const build = total() / n;
  // SWAP.
  const second = new Float64Array(n);
  const update = (): void => {
    for (let j = 0; j < n; j++) {
      let a = Infinity;
      let b = Infinity;
      for (let m = 0; m < k; m++) {
        const v = D[medoids[m]! * n + j]!;
        if (v < a) {
          b = a;
          a = v;
        } else if (v < b) b = v;
      }
      near[j] = a;
      second[j] = b;
    }
  };
  update();
  let nSwaps = 0;
  for (;;) {
    let bestT = Infinity;
    let bestM = -1;
    let bestH = -1;
    for (let m = 0; m < k; m++) {
      const rowI = medoids[m]! * n;
      for (let h = 0; h < n; h++) {
        if (isMedoid[h]) continue;
        const rowH = h * n;
        let t = 0;
        for (let j = 0; j < n; j++) {
          const dj = D[rowH + j]!;
          const nj = near[j]!;
          if (D[rowI + j] === nj) t += (dj < second[j]! ? dj : second[j]!) - nj;
          else if (dj < nj) t += dj - nj;
        }
        if (t < bestT) {
          bestT = t;
          bestM = m;
          bestH = h;
        }
      }
    }
    // A gain lost in rounding is no gain (R compares with a small relative tolerance too).
    if (bestM < 0 || !(bestT < -16 * Number.EPSILON * Math.max(1, total()))) break;
    isMedoid[medoids[bestM]!] = 0;
    isMedoid[bestH] = 1;
    medoids[bestM] = bestH;
    nSwaps++;
    update();
    onStep?.();
  }
  const labels = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    let best = 0;
    let bestD = Infinity;
    for (let m = 0; m < k; m++) {
      const v = D[medoids[m]! * n + j]!;
      if (v < bestD) {
        bestD = v;
        best = m;
      }
    }
    labels[j] = best;
  }
  return { medoids, labels, objective: { build, swap: total() / n }, nSwaps };
}

/**
 * Nearest medoid of each row of X (index into the medoid rows of M; ties: the first), or −1 when every Gower
 * distance is undefined. O(n · k · d).
 */
export function nearestMedoid(
  X: Matrix,
  M: Float64Array,
  k: number,
  metric: MedoidDistance,
  scale: GowerScale | null,
): Int32Array {
  const d = X.nCols;
  const labels = new Int32Array(X.nRows);
  for (let i = 0; i < X.nRows; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let m = 0; m < k; m++) {
      const v = medoidDistance(metric, scale, X.data, i, M, m, d);
      if (v < bestD) {
        bestD = v;
        best = m;
      }
    }
    labels[i] = best;
  }
  return labels;
}

/** Parameters of {@link fitKMedoids}. */
export interface KMedoidsParams {
  nClusters: number;
  metric: MedoidDistance;
  /** Gower's scale fitted on the same rows (required for `gower`). */
  gower: GowerScale | null;
  memoryLimit?: number | undefined;
  toolVersion: string;
  /** CLARA, used when PAM does not fit ({@link pamFits}): samples (default 5) and their size ({@link defaultSampsize}). */
  samples?: number | undefined;
  sampsize?: number | undefined;
  seed?: number | undefined;
  /** Progress of the distance matrix, BUILD and SWAP, or CLARA's samples; the result never depends on it. */
  logger?: Logger | undefined;
}

/**
 * Fit k-medoids (PAM, as R's `pam`; CLARA on samples when PAM does not fit, see {@link pamFits}) and return canonical labels (0 = largest segment; ties: the segment whose
 * medoid comes first in the data), the model (whose rule, the nearest medoid, reproduces every label) and the
 * summary. O(n² · d + swaps · k · n²) time, 8·n² bytes.
 * @throws DataError when k exceeds the rows, n is over {@link MAX_PAM_ROWS} or the memory limit, or a Gower
 *   distance is undefined.
 */
export function fitKMedoids(
  X: Matrix,
  features: readonly string[],
  id: string | null,
  p: KMedoidsParams,
): ClusterFit {
  const n = X.nRows;
  const d = X.nCols;
  const k = p.nClusters;
  if (p.metric === 'gower' && p.gower === null) throw new UsageError('gower distance needs its fitted scale');
  if (k > n) throw new DataError(`k = ${k} exceeds the ${n} rows`, 'lower --k or use more data');
  let r: Pick<PamResult, 'medoids' | 'labels' | 'objective'> & { nSwaps?: number };
  let silhouette: number | null = null;
  let method: Record<string, unknown>;
  if (pamFits(n, p.memoryLimit)) {
    const logger = p.logger ?? silentLogger;
    const rows = logger.progress('distance rows', n);
    const D = distanceMatrix(X, p.metric, p.gower, () => rows.tick());
    rows.done();
    const steps = logger.progress('PAM build and swap steps');
    r = pam(D, n, k, () => steps.tick());
    steps.done();
    method = { method: 'pam' };
    // The silhouette from the matrix already held (R's pam()$silinfo$avg.width), when there are 2 clusters or more.
    if (k >= 2 && k < n)
      silhouette = silhouetteFromRows(n, r.labels, (i, out) => out.set(D.subarray(i * n, (i + 1) * n))).mean;
  } else {
    const samples = p.samples ?? 5;
    const sampsize = Math.max(k, p.sampsize ?? defaultSampsize(n, k));
    checkPamSize(Math.min(n, sampsize), p.memoryLimit);
    const progress = (p.logger ?? silentLogger).progress('CLARA sample', samples);
    const onSample = () => progress.tick();
    const c = clara(X, k, p.metric, p.gower, { samples, sampsize, seed: p.seed ?? 42, onSample });
    progress.done();
    r = { medoids: c.medoids, labels: c.labels, objective: { build: NaN, swap: c.objective } };
    method = { method: 'clara', samples, sampsize, seed: p.seed ?? 42 };
  }
  const sizes = new Int32Array(k);
  for (const l of r.labels) sizes[l]!++;
  const order = Array.from({ length: k }, (_, m) => m).sort(
    (a, b) => sizes[b]! - sizes[a]! || r.medoids[a]! - r.medoids[b]!,
  );
  const segmentOf = new Int32Array(k);
  order.forEach((m, s) => (segmentOf[m] = s));
  const labels = Int32Array.from(r.labels, (m) => segmentOf[m]!);
  const segments: SegmentInfo[] = order.map((m, s) => ({
    segment: s,
    size: sizes[m]!,
    centroid: segmentCentre(X, labels, s, p.gower),
  }));
  const medoids = order.map((m) =>
    Array.from(X.data.subarray(r.medoids[m]! * d, (r.medoids[m]! + 1) * d), (v) =>
      Number.isNaN(v) ? null : v,
    ),
  );
  const params: Record<string, unknown> = {
    nClusters: k,
    metric: p.metric,
    ...method,
    ...(p.gower ? { weights: Object.fromEntries(features.map((f, j) => [f, p.gower!.weights[j]!])) } : {}),
  };
  const model: KMedoidsModel = {
    format: modelFormat,
    version: modelVersion,
    toolVersion: p.toolVersion,
    features: [...features],
    id,
    nRows: n,
    noise: 0,
    segments,
    params,
    exceptions: [],
    algorithm: 'kmedoids',
    metric: p.metric,
    medoids,
    medoidRows: order.map((m) => r.medoids[m]!),
    medoidSegment: order.map((_, s) => s),
    objective: {
      build: Number.isNaN(r.objective.build) ? r.objective.swap : r.objective.build,
      swap: r.objective.swap,
    },
    gower: p.gower,
  };
  const warnings: string[] = [];
  if (method['method'] === 'clara')
    warnings.push(
      `k-medoids: ${n.toLocaleString('en-US')} rows are past PAM's limit (${MAX_PAM_ROWS.toLocaleString('en-US')} rows and --memory-limit): ` +
        `CLARA kept the best of ${String(method['samples'])} seeded samples of ${String(method['sampsize'])} rows`,
    );
  if (new Set(medoids.map((row) => JSON.stringify(row))).size < k)
    warnings.push('some medoids have equal values: the data has fewer distinct rows than --k');
  return {
    labels,
    model,
    summary: {
      algorithm: 'kmedoids',
      params,
      nRows: n,
      nSegments: k,
      sizes: segments.map((s) => s.size),
      noise: 0,
      objective: model.objective,
      silhouette,
      medoidRows: model.medoidRows,
      ...(r.nSwaps !== undefined ? { nSwaps: r.nSwaps } : {}),
      merges: [],
      warnings,
    },
  };
}

/** A segment's centre for the model's `centroid`: numeric means over non-missing values, categorical modes. */
function segmentCentre(X: Matrix, labels: Int32Array, s: number, scale: GowerScale | null): number[] {
  const d = X.nCols;
  const out: number[] = [];
  for (let j = 0; j < d; j++) {
    if (scale?.kinds[j] === 'categorical') {
      const counts = new Array<number>(scale.levels[j]!.length).fill(0);
      for (let i = 0; i < X.nRows; i++) {
        const v = X.data[i * d + j]!;
        if (labels[i] === s && v >= 0) counts[v]!++;
      }
      out.push(counts.indexOf(Math.max(...counts)));
      continue;
    }
    let sum = 0;
    let m = 0;
    for (let i = 0; i < X.nRows; i++) {
      const v = X.data[i * d + j]!;
      if (labels[i] !== s || Number.isNaN(v)) continue;
      sum += v;
      m++;
    }
    out.push(m > 0 ? sum / m : 0);
  }
  return out;
}
