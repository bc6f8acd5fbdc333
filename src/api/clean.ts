import {
  applyCleanModelWithReport,
  fitClean,
  type ApplyCleanReport,
  type CleanParams,
  type CleanReport,
} from '../clean/clean.js';
import { keepPolicies, type KeepPolicy } from '../clean/dedupe.js';
import { encodeMethods, unseenPolicies, type EncodeMethod, type UnseenPolicy } from '../clean/encoder.js';
import { imputeStrategies, knnWeightings, type ImputeStrategy, type KnnWeighting } from '../clean/imputer.js';
import {
  cleanModelText,
  infActions,
  loadCleanModel,
  type CleanModel,
  type InfAction,
} from '../clean/clean-model.js';
import { outlierActions, outlierMethods, type OutlierAction, type OutlierMethod } from '../clean/outliers.js';
import { constantActions, scaleMethods, type ConstantAction, type ScaleMethod } from '../clean/scaler.js';
import { similarityMethods, type SimilarityMethod } from '../clean/text-similarity.js';
import { invalidActions, loadValidationRules, parseAsOf, type InvalidAction } from '../clean/validate.js';
import type { Dataset } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { formatCount, round3 } from '../core/format.js';
import {
  checkedText,
  describeParser,
  intAtLeast,
  InvalidValueError,
  list,
  positiveNumber,
  refuseFitOnly,
  repeated,
  withDefaults,
  type Param,
} from '../core/params.js';
import { toolVersion as version } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import { readDataset } from '../io/read.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** `--similarity`: a number in (0, 1]. */
const similarityValue = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n > 0 && n <= 1))
      throw new InvalidValueError(`expected a number in (0, 1], got '${v}'.`);
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, maximum: 1 },
);

/**
 * Parse `--impute`: a strategy for every numeric column, per-column `col=strategy` entries, or both
 * (`median,age=knn`).
 * @throws UsageError for an unknown strategy, two defaults, or an empty entry.
 */
export function parseImputeSpec(spec: string): {
  strategy: ImputeStrategy;
  perColumn: Record<string, ImputeStrategy>;
} {
  let strategy: ImputeStrategy | undefined;
  const perColumn: Record<string, ImputeStrategy> = {};
  const known = (s: string, where: string): ImputeStrategy => {
    if (!(imputeStrategies as readonly string[]).includes(s)) {
      throw new UsageError(
        `--impute: unknown strategy '${s}'${where}`,
        `use one of: ${imputeStrategies.join(', ')}`,
      );
    }
    return s as ImputeStrategy;
  };
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') throw new UsageError(`--impute: empty entry in '${spec}'`);
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (strategy !== undefined) {
        throw new UsageError(
          `--impute: two default strategies ('${strategy}' and '${part}')`,
          'give one, plus col=strategy entries',
        );
      }
      strategy = known(part, '');
    } else {
      const col = part.slice(0, eq).trim();
      if (col === '') throw new UsageError(`--impute: missing column name in '${part}'`);
      perColumn[col] = known(part.slice(eq + 1).trim(), ` for column '${col}'`);
    }
  }
  return { strategy: strategy ?? 'none', perColumn };
}

/**
 * Parse `--contamination`: `auto` or an outlier share in (0, 0.5].
 * @throws UsageError for anything else.
 */
export function parseContamination(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const x = Number(v);
  if (v.trim() === '' || !(x > 0 && x <= 0.5))
    throw new UsageError(`--contamination must be auto or a number in (0, 0.5], got '${v}'`);
  return x;
}

/**
 * The parameters of `segment clean`, in help order. `fitOnly` marks those refused with `--apply` (the saved model
 * decides every step).
 */
export const cleanParams: readonly Param[] = [
  { flags: '--id <col>', help: 'id column: never a feature, carried through untouched' },
  {
    flags: '--features <cols>',
    help: 'feature columns to clean (default: every numeric column but the id and dates)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--exclude <cols>',
    help: 'columns to leave out of the features',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--drop <cols>',
    help: 'remove these columns (after validation and dedupe)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--rules <file>',
    help: 'validation rules (YAML: columns → required, type, min, max, pattern, in, past)',
    fitOnly: true,
  },
  {
    flags: '--require <cols>',
    help: 'validation: these columns must not be missing',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--range <col=min..max>',
    help: 'validation: inclusive range (numbers or dates; a side may be empty); repeatable',
    parse: repeated,
    fitOnly: true,
  },
  {
    flags: '--pattern <col=regex>',
    help: 'validation: the whole value must match; repeatable',
    parse: repeated,
    fitOnly: true,
  },
  {
    flags: '--allowed <col=a|b|c>',
    help: 'validation: allowed values; repeatable',
    parse: repeated,
    fitOnly: true,
  },
  { flags: '--past <cols>', help: 'validation: dates not after --as-of', parse: list, fitOnly: true },
  { flags: '--as-of <date>', help: 'the date of --past rules (default: now)' },
  {
    flags: '--on-invalid <action>',
    help: 'rows breaking a rule: report them, drop them, or fail (exit 1)',
    choices: invalidActions,
    default: 'report',
    fitOnly: true,
  },
  {
    flags: '--dedupe <cols>',
    help: 'remove rows with the same value of these key columns (composite key)',
    parse: list,
    fitOnly: true,
  },
  { flags: '--dedupe-rows', help: 'remove rows identical in every column', fitOnly: true },
  {
    flags: '--keep <policy>',
    help: 'which duplicate survives',
    choices: keepPolicies,
    default: 'first',
    fitOnly: true,
  },
  {
    flags: '--fuzzy-dedupe <col>',
    help: 'remove rows whose text in this column is near-identical after normalisation',
    fitOnly: true,
  },
  {
    flags: '--similarity <x>',
    help: 'fuzzy dedupe: minimum similarity in (0, 1]',
    parse: similarityValue,
    default: 0.92,
    fitOnly: true,
  },
  {
    flags: '--fuzzy-method <name>',
    help: 'fuzzy dedupe similarity',
    choices: similarityMethods,
    default: 'jaro-winkler',
    fitOnly: true,
  },
  {
    flags: '--fuzzy-digits <mode>',
    help: 'fuzzy dedupe: digits must be equal (exact) or only similar like letters',
    choices: ['exact', 'similar'],
    default: 'exact',
    fitOnly: true,
  },
  {
    flags: '--fuzzy-window <n>',
    help: 'fuzzy dedupe: sorted-neighbourhood window (blocking)',
    parse: intAtLeast(2),
    default: 10,
    fitOnly: true,
  },
  {
    flags: '--inf <action>',
    help: 'infinite values (inf, -inf) in the numeric columns: refuse them, make them missing (then impute), or clip them to the finite range',
    choices: infActions,
    default: 'error',
    fitOnly: true,
  },
  {
    flags: '--log <cols>',
    help: 'replace these columns by log(1 + x) (skewed money columns)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--outliers <method>',
    help: 'outlier detection',
    choices: outlierMethods,
    default: 'none',
    fitOnly: true,
  },
  {
    flags: '--outlier-action <action>',
    help: 'add an `outlier` 0/1 column, clip to the bounds, or drop the rows',
    choices: outlierActions,
    default: 'flag',
    fitOnly: true,
  },
  {
    flags: '--outlier-col <name>',
    help: 'name of the 0/1 column --outlier-action flag adds',
    default: 'outlier',
    fitOnly: true,
  },
  {
    flags: '--iqr-factor <x>',
    help: 'IQR fences at Q1 - x·IQR and Q3 + x·IQR',
    parse: positiveNumber,
    default: 1.5,
    fitOnly: true,
  },
  {
    flags: '--zscore-threshold <x>',
    help: 'z-score outliers beyond mean ± x·std',
    parse: positiveNumber,
    default: 3,
    fitOnly: true,
  },
  {
    flags: '--contamination <x|auto>',
    help: 'isolation forest: outlier share in (0, 0.5], or auto (score < -0.5)',
    parse: checkedText(parseContamination, {
      anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 0.5 }, { const: 'auto' }],
    }),
    default: 'auto',
    fitOnly: true,
  },
  {
    flags: '--n-estimators <n>',
    help: 'isolation forest: trees',
    parse: intAtLeast(1),
    default: 100,
    fitOnly: true,
  },
  {
    flags: '--max-samples <n>',
    help: 'isolation forest: rows per tree',
    parse: intAtLeast(1),
    default: 256,
    fitOnly: true,
  },
  {
    flags: '--impute <spec>',
    help: `strategy (${imputeStrategies.join('|')}) for every numeric column, and/or col=strategy entries, e.g. median,age=knn`,
    // checked as the command line is parsed (so `segment run` refuses a bad spec before any step runs)
    parse: checkedText(parseImputeSpec, { type: 'string', minLength: 1 }),
    default: 'none',
    fitOnly: true,
  },
  {
    flags: '--fill-value <x>',
    help: 'value of the constant strategy (default: 0, or missing_value for text)',
    fitOnly: true,
  },
  {
    flags: '--knn-k <n>',
    help: 'KNN imputation: neighbours',
    parse: intAtLeast(1),
    default: 5,
    fitOnly: true,
  },
  {
    flags: '--knn-weights <w>',
    help: 'KNN imputation: donor weights',
    choices: knnWeightings,
    default: 'uniform',
    fitOnly: true,
  },
  {
    flags: '--missing-indicators',
    help: 'add a 0/1 <col>_missing column for every imputed column that had gaps',
    fitOnly: true,
  },
  { flags: '--scale <method>', help: 'scaling', choices: scaleMethods, default: 'none', fitOnly: true },
  {
    flags: '--constant <action>',
    help: 'constant columns: leave unscaled or drop',
    choices: constantActions,
    default: 'keep',
    fitOnly: true,
  },
  {
    flags: '--encode <method>',
    help: 'categorical encoding',
    choices: encodeMethods,
    default: 'none',
    fitOnly: true,
  },
  {
    flags: '--encode-cols <cols>',
    help: 'columns to encode (default: categorical columns with at most --max-levels levels)',
    parse: list,
    fitOnly: true,
  },
  {
    flags: '--max-levels <n>',
    help: 'default --encode columns have at most this many levels',
    parse: intAtLeast(1),
    default: 50,
    fitOnly: true,
  },
  {
    flags: '--unseen <policy>',
    help: 'a level unseen at fit time: ignore (all zeros / missing, counted) or error',
    choices: unseenPolicies,
    default: 'ignore',
  },
  {
    flags: '--apply <model>',
    help: 'replay a saved clean model on this data instead of fitting',
    pipeline: false,
  },
  { flags: '--keep-all-rows', help: 'with --apply: keep rows the model would drop (validation / outliers)' },
  {
    flags: '-o, --output <path>',
    help: 'cleaned data (.parquet, .csv, .json; - = CSV on stdout)',
    pipeline: false,
  },
  {
    flags: '--model <path>',
    help: 'write the fitted clean model (JSON) for --apply, assign and run',
    pipeline: false,
    fitOnly: true,
  },
  {
    flags: '--json',
    help: 'print the cleaning report (per step: counts, examples, warnings) as JSON on stdout',
    pipeline: false,
  },
  ...inputParams,
];

/** The options of `segment clean` (attribute names as on the command line); left out = the parameter's default. */
export interface CleanOptions extends InputOptions {
  id?: string;
  features?: string[];
  exclude?: string[];
  drop?: string[];
  /** Path of a YAML rules file. */
  rules?: string;
  require?: string[];
  range?: string[];
  pattern?: string[];
  allowed?: string[];
  past?: string[];
  asOf?: string;
  onInvalid?: InvalidAction;
  dedupe?: string[];
  dedupeRows?: boolean;
  keep?: KeepPolicy;
  fuzzyDedupe?: string;
  similarity?: number;
  fuzzyMethod?: SimilarityMethod;
  fuzzyWindow?: number;
  fuzzyDigits?: 'exact' | 'similar';
  log?: string[];
  outliers?: OutlierMethod;
  outlierAction?: OutlierAction;
  inf?: InfAction;
  outlierCol?: string;
  iqrFactor?: number;
  zscoreThreshold?: number;
  /** `auto` or a share in (0, 0.5], as text. */
  contamination?: string;
  nEstimators?: number;
  maxSamples?: number;
  /** See {@link parseImputeSpec}. */
  impute?: string;
  fillValue?: string;
  knnK?: number;
  knnWeights?: KnnWeighting;
  missingIndicators?: boolean;
  scale?: ScaleMethod;
  constant?: ConstantAction;
  encode?: EncodeMethod;
  encodeCols?: string[];
  maxLevels?: number;
  unseen?: UnseenPolicy;
  /** Replay this saved clean model instead of fitting. */
  apply?: string;
  keepAllRows?: boolean;
  /** Cleaned data file (`-`: CSV on the output stream). */
  output?: string;
  /** Where to write the fitted clean model. */
  model?: string;
  json?: boolean;
}

/** What `--json` prints after fitting: the report, the files and the seconds. */
export type CleanFitJson = CleanReport & {
  input: string;
  output: string | null;
  model: string | null;
  seconds: number;
};

/** What `--json` prints after replaying a model: the replay report (without row indices), the files, the seconds. */
export type CleanApplyJson = Omit<ApplyCleanReport, 'rows'> & {
  input: string;
  model: string;
  output: string | null;
  seconds: number;
};

/** What {@link runClean} did. */
export interface CleanResult {
  /** The cleaned rows. */
  data: Dataset;
  /** The fitted model; null when a saved model was replayed (`--apply`). */
  model: CleanModel | null;
  /** What `segment clean --json` prints. */
  json: CleanFitJson | CleanApplyJson;
}

type Resolved = CleanOptions &
  Required<
    Pick<
      CleanOptions,
      | 'onInvalid'
      | 'keep'
      | 'similarity'
      | 'fuzzyMethod'
      | 'fuzzyWindow'
      | 'fuzzyDigits'
      | 'outliers'
      | 'outlierAction'
      | 'inf'
      | 'outlierCol'
      | 'iqrFactor'
      | 'zscoreThreshold'
      | 'contamination'
      | 'nEstimators'
      | 'maxSamples'
      | 'impute'
      | 'knnK'
      | 'knnWeights'
      | 'scale'
      | 'constant'
      | 'encode'
      | 'maxLevels'
      | 'unseen'
    >
  >;

/** The parameters of `fitClean` from the options (reads the rules file), and whether KNN imputation is asked. */
async function fitParamsOf(
  o: Resolved,
  asOf: number | undefined,
  seed: number,
): Promise<{ params: CleanParams; usesKnn: boolean }> {
  const contamination = parseContamination(o.contamination);
  const impute = parseImputeSpec(o.impute);
  const fuzzy = o.fuzzyDedupe
    ? {
        column: o.fuzzyDedupe,
        similarity: o.similarity,
        method: o.fuzzyMethod,
        window: o.fuzzyWindow,
        digits: o.fuzzyDigits,
      }
    : undefined;
  const rules = await loadValidationRules(o);
  const params: CleanParams = {
    id: o.id,
    features: o.features,
    exclude: o.exclude,
    drop: o.drop,
    rules,
    onInvalid: o.onInvalid,
    asOf,
    dedupe: { keys: o.dedupe, rows: o.dedupeRows, fuzzy, keep: o.keep },
    inf: o.inf,
    log: o.log,
    outliers: {
      method: o.outliers,
      action: o.outlierAction,
      flagColumn: o.outlierCol,
      iqrFactor: o.iqrFactor,
      zThreshold: o.zscoreThreshold,
      contamination,
      nEstimators: o.nEstimators,
      maxSamples: o.maxSamples,
    },
    impute: {
      strategy: impute.strategy,
      perColumn: impute.perColumn,
      fillValue: o.fillValue,
      knnK: o.knnK,
      knnWeights: o.knnWeights,
      indicators: o.missingIndicators,
    },
    scale: { method: o.scale, constant: o.constant },
    encode: { method: o.encode, columns: o.encodeCols, maxLevels: o.maxLevels, unseen: o.unseen },
    seed,
  };
  const usesKnn = impute.strategy === 'knn' || Object.values(impute.perColumn).includes('knn');
  return { params, usesKnn };
}

/** The info line after fitting: rows in and out, and what each step changed. */
function fitSummaryLine(r: CleanReport): string {
  const parts = [`${formatCount(r.nRowsIn)} -> ${formatCount(r.nRowsOut)} rows`];
  if (r.dedupe) parts.push(`${r.dedupe.rowsRemoved} duplicate(s) removed`);
  if (r.outliers)
    parts.push(
      `${r.outliers.rows} outlier row(s) ${r.outliers.action === 'drop' ? 'dropped' : r.outliers.action === 'clip' ? 'clipped' : 'flagged'}`,
    );
  if (r.imputation) parts.push(`${r.imputation.total} value(s) imputed`);
  if (r.scaling) parts.push(`${r.scaling.columns.length} column(s) scaled (${r.scaling.method})`);
  if (r.encoding) parts.push(`${r.encoding.columns.length} column(s) encoded (${r.encoding.method})`);
  return parts.join(', ');
}

/**
 * `segment clean` as a library function: validate, dedupe, log, outliers, impute, scale and encode `input`
 * (fitting every step, recorded in the model), or replay a saved clean model on it (`apply`). Writes `output` and
 * `model` through the output guard, logs warnings and a summary line, and returns the data, the fitted model and
 * what `--json` prints.
 * @throws UsageError for options that do not go together or bad values; DataError for data the steps refuse;
 *   CheckFailedError when validation fails with `onInvalid: 'fail'`.
 * @example
 * const { json } = await runClean('customers.csv', { id: 'customer_id', impute: 'median', scale: 'zscore',
 *   output: 'clean.parquet', model: 'clean.json' }, stepEnv());
 */
export async function runClean(input: string, options: CleanOptions, env: StepEnv): Promise<CleanResult> {
  const o = withDefaults(cleanParams, options) as Resolved;
  if (!o.output && !o.model && !o.json) {
    throw new UsageError('clean writes nothing without -o, --model or --json', 'add -o clean.parquet');
  }
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  const out = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--apply', path: o.apply },
      { flag: '--rules', path: o.rules },
    ],
    [
      { flag: '-o', path: o.output },
      { flag: '--model', path: !o.apply && o.model },
    ],
  );
  try {
    const asOf = parseAsOf(o.asOf);
    const started = performance.now();
    const source = input === '-' ? 'stdin' : input;

    if (o.apply) {
      refuseFitOnly(cleanParams, env.given);
      const model = await loadCleanModel(o.apply);
      const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
      const needsPool = model.steps.some((s) => s.step === 'impute' && s.knn !== null);
      const pool = needsPool ? new WorkerPool(env.threads) : undefined;
      let result;
      try {
        result = await applyCleanModelWithReport(ds, model, {
          pool,
          logger: env.logger,
          unseen: env.given?.has('unseen') ? o.unseen : undefined,
          dropRows: !o.keepAllRows,
          asOf,
        });
      } finally {
        await pool?.close();
      }
      if (o.output) await out.writeDataset('-o', result.data);
      await out.commit();
      const { rows: _rows, ...summary } = result.report;
      const json: CleanApplyJson = {
        ...summary,
        input: source,
        model: o.apply,
        output: o.output ?? null,
        seconds: round3((performance.now() - started) / 1000),
      };
      const unseen = Object.values(result.report.encoding?.unseen ?? {}).reduce((a, b) => a + b, 0);
      if (unseen > 0)
        env.logger.log(
          'warn',
          `${unseen} value(s) of categorical levels unseen at fit time were encoded as no level`,
        );
      env.logger.log(
        'info',
        `applied ${o.apply}: ${formatCount(summary.nRowsIn)} -> ${formatCount(summary.nRowsOut)} rows`,
      );
      return { data: result.data, model: null, json };
    }

    if (o.keepAllRows) throw new UsageError('--keep-all-rows applies to --apply only');
    const { params, usesKnn } = await fitParamsOf(o, asOf, env.seed);
    const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
    const pool = usesKnn ? new WorkerPool(env.threads) : undefined;
    let fit;
    try {
      fit = await fitClean(ds, params, { pool, logger: env.logger, toolVersion: version, source });
    } finally {
      await pool?.close();
    }
    for (const w of fit.report.warnings) env.logger.log('warn', w);
    if (fit.report.validation && fit.report.validation.rowsFailing > 0) {
      env.logger.log(
        'warn',
        `${fit.report.validation.rowsFailing} row(s) break a validation rule` +
          (fit.report.validation.rowsDropped > 0 ? ' (dropped)' : ' (kept; --on-invalid drop removes them)'),
      );
    }
    if (o.output) await out.writeDataset('-o', fit.data);
    if (o.model) await out.writeText('--model', cleanModelText(fit.model));
    await out.commit();
    const json: CleanFitJson = {
      ...fit.report,
      input: source,
      output: o.output ?? null,
      model: o.model ?? null,
      seconds: round3((performance.now() - started) / 1000),
    };
    env.logger.log('info', fitSummaryLine(fit.report));
    return { data: fit.data, model: fit.model, json };
  } finally {
    await out.abort();
  }
}

/** `segment clean` as a pipeline step. */
export const cleanCommand: StepCommand<CleanOptions, CleanResult> = {
  name: 'clean',
  params: cleanParams,
  run: (input, options, env) => {
    if (input === undefined) throw new UsageError('clean needs an input file');
    return runClean(input, options, env);
  },
};
