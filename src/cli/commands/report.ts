import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { distances, type DistanceName } from '../../cluster/fit.js';
import { loadModel } from '../../cluster/model.js';
import { DataError, UsageError } from '../../core/errors.js';
import { assertFinite, resolveFeatures, toMatrix } from '../../core/matrix.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { writeAtomic } from '../../io/atomic.js';
import { readDataset } from '../../io/read.js';
import { segmentQuality, type SegmentQuality } from '../../report/quality.js';
import { DEFAULT_SAMPLE_SIZE } from '../../tune/tune.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { intAtLeast, list } from '../options.js';

interface ReportFlags extends InputFlags {
  segmentCol: string;
  model?: string;
  id?: string;
  features?: string[];
  exclude?: string[];
  distance?: DistanceName;
  sampleSize: number;
  json?: string | boolean;
}

/** `segment report <segments>`: segment sizes, profiles and validity indices of a segments file. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('sizes, feature means and validity indices of a segments file')
    .argument('<segments>', 'segments file (a `segment` column, −1 = noise), or - for CSV on stdin')
    .option('--segment-col <col>', 'column holding the segment labels', 'segment')
    .option('--model <path>', 'model from segment cluster --model: its features and distance are used')
    .option('--id <col>', 'id column (never a feature)')
    .option(
      '--features <cols>',
      "feature columns (default: the model's, else every numeric column but id and segment)",
      list,
    )
    .option('--exclude <cols>', 'columns to leave out of the features', list)
    .addOption(
      new Option(
        '--distance <name>',
        "distance of silhouette and Dunn (default: the model's, else euclidean)",
      ).choices(distances),
    )
    .option(
      '--sample-size <n>',
      'above this many rows the silhouette is estimated on a seeded sample',
      intAtLeast(3),
      DEFAULT_SAMPLE_SIZE,
    )
    .option('--json [path]', 'the report as JSON: on stdout, or into this file');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ segment report segments.parquet
  $ segment report segments.parquet --model model.json --json report.json`,
  );
  cmd.action(async (data: string, flags: ReportFlags, self: Command) => {
    const ctx = contextFrom(self);
    const model = flags.model ? await loadModel(flags.model) : null;
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    if (!ds.has(flags.segmentCol)) {
      throw new DataError(
        `${data}: no column '${flags.segmentCol}' with segment labels`,
        flags.segmentCol === 'segment'
          ? 'write one with segment cluster -o, or name it with --segment-col'
          : `columns: ${ds.names.join(', ')}`,
      );
    }
    const segCol = ds.column(flags.segmentCol);
    if (segCol.kind !== 'numeric')
      throw new DataError(
        `${data}: column '${flags.segmentCol}' is ${segCol.kind}, not integer segment labels`,
      );
    const raw = ds.numeric(flags.segmentCol).values;
    const labels = new Int32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      if (!Number.isInteger(v) || v < -1) {
        throw new DataError(
          `${data}: row ${i + 1} of '${flags.segmentCol}' is ${Number.isNaN(v) ? 'missing' : v}; segment labels are integers >= 0 (−1 = noise)`,
        );
      }
      labels[i] = v;
    }
    if (model && flags.features) throw new UsageError('give --model or --features, not both');
    const features = model
      ? model.features
      : resolveFeatures(ds, { id: flags.id, features: flags.features, exclude: flags.exclude }, [
          flags.segmentCol,
        ]);
    const missing = features.filter((f) => !ds.has(f));
    if (missing.length > 0)
      throw new DataError(`${data}: missing column(s) the model needs: ${missing.join(', ')}`);
    const X = toMatrix(ds, features, ctx.threads > 1);
    assertFinite(X, features, 'the report');
    const distance: DistanceName =
      flags.distance ?? (model && model.algorithm !== 'kmeans' ? model.metric : 'euclidean');
    const pool = new WorkerPool(ctx.threads);
    let q: SegmentQuality;
    try {
      q = await segmentQuality(X, labels, features, {
        distance,
        sampleSize: flags.sampleSize,
        seed: ctx.seed,
        pool,
      });
    } finally {
      await pool.close();
    }
    const result = {
      input: data === '-' ? 'stdin' : data,
      segmentColumn: flags.segmentCol,
      model: flags.model ?? null,
      ...q,
    };
    if (typeof flags.json === 'string') {
      const text = JSON.stringify(result, null, 2) + '\n';
      await writeAtomic(flags.json, (tmp) => writeFile(tmp, text));
    } else if (flags.json) {
      ctx.printJson(result);
      return;
    }
    ctx.print(renderReport(q));
  });
}

/** Plain-text rendering: one line per segment, then the indices. */
export function renderReport(q: SegmentQuality): string {
  const f = q.features.slice(0, 6);
  const head = ['segment', 'size', 'share %', ...f];
  const rows = q.segments.map((s) => [
    String(s.segment),
    String(s.size),
    (s.share * 100).toFixed(1),
    ...f.map((c) => num(s.means[c]!)),
  ]);
  rows.push(['all', String(q.nRows), '100.0', ...f.map((c) => num(q.overallMeans[c]!))]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j]!)).join('  ');
  const out = [line(head), ...rows.map(line), ''];
  if (q.features.length > f.length)
    out.push(`(means of the first ${f.length} of ${q.features.length} features; --json has all)`);
  const ix = q.indices;
  const s = ix.silhouetteSampled;
  out.push(
    `silhouette ${num(ix.silhouette)}${s ? ` (sample of ${s.sampleSize}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)}–${num(s.upper)})` : ''}` +
      `  davies-bouldin ${num(ix.daviesBouldin)}  calinski-harabasz ${num(ix.calinskiHarabasz)}  dunn ${num(ix.dunn)}  inertia ${num(ix.inertia)}`,
  );
  for (const n of q.notes) out.push(n);
  return out.join('\n') + '\n';
}

function num(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '—';
  return Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4);
}
