import type { Command } from 'commander';
import { exportSqlParams, runExportSql, type ExportSqlCommandOptions } from '../../api/export-sql.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment export-sql --model model.json --dialect D --table T`: the fitted model as one SQL query. */
export function registerExportSql(program: Command): void {
  const cmd = program
    .command('export-sql')
    .description('the fitted model (its clean/select chain and assignment rule) as one SQL query');
  addParams(cmd, exportSqlParams)
    .addHelpText(
      'after',
      `
The query reads the table, replays the model's fitted chain as one CTE per step (clean: log1p, outlier
fences, imputation, scaling, encoding; select: dropped features, PCA), computes the distance to every
centre and returns the id and \`segment\`: equal to segment assign row for row for k-means and hierarchical
models, except the training exceptions a model records. A row with a missing or non-finite feature after
the chain gets a NULL segment (segment assign refuses such input). DBSCAN models assign the nearest
segment centroid (no core-point rule, no noise). KNN imputation, isolation-forest flags and validation
that fails the run cannot be expressed in SQL: exit 2 naming the step. --segment-name adds a
\`segment_name\` column: the model's name of each segment ("Segment N" without one), NULL with the segment.

Examples:
  $ segment export-sql --model model.json --dialect postgres --table analytics.customers -o score.sql
  $ segment export-sql --model model.json --dialect bigquery --table project.dataset.features --id customer_id
  $ segment export-sql --model model.json --dialect snowflake --table crm.customers --segment-name`,
    )
    .action(async (flags: ExportSqlCommandOptions, self: Command) => {
      const ctx = contextFrom(self);
      const result = await runExportSql(flags, ctx);
      if (result.written === null) ctx.print(result.sql);
    });
}
