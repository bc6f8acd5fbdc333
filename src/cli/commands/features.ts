import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { defaultSegmentRulesYaml } from '../../features/default-rfm-rules.js';
import { computeFeatures, computeFeaturesSql, type FeatureResult } from '../../features/events.js';
import { computeFeaturesInDatabase, computeFeaturesInDatabaseSql } from '../../features/pushdown.js';
import { redactUrl } from '../../io/sql.js';
import { parseDuration } from '../../features/params.js';
import { loadRules, parseScoringRules, parseSegmentRules } from '../../features/rules.js';
import { contextFrom } from '../context.js';
import { addInputOptions, type InputFlags } from '../io-options.js';
import { checkedText, dbUrl, describeParser, intAtLeast, list } from '../options.js';
import { round3 } from '../../core/format.js';

interface FeaturesFlags extends InputFlags {
  id?: string;
  time?: string;
  amount?: string;
  event?: string;
  session?: string;
  purchaseEvent?: string;
  cartEvent?: string;
  funnel?: string[];
  eventTypes?: string[];
  maxEventTypes: number;
  asOf?: string;
  window?: string;
  timezone: string;
  timeFormat?: string[];
  sessionGap: string;
  strict?: boolean;
  negativeAmounts: 'error' | 'drop';
  rfmRules?: string;
  printRfmRules?: boolean;
  rules?: string;
  output?: string;
  json?: boolean;
  raw?: boolean;
  db?: string;
  table?: string;
  printSql?: boolean;
}

const collect = describeParser(
  (v: string, prev: string[] = []): string[] => {
    if (v.trim() === '')
      throw new InvalidArgumentError('expected a strptime format such as "%d/%m/%Y %H:%M".');
    return [...prev, v];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** `segment features <events>`: one row of behavioural features per customer from an event log. */
export function registerFeatures(program: Command): void {
  const cmd = program
    .command('features')
    .description(
      'one row of behavioural features per customer from an event log (RFM, sessions, funnel, points)',
    )
    .argument('[events]', 'event log file, or - for CSV on stdin (none with --db)')
    .option(
      '--db <url>',
      'compute inside the database holding the events (push-down): postgres://user@host:5432/db, duckdb:///file.duckdb (or a .duckdb path), or $VARIABLE holding one',
      dbUrl,
    )
    .option('--table <name>', 'with --db: the events table (table or schema.table)')
    .option(
      '--print-sql',
      'print the feature SQL (DuckDB for files, PostgreSQL with a postgres:// --db) instead of computing; writes nothing',
    )
    .option('--id <col>', 'customer id column (required)')
    .option('--time <col>', 'event time column (required): ISO-8601, common formats, epoch numbers')
    .option('--amount <col>', 'purchase amount column (monetary features)')
    .option('--event <col>', 'event type column (event counts, funnel, cart abandonment, points)')
    .option('--session <col>', 'session id column (default: sessions inferred from --session-gap)')
    .option(
      '--purchase-event <type>',
      "event type of purchases (default 'purchase'; without --event: rows with an amount)",
    )
    .option('--cart-event <type>', "event type of add-to-cart (default 'add_to_cart' when it occurs)")
    .option('--funnel <types>', 'funnel stages in order, e.g. product_view,add_to_cart,purchase', list)
    .option('--event-types <types>', 'pin the events_<type> columns to these types (stable schema)', list)
    .option('--max-event-types <n>', 'refuse an --event column with more distinct values', intAtLeast(1), 200)
    .option(
      '--as-of <date>',
      'compute as of this date (its midnight) or timestamp; later events are left out (default: the midnight after the last event)',
    )
    .option(
      '--window <length>',
      'observation window before --as-of, e.g. 90d, 12w, 36h, or all',
      checkedText((v) => v === 'all' || parseDuration(v, '--window'), { type: 'string' }),
      'all',
    )
    .option(
      '--timezone <tz>',
      'IANA zone of timestamps without an offset, of dates and of calendar days',
      'UTC',
    )
    .option(
      '--time-format <fmt>',
      'strptime format tried first on text times (repeatable), e.g. "%d/%m/%Y %H:%M"',
      collect,
    )
    .option(
      '--session-gap <length>',
      'inactivity that starts a new inferred session',
      checkedText((v) => parseDuration(v, '--session-gap'), { type: 'string' }),
      '30min',
    )
    .option(
      '--strict',
      'fail on rows with a missing id or a missing or unparseable time (default: drop and warn)',
    )
    .addOption(
      new Option(
        '--negative-amounts <action>',
        'negative amounts (refunds): refuse the input or drop those rows',
      )
        .choices(['error', 'drop'])
        .default('error'),
    )
    .option('--rfm-rules <file>', 'YAML rules naming the RFM segments (default: the built-in rules)')
    .option('--print-rfm-rules', 'print the built-in RFM segment rules (YAML) to start your own, and exit')
    .option(
      '--rules <file>',
      'YAML points scoring: points per event type, decay, tiers → score and tier columns',
    )
    .option('-o, --output <path>', 'features file: .parquet (default), .csv or .json; - writes CSV to stdout')
    .option(
      '--json',
      'print a summary (rows in/out, customers, dropped rows, as-of, window, columns, timings) on stdout',
    )
    .option(
      '--raw',
      "write CSV text cells as they are (default: cells starting with = + - @ get a leading ')",
    );
  addInputOptions(cmd).addHelpText(
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
  cmd.action(async (events: string | undefined, flags: FeaturesFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (flags.printRfmRules) {
      ctx.print(defaultSegmentRulesYaml);
      return;
    }
    if (flags.db !== undefined) {
      const shown = redactUrl(flags.db);
      if (events !== undefined)
        throw new UsageError(
          `features takes an event log file or --db ${shown}, not both`,
          'with --db, name the table: --table events',
        );
      if (flags.table === undefined || flags.table.trim() === '')
        throw new UsageError(
          `features --db ${shown} needs --table NAME`,
          'the table holding the events, e.g. --table events',
        );
      const fileOnly = (['format', 'delimiter', 'types'] as const).filter((k) => flags[k] !== undefined);
      if (fileOnly.length > 0)
        throw new UsageError(
          `--${fileOnly[0]} reads files; it does not apply with --db`,
          'the database gives the column types',
        );
    } else {
      if (flags.table !== undefined)
        throw new UsageError('--table needs --db URL', 'e.g. --db postgres://user@host/db --table events');
      if (events === undefined)
        throw new UsageError(
          'features needs an event log',
          'segment features events.csv --id COL --time COL -o features.parquet, or --db URL --table events',
        );
    }
    const missing = (['id', 'time'] as const).filter((k) => flags[k] === undefined).map((k) => `--${k}`);
    if (missing.length > 0)
      throw new UsageError(
        `features needs ${missing.join(' and ')}`,
        'name the customer id and event time columns',
      );
    if (!flags.output && !flags.json && !flags.printSql) {
      throw new UsageError('features writes nothing without -o or --json', 'add -o features.parquet');
    }
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    if (flags.printSql && (flags.output !== undefined || flags.json))
      throw new UsageError('--print-sql prints the query and computes nothing; leave out -o and --json');
    const textColumns: string[] = [];
    for (const [col, type] of Object.entries(flags.types ?? {})) {
      if (type !== 'string' && type !== 'categorical') {
        throw new UsageError(
          `--types ${col}=${type}: features only forces columns to text (string), e.g. ids with leading zeros`,
          'times, amounts and event types are parsed by features itself',
        );
      }
      textColumns.push(col);
    }
    const out = await ctx.outputs(
      [
        { flag: 'input', path: events },
        { flag: '--db', path: flags.db !== undefined && !flags.db.includes('://') && flags.db },
        { flag: '--rules', path: flags.rules },
        { flag: '--rfm-rules', path: flags.rfmRules },
      ],
      [{ flag: '-o', path: flags.output }],
    );
    const windowSeconds =
      flags.window === undefined || flags.window === 'all'
        ? undefined
        : parseDuration(flags.window, '--window');
    const sessionGapSeconds = parseDuration(flags.sessionGap, '--session-gap');
    const segmentRules = flags.rfmRules
      ? await loadRules(flags.rfmRules, '--rfm-rules', parseSegmentRules)
      : undefined;
    const scoring = flags.rules ? await loadRules(flags.rules, '--rules', parseScoringRules) : undefined;
    const started = performance.now();
    const params = {
      id: flags.id!,
      time: flags.time!,
      amount: flags.amount,
      event: flags.event,
      session: flags.session,
      purchaseEvent: flags.purchaseEvent,
      cartEvent: flags.cartEvent,
      funnel: flags.funnel,
      eventTypes: flags.eventTypes,
      maxEventTypes: flags.maxEventTypes,
      asOf: flags.asOf,
      windowSeconds,
      timezone: flags.timezone,
      timeFormats: [...(flags.timeFormat ?? []), ...(flags.dateFormat ?? [])],
      sessionGapSeconds,
      strict: flags.strict,
      negativeAmounts: flags.negativeAmounts,
      segmentRules,
      scoring,
      sampleCustomers: flags.sample,
      seed: ctx.seed,
    };
    const fileOpts = {
      format: flags.format,
      delimiter: flags.delimiter,
      encoding: flags.encoding,
      naValues: flags.naValues,
      defaultNa: flags.defaultNa,
      decimal: flags.decimal,
      thousands: flags.thousands,
      sheet: flags.sheet,
      textColumns,
      stdin: ctx.stdin,
      logger: ctx.logger,
    };
    if (flags.printSql) {
      const sql =
        flags.db !== undefined
          ? await computeFeaturesInDatabaseSql(flags.db, flags.table!, params, { logger: ctx.logger })
          : await computeFeaturesSql(events!, params, fileOpts);
      ctx.print(sql);
      return;
    }
    const { dataset, summary }: FeatureResult =
      flags.db !== undefined
        ? await computeFeaturesInDatabase(flags.db, flags.table!, params, { logger: ctx.logger })
        : await computeFeatures(events!, params, fileOpts);
    const writeStart = performance.now();
    if (flags.output) await out.writeDataset('-o', dataset, { raw: flags.raw });
    await out.commit();
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      ctx.printJson({
        ...summary,
        output: flags.output ?? null,
        timings: { ...summary.timings, writeSeconds: round3(writeSeconds), totalSeconds: round3(seconds) },
      });
    }
    if (flags.output !== '-') {
      const dropped = summary.dropped.reduce((s, d) => s + d.rows, 0);
      ctx.logger.log(
        'info',
        `${summary.customers.toLocaleString('en-US')} customers × ${dataset.nCols} columns from ` +
          `${summary.rowsUsed.toLocaleString('en-US')} events as of ${summary.asOf.slice(0, 10)}` +
          (dropped > 0 ? ` (${dropped.toLocaleString('en-US')} rows left out)` : '') +
          (flags.output ? ` → ${flags.output}` : '') +
          ` (${seconds.toFixed(2)} s)`,
      );
    }
  });
}
