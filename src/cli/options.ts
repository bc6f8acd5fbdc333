import { InvalidArgumentError } from 'commander';
import { UsageError } from '../core/errors.js';

/** What a pipeline file may hold for a flag: a JSON Schema fragment, and whether a list repeats the flag. */
export interface FlagSchema {
  schema: Record<string, unknown>;
  /** A list value becomes one `--flag item` per item (otherwise items are joined with commas). */
  repeat?: boolean;
}

const flagSchemas = new WeakMap<object, FlagSchema>();

/** Attach the JSON Schema of the values a parser accepts (read by the pipeline schema); returns the parser. */
export function describeParser<F extends object>(
  parser: F,
  schema: Record<string, unknown>,
  repeat = false,
): F {
  flagSchemas.set(parser, repeat ? { schema, repeat } : { schema });
  return parser;
}

/** The schema attached to a parser by {@link describeParser}, if any. */
export function parserSchema(parser: unknown): FlagSchema | undefined {
  return typeof parser === 'function' ? flagSchemas.get(parser) : undefined;
}

const names = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

/** Parse a whole number ≥ `min` (commander argument parser). */
export function intAtLeast(min: number): (v: string) => number {
  return describeParser(
    (v: string) => {
      const n = Number(v);
      if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
        throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${v}'.`);
      }
      return n;
    },
    { type: 'integer', minimum: min },
  );
}

/** Parse a comma-separated list of names. */
export const list = describeParser(function list(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ];
}, names);

/** Parse `key=value` pairs separated by commas into a record. */
export const pairs = describeParser(
  function pairs(v: string, prev: Record<string, string> = {}): Record<string, string> {
    const out = { ...prev };
    for (const part of v.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got '${part}'.`);
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return out;
  },
  { type: 'object', additionalProperties: { type: 'string' } },
);

/** Parse a memory size like 2GB, 512MB, 1.5G or a byte count. */
export const memorySize = describeParser(
  function memorySize(v: string): number {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
    if (!m) throw new InvalidArgumentError(`expected a size such as 512MB or 4GB, got '${v}'.`);
    const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
    return Math.floor(Number(m[1]) * mult);
  },
  { type: ['string', 'integer'] },
);

/** Parse a finite number > 0 (commander argument parser). */
export const positiveNumber = describeParser(
  function positiveNumber(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(`expected a number > 0, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0 },
);

/** Parse a share in [0, 1] (commander argument parser). */
export const share = describeParser(
  function share(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`expected a number in [0, 1], got '${v}'.`);
    }
    return n;
  },
  { type: 'number', minimum: 0, maximum: 1 },
);

/**
 * A parser that checks a flag's text with `parse` (throwing its usage error) and keeps the text: for flags whose
 * value the command interprets later, so bad values are refused as the command line is parsed (and by
 * `segment run` before any step runs).
 */
export function checkedText(
  parse: (v: string) => unknown,
  schema: Record<string, unknown> = { type: ['string', 'number'] },
): (v: string) => string {
  return describeParser((v: string): string => {
    parse(v);
    return v;
  }, schema);
}

/**
 * Parse `--db`: a connection string, or `$NAME` to read it from the environment variable NAME — the secret then
 * never appears on a command line, in `ps` or in `segment run`'s logs and manifest.
 * @throws UsageError (exit 2) when the variable is not set.
 */
export const dbUrl = describeParser(
  function dbUrl(v: string): string {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(v.trim());
    if (!m) return v;
    const value = process.env[m[1]!];
    if (value === undefined || value.trim() === '')
      throw new UsageError(
        `--db ${v.trim()}: environment variable ${m[1]} is not set`,
        `export ${m[1]}=<connection string>`,
      );
    return value;
  },
  { type: 'string', minLength: 1 },
);
