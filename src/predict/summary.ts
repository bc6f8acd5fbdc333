import type { PredictModel } from './predict-model.js';

/**
 * What `predict train --json` shows of a fitted model: the algorithm, target and classes, the evaluation (metrics
 * to 6 significant digits, confusion matrix as [[tn, fp], [fn, tp]]), importances, coefficients and calibration.
 */
export function predictModelSummary(model: PredictModel): Record<string, unknown> {
  const e = model.evaluation;
  const m = e.metrics;
  const r = (v: number | null): number | null => (v === null ? null : Number(v.toPrecision(6)));
  return {
    algorithm: model.algorithm,
    target: model.target,
    classes: model.classes,
    positiveClass: model.positiveClass,
    rows: model.nRows,
    positives: model.positives,
    features: model.features,
    evaluation: {
      scheme: e.scheme,
      testSize: e.testSize,
      folds: e.folds,
      rows: m.n,
      positives: m.positives,
      rocAuc: r(m.rocAuc),
      averagePrecision: r(m.averagePrecision),
      logLoss: r(m.logLoss),
      brier: r(m.brier),
      threshold: m.threshold,
      confusion: [
        [m.confusion.tn, m.confusion.fp],
        [m.confusion.fn, m.confusion.tp],
      ],
      precision: r(m.precision),
      recall: r(m.recall),
      f1: r(m.f1),
      accuracy: r(m.accuracy),
      calibrationCurve: m.calibration,
      perFold: e.perFold,
      rocAucMean: r(e.rocAucMean),
      rocAucStd: r(e.rocAucStd),
    },
    importance: model.importance,
    coefficients: model.logistic
      ? {
          standardised: Object.fromEntries(model.features.map((f, j) => [f, model.logistic!.coef[j]])),
          interceptStandardised: model.logistic.intercept,
          original: Object.fromEntries(model.features.map((f, j) => [f, model.logistic!.coefOriginal[j]])),
          interceptOriginal: model.logistic.interceptOriginal,
        }
      : null,
    calibration: model.calibration
      ? model.calibration.method === 'platt'
        ? { method: 'platt', a: model.calibration.a, b: model.calibration.b, input: model.calibration.input }
        : { method: 'isotonic', points: model.calibration.x.length, input: model.calibration.input }
      : null,
  };
}

/** The one-line outcome of training: algorithm, rows, ROC AUC, average precision, log loss, where and how long. */
export function trainedLine(model: PredictModel, fitSeconds: number): string {
  const m = model.evaluation.metrics;
  const where =
    model.evaluation.scheme === 'cv'
      ? `${model.evaluation.folds}-fold cross-validation`
      : `${Math.round((model.evaluation.testSize ?? 0) * 100)}% held-out rows`;
  return (
    `${model.algorithm}${model.calibration ? ` (${model.calibration.method})` : ''} on ${model.nRows} rows: ` +
    `ROC AUC ${m.rocAuc === null ? 'n/a' : m.rocAuc.toFixed(3)}, average precision ` +
    `${m.averagePrecision === null ? 'n/a' : m.averagePrecision.toFixed(3)}, log loss ${m.logLoss.toFixed(3)} ` +
    `(${where}; ${fitSeconds.toFixed(2)} s)`
  );
}
