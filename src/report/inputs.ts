import type { ClusterModel } from '../cluster/cluster-model.js';
import { DataError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import type { TuneResult } from '../tune/tune.js';

/**
 * Refuse labels the model does not have (segment numbers need not be contiguous: a baseline keeps a lineage's
 * numbers, so membership is checked). O(n).
 * @throws DataError naming `source`, the highest unknown segment and `modelName`.
 */
export function assertModelSegments(
  labels: Int32Array,
  model: ClusterModel,
  source: string,
  modelName: string,
): void {
  const known = new Set(model.segments.map((s) => s.segment));
  let unknown = -1;
  for (const l of labels) if (l > unknown && !known.has(l)) unknown = l;
  if (unknown >= 0) {
    throw new DataError(
      `${source}: segment ${unknown} is not in the model ${modelName} (it has ${known.size} segments)`,
      `its segments are ${[...known].join(', ')}; report the segments file this model wrote or assigned`,
    );
  }
}

/**
 * Read a tuning result written by `segment tune -o`.
 * @throws DataError when the file is missing, not JSON, or not a tuning result.
 */
export async function loadTuneResult(path: string): Promise<TuneResult> {
  const v = await readJsonFile(path, 'tuning file', 'write one with segment tune -o tune.json');
  const t = v as Partial<TuneResult> | null;
  if (
    !t ||
    typeof t !== 'object' ||
    !Array.isArray(t.candidates) ||
    !t.recommendation ||
    typeof t.algorithm !== 'string'
  ) {
    throw new DataError(
      `${path}: not a segment tune result (no candidates / recommendation)`,
      'write one with segment tune -o tune.json',
    );
  }
  return t as TuneResult;
}
