import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { warnDuplicateIds } from '../../core/ids.js';
import { round3 } from '../../core/format.js';
import { WorkerPool } from '../../core/worker-pool.js';
import type { OutputSet } from '../../io/outputs.js';
import { readDataset } from '../../io/read.js';
import { loadPredictModel, predictModelText, type PredictModel } from '../../predict/model.js';
import { buildPredictReport, renderPredictHtml } from '../../predict/report.js';
import { predictReportCharts } from '../../predict/report-charts.js';
import { checkCuts, scorePropensity } from '../../predict/score.js';
import { trainPropensity, type PredictParams } from '../../predict/train.js';
import { contextFrom } from '../context.js';
import { addInputOptions, inputKindOption, readOptionsFrom, type InputFlags } from '../io-options.js';
import { describeParser, intAtLeast, list, positiveNumber, share } from '../options.js';
import { version } from '../version.js';

interface TrainFlags extends InputFlags {
  target?: string;
  positive?: string;
  algo: 'rf' | 'logistic';
  id?: string;
  features?: string[];
  exclude?: string[];
  cv?: number;
  testSize?: number;
  calibrate?: 'platt' | 'isotonic';
  calibrationCv: number;
  classWeight?: 'balanced';
  threshold: number;
  C: number;
  nEstimators: number;
  maxDepth?: number;
  minSamplesLeaf: number;
  maxFeatures: string;
  permutationRepeats: number;
  permutationRows: number;
  model?: string;
  json?: boolean;
  html?: string;
  reportJson?: string;
}

interface ReportFlags {
  model?: string;
  html?: string;
  json?: string | boolean;
}

interface ScoreFlags extends InputFlags {
  model?: string;
  output?: string;
  tiers?: number[];
  deciles?: boolean;
  threshold?: number;
  id?: string;
  input: 'auto' | 'raw' | 'prepared';
  json?: boolean;
  probabilityCol: string;
  predictedCol: string;
  tierCol: string;
}

const openShare = describeParser(
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
      throw new InvalidArgumentError(`expected a number in (0, 1), got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
);

const numberList = describeParser(
  (v: string): number[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => {
        const n = Number(s);
        if (!Number.isFinite(n))
          throw new InvalidArgumentError(`expected numbers such as 0.2,0.5,0.8, got '${v}'.`);
        return n;
      }),
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'number' } }] },
);

/** Parse `--max-features`: sqrt, log2, all, a whole count, or a fraction in (0, 1). */
function parseMaxFeatures(v: string): 'sqrt' | 'log2' | 'all' | number {
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

function printable(model: PredictModel): Record<string, unknown> {
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

/** `segment predict train|score`: binary propensity models (random forest or logistic regression). */
export function registerPredict(program: Command): void {
  const predict = program
    .command('predict')
    .description(
      'propensity models (churn, purchase): train a binary classifier, report its evaluation, score new rows',
    );

  const train = predict
    .command('train')
    .description('fit a random forest or logistic regression on a yes/no target, evaluate it, save it')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .option('--target <col>', 'the binary column to predict (0/1, true/false, or two values)')
    .option(
      '--positive <value>',
      'value of the target that is the positive class (default: true/yes/1, else the larger)',
    )
    .addOption(new Option('--algo <algo>', 'estimator').choices(['rf', 'logistic']).default('rf'))
    .option('--id <col>', 'id column, never a feature (carried into the scores)')
    .option('--features <cols>', 'feature columns (default: numeric columns but the id and the target)', list)
    .option('--exclude <cols>', 'columns to leave out of the features', list)
    .option(
      '--cv <folds>',
      'evaluate by stratified k-fold cross-validation instead of a hold-out split',
      intAtLeast(2),
    )
    .option('--test-size <share>', 'evaluate on a stratified hold-out share (default 0.25)', openShare)
    .addOption(
      new Option('--calibrate <method>', 'calibrate probabilities on out-of-fold scores').choices([
        'platt',
        'isotonic',
      ]),
    )
    .option('--calibration-cv <folds>', 'folds of the calibration scores', intAtLeast(2), 5)
    .addOption(
      new Option('--class-weight <mode>', 'weight classes inversely to their frequency').choices([
        'balanced',
      ]),
    )
    .option('--threshold <p>', 'probability at or above which a row is predicted positive', share, 0.5)
    .option('--C <x>', 'logistic: inverse L2 regularisation strength (as scikit-learn)', positiveNumber, 1)
    .option('--n-estimators <n>', 'rf: trees', intAtLeast(1), 100)
    .option('--max-depth <n>', 'rf: tree depth limit (default: none)', intAtLeast(1))
    .option('--min-samples-leaf <n>', 'rf: fewest rows in a leaf', intAtLeast(1), 1)
    .option('--max-features <m>', 'rf: features per split: sqrt, log2, all, a count or a fraction', 'sqrt')
    .option(
      '--permutation-repeats <n>',
      'shuffles per feature for permutation importance (0: skip)',
      intAtLeast(0),
      5,
    )
    .option(
      '--permutation-rows <n>',
      'held-out rows permutation importance is measured on, at most (seeded sample)',
      intAtLeast(2),
      5000,
    )
    .option('--model <path>', 'write the fitted model (JSON) for predict score')
    .option('--json', 'print the evaluation, importances and coefficients as JSON')
    .option('--html <path>', 'write the evaluation report as a self-contained HTML page (as predict report)')
    .option('--report-json <path>', 'write the evaluation report as JSON (as predict report --json)');
  addInputOptions(train).addHelpText(
    'after',
    `
The target must have two classes; rows with a missing target are dropped (with a warning), more than two
classes is a usage error (multiclass targets are not supported). Features must be complete: impute first
(segment clean --impute median). Evaluation: the model (calibration included) is fitted on the training side of
a seeded stratified split (or each of --cv folds) and scored on the held-out rows; the saved model is then
refitted on every labelled row. Calibration fits one calibrator on --calibration-cv out-of-fold scores and
refits the estimator on all rows (CalibratedClassifierCV(cv=k, ensemble=False)).

Examples:
  $ segment predict train customers.parquet --target churned --id customer_id --model churn.json
  $ segment predict train clean.parquet --target churned --algo logistic --cv 5 --calibrate platt --json
  $ segment predict train clean.parquet --target bought --class-weight balanced --calibrate isotonic --model buy.json`,
  );
  train.action(async (data: string, flags: TrainFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.target) throw new UsageError('predict train needs --target COL', 'e.g. --target churned');
    if (!flags.model && !flags.json && !flags.html && !flags.reportJson) {
      throw new UsageError(
        'predict train writes nothing without --model, --json, --html or --report-json',
        'add --model model.json',
      );
    }
    if (flags.cv !== undefined && flags.testSize !== undefined) {
      throw new UsageError('--cv and --test-size are exclusive; pick one evaluation');
    }
    const fromCli = (name: string): boolean => self.getOptionValueSource(name) === 'cli';
    const rfOnly = ['nEstimators', 'maxDepth', 'minSamplesLeaf', 'maxFeatures'];
    if (flags.algo === 'logistic') {
      for (const name of rfOnly)
        if (fromCli(name)) throw new UsageError(`--${kebab(name)} applies to --algo rf only`);
    } else if (fromCli('C')) throw new UsageError('--C applies to --algo logistic only');
    if (!flags.calibrate && fromCli('calibrationCv'))
      throw new UsageError('--calibration-cv applies to --calibrate only');
    const params: PredictParams = {
      target: flags.target,
      positive: flags.positive,
      id: flags.id,
      features: flags.features,
      exclude: flags.exclude,
      algo: flags.algo,
      cv: flags.cv,
      testSize: flags.testSize,
      calibrate: flags.calibrate ?? null,
      calibrationCv: flags.calibrationCv,
      classWeight: flags.classWeight ?? null,
      threshold: flags.threshold,
      C: flags.C,
      forest: {
        nEstimators: flags.nEstimators,
        maxDepth: flags.maxDepth ?? null,
        minSamplesLeaf: flags.minSamplesLeaf,
        maxFeatures: parseMaxFeatures(flags.maxFeatures),
      },
      permutationRepeats: flags.permutationRepeats,
      permutationRows: flags.permutationRows,
      seed: ctx.seed,
    };
    const out = await ctx.outputs(
      [{ flag: 'input', path: data }],
      [
        { flag: '--model', path: flags.model },
        { flag: '--html', path: flags.html },
        { flag: '--report-json', path: flags.reportJson },
      ],
    );
    const started = performance.now();
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const readSeconds = (performance.now() - started) / 1000;
    const pool = new WorkerPool(ctx.threads);
    const fitStart = performance.now();
    let result;
    try {
      result = await trainPropensity(ds, params, {
        pool,
        memoryLimit: ctx.memoryLimit,
        logger: ctx.logger,
        toolVersion: version,
      });
    } finally {
      await pool.close();
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of result.warnings) ctx.logger.log('warn', w);
    const { model } = result;
    if (flags.model) await out.writeText('--model', predictModelText(model));
    await writeReport(model, flags.model ?? null, out, '--html', '--report-json');
    await out.commit();
    if (flags.json) {
      ctx.printJson({
        input: data === '-' ? 'stdin' : data,
        ...printable(model),
        leftOut: result.leftOut,
        droppedUnlabeled: result.droppedUnlabeled,
        warnings: result.warnings,
        model: flags.model ?? null,
        timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
      });
    }
    const m = model.evaluation.metrics;
    const where =
      model.evaluation.scheme === 'cv'
        ? `${model.evaluation.folds}-fold cross-validation`
        : `${Math.round((model.evaluation.testSize ?? 0) * 100)}% held-out rows`;
    ctx.logger.log(
      'info',
      `${model.algorithm}${model.calibration ? ` (${model.calibration.method})` : ''} on ${model.nRows} rows: ` +
        `ROC AUC ${m.rocAuc === null ? 'n/a' : m.rocAuc.toFixed(3)}, average precision ` +
        `${m.averagePrecision === null ? 'n/a' : m.averagePrecision.toFixed(3)}, log loss ${m.logLoss.toFixed(3)} ` +
        `(${where}; ${fitSeconds.toFixed(2)} s)`,
    );
  });

  predict
    .command('report')
    .description(
      "the model's evaluation as a page: metrics, ROC, precision–recall and calibration curves, importances",
    )
    .option('--model <path>', 'model written by segment predict train --model')
    .option('--html <path>', 'write the self-contained HTML report (no network needed to open it)')
    .option('--json [path]', 'the report as JSON (versioned schema): on stdout, or into this file')
    .addHelpText(
      'after',
      `
Needs only the model: every number and curve comes from the evaluation stored at training time (held-out rows,
or the pooled out-of-fold predictions with --cv). ROC and precision–recall points are stored thinned to at most 200
per curve; models trained before they were stored get the page without those two curves.

Examples:
  $ segment predict report --model churn.json --html churn-report.html
  $ segment predict report --model churn.json --json | jq .evaluation.rocAuc`,
    )
    .action(async (flags: ReportFlags, self: Command) => {
      const ctx = contextFrom(self);
      if (!flags.model)
        throw new UsageError(
          'predict report needs --model model.json',
          'write one with segment predict train --model',
        );
      if (!flags.html && flags.json === undefined)
        throw new UsageError(
          'predict report writes nothing without --html or --json',
          'add --html report.html',
        );
      const out = await ctx.outputs(
        [{ flag: '--model', path: flags.model }],
        [
          { flag: '--html', path: flags.html },
          { flag: '--json', path: typeof flags.json === 'string' ? flags.json : undefined },
        ],
      );
      const model = await loadPredictModel(flags.model);
      const report = await writeReport(model, flags.model, out, '--html', '--json');
      await out.commit();
      if (flags.json === true) ctx.print(JSON.stringify(report, null, 2) + '\n');
      ctx.logger.log(
        'info',
        `report of ${model.algorithm} model on '${model.target}'${flags.html ? ` written to ${flags.html}` : ''}`,
      );
    });

  const score = predict
    .command('score')
    .description('score rows with a saved propensity model: probability, predicted class, tier')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .option('--model <path>', 'model written by segment predict train --model')
    .option(
      '-o, --output <path>',
      'scores: id, probability, predicted, tier (.parquet, .csv, .json; - = CSV on stdout)',
    )
    .option('--tiers <cuts>', 'tier cut points on the probability, e.g. 0.2,0.5,0.8 (tiers 1..4)', numberList)
    .option('--deciles', 'tiers are deciles of the scored rows, 10 = highest (the default)')
    .option('--threshold <p>', "override the model's classification threshold", share)
    .option('--id <col>', "id column to carry into the scores (default: the model's)")
    .option('--probability-col <name>', 'name of the probability column written', 'probability')
    .option('--predicted-col <name>', 'name of the predicted class column written', 'predicted')
    .option('--tier-col <name>', 'name of the tier column written', 'tier')
    .addOption(inputKindOption())
    .option('--json', 'print the tier sizes and predicted positives as JSON');
  addInputOptions(score).addHelpText(
    'after',
    `
Tiers: with --tiers c1,…,cm a row's tier is 1 + the number of cut points its probability reaches (p >= c);
by default deciles of the scored rows (1 + the number of the 0.1 … 0.9 quantiles strictly below p; ties share a
tier). A row is predicted positive when its probability is at least the threshold.
An input that already has a column named like one the scores hold (probability, predicted, tier, or row when
there is no id) is refused: pick other names with --probability-col, --predicted-col, --tier-col. Repeated ids
are warned about.

Examples:
  $ segment predict score customers.parquet --model churn.json -o scores.parquet
  $ segment predict score today.csv --model churn.json --tiers 0.2,0.5,0.8 -o - | head`,
  );
  score.action(async (data: string, flags: ScoreFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.model)
      throw new UsageError(
        'predict score needs --model model.json',
        'write one with segment predict train --model',
      );
    if (!flags.output && !flags.json)
      throw new UsageError('predict score writes nothing without -o or --json');
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    if (flags.tiers && flags.deciles) throw new UsageError('--tiers and --deciles are exclusive; pick one');
    const tiers = flags.tiers
      ? { kind: 'cuts' as const, cuts: checkCuts(flags.tiers) }
      : { kind: 'deciles' as const };
    const out = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--model', path: flags.model },
      ],
      [{ flag: '-o', path: flags.output }],
    );
    const model = await loadPredictModel(flags.model);
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    if (flags.id !== undefined) ds.column(flags.id);
    else if (model.id !== null && !ds.has(model.id)) {
      ctx.logger.log('warn', `the id column '${model.id}' is not in the data; rows are numbered instead`);
    }
    const id = flags.id ?? (model.id !== null && ds.has(model.id) ? model.id : undefined);
    const duplicateIds =
      id !== undefined ? warnDuplicateIds(ds, id, ctx.logger, data === '-' ? 'stdin' : data) : null;
    const pool = new WorkerPool(ctx.threads);
    let result;
    try {
      result = await scorePropensity(model, ds, {
        pool,
        input: flags.input,
        threshold: flags.threshold,
        tiers,
        id: flags.id,
        columns: { probability: flags.probabilityCol, predicted: flags.predictedCol, tier: flags.tierCol },
        source: flags.model,
        data: data === '-' ? 'stdin' : data,
      });
    } finally {
      await pool.close();
    }
    if (flags.output) await out.writeDataset('-o', result.scores);
    await out.commit();
    if (flags.json) {
      ctx.printJson({
        input: data === '-' ? 'stdin' : data,
        model: flags.model,
        replayed: result.replayed,
        columns: { probability: flags.probabilityCol, predicted: flags.predictedCol, tier: flags.tierCol },
        duplicateIds,
        rows: result.probability.length,
        threshold: result.threshold,
        predictedPositive: result.predictedPositive,
        tiers: tiers.kind,
        cuts: result.cuts,
        tierSizes: result.tierSizes,
        file: flags.output ?? null,
      });
    }
    ctx.logger.log(
      'info',
      `scored ${result.probability.length.toLocaleString('en-US')} rows: ${result.predictedPositive} predicted ${String(model.positiveClass)} at threshold ${result.threshold}`,
    );
  });
}

/** Build the report of a model and stage its HTML page and / or JSON in `out` (when declared); returns the report. */
async function writeReport(
  model: PredictModel,
  path: string | null,
  out: OutputSet,
  html: string,
  json: string,
): Promise<ReturnType<typeof buildPredictReport>> {
  const report = buildPredictReport(model, { path, toolVersion: version });
  if (out.has(json)) await out.writeText(json, JSON.stringify(report, null, 2) + '\n');
  if (out.has(html)) await out.writeText(html, await renderPredictHtml(report, predictReportCharts(report)));
  return report;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
