import type { Command } from 'commander';
import { configureDuckDB } from '../io/duckdb.js';
import { OutputSet, type InputDecl, type OutputDecl } from '../io/outputs.js';
import { defaultMemoryLimit, type StepEnv } from '../api/env.js';
import { givenOptions } from './params.js';
import type { LogLevel } from '../core/logger.js';
import { UsageError } from '../core/errors.js';
import { intAtLeast, memorySize, type Param } from '../core/params.js';
import { defaultThreads } from '../core/worker-pool.js';
import { createCliLogger } from './logger.js';

/** What every command receives: the step environment of the library, plus printing, resolved once. */
export interface Context extends StepEnv {
  debug: boolean;
  /** Print a JSON result on stdout (2-space indent, one trailing newline). */
  printJson(value: unknown): void;
  /** Print text on stdout. */
  print(text: string): void;
}

/** The global options (before the command name). */
export const globalParams: readonly Param[] = [
  { flags: '-q, --quiet', help: 'only print errors on stderr' },
  { flags: '-v, --verbose', help: 'print debug messages on stderr' },
  {
    flags: '--log-format <format>',
    help: 'log records on stderr as text or JSON lines',
    choices: ['text', 'json'],
    default: 'text',
  },
  {
    flags: '--log-level <level>',
    help: 'least severe records printed on stderr; -q means error, -v and --debug mean debug (default: info)',
    choices: ['debug', 'info', 'warn', 'error'],
  },
  {
    flags: '--threads <n>',
    help: 'worker threads and DuckDB threads (default: all cores)',
    parse: intAtLeast(1),
  },
  { flags: '--seed <n>', help: 'seed of every random choice', parse: intAtLeast(0), default: 42 },
  {
    flags: '--memory-limit <size>',
    help: 'memory budget of O(n²) algorithms, random forests and DuckDB (a quarter of it, at least 256MB), e.g. 2GB (default: 4GB)',
    parse: memorySize,
  },
  { flags: '--debug', help: 'print stack traces of errors' },
];

/** Global options as commander parses them. */
export interface GlobalOptions {
  quiet?: boolean;
  verbose?: boolean;
  logFormat?: string;
  logLevel?: LogLevel;
  threads?: number;
  seed?: number;
  debug?: boolean;
  memoryLimit?: number;
}

/** What a program embedding commands (segment run) replaces in their context. */
export type ContextOverrides = Partial<Pick<Context, 'logger' | 'stdout'>>;

const overrides = new WeakMap<Command, ContextOverrides>();

/** Make every command of `program` use these instead of the stderr logger and process stdout. */
export function overrideContext(program: Command, o: ContextOverrides): void {
  overrides.set(program, o);
}

/** Output sets opened by commands: a command that fails leaves its staged files to {@link abortOutputs}. */
const pending = new Set<OutputSet>();

/** Remove the staged files of every output set not committed (after a command failed). */
export async function abortOutputs(): Promise<void> {
  for (const set of pending) await set.abort();
  pending.clear();
}

/** Build the context from the global options of `cmd`. */
export function contextFrom(cmd: Command): Context {
  let root = cmd;
  while (root.parent) root = root.parent;
  const over = overrides.get(root) ?? {};
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const format = g.logFormat ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`unknown --log-format '${format}'`, 'use text or json');
  }
  const level: LogLevel = g.quiet ? 'error' : (g.logLevel ?? (g.verbose || g.debug ? 'debug' : 'info'));
  const threads = g.threads ?? defaultThreads();
  const memoryLimit = g.memoryLimit ?? defaultMemoryLimit;
  configureDuckDB({ threads, memoryLimit });
  const stdout = over.stdout ?? process.stdout;
  return {
    logger: over.logger ?? createCliLogger({ format, level, tty: Boolean(process.stderr.isTTY) }),
    threads,
    seed: g.seed ?? 42,
    debug: Boolean(g.debug),
    memoryLimit,
    stdout,
    stdin: process.stdin,
    given: givenOptions(cmd),
    printJson(value: unknown) {
      stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
    print(text: string) {
      stdout.write(text);
    },
    async outputs(inputs: InputDecl[], outputs: OutputDecl[]) {
      const set = await OutputSet.open({ inputs, outputs, stdout });
      pending.add(set);
      return set;
    },
  };
}
