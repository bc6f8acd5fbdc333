import type { ClusterDistance, Distance, Linkage } from '../core/distance.js';
import type { GowerScale } from '../core/gower.js';
import { DataError, UsageError, invalidParameter } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { kneeIndex } from '../evaluate/knee.js';
import { findExceptions } from './assign.js';
import { dbscan, kDistances } from './dbscan.js';
import { cutTree, linkageTree } from './hierarchical.js';
import { condensedTreeOf, hdbscan, type ClusterSelection, type HdbscanResult } from './hdbscan.js';
import { kmeans } from './kmeans.js';
import { fitKMedoids } from './kmedoids.js';
import { opticsFit, opticsModel, type OpticsFitParams, type OpticsScores } from './optics-fit.js';
import { gowerCentres, gowerDbscan, gowerKDistances, gowerLinkageTree } from './gower-cluster.js';
import { modelFormat, modelVersion, type ClusterModel, type SegmentInfo } from './cluster-model.js';
import {
  canonicalOrder,
  countSegments,
  mergeSmallSegments,
  relabel,
  segmentCentroids,
  type SegmentMerge,
} from './segments.js';

/** The algorithms `segment tune` searches. */
export const algorithms = ['kmeans', 'dbscan', 'hierarchical'] as const;
export type Algorithm = (typeof algorithms)[number];
/** What `segment cluster` fits: the tunable algorithms, HDBSCAN and k-medoids. */
export const clusterAlgorithms = [...algorithms, 'hdbscan', 'kmedoids', 'optics'] as const;
export type ClusterAlgorithm = (typeof clusterAlgorithms)[number];

/** Parameters of {@link fitClusters} (scikit-learn names in camelCase). */
export interface ClusterParams {
  algorithm: ClusterAlgorithm;
  nClusters?: number | undefined;
  nInit?: number | undefined;
  maxIter?: number | undefined;
  tol?: number | undefined;
  kmeansAlgorithm?: 'auto' | 'lloyd' | 'elkan' | 'hamerly' | 'minibatch' | undefined;
  eps?: number | 'auto' | undefined;
  minSamples?: number | undefined;
  distance?: ClusterDistance | undefined;
  /** Gower's scale fitted on X's rows (`distance: 'gower'`: k-medoids, DBSCAN, hierarchical; X from `gowerMatrix`). */
  gower?: GowerScale | undefined;
  linkage?: Linkage | undefined;
  /** k-medoids past PAM's size: CLARA's number of samples and rows per sample. */
  samples?: number | undefined;
  sampsize?: number | undefined;
  distanceThreshold?: number | undefined;
  minSize?: number | undefined;
  seed?: number | undefined;
  /** HDBSCAN: smallest cluster (minSamples defaults to it). */
  minClusterSize?: number | undefined;
  clusterSelection?: ClusterSelection | undefined;
  clusterSelectionEpsilon?: number | undefined;
  /** OPTICS: max-eps, cluster method, xi, min-cluster-size (above) and eps of the DBSCAN extraction (above). */
  optics?: OpticsFitParams | undefined;
}

/** Where a fit runs. */
export interface FitEnv {
  pool?: WorkerPool | undefined;
  memoryLimit?: number | undefined;
  logger?: Logger | undefined;
  toolVersion: string;
}

/** What a fit reports (the `--json` output of `segment cluster`, without timings). */
export interface ClusterSummary {
  algorithm: ClusterAlgorithm;
  params: Record<string, unknown>;
  nRows: number;
  nSegments: number;
  sizes: number[];
  noise: number;
  inertia?: number;
  nIter?: number;
  nCore?: number;
  eps?: number;
  epsAuto?: { k: number; kneeIndex: number; sampled: number };
  /** k-medoids: mean distance to the nearest medoid after BUILD and SWAP, medoid rows (0-based), swaps made. */
  objective?: { build: number; swap: number };
  /** k-medoids: mean silhouette width under the fit's distance (null for one cluster). */
  silhouette?: number | null;
  medoidRows?: number[];
  nSwaps?: number;
  merges: SegmentMerge[];
  warnings: string[];
}

/** Labels, model and summary of a fit. */
export interface ClusterFit {
  labels: Int32Array;
  /** HDBSCAN: each row's membership probability and GLOSH outlier score. */
  scores?: { probability: Float64Array; outlierScore: Float64Array };
  /** OPTICS: each row's position in the cluster ordering, reachability and core distance. */
  optics?: OpticsScores;
  model: ClusterModel;
  summary: ClusterSummary;
}

/**
 * Suggest DBSCAN's eps: the knee (Kneedle) of the sorted distances to the k-th nearest neighbour, k = minSamples − 1
 * (as R's kNNdistplot). Above 200,000 rows the curve is computed on a seeded sample of 200,000 rows.
 */
export async function suggestEps(
  X: Matrix,
  minSamples: number,
  metric: Distance | 'gower',
  seed: number,
  pool?: WorkerPool,
  gower?: GowerScale,
): Promise<{ eps: number; k: number; kneeIndex: number; sampled: number; curve: Float64Array }> {
  const k = Math.max(1, minSamples - 1);
  let M = X;
  if (X.nRows > 200_000) {
    const idx = new Random(seed, 7).sampleIndices(X.nRows, 200_000);
    const d = X.nCols;
    const data = new Float64Array(idx.length * d);
    idx.forEach((r, i) => data.set(X.data.subarray(r * d, (r + 1) * d), i * d));
    M = { data, nRows: idx.length, nCols: d };
  }
  if (M.nRows <= k)
    throw new DataError(`eps auto needs more than ${k} rows (min-samples − 1); got ${M.nRows}`);
  // Gower's distance has no spatial index: its k-distances are brute force, O(n²·d) (see cluster/gower-cluster.ts).
  const kd =
    metric === 'gower'
      ? await gowerKDistances(M, gower ?? missingScale(), k, pool)
      : await kDistances(M, k, metric, pool);
  const curve = kd.slice().sort();
  const knee = kneeIndex(curve, { curve: 'convex', direction: 'increasing' });
  const eps = knee >= 0 ? curve[knee]! : curve[Math.floor(curve.length * 0.9)]!;
  if (!(eps > 0)) {
    throw new DataError(
      'eps auto found a k-distance of 0 (many duplicate rows)',
      'pass --eps explicitly or dedupe the data',
    );
  }
  return { eps, k, kneeIndex: knee, sampled: M.nRows, curve };
}

/**
 * Fit a clustering and return canonical labels (0 = largest segment, −1 = noise), a saveable model whose
 * assignment rule reproduces the labels on the training rows, and a summary. For k-medoids under Gower's distance,
 * X comes from `gowerMatrix` and `params.gower` is its fitted scale (see cluster/kmedoids.ts).
 * @throws UsageError for invalid parameters; DataError when impossible on this data (k > rows, too much memory).
 * @example
 * const X = toMatrix(ds, features);
 * const fit = await fitClusters(X, features, 'customer_id', { algorithm: 'kmeans', nClusters: 5, seed: 42 }, { toolVersion });
 * assignRows(fit.model, X); // the training labels again: fit.labels
 */
export async function fitClusters(
  X: Matrix,
  features: readonly string[],
  id: string | null,
  params: ClusterParams,
  env: FitEnv,
): Promise<ClusterFit> {
  const logger = env.logger ?? silentLogger;
  const seed = params.seed ?? 42;
  const n = X.nRows;
  const d = X.nCols;
  const warnings: string[] = [];
  if (n === 0) throw new DataError('no rows to cluster');
  if (params.algorithm === 'kmedoids') {
    const metric = params.distance ?? 'euclidean';
    if (metric === 'cosine') throw new UsageError('k-medoids takes --distance euclidean, manhattan or gower');
    if (params.minSize !== undefined && params.minSize > 1)
      throw new UsageError('--min-size does not apply to k-medoids (each segment keeps its medoid)');
    const k = params.nClusters ?? 8;
    if (!Number.isInteger(k) || k < 1)
      throw invalidParameter('cluster.kmedoids', 'nClusters', 'an int in [1, inf)', k);
    return fitKMedoids(X, features, id, {
      nClusters: k,
      metric,
      gower: metric === 'gower' ? (params.gower ?? null) : null,
      memoryLimit: env.memoryLimit,
      toolVersion: env.toolVersion,
      samples: params.samples,
      sampsize: params.sampsize,
      seed,
      logger,
    });
  }
  const gower = params.distance === 'gower';
  if (gower && !['dbscan', 'hdbscan', 'hierarchical'].includes(params.algorithm))
    throw new UsageError(
      `--distance gower needs --algo kmedoids, dbscan, hdbscan or hierarchical, not ${params.algorithm}`,
    );
  if (gower && params.minSize !== undefined && params.minSize > 1)
    throw new UsageError('--min-size does not apply to --distance gower (segments are merged by centroid)');
  const scale = gower ? (params.gower ?? missingScale()) : undefined;
  if (gower && n > 50_000)
    logger.log(
      'warn',
      `${params.algorithm} under Gower's distance on ${n.toLocaleString('en-US')} rows compares every pair of rows ` +
        `(${((n * (n - 1)) / 2).toExponential(1)} distances, no spatial index): minutes or more (--sample N bounds it)`,
    );
  const distance: Distance | undefined = gower ? undefined : (params.distance as Distance | undefined);
  let labels: Int32Array;
  let extra: Partial<ClusterSummary> = {};
  let modelPart: Record<string, unknown>;
  let usedParams: Record<string, unknown>;

  switch (params.algorithm) {
    case 'kmeans': {
      const k = params.nClusters ?? 8;
      if (!Number.isInteger(k) || k < 1)
        throw invalidParameter('cluster.kmeans', 'nClusters', 'an int in [1, inf)', k);
      if (k > n) throw new DataError(`k = ${k} exceeds the ${n} rows`, 'lower --k or use more data');
      const r = await kmeans(X, {
        nClusters: k,
        nInit: params.nInit,
        maxIter: params.maxIter,
        tol: params.tol,
        algorithm: params.kmeansAlgorithm,
        seed,
        pool: env.pool,
        logger,
      });
      labels = Int32Array.from(r.labels);
      const filled = new Uint8Array(k);
      for (const l of labels) filled[l] = 1;
      const distinct = filled.reduce((a, b) => a + b, 0);
      if (distinct < k) {
        warnings.push(
          `Number of distinct clusters (${distinct}) found smaller than n_clusters (${k}): the data has fewer distinct points than --k`,
        );
      }
      usedParams = {
        nClusters: k,
        nInit: r.nInit,
        maxIter: params.maxIter ?? 300,
        tol: params.tol ?? 1e-4,
        algorithm: r.algorithm,
        seed,
      };
      extra = { inertia: r.inertia, nIter: r.nIter };
      modelPart = { centroids: r.centroids, k, filled };
      break;
    }
    case 'dbscan': {
      const minSamples = params.minSamples ?? 5;
      const metric = gower ? 'gower' : (distance ?? 'euclidean');
      if (!Number.isInteger(minSamples) || minSamples < 1) {
        throw invalidParameter('cluster.dbscan', 'minSamples', 'an int in [1, inf)', minSamples);
      }
      let eps: number;
      if (params.eps === 'auto' || params.eps === undefined) {
        const s = await suggestEps(X, minSamples, metric, seed, env.pool, scale);
        eps = s.eps;
        extra.epsAuto = { k: s.k, kneeIndex: s.kneeIndex, sampled: s.sampled };
        logger.log('info', `eps auto: ${eps.toPrecision(4)} (knee of the ${s.k}-distance curve)`);
      } else eps = params.eps;
      if (!(eps > 0) || !Number.isFinite(eps))
        throw invalidParameter('cluster.dbscan', 'eps', 'a float in (0, inf)', eps);
      const r =
        metric === 'gower'
          ? await gowerDbscan(X, scale!, eps, minSamples, env.pool)
          : await dbscan(X, { eps, minSamples, distance: metric, pool: env.pool, logger });
      labels = Int32Array.from(r.labels);
      usedParams = { eps, minSamples, metric };
      extra = { ...extra, eps, nCore: r.nCore };
      if (r.nCore === 0)
        warnings.push('no core points: every row is noise; raise --eps or lower --min-samples');
      else if (r.nCore < 0.01 * n)
        warnings.push(`almost no core points (${r.nCore} of ${n}); raise --eps or lower --min-samples`);
      if (r.nCore === n) warnings.push('every point is a core point; eps may be too large');
      if (r.nClusters === 1) warnings.push('a single cluster (plus noise); eps may be too large');
      if (r.nNoise > 0.5 * n) warnings.push(`${((100 * r.nNoise) / n).toFixed(1)} % of rows are noise`);
      modelPart = { isCore: r.isCore };
      break;
    }
    case 'hierarchical': {
      const linkage = params.linkage ?? (gower ? 'average' : 'ward');
      const metric = gower ? 'gower' : (distance ?? 'euclidean');
      if (params.nClusters === undefined && params.distanceThreshold === undefined) {
        throw new UsageError('hierarchical clustering needs --k or --distance-threshold');
      }
      if (params.nClusters !== undefined && params.distanceThreshold !== undefined) {
        throw new UsageError('give --k or --distance-threshold, not both');
      }
      if (params.nClusters !== undefined && params.nClusters > n) {
        throw new DataError(`k = ${params.nClusters} exceeds the ${n} rows`, 'lower --k or use more data');
      }
      const tree =
        metric === 'gower'
          ? await gowerLinkageTree(X, scale!, {
              linkage,
              memoryLimit: env.memoryLimit,
              pool: env.pool,
              logger,
            })
          : await linkageTree(X, {
              linkage,
              distance: metric,
              memoryLimit: env.memoryLimit,
              pool: env.pool,
              logger,
            });
      labels = Int32Array.from(
        cutTree(
          tree,
          params.nClusters !== undefined
            ? { nClusters: params.nClusters }
            : { distanceThreshold: params.distanceThreshold! },
        ),
      );
      usedParams = {
        linkage,
        metric,
        ...(params.nClusters !== undefined
          ? { nClusters: params.nClusters }
          : { distanceThreshold: params.distanceThreshold }),
      };
      modelPart = {
        dendrogram:
          n <= 50_000
            ? {
                a: Array.from(tree.a),
                b: Array.from(tree.b),
                heights: Array.from(tree.heights),
                sizes: Array.from(tree.sizes),
              }
            : null,
      };
      break;
    }
    case 'hdbscan': {
      const minClusterSize = params.minClusterSize ?? 5;
      const minSamples = params.minSamples ?? minClusterSize;
      const metric = gower ? 'gower' : (distance ?? 'euclidean');
      const clusterSelection = params.clusterSelection ?? 'eom';
      const clusterSelectionEpsilon = params.clusterSelectionEpsilon ?? 0;
      const r = await hdbscan(X, {
        minClusterSize,
        minSamples,
        clusterSelection,
        clusterSelectionEpsilon,
        distance: metric,
        gower: scale,
        pool: env.pool,
        logger,
      });
      labels = Int32Array.from(r.labels);
      usedParams = { minClusterSize, minSamples, clusterSelection, clusterSelectionEpsilon, metric };
      if (r.nClusters === 0)
        warnings.push('no cluster: every row is noise; lower --min-cluster-size or --min-samples');
      if (r.nNoise > 0.5 * n) warnings.push(`${((100 * r.nNoise) / n).toFixed(1)} % of rows are noise`);
      modelPart = { scores: r };
      break;
    }
    case 'optics': {
      const r = await opticsFit(X, params, env, warnings);
      labels = r.labels;
      usedParams = r.usedParams;
      modelPart = { optics: r.scores };
      break;
    }
    default:
      throw new UsageError(
        `unknown algorithm '${String((params as { algorithm: unknown }).algorithm)}'`,
        `use one of: ${clusterAlgorithms.join(', ')}`,
      );
  }

  // Raw labels → (merge small segments) → canonical numbering by size.
  let merges: SegmentMerge[] = [];
  let rawToFinal: Int32Array = Int32Array.from({ length: countSegments(labels) }, (_, i) => i);
  if (params.minSize !== undefined && params.minSize > 1) {
    const m = mergeSmallSegments(X, labels, params.minSize);
    merges = m.merges;
    rawToFinal = m.map;
    relabel(labels, m.map);
    if (merges.length > 0)
      logger.log('info', `merged ${merges.length} segment(s) smaller than ${params.minSize} rows`);
  }
  const canon = canonicalOrder(X, labels);
  relabel(labels, canon);
  for (let i = 0; i < rawToFinal.length; i++) rawToFinal[i] = canon[rawToFinal[i]!]!;

  const nSegments = countSegments(labels);
  const { centroids: means, sizes } = segmentCentroids(X, labels, nSegments);
  // Under Gower: numeric means over the non-missing values and categorical modes (level indices).
  const centroids = scale ? gowerCentres(X, labels, nSegments, scale) : means;
  let noise = 0;
  for (let i = 0; i < n; i++) if (labels[i]! < 0) noise++;
  const segments: SegmentInfo[] = Array.from({ length: nSegments }, (_, s) => ({
    segment: s,
    size: sizes[s]!,
    centroid: Array.from(centroids.subarray(s * d, (s + 1) * d)),
  }));
  const base = {
    format: modelFormat as typeof modelFormat,
    version: modelVersion,
    toolVersion: env.toolVersion,
    features: [...features],
    id,
    nRows: n,
    noise,
    segments,
    params: usedParams,
  };
  let model: ClusterModel;
  if (params.algorithm === 'kmeans') {
    const c = modelPart['centroids'] as Float64Array;
    const k = modelPart['k'] as number;
    // Centroids no row went to (duplicate points, fewer distinct than k) are left out: every centroid kept has a
    // segment, and no new row can be sent to a segment that does not exist.
    const kept = Array.from({ length: k }, (_, j) => j).filter(
      (j) => (modelPart['filled'] as Uint8Array)[j] === 1,
    );
    model = {
      ...base,
      exceptions: [],
      algorithm: 'kmeans',
      centroids: kept.map((j) => Array.from(c.subarray(j * d, (j + 1) * d))),
      centroidSegment: kept.map((j) => rawToFinal[j]!),
      inertia: extra.inertia!,
      nIter: extra.nIter!,
    };
  } else if (params.algorithm === 'dbscan') {
    const isCore = modelPart['isCore'] as Uint8Array;
    const cores: number[][] = [];
    const coreSegment: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!isCore[i]) continue;
      cores.push(Array.from(X.data.subarray(i * d, (i + 1) * d)));
      coreSegment.push(labels[i]!);
    }
    model = {
      ...base,
      exceptions: [],
      algorithm: 'dbscan',
      eps: usedParams['eps'] as number,
      minSamples: usedParams['minSamples'] as number,
      metric: usedParams['metric'] as Distance | 'gower',
      cores,
      coreSegment,
      ...(scale ? { gower: scale } : {}),
    };
  } else if (params.algorithm === 'hdbscan') {
    const core = (modelPart['scores'] as { coreDistances: Float64Array }).coreDistances;
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (labels[i]! >= 0) kept.push(i);
    model = {
      ...base,
      exceptions: [],
      algorithm: 'hdbscan',
      minClusterSize: usedParams['minClusterSize'] as number,
      minSamples: usedParams['minSamples'] as number,
      clusterSelection: usedParams['clusterSelection'] as ClusterSelection,
      clusterSelectionEpsilon: usedParams['clusterSelectionEpsilon'] as number,
      metric: usedParams['metric'] as Distance | 'gower',
      // R's predict.hdbscan: the rows of the clusters (noise left out), their segments and core distances.
      points: kept.map((i) =>
        Array.from(X.data.subarray(i * d, (i + 1) * d), (v) => (Number.isNaN(v) ? null : v)),
      ),
      pointSegment: kept.map((i) => labels[i]!),
      coreDistances: kept.map((i) => core[i]!),
      ...(usedParams['metric'] === 'gower' && params.gower ? { gower: params.gower } : {}),
      condensedTree: condensedTreeOf((modelPart['scores'] as HdbscanResult).tree, rawToFinal),
    };
  } else if (params.algorithm === 'optics') {
    model = opticsModel(base, X, labels, modelPart['optics'] as OpticsScores, usedParams);
  } else {
    model = {
      ...base,
      exceptions: [],
      algorithm: 'hierarchical',
      linkage: usedParams['linkage'] as Linkage,
      metric: usedParams['metric'] as Distance | 'gower',
      ...(scale ? { gower: scale } : {}),
      dendrogram: modelPart['dendrogram'] as {
        a: number[];
        b: number[];
        heights: number[];
        sizes: number[];
      } | null,
    };
  }
  let candidates: Int32Array | undefined;
  if (params.algorithm === 'dbscan') {
    // Core rows are their own nearest core (same label) and noise has no core within eps: only border rows can
    // disagree with the rule, so only they are checked.
    const isCore = modelPart['isCore'] as Uint8Array;
    const border: number[] = [];
    for (let i = 0; i < n; i++) if (!isCore[i] && labels[i]! >= 0) border.push(i);
    candidates = Int32Array.from(border);
  }
  model.exceptions = findExceptions(model, X, labels, candidates);
  if (model.exceptions.length > 0) {
    logger.log(
      'debug',
      `${model.exceptions.length} training row(s) recorded as exceptions to the assignment rule`,
    );
  }
  const hd = modelPart['scores'] as { probabilities: Float64Array; outlierScores: Float64Array } | undefined;
  return {
    labels,
    model,
    ...(hd ? { scores: { probability: hd.probabilities, outlierScore: hd.outlierScores } } : {}),
    ...(modelPart['optics'] ? { optics: modelPart['optics'] as OpticsScores } : {}),
    summary: {
      algorithm: params.algorithm,
      params: usedParams,
      nRows: n,
      nSegments,
      sizes: Array.from(sizes),
      noise,
      ...extra,
      merges,
      warnings,
    },
  };
}

/** A Gower fit without its scale is a caller's mistake. */
function missingScale(): never {
  throw new UsageError("--distance gower needs Gower's scale fitted on the rows (fitGowerScale)");
}
