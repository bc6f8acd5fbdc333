import { pairBaselineRows, planMatch, reportIdentity, type MatchPlan } from '../cluster/baseline.js';
import { clusterAlgorithms, fitClusters, type ClusterParams, type ClusterSummary } from '../cluster/fit.js';
import { clusterSelections, type ClusterSelection } from '../cluster/hdbscan.js';
import { opticsClusterMethods, type OpticsClusterMethod } from '../cluster/optics.js';
import { clusterDistances, linkages } from '../core/distance.js';
import { fitGowerScale, gowerMatrix, type GowerScale } from '../core/gower.js';
import {
  DEFAULT_MATCH_MIN_JACCARD,
  featurePermutation,
  type MatchMethod,
  type SegmentIdentity,
} from '../cluster/identity.js';
import type { ClusterModel } from '../cluster/cluster-model.js';
import {
  keptSegmentNames,
  loadSegmentNames,
  withSegmentNames,
  segmentNamesOf,
  type SegmentName,
} from '../cluster/segment-names.js';
import { keepSegmentIdentity } from '../model/identity.js';
import { chainOf } from '../core/chain.js';
import { assertFreeColumns } from '../core/columns.js';
import { numericColumn, type Dataset } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import { warnDuplicateIds, type DuplicateIds } from '../core/ids.js';
import {
  assertFinite,
  chooseFeatures,
  leftOutWarning,
  takeColumns,
  toMatrix,
  type LeftOutColumn,
} from '../core/matrix.js';
import {
  checkedText,
  describeParser,
  intAtLeast,
  InvalidValueError,
  list,
  positiveNumber,
  type Param,
} from '../core/params.js';
import { Random } from '../core/random.js';
import { collectGarbage } from '../core/gc.js';
import { WorkerPool } from '../core/worker-pool.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { readDataset } from '../io/read.js';
import { bundleModel, bundleText, loadModel } from '../model/bundle.js';
import { scoreDataset } from '../model/score.js';
import { toolVersion } from '../core/version.js';
import { completeNames, madeSegmentNames } from '../profile/names.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** The columns `--algo hdbscan` adds to the segments file: membership probability and GLOSH outlier score. */
export const hdbscanColumns = ['probability', 'outlier_score'] as const;

/**
 * The columns `--algo optics` adds to the segments file: the row's position in the cluster ordering, its
 * reachability and core distance (missing when infinite). The report draws the reachability plot from them.
 */
export const opticsColumns = ['optics_order', 'reachability', 'core_distance'] as const;

/** Options of {@link runCluster} (attribute names as the CLI's flags produce them). */
export interface ClusterOptions extends InputOptions {
  algorithm: (typeof clusterAlgorithms)[number];
  k?: number;
  nInit: number;
  maxIter: number;
  tol: number;
  kmeansAlgorithm: 'auto' | 'lloyd' | 'elkan' | 'hamerly' | 'minibatch';
  eps: string;
  /** DBSCAN default 5; HDBSCAN default: minClusterSize. */
  minSamples?: number;
  minClusterSize?: number;
  clusterSelection: ClusterSelection;
  clusterSelectionEpsilon: number;
  /** OPTICS: largest neighbourhood (default: none), extraction and xi steepness. */
  maxEps?: number;
  clusterMethod: OpticsClusterMethod;
  xi: number;
  linkage: (typeof linkages)[number];
  distance: (typeof clusterDistances)[number];
  /** Gower's per-column weights, as `col=w` items. */
  weights?: string[];
  samples?: number;
  sampsize?: number;
  distanceThreshold?: number;
  minSize?: number;
  id?: string;
  features?: string[];
  exclude?: string[];
  output?: string;
  segmentCol: string;
  model?: string;
  json?: boolean;
  baseline?: string;
  match: 'auto' | MatchMethod;
  baselineInput?: string;
  matchMinJaccard: number;
  /** A names file (JSON or YAML): business names of the segments, stored in the model. */
  names?: string;
}

/** Parse a number >= 0. */
const nonNegativeNumber = describeParser(
  function nonNegativeNumber(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidValueError(`expected a number >= 0, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0 },
);

/** Parse a number in [0, 1]. */
const unitInterval = describeParser(
  function unitInterval(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidValueError(`expected a number between 0 and 1, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0, maximum: 1 },
);

/** Parse a number strictly between 0 and 1. */
const openUnitInterval = describeParser(
  function openUnitInterval(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
      throw new InvalidValueError(`expected a number strictly between 0 and 1, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
);

/**
 * Parse `--eps`: a number > 0 or `auto`.
 * @throws UsageError for anything else.
 */
export function parseEps(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const eps = Number(v);
  if (v.trim() === '' || !Number.isFinite(eps) || eps <= 0)
    throw new UsageError(`--eps must be a number > 0 or auto, got '${v}'`);
  return eps;
}

/** The parameters of `segment cluster` (its flags, in help order, and a cluster step's `with`). */
export const clusterParams: readonly Param[] = [
  {
    flags: '--algo <name>',
    help: 'algorithm (kmedoids: PAM as R cluster::pam, up to 10,000 rows)',
    choices: clusterAlgorithms,
    default: 'kmeans',
    attr: 'algorithm',
  },
  {
    flags: '-k, --k <n>',
    help: 'number of segments (default: 8 for k-means; hierarchical: --k or --distance-threshold)',
    parse: intAtLeast(1),
  },
  {
    flags: '--n-init <n>',
    help: 'k-means restarts, keeping the lowest inertia',
    parse: intAtLeast(1),
    default: 10,
  },
  { flags: '--max-iter <n>', help: 'k-means iterations per restart', parse: intAtLeast(1), default: 300 },
  {
    flags: '--tol <x>',
    help: 'k-means tolerance on the centre shift (relative to the data variance)',
    parse: positiveNumber,
    default: 1e-4,
  },
  {
    flags: '--kmeans-algorithm <name>',
    help: 'k-means variant (auto picks a bounded one; minibatch for huge n)',
    choices: ['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'],
    default: 'auto',
  },
  {
    flags: '--eps <x|auto>',
    help: 'DBSCAN radius, or auto (knee of the k-distance curve); OPTICS --cluster-method dbscan: the cut (a number)',
    parse: checkedText(parseEps, { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { const: 'auto' }] }),
    default: 'auto',
  },
  {
    flags: '--min-samples <n>',
    help: 'DBSCAN and OPTICS: points within eps (itself included) to be a core point (default: 5); HDBSCAN: the core distance is the distance to the n-th nearest row, itself included (default: --min-cluster-size)',
    parse: intAtLeast(1),
  },
  {
    flags: '--min-cluster-size <n>',
    help: "HDBSCAN: smallest cluster, R's minPts, scikit-learn's min_cluster_size (default: 5); OPTICS xi: fewest rows in a cluster (default: --min-samples)",
    parse: intAtLeast(2),
  },
  {
    flags: '--cluster-selection <how>',
    help: 'HDBSCAN: clusters by excess of mass (eom) or the leaves of the condensed tree (leaf)',
    choices: clusterSelections,
    default: 'eom',
  },
  {
    flags: '--cluster-selection-epsilon <x>',
    help: 'HDBSCAN: clusters born below this distance merge up to the cluster alive at it (scikit-learn)',
    parse: nonNegativeNumber,
    default: 0,
  },
  {
    flags: '--max-eps <x>',
    help: "OPTICS: largest neighbourhood radius (scikit-learn's max_eps, R's eps; default: none, O(n²) time); a finite one uses kd-tree range queries",
    parse: positiveNumber,
  },
  {
    flags: '--cluster-method <how>',
    help: 'OPTICS: clusters from the reachability plot by steepness (xi) or cut at --eps (dbscan)',
    choices: opticsClusterMethods,
    default: 'xi',
  },
  {
    flags: '--xi <x>',
    help: 'OPTICS xi: minimum steepness of a cluster boundary, in (0, 1)',
    parse: openUnitInterval,
    default: 0.05,
  },
  { flags: '--linkage <name>', help: 'hierarchical linkage', choices: linkages, default: 'ward' },
  {
    flags: '--distance <name>',
    help: 'DBSCAN / HDBSCAN / hierarchical / k-medoids distance (gower: mixed numeric and categorical columns, O(n²) time)',
    choices: clusterDistances,
    default: 'euclidean',
  },
  {
    flags: '--weights <col=w,...>',
    help: "gower: weight of each named feature, as R daisy's weights (default: 1)",
    parse: list,
  },
  {
    flags: '--samples <n>',
    help: 'k-medoids past 10,000 rows or --memory-limit: CLARA samples (default: 5)',
    parse: intAtLeast(1),
  },
  {
    flags: '--sampsize <n>',
    help: 'k-medoids with CLARA: rows per sample (default: max(40 + 2k, 1000))',
    parse: intAtLeast(1),
  },
  {
    flags: '--distance-threshold <x>',
    help: 'hierarchical: cut the tree at this height instead of --k',
    parse: positiveNumber,
  },
  {
    flags: '--min-size <n>',
    help: 'merge segments smaller than n rows into their nearest segment',
    parse: intAtLeast(1),
  },
  { flags: '--id <col>', help: 'id column: never a feature, carried through untouched' },
  {
    flags: '--features <cols>',
    help: 'feature columns (default: every numeric column but the id; with --distance gower categorical ones too)',
    parse: list,
  },
  { flags: '--exclude <cols>', help: 'columns to leave out of the features', parse: list },
  {
    flags: '-o, --output <path>',
    help: 'segments file: id, features and `segment` (.parquet, .csv, .json; - = CSV on stdout)',
    pipeline: false,
  },
  {
    flags: '--segment-col <name>',
    help: 'name of the label column written (refused when the input already has a column of that name)',
    default: 'segment',
    pipeline: false,
  },
  { flags: '--model <path>', help: 'write the fitted model (JSON) for segment assign', pipeline: false },
  {
    flags: '--names <path>',
    help: "business names of the segments, stored in the model: a JSON or YAML mapping such as {0: Champions, 1: {name: At risk, description: ...}} (default with --baseline: the baseline's names of the segments it keeps)",
  },
  {
    flags: '--json',
    help: 'print the fit summary (sizes, inertia, noise, warnings, timings) as JSON on stdout',
    pipeline: false,
  },
  {
    flags: '--baseline <model.json>',
    help: "number the segments like this earlier model's (matched segments keep their number)",
  },
  {
    flags: '--match <how>',
    help: "pair segments with the baseline's by their members (rows) or centroids; auto: members when the baseline can score the rows",
    choices: ['auto', 'members', 'centroids'],
    default: 'auto',
  },
  {
    flags: '--baseline-input <path>',
    help: "the same rows as <data>, in the same order, in the form the baseline's chain reads (e.g. before clean)",
    pipeline: false,
  },
  {
    flags: '--match-min-jaccard <x>',
    help: 'members: lowest Jaccard for a segment to keep its baseline number',
    parse: unitInterval,
    default: DEFAULT_MATCH_MIN_JACCARD,
  },
  ...inputParams,
];

/** What `segment cluster --json` prints: the fit summary, the inputs and outputs, the identity, timings. */
export type ClusterJson = ClusterSummary & {
  segments?: { segment: number; size: number }[];
  input: string;
  features: string[];
  leftOut: LeftOutColumn[];
  segmentColumn: string;
  duplicateIds: DuplicateIds | null;
  output: string | null;
  model: string | null;
  identity?: SegmentIdentity & { baselineFile?: string; match: string; fallback: string | null };
  timings: { readSeconds: number; fitSeconds: number };
};

/** What {@link runCluster} returns. */
export interface ClusterResult {
  /** The labels written (after the baseline's numbering, if any), one per row. */
  labels: Int32Array;
  /** The fitted model (renumbered like the baseline's with --baseline, named with --names or like the baseline). */
  model: ClusterModel;
  /** The output table: id, features, carried label columns and the new label column. */
  data: Dataset;
  /** How the numbering followed the baseline (null without one). */
  identity: SegmentIdentity | null;
  /** What `--json` prints. */
  json: ClusterJson;
}

/**
 * The OPTICS flags' rules: only with --algo optics; with it, no k-means / hierarchical / HDBSCAN flag, no cosine,
 * --eps (a number, not above --max-eps) exactly with --cluster-method dbscan, --xi and --min-cluster-size only with xi.
 * @throws UsageError (exit 2) naming the flag.
 */
function checkOpticsOptions(o: ClusterOptions, given: (k: string) => boolean): void {
  const own = (
    [
      ['maxEps', '--max-eps'],
      ['clusterMethod', '--cluster-method'],
      ['xi', '--xi'],
    ] as const
  ).find(([k]) => given(k) || (k === 'maxEps' && o.maxEps !== undefined));
  if (o.algorithm !== 'optics') {
    if (own) throw new UsageError(`${own[1]} applies to --algo optics only`);
    return;
  }
  const other = (
    [
      ['k', '--k'],
      ['distanceThreshold', '--distance-threshold'],
      ['linkage', '--linkage'],
      ['clusterSelection', '--cluster-selection'],
      ['clusterSelectionEpsilon', '--cluster-selection-epsilon'],
    ] as const
  ).find(([k]) => given(k) || (k === 'k' && o.k !== undefined));
  if (other)
    throw new UsageError(
      `${other[1]} does not apply to optics`,
      'use --min-samples, --max-eps, --cluster-method, --xi or --eps',
    );
  if (o.distance === 'cosine')
    throw new UsageError('optics supports --distance euclidean or manhattan, not cosine');
  if ((opticsColumns as readonly string[]).includes(o.segmentCol))
    throw new UsageError(
      `--segment-col ${o.segmentCol} is a column optics writes`,
      'name the labels otherwise',
    );
  if (o.clusterMethod === 'dbscan') {
    if (!given('eps') || o.eps === 'auto')
      throw new UsageError('--cluster-method dbscan needs --eps X (a number)', 'e.g. --eps 0.5');
    if (given('xi') || o.minClusterSize !== undefined)
      throw new UsageError(
        `${given('xi') ? '--xi' : '--min-cluster-size'} applies to --cluster-method xi, not dbscan`,
      );
    const eps = Number(o.eps);
    if (o.maxEps !== undefined && eps > o.maxEps)
      throw new UsageError(
        `--eps ${o.eps} is above --max-eps ${o.maxEps}: reachability above max-eps is undefined`,
        'lower --eps or raise --max-eps',
      );
  } else if (given('eps'))
    throw new UsageError(
      '--eps applies to --cluster-method dbscan with optics',
      'add --cluster-method dbscan',
    );
}

/**
 * `segment cluster`: read `input`, fit k-means, DBSCAN, hierarchical clustering or k-medoids on the chosen features
 * (categorical ones too under Gower's distance), number the segments like a baseline model's when asked, and write the segments file (`output`) and the model (`model`)
 * through the output guard. Warnings and the summary line go to `env.logger`.
 * @throws UsageError for options that contradict each other or write nothing; DataError for unusable data.
 * @example
 * const { options } = paramValues(clusterParams, { k: 5, output: 'segments.parquet' });
 * const r = await runCluster('features.parquet', options as ClusterOptions, stepEnv());
 * console.log(r.json.sizes);
 */
export async function runCluster(input: string, o: ClusterOptions, env: StepEnv): Promise<ClusterResult> {
  if (!o.output && !o.model && !o.json) {
    throw new UsageError('cluster writes nothing without -o, --model or --json', 'add -o segments.parquet');
  }
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  if (o.names && !o.model)
    throw new UsageError('--names are stored in the model, and nothing writes one', 'add --model model.json');
  const eps = parseEps(o.eps);
  if (o.algorithm === 'hierarchical' && o.linkage === 'ward' && o.distance !== 'euclidean') {
    throw new UsageError(
      `ward linkage needs --distance euclidean, got '${o.distance}'`,
      o.distance === 'gower'
        ? 'use --linkage average, complete or single'
        : 'use --linkage average or complete',
    );
  }
  const given = (k: string): boolean => env.given?.has(k) ?? false;
  if (o.algorithm === 'hdbscan') {
    const other = (
      [
        ['k', '--k'],
        ['eps', '--eps'],
        ['distanceThreshold', '--distance-threshold'],
        ['linkage', '--linkage'],
      ] as const
    ).find(([k]) => given(k) || (k === 'k' && o.k !== undefined));
    if (other)
      throw new UsageError(
        `${other[1]} does not apply to hdbscan`,
        'use --min-cluster-size and --min-samples',
      );
    if (o.distance === 'cosine')
      throw new UsageError('hdbscan supports --distance euclidean, manhattan or gower, not cosine');
    if ((hdbscanColumns as readonly string[]).includes(o.segmentCol))
      throw new UsageError(
        `--segment-col ${o.segmentCol} is a column hdbscan writes`,
        'name the labels otherwise',
      );
  } else {
    const hd = (
      [
        ['minClusterSize', '--min-cluster-size'],
        ['clusterSelection', '--cluster-selection'],
        ['clusterSelectionEpsilon', '--cluster-selection-epsilon'],
      ] as const
    ).find(
      ([k]) =>
        (given(k) || (k === 'minClusterSize' && o.minClusterSize !== undefined)) &&
        !(k === 'minClusterSize' && o.algorithm === 'optics'),
    );
    if (hd) throw new UsageError(`${hd[1]} applies to --algo hdbscan only`);
  }
  checkOpticsOptions(o, given);
  if (o.distance === 'gower' && !['kmedoids', 'dbscan', 'hdbscan', 'hierarchical'].includes(o.algorithm))
    throw new UsageError(
      `--distance gower needs --algo kmedoids, dbscan, hdbscan or hierarchical, not ${o.algorithm}`,
    );
  if (o.algorithm === 'kmeans' && o.distance !== 'euclidean') {
    throw new UsageError(
      'k-means minimises euclidean distances; --distance applies to dbscan, hierarchical and kmedoids',
    );
  }
  if (o.algorithm === 'kmedoids' && o.distance === 'cosine')
    throw new UsageError('k-medoids takes --distance euclidean, manhattan or gower, not cosine');
  if (o.algorithm === 'kmedoids' && o.k === undefined) throw new UsageError('k-medoids needs --k');
  const weights = parseWeights(o.weights);
  if (weights && o.distance !== 'gower') throw new UsageError('--weights applies to --distance gower');
  if ((o.samples !== undefined || o.sampsize !== undefined) && o.algorithm !== 'kmedoids')
    throw new UsageError(`--${o.samples !== undefined ? 'samples' : 'sampsize'} applies to --algo kmedoids`);
  const baselineFlags = (['match', 'baselineInput', 'matchMinJaccard'] as const).filter(
    (k) => env.given?.has(k) ?? false,
  );
  if (!o.baseline && baselineFlags.length > 0) {
    const name = {
      match: '--match',
      baselineInput: '--baseline-input',
      matchMinJaccard: '--match-min-jaccard',
    };
    throw new UsageError(`${name[baselineFlags[0]!]} needs --baseline <model.json>`);
  }
  if (o.baselineInput === '-' && input === '-')
    throw new UsageError('<data> and --baseline-input cannot both be stdin');
  const files = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--baseline', path: o.baseline },
      { flag: '--baseline-input', path: o.baselineInput },
      { flag: '--names', path: o.names },
    ],
    [
      { flag: '-o', path: o.output },
      { flag: '--model', path: o.model },
    ],
  );
  try {
    const started = performance.now();
    // A bad baseline stops the run before anything is read or fitted.
    const baseline = o.baseline ? await loadModel(pathIn(env, o.baseline)) : null;
    const names: Map<number, SegmentName> | null = o.names
      ? await loadSegmentNames(pathIn(env, o.names))
      : null;
    const readOpts = readOptionsOf(o, env);
    // With --baseline-input and --sample, both files are read whole and sampled with the same rows.
    const sampleLater = baseline !== null && o.baselineInput !== undefined && o.sample !== undefined;
    let ds = await readDataset(
      pathIn(env, input),
      sampleLater ? { ...readOpts, sample: undefined } : readOpts,
    );
    const dataName = input === '-' ? 'stdin' : input;
    assertFreeColumns(
      ds,
      [
        {
          name: o.segmentCol,
          hint: 'name the new labels otherwise with --segment-col NAME (in segment run: drop the column in a clean step)',
        },
        ...(o.algorithm === 'hdbscan' && o.output
          ? hdbscanColumns.map((name) => ({
              name,
              hint: 'hdbscan writes this column: drop or rename it in the input (in segment run: in a clean step)',
            }))
          : []),
        ...(o.algorithm === 'optics' && o.output
          ? opticsColumns.map((name) => ({
              name,
              hint: 'optics writes this column: drop or rename it in the input (in segment run: in a clean step)',
            }))
          : []),
      ],
      'segment cluster',
      dataName,
    );
    if (o.id !== undefined) ds.column(o.id);
    const plan: MatchPlan | null = baseline ? planMatch(baseline, ds, o) : null;
    if (plan?.fallback) env.logger.log('warn', `baseline: ${plan.fallback}`);
    if (plan?.source === 'input' && o.baselineInput)
      env.logger.log('info', "baseline: the input carries the baseline's chain; --baseline-input not read");
    let baselineDs: Dataset | null = null;
    let unpaired: Uint8Array | null = null;
    if (plan?.source === 'baseline-input') {
      const read = await readDataset(pathIn(env, o.baselineInput!), {
        stdin: env.stdin,
        logger: env.logger,
        seed: env.seed,
      });
      const paired = pairBaselineRows(ds, read, {
        id: o.id,
        dataName,
        baselineName: o.baselineInput!,
        logger: env.logger,
      });
      baselineDs = paired.data;
      unpaired = paired.unpaired;
    }
    if (sampleLater && o.sample! < ds.nRows) {
      const rows = new Random(env.seed).sampleIndices(ds.nRows, o.sample!);
      ds = ds.take(rows);
      baselineDs = baselineDs?.take(rows) ?? null;
      if (unpaired) unpaired = Uint8Array.from(rows, (i) => unpaired![i]!);
    }
    const duplicateIds = o.id !== undefined ? warnDuplicateIds(ds, o.id, env.logger, dataName) : null;
    // Earlier labels are never features; they travel into the output beside the new ones.
    const roles = [...new Set(['segment', o.segmentCol])];
    const { features, leftOut } = chooseFeatures(
      ds,
      { id: o.id, features: o.features, exclude: o.exclude },
      // Dates as epoch milliseconds would swamp every distance: features only when named.
      // Gower's distance takes categorical columns too.
      { roles, skipTemporal: true, categorical: o.distance === 'gower' },
    );
    const omitted = o.features ? null : leftOutWarning(leftOut);
    if (omitted) env.logger.log('warn', omitted);
    // Centroids are only comparable over the same features: refuse before fitting.
    if (baseline && plan?.method === 'centroids') featurePermutation(features, baseline.features);
    let gower: GowerScale | undefined;
    let X;
    if (o.distance === 'gower') {
      // Ranges and levels of the rows fitted on; missing values stay (each pair skips them).
      gower = fitGowerScale(ds, features, weights ?? new Map());
      X = gowerMatrix(ds, features, gower);
    } else {
      X = toMatrix(ds, features, env.threads > 1);
      assertFinite(X, features, 'clustering');
    }
    // k-means reads the matrix only: the feature columns are let go while it fits and made again from the matrix
    // afterwards (the same values), so the features are held once, not twice, during the fit.
    const parked =
      o.algorithm === 'kmeans' && !gower && !baseline
        ? features.map((f) => ({ name: f, type: ds.numeric(f).type }))
        : null;
    if (parked) {
      ds = ds.drop(features);
      // Free the dropped columns before the fit (it allocates almost nothing, so no collection would come until
      // after it): the features are then held once, in the matrix, at the fit's peak.
      collectGarbage();
    }
    const readSeconds = (performance.now() - started) / 1000;
    const params: ClusterParams = {
      algorithm: o.algorithm,
      nClusters: o.k ?? (o.algorithm === 'kmeans' ? 8 : undefined),
      nInit: o.nInit,
      maxIter: o.maxIter,
      tol: o.tol,
      kmeansAlgorithm: o.kmeansAlgorithm,
      eps: o.algorithm === 'optics' ? (given('eps') ? eps : undefined) : eps,
      minSamples: o.minSamples ?? (o.algorithm === 'hdbscan' ? undefined : 5),
      ...(o.algorithm === 'optics'
        ? {
            optics: {
              maxEps: o.maxEps,
              clusterMethod: o.clusterMethod,
              xi: given('xi') ? o.xi : undefined,
            },
          }
        : {}),
      minClusterSize: o.minClusterSize,
      clusterSelection: o.clusterSelection,
      clusterSelectionEpsilon: o.clusterSelectionEpsilon,
      distance: o.distance,
      gower,
      samples: o.samples,
      sampsize: o.sampsize,
      linkage: o.linkage,
      distanceThreshold: o.distanceThreshold,
      minSize: o.minSize,
      seed: env.seed,
    };
    const pool = new WorkerPool(env.threads);
    const fitStart = performance.now();
    let fit;
    let baselineLabels: Int32Array | undefined;
    try {
      if (baseline && plan && plan.method === 'members') {
        // The baseline's labels for the same rows: the input as prepared, or the baseline input replayed raw.
        const scored = await scoreDataset(baseline, plan.source === 'input' ? ds : baselineDs!, {
          input: plan.source === 'input' ? 'prepared' : 'raw',
          pool,
          source: o.baseline!,
          data: plan.source === 'input' ? dataName : o.baselineInput!,
        });
        baselineLabels = scored.labels;
        if (unpaired) for (let i = 0; i < unpaired.length; i++) if (unpaired[i]) baselineLabels[i] = -1;
      }
      fit = await fitClusters(X, features, o.id ?? null, params, {
        pool,
        memoryLimit: env.memoryLimit,
        logger: env.logger,
        toolVersion,
      });
    } finally {
      await pool.close();
    }
    if (parked) {
      // The matrix is read no more: its data becomes the columns (transposed in place, no copy).
      const nRows = X.nRows;
      takeColumns(X).forEach((values, j) => {
        ds = ds.withColumn(numericColumn(parked[j]!.name, values, parked[j]!.type));
      });
      X = { data: new Float64Array(0), nRows, nCols: 0 };
    }
    let labels = fit.labels;
    let model: ClusterModel = fit.model;
    let identity: SegmentIdentity | null = null;
    if (baseline && plan) {
      const kept = keepSegmentIdentity(X, labels, model, baseline, {
        method: plan.method,
        baselineLabels,
        minJaccard: o.matchMinJaccard,
      });
      labels = kept.labels;
      model = kept.model;
      identity = kept.identity;
      reportIdentity(env.logger, kept.identity);
    }
    if (names) model = withSegmentNames(model, names, o.names);
    else if (baseline && identity) model = keepBaselineNames(model, baseline, identity, env);
    model = withMadeNames(model, ds, features, labels);
    const fitSeconds = (performance.now() - fitStart) / 1000;
    for (const w of fit.summary.warnings) env.logger.log('warn', w);
    const carried = roles.filter((r) => ds.has(r) && r !== o.id);
    const keep = [...(o.id ? [o.id] : []), ...features, ...carried];
    let out = ds.select(keep).withColumn(numericColumn(o.segmentCol, Float64Array.from(labels), 'integer'));
    if (fit.scores) {
      out = out
        .withColumn(numericColumn('probability', fit.scores.probability))
        .withColumn(numericColumn('outlier_score', fit.scores.outlierScore));
    }
    if (fit.optics) {
      const finite = (v: Float64Array): Float64Array => v.map((x) => (x === Infinity ? NaN : x));
      out = out
        .withColumn(numericColumn('optics_order', fit.optics.order, 'integer'))
        .withColumn(numericColumn('reachability', finite(fit.optics.reachability)))
        .withColumn(numericColumn('core_distance', finite(fit.optics.coreDistance)));
    }
    if (o.output) await files.writeDataset('-o', out);
    if (o.model) await files.writeText('--model', bundleText(bundleModel(model, chainOf(ds))));
    await files.commit();
    const json: ClusterJson = {
      ...fit.summary,
      ...(identity
        ? {
            sizes: model.segments.map((s) => s.size),
            segments: model.segments.map((s) => ({ segment: s.segment, size: s.size })),
          }
        : {}),
      input: dataName,
      features,
      leftOut,
      segmentColumn: o.segmentCol,
      duplicateIds,
      output: o.output ?? null,
      model: o.model ?? null,
      ...(identity && plan
        ? {
            identity: {
              baselineFile: o.baseline,
              match: o.match,
              fallback: plan.fallback,
              ...identity,
            },
          }
        : {}),
      timings: { readSeconds: round3(readSeconds), fitSeconds: round3(fitSeconds) },
    };
    env.logger.log(
      'info',
      `${fit.summary.nSegments} segment(s) of ${X.nRows.toLocaleString('en-US')} rows` +
        (fit.summary.noise ? `, ${fit.summary.noise} noise` : '') +
        ` (${o.algorithm}, ${fitSeconds.toFixed(2)} s)`,
    );
    return { labels, model, data: out, identity, json };
  } finally {
    await files.abort();
  }
}

/**
 * Parse `--weights col=w,...` into a map (each weight a finite number >= 0, each column once).
 * @throws UsageError naming the item at fault.
 */
export function parseWeights(items: readonly string[] | undefined): Map<string, number> | null {
  if (!items || items.length === 0) return null;
  const out = new Map<string, number>();
  for (const item of items) {
    const at = item.lastIndexOf('=');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    const value = at > 0 ? item.slice(at + 1).trim() : '';
    const w = Number(value);
    if (name === '' || value === '' || !Number.isFinite(w) || w < 0)
      throw new UsageError(`--weights: expected col=w with w a number >= 0, got '${item}'`);
    if (out.has(name)) throw new UsageError(`--weights names '${name}' twice`);
    out.set(name, w);
  }
  return out;
}

/**
 * Without --names, a fit numbered like its baseline keeps the baseline's names of the segments it continues; new
 * segments are left to {@link withMadeNames} (a warning says which, when the baseline had names).
 */
function keepBaselineNames(
  model: ClusterModel,
  baseline: ClusterModel,
  identity: SegmentIdentity,
  env: StepEnv,
): ClusterModel {
  if (!baseline.segments.some((s) => s.name !== undefined)) return model;
  const kept = keptSegmentNames(baseline, identity);
  if (kept.size > 0) env.logger.log('info', `names: kept the baseline's names of ${kept.size} segment(s)`);
  const unnamed = model.segments.filter((s) => !kept.has(s.segment)).map((s) => s.segment);
  if (unnamed.length > 0)
    env.logger.log(
      'warn',
      `names: segment(s) ${unnamed.join(', ')} are new or unnamed in the baseline: named from their profiles; give every name with --names`,
    );
  return withSegmentNames(model, kept);
}

/**
 * Name the segments no names file or baseline named from their profiles on the training data (in original units);
 * a made name equal to a given one gets the segment number. O(n · features · log n), skipped when all are named.
 */
function withMadeNames(
  model: ClusterModel,
  ds: Dataset,
  features: readonly string[],
  labels: Int32Array,
): ClusterModel {
  const given = segmentNamesOf(model);
  if (model.segments.every((s) => given.has(s.segment))) return model;
  const made = madeSegmentNames(ds, chainOf(ds), features, labels);
  const numbers = model.segments.map((s) => s.segment);
  const names = completeNames(
    numbers,
    new Map([...given].map(([s, n]) => [s, n.name])),
    numbers.map((s) => made.get(s) ?? `Segment ${s}`),
  );
  return withSegmentNames(
    model,
    new Map(numbers.map((s, i) => [s, given.get(s) ?? { name: names[i]!, description: null }])),
  );
}

/** `segment cluster` as a pipeline step. */
export const clusterCommand: StepCommand<ClusterOptions, ClusterResult> = {
  name: 'cluster',
  params: clusterParams,
  run: (input, options, env) => {
    if (input === undefined) throw new UsageError('cluster needs an input file');
    return runCluster(input, options, env);
  },
};
