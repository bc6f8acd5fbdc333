import type { InputColumn } from '../cluster/model.js';
import { assertContentHash, withContentHash } from '../core/content-hash.js';
import type { ChainEntry } from '../core/chain.js';
import { DataError } from '../core/errors.js';
import type { ForestJson } from '../forest/forest.js';
import { readJsonFile } from '../io/json-file.js';
import type { Calibrator } from './calibration.js';
import type { BinaryMetrics } from './metrics.js';
import type { EvaluationCurves } from './report-curves.js';

/** Discriminator and schema version of saved propensity models. */
export const predictModelFormat = 'segment.predict-model';
export const predictModelVersion = 1;

/** The logistic part of a model: standardisation and coefficients on both scales. */
export interface LogisticPart {
  mean: number[];
  scale: number[];
  coef: number[];
  intercept: number;
  coefOriginal: number[];
  interceptOriginal: number;
  nIter: number;
  converged: boolean;
}

/**
 * The calibration of a model: the calibrator, what it reads (`probability`: the forest's positive-class share;
 * `decision`: the logistic log-odds) and the folds its out-of-fold scores came from.
 */
export type CalibrationPart = Calibrator & { input: 'probability' | 'decision'; cv: number };

/** Importance of one feature. */
export interface FeatureImportance {
  feature: string;
  /** Random forest: mean decrease in Gini impurity of the final forest (sums to 1); null for logistic. */
  impurity: number | null;
  /** Mean drop in held-out ROC AUC when the feature is shuffled, and its population std over repeats and folds. */
  permutationMean: number | null;
  permutationStd: number | null;
  /** Logistic: coefficient on standardised inputs; null for the forest. */
  coefficient: number | null;
}

/** How the model was evaluated before the final refit, and what it scored. */
export interface Evaluation {
  scheme: 'holdout' | 'cv';
  /** Hold-out share, or null for cross-validation. */
  testSize: number | null;
  /** Folds, or null for a hold-out split. */
  folds: number | null;
  /** Metrics on the held-out rows (hold-out) or on the pooled out-of-fold predictions (cv). */
  metrics: BinaryMetrics;
  /** Cross-validation: the main metrics per fold. */
  perFold:
    | {
        fold: number;
        n: number;
        positives: number;
        rocAuc: number | null;
        averagePrecision: number | null;
        logLoss: number;
        brier: number;
      }[]
    | null;
  /** Cross-validation: mean and population std of the per-fold ROC AUC. */
  rocAucMean: number | null;
  rocAucStd: number | null;
  /**
   * ROC and precision–recall points of the same predictions as `metrics`, thinned to at most 200 each; null when the
   * rows hold one class, absent in models written before the curves were recorded.
   */
  curves?: EvaluationCurves | null;
}

/** A saved propensity model (`segment predict train --model`). */
export interface PredictModel {
  format: typeof predictModelFormat;
  version: number;
  toolVersion: string;
  algorithm: 'rf' | 'logistic';
  target: string;
  /** [negative, positive] class values as found in the target column. */
  classes: [string | number, string | number];
  positiveClass: string | number;
  /** Type of the target column; the predicted class is written in it (booleans as true/false). */
  targetType: 'boolean' | 'integer' | 'double' | 'text';
  id: string | null;
  /** Feature columns, in matrix order. */
  features: string[];
  /** Labelled rows the final model was fitted on. */
  nRows: number;
  positives: number;
  /** Probability at or above which a row is predicted positive. */
  threshold: number;
  params: Record<string, unknown>;
  calibration: CalibrationPart | null;
  logistic?: LogisticPart;
  forest?: ForestJson;
  evaluation: Evaluation;
  importance: FeatureImportance[];
  /** The fitted stages (clean, select) that produced the training data, replayed on raw input when scoring. */
  chain?: ChainEntry[];
  /** Columns raw input must have. */
  inputSchema?: InputColumn[];
  /** `sha256:<hex>` of the file's JSON without this field. */
  hash?: string;
}

/** The model with its content hash set (any change to the content must go through here). O(size). */
export function sealPredictModel(model: PredictModel): PredictModel {
  return withContentHash(model);
}

/** The model's file text: one JSON line and a newline. */
export function predictModelText(model: PredictModel): string {
  return JSON.stringify(model) + '\n';
}

/**
 * Load and validate a propensity model file.
 * @throws DataError when the file is missing, not JSON, not a propensity model, from a newer version, altered
 *   after it was written (hash mismatch) or incomplete.
 */
export async function loadPredictModel(path: string): Promise<PredictModel> {
  const hint = 'write one with segment predict train --model';
  const o = (await readJsonFile(path, 'model file', hint)) as Partial<PredictModel> | null;
  if (!o || typeof o !== 'object' || o.format !== predictModelFormat) {
    throw new DataError(`${path}: not a propensity model (no "format": "${predictModelFormat}")`, hint);
  }
  if (typeof o.version !== 'number' || o.version > predictModelVersion) {
    throw new DataError(
      `${path}: model version ${String(o.version)} is newer than this segment understands (${predictModelVersion})`,
      'upgrade segment',
    );
  }
  assertContentHash(o, path, 'train it again with segment predict train --model');
  const ok =
    Array.isArray(o.features) &&
    Array.isArray(o.classes) &&
    o.classes.length === 2 &&
    typeof o.threshold === 'number' &&
    ((o.algorithm === 'rf' && typeof o.forest === 'object' && o.forest !== null) ||
      (o.algorithm === 'logistic' && typeof o.logistic === 'object' && o.logistic !== null));
  if (!ok)
    throw new DataError(`${path}: model file is incomplete (features, classes or estimator missing)`, hint);
  return o as PredictModel;
}
