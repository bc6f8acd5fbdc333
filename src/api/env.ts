import { isAbsolute, join } from 'node:path';
import { silentLogger, type Logger } from '../core/logger.js';
import { defaultThreads } from '../core/worker-pool.js';
import { withDefaults, type Param } from '../core/params.js';
import { configureDuckDB } from '../io/duckdb.js';
import { OutputSet, type InputDecl, type OutputDecl } from '../io/outputs.js';

/**
 * What a command's library function receives besides its options: where to log, how many threads, the seed, the
 * memory budget, the standard streams (for `-` inputs and outputs), and the output guard. The CLI builds one from
 * the global flags; `runPipeline` builds one per step.
 */
export interface StepEnv {
  logger: Logger;
  threads: number;
  seed: number;
  /** Memory budget in bytes for algorithms whose need grows with n². */
  memoryLimit: number;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /**
   * Declare the command's inputs and outputs before any work: refused when an output is an input or another
   * output, or cannot be written. Write through the returned set, then `commit()`.
   */
  outputs(inputs: InputDecl[], outputs: OutputDecl[]): Promise<OutputSet>;
  /** Options the caller set explicitly (attribute names), when it matters that a default was not taken. */
  given?: ReadonlySet<string>;
  /**
   * The folder relative names of a pipeline step's input and of every declared output are resolved against (default:
   * the process's working folder); names are shown and recorded as given. `segment run` runs its steps in its
   * staging folder this way, without `chdir`. Other files a command reads (models, rules, `--apply`) are not yet
   * resolved against it: give those as absolute paths.
   */
  cwd?: string;
}

/** Where a file name given to a command is read or written: resolved against `env.cwd` (`-` stays stdin/stdout). */
export function pathIn(env: Pick<StepEnv, 'cwd'>, path: string): string {
  return env.cwd === undefined || path === '-' || isAbsolute(path) ? path : join(env.cwd, path);
}

/**
 * A command as a library function: its parameters declared once, and `run`, which does the whole job (read, fit
 * or apply, write through the output guard) and returns what the CLI renders (and `--json` prints).
 */
export interface StepCommand<O = never, R = unknown> {
  name: string;
  params: readonly Param[];
  run(input: string | undefined, options: O, env: StepEnv): Promise<R>;
}

/** Default memory budget of O(n²) algorithms and random forests: 4 GiB. */
export const defaultMemoryLimit = 4 * 1024 ** 3;

/**
 * A step environment for library callers (notebooks, schedulers): silent logger, every core, seed 42, 4 GiB,
 * the process's standard streams, unless given. A given `threads` or `memoryLimit` also configures the embedded
 * DuckDB, as the CLI's flags do.
 * @example
 * const env = stepEnv({ seed: 7, logger: consoleLogger });
 * const result = await clusterCommand.run('features.parquet', commandOptions(clusterCommand, { k: 5, output: 'seg.parquet' }), env);
 */
export function stepEnv(o: Partial<Omit<StepEnv, 'outputs'>> = {}): StepEnv {
  const stdout = o.stdout ?? process.stdout;
  // As the CLI's --threads and --memory-limit do: the embedded DuckDB takes them too (its threads only before its
  // first query; a quarter of the memory budget on the next connection).
  configureDuckDB({ threads: o.threads, memoryLimit: o.memoryLimit });
  return {
    logger: o.logger ?? silentLogger,
    threads: o.threads ?? defaultThreads(),
    seed: o.seed ?? 42,
    memoryLimit: o.memoryLimit ?? defaultMemoryLimit,
    stdin: o.stdin ?? process.stdin,
    stdout,
    ...(o.given ? { given: o.given } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
    outputs: (inputs, outputs) =>
      OutputSet.open({
        inputs: inputs.map((d) => ({ ...d, path: typeof d.path === 'string' ? pathIn(o, d.path) : d.path })),
        outputs: outputs.map((d) => ({
          ...d,
          path: typeof d.path === 'string' ? pathIn(o, d.path) : d.path,
        })),
        stdout,
      }),
  };
}

/**
 * A command's options from the ones given, every other parameter at its declared default (as the CLI fills them).
 * @example
 * const options = commandOptions(clusterCommand, { k: 4, output: 'segments.parquet' });
 * await clusterCommand.run('features.parquet', options, stepEnv());
 */
export function commandOptions<O extends object>(command: StepCommand<O, unknown>, options: Partial<O>): O {
  return withDefaults(command.params, options as O);
}
