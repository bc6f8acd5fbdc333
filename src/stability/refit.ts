import type { ClusterParams } from '../cluster/fit.js';
import type { ClusterModel } from '../cluster/cluster-model.js';
import { DataError } from '../core/errors.js';

const kmeansVariants = ['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'] as const;

/**
 * The parameters that refit a model's algorithm as it was fitted: k-means with its k, restarts, iterations, tolerance
 * and variant; DBSCAN with its fitted eps (never auto), minSamples and metric; hierarchical with its linkage, metric
 * and k (or distance threshold); HDBSCAN with its minimum cluster size, minSamples, selection and metric; OPTICS with
 * its minSamples, max-eps, extraction and metric; k-medoids with its k and metric. Under Gower's distance the refits
 * use the model's fitted scale (ranges, levels, weights), so every replicate measures distances as the model does.
 * The seed is set per replicate. O(1).
 * @param path the model file, for messages.
 * @returns the parameters, and notes on what the refits cannot reproduce.
 * @throws DataError when a hierarchical model records neither k nor a distance threshold.
 */
export function refitParams(model: ClusterModel, path: string): { params: ClusterParams; notes: string[] } {
  const p = model.params;
  const num = (key: string): number | undefined => (typeof p[key] === 'number' ? p[key] : undefined);
  const minSize = num('minSize');
  const notes: string[] = [];
  if ('gower' in model && model.gower)
    notes.push(
      "Gower's distance: the refits use the model's fitted ranges and levels, not ones refitted per resample",
    );
  switch (model.algorithm) {
    case 'kmeans': {
      const variant = kmeansVariants.find((v) => v === p['algorithm']);
      if (minSize === undefined && new Set(model.centroidSegment).size < model.centroidSegment.length)
        notes.push(
          'the fit merged small segments, but the model does not record --min-size: replicates keep all k clusters',
        );
      return {
        params: {
          algorithm: 'kmeans',
          nClusters: num('nClusters') ?? model.centroids.length,
          nInit: num('nInit'),
          maxIter: num('maxIter'),
          tol: num('tol'),
          kmeansAlgorithm: variant,
          minSize,
        },
        notes,
      };
    }
    case 'dbscan':
      return {
        params: {
          algorithm: 'dbscan',
          eps: model.eps,
          minSamples: model.minSamples,
          distance: model.metric,
          gower: model.gower ?? undefined,
          minSize,
        },
        notes,
      };
    case 'hdbscan':
      return {
        params: {
          algorithm: 'hdbscan',
          minClusterSize: model.minClusterSize,
          minSamples: model.minSamples,
          clusterSelection: model.clusterSelection,
          clusterSelectionEpsilon: model.clusterSelectionEpsilon,
          distance: model.metric,
          minSize,
        },
        notes,
      };
    case 'hierarchical': {
      const nClusters = num('nClusters');
      const distanceThreshold = nClusters === undefined ? num('distanceThreshold') : undefined;
      if (nClusters === undefined && distanceThreshold === undefined)
        throw new DataError(
          `${path}: the hierarchical model records neither nClusters nor distanceThreshold`,
        );
      return {
        params: {
          algorithm: 'hierarchical',
          linkage: model.linkage,
          distance: model.metric,
          gower: model.gower ?? undefined,
          nClusters,
          distanceThreshold,
          minSize,
        },
        notes,
      };
    }
    case 'kmedoids':
      return {
        params: {
          algorithm: 'kmedoids',
          nClusters: num('nClusters') ?? model.medoids.length,
          distance: model.metric,
          gower: model.gower ?? undefined,
        },
        notes,
      };
    case 'optics':
      return {
        params: {
          algorithm: 'optics',
          minSamples: model.minSamples,
          minClusterSize: model.minClusterSize ?? undefined,
          eps: model.eps ?? undefined,
          distance: model.metric,
          optics: {
            maxEps: model.maxEps ?? undefined,
            clusterMethod: model.clusterMethod,
            xi: model.xi ?? undefined,
          },
          minSize,
        },
        notes,
      };
  }
}
