import { assignRows } from '../cluster/assign.js';
import type { ClusterModel } from '../cluster/cluster-model.js';
import { chainOf, type ChainedModel } from '../core/chain.js';
import type { Dataset } from '../core/dataset.js';
import { DataError } from '../core/errors.js';
import { gowerMatrix, type GowerScale } from '../core/gower.js';
import { assertFinite, toMatrix, type Matrix } from '../core/matrix.js';
import type { WorkerPool } from '../core/worker-pool.js';
import { chainStepKind } from './kinds.js';

/** How input relates to the model's chain: raw (replay it), prepared (score as is), auto (replay unless carried). */
export type InputKind = 'auto' | 'raw' | 'prepared';

/** Where and how a dataset is prepared for a model. */
export interface PrepareOptions {
  input?: InputKind;
  pool: WorkerPool;
  /** Names the model in error messages (its path). */
  source: string;
  /** Names the data in error messages (its path). */
  data: string;
}

/**
 * Check raw input against a model's input schema before its chain is replayed. O(columns).
 * @throws DataError naming the missing columns, or a column whose kind differs (text where numbers are needed).
 */
export function checkInputSchema(model: ChainedModel, ds: Dataset, data: string): void {
  const schema = model.inputSchema;
  if (!schema) return;
  const missing = schema.filter((c) => !ds.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new DataError(
      `${data}: missing column(s) the model needs: ${missing.join(', ')}`,
      `the model reads ${schema.map((c) => c.name).join(', ')}`,
    );
  }
  for (const c of schema) {
    const kind = ds.column(c.name).kind;
    if (c.kind === 'numeric' && kind !== 'numeric') {
      throw new DataError(
        `${data}: column '${c.name}' is text but the model needs numbers there`,
        'check the column, or that this is the data the model was trained on',
      );
    }
  }
}

/**
 * Put data through the fitted chain of a model (clean, select), exactly as its training data was transformed, unless
 * the data is already prepared: `auto` replays unless the data carries the same chain in its metadata. Rows are never
 * dropped, so row i of the result is row i of the input. O(chain cost).
 * @throws DataError when a column is missing or of the wrong kind, or the chain holds a stage this version cannot
 *   replay.
 */
export async function prepareForModel(
  model: ChainedModel,
  ds: Dataset,
  opts: PrepareOptions,
): Promise<{ prepared: Dataset; replayed: string[] }> {
  const chain = model.chain ?? [];
  const input = opts.input ?? 'auto';
  if (input === 'prepared') return { prepared: ds, replayed: [] };
  if (chain.length === 0) {
    if (input === 'raw') checkInputSchema(model, ds, opts.data);
    return { prepared: ds, replayed: [] };
  }
  if (input === 'auto' && JSON.stringify(chainOf(ds)) === JSON.stringify(chain))
    return { prepared: ds, replayed: [] };
  checkInputSchema(model, ds, opts.data);
  let prepared = ds;
  const where = `${opts.source} (chain)`;
  for (const entry of chain) {
    const kind = chainStepKind(entry.stage);
    if (kind === undefined) {
      throw new DataError(
        `${opts.source}: the model's chain has a '${entry.stage}' stage that this version of segment cannot replay`,
        'score prepared data with --input prepared',
      );
    }
    prepared = await kind.apply(kind.load(entry.model, where), prepared, { pool: opts.pool });
  }
  return { prepared, replayed: chain.map((e) => e.stage) };
}

/**
 * The model's feature columns of prepared data as a matrix. O(n · d).
 * @throws DataError naming `data` when a feature is missing, or a value is not finite (`what` names the stage), or
 *   with `squares` (distance-based scoring) too large to square.
 */
export function modelMatrix(
  prepared: Dataset,
  features: readonly string[],
  data: string,
  what: string,
  squares = true,
): Matrix {
  assertModelColumns(prepared, features, data);
  const X = toMatrix(prepared, features);
  assertFinite(X, [...features], what, squares);
  return X;
}

/**
 * The features of prepared data for a Gower model (categoricals as the model's level indices, missing values kept).
 * @throws DataError naming `data` when a feature is missing or of the wrong kind.
 */
function gowerInput(prepared: Dataset, features: readonly string[], scale: GowerScale, data: string): Matrix {
  assertModelColumns(prepared, features, data);
  try {
    return gowerMatrix(prepared, features, scale);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${data}: ${e.message}`, e.hint);
    throw e;
  }
}

/** Labels of scored rows, and what was replayed to get there. */
export interface Scored {
  labels: Int32Array;
  replayed: string[];
  /** Rows per segment, keyed by the model's segment numbers (in the model's order), and noise. */
  sizes: { segment: number; size: number }[];
  noise: number;
}

/**
 * Score a dataset with a saved model: replay its chain when needed (see {@link prepareForModel}), then assign every
 * row by the model's rule (training exceptions included, so the training data gets its fitted labels back).
 * O(chain + n · model size).
 * @throws DataError when a feature the model needs is missing or not finite after the chain.
 * @example
 * const model = await loadModel('model.json');
 * const { labels, sizes } = await scoreDataset(model, rawRows, { input: 'raw', source: 'model.json', data: 'tonight' });
 */
export async function scoreDataset(model: ClusterModel, ds: Dataset, opts: PrepareOptions): Promise<Scored> {
  const { prepared, replayed } = await prepareForModel(model, ds, opts);
  const X =
    (model.algorithm === 'kmedoids' || model.algorithm === 'hdbscan') && model.gower
      ? gowerInput(prepared, model.features, model.gower, opts.data)
      : modelMatrix(prepared, model.features, opts.data, 'assign');
  const labels = assignRows(model, X);
  const index = new Map(model.segments.map((s, i) => [s.segment, i]));
  const counts = new Array<number>(model.segments.length).fill(0);
  let noise = 0;
  for (const l of labels) {
    const i = index.get(l);
    if (i === undefined) noise++;
    else counts[i]!++;
  }
  return {
    labels,
    replayed,
    sizes: model.segments.map((s, i) => ({ segment: s.segment, size: counts[i]! })),
    noise,
  };
}

/**
 * Refuse prepared data without every feature the model needs.
 * @throws DataError naming `data` and the missing columns.
 */
function assertModelColumns(prepared: Dataset, features: readonly string[], data: string): void {
  const missing = features.filter((f) => !prepared.has(f));
  if (missing.length > 0) {
    throw new DataError(
      `${data}: missing column(s) the model needs: ${missing.join(', ')}`,
      `the model uses ${features.join(', ')}`,
    );
  }
}
