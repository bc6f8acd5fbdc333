import { UsageError } from './errors.js';

/**
 * Parameters declared once. Every command's parameters are a list of {@link Param}s in the library: the CLI makes
 * its flags (names, help, defaults, value checks) from them, `segment run` checks and converts a step's `with` values
 * by them, and the pipeline JSON Schema is generated from them. A value parser has the shape of a commander
 * argument parser, `(text, previous) → value`, and throws {@link InvalidValueError} for a bad value.
 */

/** A value a parser refuses; shown as "option '--k <n>' argument '0' is invalid. <message>". */
export class InvalidValueError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidValueError';
  }
}

/** Parses one occurrence of a flag's value; `previous` is the value so far (lists accumulate). */
export type ValueParser<T = unknown> = (text: string, previous?: T) => T;

/** What a pipeline file may hold for a flag: a JSON Schema fragment, and whether a list repeats the flag. */
export interface ValueSchema {
  schema: Record<string, unknown>;
  /** A list value becomes one `--flag item` per item (otherwise items are joined with commas). */
  repeat?: boolean;
}

const valueSchemas = new WeakMap<object, ValueSchema>();

/** Attach the JSON Schema of the values a parser accepts (read by the pipeline schema); returns the parser. */
export function describeParser<F extends object>(
  parser: F,
  schema: Record<string, unknown>,
  repeat = false,
): F {
  valueSchemas.set(parser, repeat ? { schema, repeat } : { schema });
  return parser;
}

/** The schema attached to a parser by {@link describeParser}, if any. */
export function parserSchema(parser: unknown): ValueSchema | undefined {
  return typeof parser === 'function' ? valueSchemas.get(parser) : undefined;
}

/** One parameter of a command: a CLI flag, and a key of a pipeline step's `with`. */
export interface Param {
  /** Commander-style flags: `--n-init <n>`, `-k, --k <n>`, `--json`, `--no-default-na`, `--eps <x|auto>`. */
  flags: string;
  /** One line of help. */
  help: string;
  /** Value parser (checks and converts the text); without one the value is the text. */
  parse?: (text: string, previous?: never) => unknown;
  /** The values allowed (checked before `parse`). */
  choices?: readonly string[];
  /** Default value (shown in help). */
  default?: unknown;
  /**
   * The property name in the options object when it is not the flag's name in camelCase: the library's one name
   * for the concept, where the flag is a short form (`--algo` → `algorithm`).
   */
  attr?: string;
  /**
   * Where a pipeline may set it: omitted = a step's `with`; `false` = never (segment run sets it: output files,
   * models, JSON); `'source'` = the pipeline's `source` (input reading flags).
   */
  pipeline?: false | 'source';
  /** Only when fitting a model: refused together with `--apply` (the saved model decides it). */
  fitOnly?: boolean;
}

/** The long name without dashes (and without `no-`): the key in a pipeline step's `with`. */
export function paramKey(p: Param): string {
  const long = /--([\w-]+)/.exec(p.flags)?.[1];
  if (!long) throw new Error(`parameter without a long flag: ${p.flags}`);
  return long.replace(/^no-/, '');
}

/** The property name in a command's options object (camelCase of the key, as commander names it). */
export function paramAttr(p: Param): string {
  return p.attr ?? paramKey(p).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * Refuse the parameters marked {@link Param.fitOnly} that the caller set (attribute names in `given`) when a saved
 * model is replayed: the first one in declaration order.
 * @throws UsageError naming the flag.
 */
export function refuseFitOnly(params: readonly Param[], given: ReadonlySet<string> | undefined): void {
  const p = params.find((x) => x.fitOnly && given?.has(paramAttr(x)));
  if (p)
    throw new UsageError(
      `--${paramKey(p)} cannot be combined with --apply: the saved model decides every step`,
      'fit a new model without --apply',
    );
}

/** How a parameter is written on a command line. */
export function paramKind(p: Param): 'boolean' | 'negated' | 'value' {
  if (/--no-/.test(p.flags)) return 'negated';
  return /[<[]/.test(p.flags) ? 'value' : 'boolean';
}

/** The value is a file path (resolved against the pipeline file's folder by segment run). */
export function isPathParam(p: Param): boolean {
  return /<(file|path|model|dir|[^>]*\.(json|ya?ml|csv|parquet))>/.test(p.flags);
}

/** JSON Schema of the values a pipeline may give, and whether a list repeats the flag. */
export function paramSchema(p: Param): { schema: Record<string, unknown>; repeat: boolean } {
  const kind = paramKind(p);
  if (kind !== 'value') return { schema: { type: 'boolean' }, repeat: false };
  const described = parserSchema(p.parse);
  const schema = p.choices ? { enum: [...p.choices] } : (described?.schema ?? { type: ['string', 'number'] });
  return { schema, repeat: described?.repeat ?? false };
}

/** The texts a pipeline value stands for on a command line (one per occurrence of the flag). */
function valueTexts(p: Param, value: unknown, base: (path: string) => string): string[] {
  const text = (v: unknown): string => (isPathParam(p) && typeof v === 'string' ? base(v) : String(v));
  if (Array.isArray(value)) return paramSchema(p).repeat ? value.map(text) : [value.map(text).join(',')];
  if (value !== null && typeof value === 'object')
    return [
      Object.entries(value)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    ];
  return [text(value)];
}

/** A pipeline value as command-line arguments (`--k 5`, `--features a,b`, `--no-default-na`), for records. */
export function paramArgs(p: Param, value: unknown, base: (path: string) => string = (s) => s): string[] {
  const kind = paramKind(p);
  const opt = `--${paramKey(p)}`;
  if (kind === 'negated') return value === false ? [`--no-${paramKey(p)}`] : [];
  if (kind === 'boolean') return value === true ? [opt] : [];
  return valueTexts(p, value, base).flatMap((t) => [opt, t]);
}

/** Parse one text of a flag: choices, then the parser; errors worded as the CLI words them. */
export function parseParamText(p: Param, text: string, previous: unknown): unknown {
  if (p.choices && !p.choices.includes(text))
    throw new InvalidValueError(
      `option '${p.flags}' argument '${text}' is invalid. Allowed choices are ${p.choices.join(', ')}.`,
    );
  if (!p.parse) return text;
  try {
    return (p.parse as unknown as ValueParser)(text, previous);
  } catch (e) {
    if (e instanceof InvalidValueError)
      throw new InvalidValueError(`option '${p.flags}' argument '${text}' is invalid. ${e.message}`);
    throw e;
  }
}

/** Default value of a parameter in an options object (negated switches default to true). */
export function paramDefault(p: Param): unknown {
  return paramKind(p) === 'negated' ? (p.default ?? true) : p.default;
}

/**
 * An options object from pipeline values (`with` keys → values): each value checked and converted exactly as its
 * flag would be on the command line, defaults filled in. Returns the options and the attributes that were given.
 * @throws InvalidValueError for a value the flag refuses; UsageError for an unknown key.
 */
export function paramValues(
  params: readonly Param[],
  values: Record<string, unknown>,
  base: (path: string) => string = (s) => s,
): { options: Record<string, unknown>; given: Set<string> } {
  const byKey = new Map(params.map((p) => [paramKey(p), p]));
  const options = withDefaults<Record<string, unknown>>(params, {});
  const given = new Set<string>();
  for (const [key, value] of Object.entries(values)) {
    const p = byKey.get(key);
    if (!p) throw new UsageError(`unknown option '--${key}'`);
    const attr = paramAttr(p);
    given.add(attr);
    const kind = paramKind(p);
    if (kind !== 'value') {
      options[attr] = value === true || (kind === 'negated' && value !== false);
      continue;
    }
    let acc: unknown = undefined;
    for (const t of valueTexts(p, value, base)) acc = parseParamText(p, t, acc);
    options[attr] = acc;
  }
  return { options, given };
}

/**
 * An options object with the parameters' defaults where `options` leaves a value out (or undefined): what a
 * library caller gets when it passes only the options it cares about.
 */
export function withDefaults<O extends object>(params: readonly Param[], options: O): O {
  const out: Record<string, unknown> = {};
  for (const p of params) {
    const d = paramDefault(p);
    if (d !== undefined) out[paramAttr(p)] = d;
  }
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as O;
}

/** Parse a whole number ≥ `min`. */
export function intAtLeast(min: number): (v: string) => number {
  return describeParser(
    (v: string) => {
      const n = Number(v);
      if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
        throw new InvalidValueError(`expected a whole number >= ${min}, got '${v}'.`);
      }
      return n;
    },
    { type: 'integer', minimum: min },
  );
}

const names = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

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

/** Collect a repeated flag's values (each occurrence one item). */
export const repeated = describeParser(
  function repeated(v: string, prev: string[] = []): string[] {
    return [...prev, v];
  },
  names,
  true,
);

/** Parse `key=value` pairs separated by commas into a record. */
export const pairs = describeParser(
  function pairs(v: string, prev: Record<string, string> = {}): Record<string, string> {
    const out = { ...prev };
    for (const part of v.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new InvalidValueError(`expected name=value, got '${part}'.`);
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
    if (!m) throw new InvalidValueError(`expected a size such as 512MB or 4GB, got '${v}'.`);
    const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
    return Math.floor(Number(m[1]) * mult);
  },
  { type: ['string', 'integer'] },
);

/** Parse a finite number > 0. */
export const positiveNumber = describeParser(
  function positiveNumber(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidValueError(`expected a number > 0, got '${v}'.`);
    }
    return n;
  },
  { type: 'number', exclusiveMinimum: 0 },
);

/** Parse a share in [0, 1]. */
export const share = describeParser(
  function share(v: string): number {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidValueError(`expected a number in [0, 1], got '${v}'.`);
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
