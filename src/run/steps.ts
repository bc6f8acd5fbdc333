import { isPathParam, paramKey, paramKind, paramSchema, type Param } from '../core/params.js';
import type { StepCommand } from '../api/env.js';
import { featuresCommand, runFeatures, type FeaturesOptions } from '../api/features.js';
import { InternalError } from '../core/errors.js';
import { cleanCommand } from '../api/clean.js';
import { selectCommand } from '../api/select.js';
import { tuneCommand } from '../api/tune.js';
import { clusterCommand } from '../api/cluster.js';
import { reportCommand } from '../api/report.js';
import { ingestCommand } from '../api/ingest.js';
import { exportSqlParams, runExportSql } from '../api/export-sql.js';

/** The stages a pipeline file can run, in the order they usually come. */
export const stepKinds = ['features', 'clean', 'select', 'tune', 'cluster', 'report'] as const;
export type StepKind = (typeof stepKinds)[number];

/**
 * The registry of pipeline step kinds: each kind's command (its parameters and library function). Adding a step
 * kind to pipelines = one line here (and its name in {@link stepKinds}).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own options type
export const stepCommands: Record<StepKind, StepCommand<any, unknown>> = {
  features: featuresCommand,
  clean: cleanCommand,
  select: selectCommand,
  tune: tuneCommand,
  cluster: clusterCommand,
  report: reportCommand,
};

/** The command a source read with options (or a SQL source) runs as a first step. */
export const sourceCommand = ingestCommand;

/**
 * The command that writes `features.sql` for a table source: the features step's query, printed instead of run
 * (`features --db … --table … --print-sql`), to schedule in the database next to `scoring.sql`.
 */
export const featuresSqlCommand: StepCommand<FeaturesOptions, unknown> = {
  name: 'features',
  params: featuresCommand.params,
  run: async (input, o, env) => {
    const { output, ...options } = o;
    const r = await runFeatures(input, { ...options, printSql: true }, env);
    if (r.kind !== 'text') throw new InternalError('features --print-sql returned no text');
    const out = await env.outputs([], [{ flag: '-o', path: output }]);
    try {
      await out.writeText('-o', r.text);
      await out.commit();
    } finally {
      await out.abort();
    }
    return r;
  },
};

/** The command that writes `scoring.sql` after the cluster step (`outputs.scoring-sql`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the export-sql options
export const scoringCommand: StepCommand<any, unknown> = {
  name: 'export-sql',
  params: exportSqlParams,
  run: (_input, options, env) => runExportSql(options as never, env),
};

/** Cluster flags that may take the tuning step's recommendation instead of a value. */
export const tunedFlags = ['k', 'eps', 'min-samples', 'min-cluster-size', 'linkage'];

/** How a parameter of a step may be set in a pipeline step's `with`. */
export interface StepFlag {
  /** Long flag without dashes (`min-samples`), the key in a step's `with`. */
  key: string;
  kind: 'boolean' | 'negated' | 'value';
  /** A list value repeats the flag (otherwise items are joined with commas). */
  repeat: boolean;
  /** The value is a file path (resolved against the pipeline file's folder). */
  path: boolean;
  schema: Record<string, unknown>;
  param: Param;
}

/** The parameters a step of kind `kind` may set in its `with` (not those `segment run` sets, nor input flags). */
export function stepFlags(kind: StepKind): StepFlag[] {
  const out: StepFlag[] = [];
  for (const p of stepCommands[kind].params) {
    if (p.pipeline !== undefined) continue;
    const key = paramKey(p);
    if (out.some((x) => x.key === key)) continue;
    const { schema, repeat } = paramSchema(p);
    out.push({ key, kind: paramKind(p), repeat, path: isPathParam(p), schema, param: p });
  }
  return out;
}

/**
 * The JSON Schema of pipeline files (draft-07), built from the step commands' parameters so a step's `with` accepts
 * exactly what its command accepts, with the same ranges and choices. Published as schemas/pipeline.schema.json.
 */
export function pipelineSchema(): Record<string, unknown> {
  const withSchemas: Record<string, unknown> = {};
  for (const kind of stepKinds) {
    const properties: Record<string, unknown> = {};
    for (const f of stepFlags(kind)) {
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
          table: {
            type: 'string',
            minLength: 1,
            description:
              'an event table of db the features step computes inside the database (push-down): table or schema.table',
          },
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
          'scoring-sql': {
            type: 'object',
            additionalProperties: false,
            required: ['table'],
            description:
              'write scoring.sql next to the model: the query that scores a features table in the warehouse',
            properties: {
              table: { type: 'string', minLength: 1, description: 'the table of features the query scores' },
              dialect: {
                enum: ['duckdb', 'postgres', 'bigquery', 'snowflake', 'spark'],
                description: "default: the source connection's engine (postgres or duckdb), else duckdb",
              },
            },
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
