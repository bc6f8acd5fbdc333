import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, numericColumn, stringColumn, type Column } from '../../src/core/dataset.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import type { PredictModel } from '../../src/predict/predict-model.js';
import { buildPredictReport, renderPredictHtml } from '../../src/predict/report.js';
import { MAX_IMPORTANCE_BARS, predictReportCharts } from '../../src/predict/report-charts.js';
import { evaluationCurves, MAX_CURVE_POINTS, thinIndices } from '../../src/predict/report-curves.js';
import { trainPropensity } from '../../src/predict/train.js';
import { churnFeatures, makeChurn } from './churn-data.js';

const pool = new WorkerPool(2);
afterAll(async () => {
  await pool.close();
});

function churnDataset(n: number, seed: number, rename: (f: string) => string = (f) => f): Dataset {
  const { X, y } = makeChurn(n, seed);
  const d = churnFeatures.length;
  const cols: Column[] = [
    stringColumn(
      'customer_id',
      Array.from({ length: n }, (_, i) => `C${i + 1}`),
    ),
  ];
  churnFeatures.forEach((f, j) =>
    cols.push(
      numericColumn(
        rename(f),
        Float64Array.from({ length: n }, (_, i) => X[i * d + j]!),
      ),
    ),
  );
  cols.push(numericColumn('churned', y, 'integer'));
  return Dataset.of(cols);
}

const env = { pool, toolVersion: 'test' };
const evil = '<script>alert(1)</script>';
const dsRf = churnDataset(800, 3, (f) => (f === 'income' ? evil : f));
const rf = (
  await trainPropensity(
    dsRf,
    { target: 'churned', id: 'customer_id', forest: { nEstimators: 25 }, seed: 4 },
    env,
  )
).model;
const lr = (
  await trainPropensity(
    churnDataset(1200, 8),
    { target: 'churned', id: 'customer_id', algorithm: 'logistic', cv: 4, seed: 4 },
    env,
  )
).model;

/** Trapezoid area under a curve given by increasing x. */
function trapezoid(x: number[], y: number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return s;
}

describe('curve points', () => {
  it('thinIndices keeps everything up to max, else max evenly spread indices with both ends', () => {
    expect(thinIndices(5, 200)).toEqual([0, 1, 2, 3, 4]);
    expect(thinIndices(200, 200)).toHaveLength(200);
    const t = thinIndices(1001, 5);
    expect(t).toEqual([0, 250, 500, 750, 1000]);
    const u = thinIndices(12345, 200);
    expect(u).toHaveLength(200);
    expect(u[0]).toBe(0);
    expect(u[199]).toBe(12344);
    for (let i = 1; i < u.length; i++) expect(u[i]!).toBeGreaterThan(u[i - 1]!);
    expect(thinIndices(12345, 200)).toEqual(u);
    expect(thinIndices(201, 200)).toHaveLength(200);
    expect(() => thinIndices(10, 1)).toThrow(RangeError);
  });

  it('ROC and PR points equal scikit-learn 1.2 roc_curve(drop_intermediate=True) and precision_recall_curve', () => {
    const y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1];
    const p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.35, 0.7, 0.6, 0.05, 0.6];
    const c = evaluationCurves(y, p)!;
    // roc_curve: fpr, tpr, thresholds (its first threshold, max + 1, is null here).
    expect(c.roc.fpr).toEqual([0, 0, 0, 1 / 6, 0.5, 0.5, 1]);
    expect(c.roc.tpr).toEqual([0, 1 / 6, 0.5, 2 / 3, 2 / 3, 1, 1]);
    expect(c.roc.threshold).toEqual([null, 0.9, 0.7, 0.6, 0.4, 0.35, 0.05]);
    // precision_recall_curve, read backwards (increasing recall).
    expect(c.pr.precision).toEqual([1, 1, 1, 1, 0.8, 4 / 7, 2 / 3, 0.6, 6 / 11, 0.5]);
    expect(c.pr.recall).toEqual([0, 1 / 6, 1 / 3, 0.5, 2 / 3, 2 / 3, 1, 1, 1, 1]);
    expect(c.pr.threshold).toEqual([null, 0.9, 0.8, 0.7, 0.6, 0.4, 0.35, 0.2, 0.1, 0.05]);
    expect(c.rocPointsFull).toBe(7);
    expect(c.prPointsFull).toBe(10);
  });

  it('long curves are thinned to 200 points with the ends kept; one class gives null', () => {
    const n = 5000;
    const y = Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 5 ? 1 : 0));
    const p = Array.from({ length: n }, (_, i) => ((i * 104729) % 9973) / 9973);
    const c = evaluationCurves(y, p)!;
    expect(c.rocPointsFull).toBeGreaterThan(MAX_CURVE_POINTS);
    expect(c.roc.fpr).toHaveLength(MAX_CURVE_POINTS);
    expect(c.pr.recall).toHaveLength(MAX_CURVE_POINTS);
    expect([c.roc.fpr[0], c.roc.tpr[0], c.roc.fpr.at(-1), c.roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    expect([c.pr.recall[0], c.pr.precision[0], c.pr.recall.at(-1)]).toEqual([0, 1, 1]);
    for (let i = 1; i < MAX_CURVE_POINTS; i++) {
      expect(c.roc.fpr[i]!).toBeGreaterThanOrEqual(c.roc.fpr[i - 1]!);
      expect(c.roc.tpr[i]!).toBeGreaterThanOrEqual(c.roc.tpr[i - 1]!);
      expect(c.pr.recall[i]!).toBeGreaterThanOrEqual(c.pr.recall[i - 1]!);
    }
    expect(evaluationCurves(y, p)).toEqual(c);
    expect(evaluationCurves([0, 0, 0], [0.1, 0.2, 0.3])).toBeNull();
    expect(evaluationCurves([1, 1], [0.1, 0.2])).toBeNull();
  });

  it('train stores the curves of the evaluated predictions: unthinned, their areas are the stored AUC and AP', () => {
    const c = rf.evaluation.curves!;
    const m = rf.evaluation.metrics;
    expect(c.rocPointsFull).toBeLessThanOrEqual(MAX_CURVE_POINTS); // 25 trees: few distinct probabilities
    expect(trapezoid(c.roc.fpr, c.roc.tpr)).toBeCloseTo(m.rocAuc!, 12);
    let ap = 0;
    for (let i = 1; i < c.pr.recall.length; i++)
      ap += (c.pr.recall[i]! - c.pr.recall[i - 1]!) * c.pr.precision[i]!;
    expect(ap).toBeCloseTo(m.averagePrecision!, 12);
    // Cross-validation: pooled out-of-fold predictions of every row, thinned.
    const l = lr.evaluation.curves!;
    expect(lr.evaluation.metrics.n).toBe(1200);
    expect(l.prPointsFull).toBe(1201);
    expect(l.pr.recall).toHaveLength(MAX_CURVE_POINTS);
    expect(Math.abs(trapezoid(l.roc.fpr, l.roc.tpr) - lr.evaluation.metrics.rocAuc!)).toBeLessThan(0.01);
  });
});

describe('predict report', () => {
  it('the JSON report carries the model summary, the metrics and the curves', () => {
    const r = buildPredictReport(rf, { path: 'rf.json', toolVersion: 'x' });
    const m = rf.evaluation.metrics;
    expect(r.format).toBe('segment.predict-report');
    expect(r.model).toMatchObject({
      path: 'rf.json',
      algorithm: 'rf',
      target: 'churned',
      positiveClass: 1,
      rows: 800,
      calibration: null,
      hash: rf.hash,
    });
    expect(r.evaluation).toMatchObject({
      scheme: 'holdout',
      testSize: 0.25,
      rows: 200,
      positives: m.positives,
      rocAuc: m.rocAuc,
      averagePrecision: m.averagePrecision,
      logLoss: m.logLoss,
      brier: m.brier,
      confusion: m.confusion,
    });
    expect(r.evaluation.baseRate).toBe(m.positives / 200);
    expect(r.roc!.map((p) => p.fpr)).toEqual(rf.evaluation.curves!.roc.fpr);
    expect(r.calibration.map((b) => b.count)).toEqual(m.calibration.count);
    expect(r.calibration.reduce((a, b) => a + b.count, 0)).toBe(200);
    expect(
      r.calibration.every((b) => b.upper - b.lower === 0.1 || Math.abs(b.upper - b.lower - 0.1) < 1e-15),
    ).toBe(true);
    const perm = r.importance.map((f) => f.permutationMean!);
    expect(perm).toEqual([...perm].sort((a, b) => b - a));
    expect(r.notes).toEqual([]);
    expect(lr.evaluation.perFold).toHaveLength(4);
    expect(buildPredictReport(lr, { path: null, toolVersion: 'x' }).evaluation.perFold).toHaveLength(4);
  });

  it('chart specs take their values from the model', () => {
    const r = buildPredictReport(rf, { path: null, toolVersion: 'x' });
    const charts = predictReportCharts(r);
    expect(charts.map((c) => c.id)).toEqual([
      'roc',
      'pr',
      'calibration',
      'importance-permutation',
      'importance-impurity',
    ]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the spec trees are read by path in assertions
    const spec = (id: string) => charts.find((c) => c.id === id)!.spec as Record<string, any>;
    const c = rf.evaluation.curves!;
    const roc = spec('roc');
    expect(roc.layer[0].data.values).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 1, tpr: 1 },
    ]); // the chance diagonal
    expect(roc.layer[1].data.values.map((p: { tpr: number }) => p.tpr)).toEqual(c.roc.tpr);
    expect(charts[0]!.title).toBe(`ROC curve (AUC ${rf.evaluation.metrics.rocAuc!.toFixed(3)})`);
    const pr = spec('pr');
    expect(pr.layer[0].mark.interpolate).toBe('step-before');
    expect(pr.layer[0].data.values.map((p: { precision: number }) => p.precision)).toEqual(c.pr.precision);
    const base = rf.evaluation.metrics.positives / rf.evaluation.metrics.n;
    expect(pr.layer[1].data.values[0].baseRate).toBe(base);
    expect(pr.layer[1].mark.type).toBe('rule');
    const cal = spec('calibration');
    expect(cal.data.values.map((b: { observed: number }) => b.observed)).toEqual(
      rf.evaluation.metrics.calibration.probTrue,
    );
    expect(cal.data.values.map((b: { predicted: number }) => b.predicted)).toEqual(
      rf.evaluation.metrics.calibration.probPred,
    );
    expect(cal.vconcat[1].encoding.y.field).toBe('count');
    const perm = spec('importance-permutation');
    const byFeature = new Map(rf.importance.map((f) => [f.feature, f]));
    for (const row of perm.data.values as { feature: string; value: number; std: number }[]) {
      expect(row.value).toBe(byFeature.get(row.feature)!.permutationMean);
      expect(row.std).toBe(byFeature.get(row.feature)!.permutationStd);
    }
    const imp = spec('importance-impurity');
    const values = (imp.data.values as { value: number }[]).map((v) => v.value);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(MAX_IMPORTANCE_BARS).toBe(30);

    // Logistic: no impurity; a model written before the curves were stored: no ROC / PR, and a note.
    expect(
      predictReportCharts(buildPredictReport(lr, { path: null, toolVersion: 'x' })).map((c) => c.id),
    ).toEqual(['roc', 'pr', 'calibration', 'importance-permutation']);
    const { curves: _c, ...oldEval } = rf.evaluation;
    const old: PredictModel = { ...rf, evaluation: oldEval };
    const ro = buildPredictReport(old, { path: null, toolVersion: 'x' });
    expect(ro.roc).toBeNull();
    expect(ro.notes[0]).toMatch(/before ROC and precision–recall points were stored/);
    expect(predictReportCharts(ro).map((c) => c.id)).toEqual([
      'calibration',
      'importance-permutation',
      'importance-impurity',
    ]);
  });

  it('the page is deterministic, escapes data strings and forbids network requests', async () => {
    const r = buildPredictReport(rf, { path: 'a<b>.json', toolVersion: 'x' });
    const charts = predictReportCharts(r);
    const html = await renderPredictHtml(r, charts);
    expect(await renderPredictHtml(r, charts)).toBe(html);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('<title>Propensity model report</title>');
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<code>a&lt;b&gt;.json</code>');
    for (const id of ['roc', 'pr', 'calibration', 'importance-permutation', 'importance-impurity'])
      expect(html).toContain(`id="chart-${id}"`);
    expect(html.match(/<script/g)).toHaveLength(3);
  });
});
