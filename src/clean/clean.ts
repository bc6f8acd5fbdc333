import {
  isMissing,
  numericColumn,
  rowRange,
  takeIndices,
  type Column,
  type Dataset,
} from '../core/dataset.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { numericValues } from './columns.js';
import { duplicateIdWarning } from '../core/ids.js';
import { chooseFeatures, leftOutWarning, type FeatureSelection, type LeftOutColumn } from '../core/matrix.js';
import { dedupe, type DedupeParams, type DedupeReport } from './dedupe.js';
import {
  applyEncode,
  encodeMethods,
  fitEncode,
  unseenPolicies,
  type EncodeMethod,
  type EncodeReport,
  type UnseenPolicy,
} from './encoder.js';
import {
  applyImpute,
  fitImpute,
  imputeStrategies,
  knnWeightings,
  entirelyMissing,
  type ImputeParams,
  type ImputeReport,
} from './imputer.js';
import {
  chainWith,
  cleanModelFormat,
  cleanModelVersion,
  columnInfo,
  type CleanModel,
  type CleanStep,
  type InfAction,
  type InfiniteStep,
} from './clean-model.js';
import {
  applyOutliers,
  fitOutliers,
  outlierActions,
  outlierMethods,
  type OutlierMethod,
  type OutlierParams,
  type OutlierReport,
} from './outliers.js';
import {
  applyScale,
  constantActions,
  fitScale,
  scaleMethods,
  type ConstantAction,
  type ScaleMethod,
} from './scaler.js';
import {
  invalidActions,
  validateRows,
  type InvalidAction,
  type ValidationRule,
  type ValidationSummary,
} from './validate.js';
import { chainKey, chainOf } from '../core/chain.js';

/** Parameters of {@link fitClean}; every step is off unless given. */
export interface CleanParams {
  /** Id column: carried through untouched, never transformed or used as a feature. */
  id?: string | undefined;
  /** Numeric columns to clean (default: every numeric column but the id, dates and timestamps). */
  features?: readonly string[] | undefined;
  /** Columns left out of the default features. */
  exclude?: readonly string[] | undefined;
  /** Columns removed after validation and deduplication. */
  drop?: readonly string[] | undefined;
  rules?: readonly ValidationRule[] | undefined;
  /** What to do with rows breaking a rule (default 'report'). */
  onInvalid?: InvalidAction | undefined;
  /** Date of `past` rules, epoch ms (default: now). */
  asOf?: number | undefined;
  dedupe?: DedupeParams | undefined;
  /** ±∞ in the numeric columns: refuse (default), make them missing, or clip them to the finite range. */
  inf?: InfAction | undefined;
  /** Columns replaced by log(1 + x). */
  log?: readonly string[] | undefined;
  outliers?: (Omit<OutlierParams, 'seed' | 'method'> & { method: OutlierMethod }) | undefined;
  impute?: ImputeParams | undefined;
  scale?: { method: ScaleMethod; constant?: ConstantAction | undefined } | undefined;
  encode?:
    | {
        method: EncodeMethod;
        /** Columns to encode (default: every categorical column with at most `maxLevels` levels). */
        columns?: readonly string[] | undefined;
        maxLevels?: number | undefined;
        unseen?: UnseenPolicy | undefined;
      }
    | undefined;
  /** Seed of the isolation forest. */
  seed: number;
}

/** Options of {@link fitClean}. */
export interface CleanOptions {
  /** Worker threads for KNN imputation (results do not depend on the thread count). */
  pool?: WorkerPool | undefined;
  /** Progress of the long steps (fuzzy dedupe, isolation forest, KNN imputation); results never depend on it. */
  logger?: Logger | undefined;
  toolVersion?: string | undefined;
  /** Where the data came from, recorded in the model. */
  source?: string | null | undefined;
}

/** What a clean run did, step by step (the `--json` result of `segment clean`). */
export interface CleanReport {
  nRowsIn: number;
  nRowsOut: number;
  columnsIn: number;
  columnsOut: number;
  features: string[];
  /** Columns that are not cleaned as numeric features, and why (the id, text, categorical, dates…). */
  leftOut: LeftOutColumn[];
  validation: ValidationSummary | null;
  dedupe: DedupeReport | null;
  dropped: string[];
  log: string[];
  outliers: OutlierReport | null;
  imputation: (ImputeReport & { strategies: Record<string, string> }) | null;
  scaling: {
    method: ScaleMethod;
    columns: string[];
    constant: string[];
    constantAction: ConstantAction;
  } | null;
  encoding:
    | (EncodeReport & {
        method: EncodeMethod;
        columns: { name: string; levels: number; outputs: number }[];
        skipped: { name: string; levels: number }[];
      })
    | null;
  warnings: string[];
}

/** The result of {@link fitClean}. */
export interface CleanFit {
  /** The cleaned data; its metadata carries the fitted chain (`segment.chain`). */
  data: Dataset;
  model: CleanModel;
  report: CleanReport;
  /** Input row (0-based) of each output row. */
  rows: Int32Array;
}

const OWNER = 'clean.fitClean';

const oneOf = (xs: readonly string[]): string => `a str among {${xs.map((x) => `'${x}'`).join(', ')}}`;

function checkParams(p: CleanParams): void {
  const check = (name: string, value: unknown, allowed: readonly string[]) => {
    if (value !== undefined && !allowed.includes(value as string))
      throw invalidParameter(OWNER, name, oneOf(allowed), value);
  };
  check('onInvalid', p.onInvalid, invalidActions);
  if (p.impute) {
    check('impute.strategy', p.impute.strategy, imputeStrategies);
    for (const s of Object.values(p.impute.perColumn ?? {})) check('impute.perColumn', s, imputeStrategies);
    check('impute.knnWeights', p.impute.knnWeights, knnWeightings);
    const k = p.impute.knnK;
    if (k !== undefined && (!Number.isInteger(k) || k < 1)) {
      throw invalidParameter(OWNER, 'impute.knnK', 'an int in [1, inf)', k);
    }
  }
  if (p.scale) {
    check('scale.method', p.scale.method, scaleMethods);
    check('scale.constant', p.scale.constant, constantActions);
  }
  if (p.outliers) {
    check('outliers.method', p.outliers.method, outlierMethods);
    check('outliers.action', p.outliers.action, outlierActions);
  }
  if (p.encode) {
    check('encode.method', p.encode.method, encodeMethods);
    check('encode.unseen', p.encode.unseen, unseenPolicies);
    const m = p.encode.maxLevels;
    if (m !== undefined && (!Number.isInteger(m) || m < 1)) {
      throw invalidParameter(OWNER, 'encode.maxLevels', 'an int in [1, inf)', m);
    }
  }
}

/**
 * The numeric columns to clean: `features` (each must exist and be numeric) or the default choice (numeric columns
 * but the id, `exclude`d ones, dates and timestamps), and the columns left out with their reasons.
 */
function resolveCleanFeatures(ds: Dataset, p: CleanParams): FeatureSelection {
  const excluded = new Set(p.exclude ?? []);
  for (const n of p.features ?? [])
    if (n !== p.id && !excluded.has(n)) numericValues(ds, n, 'clean it as a numeric feature');
  return chooseFeatures(
    ds,
    { id: p.id, features: p.features, exclude: p.exclude },
    { skipTemporal: true, allowEmpty: true },
  );
}

/**
 * Fit the handling of ±∞ in the numeric columns: 'error' refuses the first one (naming column and row), 'missing'
 * and 'clip' return a step (recorded even when the training data has none, so new data is handled the same way).
 * O(n) per column.
 * @throws DataError for an infinite value under 'error', or a column with no finite value to clip to.
 */
export function fitInfinite(
  ds: Dataset,
  columns: readonly string[],
  action: InfAction,
  rowNumber: (i: number) => number = (i) => i + 1,
): InfiniteStep | undefined {
  const fitted: InfiniteStep['columns'] = [];
  for (const name of columns) {
    const v = numericValues(ds, name, 'handle infinite values');
    let lo = Infinity;
    let hi = -Infinity;
    let count = 0;
    let first = -1;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x === Infinity || x === -Infinity) {
        if (first < 0) first = i;
        count++;
      } else if (!Number.isNaN(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
    if (count > 0 && action === 'error') {
      throw new DataError(
        `column '${name}' has ${count} infinite value(s) (first at row ${rowNumber(first)})`,
        'pass --inf missing (then impute them) or --inf clip, or fix the data',
      );
    }
    if (count > 0 && action === 'clip' && lo > hi) {
      throw new DataError(
        `column '${name}' has no finite value to clip its infinite values to`,
        'pass --inf missing',
      );
    }
    fitted.push({ name, lo: lo > hi ? 0 : lo, hi: lo > hi ? 0 : hi });
  }
  return action === 'error' ? undefined : { step: 'infinite', action, columns: fitted };
}

/** Replace ±∞ as a fitted {@link InfiniteStep} says (missing, or the training finite range). O(n) per column. */
export function applyInfinite(ds: Dataset, step: InfiniteStep): Dataset {
  let out = ds;
  for (const { name, lo, hi } of step.columns) {
    const col = out.column(name);
    if (col.kind !== 'numeric') continue;
    const v = col.values;
    let r: Float64Array | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x !== Infinity && x !== -Infinity) continue;
      r ??= Float64Array.from(v);
      r[i] = step.action === 'missing' ? Number.NaN : x > 0 ? hi : lo;
    }
    if (r)
      out = out.withColumn(
        numericColumn(name, r, col.type === 'integer' && step.action === 'clip' ? col.type : 'double'),
      );
  }
  return out;
}

/**
 * Replace columns by log(1 + x) (float64; missing stays missing). O(n) per column.
 * @throws DataError when a column is not numeric or holds a value ≤ −1 (no logarithm).
 */
export function applyLog(ds: Dataset, columns: readonly string[]): Dataset {
  let out = ds;
  for (const name of columns) {
    const v = numericValues(out, name, 'take its logarithm (--log)');
    const r = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x <= -1) {
        throw new DataError(
          `column '${name}' holds ${x} (row ${i + 1}): log(1 + x) needs values above -1`,
          `leave '${name}' out of --log, or fix the value`,
        );
      }
      r[i] = Math.log1p(x);
    }
    out = out.withColumn(numericColumn(name, r, 'double'));
  }
  return out;
}

/**
 * Fit the cleaning chain on `ds` and return the cleaned data, the model and the report. Steps run in this order,
 * each fitted on the output of the previous one and then applied with the same function {@link applyCleanModel}
 * uses, so replaying the model on the same input reproduces the output exactly (except deduplication):
 *
 * 1. validate — rules on the raw columns; report, drop the failing rows, or fail (exit 1);
 * 2. dedupe — exact keys, identical rows, fuzzy text (not replayed on new data);
 * 3. drop — remove columns;
 * 4. log — log(1 + x) of skewed columns;
 * 5. outliers — detected on the observed (not yet imputed) values, so imputed values neither create nor hide
 *    outliers and, when outliers are clipped or dropped, the imputation statistics are not pulled by them;
 * 6. impute — simple statistics and/or KNN, optional missing indicators;
 * 7. scale — z-score, min-max or robust; constant columns kept as they are or dropped;
 * 8. encode — one-hot or ordinal categorical columns.
 *
 * The id column is never transformed. Cost: dominated by KNN imputation when used (see knnImpute), else
 * O(n log n · d).
 * @throws UsageError for invalid parameters; DataError for columns that do not exist, are not numeric where numbers
 *   are needed, or are entirely missing where a statistic is needed; CheckFailedError for failed validation with
 *   onInvalid 'fail'.
 * @example
 * const fit = await fitClean(ds, { id: 'customer_id', impute: { strategy: 'median' }, scale: { method: 'zscore' } });
 * const tonight = await applyCleanModel(newRows, fit.model); // the same medians, means and deviations
 */
export async function fitClean(ds: Dataset, params: CleanParams, opts: CleanOptions = {}): Promise<CleanFit> {
  checkParams(params);
  const warnings: string[] = [];
  const duplicates = duplicateIdWarning(ds, params.id);
  if (duplicates) warnings.push(duplicates);
  const steps: CleanStep[] = [];
  const report: CleanReport = {
    nRowsIn: ds.nRows,
    nRowsOut: 0,
    columnsIn: ds.nCols,
    columnsOut: 0,
    features: [],
    leftOut: [],
    validation: null,
    dedupe: null,
    dropped: [],
    log: [],
    outliers: null,
    imputation: null,
    scaling: null,
    encoding: null,
    warnings,
  };
  let cur = ds;
  let rows = rowRange(ds.nRows);
  const keepRows = (keep: Int32Array | null): void => {
    if (keep) rows = takeIndices(rows, keep);
  };
  const rowNumber = (i: number): number => rows[i]! + 1;

  if (params.rules && params.rules.length > 0) {
    const onInvalid = params.onInvalid ?? 'report';
    const { keep, summary } = validateRows(
      cur,
      params.rules,
      onInvalid,
      params.asOf ?? Date.now(),
      rowNumber,
    );
    steps.push({ step: 'validate', rules: [...params.rules], onInvalid });
    report.validation = summary;
    if (keep) cur = cur.take(keep);
    keepRows(keep);
  }
  const dd = params.dedupe;
  if (dd && ((dd.keys?.length ?? 0) > 0 || dd.rows || dd.fuzzy)) {
    const { keep, report: r } = dedupe(cur, dd, rowNumber, opts.logger);
    steps.push({
      step: 'dedupe',
      keys: [...(dd.keys ?? [])],
      rows: Boolean(dd.rows),
      fuzzy: dd.fuzzy ?? null,
      keep: dd.keep,
      rowsRemoved: r.rowsRemoved,
    });
    report.dedupe = r;
    if (r.rowsRemoved > 0) {
      cur = cur.take(keep);
      keepRows(keep);
    }
  }
  if (params.drop && params.drop.length > 0) {
    for (const n of params.drop) {
      cur.column(n);
      if (n === params.id)
        throw new UsageError(`--drop names the id column '${n}'`, 'the id is carried through');
    }
    steps.push({ step: 'drop', columns: [...params.drop] });
    cur = cur.drop(params.drop);
    report.dropped = [...params.drop];
  }
  const { features, leftOut } = resolveCleanFeatures(cur, params);
  report.features = features;
  report.leftOut = leftOut;
  const needsFeatures =
    (params.outliers && params.outliers.method !== 'none') ||
    (params.impute &&
      (params.impute.strategy !== 'none' || Object.keys(params.impute.perColumn ?? {}).length > 0)) ||
    (params.scale && params.scale.method !== 'none');
  const statistic = params.impute?.strategy;
  if (!params.features?.length && statistic && statistic !== 'none' && statistic !== 'constant') {
    // A column without a single value is read as text and so is not a default feature; imputing "every column"
    // with a statistic must not pass over it in silence.
    const excluded = new Set([...(params.exclude ?? []), ...(params.id !== undefined ? [params.id] : [])]);
    const empty = cur.columns.find(
      (c) =>
        c.kind !== 'numeric' &&
        !excluded.has(c.name) &&
        !(c.name in (params.impute?.perColumn ?? {})) &&
        allMissing(c, cur.nRows),
    );
    if (empty && cur.nRows > 0) throw entirelyMissing(empty.name, statistic);
  }
  if (needsFeatures && features.length === 0) {
    throw new UsageError(
      'no numeric columns to clean',
      `columns: ${cur.names.join(', ') || '(none)'}; name them with --features`,
    );
  }
  if (needsFeatures && !(params.features && params.features.length > 0)) {
    // Encoding takes the text columns in hand (and reports the ones it skips).
    const encoding = params.encode !== undefined && params.encode.method !== 'none';
    const omitted = leftOutWarning(
      encoding ? leftOut.filter((c) => c.reason !== 'text' && c.reason !== 'categorical') : leftOut,
    );
    if (omitted) warnings.push(omitted);
  }

  const infStep = fitInfinite(cur, features, params.inf ?? 'error', rowNumber);
  if (infStep) {
    cur = applyInfinite(cur, infStep);
    steps.push(infStep);
  }
  if (params.log && params.log.length > 0) {
    for (const n of params.log) {
      if (n === params.id)
        throw new UsageError(`--log names the id column '${n}'`, 'the id is never transformed');
    }
    cur = applyLog(cur, params.log);
    steps.push({ step: 'log1p', columns: [...params.log] });
    report.log = [...params.log];
  }
  const out = params.outliers;
  if (out && out.method !== 'none') {
    const step = fitOutliers(cur, features, { ...out, method: out.method, seed: params.seed }, opts.logger);
    const r = applyOutliers(cur, step, true, opts.logger);
    steps.push(step);
    report.outliers = r.report;
    cur = r.data;
    keepRows(r.keep);
  }
  const imp = params.impute;
  if (imp && (imp.strategy !== 'none' || Object.values(imp.perColumn ?? {}).some((s) => s !== 'none'))) {
    const step = fitImpute(cur, features, imp);
    const r = await applyImpute(cur, step, opts.pool, opts.logger);
    steps.push(step);
    const strategies: Record<string, string> = {};
    for (const e of step.numeric) strategies[e.name] = e.strategy;
    for (const e of step.text) strategies[e.name] = e.strategy;
    report.imputation = { ...r.report, strategies };
    if (step.knn && r.report.knnFallbackToMean > 0) {
      warnings.push(
        `${r.report.knnFallbackToMean} KNN value(s) had no neighbour sharing a present column and got the column mean`,
      );
    }
    cur = r.data;
  }
  if (params.scale && params.scale.method !== 'none') {
    const constantAction = params.scale.constant ?? 'keep';
    const { step, warnings: w } = fitScale(cur, features, params.scale.method, constantAction);
    warnings.push(...w);
    if (step.constant.length > 0) {
      warnings.push(
        `constant column(s) ${step.constant.join(', ')}: ${constantAction === 'drop' ? 'dropped' : 'left unscaled'}`,
      );
    }
    cur = applyScale(cur, step);
    steps.push(step);
    report.scaling = {
      method: step.method,
      columns: step.columns.map((c) => c.name),
      constant: step.constant,
      constantAction,
    };
  }
  const enc = params.encode;
  if (enc && enc.method !== 'none') {
    const maxLevels = enc.maxLevels ?? 50;
    const skipped: { name: string; levels: number }[] = [];
    let columns: string[];
    if (enc.columns && enc.columns.length > 0) {
      columns = [...enc.columns];
      for (const n of columns) {
        if (n === params.id) throw new UsageError(`--encode-cols names the id column '${n}'`);
      }
    } else {
      columns = [];
      for (const c of cur.columns) {
        if (c.kind !== 'categorical' || c.name === params.id) continue;
        const used = new Set<number>();
        for (let i = 0; i < c.codes.length; i++) if (c.codes[i]! >= 0) used.add(c.codes[i]!);
        if (used.size <= maxLevels) columns.push(c.name);
        else {
          skipped.push({ name: c.name, levels: used.size });
          warnings.push(
            `column '${c.name}' has ${used.size} levels (more than --max-levels ${maxLevels}): not encoded; name it in --encode-cols to encode it`,
          );
        }
      }
    }
    const step = fitEncode(cur, columns, enc.method, enc.unseen ?? 'ignore');
    const r = applyEncode(cur, step);
    steps.push(step);
    report.encoding = {
      method: enc.method,
      columns: step.columns.map((c) => ({
        name: c.name,
        levels: c.levels.length,
        outputs: c.outputs.length,
      })),
      skipped,
      ...r.report,
    };
    cur = r.data;
  }

  const model: CleanModel = {
    format: cleanModelFormat,
    version: cleanModelVersion,
    toolVersion: opts.toolVersion ?? 'unknown',
    id: params.id ?? null,
    features,
    input: { source: opts.source ?? null, nRows: ds.nRows, columns: columnInfo(ds) },
    steps,
    output: { nRows: cur.nRows, columns: columnInfo(cur) },
    lineage: chainOf(ds),
  };
  const data = cur.withMetadata({ ...cur.metadata, [chainKey]: JSON.stringify(chainWith(model)) });
  report.nRowsOut = data.nRows;
  report.columnsOut = data.nCols;
  return { data, model, report, rows };
}

/** Options of {@link applyCleanModel}. */
export interface ApplyCleanOptions {
  /** Worker threads for KNN imputation. */
  pool?: WorkerPool | undefined;
  /** Progress of the long steps; results never depend on it. */
  logger?: Logger | undefined;
  /** Unseen categorical levels: 'ignore' (all zeros / missing, counted) or 'error'; default the model's. */
  unseen?: UnseenPolicy | undefined;
  /**
   * Remove rows as the model's validation (`drop`) and outlier (`drop`) steps say (default true). Scoring commands
   * that must return every row pass false: those rows are then kept and transformed like the others.
   */
  dropRows?: boolean | undefined;
  /** Date of `past` rules, epoch ms (default: now). */
  asOf?: number | undefined;
}

/** What replaying a clean model found. */
export interface ApplyCleanReport {
  nRowsIn: number;
  nRowsOut: number;
  validation: ValidationSummary | null;
  outliers: OutlierReport | null;
  imputation: ImputeReport | null;
  encoding: EncodeReport | null;
  /** Input row (0-based) of each output row. */
  rows: Int32Array;
}

/**
 * Transform new raw data exactly as the model's training data was transformed, with the fitted statistics (never
 * refitted): validation, column drops, log, outliers (bounds / forest of the training data), imputation (training
 * statistics; KNN donors from the training reference rows), scaling and encoding. Deduplication is not replayed
 * (new rows are scored one by one). Output columns follow the model's output order; columns the model never saw
 * are carried after them. The result's metadata carries the model's chain.
 * @throws DataError when a column the model needs is missing or has the wrong kind, a value cannot be transformed
 *   (log of a value ≤ −1), or an unseen level meets unseen 'error'; CheckFailedError for validation 'fail'.
 */
export async function applyCleanModelWithReport(
  ds: Dataset,
  model: CleanModel,
  opts: ApplyCleanOptions = {},
): Promise<{ data: Dataset; report: ApplyCleanReport }> {
  const dropRows = opts.dropRows ?? true;
  let cur = ds;
  let rows = rowRange(ds.nRows);
  const keepRows = (keep: Int32Array | null): void => {
    if (keep) rows = takeIndices(rows, keep);
  };
  const report: ApplyCleanReport = {
    nRowsIn: ds.nRows,
    nRowsOut: 0,
    validation: null,
    outliers: null,
    imputation: null,
    encoding: null,
    rows,
  };
  for (const step of model.steps) {
    switch (step.step) {
      case 'validate': {
        const action = step.onInvalid === 'drop' && !dropRows ? 'report' : step.onInvalid;
        const { keep, summary } = validateRows(
          cur,
          step.rules,
          action,
          opts.asOf ?? Date.now(),
          (i) => rows[i]! + 1,
        );
        report.validation = summary;
        if (keep) cur = cur.take(keep);
        keepRows(keep);
        break;
      }
      case 'dedupe':
        break;
      case 'drop':
        cur = cur.drop(step.columns);
        break;
      case 'infinite':
        cur = applyInfinite(cur, step);
        break;
      case 'log1p':
        cur = applyLog(cur, step.columns);
        break;
      case 'outliers': {
        const r = applyOutliers(cur, step, dropRows, opts.logger);
        report.outliers = r.report;
        cur = r.data;
        keepRows(r.keep);
        break;
      }
      case 'impute': {
        const r = await applyImpute(cur, step, opts.pool, opts.logger);
        report.imputation = r.report;
        cur = r.data;
        break;
      }
      case 'scale':
        cur = applyScale(cur, step);
        break;
      case 'encode': {
        const r = applyEncode(cur, step, opts.unseen);
        report.encoding = r.report;
        cur = r.data;
        break;
      }
    }
  }
  const order = model.output.columns.map((c) => c.name).filter((n) => cur.has(n));
  const known = new Set(order);
  const extra = cur.names.filter((n) => !known.has(n));
  cur = cur.select([...order, ...extra]);
  const data = cur.withMetadata({ ...cur.metadata, [chainKey]: JSON.stringify(chainWith(model)) });
  report.nRowsOut = data.nRows;
  report.rows = rows;
  return { data, report };
}

/**
 * Transform new raw data with a fitted clean model; see {@link applyCleanModelWithReport} (this returns the data
 * only).
 * @throws see {@link applyCleanModelWithReport}.
 * @example
 * const model = await loadCleanModel('clean.json');
 * const cleaned = await applyCleanModel(await readDataset('tonight.parquet'), model);
 */
export async function applyCleanModel(
  ds: Dataset,
  model: CleanModel,
  opts: ApplyCleanOptions = {},
): Promise<Dataset> {
  return (await applyCleanModelWithReport(ds, model, opts)).data;
}

/** Whether every one of the `n` cells of `c` is missing; stops at the first present cell. */
function allMissing(c: Column, n: number): boolean {
  for (let i = 0; i < n; i++) if (!isMissing(c, i)) return false;
  return true;
}
