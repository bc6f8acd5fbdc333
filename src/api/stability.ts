import { join } from 'node:path';
import type { ClusterModel } from '../cluster/cluster-model.js';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { assertFinite, assertNoInfinite, toMatrix, type LeftOutColumn, type Matrix } from '../core/matrix.js';
import { gowerMatrix } from '../core/gower.js';
import { describeParser, InvalidValueError, list, type Param } from '../core/params.js';
import { toolVersion as version } from '../core/version.js';
import { WorkerPool } from '../core/worker-pool.js';
import { readDataset, type ReadOptions } from '../io/read.js';
import { inputKindParam, inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { loadModel } from '../model/bundle.js';
import { scoreDataset, type InputKind } from '../model/score.js';
import { bootstrapStability, maxReplicates, type BootstrapResult } from '../stability/bootstrap.js';
import { driftFeatures } from '../stability/features.js';
import { displayPath, resolveStabilityInput, type ResolvedStabilityInput } from '../stability/inputs.js';
import { segmentLabels } from '../core/labels.js';

/** The hint when a segments file lacks its label column. */
const STABILITY_LABEL_HINT = 'name the column with --segment-col';
import { PSI_EPSILON } from '../stability/metrics.js';
import { pairRows } from '../stability/pairing.js';
import { refitParams } from '../stability/refit.js';
import {
  compareSegmentations,
  defaultThresholds,
  describeFailedGates,
  gateBootstrap,
  type BootstrapGates,
  type StabilityResult,
  type StabilityThresholds,
} from '../stability/stability.js';
import type { StepEnv } from './env.js';

/**
 * Parse a gate threshold: a number in [lo, hi], or `none` to disable the gate. O(1).
 * @throws InvalidValueError (exit 2) for anything else.
 */
export function threshold(lo: number, hi: number): (v: string) => number | 'none' {
  return describeParser(
    (v: string): number | 'none' => {
      if (v.trim().toLowerCase() === 'none') return 'none';
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi)
        throw new InvalidValueError(
          `expected a number in [${lo}, ${hi === Infinity ? 'inf' : hi}] or 'none', got '${v}'.`,
        );
      return x;
    },
    {
      anyOf: [
        { type: 'number', minimum: lo, ...(hi === Infinity ? {} : { maximum: hi }) },
        { const: 'none' },
      ],
    },
  );
}

/** Parse --bootstrap: a whole number of replicates in [2, 10000]. O(1). */
export const replicateCount = describeParser(
  function replicateCount(v: string): number {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || n < 2 || n > maxReplicates)
      throw new InvalidValueError(
        `expected a whole number of replicates in [2, ${maxReplicates}], got '${v}'.`,
      );
    return n;
  },
  { type: 'integer', minimum: 2, maximum: maxReplicates },
);

/** Every flag of `segment stability`, in help order. */
export const stabilityParams: readonly Param[] = [
  {
    flags: '--bootstrap <n>',
    help: `bootstrap stability of <a>: refit on n resamples of its rows (2–${maxReplicates})`,
    parse: replicateCount,
  },
  {
    flags: '--model <path>',
    help: 'with --bootstrap: the fitted model (default: model.json of a run folder)',
  },
  { flags: '--data <path>', help: 'rows the model input(s) score (required when both inputs are models)' },
  inputKindParam,
  {
    flags: '--segment-col <col>',
    help: 'column holding the segment labels in segments files',
    default: 'segment',
  },
  {
    flags: '--id <col>',
    help: 'id column matching the rows of the two inputs (default: by position, same row count)',
  },
  {
    flags: '--features <cols>',
    help: 'numeric columns to test for drift (default: every numeric column in both)',
    parse: list,
  },
  {
    flags: '--min-ari <x>',
    help: 'lowest adjusted Rand index (bootstrap: mean ARI), or none',
    parse: threshold(-1, 1),
    default: defaultThresholds.minAri,
  },
  {
    flags: '--min-jaccard <x>',
    help: "lowest Jaccard of any segment (bootstrap: any segment's mean Jaccard), or none",
    parse: threshold(0, 1),
    default: defaultThresholds.minJaccard,
  },
  {
    flags: '--max-psi <x>',
    help: 'highest population stability index of any feature, or none',
    parse: threshold(0, Infinity),
    default: defaultThresholds.maxPsi,
  },
  {
    flags: '--max-ks <x>',
    help: 'highest Kolmogorov-Smirnov statistic of any feature, or none',
    parse: threshold(0, 1),
    default: defaultThresholds.maxKs,
  },
  { flags: '--json', help: 'print every metric and gate as JSON on stdout' },
  ...inputParams,
];

/** Options of `segment stability` (a threshold left out takes its default; `none` disables the gate). */
export interface StabilityOptions extends InputOptions {
  bootstrap?: number;
  model?: string;
  data?: string;
  /** Default auto. */
  input?: InputKind;
  /** Default `segment`. */
  segmentCol?: string;
  id?: string;
  features?: string[];
  minAri?: number | 'none';
  minJaccard?: number | 'none';
  maxPsi?: number | 'none';
  maxKs?: number | 'none';
  json?: boolean;
}

/** What a gate check says in every mode. */
interface Gated {
  /** Every enabled gate passes (the CLI exits 1 otherwise). */
  pass: boolean;
  /** The failed gates in words ('' when all pass). */
  failedGates: string;
  /** The `segment.stability` document `--json` prints. */
  json: Record<string, unknown>;
}

/** Two segmentations compared: agreement, drift, gates. */
export interface StabilityCompareResult extends Gated {
  mode: 'compare';
  comparison: StabilityResult;
}

/** One run's bootstrap stability: per-segment mean Jaccard, gates and notes. */
export interface StabilityBootstrapResult extends Gated {
  mode: 'bootstrap';
  bootstrap: BootstrapResult;
  gated: BootstrapGates;
  notes: string[];
}

/** What {@link runStability} returns. */
export type StabilityRunResult = StabilityCompareResult | StabilityBootstrapResult;

/**
 * `segment stability <a> [b]`: agreement of two segmentations (segments files, run folders or models scoring the
 * same rows) and drift of their features, or with `bootstrap` the bootstrap stability of one run, gated on
 * thresholds. A failed gate is not thrown: the result's `pass` is false and `failedGates` names them.
 * @param a the reference: segments file, run folder or model.json.
 * @param b what is compared with it (none with `bootstrap`).
 * @throws UsageError for inputs that do not go together; DataError for unreadable or unpairable data.
 * @example
 * const r = await runStability('runs/2026-10/', 'runs/2026-11/', { id: 'customer_id' }, stepEnv());
 * if (!r.pass) console.error(r.failedGates);
 */
export async function runStability(
  a: string,
  b: string | undefined,
  o: StabilityOptions,
  env: StepEnv,
): Promise<StabilityRunResult> {
  if (o.sample !== undefined)
    throw new UsageError('--sample cannot be used with stability', 'rows must be compared one for one');
  const thresholds: StabilityThresholds = {
    minAri: gateValue(o.minAri, defaultThresholds.minAri),
    minJaccard: gateValue(o.minJaccard, defaultThresholds.minJaccard),
    maxPsi: gateValue(o.maxPsi, defaultThresholds.maxPsi),
    maxKs: gateValue(o.maxKs, defaultThresholds.maxKs),
  };
  if (o.bootstrap !== undefined) return runBootstrap(a, b, o, env, thresholds);
  if (o.model !== undefined)
    throw new UsageError(
      '--model is the model of --bootstrap',
      'to compare two models pass them as <a> and <b>, with --data rows to score',
    );
  if (b === undefined)
    throw new UsageError(
      'stability needs two inputs <a> <b>, or one with --bootstrap <n>',
      'segment stability baseline/ current/',
    );
  return runCompare(a, b, o, env, thresholds);
}

/** A side of a comparison, loaded: its rows, their labels, and what they came from. */
interface Side {
  input: ResolvedStabilityInput;
  /** The rows the labels belong to (the segments file, or the rows a model scored). */
  ds: Dataset;
  /** Path of `ds`, for messages. */
  dsPath: string;
  labels: Int32Array;
  model: ClusterModel | null;
  replayed: string[];
}

/** Two segments files, two models scoring --data, or one of each. */
async function runCompare(
  argA: string,
  argB: string,
  o: StabilityOptions,
  env: StepEnv,
  thresholds: StabilityThresholds,
): Promise<StabilityCompareResult> {
  const segmentCol = o.segmentCol ?? 'segment';
  const opts = readOptionsOf(o, env);
  const inA = await resolveStabilityInput(argA, o.format);
  const inB = await resolveStabilityInput(argB, o.format);
  const stdinUses = [inA.path, inB.path, o.data].filter((p) => p === '-').length;
  if (stdinUses > 1) throw new UsageError('only one input can be - (stdin)');
  const anyModel = inA.kind === 'model' || inB.kind === 'model';
  if (!anyModel) {
    if (o.data !== undefined)
      throw new UsageError('--data is scored by a model input, but both inputs are segments files');
    return compareFiles(inA, inB, o, env, thresholds, opts);
  }
  if (inA.kind === 'model' && inB.kind === 'model' && o.data === undefined)
    throw new UsageError(
      `${inA.arg} and ${inB.arg} are models: comparing them needs --data rows to score`,
      `segment stability ${inA.arg} ${inB.arg} --data rows.parquet`,
    );
  if (o.features !== undefined)
    throw new UsageError(
      '--features picks drift columns; with a model input both labelings cover the same rows',
    );
  const data = o.data !== undefined ? await readDataset(o.data, opts) : undefined;
  const dataName = o.data === '-' ? 'stdin' : o.data;
  if (data !== undefined && data.nRows === 0) throw new DataError(`${dataName}: no rows`);
  const pool = new WorkerPool(env.threads);
  let sides: [Side, Side];
  try {
    // Segments files first: a model without --data scores the other side's segments file.
    const loaded = new Map<ResolvedStabilityInput, Side>();
    for (const input of [inA, inB]) {
      if (input.kind !== 'segments') continue;
      const ds = await readDataset(input.path, opts);
      const name = displayPath(input.path);
      if (ds.nRows === 0) throw new DataError(`${name}: no rows`);
      loaded.set(input, {
        input,
        ds,
        dsPath: name,
        labels: segmentLabels(ds, segmentCol, name, STABILITY_LABEL_HINT),
        model: null,
        replayed: [],
      });
    }
    const segmentsSide = [...loaded.values()][0];
    for (const input of [inA, inB]) {
      if (input.kind !== 'model') continue;
      const model = await loadModel(input.path);
      const ds = data ?? segmentsSide!.ds;
      const dsPath = data !== undefined ? dataName! : segmentsSide!.dsPath;
      const scored = await scoreDataset(model, ds, {
        input: o.input ?? 'auto',
        pool,
        source: input.path,
        data: dsPath,
      });
      env.logger.log(
        'info',
        `${input.path} scored ${ds.nRows.toLocaleString('en-US')} rows of ${dsPath}` +
          (scored.replayed.length > 0 ? ` (replayed ${scored.replayed.join(', ')})` : ''),
      );
      loaded.set(input, { input, ds, dsPath, labels: scored.labels, model, replayed: scored.replayed });
    }
    sides = [loaded.get(inA)!, loaded.get(inB)!];
  } finally {
    await pool.close();
  }
  const [a, b] = sides;
  // The same rows unless a segments file is compared with a model scoring --data: then pair them.
  const sameRows = a.ds === b.ds;
  const paired = sameRows
    ? { a: a.labels, b: b.labels, onlyA: 0, onlyB: 0, notes: [] as string[] }
    : pairRows(
        { ds: a.ds, path: a.dsPath, labels: a.labels },
        { ds: b.ds, path: b.dsPath, labels: b.labels },
        o.id,
      );
  const result = compareSegmentations({
    labelsA: paired.a,
    labelsB: paired.b,
    features: [],
    drift: false,
    thresholds,
  });
  result.notes.unshift(...paired.notes);
  const describe = (s: Side) => ({
    path: displayPath(s.input.path),
    kind: s.input.kind,
    rows: s.ds.nRows,
    ...(s.model !== null ? { algorithm: s.model.algorithm, scored: s.dsPath, replayed: s.replayed } : {}),
  });
  return compared(
    segmentCol,
    {
      a: describe(a),
      b: describe(b),
      data: o.data !== undefined ? dataName! : null,
      matchedBy: sameRows ? 'same rows' : (o.id ?? 'position'),
      compared: result.rows,
      onlyInA: paired.onlyA,
      onlyInB: paired.onlyB,
    },
    result,
  );
}

/** Two segments files: agreement of their labels and drift of their features (the original mode). */
async function compareFiles(
  inA: ResolvedStabilityInput,
  inB: ResolvedStabilityInput,
  o: StabilityOptions,
  env: StepEnv,
  thresholds: StabilityThresholds,
  opts: ReadOptions,
): Promise<StabilityCompareResult> {
  const segmentCol = o.segmentCol ?? 'segment';
  const pathA = displayPath(inA.path);
  const pathB = displayPath(inB.path);
  const dsA = await readDataset(inA.path, opts);
  const dsB = await readDataset(inB.path, opts);
  for (const [p, ds] of [
    [pathA, dsA],
    [pathB, dsB],
  ] as const) {
    if (ds.nRows === 0) throw new DataError(`${p}: no rows`);
  }
  const labA = segmentLabels(dsA, segmentCol, pathA, STABILITY_LABEL_HINT);
  const labB = segmentLabels(dsB, segmentCol, pathB, STABILITY_LABEL_HINT);
  const paired = pairRows(
    { ds: dsA, path: pathA, labels: labA },
    { ds: dsB, path: pathB, labels: labB },
    o.id,
  );
  const { features, leftOut, warning } = driftFeatures(
    { ds: dsA, path: pathA },
    { ds: dsB, path: pathB },
    { features: o.features, id: o.id, segmentCol },
  );
  if (warning) env.logger.log('warn', warning);
  for (const f of features) {
    assertNoInfinite(dsA.numeric(f).values, f, pathA);
    assertNoInfinite(dsB.numeric(f).values, f, pathB);
  }
  const result = compareSegmentations({
    labelsA: paired.a,
    labelsB: paired.b,
    features: features.map((f) => ({ name: f, a: dsA.numeric(f).values, b: dsB.numeric(f).values })),
    thresholds,
  });
  result.notes.unshift(...paired.notes);
  return compared(
    segmentCol,
    {
      a: { path: pathA, kind: 'segments', rows: dsA.nRows },
      b: { path: pathB, kind: 'segments', rows: dsB.nRows },
      data: null,
      matchedBy: o.id ?? 'position',
      compared: result.rows,
      onlyInA: paired.onlyA,
      onlyInB: paired.onlyB,
    },
    result,
    leftOut,
  );
}

/** The result of a comparison, with its JSON document. */
function compared(
  segmentColumn: string,
  inputs: Record<string, unknown>,
  result: StabilityResult,
  leftOut?: LeftOutColumn[],
): StabilityCompareResult {
  return {
    mode: 'compare',
    comparison: result,
    pass: result.pass,
    failedGates: result.pass ? '' : describeFailedGates(result.gates),
    json: {
      format: 'segment.stability',
      version: 1,
      mode: 'compare',
      inputs,
      segmentColumn,
      psi: { bins: 10, binning: 'deciles of a', epsilon: PSI_EPSILON },
      ...result,
      ...(leftOut ? { leftOut } : {}),
    },
  };
}

/** Bootstrap stability of one run: refit the model's algorithm on resampled rows of its segments file. */
async function runBootstrap(
  argA: string,
  argB: string | undefined,
  o: StabilityOptions,
  env: StepEnv,
  thresholds: StabilityThresholds,
): Promise<StabilityBootstrapResult> {
  const B = o.bootstrap!;
  const segmentCol = o.segmentCol ?? 'segment';
  if (argB !== undefined)
    throw new UsageError(
      `--bootstrap takes one input (a segments file or run folder), got two: ${argA} ${argB}`,
      'drop --bootstrap to compare two runs',
    );
  if (o.data !== undefined)
    throw new UsageError('--data is for model inputs; --bootstrap resamples the rows of the segments file');
  if (o.features !== undefined)
    throw new UsageError("--bootstrap refits on the model's features; --features picks drift columns");
  const input = await resolveStabilityInput(argA, o.format);
  if (input.kind === 'model')
    throw new UsageError(
      `${argA} is a model; --bootstrap needs the segments file or run folder`,
      `segment stability segments.parquet --bootstrap ${B} --model ${argA}`,
    );
  const modelPath = o.model ?? (input.folder !== null ? join(input.folder, 'model.json') : undefined);
  if (modelPath === undefined)
    throw new UsageError(
      '--bootstrap needs the fitted model: --model model.json, or a run folder holding model.json',
      `segment stability ${argA} --bootstrap ${B} --model model.json`,
    );
  const model = await loadModel(modelPath);
  // Models the bootstrap cannot refit are refused before the data is read.
  if (model.algorithm === 'kmedoids') refitParams(model, modelPath);
  const name = displayPath(input.path);
  const ds = await readDataset(input.path, readOptionsOf(o, env));
  if (ds.nRows === 0) throw new DataError(`${name}: no rows`);
  const lab = segmentLabels(ds, segmentCol, name, STABILITY_LABEL_HINT);
  const missing = model.features.filter((f) => !ds.has(f));
  if (missing.length > 0)
    throw new DataError(
      `${name}: missing feature column(s) of the model: ${missing.join(', ')}`,
      `the model (${modelPath}) was fitted on ${model.features.join(', ')}`,
    );
  const gower = 'gower' in model && model.gower ? model.gower : null;
  let X: Matrix;
  if (gower) X = gowerMatrix(ds, model.features, gower);
  else {
    for (const f of model.features) {
      if (ds.column(f).kind !== 'numeric')
        throw new DataError(`${name}: feature column '${f}' is not numeric`);
    }
    X = toMatrix(ds, model.features);
    assertFinite(X, model.features, 'the bootstrap refits');
  }
  const { params, notes } = refitParams(model, modelPath);
  const inFile = new Set([...lab].filter((l) => l >= 0));
  const absent = model.segments.map((s) => s.segment).filter((s) => !inFile.has(s));
  const segments = [...new Set([...inFile, ...model.segments.map((s) => s.segment)])].sort((x, y) => x - y);
  if (absent.length > 0)
    notes.push(
      `segment(s) ${absent.join(', ')} of the model have no row in ${name}: their Jaccard cannot be computed`,
    );
  if (model.nRows !== ds.nRows)
    notes.push(`the model was fitted on ${model.nRows} rows; ${name} has ${ds.nRows}`);
  notes.push('PSI and KS compare two datasets: not applicable to the bootstrap of one run');
  if (lab.includes(-1))
    notes.push('noise (−1) is no cluster for the Jaccard and one label of its own for the ARI');

  const every = Math.max(1, Math.ceil(B / 10));
  const started = performance.now();
  env.logger.log(
    'info',
    `bootstrap: ${B} refits of ${model.algorithm} on resamples of ${ds.nRows.toLocaleString('en-US')} rows`,
  );
  const pool = new WorkerPool(env.threads);
  const progress = env.logger.progress('bootstrap resample', B);
  let result;
  try {
    result = await bootstrapStability(X, lab, {
      replicates: B,
      seed: env.seed,
      refit: params,
      env: { pool, memoryLimit: env.memoryLimit, toolVersion: version },
      segments,
      onProgress: (done, total) => {
        progress.tick();
        if (done % every === 0 || done === total)
          env.logger.log(
            'info',
            `bootstrap: ${done}/${total} replicates (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
      },
    });
  } finally {
    progress.done();
    await pool.close();
  }
  const gated = gateBootstrap(result, thresholds);
  const { seed: _seed, gower: _gower, ...refitParamsShown } = params;
  return {
    mode: 'bootstrap',
    bootstrap: result,
    gated,
    notes,
    pass: gated.pass,
    failedGates: gated.pass ? '' : describeFailedGates(gated.gates),
    json: {
      format: 'segment.stability',
      version: 1,
      mode: 'bootstrap',
      inputs: {
        segments: { path: name, rows: ds.nRows },
        model: { path: modelPath, algorithm: model.algorithm },
        features: model.features,
      },
      segmentColumn: segmentCol,
      seed: env.seed,
      refit: refitParamsShown,
      ...result,
      gates: gated.gates,
      pass: gated.pass,
      notes,
    },
  };
}

/** A parsed threshold, null when the gate is disabled, the default when not given. */
function gateValue(v: number | 'none' | undefined, fallback: number | null): number | null {
  if (v === undefined) return fallback;
  return v === 'none' ? null : v;
}
