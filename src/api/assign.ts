import { readdir } from 'node:fs/promises';
import type { ClusterModel } from '../cluster/cluster-model.js';
import {
  segmentDisplayName,
  segmentFileStem,
  segmentNameCol,
  segmentNameColumn,
} from '../cluster/segment-names.js';
import { assertFreeColumns, type OutputColumn } from '../core/columns.js';
import { missingColumn, numericColumn, type Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { warnDuplicateIds, type DuplicateIds } from '../core/ids.js';
import { list, type Param } from '../core/params.js';
import type { OutputSet } from '../io/outputs.js';
import { WorkerPool } from '../core/worker-pool.js';
import { readDataset } from '../io/read.js';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { loadModel } from '../model/bundle.js';
import { scoreDataset, type InputKind } from '../model/score.js';
import { pathIn, type StepEnv } from './env.js';

/** Every flag of `segment assign`, in help order. */
export const assignParams: readonly Param[] = [
  { flags: '--model <path>', help: 'model written by segment cluster --model (required)' },
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
  {
    flags: '--segment-name',
    help: 'also add a `segment_name` column to -o: the name the model gives the segment, "Segment N" without one, "Noise" for -1',
  },
  {
    flags: '--per-segment <dir>',
    help: 'also write one CSV per segment into this folder (<number>-<name>.csv, noise.csv): id, segment, segment_name and --pass-through columns',
    // segment run would have to plan and publish every file of the folder.
    pipeline: false,
  },
  {
    flags: '--pass-through <cols>',
    help: 'input columns copied into the --per-segment files after the labels (e.g. email)',
    parse: list,
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
  /** Add the `segment_name` column to `output`. */
  segmentName?: boolean;
  /** A folder for one CSV file per segment. */
  perSegment?: string;
  /** Input columns copied into the per-segment files. */
  passThrough?: string[];
}

/** One file of `--per-segment`. */
export interface SegmentFile {
  segment: number;
  name: string;
  /** File name inside the folder. */
  file: string;
  rows: number;
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
  /** Rows per segment, with the segment's name (`Segment N` when the model gives it none). */
  segments: { segment: number; size: number; name: string }[];
  noise: number;
  /** The folder of `--per-segment` and its files, null without it. */
  perSegment: { folder: string; files: SegmentFile[] } | null;
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
 * input), write them with the label column added (`output`; with `segmentName`, the segment names too), write one
 * CSV file per segment into `perSegment` (id, label, name and the `passThrough` columns: a list to import into a
 * CRM), and return the labels and segment sizes.
 * @throws UsageError without a model, with nothing to write, or --per-segment without an id column; DataError for
 *   rows the model cannot score, a column the input lacks or already has.
 * @example
 * const { json } = await runAssign('new_customers.parquet', { model: 'model.json', output: 'scored.parquet' }, stepEnv());
 * console.log(json.sizes);
 */
export async function runAssign(data: string, o: AssignOptions, env: StepEnv): Promise<AssignResult> {
  const segmentCol = o.segmentCol ?? 'segment';
  const passThrough = [...new Set(o.passThrough ?? [])];
  if (!o.model)
    throw new UsageError('assign needs --model model.json', 'write one with segment cluster --model');
  if (!o.output && !o.json && !o.perSegment)
    throw new UsageError('assign writes nothing without -o, --per-segment or --json');
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  if (o.segmentName && !o.output)
    throw new UsageError(
      `--segment-name adds the ${segmentNameCol} column to -o`,
      `add -o scored.parquet (the --per-segment files always have it)`,
    );
  if (passThrough.length > 0 && !o.perSegment)
    throw new UsageError('--pass-through names columns of the --per-segment files', 'add --per-segment DIR');
  const taken = passThrough.find((c) => c === segmentCol || c === segmentNameCol);
  if (taken !== undefined)
    throw new UsageError(
      `--pass-through ${taken}: the --per-segment files already have a column '${taken}'`,
      'leave it out of --pass-through',
    );
  const out = await env.outputs(
    [
      { flag: 'input', path: data },
      { flag: '--model', path: o.model },
    ],
    [
      { flag: '-o', path: o.output },
      { flag: '--per-segment', path: o.perSegment, kind: 'folder' },
    ],
  );
  try {
    const model = await loadModel(o.model);
    const ds = await readDataset(data, readOptionsOf(o, env));
    const dataName = data === '-' ? 'stdin' : data;
    if (o.output) {
      const wanted: OutputColumn[] = [
        { name: segmentCol, hint: 'name the new labels otherwise with --segment-col NAME' },
      ];
      if (o.segmentName)
        wanted.push({ name: segmentNameCol, hint: `rename the input's ${segmentNameCol} column first` });
      assertFreeColumns(ds, wanted, 'segment assign', dataName);
    }
    const id = o.id ?? (model.id !== null && ds.has(model.id) ? model.id : undefined);
    if (o.perSegment) {
      if (id === undefined)
        throw new UsageError(
          '--per-segment needs an id column to identify each row',
          model.id !== null
            ? `the model's id column '${model.id}' is not in ${dataName}; name one with --id COL`
            : 'name it with --id COL',
        );
      ds.column(id);
      if (id === segmentCol || id === segmentNameCol)
        throw new UsageError(
          `the id column '${id}' has the name of a column the --per-segment files get`,
          'name the labels otherwise with --segment-col NAME, or rename the id column',
        );
      for (const c of passThrough) {
        if (!ds.has(c)) {
          const e = missingColumn(c, ds.names);
          throw new DataError(`${dataName}: --pass-through column '${c}' not found`, e.hint);
        }
      }
    }
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
      let labelled = ds.withColumn(numericColumn(segmentCol, Float64Array.from(labels), 'integer'));
      if (o.segmentName) labelled = labelled.withColumn(segmentNameColumn(model, labels, segmentNameCol));
      await out.writeDataset('-o', labelled);
    }
    const files = o.perSegment
      ? await writePerSegment(out, model, ds, labels, { id: id!, segmentCol, passThrough })
      : null;
    await out.commit();
    if (files) await warnStaleFiles(pathIn(env, o.perSegment!), o.perSegment!, files, env);
    env.logger.log(
      'info',
      `assigned ${labels.length.toLocaleString('en-US')} rows to ${model.segments.length} segment(s)` +
        (files ? `; ${files.length} file(s) in ${o.perSegment}` : ''),
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
        segments: sizes.map((s) => ({ ...s, name: segmentDisplayName(model, s.segment) })),
        noise,
        perSegment: files ? { folder: o.perSegment!, files } : null,
      },
    };
  } finally {
    await out.abort();
  }
}

/**
 * Warn about files in the --per-segment folder that look like an earlier run's (a segment renamed or gone) and were
 * not written now: they are left as they are, but an import of the whole folder would read them. O(files).
 */
async function warnStaleFiles(dir: string, shown: string, files: SegmentFile[], env: StepEnv): Promise<void> {
  const written = new Set(files.map((f) => f.file));
  const stale = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => /^(\d+(-.+)?|noise)\.csv$/.test(f) && !written.has(f))
    .sort();
  if (stale.length > 0)
    env.logger.log(
      'warn',
      `${shown}: ${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} not from this model's segments (left as they are)`,
    );
}

/**
 * Stage one CSV per segment of the model (header only when no row went there, so a file left from an earlier run
 * is replaced), and `noise.csv` when rows are noise or the model can make noise (DBSCAN): the id, the label, the
 * segment's name, then the pass-through columns; text that a spreadsheet would run as a formula is neutralised by
 * the CSV writer. O(n · columns).
 */
async function writePerSegment(
  out: OutputSet,
  model: ClusterModel,
  ds: Dataset,
  labels: Int32Array,
  o: { id: string; segmentCol: string; passThrough: string[] },
): Promise<SegmentFile[]> {
  const segments = model.segments.map((s) => s.segment);
  if (
    model.algorithm === 'dbscan' ||
    model.algorithm === 'hdbscan' ||
    model.algorithm === 'optics' ||
    labels.some((l) => l < 0)
  )
    segments.push(-1);
  const rows = new Map<number, number[]>(segments.map((s) => [s, []]));
  for (let i = 0; i < labels.length; i++) rows.get(labels[i]!)?.push(i);
  const carried = ds.select([o.id, ...o.passThrough.filter((c) => c !== o.id)]);
  const files: SegmentFile[] = [];
  for (const s of segments) {
    const idx = Int32Array.from(rows.get(s)!);
    const name = segmentDisplayName(model, s);
    const part = carried.take(idx);
    const segLabels = new Int32Array(idx.length).fill(s);
    const table = part
      .select([o.id])
      .withColumn(numericColumn(o.segmentCol, Float64Array.from(segLabels), 'integer'))
      .withColumn(segmentNameColumn(model, segLabels, segmentNameCol));
    const withPass = part.columns.slice(1).reduce((t, c) => t.withColumn(c), table);
    const file = `${segmentFileStem(s, name)}.csv`;
    await out.writeDataset('--per-segment', withPass, { format: 'csv' }, file);
    files.push({ segment: s, name, file, rows: idx.length });
  }
  return files;
}
