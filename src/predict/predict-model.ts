import type { InputColumn } from '../core/chain.js';
import { withContentHash } from '../core/content-hash.js';
import type { ChainEntry } from '../core/chain.js';
import { loadModelFile, type SavedModelKind } from '../core/model-kind.js';
import {
  expectDistinct,
  expectLength,
  problem,
  schemaParts,
  parseModel,
  type ModelSpec,
} from '../core/model-schema.js';
import { checkChain } from '../model/kinds.js';
import type { ForestJson } from '../forest/forest.js';
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

const S = schemaParts;
const curve = (a: string, b: string): object =>
  S.object({ [a]: S.numbers, [b]: S.numbers, threshold: { type: 'array', items: S.numberOrNull } });
const classValue = { type: ['string', 'number'] };

/** JSON Schema of a propensity model; the cross-field checks are in {@link checkPredictModel}. */
export const predictModelSchema = {
  type: 'object',
  required: [
    'format',
    'version',
    'algorithm',
    'target',
    'classes',
    'positiveClass',
    'features',
    'threshold',
    'evaluation',
    'importance',
  ],
  properties: {
    ...S.header(predictModelFormat),
    algorithm: { enum: ['rf', 'logistic'] },
    target: S.name,
    classes: { type: 'array', items: classValue, minItems: 2, maxItems: 2 },
    positiveClass: classValue,
    targetType: { enum: ['boolean', 'integer', 'double', 'text'] },
    features: { type: 'array', items: S.name, minItems: 1 },
    nRows: S.count,
    positives: S.count,
    threshold: { type: 'number', minimum: 0, maximum: 1 },
    params: { type: 'object' },
    calibration: S.nullable({
      type: 'object',
      required: ['method', 'input'],
      properties: {
        method: { enum: ['platt', 'isotonic'] },
        input: { enum: ['probability', 'decision'] },
      },
      allOf: [
        S.when('method', 'platt', S.object({ a: S.number, b: S.number })),
        S.when('method', 'isotonic', S.object({ x: { ...S.numbers, minItems: 1 }, y: S.numbers })),
      ],
    }),
    logistic: S.object({
      mean: S.numbers,
      scale: S.numbers,
      coef: S.numbers,
      intercept: S.number,
    }),
    forest: S.object({ nFeatures: S.count, classes: { type: 'array' }, trees: { type: 'object' } }),
    evaluation: S.object(
      {
        scheme: { enum: ['holdout', 'cv'] },
        metrics: S.object({
          n: S.count,
          positives: S.count,
          rocAuc: S.numberOrNull,
          averagePrecision: S.numberOrNull,
          logLoss: S.numberOrNull,
          brier: S.numberOrNull,
          threshold: S.number,
          confusion: S.object({ tn: S.count, fp: S.count, fn: S.count, tp: S.count }),
          calibration: S.object({
            probTrue: S.numbers,
            probPred: S.numbers,
            count: S.numbers,
            bin: S.numbers,
          }),
        }),
        curves: S.nullable(
          S.object({ roc: curve('fpr', 'tpr'), pr: curve('recall', 'precision') }, ['roc', 'pr']),
        ),
      },
      ['scheme', 'metrics'],
    ),
    importance: {
      type: 'array',
      items: S.object(
        {
          feature: S.name,
          impurity: S.numberOrNull,
          permutationMean: S.numberOrNull,
          permutationStd: S.numberOrNull,
          coefficient: S.numberOrNull,
        },
        ['feature'],
      ),
    },
    chain: { type: 'array', items: S.object({ stage: { type: 'string' }, model: {} }) },
    inputSchema: {
      type: 'array',
      items: S.object({ name: S.name, kind: { enum: ['numeric', 'categorical', 'string'] } }),
    },
    hash: { type: 'string' },
  },
  allOf: [
    S.when('algorithm', 'rf', { required: ['forest'] }),
    S.when('algorithm', 'logistic', { required: ['logistic'] }),
  ],
};

/**
 * The checks a schema cannot express: distinct features, the positive class among the classes, the estimator sized
 * for the features, calibration points and stored curves of equal lengths, importances of known features.
 * O(model size).
 * @throws ModelProblem naming the JSON path at fault.
 */
export function checkPredictModel(m: PredictModel): void {
  const d = m.features.length;
  expectDistinct(m.features, 'features');
  if (!m.classes.includes(m.positiveClass))
    problem('positiveClass', `is ${JSON.stringify(m.positiveClass)}, not one of the classes`);
  if (m.forest && m.forest.nFeatures !== d)
    problem('forest.nFeatures', `is ${m.forest.nFeatures} but the model has ${d} feature(s)`);
  if (m.logistic) {
    for (const key of ['mean', 'scale', 'coef'] as const)
      expectLength(m.logistic[key], d, `logistic.${key}`, 'the features are');
  }
  const cal = m.calibration;
  if (cal?.method === 'isotonic') expectLength(cal.y, cal.x.length, 'calibration.y', 'calibration.x has');
  const bins = m.evaluation.metrics.calibration;
  for (const key of ['probPred', 'count', 'bin'] as const)
    expectLength(bins[key], bins.probTrue.length, `evaluation.metrics.calibration.${key}`, 'probTrue has');
  const curves = m.evaluation.curves;
  if (curves) {
    expectLength(curves.roc.tpr, curves.roc.fpr.length, 'evaluation.curves.roc.tpr', 'fpr has');
    expectLength(
      curves.pr.precision,
      curves.pr.recall.length,
      'evaluation.curves.pr.precision',
      'recall has',
    );
  }
  const known = new Set(m.features);
  m.importance.forEach((f, i) => {
    if (!known.has(f.feature))
      problem(`importance[${i}].feature`, `is '${f.feature}', not one of the features`);
  });
}

/** What the propensity model's loader checks, and how its messages name it. */
const predictModelSpec: ModelSpec<PredictModel> = {
  format: predictModelFormat,
  version: predictModelVersion,
  name: 'propensity model',
  versionLabel: 'model',
  schema: predictModelSchema,
  check: checkPredictModel,
  hint: 'write one with segment predict train --model',
  recreate: 're-create it with segment predict train --model',
  rewrite: 'train it again with segment predict train --model',
  hash: 'required',
};

/** The propensity model as a saved model kind (the chain it carries is checked by {@link loadPredictModel}). */
export const predictModelKind: SavedModelKind<PredictModel> = {
  format: predictModelFormat,
  file: 'model file',
  hint: predictModelSpec.hint,
  load: (json, source) => parseModel(json, source, predictModelSpec),
  toJSON: predictModelText,
};

/**
 * Load and validate a propensity model file: format, version, content hash (required), then structure
 * ({@link predictModelSchema}, {@link checkPredictModel}) and the stages of its chain.
 * @throws DataError when the file is missing, not JSON, not a propensity model, from a newer version, altered
 *   after it was written (hash mismatch) or malformed (`invalid model: <json path> <what>`).
 */
export async function loadPredictModel(path: string): Promise<PredictModel> {
  const model = await loadModelFile(path, predictModelKind);
  checkChain(model.chain, path);
  return model;
}
