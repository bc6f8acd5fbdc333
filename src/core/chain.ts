import type { Dataset } from './dataset.js';

/**
 * Parquet key–value metadata key holding the fitted chain that produced a dataset: a JSON array of
 * {@link ChainEntry}, oldest stage first. Every stage that learns something (clean, select) appends itself, and a
 * cluster model records the chain of its training input so `segment assign` can replay it on raw data.
 */
export const chainKey = 'segment.chain';

/** One fitted stage of a chain: its name (`clean`, `select`) and its saved model. */
export interface ChainEntry {
  stage: string;
  model: unknown;
}

/** A column raw input must have for a model (what the first stage of its chain reads), and its kind. */
export interface InputColumn {
  name: string;
  kind: 'numeric' | 'categorical' | 'string';
}

/**
 * What replaying a model's chain on raw input needs of the model, whatever its kind (clustering bundle, propensity
 * model): the fitted stages, oldest first, and the columns raw input must have.
 */
export interface ChainedModel {
  chain?: ChainEntry[] | undefined;
  inputSchema?: InputColumn[] | undefined;
}

/** The fitted chain recorded in a dataset's metadata (empty when there is none or it is unreadable). */
export function chainOf(ds: Dataset): ChainEntry[] {
  const text = ds.metadata[chainKey];
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v)
      ? v.filter((e): e is ChainEntry => typeof e === 'object' && e !== null && typeof e.stage === 'string')
      : [];
  } catch {
    return [];
  }
}
