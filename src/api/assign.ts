import { assertFreeColumns } from '../core/columns.js';
import { numericColumn } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { warnDuplicateIds, type DuplicateIds } from '../core/ids.js';
import type { Param } from '../core/params.js';
import { WorkerPool } from '../core/worker-pool.js';
import { readDataset } from '../io/read.js';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { loadModel } from '../model/bundle.js';
import { scoreDataset, type InputKind } from '../model/score.js';
import type { StepEnv } from './env.js';

/** Every flag of `segment assign`, in help order. */
export const assignParams: readonly Param[] = [
  { flags: '--model <path>', help: 'model written by segment cluster --model' },
  {
    flags: '-o, --output <path>',
    help: 'scored file: the input plus `segment` (.parquet, .csv, .json; - = CSV on stdout)',
  },
  {
    flags: '--segment-col <name>',
    help: 'name of the label column added (refused when the input already has a column of that name)',
    default: 'segment',
  },
  {
    flags: '--id <col>',
    help: "id column, checked for repeated ids (default: the model's, when the data has it)",
  },
  { flags: '--json', help: 'print segment sizes as JSON on stdout' },
  inputKindParam,
  ...inputParams,
];

/** Options of `segment assign`. */
export interface AssignOptions extends InputOptions {
  model?: string;
  /** Default auto. */
  input?: InputKind;
  output?: string;
  json?: boolean;
  /** Default `segment`. */
  segmentCol?: string;
  id?: string;
}

/** What `segment assign --json` prints: rows scored and segment sizes. */
export interface AssignSummary {
  input: string;
  model: string;
  segmentColumn: string;
  /** Repeated ids of the id column, null when no id column was checked. */
  duplicateIds: DuplicateIds | null;
  replayed: string[];
  rows: number;
  sizes: number[];
  segments: { segment: number; size: number }[];
  noise: number;
}

/** What {@link runAssign} returns. */
export interface AssignResult {
  /** Every row's segment (−1 = noise), in input order. */
  labels: Int32Array;
  /** The document `--json` prints. */
  json: AssignSummary;
}

/**
 * `segment assign <data> --model model.json`: score rows with a saved model (replaying its fitted chain on raw
 * input), write them with the label column added (`output`), and return the labels and segment sizes.
 * @throws UsageError without a model, or with nothing to write; DataError for rows the model cannot score.
 * @example
 * const { json } = await runAssign('new_customers.parquet', { model: 'model.json', output: 'scored.parquet' }, stepEnv());
 * console.log(json.sizes);
 */
export async function runAssign(data: string, o: AssignOptions, env: StepEnv): Promise<AssignResult> {
  const segmentCol = o.segmentCol ?? 'segment';
  if (!o.model)
    throw new UsageError('assign needs --model model.json', 'write one with segment cluster --model');
  if (!o.output && !o.json) throw new UsageError('assign writes nothing without -o or --json');
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  const out = await env.outputs(
    [
      { flag: 'input', path: data },
      { flag: '--model', path: o.model },
    ],
    [{ flag: '-o', path: o.output }],
  );
  try {
    const model = await loadModel(o.model);
    const ds = await readDataset(data, readOptionsOf(o, env));
    const dataName = data === '-' ? 'stdin' : data;
    if (o.output)
      assertFreeColumns(
        ds,
        [{ name: segmentCol, hint: 'name the new labels otherwise with --segment-col NAME' }],
        'segment assign',
        dataName,
      );
    const id = o.id ?? (model.id !== null && ds.has(model.id) ? model.id : undefined);
    const duplicateIds = id !== undefined ? warnDuplicateIds(ds, id, env.logger, dataName) : null;
    const pool = new WorkerPool(env.threads);
    let scored;
    try {
      scored = await scoreDataset(model, ds, {
        input: o.input ?? 'auto',
        pool,
        source: o.model,
        data: dataName,
      });
    } finally {
      await pool.close();
    }
    const { labels, replayed, sizes, noise } = scored;
    if (o.output) {
      const labelled = ds.withColumn(numericColumn(segmentCol, Float64Array.from(labels), 'integer'));
      await out.writeDataset('-o', labelled);
    }
    await out.commit();
    env.logger.log(
      'info',
      `assigned ${labels.length.toLocaleString('en-US')} rows to ${model.segments.length} segment(s)`,
    );
    return {
      labels,
      json: {
        input: dataName,
        model: o.model,
        segmentColumn: segmentCol,
        duplicateIds,
        replayed,
        rows: labels.length,
        sizes: sizes.map((s) => s.size),
        segments: sizes,
        noise,
      },
    };
  } finally {
    await out.abort();
  }
}
