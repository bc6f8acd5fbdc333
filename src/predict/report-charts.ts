/**
 * Vega-Lite charts of a propensity model report: ROC, precision–recall, the reliability diagram and the feature
 * importances. Every value comes from the report (hence from the model); data strings travel as data, never as markup.
 */
import { numberFormat, vegaLiteSchema, type ReportChart, type VegaLiteSpec } from '../render/charts.js';
import type { PredictReport } from './report.js';

/** Most features drawn in an importance chart (the JSON report has all). */
export const MAX_IMPORTANCE_BARS = 30;

const unit = { domain: [0, 1], nice: false };
const diagonalLayer = (x: string, y: string): Record<string, unknown> => ({
  data: {
    values: [
      { [x]: 0, [y]: 0 },
      { [x]: 1, [y]: 1 },
    ],
  },
  mark: { type: 'line', strokeDash: [4, 4], color: '#8a96a3', strokeWidth: 1 },
  encoding: {
    x: { field: x, type: 'quantitative' },
    y: { field: y, type: 'quantitative' },
  },
});

function rocSpec(r: PredictReport): VegaLiteSpec | null {
  if (!r.roc) return null;
  return {
    $schema: vegaLiteSchema,
    width: 420,
    height: 380,
    layer: [
      diagonalLayer('fpr', 'tpr'),
      {
        data: { values: r.roc.map((p) => ({ ...p })) },
        mark: { type: 'line', color: '#2b6cb0', strokeWidth: 2, tooltip: true },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false-positive rate', scale: unit },
          y: { field: 'tpr', type: 'quantitative', title: 'true-positive rate (recall)', scale: unit },
          tooltip: [
            { field: 'fpr', title: 'false-positive rate', format: '.3f' },
            { field: 'tpr', title: 'true-positive rate', format: '.3f' },
            { field: 'threshold', title: 'threshold', format: '.4f' },
          ],
        },
      },
    ],
  };
}

function prSpec(r: PredictReport): VegaLiteSpec | null {
  if (!r.pr) return null;
  const base = r.evaluation.baseRate;
  return {
    $schema: vegaLiteSchema,
    width: 420,
    height: 380,
    layer: [
      {
        data: { values: r.pr.map((p) => ({ ...p })) },
        mark: { type: 'line', interpolate: 'step-before', color: '#2b6cb0', strokeWidth: 2, tooltip: true },
        encoding: {
          x: { field: 'recall', type: 'quantitative', title: 'recall', scale: unit },
          y: { field: 'precision', type: 'quantitative', title: 'precision', scale: unit },
          tooltip: [
            { field: 'recall', title: 'recall', format: '.3f' },
            { field: 'precision', title: 'precision', format: '.3f' },
            { field: 'threshold', title: 'threshold', format: '.4f' },
          ],
        },
      },
      {
        data: { values: [{ baseRate: base, label: `base rate ${base.toFixed(3)}` }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#c0392b' },
        encoding: { y: { field: 'baseRate', type: 'quantitative' } },
      },
      {
        data: { values: [{ baseRate: base, label: `base rate ${base.toFixed(3)}` }] },
        mark: { type: 'text', align: 'left', dx: 4, dy: -4, baseline: 'bottom', color: '#c0392b' },
        encoding: {
          y: { field: 'baseRate', type: 'quantitative' },
          x: { value: 0 },
          text: { field: 'label' },
        },
      },
    ],
  };
}

function calibrationSpec(r: PredictReport): VegaLiteSpec {
  const bins = r.calibration.map((b) => ({ ...b }));
  const x = { field: 'predicted', type: 'quantitative', title: 'mean predicted probability', scale: unit };
  return {
    $schema: vegaLiteSchema,
    data: { values: bins },
    vconcat: [
      {
        width: 460,
        height: 320,
        layer: [
          diagonalLayer('predicted', 'observed'),
          {
            mark: { type: 'line', point: { filled: true, size: 50 }, color: '#2b6cb0', tooltip: true },
            encoding: {
              x,
              y: { field: 'observed', type: 'quantitative', title: 'share of positives', scale: unit },
              tooltip: [
                { field: 'lower', title: 'bin from', format: '.1f' },
                { field: 'upper', title: 'bin to', format: '.1f' },
                { field: 'predicted', title: 'mean predicted', format: '.3f' },
                { field: 'observed', title: 'share positive', format: '.3f' },
                { field: 'count', title: 'rows' },
              ],
            },
          },
        ],
      },
      {
        width: 460,
        height: 90,
        mark: { type: 'rect', color: '#8fb3d9', stroke: '#ffffff', tooltip: true },
        encoding: {
          x: { field: 'lower', type: 'quantitative', title: 'predicted probability (bin)', scale: unit },
          x2: { field: 'upper' },
          y: { field: 'count', type: 'quantitative', title: 'rows' },
          y2: { datum: 0 },
          tooltip: [
            { field: 'lower', title: 'bin from', format: '.1f' },
            { field: 'upper', title: 'bin to', format: '.1f' },
            { field: 'count', title: 'rows' },
          ],
        },
      },
    ],
  };
}

function importanceSpec(r: PredictReport, kind: 'permutation' | 'impurity'): VegaLiteSpec | null {
  const rows = r.importance
    .map((f) =>
      kind === 'permutation'
        ? { feature: f.feature, value: f.permutationMean, std: f.permutationStd }
        : { feature: f.feature, value: f.impurity, std: null },
    )
    .filter((f): f is { feature: string; value: number; std: number | null } => f.value !== null)
    .sort((a, b) => b.value - a.value || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
    .slice(0, MAX_IMPORTANCE_BARS)
    .map((f) => ({
      ...f,
      lower: f.std === null ? null : f.value - f.std,
      upper: f.std === null ? null : f.value + f.std,
    }));
  if (rows.length === 0) return null;
  const order = rows.map((f) => f.feature);
  const y = { field: 'feature', type: 'nominal', sort: order, title: null };
  const title = kind === 'permutation' ? 'drop in ROC AUC when shuffled' : 'mean decrease in Gini impurity';
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'bar', color: kind === 'permutation' ? '#2b6cb0' : '#6b8e23', tooltip: true },
      encoding: {
        y,
        x: { field: 'value', type: 'quantitative', title },
        tooltip: [
          { field: 'feature', title: 'feature' },
          { field: 'value', title, format: numberFormat },
          ...(kind === 'permutation' ? [{ field: 'std', title: 'std', format: numberFormat }] : []),
        ],
      },
    },
  ];
  if (kind === 'permutation' && rows.some((f) => f.std !== null)) {
    layers.push({
      mark: { type: 'rule', color: '#1d2733' },
      encoding: { y, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } },
    });
  }
  return {
    $schema: vegaLiteSchema,
    width: 380,
    height: { step: 20 },
    data: { values: rows },
    layer: layers,
  };
}

/**
 * Every chart of a propensity report, in page order: `roc` (with the chance diagonal), `pr` (step curve, base-rate
 * rule), `calibration` (reliability diagram with the diagonal over the bin counts), `importance-permutation` (bars
 * with ± one std) and `importance-impurity` (random forest). Charts without data are left out. O(points + features).
 */
export function predictReportCharts(r: PredictReport): ReportChart[] {
  const out: ReportChart[] = [];
  const auc = r.evaluation.rocAuc;
  const ap = r.evaluation.averagePrecision;
  const roc = rocSpec(r);
  if (roc)
    out.push({ id: 'roc', title: `ROC curve (AUC ${auc === null ? '—' : auc.toFixed(3)})`, spec: roc });
  const pr = prSpec(r);
  if (pr)
    out.push({
      id: 'pr',
      title: `Precision–recall curve (average precision ${ap === null ? '—' : ap.toFixed(3)})`,
      spec: pr,
    });
  if (r.calibration.length > 0)
    out.push({ id: 'calibration', title: 'Reliability diagram (10 bins)', spec: calibrationSpec(r) });
  const perm = importanceSpec(r, 'permutation');
  if (perm)
    out.push({ id: 'importance-permutation', title: 'Permutation importance (held-out rows)', spec: perm });
  const imp = importanceSpec(r, 'impurity');
  if (imp) out.push({ id: 'importance-impurity', title: 'Impurity importance (final forest)', spec: imp });
  return out;
}
