import type { Command } from 'commander';
import { configureDuckDB } from '../io/duckdb.js';
import { OutputSet, type InputDecl, type OutputDecl } from '../io/outputs.js';
import { defaultMemoryLimit, type StepEnv } from '../api/env.js';
import { givenOptions } from './params.js';
import type { LogLevel } from '../core/logger.js';
import { UsageError } from '../core/errors.js';
import { defaultThreads } from '../core/worker-pool.js';
import { createCliLogger } from './logger.js';
import { trackOutputs } from './pending.js';

/** What every command receives: the step environment of the library, plus printing, resolved once. */
export interface Context extends StepEnv {
  debug: boolean;
  /** Print a JSON result on stdout (2-space indent, one trailing newline). */
  printJson(value: unknown): void;
  /** Print text on stdout. */
  print(text: string): void;
}

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
      trackOutputs(set);
      return set;
    },
  };
}
