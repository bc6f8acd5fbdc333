import type { ChainEntry, InputColumn } from '../core/chain.js';
import { clusterModelKind, type ClusterModel } from '../cluster/cluster-model.js';
import { withContentHash } from '../core/content-hash.js';
import { loadModelFile } from '../core/model-kind.js';
import { checkChain, chainStepKind } from './kinds.js';

export { checkChain } from './kinds.js';

/**
 * The columns raw input must have for a model: what the first fitted stage of its chain reads (the clean stage's
 * features, encoded and validated columns with their kinds as seen in training; the select stage's candidate
 * features — each step kind's `inputColumns`), or the model's own features when it was fitted on raw data or its
 * first stage does not say. O(columns).
 */
export function inputSchemaOf(features: string[], chain: ChainEntry[]): InputColumn[] {
  const first = chain[0];
  const kind = first === undefined ? undefined : chainStepKind(first.stage);
  if (first !== undefined && kind?.inputColumns !== undefined) return kind.inputColumns(first.model);
  return features.map((name) => ({ name, kind: 'numeric' as const }));
}

/**
 * The model bundle written by `segment cluster --model` and `segment run`: the clustering model with the fitted
 * chain of its training data (clean, select — from the data's lineage), the input schema raw data must meet, and a
 * content hash over all of it. Deterministic: the same fit gives the same bytes. O(model size).
 */
export function bundleModel(model: ClusterModel, chain: ChainEntry[]): ClusterModel {
  const { hash: _h, chain: _c, inputSchema: _s, ...base } = model;
  const bundle: ClusterModel = {
    ...base,
    ...(chain.length > 0 ? { chain } : {}),
    inputSchema: inputSchemaOf(model.features, chain),
  } as ClusterModel;
  return withContentHash(bundle);
}

/** The bundle's file text: one JSON line and a newline. */
export function bundleText(model: ClusterModel): string {
  return clusterModelKind.toJSON(model);
}

/**
 * Load a saved clustering model (a bundle): format, version, content hash, structure (shapes agree with the features
 * and segments, segments referenced exist, finite numbers) and every stage of its chain. The one way model files
 * are read. O(model size).
 * @throws DataError naming the file when it is missing, not JSON, not a segment model, from a newer version, edited
 *   after it was written, or malformed (`invalid model: <json path> <what>`).
 */
export async function loadModel(path: string): Promise<ClusterModel> {
  const model = await loadModelFile(path, clusterModelKind);
  checkChain(model.chain, path);
  return model;
}
