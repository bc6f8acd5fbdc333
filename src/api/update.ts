import { assignRows } from '../cluster/assign.js';
import { segmentDisplayName } from '../cluster/segment-names.js';
import { updatableModel, updateKMeans } from '../cluster/update.js';
import { UsageError } from '../core/errors.js';
import { formatPercent, formatValue as fmt } from '../core/format.js';
import { warnDuplicateIds, type DuplicateIds } from '../core/ids.js';
import { describeParser, InvalidValueError, share, type Param } from '../core/params.js';
import { toolVersion } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import { fileSha256 } from '../io/hash.js';
import { readDataset } from '../io/read.js';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { bundleModel, bundleText, loadModel } from '../model/bundle.js';
import { modelMatrix, prepareForModel, type InputKind } from '../model/score.js';
import { pathIn, type StepEnv } from './env.js';

/** Parse a distance ≥ 0 (feature-space units). */
const nonNegative = describeParser(
  function nonNegative(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new InvalidValueError(`expected a number ≥ 0, got '${v}'.`);
    return n;
  },
  { type: 'number', minimum: 0 },
);

/** Every flag of `segment update`, in help order. */
export const updateParams: readonly Param[] = [
  {
    flags: '--model <path>',
    help: 'k-means model to update, written by segment cluster --model or update (required)',
  },
  {
    flags: '--decay <x>',
    help: "weight kept by the model's past rows, in [0, 1]: 1 never forgets (MiniBatchKMeans.partial_fit), 0.9 keeps 90 % per update (required)",
    parse: share,
  },
  { flags: '-o, --output <path>', help: 'the updated model (JSON); nothing is written when a gate fails' },
  {
    flags: '--max-shift <x>',
    help: 'gate: highest centre shift (Euclidean distance in feature space) of any segment',
    parse: nonNegative,
  },
  {
    flags: '--max-changed <share>',
    help: 'gate: highest share of the new rows whose segment changes between the old and the updated model',
    parse: share,
  },
  {
    flags: '--id <col>',
    help: "id column, checked for repeated ids (default: the model's, when the data has it)",
  },
  { flags: '--json', help: 'print the update report as JSON on stdout' },
  inputKindParam,
  // Every new row counts in the update: no --sample.
  ...inputParams.filter((p) => !p.flags.startsWith('--sample')),
];

/** Options of `segment update`. */
export interface UpdateOptions extends InputOptions {
  model?: string;
  decay?: number;
  output?: string;
  maxShift?: number;
  maxChanged?: number;
  id?: string;
  json?: boolean;
  /** Default auto. */
  input?: InputKind;
}

/** One gate of `segment update`. */
export interface UpdateGate {
  name: 'shift' | 'changed';
  /** Largest centre shift, or the share of rows that change segment. */
  value: number;
  /** The segment of the largest shift (`shift`), else null. */
  at: number | null;
  /** Passes when value <= threshold; null when the gate is not asked for. */
  threshold: number | null;
  pass: boolean;
  enabled: boolean;
}

/** One segment in the update report. */
export interface UpdateSegmentReport {
  segment: number;
  name: string;
  /** New rows the old model assigned to the segment. */
  rows: number;
  /** Weight before the update (the recorded segment size, or the last update's weight) and after it. */
  weightBefore: number;
  weightAfter: number;
  /** Size the updated model records: weightAfter rounded to whole rows. */
  size: number;
  /** Euclidean distance between the old and the new centre, in feature space. */
  shift: number;
  /** New rows of this segment (old model) that the updated model puts in another segment. */
  changed: number;
}

/** What `segment update --json` prints. */
export interface UpdateJson {
  format: 'segment.update';
  version: 1;
  input: { path: string; sha256: string | null; rows: number };
  model: { path: string; hash: string | null };
  /** The updated model's file and content hash; file null when nothing was written. */
  output: { path: string | null; hash: string; written: boolean };
  algorithm: 'kmeans';
  decay: number;
  replayed: string[];
  duplicateIds: DuplicateIds | null;
  segments: UpdateSegmentReport[];
  /** New rows whose segment differs between the old and the updated model. */
  changed: { rows: number; share: number };
  gates: UpdateGate[];
  pass: boolean;
  notes: string[];
}

/** What {@link runUpdate} returns. */
export interface UpdateResult {
  json: UpdateJson;
  pass: boolean;
  /** The failed gates in words ('' when all pass). */
  failedGates: string;
}

/**
 * `segment update <data> --model model.json --decay 0.9 -o model2.json`: replay the model's fitted chain on the new
 * rows (as `segment assign`), assign them with the model, move each k-means centre toward its new rows
 * (`updateKMeans`: c' = (decay·w·c + Σx) / (decay·w + n)), re-assign the rows with the updated model, gate on the
 * largest shift and the share of rows that changed segment, and write the updated bundle (same segments, names,
 * features and chain; the update recorded; content hash recomputed) only when every gate passes. A failed gate is
 * not thrown: `pass` is false and nothing is written.
 * @throws UsageError without --model or --decay, for a model that is not k-means (or has merged centres), -o equal
 *   to an input; DataError for rows the model cannot read (missing columns, values not finite after the chain).
 * @example
 * const r = await runUpdate('tonight.parquet', { model: 'model.json', decay: 0.9, output: 'model2.json', maxShift: 0.5 }, stepEnv());
 * if (!r.pass) console.error(r.failedGates);
 */
export async function runUpdate(data: string, o: UpdateOptions, env: StepEnv): Promise<UpdateResult> {
  if (!o.model) throw new UsageError('update needs --model model.json', 'the k-means model to update');
  if (o.decay === undefined)
    throw new UsageError(
      'update needs --decay X in [0, 1]',
      "the weight the model's past rows keep: 1 never forgets, 0.9 keeps 90 % per update",
    );
  if (o.output === '-') throw new UsageError('update writes the model to a file', 'give -o model2.json');
  if (o.sample !== undefined)
    throw new UsageError('update uses every new row; --sample does not apply', 'drop --sample');
  const out = await env.outputs(
    [
      { flag: 'input', path: data },
      { flag: '--model', path: o.model },
    ],
    [{ flag: '-o', path: o.output }],
  );
  try {
    const source = o.model;
    const loaded = await loadModel(pathIn(env, source));
    const model = updatableModel(loaded, source);
    const dataName = data === '-' ? 'stdin' : data;
    const ds = await readDataset(pathIn(env, data), readOptionsOf(o, env));
    const sha256 = data === '-' ? null : await fileSha256(pathIn(env, data));
    const id = o.id ?? (model.id !== null && ds.has(model.id) ? model.id : undefined);
    const duplicateIds = id !== undefined ? warnDuplicateIds(ds, id, env.logger, dataName) : null;
    const pool = new WorkerPool(env.threads);
    let prepared;
    try {
      prepared = await prepareForModel(model, ds, { input: o.input ?? 'auto', pool, source, data: dataName });
    } finally {
      await pool.close();
    }
    const X = modelMatrix(prepared.prepared, model.features, dataName, 'update');
    const before = assignRows(model, X);
    const update = updateKMeans(model, X, before, o.decay, {
      input: { sha256, rows: X.nRows },
      from: model.hash ?? null,
      toolVersion,
    });
    const updated = bundleModel(update.model, model.chain ?? []);
    const after = assignRows(updated, X);
    const changedBy = new Map<number, number>();
    let changed = 0;
    for (let i = 0; i < before.length; i++) {
      if (before[i] === after[i]) continue;
      changed++;
      changedBy.set(before[i]!, (changedBy.get(before[i]!) ?? 0) + 1);
    }
    const changedShare = X.nRows === 0 ? 0 : changed / X.nRows;
    const segments: UpdateSegmentReport[] = update.segments.map((s, i) => ({
      segment: s.segment,
      name: segmentDisplayName(model, s.segment),
      rows: s.rows,
      weightBefore: s.weightBefore,
      weightAfter: s.weightAfter,
      size: updated.segments[i]!.size,
      shift: s.shift,
      changed: changedBy.get(s.segment) ?? 0,
    }));
    const largest = segments.reduce((a, s) => (s.shift > a.shift ? s : a), segments[0]!);
    const gate = (
      name: UpdateGate['name'],
      value: number,
      at: number | null,
      threshold: number | undefined,
    ): UpdateGate => ({
      name,
      value,
      at,
      threshold: threshold ?? null,
      pass: threshold === undefined || value <= threshold,
      enabled: threshold !== undefined,
    });
    const gates = [
      gate('shift', largest.shift, largest.segment, o.maxShift),
      gate('changed', changedShare, null, o.maxChanged),
    ];
    const pass = gates.every((g) => g.pass);
    const notes: string[] = [];
    if (model.exceptions.length > 0)
      notes.push(
        `${model.exceptions.length} training exception(s) dropped: the updated model assigns by its centres alone`,
      );
    const empty = segments.filter((s) => s.rows === 0).map((s) => s.segment);
    if (empty.length > 0)
      notes.push(`segment(s) ${empty.join(', ')} got no new row: centre kept, weight × ${o.decay}`);
    for (const n of notes) env.logger.log('info', n);
    const written = pass && o.output !== undefined;
    if (written) {
      await out.writeText('-o', bundleText(updated));
      await out.commit();
    }
    env.logger.log(
      pass ? 'info' : 'warn',
      `update: ${X.nRows.toLocaleString('en-US')} rows, decay ${o.decay}; largest shift ${fmt(largest.shift)} ` +
        `(segment ${largest.segment}); ${formatPercent(changedShare)} of the rows change segment` +
        (written ? `; wrote ${o.output}` : o.output ? '; model not written' : ''),
    );
    const failedGates = gates
      .filter((g) => !g.pass)
      .map(
        (g) => `${g.name} ${fmt(g.value)} > ${fmt(g.threshold!)}${g.at !== null ? ` (segment ${g.at})` : ''}`,
      )
      .join('; ');
    return {
      pass,
      failedGates,
      json: {
        format: 'segment.update',
        version: 1,
        input: { path: dataName, sha256, rows: X.nRows },
        model: { path: source, hash: model.hash ?? null },
        output: { path: written ? o.output! : null, hash: updated.hash!, written },
        algorithm: 'kmeans',
        decay: o.decay,
        replayed: prepared.replayed,
        duplicateIds,
        segments,
        changed: { rows: changed, share: changedShare },
        gates,
        pass,
        notes,
      },
    };
  } finally {
    await out.abort();
  }
}
