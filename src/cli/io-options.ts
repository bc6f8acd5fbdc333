import { Option, type Command } from 'commander';
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

/**
 * `--input auto|raw|prepared` of the commands that score rows with a saved model: raw replays the model's fitted chain
 * first, prepared scores as is, auto replays unless the input carries that chain.
 */
export function inputKindOption(): Option {
  return new Option(
    '--input <kind>',
    "raw: replay the model's fitted chain (clean …) first; prepared: score as is; auto: replay unless the input carries that chain",
  )
    .choices(['auto', 'raw', 'prepared'])
    .default('auto');
}
