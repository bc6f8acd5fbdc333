import {
  applyIdentity,
  pairSegments,
  type IdentityOptions,
  type IdentityResult,
} from '../cluster/identity.js';
import type { ClusterModel } from '../cluster/cluster-model.js';
import type { Matrix } from '../core/matrix.js';
import { bundleModel } from './bundle.js';

/**
 * Give a new fit the segment numbers of a baseline model: pair the segments ({@link pairSegments}: by members or by
 * centroids), renumber ({@link applyIdentity}) and re-bundle the model with its chain (hash recomputed). Costs: those.
 * @throws UsageError when members are asked without baseline labels or with a bad minJaccard; DataError when the
 *   baseline labels do not cover the same rows, or centroids are asked for models with different features.
 */
export function keepSegmentIdentity(
  X: Matrix,
  labels: Int32Array,
  model: ClusterModel,
  baseline: ClusterModel,
  opts: IdentityOptions,
): IdentityResult {
  const kept = applyIdentity(X, labels, model, baseline, pairSegments(labels, model, baseline, opts));
  return { ...kept, model: bundleModel(kept.model, model.chain ?? []) };
}
