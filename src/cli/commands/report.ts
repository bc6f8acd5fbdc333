import type { Command } from 'commander';
import { reportParams, runReport, type ReportOptions } from '../../api/report.js';
import { formatValue } from '../../core/format.js';
import type { Report } from '../../report/build.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

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
  $ segment report segments.parquet --model model.json --tune tune.json --names names.yaml --html report.html --svg charts/`,
  );
  cmd.action(async (data: string, flags: ReportOptions, self: Command) => {
    const ctx = contextFrom(self);
    const { report, json } = await runReport(data, flags, ctx);
    ctx.print(flags.json === true ? json : renderReport(report));
  });
}

/**
 * Plain-text rendering: one line per segment, then the indices. Numbers are written for people (`formatValue`):
 * grouped thousands, 4 significant digits, a mean tiny against its feature's overall standard deviation as 0.
 */
export function renderReport(r: Report): string {
  const features = r.dataset.features;
  const f = features.slice(0, 6);
  const sd = r.overall.slice(0, f.length).map((p) => p.std);
  const head = ['segment', 'size', 'share %', ...f];
  const rows = r.segments.map((s) => [
    String(s.segment),
    num(s.size),
    num(s.share * 100, 3),
    ...s.profile.slice(0, f.length).map((p, j) => num(p.mean, 4, sd[j])),
  ]);
  rows.push([
    'all',
    num(r.dataset.rows),
    '100',
    ...r.overall.slice(0, f.length).map((p) => num(p.mean, 4, p.std)),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j]!)).join('  ');
  const out = [line(head), ...rows.map(line), ''];
  if (features.length > f.length)
    out.push(`(means of the first ${f.length} of ${features.length} features; --json has all)`);
  const ix = r.indices;
  const s = ix.silhouetteSampled;
  out.push(
    `silhouette ${num(ix.silhouette)}${s ? ` (sample of ${num(s.sampleSize)}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)}–${num(s.upper)})` : ''}` +
      `  davies-bouldin ${num(ix.daviesBouldin)}  calinski-harabasz ${num(ix.calinskiHarabasz)}  dunn ${num(ix.dunn)}  inertia ${num(ix.inertia)}`,
  );
  for (const n of ix.notes) out.push(n);
  return out.join('\n') + '\n';
}

function num(x: number | null, digits = 4, scale?: number): string {
  return formatValue(x, { digits, scale });
}
