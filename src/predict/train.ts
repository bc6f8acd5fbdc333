/**
 * `segment predict train`: a binary propensity model (random forest or logistic regression, optionally
 * calibrated), evaluated on a stratified hold-out split or stratified k-fold cross-validation before the final fit
 * on every labelled row.
 */
import { chainOf } from '../core/chain.js';
import type { Dataset } from '../core/dataset.js';
import { invalidParameter } from '../core/errors.js';
import { silentLogger, withProgress, type Logger } from '../core/logger.js';
import {
  assertFinite,
  chooseFeatures,
  leftOutWarning,
  toMatrix,
  type LeftOutColumn,
  type Matrix,
} from '../core/matrix.js';
import { duplicateIdWarning } from '../core/ids.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { forestNodeBudget, resolveForestParams, type ForestParams } from '../forest/forest.js';
import { eachPermutedProba } from '../forest/importance.js';
import { inputSchemaOf } from '../model/bundle.js';
import type { CalibrationMethod } from './calibration.js';
import {
  fitEstimator,
  predictProbability,
  scoresToProbability,
  takeRows,
  takeValues,
  type EstimatorParams,
  type Fitted,
} from './estimator.js';
import { binaryMetrics, rocAuc } from './metrics.js';
import {
  predictModelFormat,
  predictModelVersion,
  sealPredictModel,
  type Evaluation,
  type FeatureImportance,
  type PredictModel,
} from './predict-model.js';
import { evaluationCurves } from './report-curves.js';
import { binaryFolds, foldRows, stratifiedHoldout } from './split.js';
import { binaryTarget } from './target.js';

const OWNER = 'predict.train';

/** Parameters of {@link trainPropensity}. */
export interface PredictParams {
  target: string;
  /** Value of the target that is the positive class (default: true / yes / 1, else the larger value). */
  positive?: string | undefined;
  id?: string | undefined;
  features?: string[] | undefined;
  exclude?: string[] | undefined;
  /** Estimator. Default `rf`. */
  algorithm?: 'rf' | 'logistic' | undefined;
  /** Stratified k-fold evaluation with this many folds; otherwise a hold-out split. */
  cv?: number | undefined;
  /** Hold-out share. Default 0.25 (when cv is not given). */
  testSize?: number | undefined;
  calibrate?: CalibrationMethod | null | undefined;
  /** Folds of the calibration's out-of-fold scores. Default 5. */
  calibrationCv?: number | undefined;
  classWeight?: 'balanced' | null | undefined;
  /** Probability at or above which a row is predicted positive. Default 0.5. */
  threshold?: number | undefined;
  /** Logistic inverse regularisation strength. Default 1. */
  C?: number | undefined;
  /** Random forest parameters (seed comes from `seed`). */
  forest?: Omit<ForestParams, 'seed'> | undefined;
  /** Shuffles per feature for permutation importance (0: skip). Default 5. */
  permutationRepeats?: number | undefined;
  /** Held-out rows permutation importance is measured on, at most (a seeded sample beyond). Default 5000. */
  permutationRows?: number | undefined;
  seed?: number | undefined;
}

/** Where training runs. */
export interface PredictEnv {
  pool?: WorkerPool | undefined;
  /** Memory budget in bytes: bounds the forest's size (see {@link forestNodeBudget}); absent: no bound. */
  memoryLimit?: number | undefined;
  logger?: Logger | undefined;
  toolVersion: string;
}

/** What training produced. */
export interface TrainResult {
  model: PredictModel;
  /** Rows dropped because their target was missing. */
  droppedUnlabeled: number;
  warnings: string[];
  /** Columns of the input that are not features, and why (the id, the target as `role`, text…). */
  leftOut: LeftOutColumn[];
}

/**
 * Train a propensity model on a dataset.
 *
 * 1. The target must hold two classes (rows with a missing target are dropped, with a warning); features are the
 *    numeric columns but the id and the target (or `features` / `exclude`), and must be complete.
 * 2. Evaluation: a seeded stratified hold-out split (`testSize`, default 0.25) or `cv` stratified folds; the
 *    estimator (calibration included) is fitted on the training side only and scored on the held-out side:
 *    ROC AUC, average precision, log loss, Brier, the confusion matrix at `threshold`, a 10-bin calibration curve,
 *    the ROC and precision–recall points (at most 200 each), and permutation importance (drop in held-out ROC AUC).
 * 3. The final estimator is fitted on every labelled row and saved with the evaluation, the importances, the fitted
 *    chain of the input (so raw data can be scored) and a content hash.
 *
 * Cost: (1 + evaluation fits) · (calibration folds + 1) estimator fits, plus d · repeats predictions of the held-out
 * rows for permutation importance.
 * @throws UsageError for invalid parameters or a multiclass target; DataError for a missing target column, a single
 *   class, missing feature values, or too few rows of a class for the folds.
 * @example
 * const { model } = await trainPropensity(ds, { target: 'churned', id: 'customer_id', algorithm: 'rf' }, { toolVersion });
 * const { probability } = await scorePropensity(model, newRows, { source: 'churn.json', data: 'new rows' });
 */
export async function trainPropensity(
  ds: Dataset,
  params: PredictParams,
  env: PredictEnv,
): Promise<TrainResult> {
  const warnings: string[] = [];
  const logger = env.logger ?? silentLogger;
  const seed = params.seed ?? 42;
  const algo = params.algorithm ?? 'rf';
  const threshold = params.threshold ?? 0.5;
  const calibrationCv = params.calibrationCv ?? 5;
  const repeats = params.permutationRepeats ?? 5;
  const permRows = params.permutationRows ?? 5000;
  const C = params.C ?? 1;
  if (algo !== 'rf' && algo !== 'logistic') throw invalidParameter(OWNER, 'algo', "'rf' or 'logistic'", algo);
  if (!(threshold >= 0 && threshold <= 1))
    throw invalidParameter(OWNER, 'threshold', 'a float in [0, 1]', threshold);
  if (!Number.isInteger(calibrationCv) || calibrationCv < 2)
    throw invalidParameter(OWNER, 'calibrationCv', 'an int in [2, inf)', calibrationCv);
  if (!Number.isInteger(repeats) || repeats < 0)
    throw invalidParameter(OWNER, 'permutationRepeats', 'an int in [0, inf)', repeats);
  if (!Number.isInteger(permRows) || permRows < 2)
    throw invalidParameter(OWNER, 'permutationRows', 'an int in [2, inf)', permRows);
  if (!(Number.isFinite(C) && C > 0)) throw invalidParameter(OWNER, 'C', 'a float in (0, inf)', C);
  if (params.cv !== undefined && params.testSize !== undefined) {
    throw invalidParameter(OWNER, 'cv', 'unset when testSize is given (pick one evaluation)', params.cv);
  }
  const forestParams = resolveForestParams({ ...params.forest, seed });

  const target = binaryTarget(ds, params.target, params.positive);
  let data = ds;
  let y = target.y;
  if (target.missing > 0) {
    const keep = Int32Array.from(Array.from(y.keys()).filter((i) => !Number.isNaN(y[i]!)));
    warnings.push(
      `dropped ${target.missing} row(s) whose target '${params.target}' is missing; the model is trained on ${keep.length}`,
    );
    data = ds.take(keep);
    y = takeValues(y, keep);
  }
  const duplicates = duplicateIdWarning(ds, params.id);
  if (duplicates) warnings.push(duplicates);
  const explicit = params.features !== undefined && params.features.length > 0;
  const { features, leftOut } = chooseFeatures(
    data,
    { id: params.id, features: params.features, exclude: params.exclude },
    { roles: [params.target] },
  );
  const omitted = explicit ? null : leftOutWarning(leftOut);
  if (omitted) warnings.push(omitted);
  const X = toMatrix(data, features);
  assertFinite(X, features, `predict train (${algo})`, algo !== 'rf');

  const est: EstimatorParams = {
    algo,
    C,
    forest: forestParams,
    classWeight: params.classWeight ?? null,
    calibrate: params.calibrate ?? null,
    calibrationCv,
    seed,
    maxNodes: env.memoryLimit !== undefined ? forestNodeBudget(env.memoryLimit) : undefined,
  };
  const pool = env.pool;

  // Evaluation.
  const drops: number[][] = features.map(() => []);
  let evaluation: Evaluation;
  if (params.cv !== undefined) {
    const k = params.cv;
    const folds = binaryFolds(y, k, seed);
    const oof = new Float64Array(y.length);
    const perFold: NonNullable<Evaluation['perFold']> = [];
    const foldProgress = logger.progress('fold', k);
    for (let f = 0; f < k; f++) {
      env.logger?.log('debug', `fold ${f + 1}/${k}`);
      const { train, test } = foldRows(folds, f);
      const fitted = await fitEstimator(
        takeRows(X, train),
        takeValues(y, train),
        est,
        pool,
        undefined,
        logger,
      );
      const Xt = takeRows(X, test);
      const yt = takeValues(y, test);
      const p = await predictProbability(fitted, Xt, pool);
      test.forEach((i, j) => (oof[i] = p[j]!));
      const m = binaryMetrics(yt, p, threshold);
      perFold.push({
        fold: f,
        n: m.n,
        positives: m.positives,
        rocAuc: m.rocAuc,
        averagePrecision: m.averagePrecision,
        logLoss: m.logLoss,
        brier: m.brier,
      });
      await permutationDrops(fitted, Xt, yt, { repeats, maxRows: permRows, seed }, drops, pool, logger);
      foldProgress.tick();
    }
    foldProgress.done();
    const aucs = perFold.map((r) => r.rocAuc).filter((v): v is number => v !== null);
    const mean = aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
    const std = mean !== null ? Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / aucs.length) : null;
    evaluation = {
      scheme: 'cv',
      testSize: null,
      folds: k,
      metrics: binaryMetrics(y, oof, threshold),
      perFold,
      rocAucMean: mean,
      rocAucStd: std,
      curves: evaluationCurves(y, oof),
    };
  } else {
    const testSize = params.testSize ?? 0.25;
    const { train, test } = stratifiedHoldout(y, testSize, seed);
    const fitted = await withProgress(logger, 'fitting on the training split', () =>
      fitEstimator(takeRows(X, train), takeValues(y, train), est, pool, undefined, logger),
    );
    const Xt = takeRows(X, test);
    const yt = takeValues(y, test);
    const p = await predictProbability(fitted, Xt, pool);
    await permutationDrops(fitted, Xt, yt, { repeats, maxRows: permRows, seed }, drops, pool, logger);
    evaluation = {
      scheme: 'holdout',
      testSize,
      folds: null,
      metrics: binaryMetrics(yt, p, threshold),
      perFold: null,
      rocAucMean: null,
      rocAucStd: null,
      curves: evaluationCurves(yt, p),
    };
  }

  // Final fit on every labelled row.
  const final = await withProgress(logger, 'final fit on every row', () =>
    fitEstimator(X, y, est, pool, features, logger),
  );
  const base = final.base;
  const importance: FeatureImportance[] = features.map((feature, j) => {
    const d = drops[j]!;
    const mean = d.length > 0 ? d.reduce((a, b) => a + b, 0) / d.length : null;
    const std = mean !== null ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length) : null;
    return {
      feature,
      impurity: base.algo === 'rf' ? base.forest.featureImportances[j]! : null,
      permutationMean: mean,
      permutationStd: std,
      coefficient: base.algo === 'logistic' ? base.fit.coef[j]! : null,
    };
  });
  let positives = 0;
  for (const v of y) if (v === 1) positives++;
  const chain = chainOf(ds);
  const model: PredictModel = {
    format: predictModelFormat,
    version: predictModelVersion,
    toolVersion: env.toolVersion,
    algorithm: algo,
    target: params.target,
    classes: target.classes,
    positiveClass: target.classes[1],
    targetType: target.type,
    id: params.id ?? null,
    features,
    nRows: y.length,
    positives,
    threshold,
    params: {
      algo,
      classWeight: est.classWeight,
      calibrate: est.calibrate,
      calibrationCv: est.calibrate ? calibrationCv : null,
      positiveRule: target.positiveRule,
      seed,
      ...(algo === 'logistic' ? { C, penalty: 'l2', solver: 'newton' } : { forest: forestParams }),
      permutationRepeats: repeats,
      permutationRows: permRows,
    },
    calibration: final.calibrator
      ? { ...final.calibrator, input: algo === 'rf' ? 'probability' : 'decision', cv: calibrationCv }
      : null,
    ...(base.algo === 'logistic'
      ? {
          logistic: {
            mean: base.fit.mean,
            scale: base.fit.scale,
            coef: base.fit.coef,
            intercept: base.fit.intercept,
            coefOriginal: base.fit.coefOriginal,
            interceptOriginal: base.fit.interceptOriginal,
            nIter: base.fit.nIter,
            converged: base.fit.converged,
          },
        }
      : { forest: base.forest.toJSON() }),
    evaluation,
    importance,
    ...(chain.length > 0 ? { chain } : {}),
    inputSchema: inputSchemaOf(features, chain),
  };
  if (base.algo === 'logistic' && !base.fit.converged) {
    warnings.push(`logistic regression did not converge in ${base.fit.nIter} iterations`);
  }
  if (positives < 10 || y.length - positives < 10) {
    warnings.push(
      `only ${Math.min(positives, y.length - positives)} row(s) of the rarer class: the metrics are very uncertain`,
    );
  }
  return { model: sealPredictModel(model), droppedUnlabeled: target.missing, warnings, leftOut };
}

/**
 * Permutation importance on held-out rows (scikit-learn's `permutation_importance` with `scoring="roc_auc"`): the
 * drop in ROC AUC when one column is shuffled, `repeats` times per column (column j, repeat r uses random stream
 * j · repeats + r), on at most `maxRows` rows (a seeded sample, like its `max_samples`). Drops are appended to
 * `out[j]`; nothing is added when the rows hold one class. O(d · repeats · prediction cost of maxRows rows).
 */
async function permutationDrops(
  fitted: Fitted,
  Xall: Matrix,
  yall: Float64Array,
  opts: { repeats: number; maxRows: number; seed: number },
  out: number[][],
  pool?: WorkerPool,
  logger: Logger = silentLogger,
): Promise<void> {
  const { repeats, seed } = opts;
  if (repeats === 0) return;
  let X = Xall;
  let y = yall;
  if (Xall.nRows > opts.maxRows) {
    const rows = new Random(seed, 0x7065726d).sampleIndices(Xall.nRows, opts.maxRows);
    X = takeRows(Xall, rows);
    y = takeValues(yall, rows);
  }
  let pos = 0;
  for (const v of y) if (v === 1) pos++;
  if (pos === 0 || pos === y.length) return;
  const { nRows: n, nCols: d } = X;
  const baseline = rocAuc(y, await predictProbability(fitted, X, pool));
  const progress = logger.progress('permutation repeats', d * repeats);
  const base = fitted.base;
  if (base.algo === 'rf') {
    // Only the (tree, row) pairs whose path splits on the shuffled column are walked again.
    const K = base.forest.classes.length;
    const k = base.forest.classes.indexOf(1);
    const raw = new Float64Array(n);
    const columns = Int32Array.from({ length: d }, (_, j) => j);
    await eachPermutedProba(
      base.forest,
      X,
      columns,
      repeats,
      seed,
      (j, _r, proba) => {
        if (k >= 0) for (let i = 0; i < n; i++) raw[i] = proba[i * K + k]!;
        out[j]!.push(baseline - rocAuc(y, scoresToProbability('rf', fitted.calibrator, raw)));
      },
      pool,
      progress,
    );
    progress.done();
    return;
  }
  const data = X.data.slice();
  const M: Matrix = { data, nRows: n, nCols: d };
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = X.data[i * d + j]!;
    for (let r = 0; r < repeats; r++) {
      const shuffled = new Random(seed, j * repeats + r).shuffle(column.slice());
      for (let i = 0; i < n; i++) data[i * d + j] = shuffled[i]!;
      out[j]!.push(baseline - rocAuc(y, await predictProbability(fitted, M, pool)));
      progress.tick();
    }
    for (let i = 0; i < n; i++) data[i * d + j] = column[i]!;
  }
  progress.done();
}
