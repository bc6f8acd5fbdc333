import type { Command } from 'commander';
import { featuresParams, runFeatures, type FeaturesOptions } from '../../api/features.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment features <events>`: one row of behavioural features per customer from an event log. */
export function registerFeatures(program: Command): void {
  const cmd = program
    .command('features')
    .description(
      'one row of behavioural features per customer from an event log (RFM, sessions, funnel, points)',
    )
    .argument('[events]', 'event log file, or - for CSV on stdin (none with --db)');
  addParams(cmd, featuresParams).addHelpText(
    'after',
    `
One row per customer seen before --as-of, ordered by id. Recency and tenure use all history; every
other feature uses the events in the window [as-of - window, as-of). Timestamps with an offset (Z,
+02:00) are exact instants; those without are local times in --timezone. --sample N keeps N customers
(seeded), with all their events. Cost: one DuckDB pass to parse, hash aggregations and one sort per
customer to infer sessions; memory is bounded by DuckDB, which spills to disk.

Examples:
  $ segment features events.csv --id customer_id --time ts --amount amount --event event -o features.parquet
  $ segment features events.parquet --id customer_id --time ts --amount amount --event event \\
      --session session_id --as-of 2026-11-01 --window 90d --json -o features.parquet
  $ segment features clicks.csv --id user --time at --event action --rules scoring.yaml -o scores.csv
  $ segment features --print-rfm-rules > rfm.yaml   # edit, then --rfm-rules rfm.yaml
  $ PGPASSWORD=… segment features --db postgres://analyst@db.internal/shop --table events \\
      --id customer_id --time ts --amount amount --event event -o features.parquet
  $ segment features --db postgres://analyst@db.internal/shop --table events --id customer_id --time ts --print-sql

Push-down (--db): the checks and the feature query run inside the database (PostgreSQL through a read-only
session, a DuckDB file attached read-only); only one row per customer comes back. The time column must be a
timestamp, timestamptz, date or epoch-number column there. --print-sql still runs the small planning
queries (column types, as-of moment, event types), whose results are literals of the printed query.`,
  );
  cmd.action(async (events: string | undefined, flags: FeaturesOptions, self: Command) => {
    const ctx = contextFrom(self);
    const result = await runFeatures(events, flags, ctx);
    if (result.kind === 'text') ctx.print(result.text);
    else if (flags.json) ctx.printJson(result.json);
  });
}
