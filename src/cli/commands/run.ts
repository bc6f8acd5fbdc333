import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { SegmentError, UsageError, DataError, InternalError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { round3 } from '../../core/format.js';
import type { ClusterModel } from '../../cluster/model.js';
import { fileSha256 } from '../../io/hash.js';
import { refuseInputsAmong } from '../../io/outputs.js';
import { loadModel } from '../../model/bundle.js';
import { acquireLock, lockName } from '../../run/lock.js';
import { previousOutputs, publish as publishStaged, resumePublish } from '../../run/publish.js';
import { loadPipeline, stepName, type Pipeline } from '../../run/pipeline.js';
import { contextFrom, overrideContext, type Context, type GlobalOptions } from '../context.js';
import { pipelineSchema, stepFlags, tunedFlags, type StepFlag, type StepKind } from '../pipeline-schema.js';
import { version } from '../version.js';

interface RunFlags {
  set: string[];
  outDir?: string;
  dryRun?: boolean;
  baseline?: string;
  json?: boolean;
}

/** Discriminator and version of run manifests. */
export const manifestFormat = 'segment.run-manifest';
export const manifestVersion = 1;

/** Name of the folder inside the output folder where a run writes before it publishes. */
const stagingName = '.segment-staging';

/** A step ready to run: its command line is completed at run time (tuned values). */
interface PlannedStep {
  name: string;
  kind: StepKind | 'ingest';
  input: string;
  /** Files it writes, relative to the staging folder. */
  outputs: string[];
  /** Intermediate data (not published when outputs.intermediates is false). */
  intermediate: boolean;
  args: (state: RunState) => Promise<string[]>;
  /** The command line as planned (tuned values shown as `tuned`). */
  preview: string[];
  /** The command line with stand-ins for tuned values, to check flags before anything runs. */
  check: string[];
}

interface RunState {
  tuneFile: string | null;
}

/** Names a data step cannot take: its output file would overwrite another. */
const reserved = ['segments', 'source', 'model', 'report', 'tune', 'manifest'];

/** Values standing in for tuned ones when flags are checked before the run. */
const tunedStandIn: Record<string, string> = { k: '2', eps: '1', 'min-samples': '5', linkage: 'ward' };

/** Map of cluster flag → tuning recommendation parameter. */
const tunedParam: Record<string, string> = {
  k: 'k',
  eps: 'eps',
  'min-samples': 'minSamples',
  linkage: 'linkage',
};

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** `segment run <pipeline.yaml>`: the whole chain from a config file, for cron. */
export function registerRun(program: Command, makeProgram: () => Command): void {
  program
    .command('run')
    .description(
      'run a pipeline file (source → features → clean → select → tune → cluster → report), for cron',
    )
    .argument('<pipeline>', 'pipeline file (YAML, see schemas/pipeline.schema.json)')
    .option(
      '--set <key=value>',
      'override a value: steps.cluster.k=6, seed=7, source.path=x.csv (repeatable)',
      collect,
      [],
    )
    .option('--out-dir <dir>', "output folder (default: the pipeline's outputs.dir)")
    .option('--baseline <model.json>', "keep the segment numbers of this earlier run's model")
    .option('--dry-run', 'validate the pipeline and print the plan; run nothing, write nothing')
    .option('--json', 'print the run manifest (or with --dry-run the plan) as JSON on stdout')
    .addHelpText(
      'after',
      `
Outputs (stable names in the output folder): segments.parquet, model.json (the bundle: whole fitted chain, input
schema, content hash), report.json, report.html, tune.json, each step's data (features.parquet, clean.parquet …)
and manifest.json (inputs with hashes, config hash, seed, version, timings, metrics, warnings). Steps run in a
staging folder; outputs appear only when every step succeeded. A lock keeps two runs out of one folder.

Examples:
  $ segment run examples/customers.yaml --out-dir runs/today
  $ segment run examples/customers.yaml --set steps.cluster.k=6 --dry-run
  $ segment run nightly.yaml --baseline runs/yesterday/model.json --out-dir runs/today`,
    )
    .action(async (file: string, flags: RunFlags, self: Command) => {
      const ctx = contextFrom(self);
      const template = makeProgram();
      const { pipeline, configHash } = await loadPipeline(file, pipelineSchema(template), flags.set);
      const base = dirname(resolve(file));
      const root = self.parent ?? self;
      const seed = root.getOptionValueSource('seed') === 'cli' ? ctx.seed : (pipeline.seed ?? 42);
      const outDirSetting = flags.outDir ?? pipeline.outputs?.dir;
      if (outDirSetting === undefined)
        throw new UsageError(
          `${file}: no output folder`,
          'pass --out-dir DIR or set outputs.dir in the pipeline',
        );
      const outDir = flags.outDir !== undefined ? resolve(flags.outDir) : resolve(base, outDirSetting);
      const baseline =
        flags.baseline !== undefined
          ? resolve(flags.baseline)
          : pipeline.baseline !== undefined
            ? resolve(base, pipeline.baseline)
            : undefined;
      const source = await resolveSource(pipeline, base, file, template);
      const plan = planSteps(pipeline, template, base, source, baseline, file);
      await checkInputFiles(pipeline, template, base, baseline, file);
      for (const s of plan) await checkCommandLine(makeProgram, s);
      // Nothing the run reads may be a file it publishes or removes, nor lie in its staging folder.
      const published = [...plan.flatMap((s) => s.outputs), 'manifest.json', lockName];
      const replaced = [...published, ...(await previousOutputs(outDir))];
      // Files named by step flags (rules, models, baseline inputs) are absolute paths in the planned command lines.
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
      if (flags.dryRun) {
        const steps = plan.map((s) => ({
          name: s.name,
          step: s.kind,
          command: ['segment', s.kind, s.input, ...s.preview],
        }));
        if (flags.json) ctx.printJson({ pipeline: file, configHash, outDir, seed, steps });
        else {
          ctx.print(
            `pipeline ${file} (${configHash.slice(0, 19)}…), seed ${seed}, output folder ${outDir}\n`,
          );
          for (const [i, s] of steps.entries())
            ctx.print(`${i + 1}. ${s.name}: ${s.command.map(quoteArg).join(' ')}\n`);
        }
        return;
      }
      try {
        await mkdir(outDir, { recursive: true });
      } catch (e) {
        throw new DataError(
          `${outDir}: cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          'pass --out-dir with a writable folder',
        );
      }
      const release = acquireLock(outDir, ctx.logger);
      const cwd = process.cwd();
      const staging = join(outDir, stagingName);
      // Set once publication starts: from then on the staging folder holds the journal a later run finishes from.
      let publishing = false;
      try {
        await resumePublish(outDir, staging, ctx.logger);
        await rm(staging, { recursive: true, force: true });
        await mkdir(staging);
        const manifest = await execute(plan, {
          ctx,
          makeProgram,
          root,
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
          .filter((f) => manifest.outputs.some((o) => o.file === f));
        manifest.outputs = manifest.outputs.filter((o) => publish.includes(o.file));
        await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
        // Files of the previous run that this run does not write would disagree with the new manifest.
        const remove = (await previousOutputs(outDir)).filter((f) => !publish.includes(f));
        publishing = true;
        await publishStaged(outDir, staging, { remove, move: [...publish, 'manifest.json'] });
        publishing = false;
        if (flags.json) ctx.printJson(manifest);
        const m = manifest.metrics;
        ctx.logger.log(
          'info',
          `run complete in ${manifest.seconds.toFixed(1)} s: ` +
            (m.segments ? `${m.segments.length} segment(s) of ${m.rows} rows, ` : '') +
            `outputs in ${outDir}`,
        );
      } finally {
        process.chdir(cwd);
        if (!publishing) await rm(staging, { recursive: true, force: true }).catch(() => {});
        release();
      }
    });
}

/** An argument as a shell would need it (`$NAME` stays as is: the shell expands it as ingest does). */
function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) || /^\$[A-Za-z_]\w*$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
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
 * format, version, content hash, structure) and the files named in the steps' flags (they must exist and be
 * readable; a cluster step's own `baseline` must load too). The source file is checked by {@link resolveSource}.
 * @throws DataError naming the file and the pipeline key.
 */
async function checkInputFiles(
  p: Pipeline,
  template: Command,
  base: string,
  baseline: string | undefined,
  file: string,
): Promise<void> {
  if (baseline !== undefined) {
    await mustExist(baseline, 'baseline model');
    await loadModel(baseline);
  }
  for (const [i, s] of p.steps.entries()) {
    const flags = new Map(stepFlags(template, s.step as StepKind).map((f) => [f.key, f]));
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
   * Arguments of a first `segment ingest` step (without -o): for a SQL source, or a file read with options
   * (format, delimiter, encoding, types, sample) so that every later step reads the same rows the same way.
   */
  ingest: string[] | null;
}

async function resolveSource(
  p: Pipeline,
  base: string,
  file: string,
  template: Command,
): Promise<ResolvedSource> {
  const s = p.source;
  const flags: string[] = [];
  if (s.format !== undefined) flags.push('--format', s.format);
  if (s.delimiter !== undefined) flags.push('--delimiter', s.delimiter);
  if (s.encoding !== undefined) flags.push('--encoding', s.encoding);
  if (s.types !== undefined && Object.keys(s.types).length > 0)
    flags.push(
      '--types',
      Object.entries(s.types)
        .map(([c, t]) => `${c}=${t}`)
        .join(','),
    );
  if (s.sample !== undefined) flags.push('--sample', String(s.sample));
  for (const t of s['na-values'] ?? []) flags.push('--na-values', t);
  if (s['default-na'] === false) flags.push('--no-default-na');
  if (s.decimal !== undefined) flags.push('--decimal', s.decimal);
  if (s.thousands !== undefined) flags.push('--thousands', s.thousands);
  const dates = s['date-format'];
  for (const f of dates === undefined ? [] : Array.isArray(dates) ? dates : [dates])
    flags.push('--date-format', f);
  if (s.sheet !== undefined) flags.push('--sheet', String(s.sheet));
  if (s.sql !== undefined) {
    const name = s.db!.env;
    const url = process.env[name];
    // Checked here to name the pipeline key; ingest itself reads `--db $NAME` from the environment, so the
    // connection string never enters a command line, a log line or the manifest.
    if (url === undefined || url.trim() === '')
      throw new UsageError(
        `${file}: source.db: environment variable ${name} is not set`,
        `export ${name}=<connection string>; credentials never go in the pipeline file`,
      );
    const ingest = template.commands.find((c) => c.name() === 'ingest');
    if (!ingest?.options.some((o) => o.long === '--db'))
      throw new UsageError(
        `${file}: source.sql: this build of segment cannot read SQL sources yet`,
        'export the query to a file and use source.path',
      );
    return {
      path: 'source.parquet',
      file: null,
      ingest: ['--db', `$${name}`, '--sql', s.sql, ...flags],
    };
  }
  const path = resolve(base, s.path!);
  await mustExist(path, 'source file');
  if (flags.length > 0) return { path: 'source.parquet', file: path, ingest: [path, ...flags] };
  return { path, file: path, ingest: null };
}

function flagArgs(flag: StepFlag, value: unknown, base: string): string[] {
  if (flag.kind === 'negated') return value === false ? [`--no-${flag.key}`] : [];
  const opt = `--${flag.key}`;
  if (flag.kind === 'boolean') return value === true ? [opt] : [];
  const text = (v: unknown): string => (flag.path && typeof v === 'string' ? resolve(base, v) : String(v));
  if (Array.isArray(value))
    return flag.repeat ? value.flatMap((v) => [opt, text(v)]) : [opt, value.map(text).join(',')];
  if (value !== null && typeof value === 'object')
    return [
      opt,
      Object.entries(value)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    ];
  return [opt, text(value)];
}

/**
 * Turn a validated pipeline into steps with inputs, outputs and command lines. Checks the order: features first, a
 * tune step before a cluster step that takes its values, report after cluster.
 */
function planSteps(
  p: Pipeline,
  template: Command,
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
    const flags = stepFlags(template, kind);
    const byKey = new Map(flags.map((f) => [f.key, f]));
    if (p.id !== undefined && byKey.has('id') && w.id === undefined) w.id = p.id;
    const input = current;
    const fixed: string[] = [];
    const tunedKeys: string[] = [];
    for (const [key, value] of Object.entries(w)) {
      if (value === 'tuned' && kind === 'cluster' && tunedFlags.includes(key)) {
        tunedKeys.push(key);
        continue;
      }
      fixed.push(...flagArgs(byKey.get(key)!, value, base));
    }
    if (tunedKeys.length > 0 && !tuned)
      throw new UsageError(`${where}: ${tunedKeys.join(', ')}: 'tuned' needs a tune step before cluster`);
    let outputs: string[] = [];
    let intermediate = false;
    switch (kind) {
      case 'features':
      case 'clean':
      case 'select': {
        const out = `${name}.parquet`;
        fixed.push('-o', out);
        outputs = [out];
        intermediate = true;
        current = out;
        if (kind === 'features') chainInput = out;
        break;
      }
      case 'tune': {
        const cluster = steps.find((x) => x.step === 'cluster');
        if (w.algo === undefined && cluster?.with?.algo !== undefined)
          fixed.push(...flagArgs(byKey.get('algo')!, cluster.with.algo, base));
        fixed.push('-o', 'tune.json');
        outputs = ['tune.json'];
        tuned = true;
        break;
      }
      case 'cluster': {
        fixed.push('-o', 'segments.parquet', '--model', 'model.json');
        if (baseline !== undefined && w.baseline === undefined && byKey.has('baseline'))
          fixed.push('--baseline', baseline);
        if (baseline !== undefined && !byKey.has('baseline'))
          throw new UsageError(
            `${file}: baseline: this build of segment cannot align segments to a baseline`,
          );
        if ((baseline !== undefined || w.baseline !== undefined) && chainInput !== current)
          fixed.push('--baseline-input', chainInput === source.path ? source.path : chainInput);
        outputs = ['segments.parquet', 'model.json'];
        current = 'segments.parquet';
        clustered = true;
        break;
      }
      case 'report': {
        fixed.push('--model', 'model.json', '--json', 'report.json', '--html', 'report.html');
        if (tuned) fixed.push('--tune', 'tune.json');
        outputs = ['report.json', 'report.html'];
        break;
      }
    }
    const preview = [...fixed, ...tunedKeys.flatMap((k) => [`--${k}`, 'tuned'])];
    const check = [...fixed, ...tunedKeys.flatMap((k) => [`--${k}`, tunedStandIn[k]!])];
    plan.push({
      name,
      kind,
      input: kind === 'report' ? 'segments.parquet' : input,
      outputs,
      intermediate,
      preview,
      check,
      args: async (state) => {
        if (tunedKeys.length === 0) return fixed;
        const rec = await tuneRecommendation(state, where);
        return [
          ...fixed,
          ...tunedKeys.flatMap((k) => {
            const v = rec[tunedParam[k]!];
            if (v === undefined)
              throw new UsageError(
                `${where}.with.${k}: the tune step did not tune ${k}`,
                'tune the same algorithm as cluster',
              );
            return [`--${k}`, String(v)];
          }),
        ];
      },
    });
  }
  if (source.ingest) {
    plan.unshift({
      name: 'source',
      kind: 'ingest',
      input: '',
      outputs: ['source.parquet'],
      intermediate: true,
      preview: [...source.ingest, '-o', 'source.parquet'],
      check: [...source.ingest, '-o', 'source.parquet'],
      args: async () => [...source.ingest!, '-o', 'source.parquet'],
    });
  }
  return plan;
}

/**
 * Parse a step's command line with its command's own parsers and stop before its action: a flag value the schema
 * lets through but the command refuses is reported before any step runs.
 */
async function checkCommandLine(makeProgram: () => Command, s: PlannedStep): Promise<void> {
  const program = makeProgram();
  const stop = new Error('checked');
  program.hook('preAction', () => {
    throw stop;
  });
  const command = s.kind === 'ingest' ? ['ingest', ...s.check] : [s.kind, s.input, ...s.check];
  try {
    await program.parseAsync(['node', 'segment', ...command]);
  } catch (e) {
    if (e === stop) return;
    throw stepError(s.name, e);
  }
}

async function tuneRecommendation(state: RunState, where: string): Promise<Record<string, unknown>> {
  if (!state.tuneFile) throw new UsageError(`${where}: 'tuned' needs a tune step before cluster`);
  const r = JSON.parse(await readFile(state.tuneFile, 'utf8')) as {
    recommendation?: { params?: Record<string, unknown> };
  };
  return r.recommendation?.params ?? {};
}

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

interface ExecEnv {
  ctx: Context;
  makeProgram: () => Command;
  root: Command;
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
  if (e instanceof CommanderError)
    return new UsageError(`step '${name}': ${e.message.replace(/^error:\s*/, '')}`);
  return e;
}

async function execute(plan: PlannedStep[], env: ExecEnv): Promise<RunManifest> {
  const { ctx, staging } = env;
  const g = env.root.opts<GlobalOptions>();
  const globals = [
    '--threads',
    String(ctx.threads),
    '--seed',
    String(env.seed),
    '--memory-limit',
    String(ctx.memoryLimit),
  ];
  if (g.debug) globals.push('--debug');
  const startedAt = new Date();
  const t0 = performance.now();
  const records: StepRecord[] = [];
  const state: RunState = { tuneFile: null };
  const log = holdInfo(ctx.logger);
  process.chdir(staging);
  for (const [i, s] of plan.entries()) {
    const args = await s.args(state);
    const command = s.kind === 'ingest' ? ['ingest', ...args] : [s.kind, s.input, ...args];
    log.logger.log(
      'info',
      `step ${i + 1}/${plan.length} ${s.name}: segment ${command.map(quoteArg).join(' ')}`,
    );
    const warnings: string[] = [];
    const program = env.makeProgram();
    overrideContext(program, {
      logger: stepLogger(log.logger, s.name, warnings),
      stdout: nullStdout,
    });
    const started = performance.now();
    try {
      await program.parseAsync(['node', 'segment', ...globals, ...command]);
    } catch (e) {
      throw stepError(s.name, e);
    }
    if (s.kind === 'tune') state.tuneFile = join(staging, 'tune.json');
    records.push({
      name: s.name,
      step: s.kind,
      command: ['segment', ...command],
      seconds: round3((performance.now() - started) / 1000),
      outputs: s.outputs,
      warnings,
    });
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
  await addInput('pipeline', env.pipelinePath);
  if (env.source.file) await addInput('source', env.source.file);
  if (env.baseline) await addInput('baseline', env.baseline);
  const metrics: RunManifest['metrics'] = {};
  let identity: unknown = null;
  if (files.has('model.json')) {
    const m = (await loadModel(join(staging, 'model.json'))) as ClusterModel & { identity?: unknown };
    metrics.rows = m.nRows;
    metrics.algorithm = m.algorithm;
    metrics.segments = m.segments.map((x) => ({ segment: x.segment, size: x.size }));
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
    toolVersion: version,
    pipeline: { path: env.pipelinePath, name: env.pipeline.name ?? null, configHash: env.configHash },
    seed: env.seed,
    threads: ctx.threads,
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
