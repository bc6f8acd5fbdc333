import { DataError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { stratifiedFolds } from '../core/folds.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { FeatureColumns } from '../forest/binning.js';
import {
  binTrainingSet,
  binnedAccuracy,
  growForest,
  resolveForestParams,
  type BinnedSet,
  type ForestParams,
  type ResolvedForestParams,
} from '../forest/forest.js';
import { permutationImportanceBinned } from '../forest/importance.js';

const OWNER = 'select.rfe';

/** How RFE ranks features in each round. */
export type RfeImportance = 'impurity' | 'permutation';

/** Parameters of {@link rfe}: exactly one of `nFeaturesToSelect` (RFE) and `cv` (RFECV). */
export interface RfeParams {
  /** RFE: keep this many features, an int in [1, d]. */
  nFeaturesToSelect?: number | undefined;
  /** RFECV: number of stratified folds (an int ≥ 2); the feature count with the best mean held-out accuracy wins. */
  cv?: number | undefined;
  /** RFECV: the fewest features considered. Default 1. */
  minFeaturesToSelect?: number | undefined;
  /** Features eliminated per round. Default 1. */
  step?: number | undefined;
  /**
   * `impurity` (default): the forest's mean decrease in impurity. `permutation`: the drop in accuracy when a
   * feature is shuffled, on held-out rows (RFE: a seeded 25 % of the rows, the forest learns on the rest; RFECV: the
   * validation fold) — slower, and not biased towards features with many distinct values.
   */
  importance?: RfeImportance | undefined;
  /** The forest (default: 100 trees, √d features per split, seed = `seed`). */
  forest?: ForestParams | undefined;
  /** Seed of the folds, the hold-out split and the permutations. Default 42. */
  seed?: number | undefined;
  pool?: WorkerPool | undefined;
  /** Progress of the folds, elimination steps and trees; the result never depends on it. */
  logger?: Logger | undefined;
}

/** Result of {@link rfe}. */
export interface RfeResult {
  /** Number of features kept. */
  nFeatures: number;
  /** 1 for kept features. */
  support: Uint8Array;
  /** scikit-learn's `ranking_`: 1 = kept, 2 = eliminated in the last round, … */
  ranking: Int32Array;
  /** Importances of the first round (all features). */
  firstImportances: Float64Array;
  /** Importances of the final fit (kept features; 0 elsewhere). */
  finalImportances: Float64Array;
  /** RFECV: accuracy per feature count (fewest first), mean and population std over the folds. */
  cvScores: { nFeatures: number; mean: number; std: number }[] | null;
  /** The forest parameters used. */
  forest: ResolvedForestParams;
}

const HOLDOUT_STREAM = 0x686f6c64;

/**
 * Recursive feature elimination ranked by random-forest importance (Guyon et al. 2002; scikit-learn's `RFE` and
 * `RFECV`): fit a forest on the remaining features, drop the `step` least important (ties: the earlier column), and
 * repeat until the target count is left. RFECV runs that elimination inside each of `cv` stratified folds, scores
 * every feature count by held-out accuracy, keeps the count with the best mean (ties: the fewest features), then
 * runs plain RFE on all rows down to it.
 *
 * The data are binned once; every forest reuses the bins. Deterministic for a given seed, whatever the thread
 * count.
 *
 * Complexity: RFE fits ⌈(d − k) / step⌉ + 1 forests; RFECV about cv + 1 times as many.
 * @throws UsageError for invalid parameters; DataError when k exceeds the features, the target has one class, or
 * there are fewer rows than folds.
 */
export async function rfe(
  X: FeatureColumns,
  y: Int32Array,
  nClasses: number,
  params: RfeParams,
): Promise<RfeResult> {
  const d = X.columns.length;
  const n = X.nRows;
  const step = params.step ?? 1;
  const importance = params.importance ?? 'impurity';
  const seed = params.seed ?? 42;
  const logger = params.logger ?? silentLogger;
  if ((params.nFeaturesToSelect === undefined) === (params.cv === undefined)) {
    throw invalidParameter(OWNER, 'nFeaturesToSelect', 'given alone, or replaced by cv', {
      nFeaturesToSelect: params.nFeaturesToSelect,
      cv: params.cv,
    });
  }
  if (!Number.isInteger(step) || step < 1) throw invalidParameter(OWNER, 'step', 'an int in [1, inf)', step);
  if (importance !== 'impurity' && importance !== 'permutation') {
    throw invalidParameter(OWNER, 'importance', "'impurity' or 'permutation'", importance);
  }
  const k = params.nFeaturesToSelect;
  if (k !== undefined) {
    if (!Number.isInteger(k) || k < 1)
      throw invalidParameter(OWNER, 'nFeaturesToSelect', 'an int in [1, inf)', k);
    if (k > d) {
      throw new DataError(
        `cannot keep ${k} features by RFE: only ${d} feature(s) are left to rank`,
        `use --rfe ${d} or fewer`,
      );
    }
  }
  const folds = params.cv;
  if (folds !== undefined && (!Number.isInteger(folds) || folds < 2)) {
    throw invalidParameter(OWNER, 'cv', 'an int in [2, inf)', folds);
  }
  const minFeatures = params.minFeaturesToSelect ?? 1;
  if (!Number.isInteger(minFeatures) || minFeatures < 1) {
    throw invalidParameter(OWNER, 'minFeaturesToSelect', 'an int in [1, inf)', minFeatures);
  }
  if (y.length !== n) throw new DataError(`the target has ${y.length} values for ${n} rows`);
  const distinct = new Set(y).size;
  if (distinct < 2) {
    throw new DataError(
      'the target has a single class: there is nothing to predict, so nothing to rank features by',
    );
  }
  const forest = resolveForestParams({ seed, ...params.forest });
  const pool = params.pool;
  const set = binTrainingSet(
    X,
    y,
    nClasses,
    forest.maxBins,
    pool !== undefined && pool.nThreads > 1,
    forest.seed,
  );

  let cvScores: RfeResult['cvScores'] = null;
  let target = k ?? minFeatures;
  if (folds !== undefined) {
    if (n < folds) throw new DataError(`RFECV with ${folds} folds needs at least ${folds} rows; got ${n}`);
    const foldOf = stratifiedFolds(y, nClasses, folds, seed);
    const byCount = new Map<number, number[]>();
    const foldProgress = logger.progress('RFECV fold', folds);
    for (let f = 0; f < folds; f++) {
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
      const trainRows = Int32Array.from(train);
      const testRows = Int32Array.from(test);
      const testBins = takeBinned(set, testRows);
      const testY = Int32Array.from(testRows, (r) => y[r]!);
      await eliminate(
        set,
        trainRows,
        { binned: testBins, rows: testRows, y: testY },
        Math.min(minFeatures, d),
        step,
        importance,
        forest,
        seed,
        pool,
        async (fitted, count) => {
          const score = await binnedAccuracy(fitted, testBins, testRows.length, testY, pool);
          const list = byCount.get(count) ?? [];
          list.push(score);
          byCount.set(count, list);
        },
        logger,
      );
      foldProgress.tick();
    }
    foldProgress.done();
    cvScores = [...byCount.entries()]
      .map(([nFeatures, s]) => {
        const mean = s.reduce((a, b) => a + b, 0) / s.length;
        const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length);
        return { nFeatures, mean, std };
      })
      .sort((a, b) => a.nFeatures - b.nFeatures);
    let best = cvScores[0]!;
    for (const s of cvScores) if (s.mean > best.mean) best = s;
    target = best.nFeatures;
  }

  let trainRows: Int32Array | null = null;
  let evalSet: EvalRows | null = null;
  if (importance === 'permutation') {
    const order = new Random(seed, HOLDOUT_STREAM).shuffle(Int32Array.from({ length: n }, (_, i) => i));
    const nHold = Math.max(1, Math.floor(n / 4));
    const hold = order.slice(0, nHold).sort();
    trainRows = order.slice(nHold).sort();
    if (trainRows.length === 0) throw new DataError('permutation importance needs at least 2 rows');
    evalSet = { binned: takeBinned(set, hold), rows: hold, y: Int32Array.from(hold, (r) => y[r]!) };
  }
  const out = await eliminate(
    set,
    trainRows,
    evalSet,
    target,
    step,
    importance,
    forest,
    seed,
    pool,
    undefined,
    logger,
  );
  return { ...out, nFeatures: target, cvScores, forest };
}

interface EvalRows {
  binned: Uint8Array;
  rows: Int32Array;
  y: Int32Array;
}

/** One elimination path from all features down to `keep`; `onFit` sees every forest and its feature count. */
async function eliminate(
  set: BinnedSet,
  rows: Int32Array | null,
  evalRows: EvalRows | null,
  keep: number,
  step: number,
  importance: RfeImportance,
  forest: ResolvedForestParams,
  seed: number,
  pool: WorkerPool | undefined,
  onFit?: (fitted: Awaited<ReturnType<typeof growForest>>, count: number) => Promise<void>,
  logger: Logger = silentLogger,
): Promise<Omit<RfeResult, 'nFeatures' | 'cvScores' | 'forest'>> {
  const d = set.d;
  const support = new Uint8Array(d).fill(1);
  const ranking = new Int32Array(d).fill(1);
  let firstImportances: Float64Array | undefined;
  const progress = logger.progress('RFE step', 1 + Math.max(0, Math.ceil((d - keep) / step)));
  for (;;) {
    const features = Int32Array.from(Array.from({ length: d }, (_, j) => j).filter((j) => support[j] === 1));
    const fitted = await growForest(set, forest, {
      features,
      rows,
      pool,
      classes: Array.from({ length: set.nClasses }, (_, c) => c),
      logger,
    });
    if (onFit) await onFit(fitted, features.length);
    let imp: Float64Array;
    if (importance === 'impurity') imp = fitted.featureImportances;
    else {
      const r = await permutationImportanceBinned(
        fitted,
        evalRows!.binned,
        evalRows!.rows.length,
        evalRows!.y,
        features,
        {
          seed,
          pool,
          logger,
        },
      );
      imp = r.importancesMean;
    }
    if (!firstImportances) firstImportances = imp.slice();
    progress.tick();
    if (features.length <= keep) {
      progress.done();
      const finalImportances = new Float64Array(d);
      for (const j of features) finalImportances[j] = imp[j]!;
      return { support, ranking, firstImportances, finalImportances };
    }
    const order = Array.from(features).sort((a, b) => imp[a]! - imp[b]! || a - b);
    const drop = Math.min(step, features.length - keep);
    for (let t = 0; t < drop; t++) support[order[t]!] = 0;
    for (let j = 0; j < d; j++) if (support[j] === 0) ranking[j] = ranking[j]! + 1;
  }
}

/** Binned values of some rows, column-major (rows.length × d). */
function takeBinned(set: BinnedSet, rows: Int32Array): Uint8Array {
  const m = rows.length;
  const out = new Uint8Array(m * set.d);
  for (let j = 0; j < set.d; j++) {
    const src = j * set.n;
    const dst = j * m;
    for (let i = 0; i < m; i++) out[dst + i] = set.binned[src + rows[i]!]!;
  }
  return out;
}

/**
 * Rows to rank features on: all of them, or a seeded sample of `sampleSize` in increasing order. O(sampleSize).
 */
export function rankingSample(n: number, sampleSize: number, seed: number): Int32Array | null {
  if (n <= sampleSize) return null;
  return new Random(seed, 0x72666573).sampleIndices(n, sampleSize);
}
