import { UsageError } from '../core/errors.js';
import type { Param } from '../core/params.js';
import { exportSql, sqlDialects, type SqlDialectName } from '../export/sql.js';
import { loadModel } from '../model/bundle.js';
import { pathIn, type StepEnv } from './env.js';

/** Every flag of `segment export-sql`, in help order. */
export const exportSqlParams: readonly Param[] = [
  { flags: '--model <path>', help: 'model written by segment cluster --model or segment run (required)' },
  { flags: '--dialect <name>', help: 'SQL dialect of the query (required)', choices: sqlDialects },
  {
    flags: '--table <name>',
    help: 'table to score: table, schema.table or project.dataset.table (required)',
  },
  {
    flags: '--id <col>',
    help: "id column, returned with each segment (default: the model's)",
  },
  { flags: '-o, --output <path>', help: 'write the query to this file (default: stdout)' },
  {
    flags: '--with-features',
    help: "also return the model's features as the query computes them (for auditing)",
  },
  {
    flags: '--segment-name',
    help: 'also return `segment_name`: the name the model gives each segment ("Segment N" without one)',
  },
];

/** Options of `segment export-sql`. */
export interface ExportSqlCommandOptions {
  model?: string;
  dialect?: SqlDialectName;
  table?: string;
  id?: string;
  /** A file to write the query to; absent or `-`: the query is only returned (the CLI prints it). */
  output?: string;
  withFeatures?: boolean;
  /** Also return the segment's name (`segment_name`). */
  segmentName?: boolean;
}

/** What {@link runExportSql} returns. */
export interface ExportSqlResult {
  /** The query. */
  sql: string;
  /** What the query does not reproduce (each also logged as a warning). */
  notReproduced: string[];
  /** The file the query was written to, null when it was not written (no `output`, or `-`). */
  written: string | null;
}

/**
 * `segment export-sql --model model.json --dialect D --table T`: the fitted model (its clean/select chain and
 * assignment rule) as one SQL query scoring the table; written to `output` when it names a file.
 * @throws UsageError without model, dialect or table, or for a step SQL cannot express.
 * @example
 * const { sql } = await runExportSql({ model: 'model.json', dialect: 'postgres', table: 'analytics.customers' }, stepEnv());
 */
export async function runExportSql(o: ExportSqlCommandOptions, env: StepEnv): Promise<ExportSqlResult> {
  if (!o.model)
    throw new UsageError('export-sql needs --model model.json', 'write one with segment cluster --model');
  if (!o.dialect) throw new UsageError('export-sql needs --dialect', `one of ${sqlDialects.join(', ')}`);
  if (!o.table) throw new UsageError('export-sql needs --table NAME', 'the table the query scores');
  const out = await env.outputs([{ flag: '--model', path: o.model }], [{ flag: '-o', path: o.output }]);
  try {
    const model = await loadModel(pathIn(env, o.model));
    const { sql, notReproduced } = exportSql(model, {
      dialect: o.dialect,
      table: o.table,
      id: o.id,
      withFeatures: o.withFeatures,
      segmentName: o.segmentName,
      source: o.model,
    });
    for (const n of notReproduced) env.logger.log('warn', `not reproduced in SQL: ${n}`);
    if (o.output && o.output !== '-') {
      await out.writeText('-o', sql);
      await out.commit();
      env.logger.log('info', `wrote the ${o.dialect} query to ${o.output}`);
      return { sql, notReproduced, written: o.output };
    }
    return { sql, notReproduced, written: null };
  } finally {
    await out.abort();
  }
}
