import type { Command } from 'commander';
import { runUpdate, updateParams, type UpdateJson, type UpdateOptions } from '../../api/update.js';
import { CheckFailedError } from '../../core/errors.js';
import { formatPercent, formatValue as num } from '../../core/format.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment update <data> --model model.json --decay 0.9 -o model2.json`: move a k-means model's centres online. */
export function registerUpdate(program: Command): void {
  const cmd = program
    .command('update')
    .description(
      "update a saved k-means model's centres with new rows (dynamic segments), keeping its segments",
    )
    .argument('<data>', 'new rows (raw, as segment assign reads them), or - for CSV on stdin');
  addParams(cmd, updateParams).addHelpText(
    'after',
    `
The new rows are put through the model's fitted chain and assigned as segment assign does. Each centre then
moves toward the mean of its new rows: c' = (decay·w·c + Σx) / (decay·w + n), w' = decay·w + n, where w is
the segment's recorded size (or the weight of the last update) and n its new rows — one step of mini-batch
k-means with forgetting. Segment numbers, names, features and chain stay; the model records the update (the
input's SHA-256, rows, decay, weights) and gets a new content hash.

Gates: --max-shift X (largest centre shift, feature-space units) and --max-changed SHARE (new rows whose
segment changes). When one fails, the report is printed, the model is NOT written, and the exit code is 1.

Exit codes: 0 updated, 1 a gate failed (nothing written), 2 usage error (not a k-means model, -o equal to an
input), 3 data error (missing columns, unreadable files).

Examples:
  $ segment update tonight.parquet --model model.json --decay 0.9 -o model2.json
  $ segment update tonight.parquet --model model.json --decay 0.9 -o model2.json --max-shift 0.5 --max-changed 0.05
  $ segment update tonight.parquet --model model.json --decay 1 --json`,
  );
  cmd.action(async (data: string, flags: UpdateOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runUpdate(data, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
    else ctx.print(renderUpdate(result.json));
    if (!result.pass)
      throw new CheckFailedError(
        `update gate failed: ${result.failedGates}${flags.output ? `; ${flags.output} not written` : ''}`,
      );
  });
}

/** The update report as a small table: per segment new rows, weights, shift, rows that change; then the gates. */
export function renderUpdate(r: UpdateJson): string {
  const head = ['segment', 'name', 'new rows', 'weight', 'shift', 'changed'];
  const rows = r.segments.map((s) => [
    String(s.segment),
    s.name,
    String(s.rows),
    `${num(s.weightBefore)} → ${num(s.weightAfter)}`,
    num(s.shift),
    String(s.changed),
  ]);
  const out = [
    `update of ${r.model.path} with ${r.input.rows} rows of ${r.input.path} (decay ${r.decay})`,
    table(head, rows),
    `changed segment: ${r.changed.rows} of ${r.input.rows} rows (${formatPercent(r.changed.share)})`,
  ];
  for (const g of r.gates.filter((g) => g.enabled)) {
    const what =
      g.name === 'shift' ? `largest shift ${num(g.value)} (segment ${g.at})` : `changed ${num(g.value)}`;
    out.push(`gate --max-${g.name} ${num(g.threshold!)}: ${what} ${g.pass ? 'pass' : 'FAIL'}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(
    r.output.written
      ? `wrote ${r.output.path}`
      : r.pass
        ? 'nothing written (no -o)'
        : 'model not written: a gate failed',
  );
  return out.join('\n') + '\n';
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (j <= 1 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
