import { clusterAlgorithms } from '../cluster/fit.js';
import { clusterSelections, type ClusterSelection } from '../cluster/hdbscan.js';
import { clusterDistances, linkages, type Linkage } from '../core/distance.js';
import { UsageError } from '../core/errors.js';
import { fitGowerScale, gowerMatrix, type GowerScale } from '../core/gower.js';
import { round3 } from '../core/format.js';
import {
  assertFinite,
  chooseFeatures,
  leftOutWarning,
  toMatrix,
  type LeftOutColumn,
  type Matrix,
} from '../core/matrix.js';
import { checkedText, intAtLeast, list, positiveNumber, share, type Param } from '../core/params.js';
import { WorkerPool } from '../core/worker-pool.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { readDataset } from '../io/read.js';
import { parseIntGrid, parseNameList, parsePositiveGrid } from '../tune/grid.js';
import { tunePlots } from '../tune/plots.js';
import { DEFAULT_SAMPLE_SIZE, tune, tuneArtifact, tuneMetrics, type TuneResult } from '../tune/tune.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/**
 * Options of {@link runTune} (attribute names as the CLI's flags produce them; named apart from tune/'s
 * `TuneOptions`, the options of the grid search itself).
 */
export interface TuneCommandOptions extends InputOptions {
  algorithm: (typeof clusterAlgorithms)[number];
  k?: string;
  eps: string;
  /** DBSCAN default 5,10; HDBSCAN default: each min-cluster-size. */
  minSamples?: string;
  minClusterSize?: string;
  clusterSelection: ClusterSelection;
  linkage: string;
  distance: (typeof clusterDistances)[number];
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

/** The parameters of `segment tune` (its flags, in help order, and a tune step's `with`). */
export const tuneParams: readonly Param[] = [
  {
    flags: '--algo <name>',
    help: 'algorithm (kmedoids: PAM, CLARA past 10,000 rows)',
    choices: clusterAlgorithms,
    default: 'kmeans',
    attr: 'algorithm',
  },
  {
    flags: '--k <grid>',
    help: 'k values: 2..12, 2,4,8, 2..20:2 (k-means, hierarchical and k-medoids) (default: 2..10)',
    parse: checkedText((v) => parseIntGrid(v, '--k', 1)),
  },
  {
    flags: '--eps <auto|grid>',
    help: 'DBSCAN eps: auto (k-distance knee × 0.5, 0.75, 1, 1.25, 1.5) or 0.1..1.0, 0.2,0.5',
    parse: checkedText((v) => v === 'auto' || parsePositiveGrid(v, '--eps')),
    default: 'auto',
  },
  {
    flags: '--min-samples <grid>',
    help: 'DBSCAN min-samples values, e.g. 5..20:5 (default: 5,10); HDBSCAN: crossed with --min-cluster-size (default: each min-cluster-size)',
    parse: checkedText((v) => parseIntGrid(v, '--min-samples', 1)),
  },
  {
    flags: '--min-cluster-size <grid>',
    help: 'HDBSCAN min-cluster-size values, e.g. 5..50:5 (default: 5..50:5)',
    parse: checkedText((v) => parseIntGrid(v, '--min-cluster-size', 2)),
  },
  {
    flags: '--cluster-selection <name>',
    help: 'HDBSCAN cluster selection: eom (excess of mass) or leaf',
    choices: clusterSelections,
    default: 'eom',
  },
  {
    flags: '--linkage <list>',
    help: 'hierarchical linkages, e.g. ward,average',
    parse: checkedText((v) => parseNameList(v, '--linkage', linkages)),
    default: 'ward',
  },
  {
    flags: '--distance <name>',
    help: 'DBSCAN / HDBSCAN / hierarchical / k-medoids distance (gower: dbscan, hdbscan, hierarchical, kmedoids; O(n²) time)',
    choices: clusterDistances,
    default: 'euclidean',
  },
  {
    flags: '--metric <name>',
    help: 'index the recommendation optimises',
    choices: tuneMetrics,
    default: 'silhouette',
  },
  { flags: '--n-init <n>', help: 'k-means restarts per k', parse: intAtLeast(1), default: 10 },
  { flags: '--max-iter <n>', help: 'k-means iterations per restart', parse: intAtLeast(1), default: 300 },
  { flags: '--tol <x>', help: 'k-means tolerance', parse: positiveNumber, default: 1e-4 },
  {
    flags: '--kmeans-algorithm <name>',
    help: 'k-means variant',
    choices: ['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'],
    default: 'auto',
  },
  {
    flags: '--sample-size <n>',
    help: 'above this many rows, silhouette (with a 95 % interval) and Dunn use a seeded sample of this size',
    parse: intAtLeast(2),
    default: DEFAULT_SAMPLE_SIZE,
  },
  {
    flags: '--max-noise <share>',
    help: 'DBSCAN / HDBSCAN candidates with a larger share of noise rows are not recommended',
    parse: share,
    default: 0.5,
  },
  { flags: '--id <col>', help: 'id column: never a feature' },
  {
    flags: '--features <cols>',
    help: 'feature columns (default: every numeric column but the id)',
    parse: list,
  },
  { flags: '--exclude <cols>', help: 'columns to leave out of the features', parse: list },
  {
    flags: '-o, --output <path>',
    help: 'write the full result (every candidate, the recommendation) as JSON',
    pipeline: false,
  },
  {
    flags: '--json',
    help: 'print the full result as JSON on stdout instead of a table',
    pipeline: false,
  },
  {
    flags: '--plot <dir>',
    help: 'write SVG charts (elbow, k-distance, each index by k, eps or min-cluster-size) into this folder',
    pipeline: false,
  },
  ...inputParams,
];

/** The full tuning result as written by `-o` (before the per-candidate timings are dropped). */
export type TuneFull = TuneResult & { input: string; features: string[]; seconds: number };

/** What {@link runTune} returns. */
export interface TuneCommandResult {
  /** Every candidate with its scores, and the recommendation. */
  result: TuneResult;
  /** What `--json` prints: the full result and the columns left out of the features. */
  json: TuneFull & { leftOut: LeftOutColumn[] };
}

/**
 * `segment tune`: read `input`, fit every candidate of the parameter grid, score it with the validity indices and
 * recommend one with its reason; write the result (`output`) and the charts (`plot`) through the output guard.
 * @throws UsageError for grids that do not fit the algorithm; DataError for unusable data.
 * @example
 * const { options } = paramValues(tuneParams, { algo: 'kmeans', k: '2..8' });
 * const r = await runTune('features.parquet', options as TuneCommandOptions, stepEnv());
 * console.log(r.result.recommendation.params);
 */
export async function runTune(
  input: string,
  o: TuneCommandOptions,
  env: StepEnv,
): Promise<TuneCommandResult> {
  const algo = o.algorithm;
  const density = algo === 'dbscan' || algo === 'hdbscan';
  const k = density ? undefined : parseIntGrid(o.k ?? '2..10', '--k', 1);
  if (algo === 'dbscan' && o.k !== undefined)
    throw new UsageError('--k does not apply to dbscan', 'use --eps and --min-samples');
  if (algo === 'hdbscan' && o.k !== undefined)
    throw new UsageError('--k does not apply to hdbscan', 'use --min-cluster-size');
  if (algo !== 'hdbscan' && o.minClusterSize !== undefined)
    throw new UsageError('--min-cluster-size applies to --algo hdbscan only');
  if (o.distance === 'gower' && !['dbscan', 'hdbscan', 'hierarchical', 'kmedoids'].includes(algo))
    throw new UsageError(
      `--distance gower needs --algo dbscan, hdbscan, hierarchical or kmedoids, not ${algo}`,
    );
  if ((algo === 'hdbscan' || algo === 'kmedoids') && o.distance === 'cosine')
    throw new UsageError(`${algo} supports --distance euclidean, manhattan or gower, not cosine`);
  const minClusterSize =
    algo === 'hdbscan' ? parseIntGrid(o.minClusterSize ?? '5..50:5', '--min-cluster-size', 2) : undefined;
  const hdbscanMs =
    algo === 'hdbscan' && o.minSamples !== undefined
      ? parseIntGrid(o.minSamples, '--min-samples', 1)
      : undefined;
  const eps =
    algo === 'dbscan'
      ? o.eps === 'auto'
        ? ('auto' as const)
        : parsePositiveGrid(o.eps, '--eps')
      : undefined;
  const minSamples = algo === 'dbscan' ? parseIntGrid(o.minSamples ?? '5,10', '--min-samples', 1) : hdbscanMs;
  const links =
    algo === 'hierarchical' ? parseNameList<Linkage>(o.linkage, '--linkage', linkages) : undefined;
  if (algo === 'kmeans' && o.distance !== 'euclidean') {
    throw new UsageError(
      'k-means minimises euclidean distances; --distance applies to dbscan, hdbscan, hierarchical and kmedoids',
    );
  }
  if (links?.includes('ward') && o.distance !== 'euclidean') {
    throw new UsageError(
      `ward linkage needs --distance euclidean, got '${o.distance}'`,
      'use --linkage average,complete',
    );
  }
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  const out = await env.outputs(
    [{ flag: 'input', path: input }],
    [
      { flag: '-o', path: o.output },
      { flag: '--plot', path: o.plot, kind: 'folder' },
    ],
  );
  try {
    const started = performance.now();
    const ds = await readDataset(pathIn(env, input), readOptionsOf(o, env));
    const { features, leftOut } = chooseFeatures(
      ds,
      { id: o.id, features: o.features, exclude: o.exclude },
      // Gower's distance takes categorical columns too, as segment cluster does.
      { roles: ['segment'], skipTemporal: true, categorical: o.distance === 'gower' },
    );
    const omitted = o.features ? null : leftOutWarning(leftOut);
    if (omitted) env.logger.log('warn', omitted);
    let gower: GowerScale | undefined;
    let X: Matrix;
    if (o.distance === 'gower') {
      gower = fitGowerScale(ds, features);
      X = gowerMatrix(ds, features, gower);
    } else {
      X = toMatrix(ds, features, env.threads > 1);
      assertFinite(X, features, 'tuning');
    }
    const pool = new WorkerPool(env.threads);
    let result: TuneResult;
    try {
      result = await tune(
        X,
        {
          algorithm: algo,
          k,
          eps,
          minSamples,
          minClusterSize,
          clusterSelection: o.clusterSelection,
          linkages: links,
          distance: o.distance,
          gower,
          score: o.metric,
          nInit: o.nInit,
          maxIter: o.maxIter,
          tol: o.tol,
          kmeansAlgorithm: o.kmeansAlgorithm,
          seed: env.seed,
          sampleSize: o.sampleSize,
          maxNoise: o.maxNoise,
        },
        { pool, memoryLimit: env.memoryLimit, logger: env.logger },
      );
    } finally {
      await pool.close();
    }
    const full: TuneFull = {
      input: input === '-' ? 'stdin' : input,
      features,
      ...result,
      seconds: round3((performance.now() - started) / 1000),
    };
    const plots = o.plot ? await tunePlots(result) : null;
    if (o.output) {
      const text = JSON.stringify(tuneArtifact(full), null, 2) + '\n';
      await out.writeText('-o', text);
    }
    if (plots) for (const [name, svg] of plots) await out.writeText('--plot', svg, name);
    await out.commit();
    env.logger.log(
      'info',
      `recommended ${Object.entries(result.recommendation.params)
        .map(([key, v]) => `${key}=${v}`)
        .join(' ')}: ${result.recommendation.reason}`,
    );
    return { result, json: { ...full, leftOut } };
  } finally {
    await out.abort();
  }
}

/** `segment tune` as a pipeline step. */
export const tuneCommand: StepCommand<TuneCommandOptions, TuneCommandResult> = {
  name: 'tune',
  params: tuneParams,
  run: (input, options, env) => {
    if (input === undefined) throw new UsageError('tune needs an input file');
    return runTune(input, options, env);
  },
};
