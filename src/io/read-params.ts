import { UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkedText, describeParser, intAtLeast, pairs, type Param } from '../core/params.js';
import { typeOverrides, type ReadOptions, type TypeOverride } from './read.js';
import { DateFormat, numberLocale } from './text-values.js';

/** Options every command that reads a data file accepts. */
export interface InputOptions {
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
const dateFormatValue = describeParser(
  function dateFormat(v: string, prev: string[] = []): string[] {
    new DateFormat(v);
    return [...prev, v];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** `--na-values`: extra missing-value tokens, comma-separated or repeated (a token may be empty). */
const naValuesValue = describeParser(
  function naValues(v: string, prev: string[] = []): string[] {
    return [...prev, ...v.split(',')];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** The shared input parameters (worded the same in every command; in a pipeline they belong to `source`). */
export const inputParams: readonly Param[] = [
  {
    flags: '--format <fmt>',
    help: 'input format: csv, tsv, parquet, json, ndjson, xlsx (default: from the extension; - is CSV)',
  },
  {
    flags: '--delimiter <char>',
    help: 'CSV field delimiter (default: guessed from the header among , tab ; |)',
  },
  {
    flags: '--encoding <enc>',
    help: 'CSV text encoding: utf-8, utf-16, latin-1, windows-1252, iso-8859-15 … (default: UTF-8, or what the bytes prove)',
  },
  { flags: '--types <col=type,...>', help: `force column types (${typeOverrides.join(', ')})`, parse: pairs },
  {
    flags: '--sample <n>',
    help: 'keep a seeded random sample of n rows (reads the whole input)',
    parse: intAtLeast(1),
  },
  {
    flags: '--na-values <tokens>',
    help: "more cells read as missing, comma-separated (pandas' defaults NA, N/A, NULL, nan, … always apply)",
    parse: naValuesValue,
  },
  { flags: '--no-default-na', help: "do not read pandas' default tokens as missing (empty cells still are)" },
  {
    flags: '--decimal <char>',
    help: 'decimal mark of numbers in text files: . or , (e.g. 12,5)',
    parse: checkedText((v) => numberLocale(v, undefined), { enum: ['.', ','] }),
  },
  {
    flags: '--thousands <sep>',
    help: "thousands separator in text files: space, nbsp, narrow-nbsp, '.', ',' or \"'\" (e.g. 1 234,50)",
  },
  {
    flags: '--date-format <fmt>',
    help: 'strptime format of date columns in text files, e.g. %d/%m/%Y; repeat to try several in order (default: ISO-8601 only)',
    parse: dateFormatValue,
  },
  {
    flags: '--sheet <name|index>',
    help: 'worksheet of an .xlsx workbook: its name or 1-based index (default: the first)',
  },
].map((p) => ({ ...p, pipeline: 'source' as const }));

/** ReadOptions from the shared input options. */
export function readOptionsOf(
  o: InputOptions,
  env: { seed: number; stdin: NodeJS.ReadableStream; logger: Logger },
): ReadOptions {
  const types: Record<string, TypeOverride> = {};
  for (const [col, t] of Object.entries(o.types ?? {})) {
    if (!(typeOverrides as readonly string[]).includes(t)) {
      throw new UsageError(
        `--types: unknown type '${t}' for column '${col}'`,
        `use one of: ${typeOverrides.join(', ')}`,
      );
    }
    types[col] = t as TypeOverride;
  }
  return {
    format: o.format,
    delimiter: o.delimiter,
    encoding: o.encoding,
    types,
    sample: o.sample,
    naValues: o.naValues,
    defaultNa: o.defaultNa,
    decimal: o.decimal,
    thousands: o.thousands,
    dateFormats: o.dateFormat,
    sheet: o.sheet,
    seed: env.seed,
    stdin: env.stdin,
    logger: env.logger,
  };
}

/**
 * `--input auto|raw|prepared` of the commands that score rows with a saved model: raw replays the model's fitted
 * chain first, prepared scores as is, auto replays unless the input carries that chain.
 */
export const inputKindParam: Param = {
  flags: '--input <kind>',
  help: "raw: replay the model's fitted chain (clean …) first; prepared: score as is; auto: replay unless the input carries that chain",
  choices: ['auto', 'raw', 'prepared'],
  default: 'auto',
};
