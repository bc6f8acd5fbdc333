import { DataError, InternalError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger, type Progress } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { WasmArena } from '../core/wasm-memory.js';
import type { WorkerPool } from '../core/worker-pool.js';
import {
  MODE_FINAL,
  MODE_FIRST,
  MODE_STEP,
  adoptedClosest,
  allDist2,
  nearestIn,
  auxLayout,
  distToAssigned,
  elkanBlocks,
  hamerlyBlocks,
  hamerlyFromSeeding,
  kernelModule,
  lloydBlocks,
  partialStride,
  ppFirst,
  ppTrials,
  sqDist,
  statsBlocks,
  type PlusPlusCtx,
  type StatsCtx,
  type StepCtx,
} from './kmeans-kernels.js';
import { scratchBytes, type WasmRef } from './kmeans-wasm.js';

const OWNER = 'cluster.kmeans';

/** k-means variants; `auto` picks a bounded exact one. */
export type KMeansAlgorithm = 'auto' | 'lloyd' | 'elkan' | 'hamerly' | 'minibatch';

/** Parameters of {@link kmeans} (scikit-learn's `KMeans` / `MiniBatchKMeans` names in camelCase). */
export interface KMeansParams {
  /** Number of clusters k, an int ≥ 1 and ≤ the number of rows. */
  nClusters: number;
  /** Restarts from independent k-means++ seedings; the run with the lowest inertia is kept. Default 10. */
  nInit?: number | undefined;
  /** Maximum iterations of one run (mini-batch: maximum passes over the data). Default 300. */
  maxIter?: number | undefined;
  /**
   * Convergence tolerance, relative as in scikit-learn: a run stops when the total squared centre shift of an
   * iteration is ≤ tol × (mean of the per-feature variances). Default 1e-4; mini-batch: 0 (scikit-learn's
   * `MiniBatchKMeans`), i.e. it stops on its smoothed batch inertia alone.
   */
  tol?: number | undefined;
  /**
   * `lloyd` (plain), `hamerly` / `elkan` (triangle-inequality bounds: same labels, centres and inertia as Lloyd
   * from the same seeding, far fewer distances), `minibatch` (Sculley 2010: approximate, for very large n) or
   * `auto` (default) = `hamerly`, which was as fast as Elkan or faster on every shape measured and needs O(n)
   * memory instead of O(n·k). `auto` never switches to mini-batch, whatever n: that changes the result (on the
   * benchmark blobs from +0.001 % inertia to a worse local optimum at +6 %, as scikit-learn's `MiniBatchKMeans`);
   * ask for it explicitly.
   */
  algorithm?: KMeansAlgorithm | undefined;
  /** Mini-batch size (capped at n). Default 1024, independent of the thread count. */
  batchSize?: number | undefined;
  /** Seed of the k-means++ seedings (restart r uses stream r) and of the mini-batches. Default 42. */
  seed?: number | undefined;
  /** Worker pool: every pass runs over fixed row blocks in parallel. Absent: single thread. */
  pool?: WorkerPool | undefined;
  /**
   * Rows per block of the parallel passes (default 8192). Partial sums are reduced in block order, so results
   * depend on the block size but never on the thread count.
   */
  blockSize?: number | undefined;
  /**
   * Run the seeding and Hamerly passes in WebAssembly (SIMD) when the arrays fit in its 4 GiB address space
   * (default true). Both versions give the same bits; `false` keeps the JavaScript kernels (the reference).
   */
  wasm?: boolean | undefined;
  /** Progress of the restarts and iterations (mini-batch: the steps); the result never depends on it. */
  logger?: Logger | undefined;
}

/** Result of {@link kmeans}. */
export interface KMeansResult {
  /** k × d centres, row-major. */
  centroids: Float64Array;
  /** Index of the nearest centre of each row (ties: lowest index). */
  labels: Int32Array;
  /** Sum of squared distances of the rows to their assigned centres. */
  inertia: number;
  /** Iterations of the best run (mini-batch: passes over the data, rounded up, as scikit-learn). */
  nIter: number;
  /** The variant that ran: `lloyd`, `hamerly`, `elkan` or `minibatch`. */
  algorithm: string;
  /** Number of k-means++ seedings tried. */
  nInit: number;
  /** Mini-batch only: number of mini-batch steps. */
  nSteps?: number;
}

const DEFAULT_BLOCK = 8192;
/**
 * Tasks per thread per pass: several, so that a thread slowed by other work (or by costlier blocks) does not hold
 * the pass; 8 measured about 3 % faster than 2–3 on 1M × 8 and no worse than 16.
 */
const TASKS_PER_THREAD = 8;
/** Mini-batch early stop: steps without improvement of the smoothed batch inertia (scikit-learn's default). */
const MAX_NO_IMPROVEMENT = 10;
/** Stream of the mini-batch sampler (restart seedings use streams 0 … nInit − 1). */
const MINIBATCH_STREAM = 0x6d696e69;

/**
 * k-means clustering: best of `nInit` runs, each seeded by greedy k-means++ and iterated until the centres move
 * less than the tolerance, the labels stop changing, or `maxIter`.
 *
 * Follows scikit-learn 1.2 `KMeans`: greedy k-means++ with 2 + ⌊ln k⌋ local trials (Arthur & Vassilvitskii
 * 2007), Lloyd iterations with `tol` relative to the mean feature variance, empty clusters relocated to the rows
 * farthest from their centres, and a final assignment to the final centres. Hamerly and Elkan give the same
 * centres and labels as Lloyd from the same seeding. Deterministic for a given seed and block size, whatever the
 * thread count.
 *
 * Complexity: O(nInit · (k · ln k + iterations · k) · n · d) time in the worst case (bounded variants skip most
 * distances); memory O(n) (Elkan: O(n · k)) plus a shared copy of X when threaded and X is not shared.
 * @throws UsageError for an invalid parameter; DataError when k exceeds the rows or X has non-finite values.
 */
export async function kmeans(X: Matrix, params: KMeansParams): Promise<KMeansResult> {
  const { n, d, k, nInit, maxIter, tol, batchSize, seed, blockSize } = validate(X, params);
  const pool = params.pool !== undefined && params.pool.nThreads > 1 ? params.pool : undefined;
  const shared = pool !== undefined;
  const runner = new BlockRunner(pool, n, blockSize);
  const algorithm = resolveAlgorithm(params.algorithm ?? 'auto');
  const logger = params.logger ?? silentLogger;

  if (algorithm === 'minibatch') {
    const x = shared ? sharedCopy(X.data, n * d) : X.data;
    const stats = await columnStats(runner, x, n, d, blockSize, shared);
    const o = { nInit, maxIter, tolScaled: tol * stats.meanVariance, batchSize, seed, blockSize, logger };
    return miniBatch(x, n, d, k, o, runner, shared);
  }

  const elkan = algorithm === 'elkan';
  const handover = handsOver(algorithm);
  const place =
    params.wasm === false
      ? plainArrays(shared ? sharedCopy(X.data, n * d) : X.data, shared)
      : placeArrays(X.data, n, d, k, blockSize, runner.nTasks, shared, elkan, handover);
  try {
    const stats = await columnStats(runner, place.x, n, d, blockSize, shared);
    const run = { n, d, k, nInit, maxIter, tolScaled: tol * stats.meanVariance, seed, blockSize };
    return await lloydRuns(place, run, algorithm, runner, stats.maxNorm, logger);
  } finally {
    place.done();
  }
}

/** Hamerly takes its first labels and bounds from the seeding, which then tracks second centres. */
function handsOver(algorithm: KMeansAlgorithm): boolean {
  return algorithm === 'hamerly';
}

/** x itself when on a SharedArrayBuffer, else a copy of its first `len` values on one. */
function sharedCopy(x: Float64Array, len: number): Float64Array {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const copy = new Float64Array(new SharedArrayBuffer(len * 8));
  copy.set(x.subarray(0, len));
  return copy;
}

/** The memory of the last run that copied its matrix into one, free between runs. */
let copyArena: WasmArena | undefined;

/** Where the arrays of a run live, and the WebAssembly kernels' reference when they can run. */
interface Placement {
  readonly x: Float64Array;
  readonly f64: (length: number) => Float64Array;
  readonly i32: (length: number) => Int32Array;
  readonly wasm: WasmRef | undefined;
  /** Gives the arena back (the arrays are no longer used). */
  readonly done: () => void;
}

/**
 * Put the arrays of a k-means run in a shared WebAssembly memory, so that the WebAssembly kernels can run: the
 * matrix's own memory when it has room (no copy), else a new memory holding a copy of the matrix; when neither
 * can be had (past the 4 GiB of WebAssembly addresses), ordinary arrays and the JavaScript kernels.
 */
function placeArrays(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  blockSize: number,
  nTasks: number,
  shared: boolean,
  elkan: boolean,
  track: boolean,
): Placement {
  const nBlocks = Math.ceil(n / blockSize);
  const nTrials = trialsFor(k);
  const scratch = scratchBytes(blockSize, k, d);
  // Every array below, each rounded up to 16 bytes.
  const perRow = 8 + 4 + (track ? 4 + 8 + 8 : 4 + (elkan ? 8 + 8 * k : 8 + 8)) + 8;
  const fixed =
    (nTrials + 1) * (d + k) * 8 +
    nBlocks * nTrials * 8 +
    k * d * 8 +
    auxLayout(k).length * 8 +
    nBlocks * partialStride(k, d) * 8 +
    nTasks * scratch +
    16 * 32;
  const need = perRow * n + fixed;
  const own = WasmArena.of(x);
  let arena: WasmArena | undefined;
  let mark: number | undefined;
  let data = x;
  if (own !== undefined && own.fits(need)) {
    mark = own.claim();
    if (mark !== undefined) arena = own;
  }
  if (arena === undefined) {
    // A memory of its own, holding a copy of the matrix: the last one made is kept for the next run, as worker
    // threads can pin a shared memory they have seen until they collect their own garbage (which threads that
    // allocate little seldom do), so memories made run after run would pile up.
    const bytes = n * d * 8 + need;
    if (copyArena !== undefined && !copyArena.inUse && copyArena.fits(bytes)) {
      arena = copyArena;
      mark = arena.claim();
    } else {
      arena = WasmArena.create(bytes, 2 * bytes);
      mark = arena?.claim();
      if (arena !== undefined && !(copyArena?.inUse ?? false)) copyArena = arena;
    }
    if (arena !== undefined && mark !== undefined) {
      data = arena.f64(n * d);
      data.set(x.subarray(0, n * d));
    }
  }
  if (arena === undefined || mark === undefined)
    return plainArrays(shared ? sharedCopy(x, n * d) : x, shared);
  const a = arena;
  const m = mark;
  const base = a.alloc(nTasks * scratch);
  return {
    x: data,
    f64: (length) => a.f64(length),
    i32: (length) => a.i32(length),
    wasm: { memory: a.memory, id: a.id, scratch: base, scratchBytes: scratch },
    done: () => a.release(m),
  };
}

/** Ordinary (or SharedArrayBuffer) arrays and the JavaScript kernels. */
function plainArrays(x: Float64Array, shared: boolean): Placement {
  return {
    x,
    f64: (length) => f64(length, shared),
    i32: (length) => i32(length, shared),
    wasm: undefined,
    done: () => undefined,
  };
}

/** Validated parameters of the restarts. */
interface RunParams {
  n: number;
  d: number;
  k: number;
  nInit: number;
  maxIter: number;
  tolScaled: number;
  seed: number;
  blockSize: number;
}

/** The nInit restarts (seeding, then Lloyd, Hamerly or Elkan); the best one's centres and labels, copied out. */
async function lloydRuns(
  place: Placement,
  p: RunParams,
  algorithm: Exclude<KMeansAlgorithm, 'auto' | 'minibatch'>,
  runner: BlockRunner,
  maxNorm: number,
  logger: Logger,
): Promise<KMeansResult> {
  const { n, d, k, nInit, maxIter, tolScaled, seed, blockSize } = p;
  const { x, wasm } = place;
  const elkan = algorithm === 'elkan';
  const bounded = algorithm !== 'lloyd';
  const handover = handsOver(algorithm);
  const pp = plusPlusCtx(place, n, d, k, blockSize, handover);
  // When Hamerly takes over from the seeding, its arrays are the seeding's: the handover turns each row's squared
  // distances into bounds in place (row by row), and the next restart's seeding starts them afresh.
  const ctx: StepCtx = {
    x,
    n,
    d,
    k,
    blockSize,
    centroids: place.f64(k * d),
    labels: handover ? pp.nearest : place.i32(n),
    upper: handover ? pp.closest : place.f64(bounded ? n : 0),
    lower: handover ? pp.rest : place.f64(bounded ? n : 0),
    second: handover ? pp.second : place.i32(bounded && !elkan ? n : 0),
    lowerSecond: handover ? pp.secondD : place.f64(bounded && !elkan ? n : 0),
    lowerK: place.f64(elkan ? n * k : 0),
    aux: place.f64(auxLayout(k).length),
    partials: place.f64(runner.nBlocks * partialStride(k, d)),
    wasm,
  };
  const kernel = elkan ? 'elkanBlocks' : bounded ? 'hamerlyBlocks' : 'lloydBlocks';
  const state = new LloydState(ctx, runner, place, maxNorm);
  let best: { inertia: number; nIter: number; centroids: Float64Array; labels: Int32Array } | undefined;
  const restarts = logger.progress('k-means restart', nInit);
  for (let r = 0; r < nInit; r++) {
    const centres = await plusPlus(pp, runner, k, new Random(seed, r));
    const iterations = logger.progress('iteration');
    const run = await state.run(
      kernel,
      centres,
      maxIter,
      tolScaled,
      bounded,
      handover ? pp : undefined,
      iterations,
    );
    iterations.done();
    restarts.tick();
    if (best === undefined || run.inertia < best.inertia) {
      best = {
        inertia: run.inertia,
        nIter: run.nIter,
        centroids: ctx.centroids.slice(),
        labels: ctx.labels.slice(),
      };
    }
  }
  restarts.done();
  if (best === undefined) throw new InternalError('k-means ran no restart');
  return {
    centroids: best.centroids,
    labels: best.labels,
    inertia: best.inertia,
    nIter: best.nIter,
    algorithm,
    nInit,
  };
}

/**
 * Nearest centre of every row and the squared distance to it (ties: lowest index), as `segment assign` needs.
 * Single thread, O(n · k · d).
 * @param centroids k × d row-major centres.
 * @throws DataError when `centroids` is not k × nCols.
 */
export function nearestCentroid(
  X: Matrix,
  centroids: Float64Array,
  k: number,
): { labels: Int32Array; distances: Float64Array } {
  const { data: x, nRows: n, nCols: d } = X;
  if (!Number.isInteger(k) || k < 1 || centroids.length !== k * d) {
    throw new DataError(
      `the model has ${centroids.length} centroid values for k = ${k}, expected k × ${d} columns`,
      'use the same feature columns as when the model was fitted',
    );
  }
  const labels = new Int32Array(n);
  const distances = new Float64Array(n);
  // Two rows at a time through the passes' kernel: the same distances as sqDist, bit for bit.
  const dist = new Float64Array(2 * k + 8);
  for (let i = 0; i < n; i += 2) {
    const pair = i + 1 < n;
    allDist2(x, i * d, (pair ? i + 1 : i) * d, centroids, k, d, dist);
    for (let q = 0, o = 0; q < (pair ? 2 : 1); q++, o += k) {
      const a = nearestIn(dist, o, k);
      labels[i + q] = a;
      distances[i + q] = dist[o + a]!;
    }
  }
  return { labels, distances };
}

// ---------------------------------------------------------------------------------------------------------------

interface Validated {
  n: number;
  d: number;
  k: number;
  nInit: number;
  maxIter: number;
  tol: number;
  batchSize: number;
  seed: number;
  blockSize: number;
}

function validate(X: Matrix, p: KMeansParams): Validated {
  const int = (name: string, v: unknown, min: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw invalidParameter(OWNER, name, `an int in [${min}, inf)`, v);
    }
    return v;
  };
  const k = int('nClusters', p.nClusters, 1);
  const nInit = int('nInit', p.nInit ?? 10, 1);
  const maxIter = int('maxIter', p.maxIter ?? 300, 1);
  const batchSize = int('batchSize', p.batchSize ?? 1024, 1);
  const blockSize = int('blockSize', p.blockSize ?? DEFAULT_BLOCK, 1);
  const tol = p.tol ?? (p.algorithm === 'minibatch' ? 0 : 1e-4);
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) {
    throw invalidParameter(OWNER, 'tol', 'a float in [0, inf)', tol);
  }
  const seed = p.seed ?? 42;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw invalidParameter(OWNER, 'seed', 'an int', seed);
  const algorithm = p.algorithm ?? 'auto';
  if (!['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'].includes(algorithm)) {
    throw invalidParameter(
      OWNER,
      'algorithm',
      "a str among {'auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'}",
      algorithm,
    );
  }
  const { nRows: n, nCols: d } = X;
  if (X.data.length < n * d)
    throw new InternalError(`matrix data has ${X.data.length} values, expected ${n} × ${d}`);
  if (n === 0 || d === 0)
    throw new DataError(n === 0 ? 'no rows to cluster' : 'no feature columns to cluster on');
  if (k > n) throw new DataError(`k = ${k} exceeds the ${n} rows`, 'lower k or use more data');
  return { n, d, k, nInit, maxIter, tol, batchSize: Math.min(batchSize, n), seed, blockSize };
}

function resolveAlgorithm(a: KMeansAlgorithm): Exclude<KMeansAlgorithm, 'auto'> {
  // Elkan's k bounds per row are meant to pay off with many centres in many dimensions (Newling & Fleuret 2016),
  // but the Hamerly variant here (with its explicit second centre) was as fast or faster on every shape measured
  // (1M × 8 k = 8, 50k × 4 k = 50, 50k × 32 k = 32, 30k × 64 k = 40 overlapping) and needs O(n) memory, not O(n·k).
  return a === 'auto' ? 'hamerly' : a;
}

/**
 * Mean of the per-feature (population) variances and the largest row norm, in two passes over the row blocks.
 * @throws DataError naming the first row with a missing or infinite value.
 */
async function columnStats(
  runner: BlockRunner,
  x: Float64Array,
  n: number,
  d: number,
  blockSize: number,
  shared: boolean,
): Promise<{ meanVariance: number; maxNorm: number }> {
  const c: StatsCtx = {
    x,
    n,
    d,
    blockSize,
    mean: f64(d, shared),
    out: f64(runner.nBlocks * (d + 2), shared),
  };
  const { mean, out } = c;
  await runner.run('statsBlocks', c, 0);
  let maxSq = 0;
  for (let b = 0, o = 0; b < runner.nBlocks; b++, o += d + 2) {
    const bad = out[o + d + 1]!;
    if (bad >= 0) {
      throw new DataError(
        `row ${bad + 1} has a missing or infinite value, or values too large to compute distances; k-means needs finite distances`,
        'impute or drop them first',
      );
    }
    for (let t = 0; t < d; t++) mean[t] = mean[t]! + out[o + t]!;
    maxSq = Math.max(maxSq, out[o + d]!);
  }
  for (let t = 0; t < d; t++) mean[t] = mean[t]! / n;
  await runner.run('statsBlocks', c, 1);
  let total = 0;
  for (let t = 0; t < d; t++) {
    let m2 = 0;
    for (let b = 0; b < runner.nBlocks; b++) m2 += out[b * (d + 2) + t]!;
    total += m2 / n;
  }
  return { meanVariance: total / d, maxNorm: Math.sqrt(maxSq) };
}

function f64(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

function i32(length: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
}

type KernelName =
  | 'ppFirst'
  | 'ppTrials'
  | 'lloydBlocks'
  | 'hamerlyBlocks'
  | 'hamerlyFromSeeding'
  | 'elkanBlocks'
  | 'distToAssigned'
  | 'statsBlocks';
type KernelArg = number | Float64Array | PlusPlusCtx;

/**
 * Runs a kernel over all row blocks: in process without a pool, otherwise as a few tasks of consecutive blocks
 * (task boundaries never matter: every block writes its own partial).
 */
class BlockRunner {
  readonly nBlocks: number;
  private readonly ranges: [number, number][] = [];
  /** Tasks of a pass; the last argument of every kernel call is the task's index (its scratch area). */
  get nTasks(): number {
    return this.ranges.length;
  }

  constructor(
    private readonly pool: WorkerPool | undefined,
    n: number,
    blockSize: number,
  ) {
    this.nBlocks = Math.ceil(n / blockSize);
    const nTasks = pool ? Math.min(this.nBlocks, pool.nThreads * TASKS_PER_THREAD) : 1;
    for (let t = 0; t < nTasks; t++) {
      this.ranges.push([
        Math.floor((t * this.nBlocks) / nTasks),
        Math.floor(((t + 1) * this.nBlocks) / nTasks),
      ]);
    }
  }

  async run(fn: KernelName, ctx: PlusPlusCtx | StepCtx | StatsCtx, ...extra: KernelArg[]): Promise<void> {
    if (this.pool === undefined) {
      runLocal(fn, ctx, 0, this.nBlocks, [...extra, 0]);
      return;
    }
    await this.pool.run(
      this.ranges.map(([b0, b1], task) => ({
        module: kernelModule,
        fn,
        args: [ctx, b0, b1, ...extra, task],
      })),
    );
  }
}

function runLocal(
  fn: KernelName,
  ctx: PlusPlusCtx | StepCtx | StatsCtx,
  b0: number,
  b1: number,
  extra: KernelArg[],
): void {
  const num = (i: number): number => extra[i] as number;
  switch (fn) {
    case 'ppFirst':
      return ppFirst(ctx as PlusPlusCtx, b0, b1);
    case 'ppTrials':
      return ppTrials(ctx as PlusPlusCtx, b0, b1, num(0), num(1), num(2));
    case 'lloydBlocks':
      return lloydBlocks(ctx as StepCtx, b0, b1, num(0));
    case 'hamerlyBlocks':
      return hamerlyBlocks(ctx as StepCtx, b0, b1, num(0), num(1));
    case 'hamerlyFromSeeding':
      return hamerlyFromSeeding(ctx as StepCtx, b0, b1, extra[0] as PlusPlusCtx, num(1), num(2), num(3));
    case 'elkanBlocks':
      return elkanBlocks(ctx as StepCtx, b0, b1, num(0));
    case 'statsBlocks':
      return statsBlocks(ctx as StatsCtx, b0, b1, num(0));
    case 'distToAssigned':
      return distToAssigned(ctx as StepCtx, b0, b1, extra[0] as Float64Array);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// k-means++

function plusPlusCtx(
  place: Placement,
  n: number,
  d: number,
  k: number,
  blockSize: number,
  track = false,
): PlusPlusCtx {
  const nTrials = trialsFor(k);
  return {
    x: place.x,
    n,
    d,
    blockSize,
    closest: place.f64(n),
    nearest: place.i32(n),
    cands: place.f64((nTrials + 1) * d), // the last row: the centre being adopted
    nTrials,
    candDist: place.f64((nTrials + 1) * k),
    kMax: k,
    pot: place.f64(Math.ceil(n / blockSize) * nTrials),
    second: place.i32(track ? n : 0),
    secondD: place.f64(track ? n : 0),
    rest: place.f64(track ? n : 0),
    wasm: place.wasm,
  };
}

/** scikit-learn's _kmeans_plusplus: 2 + ⌊ln k⌋ local trials per centre (Arthur & Vassilvitskii 2007, §6). */
function trialsFor(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/**
 * Greedy k-means++ as scikit-learn's `_kmeans_plusplus`: the first centre uniformly at random; each next one is
 * the best (lowest potential) of `nTrials` candidates drawn with probability ∝ squared distance to the nearest
 * chosen centre. Returns k × d centres. O(k · nTrials · n · d) at worst.
 */
async function plusPlus(pp: PlusPlusCtx, runner: BlockRunner, k: number, rng: Random): Promise<Float64Array> {
  const { x, n, d, blockSize, cands, nTrials, candDist, pot } = pp;
  const nBlocks = runner.nBlocks;
  const centres = new Float64Array(k * d);
  const blockPot = new Float64Array(nBlocks);
  const candPot = new Float64Array(nTrials);
  const first = rng.int(n);
  centres.set(x.subarray(first * d, first * d + d), 0);
  cands.set(x.subarray(first * d, first * d + d), 0);
  await runner.run('ppFirst', pp);
  for (let b = 0; b < nBlocks; b++) blockPot[b] = pot[b * nTrials]!;
  // Each step's pass first adopts the previous step's best candidate (row `nTrials` of cands): one pass a step.
  const pending = nTrials;
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let b = 0; b < nBlocks; b++) total += blockPot[b]!;
    for (let t = 0; t < nTrials; t++) {
      const r = rng.next() * total;
      const id = searchCumulative(pp, blockPot, blockSize, r, c > 1 ? pending : -1);
      cands.set(x.subarray(id * d, id * d + d), t * d);
      for (let j = 0; j < c; j++) candDist[t * k + j] = sqDist(cands, t * d, centres, j * d, d);
    }
    await runner.run('ppTrials', pp, c > 1 ? pending : -1, c - 1);
    candPot.fill(0);
    for (let b = 0; b < nBlocks; b++)
      for (let t = 0; t < nTrials; t++) candPot[t] = candPot[t]! + pot[b * nTrials + t]!;
    let bestT = 0;
    for (let t = 1; t < nTrials; t++) if (candPot[t]! < candPot[bestT]!) bestT = t;
    centres.set(cands.subarray(bestT * d, bestT * d + d), c * d);
    cands.copyWithin(pending * d, bestT * d, bestT * d + d);
    candDist.copyWithin(pending * k, bestT * k, bestT * k + k);
    // The adoption keeps exactly the values the trial summed, so the block potentials carry over.
    for (let b = 0; b < nBlocks; b++) blockPot[b] = pot[b * nTrials + bestT]!;
  }
  // The last adoption (row `nTrials` of cands as centre k − 1) only matters when the seeding hands its labels
  // and bounds over to Hamerly, whose first pass does it.
  return centres;
}

/**
 * First row i whose cumulative sum of closest (after adopting `cands` row `pending`, when ≥ 0) reaches r (numpy
 * `searchsorted(cumsum, r)`, clipped to n − 1), skipping whole blocks through their sums.
 */
function searchCumulative(
  pp: PlusPlusCtx,
  blockSums: Float64Array,
  blockSize: number,
  r: number,
  pending: number,
): number {
  const n = pp.n;
  let acc = 0;
  let b = 0;
  while (b < blockSums.length - 1 && acc + blockSums[b]! < r) acc += blockSums[b++]!;
  for (let i = b * blockSize; i < n; i++) {
    acc += pending >= 0 ? adoptedClosest(pp, i, pending) : pp.closest[i]!;
    if (acc >= r) return i;
  }
  return n - 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Lloyd / Hamerly / Elkan iterations

/** Work arrays of the iterations, reused across restarts. */
class LloydState {
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private dist: Float64Array | undefined;
  private totalDrift = 0;

  constructor(
    private readonly ctx: StepCtx,
    private readonly runner: BlockRunner,
    private readonly place: Placement,
    private readonly maxNorm: number,
  ) {
    this.sums = new Float64Array(ctx.k * ctx.d);
    this.counts = new Float64Array(ctx.k);
  }

  /**
   * One run from `init` (k × d) as scikit-learn's `_kmeans_single_lloyd`: assign, update, stop on unchanged
   * labels (strict convergence) or total squared shift ≤ tolScaled, then assign to the final centres and sum
   * the inertia. Leaves the final centres and labels in the context.
   */
  async run(
    kernel: 'lloydBlocks' | 'hamerlyBlocks' | 'elkanBlocks',
    init: Float64Array,
    maxIter: number,
    tolScaled: number,
    bounded: boolean,
    seeding?: PlusPlusCtx,
    progress?: Progress,
  ): Promise<{ inertia: number; nIter: number }> {
    const { ctx, runner, sums, counts } = this;
    const { k, d, centroids } = ctx;
    // (Handed over from the seeding, the labels are its nearest centres: every row gets one in the first pass.)
    if (!seeding) ctx.labels.fill(-1);
    ctx.aux.fill(0);
    this.totalDrift = 0;
    this.setSlack();
    centroids.set(init);
    const next = new Float64Array(k * d);
    let nIter = 0;
    for (let it = 0; it < maxIter; it++) {
      if (it === 0 && seeding)
        await runner.run('hamerlyFromSeeding', ctx, seeding, k > 1 ? seeding.nTrials : -1, k - 1);
      else await runner.run(kernel, ctx, it === 0 ? MODE_FIRST : MODE_STEP);
      const changed = this.reduce();
      await this.relocateEmpty();
      for (let j = 0; j < k; j++) {
        const c = counts[j]!;
        // scikit-learn leaves a centre that lost its only row at its (zero) sum rather than dividing by zero.
        for (let t = 0, q = j * d; t < d; t++, q++) next[q] = c > 0 ? sums[q]! / c : sums[q]!;
      }
      const shiftTot = bounded ? this.boundShifts(next) : squaredShift(centroids, next, k, d);
      centroids.set(next);
      nIter = it + 1;
      progress?.tick();
      if (changed === 0) break;
      if (shiftTot <= tolScaled) break;
    }
    await runner.run(kernel, ctx, MODE_FINAL);
    let inertia = 0;
    const stride = partialStride(k, d);
    for (let b = 0; b < runner.nBlocks; b++) inertia += ctx.partials[b * stride + stride - 1]!;
    return { inertia, nIter };
  }

  /** Sum the per-block partials in block order into sums/counts; returns the number of changed labels. */
  private reduce(): number {
    const { ctx, sums, counts } = this;
    const { k, d, partials } = ctx;
    const kd = k * d;
    const stride = partialStride(k, d);
    sums.fill(0);
    counts.fill(0);
    let changed = 0;
    for (let b = 0, base = 0; b < this.runner.nBlocks; b++, base += stride) {
      for (let q = 0; q < kd; q++) sums[q] = sums[q]! + partials[base + q]!;
      for (let j = 0; j < k; j++) counts[j] = counts[j]! + partials[base + kd + j]!;
      changed += partials[base + kd + k]!;
    }
    return changed;
  }

  /**
   * scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the rows farthest from their
   * current centre (farthest first, ties by lowest row), which leaves its old cluster. Labels are untouched.
   */
  private async relocateEmpty(): Promise<void> {
    const { ctx, sums, counts } = this;
    const { x, n, d, k, labels } = ctx;
    const empty: number[] = [];
    for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
    if (empty.length === 0) return;
    this.dist ??= this.place.f64(n);
    const dist = this.dist;
    await this.runner.run('distToAssigned', ctx, dist);
    const far = farthest(dist, empty.length);
    for (let e = 0; e < empty.length; e++) {
      const row = far[e]!;
      const to = empty[e]!;
      const from = labels[row]!;
      for (let t = 0; t < d; t++) {
        const v = x[row * d + t]!;
        sums[from * d + t] = sums[from * d + t]! - v;
        sums[to * d + t] = v;
      }
      counts[to] = 1;
      counts[from] = counts[from]! - 1;
    }
  }

  /**
   * Margin of the bound tests over rounding: distances and bound updates err by a few ulp of the row norms and of
   * the drift accumulators (which the bounds are stored against), far below 1e-10 of them.
   */
  private setSlack(): void {
    this.ctx.aux[auxLayout(this.ctx.k).slack] = 1e-10 * (this.maxNorm + this.totalDrift);
  }

  /**
   * Move the bounds' drift accumulators by the centre shifts (D_j += shift of j, M_j += largest shift of the others) and store
   * half the distances between the new centres (`aux`). Returns the total squared shift.
   */
  private boundShifts(next: Float64Array): number {
    const { k, d, centroids, aux } = this.ctx;
    const L = auxLayout(k);
    let total = 0;
    let max1 = 0;
    let max2 = 0;
    let arg = -1;
    for (let j = 0; j < k; j++) {
      const s2 = sqDist(centroids, j * d, next, j * d, d);
      total += s2;
      const s = Math.sqrt(s2);
      aux[L.drift + j] = aux[L.drift + j]! + s;
      if (s > max1) {
        max2 = max1;
        max1 = s;
        arg = j;
      } else if (s > max2) max2 = s;
    }
    for (let j = 0; j < k; j++) aux[L.otherDrift + j] = aux[L.otherDrift + j]! + (j === arg ? max2 : max1);
    this.totalDrift += max1;
    this.setSlack();
    for (let j = 0; j < k; j++) aux[L.half + j] = Infinity;
    for (let i = 0; i < k; i++) {
      aux[L.cc + i * k + i] = 0;
      for (let j = i + 1; j < k; j++) {
        const h = 0.5 * Math.sqrt(sqDist(next, i * d, next, j * d, d));
        aux[L.cc + i * k + j] = h;
        aux[L.cc + j * k + i] = h;
        if (h < aux[L.half + i]!) aux[L.half + i] = h;
        if (h < aux[L.half + j]!) aux[L.half + j] = h;
      }
    }
    return total;
  }
}

function squaredShift(a: Float64Array, b: Float64Array, k: number, d: number): number {
  let total = 0;
  for (let j = 0; j < k; j++) total += sqDist(a, j * d, b, j * d, d);
  return total;
}

/** Indices of the m largest values, largest first, ties by lowest index. O(n · m). */
function farthest(v: Float64Array, m: number): Int32Array {
  const idx = new Int32Array(m).fill(-1);
  const val = new Float64Array(m).fill(-Infinity);
  let filled = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (filled === m && !(x > val[m - 1]!)) continue;
    let p = filled < m ? filled++ : m - 1;
    while (p > 0 && x > val[p - 1]!) {
      val[p] = val[p - 1]!;
      idx[p] = idx[p - 1]!;
      p--;
    }
    val[p] = x;
    idx[p] = i;
  }
  return idx;
}

// ---------------------------------------------------------------------------------------------------------------
// Mini-batch

interface MiniBatchOptions {
  nInit: number;
  maxIter: number;
  tolScaled: number;
  batchSize: number;
  seed: number;
  blockSize: number;
  logger: Logger;
}

/**
 * Mini-batch k-means (Sculley 2010) as scikit-learn's `MiniBatchKMeans`: `nInit` k-means++ seedings on random
 * subsets of 3 × batchSize rows, the one with the lowest inertia on a validation subset is kept; then batches
 * drawn with replacement move each centre towards the mean of its batch rows with a per-centre learning rate
 * 1 / (rows seen); stop after maxIter passes, when the smoothed batch inertia has not improved for 10 steps, or
 * when the squared centre change of a step is ≤ tolScaled. Labels and inertia come from a final exact pass over
 * all rows. Not done: scikit-learn's random reassignment of nearly empty centres.
 */
async function miniBatch(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  o: MiniBatchOptions,
  runner: BlockRunner,
  shared: boolean,
): Promise<KMeansResult> {
  const initSize = Math.min(n, Math.max(3 * o.batchSize, 3 * k));
  const sampler = new Random(o.seed, MINIBATCH_STREAM);
  const valid = gather(x, d, sampler.sampleIndices(n, initSize));
  const local = new BlockRunner(undefined, initSize, o.blockSize);
  let centres: Float64Array | undefined;
  let bestValid = Infinity;
  for (let r = 0; r < o.nInit; r++) {
    const rng = new Random(o.seed, r);
    const sub = gather(x, d, rng.sampleIndices(n, initSize));
    const c = await plusPlus(
      plusPlusCtx(plainArrays(sub, false), initSize, d, k, o.blockSize),
      local,
      k,
      rng,
    );
    const { distances } = nearestCentroid({ data: valid, nRows: initSize, nCols: d }, c, k);
    let inertia = 0;
    for (let i = 0; i < initSize; i++) inertia += distances[i]!;
    if (inertia < bestValid || centres === undefined) {
      bestValid = inertia;
      centres = c;
    }
  }
  if (centres === undefined) throw new InternalError('mini-batch k-means tried no seeding');

  const B = o.batchSize;
  const nSteps = Math.max(1, Math.floor((o.maxIter * n) / B));
  const weight = new Float64Array(k);
  const bsum = new Float64Array(k * d);
  const bcnt = new Float64Array(k);
  const batch = new Int32Array(B);
  const alpha = Math.min(1, (B * 2) / (n + 1));
  let ewa: number | undefined;
  let ewaMin: number | undefined;
  let noImprovement = 0;
  let step = 0;
  const steps = o.logger.progress('mini-batch step', nSteps);
  while (step < nSteps) {
    let batchInertia = 0;
    bsum.fill(0);
    bcnt.fill(0);
    for (let s = 0; s < B; s++) batch[s] = sampler.int(n);
    for (let s = 0; s < B; s++) {
      const xb = batch[s]! * d;
      let best = Infinity;
      let a = 0;
      for (let j = 0; j < k; j++) {
        const v = sqDist(x, xb, centres, j * d, d);
        if (v < best) {
          best = v;
          a = j;
        }
      }
      batchInertia += best;
      bcnt[a] = bcnt[a]! + 1;
      for (let t = 0; t < d; t++) bsum[a * d + t] = bsum[a * d + t]! + x[xb + t]!;
    }
    let change = 0;
    for (let j = 0; j < k; j++) {
      const c = bcnt[j]!;
      if (c === 0) continue;
      const w = weight[j]!;
      const inv = 1 / (w + c);
      for (let t = 0, q = j * d; t < d; t++, q++) {
        const v = (centres[q]! * w + bsum[q]!) * inv;
        const df = v - centres[q]!;
        change += df * df;
        centres[q] = v;
      }
      weight[j] = w + c;
    }
    step++;
    steps.tick();
    // scikit-learn's _mini_batch_convergence: the first batch only measures the seeding, then an exponentially
    // weighted average of the per-row batch inertia must keep improving.
    if (step === 1) continue;
    const bi = batchInertia / B;
    ewa = ewa === undefined ? bi : ewa * (1 - alpha) + bi * alpha;
    if (o.tolScaled > 0 && change <= o.tolScaled) break;
    if (ewaMin === undefined || ewa < ewaMin) {
      noImprovement = 0;
      ewaMin = ewa;
    } else if (++noImprovement >= MAX_NO_IMPROVEMENT) break;
  }

  steps.done();
  const ctx: StepCtx = {
    x,
    n,
    d,
    k,
    blockSize: o.blockSize,
    centroids: f64(k * d, shared),
    labels: i32(n, shared),
    upper: f64(0, shared),
    lower: f64(0, shared),
    second: i32(0, shared),
    lowerSecond: f64(0, shared),
    lowerK: f64(0, shared),
    aux: f64(auxLayout(k).length, shared),
    partials: f64(runner.nBlocks * partialStride(k, d), shared),
  };
  ctx.centroids.set(centres);
  await runner.run('lloydBlocks', ctx, MODE_FINAL);
  let inertia = 0;
  const stride = partialStride(k, d);
  for (let b = 0; b < runner.nBlocks; b++) inertia += ctx.partials[b * stride + stride - 1]!;
  return {
    centroids: centres,
    labels: ctx.labels.slice(),
    inertia,
    nIter: Math.ceil((step * B) / n),
    algorithm: 'minibatch',
    nInit: o.nInit,
    nSteps: step,
  };
}

function gather(x: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    out.set(x.subarray(i * d, i * d + d), r * d);
  }
  return out;
}
