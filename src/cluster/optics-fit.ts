import type { Distance } from '../core/distance.js';
import { UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import type { ClusterModel, OpticsModel } from './cluster-model.js';
import { optics, type OpticsClusterMethod } from './optics.js';

/** OPTICS parameters of a fit beyond those {@link ClusterParams} shares with DBSCAN and HDBSCAN. */
export interface OpticsFitParams {
  /** Largest neighbourhood radius (default Infinity). */
  maxEps?: number | undefined;
  /** 'xi' (default) or 'dbscan' (a cut at eps). */
  clusterMethod?: OpticsClusterMethod | undefined;
  /** Xi steepness in (0, 1) (default 0.05). */
  xi?: number | undefined;
}

/** Per-row OPTICS outputs written beside the labels (the report's reachability plot reads them). */
export interface OpticsScores {
  /** Row → its position (0-based) in the cluster ordering. */
  order: Float64Array;
  /** Row → reachability distance (Infinity: reached from no row within max-eps, e.g. each component's first). */
  reachability: Float64Array;
  /** Row → core distance (Infinity above max-eps). */
  coreDistance: Float64Array;
}

/** The parameters of {@link opticsFit} (a subset of fit.ts's ClusterParams). */
interface FitParams {
  minSamples?: number | undefined;
  minClusterSize?: number | undefined;
  eps?: number | 'auto' | undefined;
  distance?: string | undefined;
  optics?: OpticsFitParams | undefined;
}

/**
 * Fit OPTICS for `fitClusters`: raw labels (−1 noise), the parameters used and the per-row outputs. Warns (through
 * `warnings`) when every row is noise or most are, and logs the cost of the unbounded ordering past 50,000 rows.
 * @throws UsageError for invalid parameters or combinations; DataError for fewer rows than min-samples.
 */
export async function opticsFit(
  X: Matrix,
  params: FitParams,
  env: { pool?: WorkerPool | undefined; logger?: Logger | undefined },
  warnings: string[],
): Promise<{ labels: Int32Array; usedParams: Record<string, unknown>; scores: OpticsScores }> {
  const logger = env.logger ?? silentLogger;
  const n = X.nRows;
  const minSamples = params.minSamples ?? 5;
  const maxEps = params.optics?.maxEps ?? Infinity;
  const clusterMethod = params.optics?.clusterMethod ?? 'xi';
  const metric = (params.distance ?? 'euclidean') as Distance;
  if (params.eps === 'auto')
    throw new UsageError('OPTICS takes --eps X (a number) with --cluster-method dbscan, not auto');
  if (maxEps === Infinity && n > 50_000) {
    logger.log(
      'warn',
      `optics on ${n.toLocaleString('en-US')} rows without --max-eps takes O(n²) time: ` +
        `${((n * (n - 1)) / 2).toExponential(1)} distances (--max-eps X bounds each neighbourhood)`,
    );
  }
  const r = await optics(X, {
    minSamples,
    maxEps,
    clusterMethod,
    xi: params.optics?.xi,
    eps: params.eps,
    minClusterSize: params.minClusterSize,
    distance: metric,
    pool: env.pool,
    logger,
  });
  const order = new Float64Array(n);
  for (let p = 0; p < n; p++) order[r.ordering[p]!] = p;
  const usedParams: Record<string, unknown> =
    clusterMethod === 'xi'
      ? {
          minSamples,
          maxEps: maxEps === Infinity ? null : maxEps,
          clusterMethod,
          xi: params.optics?.xi ?? 0.05,
          minClusterSize: params.minClusterSize ?? minSamples,
          predecessorCorrection: true,
          metric,
        }
      : { minSamples, maxEps: maxEps === Infinity ? null : maxEps, clusterMethod, eps: params.eps, metric };
  if (r.nClusters === 0)
    warnings.push(
      clusterMethod === 'xi'
        ? 'no cluster: every row is noise; lower --xi or --min-samples'
        : 'no cluster: every row is noise; raise --eps or lower --min-samples',
    );
  else if (r.nNoise > 0.5 * n) warnings.push(`${((100 * r.nNoise) / n).toFixed(1)} % of rows are noise`);
  return {
    labels: Int32Array.from(r.labels),
    usedParams,
    scores: { order, reachability: r.reachability, coreDistance: r.coreDistances },
  };
}

/**
 * The saved OPTICS model from canonical labels: the clustered training rows that can take a new row, with their
 * segments and radii. DBSCAN extraction: the clustered rows whose core distance is within eps, radius eps (R's
 * `predict.optics`). Xi: the clustered rows with a finite core distance, radius that core distance.
 */
export function opticsModel(
  base: Omit<
    OpticsModel,
    'algorithm' | 'exceptions' | 'points' | 'pointSegment' | 'radius' | keyof OpticsSettings
  >,
  X: Matrix,
  labels: Int32Array,
  scores: OpticsScores,
  used: Record<string, unknown>,
): ClusterModel {
  const d = X.nCols;
  const method = used['clusterMethod'] as OpticsClusterMethod;
  const eps = method === 'dbscan' ? (used['eps'] as number) : null;
  const points: number[][] = [];
  const pointSegment: number[] = [];
  const radius: number[] = [];
  for (let i = 0; i < X.nRows; i++) {
    const c = scores.coreDistance[i]!;
    if (labels[i]! < 0 || !(eps === null ? c < Infinity : c <= eps)) continue;
    points.push(Array.from(X.data.subarray(i * d, (i + 1) * d)));
    pointSegment.push(labels[i]!);
    radius.push(eps ?? c);
  }
  return {
    ...base,
    exceptions: [],
    algorithm: 'optics',
    minSamples: used['minSamples'] as number,
    maxEps: used['maxEps'] as number | null,
    clusterMethod: method,
    xi: method === 'xi' ? (used['xi'] as number) : null,
    minClusterSize: method === 'xi' ? (used['minClusterSize'] as number) : null,
    eps,
    metric: used['metric'] as Distance,
    points,
    pointSegment,
    radius,
  };
}

type OpticsSettings = Pick<
  OpticsModel,
  'minSamples' | 'maxEps' | 'clusterMethod' | 'xi' | 'minClusterSize' | 'eps' | 'metric'
>;
