import { Option, type Command } from 'commander';
import { loadModel } from '../../model/bundle.js';
import { UsageError } from '../../core/errors.js';
import { exportSql, sqlDialects, type SqlDialectName } from '../../export/sql.js';
import { contextFrom } from '../context.js';

interface ExportSqlFlags {
  model?: string;
  dialect?: SqlDialectName;
  table?: string;
  id?: string;
  output?: string;
  withFeatures?: boolean;
}

/** `segment export-sql --model model.json --dialect D --table T`: the fitted model as one SQL query. */
export function registerExportSql(program: Command): void {
  program
    .command('export-sql')
    .description('the fitted model (its clean/select chain and assignment rule) as one SQL query')
    .option('--model <path>', 'model written by segment cluster --model or segment run')
    .addOption(new Option('--dialect <name>', 'SQL dialect of the query').choices([...sqlDialects]))
    .option('--table <name>', 'table to score: table, schema.table or project.dataset.table')
    .option('--id <col>', "column identifying rows, returned with each segment (default: the model's id)")
    .option('-o, --output <path>', 'write the query to this file (default: stdout)')
    .option('--with-features', "also return the model's features as the query computes them (for auditing)")
    .addHelpText(
      'after',
      `
The query reads the table, replays the model's fitted chain as one CTE per step (clean: log1p, outlier
fences, imputation, scaling, encoding; select: dropped features, PCA), computes the distance to every
centre and returns the id and \`segment\`: equal to segment assign row for row for k-means and hierarchical
models, except the training exceptions a model records. A row with a missing or non-finite feature after
the chain gets a NULL segment (segment assign refuses such input). DBSCAN models assign the nearest
segment centroid (no core-point rule, no noise). KNN imputation, isolation-forest flags and validation
that fails the run cannot be expressed in SQL: exit 2 naming the step.

Examples:
  $ segment export-sql --model model.json --dialect postgres --table analytics.customers -o score.sql
  $ segment export-sql --model model.json --dialect bigquery --table project.dataset.features --id customer_id`,
    )
    .action(async (flags: ExportSqlFlags, self: Command) => {
      const ctx = contextFrom(self);
      if (!flags.model)
        throw new UsageError('export-sql needs --model model.json', 'write one with segment cluster --model');
      if (!flags.dialect)
        throw new UsageError('export-sql needs --dialect', `one of ${sqlDialects.join(', ')}`);
      if (!flags.table) throw new UsageError('export-sql needs --table NAME', 'the table the query scores');
      const out = await ctx.outputs(
        [{ flag: '--model', path: flags.model }],
        [{ flag: '-o', path: flags.output }],
      );
      const model = await loadModel(flags.model);
      const { sql, notReproduced } = exportSql(model, {
        dialect: flags.dialect,
        table: flags.table,
        id: flags.id,
        withFeatures: flags.withFeatures,
        source: flags.model,
      });
      for (const n of notReproduced) ctx.logger.log('warn', `not reproduced in SQL: ${n}`);
      if (flags.output && flags.output !== '-') {
        await out.writeText('-o', sql);
        await out.commit();
        ctx.logger.log('info', `wrote the ${flags.dialect} query to ${flags.output}`);
      } else ctx.print(sql);
    });
}
