/**
 * One propensity estimator behind `segment predict`: a random forest or a logistic regression, optionally with a
 * calibrator fitted on out-of-fold scores. Fitting on a subset of rows is what evaluation and calibration use.
 */
import type { Matrix } from '../core/matrix.js';
import type { Logger, Progress } from '../core/logger.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { FittedForest } from '../forest/forest.js';
import { fitForest, type ForestParams } from '../forest/forest.js';
import { applyCalibrator, fitCalibrator, type CalibrationMethod, type Calibrator } from './calibration.js';
import { fitLogistic, logisticDecision, sigmoid, type LogisticFit } from './logistic.js';
import { binaryFolds, foldRows } from './split.js';

/** What an estimator is fitted with. */
export interface EstimatorParams {
  algo: 'rf' | 'logistic';
  /** Logistic inverse regularisation strength. */
  C: number;
  forest: ForestParams;
  classWeight: 'balanced' | null;
  calibrate: CalibrationMethod | null;
  /** Folds whose out-of-fold scores the calibrator is fitted on. */
  calibrationCv: number;
  seed: number;
  /** Most nodes a forest may hold (from the memory budget); absent: no limit. */
  maxNodes?: number | undefined;
}

/** A fitted base estimator. */
export type BaseFit = { algo: 'rf'; forest: FittedForest } | { algo: 'logistic'; fit: LogisticFit };

/** A base estimator and the calibrator of its scores (null: none). */
export interface Fitted {
  base: BaseFit;
  calibrator: Calibrator | null;
}

/** Rows `rows` of a matrix (a copy). O(|rows| · d). */
export function takeRows(X: Matrix, rows: Int32Array): Matrix {
  const d = X.nCols;
  const data = new Float64Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) data.set(X.data.subarray(rows[k]! * d, rows[k]! * d + d), k * d);
  return { data, nRows: rows.length, nCols: d };
}

/** Entries `rows` of a vector. */
export function takeValues(v: Float64Array, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => v[i]!);
}

/** Per-row weights n / (2 · n_class) (scikit-learn's balanced class weights). O(n). */
export function balancedWeights(y: Float64Array): Float64Array {
  let pos = 0;
  for (const v of y) if (v === 1) pos++;
  const neg = y.length - pos;
  const wPos = pos > 0 ? y.length / (2 * pos) : 0;
  const wNeg = neg > 0 ? y.length / (2 * neg) : 0;
  return Float64Array.from(y, (v) => (v === 1 ? wPos : wNeg));
}

/**
 * Fit the base estimator on all rows of X (y holds 0/1). Random forest: {@link fitForest} with the forest
 * parameters, seeded, on the pool; logistic: {@link fitLogistic}. Cost of the chosen estimator.
 */
export async function fitBase(
  X: Matrix,
  y: Float64Array,
  p: EstimatorParams,
  pool?: WorkerPool,
  featureNames?: readonly string[],
  logger?: Logger,
): Promise<BaseFit> {
  if (p.algo === 'rf') {
    const forest = await fitForest(
      X,
      y,
      { ...p.forest, seed: p.seed },
      {
        pool,
        featureNames,
        classWeight: p.classWeight ?? undefined,
        maxNodes: p.maxNodes,
        budgetHint:
          'limit the trees with --max-depth (e.g. 12) or --min-samples-leaf (e.g. 20), or train on --sample',
        logger,
      },
    );
    return { algo: 'rf', forest };
  }
  const fit = fitLogistic(X, y, { C: p.C }, p.classWeight === 'balanced' ? balancedWeights(y) : undefined);
  return { algo: 'logistic', fit };
}

/**
 * The scores a calibrator reads: the forest's positive-class probability, or the logistic log-odds (as
 * `CalibratedClassifierCV` uses `predict_proba` when there is no `decision_function`). O(n · model).
 */
export async function rawScores(base: BaseFit, X: Matrix, pool?: WorkerPool): Promise<Float64Array> {
  if (base.algo === 'logistic') return logisticDecision(base.fit, X);
  return forestPositive(base.forest, X, pool);
}

/** Positive-class (code 1) probability of a forest; a forest that saw one class gives 0 or 1. */
export async function forestPositive(
  forest: FittedForest,
  X: Matrix,
  pool?: WorkerPool,
  progress?: Progress,
): Promise<Float64Array> {
  const K = forest.classes.length;
  const k = forest.classes.indexOf(1);
  const proba = await forest.predictProba(X, pool, progress);
  const out = new Float64Array(X.nRows);
  if (k >= 0) for (let i = 0; i < X.nRows; i++) out[i] = proba[i * K + k]!;
  return out;
}

/** Probabilities from raw scores: calibrated when there is a calibrator, else the forest share or σ(log-odds). */
export function scoresToProbability(
  algo: 'rf' | 'logistic',
  calibrator: Calibrator | null,
  raw: Float64Array,
): Float64Array {
  if (calibrator) return applyCalibrator(calibrator, raw);
  if (algo === 'rf') return raw;
  return raw.map(sigmoid);
}

/** Positive-class probabilities of a fitted estimator. O(n · model). */
export async function predictProbability(f: Fitted, X: Matrix, pool?: WorkerPool): Promise<Float64Array> {
  return scoresToProbability(f.base.algo, f.calibrator, await rawScores(f.base, X, pool));
}

/**
 * Fit an estimator on rows of X. With calibration, as `CalibratedClassifierCV(cv=k, ensemble=False)`: the rows
 * are split into `calibrationCv` stratified folds (seeded), a base estimator fitted on the other folds scores each
 * fold, one calibrator is fitted on those out-of-fold scores, and the base estimator is refitted on all the rows.
 * Cost: (calibrationCv + 1) base fits with calibration, one without.
 */
export async function fitEstimator(
  X: Matrix,
  y: Float64Array,
  p: EstimatorParams,
  pool?: WorkerPool,
  featureNames?: readonly string[],
  logger?: Logger,
): Promise<Fitted> {
  let calibrator: Calibrator | null = null;
  if (p.calibrate) {
    const folds = binaryFolds(y, p.calibrationCv, p.seed + 1, 'calibration');
    const oof = new Float64Array(y.length);
    for (let f = 0; f < p.calibrationCv; f++) {
      const { train, test } = foldRows(folds, f);
      const base = await fitBase(takeRows(X, train), takeValues(y, train), p, pool, undefined, logger);
      const s = await rawScores(base, takeRows(X, test), pool);
      test.forEach((i, k) => (oof[i] = s[k]!));
    }
    calibrator = fitCalibrator(p.calibrate, oof, y);
  }
  const base = await fitBase(X, y, p, pool, featureNames, logger);
  return { base, calibrator };
}
