import type { Command } from 'commander';
import { WorkerPool } from '../../core/worker-pool.js';
import { loadModel } from '../../model/bundle.js';
import { numericColumn } from '../../core/dataset.js';
import { UsageError } from '../../core/errors.js';
import { assertFreeColumns } from '../../core/columns.js';
import { warnDuplicateIds } from '../../core/ids.js';
import { scoreDataset } from '../../model/score.js';
import { readDataset } from '../../io/read.js';
import { contextFrom } from '../context.js';
import { addInputOptions, inputKindOption, readOptionsFrom, type InputFlags } from '../io-options.js';

interface AssignFlags extends InputFlags {
  model?: string;
  input: 'auto' | 'raw' | 'prepared';
  output?: string;
  json?: boolean;
  segmentCol: string;
  id?: string;
}

/** `segment assign <data> --model model.json`: score new rows with a saved model. */
export function registerAssign(program: Command): void {
  const cmd = program
    .command('assign')
    .description('score new rows with a saved model (never invents segments)')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .option('--model <path>', 'model written by segment cluster --model')
    .option(
      '-o, --output <path>',
      'scored file: the input plus `segment` (.parquet, .csv, .json; - = CSV on stdout)',
    )
    .option(
      '--segment-col <name>',
      'name of the label column added (refused when the input already has a column of that name)',
      'segment',
    )
    .option('--id <col>', "id column, checked for repeated ids (default: the model's, when the data has it)")
    .option('--json', 'print segment sizes as JSON on stdout')
    .addOption(inputKindOption());
  addInputOptions(cmd).addHelpText(
    'after',
    `
Rules: k-means → segment of the nearest centroid; DBSCAN → segment of the nearest core point within eps,
else -1 (noise); hierarchical → segment with the nearest centroid in the model's distance. Training rows
that the rule alone would label differently are recorded in the model, so assigning the training data
reproduces the fit exactly. When the model was fitted on the output of segment clean, raw input is
first put through that fitted chain (clean, select) (--input auto, the default, skips it for files that carry it).
An input that already has the label column is refused (name the new one with --segment-col); repeated ids
(--id, or the model's id column) are warned about.

Examples:
  $ segment assign new_customers.parquet --model model.json -o scored.parquet
  $ segment assign today.csv --model model.json -o - | head`,
  );
  cmd.action(async (data: string, flags: AssignFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.model)
      throw new UsageError('assign needs --model model.json', 'write one with segment cluster --model');
    if (!flags.output && !flags.json) throw new UsageError('assign writes nothing without -o or --json');
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const out = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--model', path: flags.model },
      ],
      [{ flag: '-o', path: flags.output }],
    );
    const model = await loadModel(flags.model);
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const dataName = data === '-' ? 'stdin' : data;
    if (flags.output)
      assertFreeColumns(
        ds,
        [{ name: flags.segmentCol, hint: 'name the new labels otherwise with --segment-col NAME' }],
        'segment assign',
        dataName,
      );
    const id = flags.id ?? (model.id !== null && ds.has(model.id) ? model.id : undefined);
    const duplicateIds = id !== undefined ? warnDuplicateIds(ds, id, ctx.logger, dataName) : null;
    const pool = new WorkerPool(ctx.threads);
    let scored;
    try {
      scored = await scoreDataset(model, ds, {
        input: flags.input,
        pool,
        source: flags.model,
        data: dataName,
      });
    } finally {
      await pool.close();
    }
    const { labels, replayed, sizes, noise } = scored;
    if (flags.output) {
      const labelled = ds.withColumn(numericColumn(flags.segmentCol, Float64Array.from(labels), 'integer'));
      await out.writeDataset('-o', labelled);
    }
    await out.commit();
    if (flags.json)
      ctx.printJson({
        input: dataName,
        model: flags.model,
        segmentColumn: flags.segmentCol,
        duplicateIds,
        replayed,
        rows: labels.length,
        sizes: sizes.map((s) => s.size),
        segments: sizes,
        noise,
      });
    ctx.logger.log(
      'info',
      `assigned ${labels.length.toLocaleString('en-US')} rows to ${model.segments.length} segment(s)`,
    );
  });
}
