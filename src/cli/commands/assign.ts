import type { Command } from 'commander';
import { assignParams, runAssign, type AssignOptions } from '../../api/assign.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment assign <data> --model model.json`: score new rows with a saved model. */
export function registerAssign(program: Command): void {
  const cmd = program
    .command('assign')
    .description('score new rows with a saved model (never invents segments)')
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, assignParams).addHelpText(
    'after',
    `
Rules: k-means → segment of the nearest centroid; DBSCAN → segment of the nearest core point within eps,
else -1 (noise); hierarchical → segment with the nearest centroid in the model's distance. Training rows
that the rule alone would label differently are recorded in the model, so assigning the training data
reproduces the fit exactly. When the model was fitted on the output of segment clean, raw input is
first put through that fitted chain (clean, select) (--input auto, the default, skips it for files that carry it).
An input that already has the label column is refused (name the new one with --segment-col); repeated ids
(--id, or the model's id column) are warned about.
--per-segment DIR writes one CSV per segment, named after it (2-recent-big-spenders.csv; noise.csv for -1),
with the id, segment, segment_name and the --pass-through columns, ready to import into a CRM; cells a
spreadsheet would run as a formula get a leading apostrophe.

Examples:
  $ segment assign new_customers.parquet --model model.json -o scored.parquet
  $ segment assign today.csv --model model.json -o - | head
  $ segment assign today.csv --model model.json -o scored.csv --segment-name
  $ segment assign today.csv --model model.json --per-segment audiences/ --pass-through email,first_name`,
  );
  cmd.action(async (data: string, flags: AssignOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runAssign(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });
}
