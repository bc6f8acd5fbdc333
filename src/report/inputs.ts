import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
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

/**
 * Read the business names of segments: a JSON or YAML mapping of segment numbers to non-empty names
 * (`{0: Champions, 1: At risk}`).
 * @throws DataError when the file is missing, not a mapping, or holds a bad number or name.
 */
export async function loadSegmentNames(path: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DataError(`${path}: names file not found`);
  }
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new DataError(`${path}${line ? `:${line}` : ''}: not a valid JSON or YAML mapping`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new DataError(`${path}: expected a mapping of segment numbers to names, e.g. {0: Champions}`);
  const out = new Map<number, string>();
  for (const [k, name] of Object.entries(v as Record<string, unknown>)) {
    const s = Number(k);
    if (!Number.isInteger(s) || s < -1) throw new DataError(`${path}: '${k}' is not a segment number`);
    if (typeof name !== 'string' || name.trim() === '')
      throw new DataError(`${path}: the name of segment ${k} must be a non-empty string`);
    out.set(s, name.trim());
  }
  return out;
}
