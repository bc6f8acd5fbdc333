import { kmeans } from '../cluster/kmeans.js';
import type { Logger } from '../core/logger.js';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { allocMatrix, chooseFeatures, leftOutWarning, type LeftOutColumn } from '../core/matrix.js';
import { duplicateIdWarning } from '../core/ids.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { ForestParams } from '../forest/forest.js';
import { encodeLabels } from '../forest/labels.js';
import { columnMoments } from './covariance.js';
import { correlationFilter, populationVariance, varianceThreshold } from './filters.js';
import {
  applySelectModel,
  selectModelFormat,
  selectModelVersion,
  type CorrelationDropRecord,
  type PcaStep,
  type RfeStep,
  type RfeTarget,
  type SelectModel,
  type SelectStep,
} from './select-model.js';
import { checkPcaParams, pcaFromMoments, type PcaParams } from './pca.js';
import { rankingSample, rfe, type RfeImportance } from './rfe.js';
import { chainOf } from '../core/chain.js';

const OWNER = 'select';

/** Recursive feature elimination settings of {@link fitSelect}. */
export interface SelectRfeParams {
  /** RFE: features to keep. Exclusive with `cv`. */
  nFeaturesToSelect?: number | undefined;
  /** RFECV: number of folds. Exclusive with `nFeaturesToSelect`. */
  cv?: number | undefined;
  /** RFECV: the fewest features considered (default 1). */
  minFeaturesToSelect?: number | undefined;
  /** The column to predict. Exclusive with `surrogateClusters`. */
  target?: string | undefined;
  /**
   * Unsupervised ranking: cluster the (standardised) features with k-means into this many clusters, then rank
   * features by how well a forest predicts those clusters. Exclusive with `target`.
   */
  surrogateClusters?: number | undefined;
  step?: number | undefined;
  importance?: RfeImportance | undefined;
  forest?: ForestParams | undefined;
  /** Rows used to rank (a seeded sample above it). Default 20 000. */
  sampleSize?: number | undefined;
}

/** Parameters of {@link fitSelect}; the steps run in this order: variance, correlation, RFE, PCA. */
export interface SelectParams {
  id?: string | undefined;
  /** Candidate features (default: every numeric column except the id, `segment`, the target, dates and timestamps). */
  features?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
  /** Drop features whose population variance is ≤ this (0 drops constant features). */
  varianceThreshold?: number | undefined;
  /** Drop one feature of each pair with |Pearson r| > this, in (0, 1]. */
  maxCorr?: number | undefined;
  rfe?: SelectRfeParams | undefined;
  pca?: PcaParams | undefined;
  /** Seed of the forest, folds and surrogate clustering. Default 42. */
  seed?: number | undefined;
}

/** A feature a step removed, with the reason in words and the figures behind it. */
export interface DroppedFeature {
  column: string;
  step: 'variance-threshold' | 'correlation' | 'rfe';
  reason: string;
}

/** The `--json` summary of a selection. */
export interface SelectSummary {
  nRows: number;
  /** Candidate features, in input order. */
  features: string[];
  /** Columns of the input that are not candidates, and why (the id, `segment`, the target, text, dates…). */
  leftOut: LeftOutColumn[];
  /** Features kept by the filters and RFE (the PCA inputs when PCA runs). */
  selected: string[];
  /** Feature columns of the output. */
  output: string[];
  dropped: DroppedFeature[];
  variance: { threshold: number; variances: Record<string, number> } | null;
  correlation: { maxCorr: number; dropped: CorrelationDropRecord[] } | null;
  rfe: Omit<RfeStep, 'step' | 'features' | 'selected' | 'dropped'> | null;
  pca: {
    nComponents: number;
    standardize: boolean;
    explainedVariance: number[];
    explainedVarianceRatio: number[];
    cumulativeVarianceRatio: number[];
    /** Per component, the loading (component entry) of every input feature. */
    loadings: Record<string, Record<string, number>>;
  } | null;
  warnings: string[];
}

/** Result of {@link fitSelect}. */
export interface SelectFit {
  model: SelectModel;
  /** The transformed data (exactly `applySelectModel(ds, model)`). */
  data: Dataset;
  summary: SelectSummary;
}

/** Largest number of classes RFE accepts in a target column. */
export const MAX_TARGET_CLASSES = 100;

/**
 * Fit a feature selection / reduction on a dataset: variance threshold, correlation filter, recursive feature
 * elimination by random-forest importance (RFE/RFECV, supervised by a target column or by a k-means surrogate), then
 * PCA, each only when asked, in that order. Every fitted statistic is recorded in the returned model, and the
 * returned data are `applySelectModel(ds, model)`, so replaying the model on the same input gives the same output.
 *
 * Complexity: O(n · d²) for the streamed covariance (one parallel pass after the means; no n × d copy), O(d³) for
 * PCA, plus the forests of RFE on at most `rfe.sampleSize` rows.
 * @throws UsageError for invalid or conflicting parameters; DataError for fewer than 2 numeric features, missing
 * values, a missing or constant target, or an impossible count (more components or features than remain).
 * @example
 * const sel = await fitSelect(clean.data, { id: 'customer_id', maxCorr: 0.9, pca: { varianceRatio: 0.9 } }, { toolVersion });
 * const same = applySelectModel(otherRows, sel.model); // the same kept columns and components
 */
export async function fitSelect(
  ds: Dataset,
  params: SelectParams,
  opts: { pool?: WorkerPool | undefined; toolVersion: string; logger?: Logger | undefined },
): Promise<SelectFit> {
  const seed = params.seed ?? 42;
  if (params.pca) checkPcaParams(params.pca);
  const r = params.rfe;
  if (r) {
    if (r.target === undefined && r.surrogateClusters === undefined) {
      throw new UsageError(
        'RFE needs a target to rank features by',
        'add --target COL, or --surrogate-k K to rank by clusters',
      );
    }
    if (r.target !== undefined && r.surrogateClusters !== undefined) {
      throw new UsageError('give either a target column or a surrogate clustering, not both');
    }
    if (
      r.surrogateClusters !== undefined &&
      (!Number.isInteger(r.surrogateClusters) || r.surrogateClusters < 2)
    ) {
      throw invalidParameter(OWNER, 'surrogateClusters', 'an int in [2, inf)', r.surrogateClusters);
    }
    const size = r.sampleSize ?? 20_000;
    if (!Number.isInteger(size) || size < 2)
      throw invalidParameter(OWNER, 'sampleSize', 'an int in [2, inf)', size);
  }
  const explicit = params.features !== undefined && params.features.length > 0;
  // Dates and timestamps (epoch milliseconds) are candidates only when named: their scale would swamp PCA.
  const { features, leftOut } = chooseFeatures(
    ds,
    { id: params.id, features: params.features, exclude: params.exclude },
    { roles: ['segment', ...(r?.target !== undefined ? [r.target] : [])], skipTemporal: true },
  );
  if (features.length < 2) {
    throw new DataError(
      `feature selection needs at least two numeric features; found ${features.length} ('${features.join("', '")}')`,
      'check --features / --exclude, or encode categorical columns first (segment clean --encode onehot)',
    );
  }
  const columns = features.map((f) => ds.numeric(f).values);
  assertFiniteColumns(columns, features);
  const n = ds.nRows;
  if (n < 2) throw new DataError(`feature selection needs at least 2 rows; got ${n}`);

  const moments = await columnMoments({ columns, nRows: n }, { pool: opts.pool });
  const steps: SelectStep[] = [];
  const dropped: DroppedFeature[] = [];
  const warnings: string[] = [];
  const duplicates = duplicateIdWarning(ds, params.id);
  if (duplicates) warnings.push(duplicates);
  const omitted = explicit ? null : leftOutWarning(leftOut);
  if (omitted) warnings.push(omitted);
  let kept = features.map((_, j) => j);
  const summary: SelectSummary = {
    nRows: n,
    features,
    leftOut,
    selected: [],
    output: [],
    dropped,
    variance: null,
    correlation: null,
    rfe: null,
    pca: null,
    warnings,
  };

  if (params.varianceThreshold !== undefined) {
    const res = varianceThreshold(moments, params.varianceThreshold, kept);
    const variances: Record<string, number> = {};
    for (const j of kept) variances[features[j]!] = populationVariance(moments, j);
    steps.push({
      step: 'variance-threshold',
      threshold: params.varianceThreshold,
      variances,
      dropped: res.dropped.map((x) => features[x.index]!),
    });
    for (const x of res.dropped) {
      dropped.push({
        column: features[x.index]!,
        step: 'variance-threshold',
        reason:
          x.variance === 0
            ? 'constant'
            : `variance ${fmt(x.variance)} ≤ threshold ${fmt(params.varianceThreshold)}`,
      });
    }
    summary.variance = { threshold: params.varianceThreshold, variances };
    kept = res.kept;
    if (kept.length === 0) {
      throw new DataError(
        `every feature has variance ≤ ${params.varianceThreshold}: nothing would be left`,
        'lower --variance-threshold',
      );
    }
  }

  if (params.maxCorr !== undefined) {
    const res = correlationFilter(moments, params.maxCorr, kept);
    const records: CorrelationDropRecord[] = res.dropped.map((x) => ({
      column: features[x.index]!,
      correlatedWith: features[x.correlatedWith]!,
      r: x.r,
      variance: x.variance,
      partnerVariance: x.partnerVariance,
      meanAbsCorrelation: x.meanAbsCorrelation,
      partnerMeanAbsCorrelation: x.partnerMeanAbsCorrelation,
      rule: x.rule,
    }));
    steps.push({ step: 'correlation', maxCorr: params.maxCorr, dropped: records });
    for (const x of records) {
      const why =
        x.rule === 'lower-variance'
          ? `lower variance (${fmt(x.variance)} < ${fmt(x.partnerVariance)})`
          : x.rule === 'higher-mean-correlation'
            ? `equal variance, higher mean |r| with the other features (${fmt(x.meanAbsCorrelation)} > ${fmt(x.partnerMeanAbsCorrelation)})`
            : 'equal variance and mean |r|: the later column goes';
      dropped.push({
        column: x.column,
        step: 'correlation',
        reason: `|r| = ${fmt(Math.abs(x.r))} > ${params.maxCorr} with '${x.correlatedWith}'; ${why}`,
      });
    }
    summary.correlation = { maxCorr: params.maxCorr, dropped: records };
    kept = res.kept;
  }

  if (r) {
    const step = await rfeStep(
      ds,
      r,
      kept.map((j) => features[j]!),
      kept.map((j) => columns[j]!),
      seed,
      opts.pool,
      opts.logger,
    );
    steps.push(step);
    for (const c of step.dropped) {
      dropped.push({
        column: c,
        step: 'rfe',
        reason: `eliminated by ${step.method.toUpperCase()} (rank ${step.ranking[c]}, first-round importance ${fmt(step.importances[c] ?? 0)})`,
      });
    }
    const { step: _s, features: _f, selected: _k, dropped: _d, ...rest } = step;
    summary.rfe = rest;
    const keep = new Set(step.selected);
    kept = kept.filter((j) => keep.has(features[j]!));
  }

  const selected = kept.map((j) => features[j]!);
  summary.selected = selected;
  let output = selected;
  if (params.pca) {
    const fit = pcaFromMoments(moments, params.pca, kept);
    const k = fit.nComponents;
    const d = kept.length;
    const names = Array.from({ length: k }, (_, c) => `pc${c + 1}`);
    const cumulative: number[] = [];
    let acc = 0;
    for (const v of fit.explainedVarianceRatio) cumulative.push((acc += v));
    const components = Array.from({ length: k }, (_, c) =>
      Array.from(fit.components.subarray(c * d, (c + 1) * d)),
    );
    const step: PcaStep = {
      step: 'pca',
      features: selected,
      names,
      requested:
        params.pca.nComponents !== undefined
          ? { nComponents: params.pca.nComponents }
          : { varianceRatio: params.pca.varianceRatio! },
      nComponents: k,
      nSamples: fit.nSamples,
      standardize: fit.standardize,
      mean: Array.from(fit.mean),
      scale: Array.from(fit.scale),
      components,
      explainedVariance: Array.from(fit.explainedVariance),
      explainedVarianceRatio: Array.from(fit.explainedVarianceRatio),
      cumulativeVarianceRatio: cumulative,
      singularValues: Array.from(fit.singularValues),
      noiseVariance: fit.noiseVariance,
      spectrum: Array.from(fit.spectrum),
      signConvention: 'largest-absolute-loading-positive',
    };
    steps.push(step);
    output = names;
    const loadings: Record<string, Record<string, number>> = {};
    names.forEach((name, c) => {
      loadings[name] = Object.fromEntries(selected.map((f, j) => [f, components[c]![j]!]));
    });
    summary.pca = {
      nComponents: k,
      standardize: fit.standardize,
      explainedVariance: step.explainedVariance,
      explainedVarianceRatio: step.explainedVarianceRatio,
      cumulativeVarianceRatio: cumulative,
      loadings,
    };
    if (!fit.standardize) {
      const v = kept.map((j) => populationVariance(moments, j)).filter((x) => x > 0);
      if (v.length > 1 && Math.max(...v) > 100 * Math.min(...v)) {
        warnings.push(
          'feature variances differ by more than 100×: unstandardised PCA is dominated by the widest features (scale first, or --standardize)',
        );
      }
    }
  }
  summary.output = output;

  const mean: Record<string, number> = {};
  const variance: Record<string, number> = {};
  features.forEach((f, j) => {
    mean[f] = moments.mean[j]!;
    variance[f] = populationVariance(moments, j);
  });
  const model: SelectModel = {
    format: selectModelFormat,
    version: selectModelVersion,
    toolVersion: opts.toolVersion,
    id: params.id ?? null,
    features,
    statistics: { nRows: n, mean, variance },
    steps,
    output,
    lineage: chainOf(ds),
  };
  return { model, data: applySelectModel(ds, model), summary };
}

/** Run RFE / RFECV on the given features and describe it as a model step. */
async function rfeStep(
  ds: Dataset,
  r: SelectRfeParams,
  names: string[],
  columns: Float64Array[],
  seed: number,
  pool: WorkerPool | undefined,
  logger: Logger | undefined,
): Promise<RfeStep> {
  const n = ds.nRows;
  const sample = rankingSample(n, r.sampleSize ?? 20_000, seed);
  const m = sample ? sample.length : n;
  const cols = sample ? columns.map((c) => Float64Array.from(sample, (i) => c[i]!)) : columns;
  let y: Int32Array;
  let nClasses: number;
  let target: RfeTarget;
  if (r.target !== undefined) {
    const col = ds.column(r.target);
    let values: (string | null)[] | Float64Array;
    if (col.kind === 'numeric') values = col.values;
    else if (col.kind === 'categorical')
      values = Array.from(col.codes, (c) => (c < 0 ? null : col.levels[c]!));
    else values = [...col.values];
    const enc = encodeLabels(values, `target column '${r.target}'`);
    if (enc.classes.length < 2) {
      throw new DataError(
        `target column '${r.target}' is constant (${JSON.stringify(enc.classes[0] ?? null)}): there is nothing to predict`,
        'pick a target with at least two classes',
      );
    }
    if (enc.classes.length > MAX_TARGET_CLASSES) {
      throw new DataError(
        `target column '${r.target}' has ${enc.classes.length} distinct values; RFE ranks features with a classifier (at most ${MAX_TARGET_CLASSES} classes)`,
        'bin the target into classes first, or use a segment column',
      );
    }
    y = sample ? Int32Array.from(sample, (i) => enc.codes[i]!) : enc.codes;
    nClasses = enc.classes.length;
    target = { kind: 'column', column: r.target, classes: enc.classes };
  } else {
    const k = r.surrogateClusters!;
    if (k > m)
      throw new DataError(`cannot make ${k} surrogate clusters of ${m} row(s)`, 'lower --surrogate-k');
    // k-means on z-scores (population std, constant features left at 0), so no feature dominates by its unit.
    const d = cols.length;
    const X = allocMatrix(m, d);
    cols.forEach((c, j) => {
      let s = 0;
      for (let i = 0; i < m; i++) s += c[i]!;
      const mu = s / m;
      let v = 0;
      for (let i = 0; i < m; i++) v += (c[i]! - mu) ** 2;
      const sd = Math.sqrt(v / m);
      for (let i = 0; i < m; i++) X.data[i * d + j] = sd > 0 ? (c[i]! - mu) / sd : 0;
    });
    const km = await kmeans(X, { nClusters: k, seed, pool, logger });
    y = km.labels;
    nClasses = k;
    target = {
      kind: 'surrogate',
      algorithm: 'kmeans',
      nClusters: k,
      standardized: true,
      inertia: km.inertia,
    };
  }
  const res = await rfe({ columns: cols, nRows: m }, y, nClasses, {
    nFeaturesToSelect: r.nFeaturesToSelect,
    cv: r.cv,
    minFeaturesToSelect: r.minFeaturesToSelect,
    step: r.step,
    importance: r.importance,
    forest: r.forest,
    seed,
    pool,
    logger,
  });
  const ranking: Record<string, number> = {};
  const importances: Record<string, number> = {};
  const selectedImportances: Record<string, number> = {};
  names.forEach((f, j) => {
    ranking[f] = res.ranking[j]!;
    importances[f] = res.firstImportances[j]!;
    if (res.support[j]) selectedImportances[f] = res.finalImportances[j]!;
  });
  return {
    step: 'rfe',
    method: r.cv !== undefined ? 'rfecv' : 'rfe',
    target,
    importance: r.importance ?? 'impurity',
    stepSize: r.step ?? 1,
    nFeaturesToSelect: res.nFeatures,
    features: names,
    ranking,
    importances,
    selectedImportances,
    selected: names.filter((_, j) => res.support[j] === 1),
    dropped: names.filter((_, j) => res.support[j] === 0),
    nRowsUsed: m,
    forest: {
      nEstimators: res.forest.nEstimators,
      maxFeatures: res.forest.maxFeatures,
      maxDepth: res.forest.maxDepth,
      minSamplesLeaf: res.forest.minSamplesLeaf,
      maxBins: res.forest.maxBins,
      seed: res.forest.seed,
    },
    cv: res.cvScores ? { folds: r.cv!, scores: res.cvScores } : null,
  };
}

/**
 * Refuse missing or infinite values in the feature columns.
 * @throws DataError naming the column, the count and the first row.
 */
export function assertFiniteColumns(columns: readonly Float64Array[], names: readonly string[]): void {
  columns.forEach((col, j) => {
    let count = 0;
    let first = -1;
    let nan = false;
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (!Number.isFinite(v)) {
        if (first < 0) first = i;
        if (Number.isNaN(v)) nan = true;
        count++;
      }
    }
    if (count > 0) {
      throw new DataError(
        `column '${names[j]}' has ${count} ${nan ? 'missing' : 'infinite'} value(s) (first at row ${first + 1}); feature selection needs complete features`,
        nan ? 'impute them first: segment clean --impute median' : 'remove or clip them first',
      );
    }
  });
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
