import { fileSha256 } from '../../io/hash.js';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { distances, type Distance } from '../../core/distance.js';
import { loadModel } from '../../model/bundle.js';
import { DataError, UsageError } from '../../core/errors.js';
import { assertFinite, chooseFeatures, leftOutWarning, toMatrix } from '../../core/matrix.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readJsonFile } from '../../io/json-file.js';
import { readDataset } from '../../io/read.js';
import { buildReport, type Report, type ReportInput } from '../../report/build.js';
import { renderSvg } from '../../render/charts.js';
import { renderHtml } from '../../report/html.js';
import { reportCharts } from '../../report/report-charts.js';
import { DEFAULT_SAMPLE_SIZE, type TuneResult } from '../../tune/tune.js';
import { version } from '../version.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { intAtLeast, list } from '../options.js';

interface ReportFlags extends InputFlags {
  segmentCol: string;
  model?: string;
  id?: string;
  features?: string[];
  exclude?: string[];
  distance?: Distance;
  sampleSize: number;
  json?: string | boolean;
  html?: string;
  svg?: string;
  tune?: string;
  names?: string;
  maxPoints: number;
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
    .option(
      '--tune <path>',
      'tuning result from segment tune -o: adds the elbow / silhouette / k-distance evidence',
    )
    .option(
      '--names <path>',
      'business names of the segments: a JSON or YAML mapping such as {0: Champions, 1: At risk}',
    )
    .option('--json [path]', 'the report as JSON (versioned schema): on stdout, or into this file')
    .option('--html <path>', 'write the self-contained HTML report (no network needed to open it)')
    .option('--svg <dir>', 'also write every chart as an SVG file into this folder')
    .option(
      '--max-points <n>',
      'points drawn in the 2-D projection (a seeded sample above it)',
      intAtLeast(100),
      3000,
    );
  addInputOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ segment report segments.parquet
  $ segment report segments.parquet --model model.json --json report.json --html report.html
  $ segment report segments.parquet --model model.json --tune tune.json --names names.yaml --html report.html --svg charts/`,
  );
  cmd.action(async (data: string, flags: ReportFlags, self: Command) => {
    const ctx = contextFrom(self);
    // Every destination is checked before anything is read, computed or written: no partial report.
    const jsonPath = typeof flags.json === 'string' ? flags.json : undefined;
    const out = await ctx.outputs(
      [
        { flag: 'input', path: data },
        { flag: '--model', path: flags.model },
        { flag: '--tune', path: flags.tune },
        { flag: '--names', path: flags.names },
      ],
      [
        { flag: '--json', path: jsonPath },
        { flag: '--html', path: flags.html },
        { flag: '--svg', path: flags.svg, kind: 'folder' },
      ],
    );
    const started = performance.now();
    const model = flags.model ? await loadModel(flags.model) : null;
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    if (!ds.has(flags.segmentCol)) {
      throw new DataError(
        `${data}: no column '${flags.segmentCol}' with segment labels`,
        `the columns are ${ds.names.join(', ')}; write labels with segment cluster -o, or name the column with --segment-col`,
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
    let features: string[];
    if (model) features = model.features;
    else {
      const chosen = chooseFeatures(
        ds,
        { id: flags.id, features: flags.features, exclude: flags.exclude },
        { roles: [...new Set(['segment', flags.segmentCol])], skipTemporal: true },
      );
      features = chosen.features;
      const omitted = flags.features ? null : leftOutWarning(chosen.leftOut);
      if (omitted) ctx.logger.log('warn', omitted);
    }
    const missing = features.filter((f) => !ds.has(f));
    if (missing.length > 0)
      throw new DataError(`${data}: missing column(s) the model needs: ${missing.join(', ')}`);
    const X = toMatrix(ds, features, ctx.threads > 1);
    assertFinite(X, features, 'the report');
    const distance: Distance =
      flags.distance ?? (model && model.algorithm !== 'kmeans' ? model.metric : 'euclidean');
    if (model) {
      // Segment numbers need not be contiguous (--baseline keeps a lineage's numbers): check membership.
      const known = new Set(model.segments.map((s) => s.segment));
      let unknown = -1;
      for (const l of labels) if (l > unknown && !known.has(l)) unknown = l;
      if (unknown >= 0) {
        throw new DataError(
          `${data}: segment ${unknown} is not in the model ${flags.model} (it has ${known.size} segments)`,
          `its segments are ${[...known].join(', ')}; report the segments file this model wrote or assigned`,
        );
      }
    }
    const tuning = flags.tune ? await loadTune(flags.tune) : null;
    const names = flags.names ? await loadNames(flags.names) : new Map<number, string>();

    const inputs: ReportInput[] = [
      {
        role: 'segments',
        path: data === '-' ? 'stdin' : data,
        rows: ds.nRows,
        sha256: data === '-' ? null : await fileSha256(data),
      },
    ];
    if (flags.model)
      inputs.push({ role: 'model', path: flags.model, rows: null, sha256: await fileSha256(flags.model) });
    if (flags.tune)
      inputs.push({ role: 'tune', path: flags.tune, rows: null, sha256: await fileSha256(flags.tune) });
    if (flags.names)
      inputs.push({ role: 'names', path: flags.names, rows: null, sha256: await fileSha256(flags.names) });
    const pool = new WorkerPool(ctx.threads);
    let report: Report;
    try {
      report = await buildReport(X, labels, {
        features,
        segmentColumn: flags.segmentCol,
        idColumn: flags.id ?? model?.id ?? null,
        distance,
        model,
        tuning,
        names,
        inputs,
        seed: ctx.seed,
        toolVersion: version,
        sampleSize: flags.sampleSize,
        maxPoints: flags.maxPoints,
        maxDistributions: 6,
        pool,
      });
    } finally {
      await pool.close();
    }
    ctx.logger.log('debug', `report computed in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const charts = flags.html || flags.svg ? reportCharts(report) : [];
    const html = flags.html ? await renderHtml(report, charts) : null;
    const svgs = flags.svg
      ? await Promise.all(charts.map(async (c) => [`${c.id}.svg`, await renderSvg(c.spec)] as const))
      : [];
    const json = JSON.stringify(report, null, 2) + '\n';
    if (jsonPath) await out.writeText('--json', json);
    if (flags.html && html !== null) await out.writeText('--html', html);
    for (const [name, svg] of svgs) await out.writeText('--svg', svg, name);
    await out.commit();
    if (flags.json === true) {
      ctx.print(json);
      return;
    }
    ctx.print(renderReport(report));
  });
}

async function loadTune(path: string): Promise<TuneResult> {
  const v = await readJsonFile(path, 'tuning file', 'write one with segment tune -o tune.json');
  const t = v as Partial<TuneResult> | null;
  if (
    !t ||
    typeof t !== 'object' ||
    !Array.isArray(t.candidates) ||
    !t.recommendation ||
    typeof t.algorithm !== 'string'
  ) {
    throw new DataError(
      `${path}: not a segment tune result (no candidates / recommendation)`,
      'write one with segment tune -o tune.json',
    );
  }
  return t as TuneResult;
}

async function loadNames(path: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DataError(`${path}: names file not found`);
  }
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new DataError(`${path}${line ? `:${line}` : ''}: not a valid JSON or YAML mapping`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new DataError(`${path}: expected a mapping of segment numbers to names, e.g. {0: Champions}`);
  const out = new Map<number, string>();
  for (const [k, name] of Object.entries(v as Record<string, unknown>)) {
    const s = Number(k);
    if (!Number.isInteger(s) || s < -1) throw new DataError(`${path}: '${k}' is not a segment number`);
    if (typeof name !== 'string' || name.trim() === '')
      throw new DataError(`${path}: the name of segment ${k} must be a non-empty string`);
    out.set(s, name.trim());
  }
  return out;
}

/** Plain-text rendering: one line per segment, then the indices. */
export function renderReport(r: Report): string {
  const features = r.dataset.features;
  const f = features.slice(0, 6);
  const head = ['segment', 'size', 'share %', ...f];
  const rows = r.segments.map((s) => [
    String(s.segment),
    String(s.size),
    (s.share * 100).toFixed(1),
    ...s.profile.slice(0, f.length).map((p) => num(p.mean)),
  ]);
  rows.push([
    'all',
    String(r.dataset.rows),
    '100.0',
    ...r.overall.slice(0, f.length).map((p) => num(p.mean)),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j]!)).join('  ');
  const out = [line(head), ...rows.map(line), ''];
  if (features.length > f.length)
    out.push(`(means of the first ${f.length} of ${features.length} features; --json has all)`);
  const ix = r.indices;
  const s = ix.silhouetteSampled;
  out.push(
    `silhouette ${num(ix.silhouette)}${s ? ` (sample of ${s.sampleSize}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)}–${num(s.upper)})` : ''}` +
      `  davies-bouldin ${num(ix.daviesBouldin)}  calinski-harabasz ${num(ix.calinskiHarabasz)}  dunn ${num(ix.dunn)}  inertia ${num(ix.inertia)}`,
  );
  for (const n of ix.notes) out.push(n);
  return out.join('\n') + '\n';
}

function num(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '—';
  if (Math.abs(x) < 1e-12) return '0';
  return Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4);
}
