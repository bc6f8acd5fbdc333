import type { Dataset } from './dataset.js';
import type { InputColumn } from './chain.js';
import { readJsonFile } from './json-file.js';
import type { WorkerPool } from './worker-pool.js';

/** What replaying a fitted step on a dataset needs from its caller. */
export interface ApplyEnv {
  pool: WorkerPool;
}

/**
 * The contract of a kind of saved model (clustering bundle, propensity, clean, select): how its file is recognised,
 * loaded, checked and written, and — for the kinds that are steps of a fitted chain — how it is replayed on a
 * dataset and rendered as SQL. A new kind implements this; a new chain step kind is also listed once in the
 * registry (`model/kinds.ts`).
 * @typeParam M the model in memory
 * @typeParam Sql what `export-sql` hands a step to render itself into (defined by `export/`, which core does not
 *   know)
 */
export interface SavedModelKind<M, Sql = never> {
  /** The file's `"format"` string, e.g. `segment.clean-model`. */
  readonly format: string;
  /** The file in messages: "model file", "clean model file". */
  readonly file: string;
  /** How to get one, for a missing or unreadable file: "write one with segment clean --model". */
  readonly hint: string;
  /** The step's name in a fitted chain (`clean`, `select`): for kinds recorded in a chain. */
  readonly stage?: string;
  /**
   * Check a parsed JSON value — format, version, content hash (see {@link loadModelFile} for the policy), schema
   * and cross-field checks — and return the model. O(model size).
   * @param source names the file (or the chain stage) in messages
   * @throws DataError naming `source` for the first problem.
   */
  load(json: unknown, source: string): M;
  /** The file text the kind writes: one JSON line (content hash last) and a newline. Deterministic. */
  toJSON(model: M): string;
  /**
   * Replay the fitted step on a dataset exactly as on its training data, rows kept in order (none dropped): for
   * kinds a chain can replay.
   */
  apply?(model: M, data: Dataset, env: ApplyEnv): Promise<Dataset>;
  /** Render the step into an `export-sql` query: for kinds SQL can express. */
  toSql?(model: M, ctx: Sql): void;
  /** The columns raw input must have when the step is the first of a chain (as recorded, without loading). */
  inputColumns?(model: M): InputColumn[];
}

/**
 * Read a saved model file and load it as one of `kinds` — the one place model files are read. The kind is the one
 * whose `format` the file names; a file naming none of them is refused by the first kind's check, so the message
 * says what the file is when it is another segment file (`<path>: a 'segment.model' file, not a segment clean
 * model (no "format": …)`). O(file size).
 *
 * Load policy, the same for every kind (enforced by `parseModel` in `model-schema.ts`), in this order:
 * 1. the file must exist and hold JSON (`<path>: <file> not found`, `<path>: not a JSON <file>`);
 * 2. its `format` must be the kind's;
 * 3. its `version` must be one this build reads (`<kind> version N is newer than this segment understands (M)`);
 * 4. content hash: a `hash` the file has is always checked against the content (`content hash does not match`),
 *    whatever the version; a file without one is refused from the version on which its kind always writes one
 *    (clustering models from version 2, propensity models from version 1) and accepted otherwise (clustering
 *    version 1; clean and select models, whose earlier releases wrote none and whose copies inside a chain carry
 *    none — the chain is covered by its bundle's hash);
 * 5. structure: the kind's JSON Schema, then its cross-field checks (`invalid model: <json path> <what>`).
 * Models carried in a chain are loaded with the same `load`, named `<path> (chain stage k)`.
 * @throws DataError naming the path, with the kind's hint, for the first problem.
 */
export async function loadModelFile<M>(path: string, kind: SavedModelKind<M, unknown>): Promise<M>;
export async function loadModelFile(
  path: string,
  kinds: readonly SavedModelKind<unknown, unknown>[],
): Promise<unknown>;
export async function loadModelFile(
  path: string,
  kinds: SavedModelKind<unknown, unknown> | readonly SavedModelKind<unknown, unknown>[],
): Promise<unknown> {
  const list: readonly SavedModelKind<unknown, unknown>[] = isKindList(kinds) ? kinds : [kinds];
  const first = list[0];
  if (first === undefined) throw new RangeError('loadModelFile: no model kind given');
  const json = await readJsonFile(path, first.file, first.hint);
  const format =
    typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
  const kind = list.find((k) => k.format === format) ?? first;
  return kind.load(json, path);
}

function isKindList<K>(kinds: K | readonly K[]): kinds is readonly K[] {
  return Array.isArray(kinds);
}
