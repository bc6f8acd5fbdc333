import type { Command } from 'commander';
import { cleanParams, runClean, type CleanOptions } from '../../api/clean.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment clean <data>`: validate, dedupe, log, outliers, impute, scale, encode; or replay a saved model. */
export function registerClean(program: Command): void {
  const cmd = program
    .command('clean')
    .description('validate, dedupe, impute, scale, handle outliers and encode; record every fitted step')
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, cleanParams).addHelpText(
    'after',
    `
Steps run in this order: validate -> dedupe -> drop -> log -> outliers -> impute -> scale -> encode.
Outliers are detected on the observed values, before imputation. Every fitted statistic is recorded in
--model (and in the Parquet output's metadata); --apply replays it on new raw data without refitting
(dedupe is not replayed). The --id column is never transformed.

Cost: dedupe O(n) (keys) and O(n log n + n·window) (fuzzy, sorted-neighbourhood blocking); KNN imputation
keeps the training rows in the model and searches them per incomplete row; isolation forest O(n·trees·log 256).

Examples:
  $ segment clean customers.csv --id customer_id --dedupe-rows --fuzzy-dedupe email -o dedup.parquet
  $ segment clean customers.parquet --id customer_id --impute knn --knn-k 5 --scale zscore \\
      --outliers iqr --outlier-action clip --encode onehot -o clean.parquet --model clean.json
  $ segment clean new.csv --apply clean.json -o new-clean.parquet
  $ segment clean customers.csv --rules rules.yaml --on-invalid drop --json`,
  );
  cmd.action(async (data: string, flags: CleanOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runClean(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });
}
