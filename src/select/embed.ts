import { Dataset, numericColumn, takeColumn, type Column } from '../core/dataset.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { DataError, invalidParameter } from '../core/errors.js';
import { Random } from '../core/random.js';
import { blocks, type Task, type WorkerPool } from '../core/worker-pool.js';
import { columnMoments, type ColumnData } from './covariance.js';
import { pcaFromMoments, pcaTransform } from './pca.js';
import { umap } from './umap.js';
import { trustworthiness } from '../evaluate/trustworthiness.js';

const OWNER = 'select.tsne';

/** A 2-D embedding of some rows. */
export interface Embedding {
  /** Row indices (into the input) of the embedded rows, increasing. */
  rows: Int32Array;
  x: Float64Array;
  y: Float64Array;
}

/**
 * 2-D PCA projection of every row (the first two principal components of the centred data, sign convention of
 * {@link pcaFromMoments}). O(n · d²) time, no n × d copy.
 * @throws DataError with fewer than 2 features or 2 rows.
 */
export async function pcaEmbedding(
  X: ColumnData,
  opts: { pool?: WorkerPool | undefined } = {},
): Promise<Embedding & { explainedVarianceRatio: [number, number] }> {
  if (X.columns.length < 2) throw new DataError('a 2-D PCA projection needs at least two features');
  const m = await columnMoments(X, { pool: opts.pool });
  const fit = pcaFromMoments(m, { nComponents: 2 });
  const [x, y] = pcaTransform(fit, X) as [Float64Array, Float64Array];
  return {
    rows: Int32Array.from({ length: X.nRows }, (_, i) => i),
    x,
    y,
    explainedVarianceRatio: [fit.explainedVarianceRatio[0]!, fit.explainedVarianceRatio[1]!],
  };
}

/** Parameters of {@link tsne} (scikit-learn's `TSNE` names and defaults in camelCase). */
export interface TsneParams {
  /** Effective number of neighbours, in (0, sample size). Default 30. */
  perplexity?: number | undefined;
  /** Gradient descent iterations (the first 250 with early exaggeration). Default 1000. */
  nIter?: number | undefined;
  /** Factor on the affinities during the first 250 iterations. Default 12. */
  earlyExaggeration?: number | undefined;
  /** Step size; `auto` (default) = max(N / earlyExaggeration / 4, 50) as scikit-learn ≥ 1.2. */
  learningRate?: number | 'auto' | undefined;
  /** Rows embedded: a seeded sample of this many (all rows when fewer). Default 1000. */
  sampleSize?: number | undefined;
  /** Seed of the sample. Default 42. */
  seed?: number | undefined;
}

/** Result of {@link tsne}. */
export interface TsneResult extends Embedding {
  /** Kullback–Leibler divergence of the final embedding. */
  klDivergence: number;
  /** Iterations run. */
  nIter: number;
}

const EXAGGERATION_ITERS = 250;
const MIN_GAIN = 0.01;
const MIN_GRAD_NORM = 1e-7;
const EPS = 2.220446049250313e-16;
const SAMPLE_STREAM = 0x74736e65;

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) of a seeded sample, as scikit-learn's `TSNE(method="exact",
 * init="pca")`: Gaussian affinities calibrated to the perplexity by bisection, symmetrised; Student-t similarities
 * in 2-D; gradient descent with momentum 0.5 then 0.8, per-coordinate gains, early exaggeration for 250 iterations;
 * initialised with the PCA projection scaled to a standard deviation of 1e-4. Seeded and deterministic, the same
 * for any thread count (each iteration's O(N²) gradient runs over fixed row blocks).
 *
 * Complexity: O(N² · nIter) time and O(N²) memory for N sampled rows (8 N² bytes: 8 MB at N = 1000).
 * @throws UsageError for invalid parameters; DataError when the sample is smaller than 2 rows or the perplexity,
 * or the affinity matrix would exceed `memoryLimit`.
 */
export async function tsne(
  X: ColumnData,
  params: TsneParams = {},
  opts: { pool?: WorkerPool | undefined; memoryLimit?: number | undefined; logger?: Logger | undefined } = {},
): Promise<TsneResult> {
  const perplexity = params.perplexity ?? 30;
  const nIter = params.nIter ?? 1000;
  const exaggeration = params.earlyExaggeration ?? 12;
  const sampleSize = params.sampleSize ?? 1000;
  const seed = params.seed ?? 42;
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw invalidParameter(OWNER, 'perplexity', 'a float in (0, inf)', perplexity);
  }
  if (!Number.isInteger(nIter) || nIter < EXAGGERATION_ITERS) {
    throw invalidParameter(OWNER, 'nIter', `an int in [${EXAGGERATION_ITERS}, inf)`, nIter);
  }
  if (!(exaggeration >= 1))
    throw invalidParameter(OWNER, 'earlyExaggeration', 'a float in [1, inf)', exaggeration);
  if (!Number.isInteger(sampleSize) || sampleSize < 2) {
    throw invalidParameter(OWNER, 'sampleSize', 'an int in [2, inf)', sampleSize);
  }
  const n = X.nRows;
  const rows =
    n > sampleSize
      ? new Random(seed, SAMPLE_STREAM).sampleIndices(n, sampleSize)
      : Int32Array.from({ length: n }, (_, i) => i);
  const N = rows.length;
  if (N < 2) throw new DataError(`t-SNE needs at least 2 rows; got ${N}`);
  if (perplexity >= N) {
    throw new DataError(
      `the perplexity (${perplexity}) must be below the number of rows embedded (${N})`,
      'lower --perplexity',
    );
  }
  const bytes = 8 * N * N * 2;
  if (opts.memoryLimit !== undefined && bytes > opts.memoryLimit) {
    throw new DataError(
      `t-SNE of ${N} rows needs about ${(bytes / 1024 ** 3).toFixed(1)} GB, over the memory limit`,
      'lower --embed-sample, or raise --memory-limit',
    );
  }
  const learningRate =
    params.learningRate === undefined || params.learningRate === 'auto'
      ? Math.max(N / exaggeration / 4, 50)
      : params.learningRate;
  if (!(learningRate > 0))
    throw invalidParameter(OWNER, 'learningRate', "a float in (0, inf) or 'auto'", learningRate);

  const d = X.columns.length;
  const sample = X.columns.map((c) => Float64Array.from(rows, (i) => c[i]!));
  for (const c of sample) {
    for (const v of c) if (!Number.isFinite(v)) throw new DataError('t-SNE needs complete numeric features');
  }
  const parallel = opts.pool !== undefined && opts.pool.nThreads > 1 && N >= 512;
  const alloc = (len: number): Float64Array =>
    parallel ? new Float64Array(new SharedArrayBuffer(Math.max(8, len * 8)), 0, len) : new Float64Array(len);

  // Squared distances, then conditional affinities by bisection on the precision, then the joint P.
  const P = alloc(N * N);
  const D = new Float64Array(N);
  const target = Math.log(perplexity);
  const cond = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const df = sample[t]![i]! - sample[t]![j]!;
        s += df * df;
      }
      D[j] = s;
    }
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    for (let it = 0; it < 100; it++) {
      let sum = 0;
      for (let j = 0; j < N; j++) {
        const p = j === i ? 0 : Math.exp(-D[j]! * beta);
        cond[j] = p;
        sum += p;
      }
      if (sum === 0) sum = EPS;
      let h = 0;
      for (let j = 0; j < N; j++) {
        cond[j] = cond[j]! / sum;
        h += D[j]! * cond[j]!;
      }
      const entropy = Math.log(sum) + beta * h;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    P.set(cond, i * N);
  }
  let total = 0;
  for (let k = 0; k < N * N; k++) total += P[k]!;
  const norm = Math.max(2 * total, EPS);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const v = Math.max((P[i * N + j]! + P[j * N + i]!) / norm, EPS);
      P[i * N + j] = v;
      P[j * N + i] = v;
    }
    P[i * N + i] = 0;
  }

  // PCA initialisation scaled to std 1e-4 on the first axis.
  const Y = alloc(N * 2);
  {
    const m = await columnMoments({ columns: sample, nRows: N });
    const init = pcaTransform(pcaFromMoments(m, { nComponents: Math.min(2, d) }), {
      columns: sample,
      nRows: N,
    });
    const a = init[0]!;
    const b = init[1] ?? new Float64Array(N);
    let mu = 0;
    for (let i = 0; i < N; i++) mu += a[i]!;
    mu /= N;
    let v = 0;
    for (let i = 0; i < N; i++) v += (a[i]! - mu) ** 2;
    const sd = Math.sqrt(v / N) || 1;
    for (let i = 0; i < N; i++) {
      Y[2 * i] = (a[i]! / sd) * 1e-4;
      Y[2 * i + 1] = (b[i]! / sd) * 1e-4;
    }
  }

  const attr = alloc(N * 2);
  const rep = alloc(N * 2);
  const zRow = alloc(N);
  const update = new Float64Array(N * 2);
  const gains = new Float64Array(N * 2).fill(1);
  const grad = new Float64Array(N * 2);
  // Each row's sums depend on nothing but the row, so any grouping of rows into tasks gives the same bytes; a few
  // tasks per thread keep the per-iteration dispatch cheap.
  const ranges = blocks(N, Math.max(256, Math.ceil(N / (4 * (opts.pool?.nThreads ?? 1)))));
  let iter = 0;
  const progress = (opts.logger ?? silentLogger).progress('t-SNE iteration', nIter);
  for (; iter < nIter; iter++) {
    progress.tick();
    const exag = iter < EXAGGERATION_ITERS ? exaggeration : 1;
    const momentum = iter < EXAGGERATION_ITERS ? 0.5 : 0.8;
    if (parallel) {
      const tasks: Task[] = ranges.map(([s, e]) => ({
        module: import.meta.url,
        fn: 'tsneGradientRows',
        args: [P, Y, N, s, e, exag, attr, rep, zRow],
      }));
      await opts.pool!.run(tasks);
    } else tsneGradientRows(P, Y, N, 0, N, exag, attr, rep, zRow);
    let Z = 0;
    for (let i = 0; i < N; i++) Z += zRow[i]!;
    let norm = 0;
    for (let k = 0; k < 2 * N; k++) {
      const g = 4 * (attr[k]! - rep[k]! / Z);
      grad[k] = g;
      norm += g * g;
    }
    for (let k = 0; k < 2 * N; k++) {
      const g = grad[k]!;
      let gain = gains[k]!;
      gain = update[k]! * g < 0 ? gain + 0.2 : gain * 0.8;
      if (gain < MIN_GAIN) gain = MIN_GAIN;
      gains[k] = gain;
      update[k] = momentum * update[k]! - learningRate * gain * g;
      Y[k] = Y[k]! + update[k]!;
    }
    if (Math.sqrt(norm) < MIN_GRAD_NORM && iter >= EXAGGERATION_ITERS) {
      iter++;
      break;
    }
  }

  progress.done();
  // Final KL divergence.
  let Z = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const dx = Y[2 * i]! - Y[2 * j]!;
      const dy = Y[2 * i + 1]! - Y[2 * j + 1]!;
      Z += 1 / (1 + dx * dx + dy * dy);
    }
  }
  let kl = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const p = P[i * N + j]!;
      const dx = Y[2 * i]! - Y[2 * j]!;
      const dy = Y[2 * i + 1]! - Y[2 * j + 1]!;
      const q = Math.max(1 / (1 + dx * dx + dy * dy) / Z, EPS);
      kl += p * Math.log(Math.max(p, EPS) / q);
    }
  }
  const x = new Float64Array(N);
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    x[i] = Y[2 * i]!;
    y[i] = Y[2 * i + 1]!;
  }
  return { rows, x, y, klDivergence: kl, nIter: iter };
}

/**
 * Kernel: for rows [s, e) of the embedding, the attractive sum Σ_j exag·P_ij·w_ij·(y_i − y_j), the repulsive sum
 * Σ_j w_ij²·(y_i − y_j) and Σ_j w_ij, with w_ij = 1 / (1 + |y_i − y_j|²). Exported for the worker pool.
 */
export function tsneGradientRows(
  P: Float64Array,
  Y: Float64Array,
  N: number,
  s: number,
  e: number,
  exag: number,
  attr: Float64Array,
  rep: Float64Array,
  zRow: Float64Array,
): number {
  for (let i = s; i < e; i++) {
    const yi0 = Y[2 * i]!;
    const yi1 = Y[2 * i + 1]!;
    let a0 = 0;
    let a1 = 0;
    let r0 = 0;
    let r1 = 0;
    let z = 0;
    const pb = i * N;
    for (let j = 0; j < N; j++) {
      if (j === i) continue;
      const dx = yi0 - Y[2 * j]!;
      const dy = yi1 - Y[2 * j + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      const pw = exag * P[pb + j]! * w;
      a0 += pw * dx;
      a1 += pw * dy;
      const ww = w * w;
      r0 += ww * dx;
      r1 += ww * dy;
      z += w;
    }
    attr[2 * i] = a0;
    attr[2 * i + 1] = a1;
    rep[2 * i] = r0;
    rep[2 * i + 1] = r1;
    zRow[i] = z;
  }
  return e - s;
}

/** How {@link embeddingDataset} projects: PCA of every row, t-SNE or UMAP of a seeded sample. */
export interface EmbeddingParams {
  method: 'pca' | 'tsne' | 'umap';
  /** t-SNE perplexity. */
  perplexity: number;
  /** t-SNE and UMAP: rows embedded (seeded sample); undefined: 1000 for t-SNE, every row for UMAP. */
  sampleSize?: number | undefined;
  /** UMAP: neighbours per row (the row itself included). */
  umapNeighbors?: number | undefined;
  /** UMAP: smallest distance between embedded points. */
  umapMinDist?: number | undefined;
  /** UMAP: epochs (default 500 up to 10,000 rows embedded, 200 above). */
  umapEpochs?: number | undefined;
  /** UMAP: negative samples per positive one (default 5). */
  umapNegativeRate?: number | undefined;
  /** UMAP: weight of the repulsion (default 1). */
  umapRepulsion?: number | undefined;
  seed: number;
}

/** Trustworthiness of an embedding ({@link trustworthiness}) and the rows it was measured on. */
export interface EmbeddingTrust {
  /** Neighbours compared (scikit-learn's `n_neighbors`). */
  nNeighbors: number;
  /** Embedded rows it was measured on: all of them, or a seeded sample of {@link TRUST_ROWS}. */
  rows: number;
  value: number;
}

/** What an embedding did (the `embedding` of `segment select --json`). */
export type EmbeddingSummary = (
  | { method: 'tsne'; rows: number; perplexity: number; klDivergence: number; nIter: number }
  | { method: 'pca'; rows: number; explainedVarianceRatio: [number, number] }
  | {
      method: 'umap';
      rows: number;
      nNeighbors: number;
      minDist: number;
      nEpochs: number;
      a: number;
      b: number;
      init: 'spectral' | 'random';
    }
) & { trustworthiness: EmbeddingTrust | null };

/** Trustworthiness is measured on at most this many embedded rows (a seeded sample above): O(n²) time. */
export const TRUST_ROWS = 5000;
const TRUST_K = 5;
const TRUST_STREAM = 0x74727374;

/**
 * Trustworthiness (k = 5) of an embedding of `X`'s rows `e.rows`, on a seeded sample of at most {@link TRUST_ROWS}
 * of them; null with fewer than 11 rows (k must stay below half the rows). O(m²·d) time for m rows measured.
 */
export function embeddingTrust(X: ColumnData, e: Embedding, seed: number): EmbeddingTrust | null {
  const n = e.rows.length;
  if (n <= 2 * TRUST_K) return null;
  const pick = n > TRUST_ROWS ? new Random(seed, TRUST_STREAM).sampleIndices(n, TRUST_ROWS) : null;
  const rows = pick ? Int32Array.from(pick, (p) => e.rows[p]!) : e.rows;
  const x = pick ? Float64Array.from(pick, (p) => e.x[p]!) : e.x;
  const y = pick ? Float64Array.from(pick, (p) => e.y[p]!) : e.y;
  return { nNeighbors: TRUST_K, rows: rows.length, value: trustworthiness(X.columns, x, y, TRUST_K, rows) };
}

/**
 * The 2-D projection of `features` as a dataset: the id column (or a 1-based `row` number when `id` is null) of
 * the embedded rows, then `x` and `y`; and a summary with the embedding's trustworthiness.
 * @throws DataError as {@link pcaEmbedding}, {@link tsne} and {@link umap}.
 */
export async function embeddingDataset(
  ds: Dataset,
  features: readonly string[],
  id: string | null,
  params: EmbeddingParams,
  opts: { pool?: WorkerPool | undefined; memoryLimit?: number | undefined; logger?: Logger | undefined } = {},
): Promise<{ data: Dataset; summary: EmbeddingSummary }> {
  const columns = features.map((f) => ds.numeric(f).values);
  const X = { columns, nRows: ds.nRows };
  let e: Embedding;
  let summary: EmbeddingSummary;
  if (params.method === 'tsne') {
    const r = await tsne(
      X,
      { perplexity: params.perplexity, sampleSize: params.sampleSize ?? 1000, seed: params.seed },
      { pool: opts.pool, memoryLimit: opts.memoryLimit, logger: opts.logger },
    );
    e = r;
    summary = {
      method: 'tsne',
      rows: r.rows.length,
      perplexity: params.perplexity,
      klDivergence: r.klDivergence,
      nIter: r.nIter,
      trustworthiness: null,
    };
  } else if (params.method === 'umap') {
    const minDist = params.umapMinDist ?? 0.1;
    const r = umap(X, {
      nNeighbors: params.umapNeighbors,
      minDist,
      nEpochs: params.umapEpochs,
      sampleSize: params.sampleSize,
      negativeSampleRate: params.umapNegativeRate,
      repulsionStrength: params.umapRepulsion,
      seed: params.seed,
    });
    e = r;
    summary = {
      method: 'umap',
      rows: r.rows.length,
      nNeighbors: r.nNeighbors,
      minDist,
      nEpochs: r.nEpochs,
      a: r.a,
      b: r.b,
      init: r.init,
      trustworthiness: null,
    };
  } else {
    const r = await pcaEmbedding(X, { pool: opts.pool });
    e = r;
    summary = {
      method: 'pca',
      rows: r.rows.length,
      explainedVarianceRatio: r.explainedVarianceRatio,
      trustworthiness: null,
    };
  }
  summary.trustworthiness = embeddingTrust(X, e, params.seed);
  const cols: Column[] = [];
  if (id !== null) cols.push(takeColumn(ds.column(id), e.rows));
  else
    cols.push(
      numericColumn(
        'row',
        Float64Array.from(e.rows, (i) => i + 1),
        'integer',
      ),
    );
  cols.push(numericColumn('x', e.x), numericColumn('y', e.y));
  return { data: Dataset.of(cols, {}, e.rows.length), summary };
}
