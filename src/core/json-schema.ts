import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

// JSON Schema machinery shared by every validated file (pipelines, saved models): one Ajv instance, compiled
// validators kept per schema object, and the first error of a failed validation in words.

// Ajv is loaded on the first validation, not at start-up: most commands never read a model or a pipeline.
const require = createRequire(import.meta.url);
let ajv: Ajv | undefined;
// Models: a number must be finite (`type: number` refuses NaN and ±Infinity built in memory).
let ajvFinite: Ajv | undefined;

function validator(finiteNumbers: boolean): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof AjvModule;
  if (finiteNumbers)
    return (ajvFinite ??= new AjvClass({
      allErrors: false,
      strict: false,
      verbose: true,
      strictNumbers: true,
    }));
  return (ajv ??= new AjvClass({ allErrors: false, strict: false, verbose: true }));
}

const compiled = new WeakMap<object, ValidateFunction>();
const compiledFinite = new WeakMap<object, ValidateFunction>();

/**
 * The validator of `schema`, compiled on first use and kept (one compilation per schema object); with
 * `finiteNumbers`, NaN and ±Infinity are not numbers.
 */
export function compileSchema(schema: object, finiteNumbers = false): ValidateFunction {
  const cache = finiteNumbers ? compiledFinite : compiled;
  let v = cache.get(schema);
  if (!v) {
    v = validator(finiteNumbers).compile(schema);
    cache.set(schema, v);
  }
  return v;
}

/** `steps[3].with.k` from a JSON pointer such as `/steps/3/with/k`. */
export function pointerPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** One readable reason from an Ajv error, with ≥ / ≤ for ranges. */
export function reason(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
    case 'required':
      return `'${String((e.params as { missingProperty: string }).missingProperty)}' is required`;
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'anyOf':
      return 'has the wrong type or value';
    case 'minItems':
      return `must have at least ${String((e.params as { limit: number }).limit)} item(s)`;
    case 'maxItems':
      return `must have at most ${String((e.params as { limit: number }).limit)} item(s)`;
    default:
      return (e.message ?? 'is invalid').replace(/>=/g, '≥').replace(/<=/g, '≤').replace(/ {2,}/g, ' ');
  }
}

/** The hint of a schema error: the keys a mapping accepts, or the range of a number. */
export function hintOf(e: ErrorObject): string | undefined {
  if (e.keyword === 'additionalProperties') {
    const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    if (props.length > 0) return `known keys: ${props.join(', ')}`;
  }
  if (e.keyword === 'anyOf') {
    const branches = (e.schema as Record<string, unknown>[] | undefined) ?? [];
    const words = branches.map(describeSchema).filter((w): w is string => w !== null);
    if (words.length > 0) return `expected ${words.join(', or ')}`;
  }
  return undefined;
}

/** A schema fragment in words: "a number > 0", "'auto'", "a list of names". */
function describeSchema(s: Record<string, unknown>): string | null {
  if ('const' in s) return JSON.stringify(s.const).replace(/"/g, "'");
  const type = s.type;
  const range = [
    typeof s.minimum === 'number' ? `≥ ${s.minimum}` : null,
    typeof s.exclusiveMinimum === 'number' ? `> ${s.exclusiveMinimum}` : null,
    typeof s.maximum === 'number' ? `≤ ${s.maximum}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const tail = range ? ` ${range}` : '';
  if (type === 'integer') return `a whole number${tail}`;
  if (type === 'number') return `a number${tail}`;
  if (type === 'string') return 'a text';
  if (type === 'array') return 'a list';
  return null;
}

/** The first error worth showing: `if` failures only repeat their `then` error; anyOf sums up its branches. */
export function firstError(errors: ErrorObject[]): ErrorObject {
  const useful = errors.filter((e) => e.keyword !== 'if');
  const anyOf = useful.find((e) => e.keyword === 'anyOf');
  if (anyOf && useful[0] && useful[0].instancePath === anyOf.instancePath) {
    // A value of the right type that breaks a range says so; a value of no accepted type gets the summary.
    const range = useful.find(
      (e) => e.instancePath === anyOf.instancePath && !['type', 'const', 'enum', 'anyOf'].includes(e.keyword),
    );
    return range ?? anyOf;
  }
  return useful[0] ?? errors[0]!;
}
