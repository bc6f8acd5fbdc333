/**
 * `segment predict report`: the evaluation stored in a propensity model as a versioned JSON report and a
 * self-contained HTML page (model summary, metrics, ROC, precision–recall and calibration curves, importances).
 * Needs only the model: every number comes from its evaluation.
 */
import type { ReportChart } from '../render/charts.js';
import { formatPercent, formatValue } from '../core/format.js';
import { chartBlock, escapeHtml, renderPage } from '../render/page.js';
import type { FeatureImportance, PredictModel } from './predict-model.js';

/** Discriminator and schema version of the JSON report. */
export const predictReportFormat = 'segment.predict-report';
export const predictReportVersion = 1;

/** One bin of the reliability diagram. */
export interface CalibrationBin {
  bin: number;
  /** Bin edges on the probability axis. */
  lower: number;
  upper: number;
  /** Mean predicted probability and share of positives of the bin's rows. */
  predicted: number;
  observed: number;
  count: number;
}

/** The report of a propensity model. */
export interface PredictReport {
  format: typeof predictReportFormat;
  version: number;
  /** Version of segment that wrote the report. */
  toolVersion: string;
  model: {
    /** Where the model was read from (null when reported straight after training without --model). */
    path: string | null;
    hash: string | null;
    toolVersion: string;
    algorithm: 'rf' | 'logistic';
    calibration: 'platt' | 'isotonic' | null;
    classWeight: string | null;
    target: string;
    classes: [string | number, string | number];
    positiveClass: string | number;
    rows: number;
    positives: number;
    features: string[];
    threshold: number;
  };
  evaluation: {
    scheme: 'holdout' | 'cv';
    testSize: number | null;
    folds: number | null;
    /** Evaluated rows (held out, or every row out of fold) and their positives. */
    rows: number;
    positives: number;
    /** positives / rows: the precision of a random ranking, drawn on the PR curve. */
    baseRate: number;
    rocAuc: number | null;
    averagePrecision: number | null;
    logLoss: number;
    brier: number;
    threshold: number;
    confusion: { tn: number; fp: number; fn: number; tp: number };
    precision: number;
    recall: number;
    f1: number;
    accuracy: number;
    rocAucMean: number | null;
    rocAucStd: number | null;
    perFold: NonNullable<PredictModel['evaluation']['perFold']> | null;
  };
  /** Curve points from the model (null when the model holds none). */
  roc: { fpr: number; tpr: number; threshold: number | null }[] | null;
  pr: { recall: number; precision: number; threshold: number | null }[] | null;
  calibration: CalibrationBin[];
  /** Importances, by decreasing permutation importance (impurity when there is none), then feature name. */
  importance: FeatureImportance[];
  notes: string[];
}

/**
 * The report of a model: its summary, the stored evaluation and curves, the calibration bins with their edges
 * (10 uniform bins) and the importances sorted for display. Pure and deterministic. O(features log features + curve
 * points).
 */
export function buildPredictReport(
  model: PredictModel,
  opts: { path: string | null; toolVersion: string },
): PredictReport {
  const e = model.evaluation;
  const m = e.metrics;
  const notes: string[] = [];
  const curves = e.curves;
  if (curves === undefined) {
    notes.push(
      'This model was written before ROC and precision–recall points were stored; train it again to draw those curves.',
    );
  } else if (curves === null) {
    notes.push('The evaluated rows hold one class: the ROC and precision–recall curves are undefined.');
  }
  const nBins = 10;
  const calibration: CalibrationBin[] = m.calibration.bin.map((b, i) => ({
    bin: b,
    lower: b / nBins,
    upper: (b + 1) / nBins,
    predicted: m.calibration.probPred[i]!,
    observed: m.calibration.probTrue[i]!,
    count: m.calibration.count[i]!,
  }));
  const key = (f: FeatureImportance): number => f.permutationMean ?? f.impurity ?? 0;
  const importance = [...model.importance].sort(
    (a, b) => key(b) - key(a) || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0),
  );
  if (model.importance.every((f) => f.permutationMean === null)) {
    notes.push(
      'No permutation importance was measured (--permutation-repeats 0, or held-out rows of one class).',
    );
  }
  if (m.positives < 10 || m.n - m.positives < 10) {
    notes.push(
      `Only ${Math.min(m.positives, m.n - m.positives)} evaluated row(s) of the rarer class: the metrics are very uncertain.`,
    );
  }
  const classWeight = model.params['classWeight'];
  return {
    format: predictReportFormat,
    version: predictReportVersion,
    toolVersion: opts.toolVersion,
    model: {
      path: opts.path,
      hash: model.hash ?? null,
      toolVersion: model.toolVersion,
      algorithm: model.algorithm,
      calibration: model.calibration?.method ?? null,
      classWeight: typeof classWeight === 'string' ? classWeight : null,
      target: model.target,
      classes: model.classes,
      positiveClass: model.positiveClass,
      rows: model.nRows,
      positives: model.positives,
      features: model.features,
      threshold: model.threshold,
    },
    evaluation: {
      scheme: e.scheme,
      testSize: e.testSize,
      folds: e.folds,
      rows: m.n,
      positives: m.positives,
      baseRate: m.positives / m.n,
      rocAuc: m.rocAuc,
      averagePrecision: m.averagePrecision,
      logLoss: m.logLoss,
      brier: m.brier,
      threshold: m.threshold,
      confusion: { ...m.confusion },
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      accuracy: m.accuracy,
      rocAucMean: e.rocAucMean,
      rocAucStd: e.rocAucStd,
      perFold: e.perFold,
    },
    roc: curves
      ? curves.roc.fpr.map((fpr, i) => ({
          fpr,
          tpr: curves.roc.tpr[i]!,
          threshold: curves.roc.threshold[i]!,
        }))
      : null,
    pr: curves
      ? curves.pr.recall.map((recall, i) => ({
          recall,
          precision: curves.pr.precision[i]!,
          threshold: curves.pr.threshold[i]!,
        }))
      : null,
    calibration,
    importance,
    notes,
  };
}

/** A number for the page: '—' when missing, `digits` significant digits (see {@link formatValue}). */
function num(x: number | null | undefined, digits = 4): string {
  return formatValue(x, { digits });
}

/** How the model was evaluated, in words. */
export function schemeText(r: PredictReport): string {
  const ev = r.evaluation;
  return ev.scheme === 'cv'
    ? `${ev.folds}-fold stratified cross-validation (pooled out-of-fold predictions)`
    : `stratified hold-out of ${Math.round((ev.testSize ?? 0) * 100)} % of the rows`;
}

/**
 * The report as one self-contained HTML page (the clustering report's page: inlined Vega runtime, charts rendered as
 * SVG in the page, a Content-Security-Policy forbidding every network request, every data string escaped).
 * Deterministic. O(size of the page).
 */
export async function renderPredictHtml(r: PredictReport, charts: ReportChart[]): Promise<string> {
  const e = escapeHtml;
  const mo = r.model;
  const ev = r.evaluation;
  const cls = (v: string | number) => e(String(v));
  const negative = mo.classes[0] === mo.positiveClass ? mo.classes[1] : mo.classes[0];
  const byId = (id: string) => charts.filter((c) => c.id === id).map(chartBlock);
  const algo = `${mo.algorithm === 'rf' ? 'random forest' : 'logistic regression'}${mo.calibration ? `, ${mo.calibration} calibration` : ''}${mo.classWeight ? `, ${mo.classWeight} class weights` : ''}`;
  const summary: [string, string][] = [
    ['Target', `<code>${e(mo.target)}</code>`],
    ['Positive class', `<code>${cls(mo.positiveClass)}</code> (negative: <code>${cls(negative)}</code>)`],
    ['Algorithm', e(algo)],
    [
      'Training rows',
      `${num(mo.rows)} (${num(mo.positives)} positive, ${formatPercent(mo.positives / Math.max(1, mo.rows))})`,
    ],
    ['Features', `${mo.features.length}: ${mo.features.map((f) => `<code>${e(f)}</code>`).join(', ')}`],
    ['Evaluation', e(schemeText(r))],
    ['Evaluated rows', `${num(ev.rows)} (${num(ev.positives)} positive, base rate ${num(ev.baseRate, 3)})`],
    [
      'Model',
      `${mo.path ? `<code>${e(mo.path)}</code> · ` : ''}segment ${e(mo.toolVersion)}${mo.hash ? ` · ${e(mo.hash.slice(0, 19))}…` : ''}`,
    ],
  ];
  const metrics: [string, string, string][] = [
    [
      'ROC AUC',
      num(ev.rocAuc),
      ev.rocAucMean !== null
        ? `0.5 is chance, 1 is perfect; per fold ${num(ev.rocAucMean)} ± ${num(ev.rocAucStd, 2)}`
        : '0.5 is chance, 1 is perfect',
    ],
    [
      'Average precision',
      num(ev.averagePrecision),
      `area under the PR curve; the base rate ${num(ev.baseRate, 3)} is chance`,
    ],
    ['Log loss', num(ev.logLoss), 'lower is better'],
    ['Brier score', num(ev.brier), 'mean squared error of the probability, lower is better'],
    ['Threshold', num(ev.threshold), 'probability at or above which a row is predicted positive'],
    ['Precision', num(ev.precision), 'share of predicted positives that are positive'],
    ['Recall', num(ev.recall), 'share of positives predicted positive'],
    ['F1', num(ev.f1), 'harmonic mean of precision and recall'],
    ['Accuracy', num(ev.accuracy), 'share of rows predicted right'],
  ];
  const c = ev.confusion;
  const perFold = ev.perFold
    ? `<table id="folds"><thead><tr><th>Fold</th><th>Rows</th><th>Positives</th><th>ROC AUC</th><th>Average precision</th><th>Log loss</th><th>Brier</th></tr></thead><tbody>
${ev.perFold.map((f) => `<tr><td>${f.fold + 1}</td><td>${num(f.n)}</td><td>${num(f.positives)}</td><td>${num(f.rocAuc)}</td><td>${num(f.averagePrecision)}</td><td>${num(f.logLoss)}</td><td>${num(f.brier)}</td></tr>`).join('\n')}
</tbody></table>`
    : '';
  const imp = r.importance.slice(0, 30);
  const body = `<header>
<h1>Propensity model report</h1>
<p class="meta">${e(algo)} · target <code>${e(mo.target)}</code> = <code>${cls(mo.positiveClass)}</code> · ${mo.rows.toLocaleString('en-US')} rows · ${mo.features.length} features · ${e(schemeText(r))}</p>
</header>
${r.notes.length > 0 ? `<section id="notes"><h2>Notes</h2>${r.notes.map((n) => `<div class="warn">${e(n)}</div>`).join('\n')}</section>` : ''}
<section id="summary">
<h2>Model</h2>
<table><tbody>
${summary.map(([k, v]) => `<tr><th>${e(k)}</th><td style="text-align:left">${v}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section id="metrics">
<h2>Evaluation</h2>
<table><thead><tr><th>Metric</th><th>Value</th><th style="text-align:left">Reading</th></tr></thead><tbody>
${metrics.map(([a, b, d]) => `<tr><td>${e(a)}</td><td>${e(b)}</td><td style="text-align:left">${e(d)}</td></tr>`).join('\n')}
</tbody></table>
<table id="confusion"><caption class="meta">Confusion matrix at threshold ${e(num(ev.threshold))}</caption><thead><tr><th>Actual \\ predicted</th><th>${cls(negative)}</th><th>${cls(mo.positiveClass)}</th></tr></thead><tbody>
<tr><td>${cls(negative)}</td><td>${c.tn.toLocaleString('en-US')} <span class="meta">TN</span></td><td>${c.fp.toLocaleString('en-US')} <span class="meta">FP</span></td></tr>
<tr><td>${cls(mo.positiveClass)}</td><td>${c.fn.toLocaleString('en-US')} <span class="meta">FN</span></td><td>${c.tp.toLocaleString('en-US')} <span class="meta">TP</span></td></tr>
</tbody></table>
${perFold}
</section>
${r.roc || r.pr ? `<section id="curves"><h2>ROC and precision–recall curves</h2><div class="grid2">${[...byId('roc'), ...byId('pr')].join('\n')}</div></section>` : ''}
<section id="calibration">
<h2>Calibration</h2>
${byId('calibration').join('\n')}
<p class="meta">Points on the diagonal are calibrated: of the rows given probability p, a share p is positive. Bars: evaluated rows per bin (empty bins left out).</p>
</section>
<section id="importance">
<h2>Feature importance</h2>
<div class="grid2">${[...byId('importance-permutation'), ...byId('importance-impurity')].join('\n')}</div>
<table><thead><tr><th>Feature</th><th>Permutation (AUC drop)</th><th>± std</th><th>Impurity</th>${mo.algorithm === 'logistic' ? '<th>Coefficient (standardised)</th>' : ''}</tr></thead><tbody>
${imp.map((f) => `<tr><td>${e(f.feature)}</td><td>${num(f.permutationMean)}</td><td>${num(f.permutationStd, 2)}</td><td>${num(f.impurity)}</td>${mo.algorithm === 'logistic' ? `<td>${num(f.coefficient)}</td>` : ''}</tr>`).join('\n')}
</tbody></table>
${r.importance.length > imp.length ? `<p class="meta">The first ${imp.length} of ${r.importance.length} features; the JSON report has all.</p>` : ''}
</section>
`;
  return renderPage({ title: 'Propensity model report', toolVersion: r.toolVersion, body, charts });
}
