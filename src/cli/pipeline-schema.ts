import type { Command, Option } from 'commander';
import { parserSchema } from './options.js';

/** The stages a pipeline file can run, in the order they usually come. */
export const stepKinds = ['features', 'clean', 'select', 'tune', 'cluster', 'report'] as const;
export type StepKind = (typeof stepKinds)[number];

/** Flags `segment run` sets itself (file names, model paths, JSON output) and input flags that belong to `source`. */
const managed: Record<StepKind, string[]> = {
  features: ['output', 'json', 'raw', 'print-rfm-rules', 'db', 'table', 'print-sql'],
  clean: ['output', 'model', 'json', 'apply'],
  select: ['output', 'model', 'json', 'apply', 'embed', 'embed-sample', 'perplexity'],
  tune: ['output', 'json', 'plot'],
  cluster: ['output', 'model', 'json', 'baseline-input', 'segment-col'],
  report: ['model', 'tune', 'json', 'html', 'svg', 'segment-col'],
};
const inputFlags = [
  'format',
  'delimiter',
  'encoding',
  'types',
  'sample',
  'na-values',
  'default-na',
  'decimal',
  'thousands',
  'date-format',
  'sheet',
];

/** Cluster flags that may take the tuning step's recommendation instead of a value. */
export const tunedFlags = ['k', 'eps', 'min-samples', 'linkage'];

/** How a flag of a step command is written on its command line. */
export interface StepFlag {
  /** Long flag without dashes (`min-samples`), the key in a step's `with`. */
  key: string;
  kind: 'boolean' | 'negated' | 'value';
  /** A list value repeats the flag (otherwise items are joined with commas). */
  repeat: boolean;
  /** The value is a file path (resolved against the pipeline file's folder). */
  path: boolean;
  schema: Record<string, unknown>;
}

function flagOf(o: Option): StepFlag | null {
  if (!o.long) return null;
  const key = o.long.replace(/^--(no-)?/, '');
  if (o.negate) return { key, kind: 'negated', repeat: false, path: false, schema: { type: 'boolean' } };
  if (!o.required && !o.optional)
    return { key, kind: 'boolean', repeat: false, path: false, schema: { type: 'boolean' } };
  const described = parserSchema(o.parseArg);
  const schema: Record<string, unknown> = o.argChoices
    ? { enum: [...o.argChoices] }
    : (described?.schema ?? { type: ['string', 'number'] });
  const path = /<(file|path|model|dir|[^>]*\.(json|ya?ml|csv|parquet))>/.test(o.flags);
  return { key, kind: 'value', repeat: described?.repeat ?? false, path, schema };
}

/** The flags a step of kind `kind` may set in its `with`, from the command's own definition. */
export function stepFlags(program: Command, kind: StepKind): StepFlag[] {
  const cmd = program.commands.find((c) => c.name() === kind);
  if (!cmd) throw new Error(`no '${kind}' command registered`);
  const skip = new Set([...managed[kind], ...inputFlags, 'help']);
  const out: StepFlag[] = [];
  for (const o of cmd.options) {
    const f = flagOf(o);
    if (f && !skip.has(f.key) && !out.some((x) => x.key === f.key)) out.push(f);
  }
  return out;
}

/**
 * The JSON Schema of pipeline files (draft-07), built from the commands' own flags so a step's `with` accepts
 * exactly what its command accepts, with the same ranges and choices. Published as schemas/pipeline.schema.json.
 */
export function pipelineSchema(program: Command): Record<string, unknown> {
  const withSchemas: Record<string, unknown> = {};
  for (const kind of stepKinds) {
    const properties: Record<string, unknown> = {};
    for (const f of stepFlags(program, kind)) {
      properties[f.key] =
        kind === 'cluster' && tunedFlags.includes(f.key)
          ? { anyOf: [...(Array.isArray(f.schema.anyOf) ? f.schema.anyOf : [f.schema]), { const: 'tuned' }] }
          : f.schema;
    }
    withSchemas[kind] = { type: 'object', additionalProperties: false, properties };
  }
  const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'segment pipeline',
    description:
      'A pipeline for `segment run`: a source, the steps with the flags of their commands, and where outputs go.',
    type: 'object',
    additionalProperties: false,
    required: ['version', 'source', 'steps'],
    properties: {
      version: { const: 1, description: 'pipeline file format version' },
      name,
      description: { type: 'string' },
      seed: { type: 'integer', minimum: 0, description: 'seed of every step (default 42)' },
      id: { type: 'string', description: 'id column, passed to every step as --id' },
      source: {
        type: 'object',
        additionalProperties: false,
        description: 'a data file (path), or a SQL query against a database named by an environment variable',
        properties: {
          path: { type: 'string', minLength: 1 },
          format: { enum: ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'xlsx'] },
          delimiter: { type: 'string' },
          encoding: { type: 'string', minLength: 1, description: 'default: UTF-8, or what the bytes prove' },
          types: { type: 'object', additionalProperties: { type: 'string' } },
          sample: { type: 'integer', minimum: 1 },
          'na-values': {
            type: 'array',
            items: { type: 'string' },
            description: "cells read as missing besides pandas' defaults",
          },
          'default-na': { type: 'boolean', description: "false: pandas' default NA tokens are text" },
          decimal: { enum: ['.', ','] },
          thousands: { type: 'string', minLength: 1 },
          'date-format': {
            anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
            description: 'strptime format(s) of date columns, tried in order',
          },
          sheet: {
            type: ['string', 'integer'],
            description: 'worksheet of an .xlsx workbook: name or 1-based index',
          },
          sql: { type: 'string', minLength: 1 },
          db: {
            type: 'object',
            additionalProperties: false,
            required: ['env'],
            description: 'the connection string is read from this environment variable, never from the file',
            properties: { env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
          },
        },
      },
      baseline: {
        type: 'string',
        minLength: 1,
        description: "a previous run's model.json: segments keep its numbers (--baseline overrides)",
      },
      outputs: {
        type: 'object',
        additionalProperties: false,
        properties: {
          dir: { type: 'string', minLength: 1, description: 'output folder (--out-dir overrides)' },
          intermediates: {
            type: 'boolean',
            description: 'keep every step output (features.parquet, clean.parquet …); default true',
          },
        },
      },
      steps: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['step'],
          properties: {
            step: { enum: [...stepKinds] },
            name: { ...name, description: "the step's name in --set and logs (default: its kind)" },
            with: { type: 'object' },
          },
          allOf: stepKinds.map((kind) => ({
            if: { properties: { step: { const: kind } }, required: ['step'] },
            then: { properties: { with: withSchemas[kind] } },
          })),
        },
      },
    },
  };
}
