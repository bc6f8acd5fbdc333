import { Option, type Command } from 'commander';
import { algorithms } from '../../cluster/fit.js';
import { distances, linkages, type Linkage } from '../../core/distance.js';
import { UsageError } from '../../core/errors.js';
import { assertFinite, chooseFeatures, leftOutWarning, toMatrix } from '../../core/matrix.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readDataset } from '../../io/read.js';
import { parseIntGrid, parseNameList, parsePositiveGrid } from '../../tune/grid.js';
import { tunePlots } from '../../tune/plots.js';
import {
  DEFAULT_SAMPLE_SIZE,
  tune,
  tuneArtifact,
  tuneMetrics,
  type Candidate,
  type TuneResult,
} from '../../tune/tune.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { intAtLeast, list, positiveNumber, share, checkedText } from '../options.js';
import { round3 } from '../../core/format.js';

interface TuneFlags extends InputFlags {
  algo: (typeof algorithms)[number];
  k?: string;
  eps: string;
  minSamples: string;
  linkage: string;
  distance: (typeof distances)[number];
  metric: (typeof tuneMetrics)[number];
  nInit: number;
  maxIter: number;
  tol: number;
  kmeansAlgorithm: 'auto' | 'lloyd' | 'elkan' | 'hamerly' | 'minibatch';
  sampleSize: number;
  maxNoise: number;
  id?: string;
  features?: string[];
  exclude?: string[];
  output?: string;
  json?: boolean;
  plot?: string;
}

/** `segment tune <data>`: fit a parameter grid, score every candidate, recommend one with its reason. */
export function registerTune(program: Command): void {
  const cmd = program
    .command('tune')
    .description('choose k, eps or linkage with evidence: grid search scored by validity indices')
    .argument('<data>', 'input file, or - for CSV on stdin')
    .addOption(new Option('--algo <name>', 'algorithm').choices(algorithms).default('kmeans'))
    .option(
      '--k <grid>',
      'k values: 2..12, 2,4,8, 2..20:2 (k-means and hierarchical; default 2..10)',
      checkedText((v) => parseIntGrid(v, '--k', 1)),
    )
    .option(
      '--eps <auto|grid>',
      'DBSCAN eps: auto (k-distance knee × 0.5, 0.75, 1, 1.25, 1.5) or 0.1..1.0, 0.2,0.5',
      checkedText((v) => v === 'auto' || parsePositiveGrid(v, '--eps')),
      'auto',
    )
    .option(
      '--min-samples <grid>',
      'DBSCAN min-samples values, e.g. 5..20:5',
      checkedText((v) => parseIntGrid(v, '--min-samples', 1)),
      '5,10',
    )
    .option(
      '--linkage <list>',
      'hierarchical linkages, e.g. ward,average',
      checkedText((v) => parseNameList(v, '--linkage', linkages)),
      'ward',
    )
    .addOption(
      new Option('--distance <name>', 'DBSCAN / hierarchical distance')
        .choices(distances)
        .default('euclidean'),
    )
    .addOption(
      new Option('--metric <name>', 'index the recommendation optimises')
        .choices(tuneMetrics)
        .default('silhouette'),
    )
    .option('--n-init <n>', 'k-means restarts per k', intAtLeast(1), 10)
    .option('--max-iter <n>', 'k-means iterations per restart', intAtLeast(1), 300)
    .option('--tol <x>', 'k-means tolerance', positiveNumber, 1e-4)
    .addOption(
      new Option('--kmeans-algorithm <name>', 'k-means variant')
        .choices(['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'])
        .default('auto'),
    )
    .option(
      '--sample-size <n>',
      'above this many rows, silhouette (with a 95 % interval) and Dunn use a seeded sample of this size',
      intAtLeast(2),
      DEFAULT_SAMPLE_SIZE,
    )
    .option(
      '--max-noise <share>',
      'DBSCAN candidates with a larger share of noise rows are not recommended',
      share,
      0.5,
    )
    .option('--id <col>', 'id column (never a feature)')
    .option('--features <cols>', 'feature columns (default: every numeric column but the id)', list)
    .option('--exclude <cols>', 'columns to leave out of the features', list)
    .option('-o, --output <path>', 'write the full result (every candidate, the recommendation) as JSON')
    .option('--json', 'print the full result as JSON on stdout instead of a table')
    .option('--plot <dir>', 'write SVG charts (elbow, k-distance, each index by k or eps) into this folder');
  addInputOptions(cmd).addHelpText(
    'after',
    `
Every candidate is scored with silhouette, Davies-Bouldin, Calinski-Harabasz and Dunn (and inertia for
k-means); --metric picks the one the recommendation optimises. DBSCAN noise is left out of the indices
(its share is reported); candidates with fewer than 2 clusters are degenerate and never recommended.

Examples:
  $ segment tune features.parquet --algo kmeans --k 2..12 --plot charts/
  $ segment tune features.parquet --algo dbscan --eps 0.1..1.0 --min-samples 5..20:5 --json
  $ segment tune features.parquet --algo hierarchical --linkage ward,average --k 2..10 -o tune.json`,
  );
  cmd.action(async (data: string, flags: TuneFlags, self: Command) => {
    const ctx = contextFrom(self);
    const algo = flags.algo;
    const k = algo === 'dbscan' ? undefined : parseIntGrid(flags.k ?? '2..10', '--k', 1);
    if (algo === 'dbscan' && flags.k !== undefined)
      throw new UsageError('--k does not apply to dbscan', 'use --eps and --min-samples');
    const eps =
      algo === 'dbscan'
        ? flags.eps === 'auto'
          ? ('auto' as const)
          : parsePositiveGrid(flags.eps, '--eps')
        : undefined;
    const minSamples = algo === 'dbscan' ? parseIntGrid(flags.minSamples, '--min-samples', 1) : undefined;
    const links =
      algo === 'hierarchical' ? parseNameList<Linkage>(flags.linkage, '--linkage', linkages) : undefined;
    if (algo === 'kmeans' && flags.distance !== 'euclidean') {
      throw new UsageError(
        'k-means minimises euclidean distances; --distance applies to dbscan and hierarchical',
      );
    }
    if (links?.includes('ward') && flags.distance !== 'euclidean') {
      throw new UsageError(
        `ward linkage needs --distance euclidean, got '${flags.distance}'`,
        'use --linkage average,complete',
      );
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const out = await ctx.outputs(
      [{ flag: 'input', path: data }],
      [
        { flag: '-o', path: flags.output },
        { flag: '--plot', path: flags.plot, kind: 'folder' },
      ],
    );

    const started = performance.now();
    const ds = await readDataset(data, readOptionsFrom(flags, ctx));
    const { features, leftOut } = chooseFeatures(
      ds,
      { id: flags.id, features: flags.features, exclude: flags.exclude },
      { roles: ['segment'], skipTemporal: true },
    );
    const omitted = flags.features ? null : leftOutWarning(leftOut);
    if (omitted) ctx.logger.log('warn', omitted);
    const X = toMatrix(ds, features, ctx.threads > 1);
    assertFinite(X, features, 'tuning');
    const pool = new WorkerPool(ctx.threads);
    let result: TuneResult;
    try {
      result = await tune(
        X,
        {
          algorithm: algo,
          k,
          eps,
          minSamples,
          linkages: links,
          distance: flags.distance,
          score: flags.metric,
          nInit: flags.nInit,
          maxIter: flags.maxIter,
          tol: flags.tol,
          kmeansAlgorithm: flags.kmeansAlgorithm,
          seed: ctx.seed,
          sampleSize: flags.sampleSize,
          maxNoise: flags.maxNoise,
        },
        { pool, memoryLimit: ctx.memoryLimit, logger: ctx.logger },
      );
    } finally {
      await pool.close();
    }
    const full = {
      input: data === '-' ? 'stdin' : data,
      features,
      ...result,
      seconds: round3((performance.now() - started) / 1000),
    };
    const plots = flags.plot ? await tunePlots(result) : null;
    if (flags.output) {
      const text = JSON.stringify(tuneArtifact(full), null, 2) + '\n';
      await out.writeText('-o', text);
    }
    if (plots) for (const [name, svg] of plots) await out.writeText('--plot', svg, name);
    await out.commit();
    if (flags.json) ctx.printJson({ ...full, leftOut });
    else if (flags.output !== '-') ctx.print(renderTable(result));
    ctx.logger.log(
      'info',
      `recommended ${Object.entries(result.recommendation.params)
        .map(([key, v]) => `${key}=${v}`)
        .join(' ')}: ${result.recommendation.reason}`,
    );
  });
}

/** A plain-text table of the candidates, the recommended one marked with `*`. */
export function renderTable(r: TuneResult): string {
  const keys = Object.keys(r.candidates[0]?.params ?? {});
  const head = [
    ' ',
    ...keys,
    'clusters',
    ...(r.algorithm === 'dbscan' ? ['noise %'] : []),
    'silhouette',
    'davies-bouldin',
    'calinski-harabasz',
    'dunn',
    ...(r.algorithm === 'kmeans' ? ['inertia'] : []),
  ];
  const rec = JSON.stringify(r.recommendation.params);
  const rows = r.candidates.map((c: Candidate) => [
    JSON.stringify(c.params) === rec ? '*' : ' ',
    ...keys.map((key) => String(c.params[key])),
    String(c.nClusters),
    ...(r.algorithm === 'dbscan' ? [(c.noiseShare * 100).toFixed(1)] : []),
    c.degenerate ?? num(c.scores.silhouette),
    c.degenerate ? '' : num(c.scores.daviesBouldin),
    c.degenerate ? '' : num(c.scores.calinskiHarabasz),
    c.degenerate ? '' : num(c.scores.dunn),
    ...(r.algorithm === 'kmeans' ? [num(c.scores.inertia ?? null)] : []),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j <= keys.length ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  out.push('');
  const sample =
    r.evaluation.sampleSize !== null
      ? `, silhouette and Dunn on a sample of ${r.evaluation.sampleSize} rows`
      : '';
  out.push(
    `${r.nRows} rows × ${r.nFeatures} features, ${r.distance} distance${sample}; noise excluded from the indices`,
  );
  if (r.elbow)
    out.push(`inertia elbow (Kneedle): ${r.elbow.kneeK === null ? 'none found' : `k=${r.elbow.kneeK}`}`);
  if (r.kDistance) {
    for (const kd of r.kDistance)
      out.push(`k-distance knee (min-samples ${kd.minSamples}, k=${kd.k}): eps=${kd.kneeEps.toPrecision(4)}`);
  }
  out.push(`* recommended by ${r.score}: ${r.recommendation.reason}`);
  return out.join('\n') + '\n';
}

function num(x: number | null): string {
  if (x === null) return '—';
  return Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4);
}
