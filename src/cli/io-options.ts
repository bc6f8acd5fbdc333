import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { typeOverrides, type ReadOptions, type TypeOverride } from '../io/read.js';
import type { Context } from './context.js';
import { DateFormat, numberLocale } from '../io/text-values.js';
import { checkedText, describeParser, intAtLeast, pairs } from './options.js';

/** Options every command that reads a data file accepts. */
export interface InputFlags {
  format?: string;
  delimiter?: string;
  encoding?: string;
  types?: Record<string, string>;
  sample?: number;
  naValues?: string[];
  defaultNa?: boolean;
  decimal?: string;
  thousands?: string;
  dateFormat?: string[];
  sheet?: string;
}

/** `--date-format`: one strptime format, checked as the command line is parsed; repeatable. */
const dateFormatFlag = describeParser(
  function dateFormat(v: string, prev: string[] = []): string[] {
    new DateFormat(v);
    return [...prev, v];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** `--na-values`: extra missing-value tokens, comma-separated or repeated (a token may be empty). */
const naValuesFlag = describeParser(
  function naValues(v: string, prev: string[] = []): string[] {
    return [...prev, ...v.split(',')];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** Add the shared input flags to a command (worded the same everywhere). */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option(
      '--format <fmt>',
      'input format: csv, tsv, parquet, json, ndjson, xlsx (default: from the extension; - is CSV)',
    )
    .option('--delimiter <char>', 'CSV field delimiter (default: guessed from the header among , tab ; |)')
    .option(
      '--encoding <enc>',
      'CSV text encoding: utf-8, utf-16, latin-1, windows-1252, iso-8859-15 … (default: UTF-8, or what the bytes prove)',
    )
    .option('--types <col=type,...>', `force column types (${typeOverrides.join(', ')})`, pairs)
    .option('--sample <n>', 'keep a seeded random sample of n rows (reads the whole input)', intAtLeast(1))
    .option(
      '--na-values <tokens>',
      "more cells read as missing, comma-separated (pandas' defaults NA, N/A, NULL, nan, … always apply)",
      naValuesFlag,
    )
    .option('--no-default-na', "do not read pandas' default tokens as missing (empty cells still are)")
    .option(
      '--decimal <char>',
      'decimal mark of numbers in text files: . or , (e.g. 12,5)',
      checkedText((v) => numberLocale(v, undefined), { enum: ['.', ','] }),
    )
    .option(
      '--thousands <sep>',
      "thousands separator in text files: space, nbsp, narrow-nbsp, '.', ',' or \"'\" (e.g. 1 234,50)",
    )
    .option(
      '--date-format <fmt>',
      'strptime format of date columns in text files, e.g. %d/%m/%Y; repeat to try several in order (default: ISO-8601 only)',
      dateFormatFlag,
    )
    .option(
      '--sheet <name|index>',
      'worksheet of an .xlsx workbook: its name or 1-based index (default: the first)',
    );
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
    naValues: flags.naValues,
    defaultNa: flags.defaultNa,
    decimal: flags.decimal,
    thousands: flags.thousands,
    dateFormats: flags.dateFormat,
    sheet: flags.sheet,
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
