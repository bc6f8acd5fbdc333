import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { typeOverrides, type ReadOptions, type TypeOverride } from '../io/read.js';
import type { Context } from './context.js';
import { intAtLeast, pairs } from './options.js';

/** Options every command that reads a data file accepts. */
export interface InputFlags {
  format?: string;
  delimiter?: string;
  encoding?: string;
  types?: Record<string, string>;
  sample?: number;
}

/** Add the shared input flags to a command (worded the same everywhere). */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option(
      '--format <fmt>',
      'input format: csv, tsv, parquet, json, ndjson (default: from the extension; - is CSV)',
    )
    .option('--delimiter <char>', 'CSV field delimiter (default: guessed from the header among , tab ; |)')
    .option('--encoding <enc>', 'CSV text encoding: utf-8, utf-16, latin-1', 'utf-8')
    .option('--types <col=type,...>', `force column types (${typeOverrides.join(', ')})`, pairs)
    .option('--sample <n>', 'keep a seeded random sample of n rows (reads the whole input)', intAtLeast(1));
}

/** ReadOptions from the shared input flags. */
export function readOptionsFrom(flags: InputFlags, ctx: Context): ReadOptions {
  const types: Record<string, TypeOverride> = {};
  for (const [col, t] of Object.entries(flags.types ?? {})) {
    if (!(typeOverrides as readonly string[]).includes(t)) {
      throw new UsageError(
        `--types: unknown type '${t}' for column '${col}'`,
        `use one of: ${typeOverrides.join(', ')}`,
      );
    }
    types[col] = t as TypeOverride;
  }
  return {
    format: flags.format,
    delimiter: flags.delimiter,
    encoding: flags.encoding,
    types,
    sample: flags.sample,
    seed: ctx.seed,
    stdin: ctx.stdin,
    logger: ctx.logger,
  };
}
