import type { Command } from 'commander';
import { reportParams, runReport, type ReportOptions } from '../../api/report.js';
import { formatValue } from '../../core/format.js';
import type { Report } from '../../report/build.js';
import { migrationLines } from '../../report/migration.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';
import { kpiCell, kpiTitle, profileCell } from '../../report/cells.js';

/** `segment report <segments>`: segment sizes, profiles and validity indices of a segments file. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('sizes, feature means and validity indices of a segments file')
    .argument('<segments>', 'segments file (a `segment` column, −1 = noise), or - for CSV on stdin');
  addParams(cmd, reportParams).addHelpText(
    'after',
    `
Examples:
  $ segment report segments.parquet
  $ segment report segments.parquet --model model.json --json report.json --html report.html
  $ segment report segments.parquet --model model.json --projection umap --html report.html
  $ segment report segments.parquet --model model.json --tune tune.json --names names.yaml --html report.html --svg charts/
  $ segment report segments.parquet --id customer_id --baseline-segments old_segments.parquet --max-shift 5 --moves moves.csv`,
  );
  cmd.action(async (data: string, flags: ReportOptions, self: Command) => {
    const ctx = contextFrom(self);
    const { report, json } = await runReport(data, flags, ctx);
    ctx.print(flags.json === true ? json : renderReport(report));
  });
}

/**
 * Plain-text rendering: one line per segment (name, size, share, KPIs, then the first profiled columns in their
 * units), the line of all rows, then the indices.
 */
export function renderReport(r: Report): string {
  /** A mean is read against its column's overall standard deviation (noise below it prints as 0). */
  const stdOf = (j: number) => {
    const p = r.overall[j]!;
    return p.kind === 'numeric' ? p.std : null;
  };
  const columns = r.dataset.profile.columns;
  const shown = columns.slice(0, 6);
  const head = ['segment', 'name', 'size', 'share %', ...r.kpis.map(kpiTitle), ...shown.map((c) => c.name)];
  const rows = r.segments.map((s) => [
    String(s.segment),
    s.name,
    s.size.toLocaleString('en-US'),
    (s.share * 100).toFixed(1),
    ...r.kpis.map((k, i) => kpiCell(s.kpis[i]!.value, k)),
    ...shown.map((c, j) => profileCell(s.profile[j]!, c.unit, stdOf(j))),
  ]);
  rows.push([
    'all',
    '',
    r.dataset.rows.toLocaleString('en-US'),
    '100.0',
    ...r.kpis.map((k) => kpiCell(k.overall, k)),
    ...shown.map((c, j) => profileCell(r.overall[j]!, c.unit, stdOf(j))),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (j === 1 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  const out = [line(head), ...rows.map(line), ''];
  const units = r.dataset.profile.source === 'segments' ? 'original units' : 'units of the profile input';
  out.push(
    columns.length > shown.length
      ? `(means, rates and top levels of the first ${shown.length} of ${columns.length} profiled columns, in ${units}; --json has all)`
      : `(means, rates and top levels, in ${units})`,
  );
  const ix = r.indices;
  const s = ix.silhouetteSampled;
  out.push(
    `silhouette ${num(ix.silhouette)}${s ? ` (sample of ${num(s.sampleSize)}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)}–${num(s.upper)})` : ''}` +
      `  davies-bouldin ${num(ix.daviesBouldin)}  calinski-harabasz ${num(ix.calinskiHarabasz)}  dunn ${num(ix.dunn)}  inertia ${num(ix.inertia)}`,
  );
  for (const n of ix.notes) out.push(n);
  if (r.migration) out.push(...migrationLines(r.migration));
  return out.join('\n') + '\n';
}

function num(x: number | null, digits = 4, scale?: number): string {
  return formatValue(x, { digits, scale });
}
