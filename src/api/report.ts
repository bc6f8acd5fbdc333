import { distances, type ClusterDistance, type Distance } from '../core/distance.js';
import { gowerMatrix } from '../core/gower.js';
import { DataError, UsageError } from '../core/errors.js';
import { assertFinite, chooseFeatures, leftOutWarning, toMatrix, type Matrix } from '../core/matrix.js';
import { intAtLeast, list, pairs, positiveNumber, type Param } from '../core/params.js';
import { toolVersion } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import { fileSha256 } from '../io/hash.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { readDataset } from '../io/read.js';
import { loadModel } from '../model/bundle.js';
import { buildReport, type Report, type ReportInput } from '../report/build.js';
import { renderSvg } from '../render/charts.js';
import { renderHtml } from '../report/html.js';
import { segmentLabels } from '../core/labels.js';
import { baselineIdColumn, DEFAULT_MAX_SHIFT, migrationSince } from '../report/migration.js';
import { assertModelSegments, loadTuneResult } from '../report/inputs.js';
import { loadSegmentNames, segmentNamesOf, type SegmentName } from '../cluster/segment-names.js';
import { reportCharts } from '../report/report-charts.js';
import { reachabilityChart } from '../report/reachability.js';
import { DEFAULT_SAMPLE_SIZE } from '../tune/tune.js';
import { kpiList, type KpiSpec } from '../profile/kpi.js';
import { profileSources, recordedChain } from '../report/profile-inputs.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** Options of {@link runReport} (attribute names as the CLI's flags produce them). */
export interface ReportOptions extends InputOptions {
  segmentCol: string;
  model?: string;
  id?: string;
  features?: string[];
  exclude?: string[];
  distance?: Distance;
  sampleSize: number;
  /** `true`: the JSON is only returned (the CLI prints it); a path: written into that file. */
  json?: string | boolean;
  html?: string;
  svg?: string;
  tune?: string;
  names?: string;
  profileInput?: string;
  profileColumns?: string[];
  kpi?: KpiSpec[];
  units?: Record<string, string>;
  maxPoints: number;
  /** The 2-D projection drawn. */
  projection?: 'pca' | 'tsne' | 'umap';
  /** Baseline segments file: adds the migration since it (rows paired by id). */
  baselineSegments?: string;
  /** Share shift (percentage points) past which a segment is a warning. */
  maxShift: number;
  /** Where to write the ids that changed segment, appeared or disappeared. */
  moves?: string;
}

/** The parameters of `segment report` (its flags, in help order, and a report step's `with`). */
export const reportParams: readonly Param[] = [
  {
    flags: '--segment-col <col>',
    help: 'column holding the segment labels',
    default: 'segment',
    pipeline: false,
  },
  {
    flags: '--model <path>',
    help: 'model written by segment cluster --model: its features and distance are used',
    pipeline: false,
  },
  { flags: '--id <col>', help: 'id column: never a feature' },
  {
    flags: '--features <cols>',
    help: "feature columns (default: the model's, else every numeric column but id and segment)",
    parse: list,
  },
  { flags: '--exclude <cols>', help: 'columns to leave out of the features', parse: list },
  {
    flags: '--distance <name>',
    help: "distance of silhouette and Dunn (default: the model's, Gower's included, else euclidean; Davies-Bouldin and Calinski-Harabasz only under euclidean)",
    choices: distances,
  },
  {
    flags: '--sample-size <n>',
    help: 'above this many rows the silhouette is estimated on a seeded sample',
    parse: intAtLeast(3),
    default: DEFAULT_SAMPLE_SIZE,
  },
  {
    flags: '--tune <path>',
    help: 'tuning result from segment tune -o: adds the elbow / silhouette / k-distance evidence',
    pipeline: false,
  },
  {
    flags: '--names <path>',
    help: 'business names of the segments: a JSON or YAML mapping such as {0: Champions, 1: At risk}',
  },
  {
    flags: '--profile-input <path>',
    help: 'raw table to profile the segments on, joined by --id (default: the segments file with its recorded cleaning undone)',
  },
  {
    flags: '--profile-columns <cols>',
    help: 'columns to profile (default: the features in original units, or every column of --profile-input)',
    parse: list,
  },
  {
    flags: '--kpi <col:stat,...>',
    help: 'KPIs per segment: mean (a rate for 0/1 or yes/no), sum, share (of the total), median; e.g. churned:mean,revenue:share',
    parse: kpiList,
  },
  {
    flags: '--units <col=unit,...>',
    help: 'units of profiled columns, e.g. revenue=€,recency_days=days (a currency symbol is written before the number)',
    parse: pairs,
  },
  {
    flags: '--json [path]',
    help: 'the report as JSON (versioned schema): on stdout, or into this file',
    pipeline: false,
  },
  {
    flags: '--html <path>',
    help: 'write the self-contained HTML report (no network needed to open it)',
    pipeline: false,
  },
  {
    flags: '--svg <dir>',
    help: 'also write every chart as an SVG file into this folder',
    pipeline: false,
  },
  {
    flags: '--max-points <n>',
    help: 'points drawn in the 2-D projection (a seeded sample above it)',
    parse: intAtLeast(100),
    default: 3000,
  },
  {
    flags: '--projection <method>',
    help: 'the 2-D projection drawn: PCA, t-SNE or UMAP of the rows drawn (t-SNE: about a minute at 3,000)',
    choices: ['pca', 'tsne', 'umap'],
    default: 'pca',
  },
  {
    flags: '--baseline-segments <path>',
    help: 'segments file of an earlier run: adds the migration between the two (rows paired by --id)',
    pipeline: false,
  },
  {
    flags: '--max-shift <points>',
    help: 'warn when a segment share moves more than this many percentage points since the baseline',
    parse: positiveNumber,
    default: DEFAULT_MAX_SHIFT,
    pipeline: false,
  },
  {
    flags: '--moves <path>',
    help: 'write the ids that changed segment, are new or are lost (id, from_segment, to_segment)',
    pipeline: false,
  },
  ...inputParams,
];

/** What {@link runReport} returns. */
export interface ReportResult {
  /** The report (what `--json` writes). */
  report: Report;
  /** The report as JSON text (2-space indent, one trailing newline): what `--json` without a path prints. */
  json: string;
}

/**
 * `segment report`: read a segments file, compute segment sizes, profiles, validity indices, the 2-D projection and
 * the evidence of a tuning result, and write the JSON report, the HTML report and the SVG charts through the output
 * guard (every destination checked before anything is read).
 * @throws UsageError for contradicting options; DataError for labels or features that are unusable.
 * @example
 * const { options } = paramValues(reportParams, { model: 'model.json', html: 'report.html' });
 * const { report } = await runReport('segments.parquet', options as ReportOptions, stepEnv());
 * console.log(report.indices.silhouette);
 */
export async function runReport(input: string, o: ReportOptions, env: StepEnv): Promise<ReportResult> {
  // Every destination is checked before anything is read, computed or written: no partial report.
  const jsonPath = typeof o.json === 'string' ? o.json : undefined;
  const out = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--model', path: o.model },
      { flag: '--tune', path: o.tune },
      { flag: '--names', path: o.names },
      { flag: '--profile-input', path: o.profileInput },
      { flag: '--baseline-segments', path: o.baselineSegments },
    ],
    [
      { flag: '--json', path: jsonPath },
      { flag: '--html', path: o.html },
      { flag: '--svg', path: o.svg, kind: 'folder' },
      { flag: '--moves', path: o.moves },
    ],
  );
  try {
    if (!o.baselineSegments && (o.moves || env.given?.has('maxShift')))
      throw new UsageError(`${o.moves ? '--moves' : '--max-shift'} needs --baseline-segments`);
    const started = performance.now();
    const model = o.model ? await loadModel(pathIn(env, o.model)) : null;
    const gower = model && 'gower' in model && model.gower ? model.gower : undefined;
    if (gower && o.distance !== undefined)
      throw new UsageError(
        `${o.model} is a model under Gower's distance: its indices are Gower's`,
        `leave out --distance ${o.distance}`,
      );
    if (o.baselineSegments)
      baselineIdColumn(
        { path: o.baselineSegments, idColumn: o.id ?? model?.id ?? null, sample: o.sample },
        input,
      );
    const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
    const labels = segmentLabels(ds, o.segmentCol, input);
    if (model && o.features) throw new UsageError('give --model or --features, not both');
    let features: string[];
    if (model) features = model.features;
    else {
      const chosen = chooseFeatures(
        ds,
        { id: o.id, features: o.features, exclude: o.exclude },
        { roles: [...new Set(['segment', o.segmentCol])], skipTemporal: true },
      );
      features = chosen.features;
      const omitted = o.features ? null : leftOutWarning(chosen.leftOut);
      if (omitted) env.logger.log('warn', omitted);
    }
    const missing = features.filter((f) => !ds.has(f));
    if (missing.length > 0)
      throw new DataError(`${input}: missing column(s) the model needs: ${missing.join(', ')}`);
    let X: Matrix;
    if (gower) X = gowerMatrix(ds, features, gower);
    else {
      X = toMatrix(ds, features, env.threads > 1);
      assertFinite(X, features, 'the report');
    }
    const distance: ClusterDistance = gower
      ? 'gower'
      : (o.distance ?? (model && model.algorithm !== 'kmeans' ? model.metric : 'euclidean'));
    if (model) assertModelSegments(labels, model, input, o.model!);
    const tuning = o.tune ? await loadTuneResult(pathIn(env, o.tune)) : null;
    // A names file wins over the model's names; the segments neither names are named from their profiles.
    const names = new Map<number, SegmentName & { source: 'names-file' | 'model' }>();
    if (model) for (const [k, n] of segmentNamesOf(model)) names.set(k, { ...n, source: 'model' });
    if (o.names)
      for (const [k, n] of await loadSegmentNames(pathIn(env, o.names)))
        names.set(k, { ...n, source: 'names-file' });
    const idColumn = o.id ?? (model?.id && ds.has(model.id) ? model.id : undefined);
    if (o.profileInput === '-' && input === '-')
      throw new UsageError('only one input can be - (stdin)', 'give --profile-input as a file');
    // The raw table is read whole, its format from its own extension: --sample and --format are the segments'.
    const { format: _format, sample: _sample, ...rawRead } = readOptionsOf(o, env);
    const raw = o.profileInput
      ? { data: await readDataset(pathIn(env, o.profileInput), rawRead), name: o.profileInput }
      : null;
    const recorded = recordedChain(ds, labels, features, model);
    if (recorded.warning) env.logger.log('warn', recorded.warning);
    const profile = profileSources(ds, recorded.chain, {
      raw,
      id: idColumn,
      segmentColumn: o.segmentCol,
      features,
      columns: o.profileColumns,
      kpis: o.kpi ?? [],
    });
    for (const w of profile.warnings) env.logger.log('warn', w);

    const inputs: ReportInput[] = [
      {
        role: 'segments',
        path: input === '-' ? 'stdin' : input,
        rows: ds.nRows,
        sha256: input === '-' ? null : await fileSha256(pathIn(env, input)),
      },
    ];
    if (o.model)
      inputs.push({
        role: 'model',
        path: o.model,
        rows: null,
        sha256: await fileSha256(pathIn(env, o.model)),
      });
    if (o.tune)
      inputs.push({ role: 'tune', path: o.tune, rows: null, sha256: await fileSha256(pathIn(env, o.tune)) });
    if (raw)
      inputs.push({
        role: 'profile-input',
        path: raw.name === '-' ? 'stdin' : raw.name,
        rows: raw.data.nRows,
        sha256: raw.name === '-' ? null : await fileSha256(pathIn(env, raw.name)),
      });
    if (o.names)
      inputs.push({
        role: 'names',
        path: o.names,
        rows: null,
        sha256: await fileSha256(pathIn(env, o.names)),
      });
    const migrated = o.baselineSegments
      ? await migrationSince(
          { ds, labels, source: input },
          {
            path: o.baselineSegments,
            file: pathIn(env, o.baselineSegments),
            read: readOptionsOf(o, env),
            segmentCol: o.segmentCol,
            idColumn: o.id ?? model?.id ?? null,
            maxShift: o.maxShift ?? DEFAULT_MAX_SHIFT,
            names: new Map([...names].map(([s, n]) => [s, n.name])),
          },
        )
      : null;
    if (migrated) inputs.push(migrated.input);
    const pool = new WorkerPool(env.threads);
    let report: Report;
    try {
      report = await buildReport(X, labels, {
        features,
        segmentColumn: o.segmentCol,
        idColumn: idColumn ?? null,
        distance,
        gower,
        model,
        tuning,
        names,
        profile: { source: raw ? 'profile-input' : 'segments', columns: profile.columns },
        kpis: profile.kpis,
        units: new Map(Object.entries(o.units ?? {})),
        inputs,
        seed: env.seed,
        toolVersion,
        sampleSize: o.sampleSize,
        maxPoints: o.maxPoints,
        projection: o.projection,
        maxDistributions: 6,
        pool,
        migration: migrated?.migration ?? null,
      });
    } finally {
      await pool.close();
    }
    env.logger.log('debug', `report computed in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const charts = o.html || o.svg ? reportCharts(report) : [];
    // OPTICS segments files carry the cluster ordering: their reachability plot joins the charts.
    const reach =
      charts.length > 0
        ? reachabilityChart(ds, labels, new Map(report.segments.map((s) => [s.segment, s.name])))
        : null;
    if (reach) charts.push(reach);
    const html = o.html ? await renderHtml(report, charts) : null;
    const svgs = o.svg
      ? await Promise.all(charts.map(async (c) => [`${c.id}.svg`, await renderSvg(c.spec)] as const))
      : [];
    const json = JSON.stringify(report, null, 2) + '\n';
    if (jsonPath) await out.writeText('--json', json);
    if (o.html && html !== null) await out.writeText('--html', html);
    for (const [name, svg] of svgs) await out.writeText('--svg', svg, name);
    if (o.moves && migrated) await out.writeDataset('--moves', migrated.moves);
    await out.commit();
    return { report, json };
  } finally {
    await out.abort();
  }
}

/** `segment report` as a pipeline step. */
export const reportCommand: StepCommand<ReportOptions, ReportResult> = {
  name: 'report',
  params: reportParams,
  run: (input, options, env) => {
    if (input === undefined) throw new UsageError('report needs an input file');
    return runReport(input, options, env);
  },
};
