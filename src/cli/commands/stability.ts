import { open, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ClusterParams } from '../../cluster/fit.js';
import type { ClusterModel } from '../../cluster/model.js';
import { loadModel } from '../../model/bundle.js';
import { type Dataset } from '../../core/dataset.js';
import { rowsById } from '../../core/ids.js';
import { CheckFailedError, DataError, UsageError } from '../../core/errors.js';
import {
  assertFinite,
  assertNoInfinite,
  chooseFeatures,
  leftOutWarning,
  toMatrix,
  type LeftOutColumn,
} from '../../core/matrix.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { readDataset, type ReadOptions } from '../../io/read.js';
import { scoreDataset, type InputKind } from '../../model/score.js';
import { bootstrapStability, maxReplicates } from '../../stability/bootstrap.js';
import {
  compareSegmentations,
  defaultThresholds,
  describeFailedGates,
  gateBootstrap,
  renderBootstrap,
  renderStability,
  type StabilityThresholds,
} from '../../stability/stability.js';
import { contextFrom, type Context } from '../context.js';
import { addInputOptions, inputKindOption, readOptionsFrom, type InputFlags } from '../io-options.js';
import { list } from '../options.js';
import { version } from '../version.js';
import { PSI_EPSILON } from '../../stability/metrics.js';

interface StabilityFlags extends InputFlags {
  segmentCol: string;
  id?: string;
  features?: string[];
  minAri: number | 'none';
  minJaccard: number | 'none';
  maxPsi: number | 'none';
  maxKs: number | 'none';
  json?: boolean;
  bootstrap?: number;
  model?: string;
  data?: string;
  input: InputKind;
}
/**
 * Parse a gate threshold: a number in [lo, hi], or `none` to disable the gate (commander argument parser). O(1).
 * @throws InvalidArgumentError (exit 2) for anything else.
 */
export function threshold(lo: number, hi: number): (v: string) => number | 'none' {
  return (v: string) => {
    if (v.trim().toLowerCase() === 'none') return 'none';
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi)
      throw new InvalidArgumentError(
        `expected a number in [${lo}, ${hi === Infinity ? 'inf' : hi}] or 'none', got '${v}'.`,
      );
    return x;
  };
}

/** Parse --bootstrap: a whole number of replicates in [2, 10000] (commander argument parser). O(1). */
function replicateCount(v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < 2 || n > maxReplicates)
    throw new InvalidArgumentError(
      `expected a whole number of replicates in [2, ${maxReplicates}], got '${v}'.`,
    );
  return n;
}

/**
 * `segment stability <a> [b]`: agreement of two segmentations and drift of their features, or bootstrap stability
 * of one run, as a CI gate.
 */
export function registerStability(program: Command): void {
  const cmd = program
    .command('stability')
    .description(
      'compare two segmentations (ARI, NMI, Jaccard, PSI, KS), or bootstrap one run, and gate on thresholds',
    )
    .argument('<a>', 'reference: segments file (a `segment` column, −1 = noise), run folder, or model.json')
    .argument('[b]', 'segments file, run folder or model.json to compare with it (none with --bootstrap)')
    .option(
      '--bootstrap <n>',
      `bootstrap stability of <a>: refit on n resamples of its rows (2–${maxReplicates})`,
      replicateCount,
    )
    .option('--model <path>', 'with --bootstrap: the fitted model (default: model.json of a run folder)')
    .option('--data <path>', 'rows the model input(s) score (required when both inputs are models)')
    .addOption(inputKindOption())
    .option('--segment-col <col>', 'column holding the segment labels in segments files', 'segment')
    .option('--id <col>', 'match rows by this id column (default: by position, same row count)')
    .option(
      '--features <cols>',
      'numeric columns to test for drift (default: every numeric column in both)',
      list,
    )
    .option(
      '--min-ari <x>',
      'lowest adjusted Rand index (bootstrap: mean ARI), or none',
      threshold(-1, 1),
      defaultThresholds.minAri,
    )
    .option(
      '--min-jaccard <x>',
      "lowest Jaccard of any segment (bootstrap: any segment's mean Jaccard), or none",
      threshold(0, 1),
      defaultThresholds.minJaccard,
    )
    .option(
      '--max-psi <x>',
      'highest population stability index of any feature, or none',
      threshold(0, Infinity),
      defaultThresholds.maxPsi,
    )
    .option(
      '--max-ks <x>',
      'highest Kolmogorov-Smirnov statistic of any feature, or none',
      threshold(0, 1),
      defaultThresholds.maxKs,
    )
    .option('--json', 'every metric and gate as JSON on stdout');
  addInputOptions(cmd).addHelpText(
    'after',
    `
A folder argument means <folder>/segments.parquet (and <folder>/model.json for --bootstrap). Models are
compared by scoring the same rows with both (--data), or a segments file's own rows; drift is then not
applicable. --bootstrap refits the model's algorithm and parameters on resampled rows (cost: n refits) and
reports each segment's mean Jaccard (fpc::clusterboot); PSI and KS do not apply there.

Exit codes: 0 every gate passes, 1 a gate fails (named on stderr), 2 usage error, 3 data error.

Examples:
  $ segment stability segments_v1.parquet segments_v2.parquet --id customer_id
  $ segment stability last_month.parquet this_month.parquet --id customer_id --max-psi none --json
  $ segment stability runs/2026-10/ runs/2026-11/ --id customer_id
  $ segment stability runs/2026-11/ --bootstrap 100 --min-jaccard 0.75
  $ segment stability v1/model.json v2/model.json --data customers.parquet`,
  );
  cmd.action(async (argA: string, argB: string | undefined, flags: StabilityFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (flags.sample !== undefined)
      throw new UsageError('--sample cannot be used with stability', 'rows must be compared one for one');
    const thresholds: StabilityThresholds = {
      minAri: gateValue(flags.minAri),
      minJaccard: gateValue(flags.minJaccard),
      maxPsi: gateValue(flags.maxPsi),
      maxKs: gateValue(flags.maxKs),
    };
    if (flags.bootstrap !== undefined) {
      await runBootstrap(argA, argB, flags, ctx, thresholds);
      return;
    }
    if (flags.model !== undefined)
      throw new UsageError(
        '--model is the model of --bootstrap',
        'to compare two models pass them as <a> and <b>, with --data rows to score',
      );
    if (argB === undefined)
      throw new UsageError(
        'stability needs two inputs <a> <b>, or one with --bootstrap <n>',
        'segment stability baseline/ current/',
      );
    await runCompare(argA, argB, flags, ctx, thresholds);
  });
}

/** One input argument, resolved: a segments file (a run folder means its segments.parquet) or a model file. */
interface Resolved {
  /** The argument as given. */
  arg: string;
  /** The file to read. */
  path: string;
  kind: 'segments' | 'model';
  /** The run folder, when the argument was one. */
  folder: string | null;
}

/**
 * Resolve an input argument: a folder → its segments.parquet; a .json file whose text starts as a segment model →
 * a model; anything else a segments file (read later, which reports a missing file). O(1) reads.
 * @throws DataError when a folder holds no segments.parquet.
 */
async function resolveInput(arg: string, format: string | undefined): Promise<Resolved> {
  if (arg === '-') return { arg, path: arg, kind: 'segments', folder: null };
  const st = await stat(arg).catch(() => undefined);
  if (st?.isDirectory()) {
    const path = join(arg, 'segments.parquet');
    const inner = await stat(path).catch(() => undefined);
    if (!inner?.isFile())
      throw new DataError(
        `${path}: not found (a run folder holds segments.parquet)`,
        'point at a folder written by segment run, or at the segments file itself',
      );
    return { arg, path, kind: 'segments', folder: arg };
  }
  const json = format === undefined ? extname(arg).toLowerCase() === '.json' : format === 'json';
  if (st?.isFile() && json && (await looksLikeModel(arg)))
    return { arg, path: arg, kind: 'model', folder: null };
  return { arg, path: arg, kind: 'segments', folder: null };
}

/** True when a JSON file's first 64 KiB is an object declaring the segment model format. O(1). */
async function looksLikeModel(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8');
    return /^\s*\{/.test(head) && /"format"\s*:\s*"segment\.model"/.test(head);
  } finally {
    await fh.close();
  }
}

/** A side of a comparison, loaded: its rows, their labels, and what they came from. */
interface Side {
  input: Resolved;
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
  flags: StabilityFlags,
  ctx: Context,
  thresholds: StabilityThresholds,
): Promise<void> {
  const opts = readOptionsFrom(flags, ctx);
  const inA = await resolveInput(argA, flags.format);
  const inB = await resolveInput(argB, flags.format);
  const stdinUses = [inA.path, inB.path, flags.data].filter((p) => p === '-').length;
  if (stdinUses > 1) throw new UsageError('only one input can be - (stdin)');
  const anyModel = inA.kind === 'model' || inB.kind === 'model';
  if (!anyModel) {
    if (flags.data !== undefined)
      throw new UsageError('--data is scored by a model input, but both inputs are segments files');
    await compareFiles(inA, inB, flags, ctx, thresholds, opts);
    return;
  }
  if (inA.kind === 'model' && inB.kind === 'model' && flags.data === undefined)
    throw new UsageError(
      `${inA.arg} and ${inB.arg} are models: comparing them needs --data rows to score`,
      `segment stability ${inA.arg} ${inB.arg} --data rows.parquet`,
    );
  if (flags.features !== undefined)
    throw new UsageError(
      '--features picks drift columns; with a model input both labelings cover the same rows',
    );
  const data = flags.data !== undefined ? await readDataset(flags.data, opts) : undefined;
  const dataName = flags.data === '-' ? 'stdin' : flags.data;
  if (data !== undefined && data.nRows === 0) throw new DataError(`${dataName}: no rows`);
  const pool = new WorkerPool(ctx.threads);
  let sides: [Side, Side];
  try {
    // Segments files first: a model without --data scores the other side's segments file.
    const loaded = new Map<Resolved, Side>();
    for (const input of [inA, inB]) {
      if (input.kind !== 'segments') continue;
      const ds = await readDataset(input.path, opts);
      const name = displayPath(input.path);
      if (ds.nRows === 0) throw new DataError(`${name}: no rows`);
      loaded.set(input, {
        input,
        ds,
        dsPath: name,
        labels: labels(ds, name, flags.segmentCol),
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
        input: flags.input,
        pool,
        source: input.path,
        data: dsPath,
      });
      ctx.logger.log(
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
    : pairRows(a.ds, a.dsPath, a.labels, b.ds, b.dsPath, b.labels, flags.id);
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
  emitCompare(
    ctx,
    flags,
    {
      a: describe(a),
      b: describe(b),
      data: flags.data !== undefined ? dataName! : null,
      matchedBy: sameRows ? 'same rows' : (flags.id ?? 'position'),
      compared: result.rows,
      onlyInA: paired.onlyA,
      onlyInB: paired.onlyB,
    },
    result,
  );
}

/** Two segments files: agreement of their labels and drift of their features (the original mode). */
async function compareFiles(
  inA: Resolved,
  inB: Resolved,
  flags: StabilityFlags,
  ctx: Context,
  thresholds: StabilityThresholds,
  opts: ReadOptions,
): Promise<void> {
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
  const labA = labels(dsA, pathA, flags.segmentCol);
  const labB = labels(dsB, pathB, flags.segmentCol);
  const paired = pairRows(dsA, pathA, labA, dsB, pathB, labB, flags.id);
  const exclude = new Set([flags.segmentCol, ...(flags.id !== undefined ? [flags.id] : [])]);
  let features: string[];
  let leftOut: LeftOutColumn[] = [];
  if (flags.features && flags.features.length > 0) {
    features = flags.features;
    for (const f of features) {
      if (exclude.has(f)) throw new UsageError(`--features: '${f}' is the id or segment column`);
      for (const [p, ds] of [
        [pathA, dsA],
        [pathB, dsB],
      ] as const) {
        if (!ds.has(f))
          throw new DataError(`${p}: no feature column '${f}'`, `the columns are ${ds.names.join(', ')}`);
        if (ds.column(f).kind !== 'numeric')
          throw new DataError(`${p}: feature column '${f}' is not numeric`);
      }
    }
  } else {
    // The numeric columns of a that b holds as numbers too; the rest of either file is named in the warning.
    const roles = [...new Set(['segment', flags.segmentCol])];
    const choice = { id: flags.id };
    const a = chooseFeatures(dsA, choice, { roles, allowEmpty: true });
    const numericInB = (name: string): boolean => dsB.has(name) && dsB.column(name).kind === 'numeric';
    features = a.features.filter(numericInB);
    leftOut = [
      ...a.leftOut,
      ...a.features.filter((f) => !numericInB(f)).map((name) => ({ name, reason: 'unpaired' as const })),
      ...chooseFeatures(dsB, choice, { roles, allowEmpty: true })
        .features.filter((f) => !dsA.has(f) || dsA.column(f).kind !== 'numeric')
        .map((name) => ({ name, reason: 'unpaired' as const })),
    ];
    const omitted = leftOutWarning(leftOut);
    if (omitted) ctx.logger.log('warn', omitted);
  }
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
  emitCompare(
    ctx,
    flags,
    {
      a: { path: pathA, kind: 'segments', rows: dsA.nRows },
      b: { path: pathB, kind: 'segments', rows: dsB.nRows },
      data: null,
      matchedBy: flags.id ?? 'position',
      compared: result.rows,
      onlyInA: paired.onlyA,
      onlyInB: paired.onlyB,
    },
    result,
    leftOut,
  );
}

/** Print a comparison (JSON or table); a failed gate throws after printing. */
function emitCompare(
  ctx: Context,
  flags: StabilityFlags,
  inputs: Record<string, unknown>,
  result: ReturnType<typeof compareSegmentations>,
  leftOut?: LeftOutColumn[],
): void {
  if (flags.json) {
    ctx.printJson({
      format: 'segment.stability',
      version: 1,
      mode: 'compare',
      inputs,
      segmentColumn: flags.segmentCol,
      psi: { bins: 10, binning: 'deciles of a', epsilon: PSI_EPSILON },
      ...result,
      ...(leftOut ? { leftOut } : {}),
    });
  } else {
    ctx.print(renderStability(result));
  }
  if (!result.pass) throw new CheckFailedError(`stability gate failed: ${describeFailedGates(result.gates)}`);
}

/**
 * Pair the rows of two datasets by position (same row count) or by an id column.
 * @throws DataError for a missing id column, unequal row counts without id, repeated or missing ids, no common id.
 */
function pairRows(
  dsA: Dataset,
  pathA: string,
  labA: Int32Array,
  dsB: Dataset,
  pathB: string,
  labB: Int32Array,
  id: string | undefined,
): { a: Int32Array; b: Int32Array; onlyA: number; onlyB: number; notes: string[] } {
  if (id === undefined) {
    if (dsA.nRows !== dsB.nRows)
      throw new DataError(
        `${pathA} has ${dsA.nRows} rows but ${pathB} has ${dsB.nRows}; rows are matched by position`,
        'match them by an id column with --id',
      );
    return { a: labA, b: labB, onlyA: 0, onlyB: 0, notes: [] };
  }
  for (const [p, ds] of [
    [pathA, dsA],
    [pathB, dsB],
  ] as const) {
    if (!ds.has(id))
      throw new DataError(`${p}: no id column '${id}'`, `the columns are ${ds.names.join(', ')}`);
  }
  const idxA = rowsById(dsA, id, pathA);
  const idxB = rowsById(dsB, id, pathB);
  const ia: number[] = [];
  const ib: number[] = [];
  let onlyA = 0;
  for (const [key, i] of idxA) {
    const j = idxB.get(key);
    if (j === undefined) onlyA++;
    else {
      ia.push(i);
      ib.push(j);
    }
  }
  const onlyB = idxB.size - ia.length;
  if (ia.length === 0)
    throw new DataError(`${pathA} and ${pathB} have no id in common in '${id}'`, 'check --id');
  const notes: string[] = [];
  if (onlyA + onlyB > 0)
    notes.push(
      `${ia.length} ids in both files are compared; ${onlyA} only in a, ${onlyB} only in b are left out of ARI / NMI / Jaccard`,
    );
  return {
    a: Int32Array.from(ia, (i) => labA[i]!),
    b: Int32Array.from(ib, (j) => labB[j]!),
    onlyA,
    onlyB,
    notes,
  };
}

/** Bootstrap stability of one run: refit the model's algorithm on resampled rows of its segments file. */
async function runBootstrap(
  argA: string,
  argB: string | undefined,
  flags: StabilityFlags,
  ctx: Context,
  thresholds: StabilityThresholds,
): Promise<void> {
  const B = flags.bootstrap!;
  if (argB !== undefined)
    throw new UsageError(
      `--bootstrap takes one input (a segments file or run folder), got two: ${argA} ${argB}`,
      'drop --bootstrap to compare two runs',
    );
  if (flags.data !== undefined)
    throw new UsageError('--data is for model inputs; --bootstrap resamples the rows of the segments file');
  if (flags.features !== undefined)
    throw new UsageError("--bootstrap refits on the model's features; --features picks drift columns");
  const input = await resolveInput(argA, flags.format);
  if (input.kind === 'model')
    throw new UsageError(
      `${argA} is a model; --bootstrap needs the segments file or run folder`,
      `segment stability segments.parquet --bootstrap ${B} --model ${argA}`,
    );
  const modelPath = flags.model ?? (input.folder !== null ? join(input.folder, 'model.json') : undefined);
  if (modelPath === undefined)
    throw new UsageError(
      '--bootstrap needs the fitted model: --model model.json, or a run folder holding model.json',
      `segment stability ${argA} --bootstrap ${B} --model model.json`,
    );
  const model = await loadModel(modelPath);
  const name = displayPath(input.path);
  const ds = await readDataset(input.path, readOptionsFrom(flags, ctx));
  if (ds.nRows === 0) throw new DataError(`${name}: no rows`);
  const lab = labels(ds, name, flags.segmentCol);
  const missing = model.features.filter((f) => !ds.has(f));
  if (missing.length > 0)
    throw new DataError(
      `${name}: missing feature column(s) of the model: ${missing.join(', ')}`,
      `the model (${modelPath}) was fitted on ${model.features.join(', ')}`,
    );
  for (const f of model.features) {
    if (ds.column(f).kind !== 'numeric') throw new DataError(`${name}: feature column '${f}' is not numeric`);
  }
  const X = toMatrix(ds, model.features);
  assertFinite(X, model.features, 'the bootstrap refits');
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
  ctx.logger.log(
    'info',
    `bootstrap: ${B} refits of ${model.algorithm} on resamples of ${ds.nRows.toLocaleString('en-US')} rows`,
  );
  const pool = new WorkerPool(ctx.threads);
  let result;
  try {
    result = await bootstrapStability(X, lab, {
      replicates: B,
      seed: ctx.seed,
      refit: params,
      env: { pool, memoryLimit: ctx.memoryLimit, toolVersion: version },
      segments,
      onProgress: (done, total) => {
        if (done % every === 0 || done === total)
          ctx.logger.log(
            'info',
            `bootstrap: ${done}/${total} replicates (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
      },
    });
  } finally {
    await pool.close();
  }
  const gated = gateBootstrap(result, thresholds);
  if (flags.json) {
    const { seed: _seed, ...refitParamsShown } = params;
    ctx.printJson({
      format: 'segment.stability',
      version: 1,
      mode: 'bootstrap',
      inputs: {
        segments: { path: name, rows: ds.nRows },
        model: { path: modelPath, algorithm: model.algorithm },
        features: model.features,
      },
      segmentColumn: flags.segmentCol,
      seed: ctx.seed,
      refit: refitParamsShown,
      ...result,
      gates: gated.gates,
      pass: gated.pass,
      notes,
    });
  } else {
    ctx.print(renderBootstrap(result, gated, notes));
  }
  if (!gated.pass) throw new CheckFailedError(`stability gate failed: ${describeFailedGates(gated.gates)}`);
}

const kmeansVariants = ['auto', 'lloyd', 'elkan', 'hamerly', 'minibatch'] as const;

/**
 * The parameters that refit a model's algorithm as it was fitted: k-means with its k, restarts, iterations, tolerance
 * and variant; DBSCAN with its fitted eps (never auto), minSamples and metric; hierarchical with its linkage, metric
 * and k (or distance threshold). The seed is set per replicate. O(1).
 * @throws DataError when a hierarchical model records neither k nor a distance threshold.
 */
function refitParams(model: ClusterModel, path: string): { params: ClusterParams; notes: string[] } {
  const p = model.params;
  const num = (key: string): number | undefined => (typeof p[key] === 'number' ? p[key] : undefined);
  const minSize = num('minSize');
  const notes: string[] = [];
  switch (model.algorithm) {
    case 'kmeans': {
      const variant = kmeansVariants.find((v) => v === p['algorithm']);
      if (minSize === undefined && new Set(model.centroidSegment).size < model.centroidSegment.length)
        notes.push(
          'the fit merged small segments, but the model does not record --min-size: replicates keep all k clusters',
        );
      return {
        params: {
          algorithm: 'kmeans',
          nClusters: num('nClusters') ?? model.centroids.length,
          nInit: num('nInit'),
          maxIter: num('maxIter'),
          tol: num('tol'),
          kmeansAlgorithm: variant,
          minSize,
        },
        notes,
      };
    }
    case 'dbscan':
      return {
        params: {
          algorithm: 'dbscan',
          eps: model.eps,
          minSamples: model.minSamples,
          metric: model.metric,
          minSize,
        },
        notes,
      };
    case 'hierarchical': {
      const nClusters = num('nClusters');
      const distanceThreshold = nClusters === undefined ? num('distanceThreshold') : undefined;
      if (nClusters === undefined && distanceThreshold === undefined)
        throw new DataError(
          `${path}: the hierarchical model records neither nClusters nor distanceThreshold`,
        );
      return {
        params: {
          algorithm: 'hierarchical',
          linkage: model.linkage,
          metric: model.metric,
          nClusters,
          distanceThreshold,
          minSize,
        },
        notes,
      };
    }
  }
}

/** How a path is named in messages and JSON. */
function displayPath(p: string): string {
  return p === '-' ? 'stdin' : p;
}

/** A parsed threshold, null when the gate is disabled. */
function gateValue(v: number | 'none'): number | null {
  return v === 'none' ? null : v;
}

/** Integer labels >= −1 of the segment column. */
function labels(ds: Dataset, path: string, col: string): Int32Array {
  if (!ds.has(col)) {
    throw new DataError(
      `${path}: no column '${col}' with segment labels`,
      `the columns are ${ds.names.join(', ')}; name the column with --segment-col`,
    );
  }
  const c = ds.column(col);
  if (c.kind !== 'numeric')
    throw new DataError(`${path}: column '${col}' is ${c.kind}, not integer segment labels`);
  const out = new Int32Array(c.values.length);
  for (let i = 0; i < c.values.length; i++) {
    const v = c.values[i]!;
    if (!Number.isInteger(v) || v < -1)
      throw new DataError(
        `${path}: row ${i + 1} of '${col}' is ${Number.isNaN(v) ? 'missing' : v}; segment labels are integers >= 0 (−1 = noise)`,
      );
    out[i] = v;
  }
  return out;
}
