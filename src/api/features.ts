import type { Dataset } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import { withProgress } from '../core/logger.js';
import {
  checkedText,
  dbUrl,
  describeParser,
  intAtLeast,
  InvalidValueError,
  list,
  type Param,
} from '../core/params.js';
import { defaultSegmentRulesYaml } from '../features/default-rfm-rules.js';
import {
  computeFeatures,
  computeFeaturesSql,
  type FeatureResult,
  type FeatureSummary,
} from '../features/events.js';
import { parseDuration, type FeatureParams } from '../features/params.js';
import { computeFeaturesInDatabase, computeFeaturesInDatabaseSql } from '../features/pushdown.js';
import { loadRules, parseScoringRules, parseSegmentRules } from '../features/rules.js';
import { inputParams, type InputOptions } from '../io/read-params.js';
import { parseDbUrl, redactUrl } from '../io/sql.js';
import { sqlDialects, type SqlDialectName } from '../sql/dialects.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** `--time-format`: one strptime format per occurrence (repeatable). */
const timeFormats = describeParser(
  (v: string, prev: string[] = []): string[] => {
    if (v.trim() === '') throw new InvalidValueError('expected a strptime format such as "%d/%m/%Y %H:%M".');
    return [...prev, v];
  },
  { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  true,
);

/** Parameters of `segment features` (the shared input flags last). */
export const featuresParams: readonly Param[] = [
  {
    flags: '--db <url>',
    help: 'compute inside the database holding the events (push-down): postgres://user@host:5432/db, duckdb:///file.duckdb (or a .duckdb path), or $VARIABLE holding one',
    parse: dbUrl,
    pipeline: false,
  },
  {
    flags: '--table <name>',
    help: 'with --db: the events table (table or schema.table); with a file and --print-sql: the warehouse table the query reads (project.dataset.events)',
    pipeline: false,
  },
  {
    flags: '--print-sql',
    help: 'print the feature SQL (DuckDB for files, PostgreSQL with a postgres:// --db, or --dialect for --table) instead of computing; writes nothing',
    pipeline: false,
  },
  {
    flags: '--dialect <name>',
    help: 'with --print-sql --table: the SQL dialect of the query (planned from the file or database given)',
    choices: sqlDialects,
    pipeline: false,
  },
  { flags: '--id <col>', help: 'customer id column (required)' },
  { flags: '--time <col>', help: 'event time column: ISO-8601, common formats, epoch numbers (required)' },
  { flags: '--amount <col>', help: 'purchase amount column (monetary features)' },
  { flags: '--event <col>', help: 'event type column (event counts, funnel, cart abandonment, points)' },
  { flags: '--session <col>', help: 'session id column (default: sessions inferred from --session-gap)' },
  {
    flags: '--purchase-event <type>',
    help: 'event type of purchases (default: purchase; without --event: rows with an amount)',
  },
  { flags: '--cart-event <type>', help: 'event type of add-to-cart (default: add_to_cart, when it occurs)' },
  {
    flags: '--funnel <types>',
    help: 'funnel stages in order, e.g. product_view,add_to_cart,purchase (default: product_view, add_to_cart and the purchase event, when all occur)',
    parse: list,
  },
  {
    flags: '--event-types <types>',
    help: 'pin the events_<type> columns to these types (stable schema)',
    parse: list,
  },
  {
    flags: '--max-event-types <n>',
    help: 'refuse an --event column with more distinct values',
    parse: intAtLeast(1),
    default: 200,
  },
  {
    flags: '--as-of <date>',
    help: 'compute as of this date (its midnight) or timestamp; later events are left out (default: the midnight after the last event)',
  },
  {
    flags: '--window <length>',
    help: 'observation window before --as-of, e.g. 90d, 12w, 36h, or all',
    parse: checkedText((v) => v === 'all' || parseDuration(v, '--window'), { type: 'string' }),
    default: 'all',
  },
  {
    flags: '--timezone <tz>',
    help: 'IANA zone of timestamps without an offset, of dates and of calendar days',
    default: 'UTC',
  },
  {
    flags: '--time-format <fmt>',
    help: 'strptime format tried first on text times (repeatable), e.g. "%d/%m/%Y %H:%M"',
    parse: timeFormats,
  },
  {
    flags: '--session-gap <length>',
    help: 'inactivity that starts a new inferred session',
    parse: checkedText((v) => parseDuration(v, '--session-gap'), { type: 'string' }),
    default: '30min',
  },
  {
    flags: '--strict',
    help: 'fail on rows with a missing id or a missing or unparseable time (default: drop and warn)',
  },
  {
    flags: '--negative-amounts <action>',
    help: 'negative amounts (refunds): refuse the input or drop those rows',
    choices: ['error', 'drop'],
    default: 'error',
  },
  { flags: '--rfm-rules <file>', help: 'YAML rules naming the RFM segments (default: the built-in rules)' },
  {
    flags: '--print-rfm-rules',
    help: 'print the built-in RFM segment rules (YAML) to start your own, and exit',
    pipeline: false,
  },
  {
    flags: '--rules <file>',
    help: 'YAML points scoring: points per event type, decay, tiers → score and tier columns',
  },
  {
    flags: '-o, --output <path>',
    help: 'features file (.parquet, .csv, .json; - = CSV on stdout)',
    pipeline: false,
  },
  {
    flags: '--json',
    help: 'print a summary (rows in/out, customers, dropped rows, as-of, window, columns, timings) as JSON on stdout',
    pipeline: false,
  },
  {
    flags: '--raw',
    help: "write CSV text cells as they are (default: cells starting with = + - @ get a leading ')",
    pipeline: false,
  },
  ...inputParams,
];

/** Options of `segment features` (attribute names as the CLI makes them). */
export interface FeaturesOptions extends InputOptions {
  id?: string;
  time?: string;
  amount?: string;
  event?: string;
  session?: string;
  purchaseEvent?: string;
  cartEvent?: string;
  funnel?: string[];
  eventTypes?: string[];
  maxEventTypes?: number;
  asOf?: string;
  window?: string;
  timezone?: string;
  timeFormat?: string[];
  sessionGap?: string;
  strict?: boolean;
  negativeAmounts?: 'error' | 'drop';
  rfmRules?: string;
  printRfmRules?: boolean;
  rules?: string;
  output?: string;
  json?: boolean;
  raw?: boolean;
  db?: string;
  table?: string;
  printSql?: boolean;
  dialect?: SqlDialectName;
}

/**
 * What `segment features` did: with `--print-rfm-rules` or `--print-sql`, only a text to print (nothing computed or
 * written); otherwise the features, their summary, and what `--json` prints.
 */
export type FeaturesResult =
  | { kind: 'text'; text: string }
  | {
      kind: 'features';
      dataset: Dataset;
      summary: FeatureSummary;
      output: string | null;
      seconds: number;
      /** The summary `--json` prints: rows in and out, customers, dropped rows, as-of, window, columns, timings. */
      json: Record<string, unknown>;
    };

/**
 * Check that the event source flags go together: a file or `--db` with `--table`, `--id` and `--time`, something to
 * write, and `--types` only forcing text columns (returned).
 * @throws UsageError naming the flags.
 */
function checkFeaturesOptions(events: string | undefined, o: FeaturesOptions): string[] {
  if (o.db !== undefined) {
    const shown = redactUrl(o.db);
    if (events !== undefined)
      throw new UsageError(
        `features takes an event log file or --db ${shown}, not both`,
        'with --db, name the table: --table events',
      );
    if (o.table === undefined || o.table.trim() === '')
      throw new UsageError(
        `features --db ${shown} needs --table NAME`,
        'the table holding the events, e.g. --table events',
      );
    const fileOnly = (['format', 'delimiter', 'types'] as const).filter((k) => o[k] !== undefined);
    if (fileOnly.length > 0)
      throw new UsageError(
        `--${fileOnly[0]} reads files; it does not apply with --db`,
        'the database gives the column types',
      );
  } else {
    if (o.table !== undefined && !o.printSql)
      throw new UsageError(
        '--table needs --db URL, or --print-sql to print the query for a warehouse table',
        'e.g. --db postgres://user@host/db --table events',
      );
    if (o.table !== undefined && o.table.trim() === '') throw new UsageError('--table needs a table name');
    if (o.dialect !== undefined && o.dialect !== 'duckdb' && o.table === undefined)
      throw new UsageError(
        `--dialect ${o.dialect} writes the query for a table: name it with --table`,
        'e.g. --print-sql --dialect bigquery --table project.dataset.events',
      );
    if (events === undefined)
      throw new UsageError(
        'features needs an event log',
        'segment features events.csv --id COL --time COL -o features.parquet, or --db URL --table events',
      );
  }
  const missing = (['id', 'time'] as const).filter((k) => o[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0)
    throw new UsageError(
      `features needs ${missing.join(' and ')}`,
      'name the customer id and event time columns',
    );
  if (!o.output && !o.json && !o.printSql) {
    throw new UsageError('features writes nothing without -o or --json', 'add -o features.parquet');
  }
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  if (o.dialect !== undefined && !o.printSql)
    throw new UsageError('--dialect applies to --print-sql', 'add --print-sql --table NAME');
  if (o.printSql && (o.output !== undefined || o.json))
    throw new UsageError('--print-sql prints the query and computes nothing; leave out -o and --json');
  const textColumns: string[] = [];
  for (const [col, type] of Object.entries(o.types ?? {})) {
    if (type !== 'string' && type !== 'categorical') {
      throw new UsageError(
        `--types ${col}=${type}: features only forces columns to text (string), e.g. ids with leading zeros`,
        'times, amounts and event types are parsed by features itself',
      );
    }
    textColumns.push(col);
  }
  return textColumns;
}

/**
 * `segment features`: one row of behavioural features per customer from an event log file (or inside the
 * database holding it, with `--db`), written to `output`.
 * @example
 * const r = await runFeatures('events.csv', { id: 'customer_id', time: 'ts', amount: 'amount', output: 'features.parquet' }, stepEnv());
 * if (r.kind === 'features') console.log(r.summary.customers);
 */
export async function runFeatures(
  events: string | undefined,
  o: FeaturesOptions,
  env: StepEnv,
): Promise<FeaturesResult> {
  if (o.printRfmRules) return { kind: 'text', text: defaultSegmentRulesYaml };
  const textColumns = checkFeaturesOptions(events, o);
  const out = await env.outputs(
    [
      { flag: 'input', path: events },
      { flag: '--db', path: o.db !== undefined && !o.db.includes('://') && o.db },
      { flag: '--rules', path: o.rules },
      { flag: '--rfm-rules', path: o.rfmRules },
    ],
    [{ flag: '-o', path: o.output }],
  );
  try {
    const windowSeconds =
      o.window === undefined || o.window === 'all' ? undefined : parseDuration(o.window, '--window');
    const sessionGapSeconds = parseDuration(o.sessionGap ?? '30min', '--session-gap');
    const segmentRules = o.rfmRules
      ? await loadRules(o.rfmRules, '--rfm-rules', parseSegmentRules)
      : undefined;
    const scoring = o.rules ? await loadRules(o.rules, '--rules', parseScoringRules) : undefined;
    const started = performance.now();
    const params: FeatureParams = {
      id: o.id!,
      time: o.time!,
      amount: o.amount,
      event: o.event,
      session: o.session,
      purchaseEvent: o.purchaseEvent,
      cartEvent: o.cartEvent,
      funnel: o.funnel,
      eventTypes: o.eventTypes,
      maxEventTypes: o.maxEventTypes ?? 200,
      asOf: o.asOf,
      windowSeconds,
      timezone: o.timezone ?? 'UTC',
      timeFormats: [...(o.timeFormat ?? []), ...(o.dateFormat ?? [])],
      sessionGapSeconds,
      strict: o.strict,
      negativeAmounts: o.negativeAmounts ?? 'error',
      segmentRules,
      scoring,
      sampleCustomers: o.sample,
      seed: env.seed,
    };
    const fileOpts = {
      format: o.format,
      delimiter: o.delimiter,
      encoding: o.encoding,
      naValues: o.naValues,
      defaultNa: o.defaultNa,
      decimal: o.decimal,
      thousands: o.thousands,
      sheet: o.sheet,
      textColumns,
      stdin: env.stdin,
      logger: env.logger,
    };
    if (o.printSql) {
      let text: string;
      if (o.db !== undefined) {
        const isDuckDb = parseDbUrl(o.db).kind === 'duckdb';
        const target =
          o.dialect !== undefined && (o.dialect !== 'postgres' || isDuckDb)
            ? { dialect: o.dialect, table: o.table! }
            : undefined;
        text = await computeFeaturesInDatabaseSql(o.db, o.table!, params, { logger: env.logger }, target);
      } else {
        const target = o.table !== undefined ? { dialect: o.dialect ?? 'duckdb', table: o.table } : undefined;
        text = await computeFeaturesSql(pathIn(env, events!), params, fileOpts, target);
      }
      return { kind: 'text', text };
    }
    const { dataset, summary }: FeatureResult = await withProgress(env.logger, 'computing features', () =>
      o.db !== undefined
        ? computeFeaturesInDatabase(o.db, o.table!, params, { logger: env.logger })
        : computeFeatures(pathIn(env, events!), params, fileOpts),
    );
    const writeStart = performance.now();
    if (o.output) {
      const label = `writing ${dataset.nRows.toLocaleString('en-US')} rows`;
      await withProgress(env.logger, label, () => out.writeDataset('-o', dataset, { raw: o.raw }));
    }
    await out.commit();
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const seconds = (performance.now() - started) / 1000;
    const json = {
      ...summary,
      output: o.output ?? null,
      timings: { ...summary.timings, writeSeconds: round3(writeSeconds), totalSeconds: round3(seconds) },
    };
    if (o.output !== '-') {
      const dropped = summary.dropped.reduce((s, d) => s + d.rows, 0);
      env.logger.log(
        'info',
        `${summary.customers.toLocaleString('en-US')} customers × ${dataset.nCols} columns from ` +
          `${summary.rowsUsed.toLocaleString('en-US')} events as of ${summary.asOf.slice(0, 10)}` +
          (dropped > 0 ? ` (${dropped.toLocaleString('en-US')} rows left out)` : '') +
          (o.output ? ` → ${o.output}` : '') +
          ` (${seconds.toFixed(2)} s)`,
      );
    }
    return { kind: 'features', dataset, summary, output: o.output ?? null, seconds, json };
  } finally {
    await out.abort();
  }
}

/** `segment features` as a pipeline step: `run(eventsPath, options, env)`. */
export const featuresCommand: StepCommand<FeaturesOptions, FeaturesResult> = {
  name: 'features',
  params: featuresParams,
  run: runFeatures,
};
