import type { ChainEntry } from '../core/chain.js';
import { readClusterModel, type ClusterModel, type InputColumn } from '../cluster/model.js';
import { withContentHash } from '../core/content-hash.js';
import { parseCleanModel, type CleanModel } from '../clean/model.js';
import { parseSelectModel, type SelectModel } from '../select/model.js';

/**
 * The columns raw input must have for a model: what the first fitted stage of its chain reads (the clean stage's
 * features, encoded and validated columns with their kinds as seen in training; the select stage's candidate
 * features), or the model's own features when it was fitted on raw data. O(columns).
 */
export function inputSchemaOf(features: string[], chain: ChainEntry[]): InputColumn[] {
  const first = chain[0];
  if (first?.stage === 'clean') {
    const m = first.model as CleanModel;
    const seen = new Map((m.input?.columns ?? []).map((c) => [c.name, c]));
    const names: string[] = [];
    const add = (n: string): void => {
      if (!names.includes(n)) names.push(n);
    };
    for (const f of m.features ?? []) add(f);
    for (const s of m.steps ?? []) {
      if (s.step === 'encode') for (const c of s.columns) add(c.name);
      else if (s.step === 'validate') for (const r of s.rules) add(r.column);
    }
    return names.map((name) => {
      const c = seen.get(name);
      return c?.kind === 'numeric' || c === undefined
        ? { name, kind: 'numeric' as const }
        : { name, kind: c.kind === 'categorical' ? ('categorical' as const) : ('string' as const) };
    });
  }
  if (first?.stage === 'select') {
    return ((first.model as SelectModel).features ?? []).map((name) => ({ name, kind: 'numeric' as const }));
  }
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
  return JSON.stringify(model) + '\n';
}

/**
 * Check the fitted stages a model carries (clean, select) as their own loaders do, each named
 * `<source> (chain stage k)` in messages. Stages of other kinds are left to the consumer (score prepared data).
 * O(chain size).
 * @throws DataError for a malformed or edited stage model.
 */
export function checkChain(chain: readonly ChainEntry[] | undefined, source: string): void {
  (chain ?? []).forEach((entry, k) => {
    const where = `${source} (chain stage ${k + 1})`;
    if (entry.stage === 'clean') parseCleanModel(entry.model, where);
    else if (entry.stage === 'select') parseSelectModel(entry.model, where);
  });
}

/**
 * Load a saved clustering model (a bundle): format, version, content hash, structure (shapes agree with the features
 * and segments, segments referenced exist, finite numbers) and every stage of its chain. The one way model files
 * are read. O(model size).
 * @throws DataError naming the file when it is missing, not JSON, not a segment model, from a newer version, edited
 *   after it was written, or malformed (`invalid model: <json path> <what>`).
 */
export async function loadModel(path: string): Promise<ClusterModel> {
  const model = await readClusterModel(path);
  checkChain(model.chain, path);
  return model;
}
