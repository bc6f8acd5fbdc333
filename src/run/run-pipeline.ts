import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, InternalError, SegmentError, UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { round3 } from '../core/format.js';
import { paramArgs, paramKey, paramValues, type Param } from '../core/params.js';
import type { ClusterModel } from '../cluster/cluster-model.js';
import { fileSha256 } from '../io/hash.js';
import { parseDbUrl } from '../io/sql.js';
import { refuseInputsAmong } from '../io/outputs.js';
import { loadModel } from '../model/bundle.js';
import { stepEnv, type StepCommand, type StepEnv } from '../api/env.js';
import { toolVersion } from '../core/version.js';
import { acquireLock, lockName } from './lock.js';
import { previousOutputs, publish as publishStaged, resumePublish } from './publish.js';
import { loadPipeline, stepName, type Pipeline } from './pipeline.js';
import {
  pipelineSchema,
  scoringCommand,
  featuresSqlCommand,
  sourceCommand,
  stepCommands,
  stepFlags,
  tunedFlags,
  type StepKind,
} from './steps.js';

/** Discriminator and version of run manifests. */
export const manifestFormat = 'segment.run-manifest';
export const manifestVersion = 1;

/** Name of the folder inside the output folder where a run writes before it publishes. */
const stagingName = '.segment-staging';

/** Names a data step cannot take: its output file would overwrite another. */
const reserved = ['segments', 'source', 'model', 'report', 'tune', 'manifest'];

/** Values standing in for tuned ones when options are checked before the run. */
const tunedStandIn: Record<string, string> = {
  k: '2',
  eps: '1',
  'min-samples': '5',
  'min-cluster-size': '5',
  linkage: 'ward',
};

/** Map of cluster flag → tuning recommendation parameter. */
const tunedParam: Record<string, string> = {
  k: 'k',
  eps: 'eps',
  'min-samples': 'minSamples',
  'min-cluster-size': 'minClusterSize',
  linkage: 'linkage',
};

/** How to run a pipeline file. */
export interface RunPipelineOptions {
  /** `--set key=value` overrides, applied before validation. */
  set?: string[];
  /** Output folder (default: the pipeline's `outputs.dir`, relative to the pipeline file). */
  outDir?: string;
  /** Keep the segment numbers of this earlier run's model. */
  baseline?: string;
  /** Validate and plan; run nothing, write nothing. */
  dryRun?: boolean;
  /** Seed of every step (default: the pipeline's `seed`, else 42). */
  seed?: number;
}

/** A planned step as `segment run --dry-run` shows it. */
export interface PlannedStepView {
  name: string;
  step: string;
  command: string[];
}

/** What `runPipeline` returns: the plan (dry run), or the manifest of the published run. */
export type RunPipelineResult =
  | {
      dryRun: true;
      pipeline: string;
      configHash: string;
      outDir: string;
      seed: number;
      steps: PlannedStepView[];
    }
  | { dryRun: false; outDir: string; manifest: RunManifest };

/** What one step did, as the manifest records it. */
interface StepRecord {
  name: string;
  step: string;
  command: string[];
  seconds: number;
  outputs: string[];
  warnings: string[];
}

/** The run manifest: what ran, on what, with what result. */
export interface RunManifest {
  format: typeof manifestFormat;
  version: number;
  toolVersion: string;
  pipeline: { path: string; name: string | null; configHash: string };
  seed: number;
  threads: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  inputs: { role: string; path: string; bytes: number; sha256: string }[];
  steps: StepRecord[];
  outputs: { file: string; bytes: number; sha256: string }[];
  metrics: {
    rows?: number;
    algorithm?: string;
    segments?: { segment: number; size: number }[];
    noise?: number;
    inertia?: number;
    indices?: Record<string, unknown>;
    modelHash?: string;
  };
  identity: unknown;
  warnings: string[];
}

/** A step ready to run: its options are completed at run time (tuned values). */
interface PlannedStep {
  name: string;
  kind: StepKind | 'ingest' | 'export-sql';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own options type
  command: StepCommand<any, unknown>;
  /** What it reads (undefined for a SQL source). */
  input: string | undefined;
  /** Files it writes, relative to the staging folder. */
  outputs: string[];
  /** Intermediate data (not published when outputs.intermediates is false). */
  intermediate: boolean;
  /** The pipeline's values of its parameters (paths resolved), and those segment run sets (staging names). */
  values: Record<string, unknown>;
  managed: Record<string, unknown>;
  /** Parameters taking the tune step's recommendation. */
  tunedKeys: string[];
  /** The equivalent command line, as planned (tuned values shown as `tuned`). */
  preview: string[];
  /** The equivalent command line without the tuned values. */
  fixed: string[];
  where: string;
  /** Resolves a path given in the pipeline (against the pipeline file's folder). */
  base: (path: string) => string;
}

/**
 * Run a pipeline file: plan the steps, check every option and input before anything runs, run the steps by
 * calling each step kind's library function in a staging folder, then publish every output together with a
 * manifest (inputs with hashes, config hash, seed, version, timings, metrics, warnings). A lock keeps two runs out of
 * one folder; a run that fails publishes nothing.
 *
 * Steps name their files relative to the staging folder, as the recorded command lines show (`env.cwd` is the
 * staging folder; the process's working folder is never changed).
 * @example
 * const r = await runPipeline('examples/customers-nightly.yaml', { outDir: 'runs/today' }, stepEnv());
 * if (!r.dryRun) console.log(r.manifest.metrics.segments);
 * @throws UsageError for a bad pipeline or option (nothing run); DataError for unreadable inputs; a step's error
 * with the step named.
 */
export async function runPipeline(
  file: string,
  o: RunPipelineOptions,
  env: StepEnv,
): Promise<RunPipelineResult> {
  const { pipeline, configHash } = await loadPipeline(file, pipelineSchema(), o.set ?? []);
  const base = dirname(resolve(file));
  const seed = o.seed ?? pipeline.seed ?? 42;
  const outDirSetting = o.outDir ?? pipeline.outputs?.dir;
  if (outDirSetting === undefined)
    throw new UsageError(
      `${file}: no output folder`,
      'pass --out-dir DIR or set outputs.dir in the pipeline',
    );
  const outDir = o.outDir !== undefined ? resolve(o.outDir) : resolve(base, outDirSetting);
  const baseline =
    o.baseline !== undefined
      ? resolve(o.baseline)
      : pipeline.baseline !== undefined
        ? resolve(base, pipeline.baseline)
        : undefined;
  const source = await resolveSource(pipeline, base, file);
  const plan = planSteps(pipeline, base, source, baseline, file);
  await checkInputFiles(pipeline, base, baseline, file);
  for (const s of plan) checkOptions(s);
  // Nothing the run reads may be a file it publishes or removes, nor lie in its staging folder.
  const published = [...plan.flatMap((s) => s.outputs), 'manifest.json', lockName];
  const replaced = [...published, ...(await previousOutputs(outDir))];
  // Files named by step options (rules, models, baseline inputs) are absolute paths in the planned command lines.
  const stepFiles = plan.flatMap((s) =>
    s.preview.flatMap((a, i) =>
      isAbsolute(a) ? [{ flag: `${s.name} ${s.preview[i - 1] ?? ''}`.trim(), path: a }] : [],
    ),
  );
  await refuseInputsAmong(
    [
      { flag: 'source', path: source.file },
      { flag: 'baseline', path: baseline },
      { flag: 'pipeline', path: resolve(file) },
      ...stepFiles,
    ],
    replaced.map((f) => ({ flag: 'output', path: join(outDir, f) })),
    [{ flag: 'the staging folder', path: join(outDir, stagingName) }],
  );
  if (o.dryRun) {
    const steps = plan.map((s) => ({ name: s.name, step: s.kind, command: commandLine(s, s.preview) }));
    return { dryRun: true, pipeline: file, configHash, outDir, seed, steps };
  }
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new DataError(
      `${outDir}: cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'pass --out-dir with a writable folder',
    );
  }
  const release = acquireLock(outDir, env.logger);
  const staging = join(outDir, stagingName);
  // Set once publication starts: from then on the staging folder holds the journal a later run finishes from.
  let publishing = false;
  try {
    await resumePublish(outDir, staging, env.logger);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    const manifest = await execute(plan, {
      env,
      seed,
      staging,
      pipelinePath: resolve(file),
      pipeline,
      configHash,
      source,
      baseline,
    });
    const keep = pipeline.outputs?.intermediates ?? true;
    const publish = plan
      .filter((s) => keep || !s.intermediate)
      .flatMap((s) => s.outputs)
      .filter((f) => manifest.outputs.some((x) => x.file === f));
    manifest.outputs = manifest.outputs.filter((x) => publish.includes(x.file));
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    // Files of the previous run that this run does not write would disagree with the new manifest.
    const remove = (await previousOutputs(outDir)).filter((f) => !publish.includes(f));
    publishing = true;
    await publishStaged(outDir, staging, { remove, move: [...publish, 'manifest.json'] });
    publishing = false;
    const m = manifest.metrics;
    env.logger.log(
      'info',
      `run complete in ${manifest.seconds.toFixed(1)} s: ` +
        (m.segments ? `${m.segments.length} segment(s) of ${m.rows} rows, ` : '') +
        `outputs in ${outDir}`,
    );
    return { dryRun: false, outDir, manifest };
  } finally {
    if (!publishing) await rm(staging, { recursive: true, force: true }).catch(() => {});
    release();
  }
}

/** An argument as a shell would need it (`$NAME` stays as is: the shell expands it as ingest does). */
export function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) || /^\$[A-Za-z_]\w*$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The equivalent `segment …` command line of a step (for logs, the plan and the manifest). */
function commandLine(s: PlannedStep, args: string[]): string[] {
  return s.kind === 'ingest' || s.kind === 'export-sql' || s.input === undefined
    ? ['segment', s.kind, ...args]
    : ['segment', s.kind, s.input, ...args];
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DataError(
      `${path}: ${what} ${missing ? 'not found' : 'cannot be read'}`,
      'check the path (relative paths in a pipeline file start at its folder)',
    );
  }
}

/**
 * Check every file the pipeline reads before any step runs: the baseline model (it must load as a clustering model:
 * format, version, content hash, structure) and the files named in the steps' options (they must exist and be
 * readable; a cluster step's own `baseline` must load too). The source file is checked by {@link resolveSource}.
 * @throws DataError naming the file and the pipeline key.
 */
async function checkInputFiles(
  p: Pipeline,
  base: string,
  baseline: string | undefined,
  file: string,
): Promise<void> {
  if (baseline !== undefined) {
    await mustExist(baseline, 'baseline model');
    await loadModel(baseline);
  }
  for (const [i, s] of p.steps.entries()) {
    const flags = new Map(stepFlags(s.step as StepKind).map((f) => [f.key, f]));
    for (const [key, value] of Object.entries(s.with ?? {})) {
      if (!flags.get(key)?.path) continue;
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string') continue;
        const path = resolve(base, v);
        await mustExist(path, `file (steps[${i}].with.${key} in ${file})`);
        if (s.step === 'cluster' && key === 'baseline') await loadModel(path);
      }
    }
  }
}

/**
 * A logger that holds back info lines until {@link flush}: a run that fails prints its one error line alone, a run
 * that succeeds prints every step's lines in order. Warnings and debug lines pass straight through.
 */
function holdInfo(parent: Logger): { logger: Logger; flush: () => void } {
  const held: Parameters<Logger['log']>[] = [];
  return {
    logger: {
      log(level, message, fields) {
        if (level === 'info') held.push([level, message, fields]);
        else parent.log(level, message, fields);
      },
      progress: (label, total) => parent.progress(label, total),
    },
    flush() {
      for (const args of held.splice(0)) parent.log(...args);
    },
  };
}

/** Where the steps' data comes from. */
interface ResolvedSource {
  /** What the first data step reads: the source file, or `source.parquet` when an ingest step comes first. */
  path: string;
  /** The source file (absolute), hashed into the manifest; null for a SQL source. */
  file: string | null;
  /**
   * A first `ingest` step (to source.parquet): for a SQL source, or a file read with options (format, delimiter,
   * encoding, types, sample …) so that every later step reads the same rows the same way. Its input, the values of
   * its parameters, and its command line.
   */
  ingest: { input: string | undefined; values: Record<string, unknown>; args: string[] } | null;
  /** A table source: the features step reads `table` inside the database whose URL is in `$env`. */
  table?: { env: string; table: string; engine: 'postgres' | 'duckdb' | 'sqlite'; sample?: number };
}

/** The `source` keys that are input parameters (all but path, sql and db). */
const sourceInputKeys = [
  'format',
  'delimiter',
  'encoding',
  'types',
  'sample',
  'na-values',
  'default-na',
  'decimal',
  'thousands',
  'date-format',
  'sheet',
] as const;

async function resolveSource(p: Pipeline, base: string, file: string): Promise<ResolvedSource> {
  const s = p.source;
  const values: Record<string, unknown> = {};
  for (const k of sourceInputKeys) if (s[k] !== undefined) values[k] = s[k];
  if (s.types !== undefined && Object.keys(s.types).length === 0) delete values.types;
  const params = sourceCommand.params;
  const flags = Object.entries(values).flatMap(([k, v]) => paramArgs(paramOf(params, k), v));
  // The connection string of a SQL or table source: checked here to name the pipeline key; the steps read
  // `--db $NAME` from the environment themselves, so it never enters a command line, a log line or the manifest.
  const connection = (): { name: string; url: string } => {
    const name = s.db!.env;
    const url = process.env[name];
    if (url === undefined || url.trim() === '')
      throw new UsageError(
        `${file}: source.db: environment variable ${name} is not set`,
        `export ${name}=<connection string>; credentials never go in the pipeline file`,
      );
    return { name, url };
  };
  if (s.table !== undefined) {
    const { name, url } = connection();
    return {
      path: 'features.parquet',
      file: null,
      ingest: null,
      table: { env: name, table: s.table, engine: parseDbUrl(url).kind, sample: s.sample },
    };
  }
  if (s.sql !== undefined) {
    const { name } = connection();
    return {
      path: 'source.parquet',
      file: null,
      ingest: {
        input: undefined,
        values: { db: `$${name}`, sql: s.sql, ...values },
        args: ['--db', `$${name}`, '--sql', s.sql, ...flags],
      },
    };
  }
  const path = resolve(base, s.path!);
  await mustExist(path, 'source file');
  if (flags.length > 0)
    return { path: 'source.parquet', file: path, ingest: { input: path, values, args: [path, ...flags] } };
  return { path, file: path, ingest: null };
}

function paramOf(params: readonly Param[], key: string): Param {
  const p = params.find((x) => paramKey(x) === key);
  if (!p) throw new InternalError(`no parameter '${key}'`);
  return p;
}

/**
 * Turn a validated pipeline into steps with inputs, outputs and options. Checks the order: features first, a tune
 * step before a cluster step that takes its values, report after cluster.
 */
function planSteps(
  p: Pipeline,
  base: string,
  source: ResolvedSource,
  baseline: string | undefined,
  file: string,
): PlannedStep[] {
  const steps = p.steps;
  const plan: PlannedStep[] = [];
  let current = source.path;
  let chainInput = source.path;
  let clustered = false;
  let tuned = false;
  const kinds = steps.map((s) => s.step);
  for (const once of ['cluster', 'tune', 'report'])
    if (kinds.filter((k) => k === once).length > 1)
      throw new UsageError(
        `${file}: steps: one ${once} step per pipeline (they write ${once === 'cluster' ? 'segments.parquet' : `${once}.json`})`,
      );
  const resolvePath = (v: string): string => resolve(base, v);
  for (const [i, s] of steps.entries()) {
    const kind = s.step as StepKind;
    const name = stepName(s);
    const where = `${file}: steps[${i}]`;
    const w = { ...(s.with ?? {}) };
    if ((kind === 'features' || kind === 'clean' || kind === 'select') && reserved.includes(name))
      throw new UsageError(
        `${where}: the name '${name}' is taken by an output (${name}.parquet)`,
        `name the step otherwise; reserved: ${reserved.join(', ')}`,
      );
    if (kind === 'features' && i > 0)
      throw new UsageError(`${where}: features must be the first step (it reads the event log)`);
    if (kind === 'report' && !clustered)
      throw new UsageError(`${where}: report needs a cluster step before it`);
    if ((kind === 'clean' || kind === 'select' || kind === 'tune') && clustered)
      throw new UsageError(
        `${where}: ${kind} after cluster has no effect on the segments`,
        'move it before the cluster step',
      );
    const byKey = new Map(stepFlags(kind).map((f) => [f.key, f]));
    if (p.id !== undefined && byKey.has('id') && w.id === undefined) w.id = p.id;
    const input = kind === 'features' && source.table ? undefined : current;
    const values: Record<string, unknown> = {};
    const fixed: string[] = [];
    const tunedKeys: string[] = [];
    const set = (key: string, value: unknown): void => {
      values[key] = value;
      fixed.push(...paramArgs(byKey.get(key)!.param, value, resolvePath));
    };
    for (const [key, value] of Object.entries(w)) {
      if (value === 'tuned' && kind === 'cluster' && tunedFlags.includes(key)) {
        tunedKeys.push(key);
        continue;
      }
      set(key, value);
    }
    if (tunedKeys.length > 0 && !tuned)
      throw new UsageError(`${where}: ${tunedKeys.join(', ')}: 'tuned' needs a tune step before cluster`);
    const managed: Record<string, unknown> = {};
    const manage = (key: string, value: string): void => {
      managed[key] = value;
      fixed.push(`--${key}`, value);
    };
    let outputs: string[] = [];
    let intermediate = false;
    if (kind === 'features' && source.table) {
      manage('db', `$${source.table.env}`);
      manage('table', source.table.table);
      // source.sample: the customers sampled inside the database (features --sample).
      if (source.table.sample !== undefined) manage('sample', String(source.table.sample));
    }
    switch (kind) {
      case 'features':
      case 'clean':
      case 'select': {
        const out = `${name}.parquet`;
        fixed.push('-o', out);
        managed.output = out;
        outputs = [out];
        intermediate = true;
        current = out;
        if (kind === 'features') chainInput = out;
        break;
      }
      case 'tune': {
        const cluster = steps.find((x) => x.step === 'cluster');
        if (w.algo === undefined && cluster?.with?.algo !== undefined) set('algo', cluster.with.algo);
        fixed.push('-o', 'tune.json');
        managed.output = 'tune.json';
        outputs = ['tune.json'];
        tuned = true;
        break;
      }
      case 'cluster': {
        fixed.push('-o', 'segments.parquet');
        managed.output = 'segments.parquet';
        manage('model', 'model.json');
        if (baseline !== undefined && w.baseline === undefined) manage('baseline', baseline);
        if ((baseline !== undefined || w.baseline !== undefined) && chainInput !== current)
          manage('baseline-input', chainInput);
        outputs = ['segments.parquet', 'model.json'];
        current = 'segments.parquet';
        clustered = true;
        break;
      }
      case 'report': {
        manage('model', 'model.json');
        manage('json', 'report.json');
        manage('html', 'report.html');
        if (tuned) manage('tune', 'tune.json');
        outputs = ['report.json', 'report.html'];
        break;
      }
    }
    const preview = [...fixed, ...tunedKeys.flatMap((k) => [`--${k}`, 'tuned'])];
    plan.push({
      name,
      kind,
      command: stepCommands[kind],
      input: kind === 'report' ? 'segments.parquet' : input,
      outputs,
      intermediate,
      values,
      managed,
      tunedKeys,
      preview,
      fixed,
      where,
      base: resolvePath,
    });
  }
  const scoring = p.outputs?.['scoring-sql'];
  if (scoring) {
    if (!clustered)
      throw new UsageError(`${file}: outputs.scoring-sql needs a cluster step (it exports its model)`);
    const dialect =
      scoring.dialect ??
      (source.table?.engine === 'postgres' || source.table?.engine === 'duckdb'
        ? source.table.engine
        : 'duckdb');
    const args = [
      '--model',
      'model.json',
      '--dialect',
      dialect,
      '--table',
      scoring.table,
      '--segment-name',
      '-o',
      'scoring.sql',
    ];
    const cluster = steps.find((x) => x.step === 'cluster')!.with ?? {};
    const exportable = !['hdbscan', 'optics'].includes(String(cluster.algo)) && cluster.distance !== 'gower';
    if (!exportable)
      throw new UsageError(
        `${file}: outputs.scoring-sql: export-sql cannot write the cluster step's model (${cluster.distance === 'gower' ? "Gower's distance" : String(cluster.algo)})`,
        'score with segment assign, or cluster with kmeans, dbscan, hierarchical or kmedoids',
      );
    const features = plan.find((s) => s.kind === 'features');
    if (source.table && features) {
      if (source.table.engine === 'duckdb' && features.values['as-of'] === undefined)
        throw new UsageError(
          `${file}: outputs.scoring-sql: features.sql needs the features step's as-of (the moment in its parameters row)`,
          "add as-of to the features step, e.g. with: {as-of: '2026-11-01'}",
        );
      // The features query for the same engine: planned on the connection (PostgreSQL plans PostgreSQL only).
      if (source.table.engine === 'postgres' && dialect !== 'postgres')
        throw new UsageError(
          `${file}: outputs.scoring-sql.dialect ${dialect}: a PostgreSQL source plans the features query for PostgreSQL only`,
          'leave out dialect, or print the features query from a sample: segment features sample.csv --print-sql --dialect … --table …',
        );
      const target = source.table.engine === 'duckdb' ? { dialect } : {};
      // The printed query computes every customer: neither the output nor the customer sample carries over.
      const fArgs = [
        ...features.fixed.filter(
          (a, i, all) => a !== '-o' && all[i - 1] !== '-o' && a !== '--sample' && all[i - 1] !== '--sample',
        ),
      ];
      const args = [
        ...fArgs,
        '--print-sql',
        ...(target.dialect ? ['--dialect', target.dialect] : []),
        '-o',
        'features.sql',
      ];
      plan.splice(plan.indexOf(features) + 1, 0, {
        ...features,
        name: 'features-sql',
        command: featuresSqlCommand,
        outputs: ['features.sql'],
        intermediate: false,
        managed: {
          ...Object.fromEntries(Object.entries(features.managed).filter(([k]) => k !== 'sample')),
          output: 'features.sql',
          ...target,
        },
        preview: args,
        fixed: args,
      });
    }
    plan.splice(plan.findIndex((s) => s.kind === 'cluster') + 1, 0, {
      name: 'scoring-sql',
      kind: 'export-sql',
      command: scoringCommand,
      input: undefined,
      outputs: ['scoring.sql'],
      intermediate: false,
      values: {},
      managed: {
        model: 'model.json',
        dialect,
        table: scoring.table,
        'segment-name': true,
        output: 'scoring.sql',
      },
      tunedKeys: [],
      preview: args,
      fixed: args,
      where: `${file}: outputs.scoring-sql`,
      base: (v) => v,
    });
  }
  if (source.ingest) {
    const args = [...source.ingest.args, '-o', 'source.parquet'];
    plan.unshift({
      name: 'source',
      kind: 'ingest',
      command: sourceCommand,
      input: source.ingest.input,
      outputs: ['source.parquet'],
      intermediate: true,
      values: source.ingest.values,
      managed: { output: 'source.parquet' },
      tunedKeys: [],
      preview: args,
      fixed: args,
      where: `${file}: source`,
      base: (v) => v,
    });
  }
  return plan;
}

/** A step's options: its pipeline values and segment run's own, checked and converted as its flags would be. */
function stepOptions(
  s: PlannedStep,
  tunedValues: Record<string, string>,
): { options: object; given: Set<string> } {
  const mine = paramValues(s.command.params, { ...s.values, ...tunedValues }, s.base);
  const theirs = paramValues(s.command.params, s.managed);
  const options: Record<string, unknown> = { ...mine.options };
  for (const a of theirs.given) options[a] = theirs.options[a];
  return { options, given: new Set([...mine.given, ...theirs.given]) };
}

/** Check a step's options before any step runs (tuned values stand in): a bad value stops the run before it starts. */
function checkOptions(s: PlannedStep): void {
  try {
    stepOptions(s, Object.fromEntries(s.tunedKeys.map((k) => [k, tunedStandIn[k]!])));
  } catch (e) {
    throw stepError(s.name, e);
  }
}

async function tuneRecommendation(tuneFile: string | null, where: string): Promise<Record<string, unknown>> {
  if (!tuneFile) throw new UsageError(`${where}: 'tuned' needs a tune step before cluster`);
  const r = JSON.parse(await readFile(tuneFile, 'utf8')) as {
    recommendation?: { params?: Record<string, unknown> };
  };
  return r.recommendation?.params ?? {};
}

/** The tuned values of a step, from the tune step's recommendation. */
async function tunedValues(s: PlannedStep, tuneFile: string | null): Promise<Record<string, string>> {
  if (s.tunedKeys.length === 0) return {};
  const rec = await tuneRecommendation(tuneFile, s.where);
  return Object.fromEntries(
    s.tunedKeys.map((k) => {
      const v = rec[tunedParam[k]!];
      if (v === undefined)
        throw new UsageError(
          `${s.where}.with.${k}: the tune step did not tune ${k}`,
          'tune the same algorithm as cluster',
        );
      return [k, String(v)];
    }),
  );
}

interface ExecEnv {
  env: StepEnv;
  seed: number;
  staging: string;
  pipelinePath: string;
  pipeline: Pipeline;
  configHash: string;
  source: ResolvedSource;
  baseline: string | undefined;
}

const nullStdout = new Writable({ write: (_c, _e, cb) => cb() });

function stepLogger(parent: Logger, name: string, warnings: string[]): Logger {
  return {
    log(level, message, fields) {
      if (level === 'warn') warnings.push(message);
      parent.log(level, `${name}: ${message}`, fields);
    },
    progress(label, total) {
      return parent.progress(`${name}: ${label}`, total);
    },
  };
}

/** A step's error with the step named. */
function stepError(name: string, e: unknown): unknown {
  if (e instanceof SegmentError) return new SegmentError(`step '${name}': ${e.message}`, e.exitCode, e.hint);
  return e;
}

async function execute(plan: PlannedStep[], x: ExecEnv): Promise<RunManifest> {
  const { env, staging } = x;
  const startedAt = new Date();
  const t0 = performance.now();
  const records: StepRecord[] = [];
  let tuneFile: string | null = null;
  const log = holdInfo(env.logger);
  // The steps' own progress (labelled with the step's name) nests under this one.
  const stepsProgress = env.logger.progress('pipeline step', plan.length);
  // Ended on every path, a step's failure or a bad tuned value included.
  try {
    for (const [i, s] of plan.entries()) {
      const warnings: string[] = [];
      const started = performance.now();
      const tuned = await tunedValues(s, tuneFile);
      const command = commandLine(s, [
        ...s.fixed,
        ...Object.entries(tuned).flatMap(([k, v]) => [`--${k}`, v]),
      ]);
      log.logger.log('info', `step ${i + 1}/${plan.length} ${s.name}: ${command.map(quoteArg).join(' ')}`);
      try {
        const { options, given } = stepOptions(s, tuned);
        const env1 = stepEnv({
          logger: stepLogger(log.logger, s.name, warnings),
          threads: env.threads,
          seed: x.seed,
          memoryLimit: env.memoryLimit,
          stdin: env.stdin,
          stdout: nullStdout,
          given,
          cwd: staging,
        });
        await s.command.run(s.input, options as never, env1);
      } catch (e) {
        throw stepError(s.name, e);
      }
      stepsProgress.tick();
      if (s.kind === 'tune') tuneFile = join(staging, 'tune.json');
      records.push({
        name: s.name,
        step: s.kind,
        command,
        seconds: round3((performance.now() - started) / 1000),
        outputs: s.outputs,
        warnings,
      });
    }
  } finally {
    stepsProgress.done();
  }
  log.flush();
  const files = new Set(await readdir(staging));
  const outputs: RunManifest['outputs'] = [];
  for (const f of plan.flatMap((s) => s.outputs)) {
    if (!files.has(f)) throw new InternalError(`step output ${f} was not written`);
    const st = await stat(join(staging, f));
    outputs.push({ file: f, bytes: st.size, sha256: await fileSha256(join(staging, f)) });
  }
  const inputs: RunManifest['inputs'] = [];
  const addInput = async (role: string, path: string): Promise<void> => {
    const st = await stat(path);
    inputs.push({ role, path, bytes: st.size, sha256: await fileSha256(path) });
  };
  await addInput('pipeline', x.pipelinePath);
  if (x.source.file) await addInput('source', x.source.file);
  if (x.baseline) await addInput('baseline', x.baseline);
  const metrics: RunManifest['metrics'] = {};
  let identity: unknown = null;
  if (files.has('model.json')) {
    const m = (await loadModel(join(staging, 'model.json'))) as ClusterModel & { identity?: unknown };
    metrics.rows = m.nRows;
    metrics.algorithm = m.algorithm;
    metrics.segments = m.segments.map((s) => ({ segment: s.segment, size: s.size }));
    metrics.noise = m.noise;
    if (m.algorithm === 'kmeans' && typeof m.inertia === 'number') metrics.inertia = m.inertia;
    metrics.modelHash = m.hash as string;
    identity = m.identity ?? null;
  }
  if (files.has('report.json')) {
    const r = JSON.parse(await readFile(join(staging, 'report.json'), 'utf8')) as {
      indices?: Record<string, unknown>;
    };
    metrics.indices = r.indices ?? {};
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    format: manifestFormat,
    version: manifestVersion,
    toolVersion,
    pipeline: { path: x.pipelinePath, name: x.pipeline.name ?? null, configHash: x.configHash },
    seed: x.seed,
    threads: env.threads,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: round3(seconds),
    inputs,
    steps: records,
    outputs,
    metrics,
    identity,
    warnings: records.flatMap((r) => r.warnings.map((w) => `${r.name}: ${w}`)),
  };
}
