import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { compileSchema, firstError, hintOf, pointerPath, reason } from '../core/json-schema.js';
import { LineCounter, isMap, isSeq, parse as parseYamlValue, parseDocument, type Node } from 'yaml';
import { UsageError } from '../core/errors.js';

/** One step of a pipeline as written: its kind, optional name and the flags of its command. */
export interface PipelineStep {
  step: string;
  name?: string;
  with?: Record<string, unknown>;
}

/** A pipeline file after YAML parsing, `--set` overrides and schema validation. */
export interface Pipeline {
  version: 1;
  name?: string;
  description?: string;
  seed?: number;
  id?: string;
  source: {
    path?: string;
    format?: string;
    delimiter?: string;
    encoding?: string;
    types?: Record<string, string>;
    sample?: number;
    'na-values'?: string[];
    'default-na'?: boolean;
    decimal?: string;
    thousands?: string;
    'date-format'?: string | string[];
    sheet?: string | number;
    sql?: string;
    /** An event table of `db`: the features step runs inside the database. */
    table?: string;
    db?: { env: string };
  };
  baseline?: string;
  outputs?: {
    dir?: string;
    intermediates?: boolean;
    'scoring-sql'?: { table: string; dialect?: 'duckdb' | 'postgres' | 'bigquery' | 'snowflake' | 'spark' };
  };
  steps: PipelineStep[];
}

/** A loaded pipeline and what identifies it. */
export interface LoadedPipeline {
  pipeline: Pipeline;
  /** `sha256:<hex>` of the validated configuration (after `--set`), as canonical JSON. */
  configHash: string;
}

export { pointerPath };

/** The name a step goes by in `--set` and logs: its `name`, else its kind. */
export function stepName(s: PipelineStep): string {
  return s.name ?? s.step;
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, pointer: string): number | null {
  let node: unknown = doc.contents;
  for (const part of pointer.split('/').slice(1)) {
    if (isMap(node)) node = node.get(part, true);
    else if (isSeq(node)) node = node.get(Number(part), true);
    else return null;
    if (node === undefined) return null;
  }
  const range = (node as Node | null)?.range;
  return range ? counter.linePos(range[0]).line : null;
}

/** Keys whose `--set` value is taken as text as written (a folder named 20261123 stays a name). */
const textKeys = new Set([
  'name',
  'description',
  'id',
  'baseline',
  'outputs.dir',
  'source.path',
  'source.sql',
  'source.table',
  'outputs.scoring-sql.table',
  'source.delimiter',
  'source.decimal',
  'source.thousands',
  'source.date-format',
  'source.sheet',
]);

/**
 * Apply one `--set key=value` override to a parsed pipeline: `steps.<name>.<flag>=v` sets a flag of the step of that
 * name (or kind), any other dotted path sets that key (`seed=7`, `source.path=x.csv`, `outputs.dir=out`). The value
 * is read as a YAML scalar or flow collection (`6`, `true`, `[a, b]`), except for names and paths (`outputs.dir`,
 * `source.path`, `baseline`, `id` …), which are taken as written. O(path length + steps).
 * @throws UsageError for a malformed override or a step name that does not exist.
 */
export function applyOverride(doc: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0)
    throw new UsageError(`--set expects key=value, got '${assignment}'`, 'e.g. --set steps.cluster.k=6');
  const key = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  if (textKeys.has(key)) value = raw;
  else {
    try {
      value = parseYamlValue(raw);
    } catch {
      value = raw;
    }
  }
  const parts = key.split('.');
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype'))
    throw new UsageError(`--set ${key}: not a valid key path`);
  let target: Record<string, unknown>;
  let rest: string[];
  if (parts[0] === 'steps') {
    if (parts.length < 3)
      throw new UsageError(`--set ${key}: name a step and a flag, e.g. steps.cluster.k=6`);
    const steps = Array.isArray(doc.steps) ? (doc.steps as PipelineStep[]) : [];
    const step = steps.find((s) => s && typeof s === 'object' && stepName(s) === parts[1]);
    if (!step)
      throw new UsageError(
        `--set ${key}: no step named '${parts[1]}'`,
        `the steps are ${
          steps
            .filter((s) => s && typeof s === 'object')
            .map((s) => stepName(s))
            .join(', ') || 'none'
        }`,
      );
    const o = step as unknown as Record<string, unknown>;
    if (typeof o.with !== 'object' || o.with === null) o.with = {};
    target = o.with as Record<string, unknown>;
    rest = parts[2] === 'with' && parts.length > 3 ? parts.slice(3) : parts.slice(2);
  } else {
    target = doc;
    rest = parts;
  }
  for (const p of rest.slice(0, -1)) {
    const next = target[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) target[p] = {};
    target = target[p] as Record<string, unknown>;
  }
  target[rest[rest.length - 1]!] = value;
}

/**
 * Read, override and validate a pipeline file against `schema` (draft-07). Errors name the file, the line when the
 * value comes from it, and the path inside it: `pipeline.yaml:14: steps[3].with.k: must be ≥ 1`.
 * @throws UsageError (exit 2) for a missing or unreadable file, invalid YAML, a schema violation, duplicate step
 *   names, or a source that is neither a file nor a SQL query.
 */
export async function loadPipeline(
  path: string,
  schema: Record<string, unknown>,
  overrides: readonly string[] = [],
): Promise<LoadedPipeline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${path}: ${code === 'ENOENT' ? 'pipeline file not found' : code === 'EISDIR' ? 'is a folder, not a pipeline file' : `cannot read (${(e as Error).message})`}`,
      'see examples/ for pipeline files',
    );
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const at = counter.linePos(err.pos[0]);
    throw new UsageError(
      `${path}:${at.line}:${at.col}: invalid YAML: ${err.message.split('\n')[0]}`,
      'check indentation and quoting',
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (e) {
    // e.g. an alias to an anchor never set, or more alias expansion than the yaml library allows
    throw new UsageError(
      `${path}: invalid YAML: ${(e as Error).message.split('\n')[0]}`,
      'check anchors (&a) and aliases (*a)',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${path}: a pipeline is a YAML mapping (version, source, steps …)`);
  const config = value as Record<string, unknown>;
  const overridden = new Set<string>();
  for (const o of overrides) {
    applyOverride(config, o);
    overridden.add(o.slice(0, o.indexOf('=')));
  }
  const validate = compileSchema(schema);
  if (!validate(config)) {
    const e = firstError(validate.errors ?? []);
    const where = pointerPath(e.instancePath) || '(top level)';
    const line = overridden.size === 0 ? lineOf(doc, counter, e.instancePath) : null;
    throw new UsageError(`${path}${line ? `:${line}` : ''}: ${where}: ${reason(e)}`, hintOf(e));
  }
  const pipeline = config as unknown as Pipeline;
  const seen = new Map<string, number>();
  for (const [i, s] of pipeline.steps.entries()) {
    const n = stepName(s);
    if (seen.has(n))
      throw new UsageError(
        `${path}: steps[${i}]: a second step named '${n}' (steps[${seen.get(n)}] has it)`,
        "give one of them a 'name'",
      );
    seen.set(n, i);
  }
  const src = pipeline.source;
  const given = [src.path, src.sql, src.table].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new UsageError(
      `${path}: source: give one of 'path' (a data file), 'sql' with 'db', or 'table' with 'db' (an event table the features step reads in the database)`,
    );
  if ((src.sql !== undefined || src.table !== undefined) && src.db === undefined)
    throw new UsageError(
      `${path}: source.db: a ${src.sql !== undefined ? 'SQL' : 'table'} source needs 'db: {env: VARIABLE}' naming the environment variable with the connection string`,
    );
  if (src.table !== undefined) {
    if (pipeline.steps[0]?.step !== 'features')
      throw new UsageError(
        `${path}: source.table: the first step must be features (it computes the features inside the database)`,
        "to read a table's rows instead, use source.sql: SELECT * FROM …",
      );
    const fileKeys = Object.keys(src).filter((k) => !['table', 'db', 'sample'].includes(k));
    if (fileKeys.length > 0)
      throw new UsageError(
        `${path}: source.${fileKeys[0]}: applies to files, not to a table source`,
        'a table source takes table, db and sample (customers sampled inside the database)',
      );
  }
  const configHash = 'sha256:' + createHash('sha256').update(canonicalJson(pipeline)).digest('hex');
  return { pipeline, configHash };
}

/** JSON with object keys sorted at every level (the configuration hash does not depend on key order). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
