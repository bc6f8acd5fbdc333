import type { Command } from 'commander';
import { inspectParams, runInspect, type InspectOptions } from '../../api/inspect.js';
import type { ColumnProfile } from '../../inspect/profile.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment inspect <data>`: schema and profile of a dataset. */
export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description('schema and profile: types, missing %, distinct, min/max/mean/std/quantiles')
    .argument('<data>', 'input file, or - for CSV on stdin');
  addParams(cmd, inspectParams).addHelpText(
    'after',
    `
Exact statistics over every row (sorts each numeric column: O(n log n)). Quantiles use linear
interpolation as numpy/pandas; std is the sample standard deviation (ddof = 1).

Examples:
  $ segment inspect customers.parquet
  $ segment inspect events.csv --json | jq '.profiles[] | {name, missingPct}'`,
  );
  cmd.action(async (data: string, flags: InspectOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runInspect(data, flags, ctx);
    if (flags.json) {
      ctx.printJson(result);
      return;
    }
    ctx.print(renderTable(result.rows, result.profiles));
  });
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e9) ? v.toExponential(3) : v.toPrecision(6).replace(/\.?0+$/, '');
  }
  return String(v).length > 24 ? String(v).slice(0, 23) + '…' : String(v);
}

function renderTable(rows: number, profiles: ColumnProfile[]): string {
  const withInf = profiles.some((p) => (p.infinite ?? 0) > 0);
  const head = [
    'column',
    'type',
    'missing%',
    'distinct',
    'min',
    'p50',
    'mean',
    'max',
    ...(withInf ? ['inf'] : []),
  ];
  const body = profiles.map((p) => [
    p.name,
    p.type,
    p.missingPct.toFixed(1),
    String(p.distinct),
    fmt(p.min),
    fmt(p.quantiles?.['p50'] ?? p.top?.[0]?.value ?? ''),
    fmt(p.mean),
    fmt(p.max),
    ...(withInf ? [String(p.infinite ?? 0)] : []),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((r) => r[j]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => (j >= 2 && j !== 4 && j !== 7 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  const notes = profiles.flatMap((p) => p.notes ?? []);
  const said = notes.length > 0 ? `\nnotes:\n${notes.map((n) => `  ${n}`).join('\n')}\n` : '';
  return `${rows.toLocaleString('en-US')} rows × ${profiles.length} columns\n\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${body.map(line).join('\n')}\n${said}`;
}
