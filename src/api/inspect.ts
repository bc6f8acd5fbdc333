import type { Param } from '../core/params.js';
import { profileDataset, type DatasetProfile } from '../inspect/profile.js';
import { readDataset, type ReadNote } from '../io/read.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import type { StepEnv } from './env.js';

/** Every flag of `segment inspect`, in help order. */
export const inspectParams: readonly Param[] = [
  { flags: '--json', help: 'print the profile as JSON on stdout' },
  ...inputParams,
];

/** Options of `segment inspect`. */
export interface InspectOptions extends InputOptions {
  json?: boolean;
}

/** What {@link runInspect} returns (and `--json` prints): the input's name and its profile. */
export interface InspectResult extends DatasetProfile {
  /** The input path (`stdin` for `-`). */
  input: string;
}

/**
 * `segment inspect <data>`: schema and exact profile of a dataset (types, missing %, distinct, min/max/mean/std,
 * quantiles), with what the reader noted about each column. O(n log n) per numeric column.
 * @example
 * const { rows, profiles } = await runInspect('customers.parquet', {}, stepEnv());
 */
export async function runInspect(data: string, o: InspectOptions, env: StepEnv): Promise<InspectResult> {
  const notes: ReadNote[] = [];
  const ds = await readDataset(data, { ...readOptionsOf(o, env), notes });
  return { input: data === '-' ? 'stdin' : data, ...profileDataset(ds, notes) };
}
