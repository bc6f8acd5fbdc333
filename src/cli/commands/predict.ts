import type { Command } from 'commander';
import {
  predictReportParams,
  predictScoreParams,
  predictTrainParams,
  runPredictReport,
  runPredictScore,
  runPredictTrain,
  type PredictReportOptions,
  type PredictScoreOptions,
  type PredictTrainOptions,
} from '../../api/predict.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

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
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(train, predictTrainParams).addHelpText(
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
  train.action(async (data: string, flags: PredictTrainOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runPredictTrain(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });

  const score = predict
    .command('score')
    .description('score rows with a saved propensity model: probability, predicted class, tier')
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(score, predictScoreParams).addHelpText(
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
  score.action(async (data: string, flags: PredictScoreOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runPredictScore(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });

  const report = predict
    .command('report')
    .description(
      "the model's evaluation as a page: metrics, ROC, precision–recall and calibration curves, importances",
    );
  addParams(report, predictReportParams)
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
    .action(async (flags: PredictReportOptions, self: Command) => {
      const ctx = contextFrom(self);
      const result = await runPredictReport(flags, ctx);
      if (flags.json === true) ctx.print(JSON.stringify(result.report, null, 2) + '\n');
    });
}
