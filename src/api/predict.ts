import { UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import { warnDuplicateIds, type DuplicateIds } from '../core/ids.js';
import {
  InvalidValueError,
  describeParser,
  intAtLeast,
  list,
  positiveNumber,
  share,
  type Param,
} from '../core/params.js';
import { toolVersion as version } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { Dataset } from '../core/dataset.js';
import type { OutputSet } from '../io/outputs.js';
import { readDataset } from '../io/read.js';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { loadPredictModel, predictModelText, type PredictModel } from '../predict/predict-model.js';
import { buildPredictReport, renderPredictHtml, type PredictReport } from '../predict/report.js';
import { predictReportCharts } from '../predict/report-charts.js';
import { checkCuts, scorePropensity, type ScoreResult } from '../predict/score.js';
import { predictModelSummary, trainedLine } from '../predict/summary.js';
import { trainPropensity, type PredictParams, type TrainResult } from '../predict/train.js';
import type { StepEnv } from './env.js';

/** `--test-size`: a share strictly between 0 and 1. */
const openShare = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
      throw new InvalidValueError(`expected a number in (0, 1), got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
);

/** `--tiers`: comma-separated numbers. */
const numberList = describeParser(
  (v: string): number[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => {
        const n = Number(s);
        if (!Number.isFinite(n))
          throw new InvalidValueError(`expected numbers such as 0.2,0.5,0.8, got '${v}'.`);
        return n;
      }),
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'number' } }] },
);

/**
 * Parse `--max-features`: sqrt, log2, all, a whole count, or a fraction in (0, 1).
 * @throws UsageError for anything else.
 */
export function parseMaxFeatures(v: string): 'sqrt' | 'log2' | 'all' | number {
  if (v === 'sqrt' || v === 'log2' || v === 'all') return v;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (n >= 1 && !Number.isInteger(n))) {
    throw new UsageError(
      `--max-features expects sqrt, log2, all, a whole count or a fraction in (0, 1), got '${v}'`,
      'e.g. --max-features sqrt',
    );
  }
  return n;
}

/** Parameters of `segment predict train` (the shared input flags last). */
export const predictTrainParams: readonly Param[] = [
  {
    flags: '--target <col>',
    help: 'the binary column to predict: 0/1, true/false, or two values (required)',
  },
  {
    flags: '--positive <value>',
    help: 'value of the target that is the positive class (default: true/yes/1, else the larger)',
  },
  {
    flags: '--algo <algo>',
    help: 'estimator',
    choices: ['rf', 'logistic'],
    default: 'rf',
    attr: 'algorithm',
  },
  { flags: '--id <col>', help: 'id column: never a feature, carried into the scores' },
  {
    flags: '--features <cols>',
    help: 'feature columns (default: numeric columns but the id and the target)',
    parse: list,
  },
  { flags: '--exclude <cols>', help: 'columns to leave out of the features', parse: list },
  {
    flags: '--cv <folds>',
    help: 'evaluate by stratified k-fold cross-validation instead of a hold-out split',
    parse: intAtLeast(2),
  },
  {
    flags: '--test-size <share>',
    help: 'evaluate on a stratified hold-out share (default: 0.25)',
    parse: openShare,
  },
  {
    flags: '--calibrate <method>',
    help: 'calibrate probabilities on out-of-fold scores',
    choices: ['platt', 'isotonic'],
  },
  {
    flags: '--calibration-cv <folds>',
    help: 'folds of the calibration scores',
    parse: intAtLeast(2),
    default: 5,
  },
  {
    flags: '--class-weight <mode>',
    help: 'weight classes inversely to their frequency',
    choices: ['balanced'],
  },
  {
    flags: '--threshold <p>',
    help: 'probability at or above which a row is predicted positive',
    parse: share,
    default: 0.5,
  },
  {
    flags: '--C <x>',
    help: 'logistic: inverse L2 regularisation strength (as scikit-learn)',
    parse: positiveNumber,
    default: 1,
  },
  { flags: '--n-estimators <n>', help: 'rf: trees', parse: intAtLeast(1), default: 100 },
  { flags: '--max-depth <n>', help: 'rf: tree depth limit (default: none)', parse: intAtLeast(1) },
  { flags: '--min-samples-leaf <n>', help: 'rf: fewest rows in a leaf', parse: intAtLeast(1), default: 1 },
  {
    flags: '--max-features <m>',
    help: 'rf: features per split: sqrt, log2, all, a count or a fraction',
    default: 'sqrt',
  },
  {
    flags: '--permutation-repeats <n>',
    help: 'shuffles per feature for permutation importance (0: skip)',
    parse: intAtLeast(0),
    default: 5,
  },
  {
    flags: '--permutation-rows <n>',
    help: 'held-out rows permutation importance is measured on, at most (seeded sample)',
    parse: intAtLeast(2),
    default: 5000,
  },
  { flags: '--model <path>', help: 'write the fitted model (JSON) for predict score' },
  { flags: '--json', help: 'print the evaluation, importances and coefficients as JSON on stdout' },
  {
    flags: '--html <path>',
    help: 'write the evaluation report as a self-contained HTML page (as predict report)',
  },
  {
    flags: '--report-json <path>',
    help: 'write the evaluation report as JSON (as predict report --json)',
  },
  ...inputParams,
];

/** Options of `segment predict train` (attribute names as the CLI makes them). */
export interface PredictTrainOptions extends InputOptions {
  target?: string;
  positive?: string;
  algorithm?: 'rf' | 'logistic';
  id?: string;
  features?: string[];
  exclude?: string[];
  cv?: number;
  testSize?: number;
  calibrate?: 'platt' | 'isotonic';
  calibrationCv?: number;
  classWeight?: 'balanced';
  threshold?: number;
  C?: number;
  nEstimators?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  maxFeatures?: string;
  permutationRepeats?: number;
  permutationRows?: number;
  model?: string;
  json?: boolean;
  html?: string;
  reportJson?: string;
}

/** What `predict train` produced: the model, the training notes, and what `--json` prints. */
export interface PredictTrainResult extends TrainResult {
  readSeconds: number;
  fitSeconds: number;
  /** The summary `--json` prints: the model's evaluation, importances, coefficients, warnings, timings. */
  json: Record<string, unknown>;
}

const rfOnly = ['nEstimators', 'maxDepth', 'minSamplesLeaf', 'maxFeatures'];

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * The training parameters of `predict train` options: checks the flags go together (an rf flag set with
 * `--algo logistic`, `--C` with rf, `--calibration-cv` without `--calibrate` are usage errors when `given`).
 * @throws UsageError naming the flag.
 */
export function predictTrainParamsOf(
  o: PredictTrainOptions,
  seed: number,
  given?: ReadonlySet<string>,
): PredictParams {
  if (!o.target) throw new UsageError('predict train needs --target COL', 'e.g. --target churned');
  if (o.cv !== undefined && o.testSize !== undefined) {
    throw new UsageError('--cv and --test-size are exclusive; pick one evaluation');
  }
  const set = (name: string): boolean => given?.has(name) ?? false;
  const algo = o.algorithm ?? 'rf';
  if (algo === 'logistic') {
    for (const name of rfOnly)
      if (set(name)) throw new UsageError(`--${kebab(name)} applies to --algo rf only`);
  } else if (set('C')) throw new UsageError('--C applies to --algo logistic only');
  if (!o.calibrate && set('calibrationCv'))
    throw new UsageError('--calibration-cv applies to --calibrate only');
  return {
    target: o.target,
    positive: o.positive,
    id: o.id,
    features: o.features,
    exclude: o.exclude,
    algorithm: algo,
    cv: o.cv,
    testSize: o.testSize,
    calibrate: o.calibrate ?? null,
    calibrationCv: o.calibrationCv ?? 5,
    classWeight: o.classWeight ?? null,
    threshold: o.threshold ?? 0.5,
    C: o.C ?? 1,
    forest: {
      nEstimators: o.nEstimators ?? 100,
      maxDepth: o.maxDepth ?? null,
      minSamplesLeaf: o.minSamplesLeaf ?? 1,
      maxFeatures: parseMaxFeatures(o.maxFeatures ?? 'sqrt'),
    },
    permutationRepeats: o.permutationRepeats ?? 5,
    permutationRows: o.permutationRows ?? 5000,
    seed,
  };
}

/**
 * `segment predict train`: read the data, fit a random forest or logistic regression on a yes/no target, evaluate
 * it on held-out rows (or by cross-validation), refit on every labelled row, and write the model and its report.
 * @example
 * const r = await runPredictTrain('customers.parquet', { target: 'churned', id: 'customer_id', model: 'churn.json' }, stepEnv());
 * console.log(r.model.evaluation.metrics.rocAuc);
 */
export async function runPredictTrain(
  input: string,
  o: PredictTrainOptions,
  env: StepEnv,
): Promise<PredictTrainResult> {
  if (!o.target) throw new UsageError('predict train needs --target COL', 'e.g. --target churned');
  if (!o.model && !o.json && !o.html && !o.reportJson) {
    throw new UsageError(
      'predict train writes nothing without --model, --json, --html or --report-json',
      'add --model model.json',
    );
  }
  const params = predictTrainParamsOf(o, env.seed, env.given);
  const out = await env.outputs(
    [{ flag: 'input', path: input }],
    [
      { flag: '--model', path: o.model },
      { flag: '--html', path: o.html },
      { flag: '--report-json', path: o.reportJson },
    ],
  );
  try {
    const started = performance.now();
    const ds = await readDataset(input, readOptionsOf(o, env));
    const readSeconds = (performance.now() - started) / 1000;
    const pool = new WorkerPool(env.threads);
    const fitStart = performance.now();
    let result: TrainResult;
    try {
      result = await trainPropensity(ds, params, {
        pool,
        memoryLimit: env.memoryLimit,
        logger: env.logger,
        toolVersion: version,
      });
    } finally {
      await pool.close();
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of result.warnings) env.logger.log('warn', w);
    const { model } = result;
    if (o.model) await out.writeText('--model', predictModelText(model));
    await writePredictReport(model, o.model ?? null, out, '--html', '--report-json');
    await out.commit();
    const json = {
      input: input === '-' ? 'stdin' : input,
      ...predictModelSummary(model),
      leftOut: result.leftOut,
      droppedUnlabeled: result.droppedUnlabeled,
      warnings: result.warnings,
      model: o.model ?? null,
      timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
    };
    env.logger.log('info', trainedLine(model, fitSeconds));
    return { ...result, readSeconds, fitSeconds, json };
  } finally {
    await out.abort();
  }
}

/** Parameters of `segment predict report`. */
export const predictReportParams: readonly Param[] = [
  { flags: '--model <path>', help: 'model written by segment predict train --model (required)' },
  { flags: '--html <path>', help: 'write the self-contained HTML report (no network needed to open it)' },
  { flags: '--json [path]', help: 'the report as JSON (versioned schema): on stdout, or into this file' },
];

/** Options of `segment predict report`. */
export interface PredictReportOptions {
  model?: string;
  html?: string;
  /** true: the CLI prints the report; a path: written there. */
  json?: string | boolean;
}

/** The report of a saved propensity model (what `--json` alone prints) and the model. */
export interface PredictReportResult {
  model: PredictModel;
  report: PredictReport;
}

/**
 * `segment predict report`: the evaluation stored in a saved model as a report (HTML page and / or JSON file).
 * @example
 * const { report } = await runPredictReport({ model: 'churn.json', html: 'churn.html' }, stepEnv());
 */
export async function runPredictReport(o: PredictReportOptions, env: StepEnv): Promise<PredictReportResult> {
  if (!o.model)
    throw new UsageError(
      'predict report needs --model model.json',
      'write one with segment predict train --model',
    );
  if (!o.html && o.json === undefined)
    throw new UsageError('predict report writes nothing without --html or --json', 'add --html report.html');
  const out = await env.outputs(
    [{ flag: '--model', path: o.model }],
    [
      { flag: '--html', path: o.html },
      { flag: '--json', path: typeof o.json === 'string' ? o.json : undefined },
    ],
  );
  try {
    const model = await loadPredictModel(o.model);
    const report = await writePredictReport(model, o.model, out, '--html', '--json');
    await out.commit();
    env.logger.log(
      'info',
      `report of ${model.algorithm} model on '${model.target}'${o.html ? ` written to ${o.html}` : ''}`,
    );
    return { model, report };
  } finally {
    await out.abort();
  }
}

/** Parameters of `segment predict score` (the shared input flags last). */
export const predictScoreParams: readonly Param[] = [
  { flags: '--model <path>', help: 'model written by segment predict train --model (required)' },
  {
    flags: '-o, --output <path>',
    help: 'scores: id, probability, predicted, tier (.parquet, .csv, .json; - = CSV on stdout)',
  },
  {
    flags: '--tiers <cuts>',
    help: 'tier cut points on the probability, e.g. 0.2,0.5,0.8 (tiers 1..4)',
    parse: numberList,
  },
  {
    flags: '--deciles',
    help: 'tiers are deciles of the scored rows, 10 = highest (default: without --tiers)',
  },
  { flags: '--threshold <p>', help: "override the model's classification threshold", parse: share },
  { flags: '--id <col>', help: "id column, carried into the scores (default: the model's)" },
  {
    flags: '--probability-col <name>',
    help: 'name of the probability column written',
    default: 'probability',
  },
  {
    flags: '--predicted-col <name>',
    help: 'name of the predicted class column written',
    default: 'predicted',
  },
  { flags: '--tier-col <name>', help: 'name of the tier column written', default: 'tier' },
  inputKindParam,
  { flags: '--json', help: 'print the tier sizes and predicted positives as JSON on stdout' },
  ...inputParams,
];

/** Options of `segment predict score`. */
export interface PredictScoreOptions extends InputOptions {
  model?: string;
  output?: string;
  tiers?: number[];
  deciles?: boolean;
  threshold?: number;
  id?: string;
  input?: 'auto' | 'raw' | 'prepared';
  json?: boolean;
  probabilityCol?: string;
  predictedCol?: string;
  tierCol?: string;
}

/** The scored rows, what was done to get them, and what `--json` prints. */
export interface PredictScoreResult extends ScoreResult {
  model: PredictModel;
  duplicateIds: DuplicateIds | null;
  /** The summary `--json` prints: rows, threshold, predicted positives, tier sizes, file written. */
  json: Record<string, unknown>;
}

/**
 * The id column carried into the scores: `--id` (which must exist), else the model's id when the data has it
 * (warned about when it does not: rows are numbered instead).
 */
function scoreIdColumn(
  ds: Dataset,
  model: PredictModel,
  id: string | undefined,
  env: StepEnv,
): string | undefined {
  if (id !== undefined) {
    ds.column(id);
    return id;
  }
  if (model.id !== null && !ds.has(model.id)) {
    env.logger.log('warn', `the id column '${model.id}' is not in the data; rows are numbered instead`);
    return undefined;
  }
  return model.id ?? undefined;
}

/**
 * `segment predict score`: score rows with a saved propensity model — probability, predicted class, tier (deciles
 * of the scored rows, or fixed cut points) — and write them.
 * @example
 * const r = await runPredictScore('today.parquet', { model: 'churn.json', output: 'scores.parquet' }, stepEnv());
 * console.log(r.predictedPositive, r.tierSizes);
 */
export async function runPredictScore(
  input: string,
  o: PredictScoreOptions,
  env: StepEnv,
): Promise<PredictScoreResult> {
  if (!o.model)
    throw new UsageError(
      'predict score needs --model model.json',
      'write one with segment predict train --model',
    );
  if (!o.output && !o.json) throw new UsageError('predict score writes nothing without -o or --json');
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  if (o.tiers && o.deciles) throw new UsageError('--tiers and --deciles are exclusive; pick one');
  const tiers = o.tiers ? { kind: 'cuts' as const, cuts: checkCuts(o.tiers) } : { kind: 'deciles' as const };
  const out = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--model', path: o.model },
    ],
    [{ flag: '-o', path: o.output }],
  );
  try {
    const model = await loadPredictModel(o.model);
    const ds = await readDataset(input, readOptionsOf(o, env));
    const shown = input === '-' ? 'stdin' : input;
    const id = scoreIdColumn(ds, model, o.id, env);
    const duplicateIds = id !== undefined ? warnDuplicateIds(ds, id, env.logger, shown) : null;
    const columns = {
      probability: o.probabilityCol ?? 'probability',
      predicted: o.predictedCol ?? 'predicted',
      tier: o.tierCol ?? 'tier',
    };
    const pool = new WorkerPool(env.threads);
    let result: ScoreResult;
    try {
      result = await scorePropensity(model, ds, {
        pool,
        logger: env.logger,
        input: o.input ?? 'auto',
        threshold: o.threshold,
        tiers,
        id: o.id,
        columns,
        source: o.model,
        data: shown,
      });
    } finally {
      await pool.close();
    }
    if (o.output) await out.writeDataset('-o', result.scores);
    await out.commit();
    const json = {
      input: shown,
      model: o.model,
      replayed: result.replayed,
      columns,
      duplicateIds,
      rows: result.probability.length,
      threshold: result.threshold,
      predictedPositive: result.predictedPositive,
      tiers: tiers.kind,
      cuts: result.cuts,
      tierSizes: result.tierSizes,
      file: o.output ?? null,
    };
    env.logger.log(
      'info',
      `scored ${result.probability.length.toLocaleString('en-US')} rows: ${result.predictedPositive} predicted ${String(model.positiveClass)} at threshold ${result.threshold}`,
    );
    return { ...result, model, duplicateIds, json };
  } finally {
    await out.abort();
  }
}

/** Build the report of a model and stage its HTML page and / or JSON in `out` (when declared); returns the report. */
async function writePredictReport(
  model: PredictModel,
  path: string | null,
  out: OutputSet,
  html: string,
  json: string,
): Promise<PredictReport> {
  const report = buildPredictReport(model, { path, toolVersion: version });
  if (out.has(json)) await out.writeText(json, JSON.stringify(report, null, 2) + '\n');
  if (out.has(html)) await out.writeText(html, await renderPredictHtml(report, predictReportCharts(report)));
  return report;
}
