import { assertContentHash } from './content-hash.js';
import { DataError } from './errors.js';
import { compileSchema, firstError, pointerPath, reason } from './json-schema.js';

// Structure checks shared by every saved-model loader (cluster, predict, clean, select): a JSON Schema per kind,
// compiled once, then the cross-field checks a schema cannot express (shapes, references, ranges). The first problem
// becomes one DataError line: `<file>: invalid model: <json path> <what>`.

/** A cross-field problem found in a model: where (a JSON path such as `centroids[2]`) and what is wrong. */
export class ModelProblem extends Error {
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(`${where} ${what}`);
  }
}

/** Raise a {@link ModelProblem} at `where`. */
export function problem(where: string, what: string): never {
  throw new ModelProblem(where, what);
}

/** Schema fragments used by the model schemas. */
export const schemaParts = {
  number: { type: 'number' },
  numberOrNull: { type: ['number', 'null'] },
  count: { type: 'integer', minimum: 0 },
  name: { type: 'string', minLength: 1 },
  names: { type: 'array', items: { type: 'string' } },
  numbers: { type: 'array', items: { type: 'number' } },
  matrix: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
  nullable: (s: object): object => ({ anyOf: [{ type: 'null' }, s] }),
  /** The properties every saved model starts with: its format, version, the writing release, the id column. */
  header: (format: string): Record<string, object> => ({
    format: { const: format },
    version: { type: 'integer', minimum: 1 },
    toolVersion: { type: 'string' },
    id: { type: ['string', 'null'] },
  }),
  /** An object with these required properties (others allowed). */
  object: (properties: Record<string, object>, required: string[] = Object.keys(properties)): object => ({
    type: 'object',
    properties,
    required,
  }),
  /** Apply `then` when the object's `key` equals `value` (a discriminated union). */
  when: (key: string, value: string | string[], then: object): object => ({
    if: {
      properties: { [key]: Array.isArray(value) ? { enum: value } : { const: value } },
      required: [key],
    },
    then,
  }),
};

/**
 * Check a parsed model against its JSON Schema, then run `cross` (the checks a schema cannot express) on it.
 * O(model size).
 * @param source names the file (or chain stage) in the message
 * @param hint how to get a good model, e.g. "re-create it with segment cluster --model"
 * @throws DataError `<source>: invalid model: <json path> <what>` for the first problem found.
 */
export function validateModel<T>(
  value: unknown,
  schema: object,
  source: string,
  hint: string,
  cross?: (model: T) => void,
): T {
  const validate = compileSchema(schema, true);
  if (!validate(value)) {
    const e = firstError(validate.errors ?? []);
    const where = pointerPath(e.instancePath) || '(top level)';
    const got =
      e.keyword === 'type' || e.keyword === 'enum' || e.keyword === 'const' ? `, got ${shown(e.data)}` : '';
    throw new DataError(`${source}: invalid model: ${where} ${reason(e)}${got}`, hint);
  }
  try {
    cross?.(value as T);
  } catch (err) {
    if (err instanceof ModelProblem)
      throw new DataError(`${source}: invalid model: ${err.where} ${err.what}`, hint);
    throw err;
  }
  return value as T;
}

/**
 * What a model kind's loader checks, and how its messages name it (the checking half of a kind: see
 * `SavedModelKind` in `model-kind.ts`, whose `load` runs {@link parseModel} with it).
 */
export interface ModelSpec<T> {
  /** The `format` discriminator, e.g. `segment.model`. */
  format: string;
  /** Newest version this build reads (every version from 1 up to it is read). */
  version: number;
  /** The kind in words after "not a": `segment model`, `propensity model`. */
  name: string;
  /** The kind in words before "version N is newer": `model`, `clean model`. */
  versionLabel: string;
  schema: object;
  /** Cross-field checks (raise {@link problem}). */
  check: (model: T) => void;
  /** How to get one, for a file of another kind: "write one with segment cluster --model". */
  hint: string;
  /** How to get a good one, for a malformed file: "re-create it with segment cluster --model". */
  recreate: string;
  /** The same, for a file whose content hash does not match: "write it again with segment cluster --model". */
  rewrite: string;
  /**
   * From which version a file without a content hash is refused: every version (`required`), none (`optional`), or
   * from a version on. A hash a file has is checked whatever this says.
   */
  hash: 'required' | 'optional' | { fromVersion: number };
}

/**
 * Check that a parsed JSON value is a model of `kind` this build understands — format, version, content hash, then
 * structure (schema and cross-field checks) — and return it typed. The one check every model loader runs; the
 * policy is the same for every kind: a `hash` the file has must match its content (any version), and a file
 * without one is refused from the version `kind.hash` names (see `loadModelFile` in `model-kind.ts`).
 * O(model size).
 * @throws DataError naming `source`: another kind of file, a newer version, a content hash that does not match
 *   (edited or damaged) or is missing where required, or `invalid model: <json path> <what>`.
 */
export function parseModel<T>(value: unknown, source: string, kind: ModelSpec<T>): T {
  const o = value as { format?: unknown; version?: unknown } | null;
  if (!o || typeof o !== 'object' || o.format !== kind.format) {
    const other =
      typeof o?.format === 'string' && o.format.startsWith('segment.') ? `a '${o.format}' file, ` : '';
    throw new DataError(`${source}: ${other}not a ${kind.name} (no "format": "${kind.format}")`, kind.hint);
  }
  if (typeof o.version !== 'number' || o.version > kind.version) {
    throw new DataError(
      `${source}: ${kind.versionLabel} version ${String(o.version)} is newer than this segment understands (${kind.version})`,
      'upgrade segment',
    );
  }
  const h = kind.hash;
  const required = h === 'required' || (h !== 'optional' && o.version >= h.fromVersion);
  assertContentHash(o, source, kind.rewrite, !required);
  return validateModel(o, kind.schema, source, kind.recreate, kind.check);
}

function shown(v: unknown): string {
  const text = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}

/** Check that `list` has `n` entries. */
export function expectLength(list: readonly unknown[], n: number, where: string, what: string): void {
  if (list.length !== n) problem(where, `has ${list.length} entries but ${what} ${n}`);
}

/** Check that every row of `rows` has `d` entries (one per feature). */
export function expectRowLength(rows: readonly (readonly unknown[])[], d: number, where: string): void {
  rows.forEach((r, i) => {
    if (r.length !== d) problem(`${where}[${i}]`, `has ${r.length} values but the model has ${d} feature(s)`);
  });
}

/** Check that every value of `list` is one of `known` (`what` names them: "segments"). */
export function expectKnown<V>(list: readonly V[], known: ReadonlySet<V>, where: string, what: string): void {
  list.forEach((v, i) => {
    if (!known.has(v)) problem(`${where}[${i}]`, `is ${JSON.stringify(v)}, not one of the model's ${what}`);
  });
}

/** Check that names are distinct. */
export function expectDistinct(names: readonly string[], where: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) problem(`${where}[${i}]`, `repeats '${n}'`);
    seen.add(n);
  });
}
