import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBVarCharVector } from '@duckdb/node-api';
import { Dataset, numericColumn, type Column } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { byCodePoint } from '../core/text-order.js';
import { bindings, sqlIdent, sqlString, withConnection } from '../io/duckdb.js';
import { textColumn } from '../io/read.js';
import { defaultSegmentRules } from './default-rfm-rules.js';
import { pivotNames, resolveParams, type FeatureParams, type ResolvedParams } from './params.js';
import { parseTableSql, type ParseColumns } from './parse-sql.js';
import {
  codePointOrder,
  DAY_US,
  doubleType,
  fixedColumnNames,
  featureQuery,
  type OutputColumn,
  type PivotColumn,
  type SqlDialect,
} from './sql.js';
import { openEventSource, type EventSource, type SourceOptions } from './source.js';
import { identOf, textType } from './dialect.js';
import { tableEvents, type TableTarget } from './warehouse.js';
import { idRankOrder } from '../sql/sample.js';
import { round3 } from '../core/format.js';

/** Rows left out of the features, by reason. */
export interface DroppedRows {
  reason:
    'missing_id' | 'missing_time' | 'unparseable_time' | 'missing_event' | 'negative_amount' | 'after_as_of';
  rows: number;
  /** The first such row: its 1-based data row number (header excluded) and its value. */
  example?: { row: number; value: string } | undefined;
}

/** What {@link computeFeatures} did, for `--json` and logs. */
export interface FeatureSummary {
  input: string;
  rowsIn: number;
  /** Output rows: one per customer. */
  rowsOut: number;
  /** Events before the as-of moment that feed the features (all history). */
  rowsUsed: number;
  eventsInWindow: number;
  customers: number;
  dropped: DroppedRows[];
  asOf: string;
  timezone: string;
  window: { start: string; end: string; days: number; length: string };
  firstEvent: string;
  lastEvent: string;
  purchases: string;
  sessions: string;
  eventTypes: { value: string; column: string; events: number }[];
  funnel: string[] | null;
  cartEvent: string | null;
  rfmRules: string;
  scoringRules: string | null;
  columns: OutputColumn[];
  warnings: string[];
  timings: { parseSeconds: number; featuresSeconds: number };
}

/** Result of {@link computeFeatures}: one row per customer, ordered by id, and the summary. */
export interface FeatureResult {
  dataset: Dataset;
  summary: FeatureSummary;
}

/** Options of {@link computeFeatures} that are not feature parameters. */
export interface ComputeOptions extends SourceOptions {
  logger?: Logger | undefined;
}

/** Integer ids at or above this are written as text (a double cannot hold them exactly). */
export const MAX_SAFE_ID = 2 ** 53;

let tableCounter = 0;

/**
 * Behavioural features from an event log, one row per customer: recency, frequency, monetary value, tenure,
 * sessions, event counts, funnel stage, cart abandonment, inter-purchase time, trend, RFM scores and segments,
 * and optional points scores. The event log is read and parsed once by DuckDB into a temporary table; all
 * per-event work is SQL (hash aggregation, one per-customer sort to infer sessions), so memory stays bounded
 * by DuckDB (which spills to disk) and no JavaScript object is made per event. O(n log n) time.
 * @throws UsageError for invalid parameters, time zone, as-of or rules; DataError for missing columns,
 *   unreadable input, unparseable timestamps with `strict`, non-numeric or negative amounts, or an empty window.
 */
export async function computeFeatures(
  path: string,
  params: FeatureParams,
  opts: ComputeOptions = {},
): Promise<FeatureResult> {
  return (await runOnDuckDb(
    (conn) => openEventSource(conn, path, opts),
    params,
    opts,
    false,
  )) as FeatureResult;
}

/**
 * The SQL {@link computeFeatures} would run on the event log, without running it: the time zone setting, the
 * statement parsing the log into table `segment_events`, then the feature query, each ending with `;` (runnable as a script in the
 * DuckDB shell). The log is read to plan the query: column types, the as-of moment and the event types are
 * written into it as literals. O(n) in the engine (the parse and the checks), no feature is computed.
 * @throws as {@link computeFeatures}.
 */
export async function computeFeaturesSql(
  path: string,
  params: FeatureParams,
  opts: ComputeOptions = {},
  target?: TableTarget,
): Promise<string> {
  return (await runOnDuckDb(
    (conn) => openEventSource(conn, path, opts),
    params,
    opts,
    target ?? true,
  )) as string;
}

/**
 * Features of the event source `open` returns on an embedded DuckDB connection (a file, or a table of an attached
 * DuckDB database); with `planOnly`, the SQL instead of the features. O(n log n) in the engine.
 */
export async function runOnDuckDb(
  open: (conn: DuckDBConnection) => Promise<EventSource>,
  params: FeatureParams,
  opts: ComputeOptions,
  planOnly: boolean | TableTarget,
): Promise<FeatureResult | string> {
  const p = resolveParams(params);
  if (typeof planOnly === 'object' && p.asOf === undefined) {
    throw new UsageError(
      `--as-of is needed to print the query for table ${planOnly.table}`,
      'the as-of moment of a sample is not the warehouse’s: pass e.g. --as-of 2026-11-01 (it is one line of the query to change later)',
    );
  }
  const logger = opts.logger ?? silentLogger;
  const rules = p.segmentRules ?? defaultSegmentRules();
  return withConnection(async (conn) => {
    await setTimeZone(conn, p.timezone);
    const source = await open(conn);
    const table = `segment_events_${process.pid}_${++tableCounter}`;
    try {
      const started = performance.now();
      // CSV: the time, amount, event and session columns are read as text and parsed here, so that an odd
      // value late in the file is reported (or dropped) rather than failing the read.
      const forced: string[] = [p.time, p.amount, p.event, p.session].filter((c) => c !== undefined);
      let cols: ParseColumns;
      let create: string;
      for (let attempt = 0; ; attempt++) {
        // CSV columns in `forced` are read as text; `--types col=string` makes a column text in any format.
        const described = source.columns.map((c) =>
          (source.csv && forced.includes(c.name)) || opts.textColumns?.includes(c.name)
            ? { ...c, type: 'VARCHAR' }
            : c,
        );
        cols = roleColumns(source.name, described, p);
        create = parseTableSql(
          table,
          source.relation(forced),
          cols,
          p.timeFormats,
          source.name,
          source.parsing(),
        );
        logger.log('debug', `parse statement:\n${create}`);
        try {
          await conn.run(create);
          break;
        } catch (e) {
          // An id column guessed numeric from the first rows, with text further down: read it as text.
          const bad = /Error when converting column "([^"]+)"/.exec(String(e))?.[1];
          if (source.csv && attempt === 0 && bad === p.id && !forced.includes(bad)) {
            logger.log('debug', `column '${bad}' has values that are not numbers; reading it as text`);
            forced.push(bad);
            continue;
          }
          throw await source.explain(e);
        }
      }
      const parseSeconds = (performance.now() - started) / 1000;
      const featuresStart = performance.now();
      const state = await validate(
        conn,
        table,
        cols,
        p,
        source.name,
        source.format === 'csv' || source.format === 'tsv',
      );
      const engine: FeatureEngine = {
        dialect: 'duckdb',
        eventCounts: async (sql) =>
          (await conn.runAndReadAll(sql))
            .getRows()
            .map((r) => [String(r[0]), Number(r[1])] as [string, number]),
        read: async (sql, plans) => toDataset(await conn.run(sql), plans),
      };
      const events = `(SELECT id, t, d${cols.event ? ', event' : ''}${cols.amount ? ', amount' : ''}${cols.session ? ', session' : ''} FROM ${table} WHERE ${state.usable})`;
      if (typeof planOnly === 'object') {
        // The sample gives the column types (as the table stores them: the types read before any column is
        // read as text) and the event types; the query reads the table in the target's dialect.
        const stored = roleColumns(source.name, source.columns, p);
        if (source.csv) stored.time = { ...stored.time, type: await textTimeType(conn, source, p.time) };
        const read = tableEvents(planOnly, stored, p, state.asOfUs);
        const planned = await planFeatures(engine, events, cols, p, rules, state, source.name, logger, {
          dialect: planOnly.dialect,
          events: read.events,
          preamble: read.preamble,
        });
        return [...read.setup, planned.sql].map((x) => `${x};\n`).join('\n');
      }
      const planned = await planFeatures(engine, events, cols, p, rules, state, source.name, logger);
      if (planOnly) {
        const stable = (sql: string) => sql.split(table).join('segment_events');
        const setup = source.setupSql ? `${source.setupSql};\n` : '';
        return `SET TimeZone = ${sqlString(p.timezone)};\n${setup}\n${stable(create)};\n\n${stable(planned.sql)};\n`;
      }
      const { dataset, summary } = await runPlanned(engine, planned);
      for (const w of summary.warnings) logger.log('warn', w);
      warnFutureAsOf(logger, p.asOf !== undefined, state.asOfUs, source.name);
      summary.timings = {
        parseSeconds: round3(parseSeconds),
        featuresSeconds: round3((performance.now() - featuresStart) / 1000),
      };
      return { dataset, summary };
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await source.close();
    }
  });
}

/**
 * How a table loaded from this CSV would store its time column, from the text of the values (a CSV has no
 * types, and the sniffer reads every timestamp as one with a zone): numbers are epochs (BIGINT), bare dates
 * DATE, timestamps that all carry an offset (`Z`, `+02:00`) instants, timestamps that all lack one local times
 * (TIMESTAMP), and a mix stays text the warehouse parses. O(n) in the engine.
 */
async function textTimeType(conn: DuckDBConnection, source: EventSource, column: string): Promise<string> {
  const x = `trim(CAST(${sqlIdent(column)} AS VARCHAR))`;
  const rows = (
    await conn.runAndReadAll(
      `SELECT COUNT(*) AS n, ` +
        `COUNT(*) FILTER (WHERE regexp_full_match(${x}, '[+-]?[0-9]+(\\.[0-9]+)?')) AS nums, ` +
        `COUNT(*) FILTER (WHERE regexp_full_match(${x}, '[0-9]{4}-[0-9]{2}-[0-9]{2}')) AS dates, ` +
        `COUNT(*) FILTER (WHERE regexp_matches(${x}, '[0-9](Z|[+-][0-9]{2}(:?[0-9]{2})?)$')) AS offsets ` +
        `FROM ${source.relation([column])} WHERE ${x} <> ''`,
    )
  ).getRowObjectsJson()[0] as Record<string, unknown>;
  const n = num(rows['n']);
  if (n > 0 && num(rows['nums']) === n) return 'BIGINT';
  if (n > 0 && num(rows['dates']) === n) return 'DATE';
  if (n > 0 && num(rows['offsets']) === n) return 'TIMESTAMP WITH TIME ZONE';
  if (num(rows['offsets']) === 0 && num(rows['dates']) === 0) return 'TIMESTAMP';
  return 'VARCHAR';
}

/**
 * Set the connection's time zone (IANA name).
 * @throws UsageError for an unknown zone.
 */
export async function setTimeZone(conn: DuckDBConnection, timezone: string): Promise<void> {
  try {
    await conn.run(`SET TimeZone = ${sqlString(timezone)}`);
  } catch {
    throw new UsageError(
      `unknown time zone '${timezone}'`,
      'use an IANA name such as UTC, Europe/Paris or America/New_York',
    );
  }
}

/**
 * The columns playing each role, by name, with their types.
 * @throws DataError naming the missing ones and the columns there are.
 */
export function roleColumns(
  name: string,
  columns: { name: string; type: string }[],
  p: ResolvedParams,
): ParseColumns {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const roles: [string, string | undefined][] = [
    ['--id', p.id],
    ['--time', p.time],
    ['--amount', p.amount],
    ['--event', p.event],
    ['--session', p.session],
  ];
  const missing = roles.filter(([, c]) => c !== undefined && !byName.has(c));
  if (missing.length > 0) {
    const what = missing.map(([flag, c]) => `'${c}' (${flag})`).join(', ');
    const shown =
      columns
        .slice(0, 12)
        .map((c) => c.name)
        .join(', ') + (columns.length > 12 ? ', …' : '');
    throw new DataError(`${name}: no column ${what}`, `columns: ${shown}`);
  }
  const get = (c: string | undefined) => (c === undefined ? undefined : byName.get(c));
  return {
    id: get(p.id)!,
    time: get(p.time)!,
    amount: get(p.amount),
    event: get(p.event),
    session: get(p.session),
  };
}

/** What the checks of the event log found: counts, drops, and the time bounds of the features. */
export interface ValidState {
  rowsIn: number;
  rowsUsed: number;
  eventsInWindow: number;
  dropped: DroppedRows[];
  /** SQL predicate selecting the usable rows of the parsed events (the as-of cut included). */
  usable: string;
  asOfUs: number;
  firstUs: number;
  lastUs: number;
  startUs: number;
  idAsText: boolean;
  warnings: string[];
}

async function one(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJson();
  return (rows[0] ?? {}) as Record<string, unknown>;
}

/** A SQL value as a number: NULL → NaN. */
export function num(v: unknown): number {
  return v === null || v === undefined ? NaN : Number(v);
}

async function validate(
  conn: DuckDBConnection,
  table: string,
  cols: ParseColumns,
  p: ResolvedParams,
  source: string,
  csv: boolean,
): Promise<ValidState> {
  const rowLabel = (row: number) => (csv ? `row ${row} (line ${row + 1})` : `row ${row}`);
  const counts = [
    'COUNT(*) AS rows_in',
    'SUM(CASE WHEN id IS NULL THEN 1 ELSE 0 END) AS missing_id',
    'MIN(CASE WHEN id IS NULL THEN rowid END) AS missing_id_row',
    'SUM(CASE WHEN t IS NULL AND bad_time IS NULL THEN 1 ELSE 0 END) AS missing_time',
    'MIN(CASE WHEN t IS NULL AND bad_time IS NULL THEN rowid END) AS missing_time_row',
    'SUM(CASE WHEN bad_time IS NOT NULL THEN 1 ELSE 0 END) AS bad_time',
    'MIN(CASE WHEN bad_time IS NOT NULL THEN rowid END) AS bad_time_row',
  ];
  if (cols.event) {
    counts.push(
      'SUM(CASE WHEN event IS NULL THEN 1 ELSE 0 END) AS missing_event',
      'MIN(CASE WHEN event IS NULL THEN rowid END) AS missing_event_row',
    );
  }
  if (cols.amount) {
    counts.push(
      'SUM(CASE WHEN bad_amount IS NOT NULL THEN 1 ELSE 0 END) AS bad_amount',
      'MIN(CASE WHEN bad_amount IS NOT NULL THEN rowid END) AS bad_amount_row',
      'SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS negative',
      'MIN(CASE WHEN amount < 0 THEN rowid END) AS negative_row',
      ...amountCheckSql,
    );
  }
  const idType = cols.id.type.toUpperCase();
  const wideInt = /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/.test(idType);
  if (wideInt) counts.push(`MAX(ABS(CAST(id AS DOUBLE))) AS max_id`);
  const c = await one(conn, `SELECT ${counts.join(', ')} FROM ${table}`);
  const rowsIn = num(c['rows_in']);
  if (rowsIn === 0)
    throw new DataError(`${source}: has a header but no data rows`, 'expected at least one event');
  const valueAt = async (column: string, rowid: number) =>
    String(
      (await one(conn, `SELECT CAST(${column} AS VARCHAR) AS v FROM ${table} WHERE rowid = ${rowid}`))['v'] ??
        '',
    );

  if (cols.amount) {
    const bad = num(c['bad_amount']);
    if (bad > 0) {
      const row = num(c['bad_amount_row']);
      const v = await valueAt('bad_amount', row);
      throw new DataError(
        `${source}: ${bad} amount(s) in column '${cols.amount.name}' are not numbers, e.g. '${v}' on ${rowLabel(row + 1)}`,
        /,/.test(v)
          ? 'remove thousands separators and currency signs'
          : 'amounts must be plain numbers such as 12.50',
      );
    }
  }
  const dropped: DroppedRows[] = [];
  const warnings: string[] = [];
  if (cols.amount) checkAmounts(source, cols.amount.name, c, warnings);
  const note = async (reason: DroppedRows['reason'], rows: number, rowid: number, column: string | null) => {
    if (!(rows > 0)) return;
    const example = column === null ? undefined : { row: rowid + 1, value: await valueAt(column, rowid) };
    dropped.push({ reason, rows, example });
  };
  await note('missing_id', num(c['missing_id']), num(c['missing_id_row']), 'id');
  await note('missing_time', num(c['missing_time']), num(c['missing_time_row']), 'id');
  await note('unparseable_time', num(c['bad_time']), num(c['bad_time_row']), 'bad_time');
  if (cols.event) await note('missing_event', num(c['missing_event']), num(c['missing_event_row']), 'id');
  const badTime = num(c['bad_time']);
  if (badTime > 0) {
    const d = dropped.find((x) => x.reason === 'unparseable_time')!;
    const text =
      `${badTime} timestamp(s) in column '${cols.time.name}' cannot be parsed, e.g. '${d.example!.value}' on ` +
      rowLabel(d.example!.row);
    if (badTime + num(c['missing_time']) === rowsIn) {
      throw new DataError(
        `${source}: no timestamp in column '${cols.time.name}' can be parsed, e.g. '${d.example!.value}' on ${rowLabel(d.example!.row)}`,
        'pass --time-format with a strptime format, e.g. --time-format "%d/%m/%Y %H:%M"',
      );
    }
    if (p.strict) {
      throw new DataError(
        `${source}: ${text}`,
        'pass --time-format (strptime, e.g. "%d/%m/%Y %H:%M"), or leave out --strict to drop them',
      );
    }
    warnings.push(`${source}: dropped ${text}`);
  }
  for (const d of dropped) {
    if (d.reason === 'unparseable_time') continue;
    const what = {
      missing_id: `no id (${cols.id.name})`,
      missing_time: `no time (${cols.time.name})`,
      missing_event: `no event type (${cols.event?.name})`,
    }[d.reason as 'missing_id' | 'missing_time' | 'missing_event'];
    const text = `${d.rows} row(s) have ${what}, e.g. ${rowLabel(d.example!.row)}`;
    if (p.strict)
      throw new DataError(`${source}: ${text}`, 'fix the input, or leave out --strict to drop them');
    warnings.push(`${source}: dropped ${text}`);
  }
  let usable = `id IS NOT NULL AND t IS NOT NULL${cols.event ? ' AND event IS NOT NULL' : ''}`;
  if (cols.amount) {
    const neg = num(c['negative']);
    if (neg > 0) {
      const row = num(c['negative_row']);
      const v = String(Number(await valueAt('amount', row)));
      if (p.negativeAmounts === 'error') {
        throw new DataError(
          `${source}: ${neg} negative amount(s) in column '${cols.amount.name}', e.g. ${v} on ${rowLabel(row + 1)}`,
          'refunds and corrections: filter them out first, or pass --negative-amounts drop',
        );
      }
      dropped.push({ reason: 'negative_amount', rows: neg, example: { row: row + 1, value: v } });
      warnings.push(`${source}: dropped ${neg} row(s) with a negative amount, e.g. ${rowLabel(row + 1)}`);
      usable += ' AND (amount IS NULL OR amount >= 0)';
    }
  }
  if (p.sampleCustomers !== undefined) {
    usable +=
      ` AND id IN (SELECT id FROM (SELECT DISTINCT id FROM ${table} WHERE id IS NOT NULL) ` +
      `ORDER BY ${idRankOrder('duckdb', 'id', p.seed)} LIMIT ${p.sampleCustomers})`;
  }
  const range = await one(
    conn,
    `SELECT MIN(t) AS first_us, epoch_us(CAST(MAX(d) + 1 AS TIMESTAMPTZ)) AS next_day_us FROM ${table} WHERE ${usable}`,
  );
  let asOfUs: number;
  if (p.asOf !== undefined) {
    const parsed = await one(
      conn,
      `SELECT epoch_us(TRY_CAST(${sqlString(p.asOf.trim())} AS TIMESTAMPTZ)) AS us`,
    );
    asOfUs = num(parsed['us']);
    if (!Number.isFinite(asOfUs)) {
      throw new UsageError(
        `--as-of: cannot read '${p.asOf}' as a date or timestamp`,
        'e.g. 2026-11-01 or 2026-11-01T12:00:00Z',
      );
    }
  } else {
    asOfUs = num(range['next_day_us']);
  }
  const firstUs = num(range['first_us']);
  assertUsableEvents(source, firstUs, Boolean(cols.event));
  const after = await one(
    conn,
    `SELECT COUNT(*) AS n, MIN(rowid) AS r FROM ${table} WHERE ${usable} AND t >= ${asOfUs}`,
  );
  const nAfter = num(after['n']);
  if (nAfter > 0) {
    const row = num(after['r']);
    const t = num((await one(conn, `SELECT t FROM ${table} WHERE rowid = ${row}`))['t']);
    dropped.push({ reason: 'after_as_of', rows: nAfter, example: { row: row + 1, value: iso(t) } });
  }
  const startUs = windowStart(source, firstUs, asOfUs, p.windowSeconds);
  const used = await one(
    conn,
    `SELECT COUNT(*) AS used, SUM(CASE WHEN t >= ${startUs} THEN 1 ELSE 0 END) AS win, MAX(t) AS last_before ` +
      `FROM ${table} WHERE ${usable} AND t < ${asOfUs}`,
  );
  const inWindow = num(used['win']);
  if (!(inWindow > 0)) {
    throw new DataError(
      `${source}: the window ${iso(startUs)} – ${iso(asOfUs)} holds no events (the last event before it is at ${iso(num(used['last_before']))})`,
      'widen --window or move --as-of',
    );
  }
  const idAsText = wideInt && num(c['max_id']) >= MAX_SAFE_ID;
  return {
    rowsIn,
    rowsUsed: num(used['used']),
    eventsInWindow: inWindow,
    dropped,
    usable: `${usable} AND t < ${asOfUs}`,
    asOfUs,
    firstUs,
    lastUs: num(used['last_before']),
    startUs,
    idAsText,
    warnings,
  };
}

/** Where the feature query runs: the embedded DuckDB or a database reached through `readSql`. */
export interface FeatureEngine {
  dialect: SqlDialect;
  /** Rows `[event, count]` of a two-column query. */
  eventCounts(sql: string): Promise<[string, number][]>;
  /** Run the final query (DOUBLE and text columns in `plans` order) into a Dataset typed by `plans`. */
  read(sql: string, plans: Plan[]): Promise<Dataset>;
}

/**
 * A feature query planned on one engine (the event types counted there) but written for another: the dialect,
 * the events relation and the CTEs it needs (see `tableEvents`). The as-of and window are then read from
 * columns of the events relation.
 */
export interface QueryTarget {
  dialect: SqlDialect;
  events: string;
  preamble: readonly string[];
}

/** The planned feature query: the SQL to run, how to type its result, and the summary without timings. */
export interface PlannedFeatures {
  sql: string;
  plans: Plan[];
  summary: FeatureSummary;
}

/**
 * Plan the features of the checked events relation `events` (columns id, t, d, event, amount, session): the
 * event types (one grouped count in the engine), funnel and cart defaults, the pivot columns and the feature
 * query in the engine's dialect, wrapped in the casts that make every column DOUBLE or text. O(event types) in
 * JavaScript plus one aggregation in the engine.
 * @throws DataError for an event column with too many distinct values; UsageError from the RFM rules.
 */
export async function planFeatures(
  engine: FeatureEngine,
  events: string,
  cols: ParseColumns,
  p: ResolvedParams,
  rules: ReturnType<typeof defaultSegmentRules>,
  state: ValidState,
  source: string,
  logger: Logger,
  target?: QueryTarget,
): Promise<PlannedFeatures> {
  const dialect = target?.dialect ?? engine.dialect;
  const DOUBLE = doubleType(dialect);
  const TEXT = textType(dialect);
  const sqlIdent = (name: string) => identOf(dialect, name);
  const warnings = [...state.warnings];
  // Event types: every type seen before the as-of moment (or the pinned list), sorted by code point.
  let types: { value: string; events: number }[] = [];
  if (cols.event) {
    const counted = await engine.eventCounts(
      `SELECT event, COUNT(*) AS n FROM ${events} AS ev GROUP BY event`,
    );
    const seen = new Map(counted);
    if (p.eventTypes === undefined && seen.size > p.maxEventTypes) {
      throw new DataError(
        `${source}: column '${cols.event.name}' (--event) has ${seen.size} distinct values, more than ${p.maxEventTypes}; is it the event type?`,
        'pin the types with --event-types a,b,c or raise --max-event-types',
      );
    }
    const values = p.eventTypes ? [...p.eventTypes] : [...seen.keys()].sort(byCodePoint);
    types = values.map((value) => ({ value, events: seen.get(value) ?? 0 }));
    for (const t of types)
      if (t.events === 0) warnings.push(`event type '${t.value}' (--event-types) never occurs`);
    if (!seen.has(p.purchaseEvent)) {
      warnings.push(
        `no '${p.purchaseEvent}' events in column '${cols.event.name}': frequency and monetary are 0` +
          ` (pass --purchase-event; types: ${[...seen.keys()].sort(byCodePoint).slice(0, 8).join(', ')})`,
      );
    }
  }
  const present = new Set(types.filter((t) => t.events > 0).map((t) => t.value));
  let funnel: readonly string[] | undefined = p.funnel;
  if (cols.event && funnel === undefined) {
    const guess = ['product_view', 'add_to_cart', p.purchaseEvent];
    if (guess.every((s) => present.has(s))) funnel = guess;
  }
  for (const s of p.funnel ?? []) if (!present.has(s)) warnings.push(`funnel stage '${s}' never occurs`);
  let cartEvent = p.cartEvent;
  if (cols.event && cartEvent === undefined && present.has('add_to_cart')) cartEvent = 'add_to_cart';
  if (p.cartEvent !== undefined && !present.has(p.cartEvent))
    warnings.push(`cart event '${p.cartEvent}' never occurs`);
  if (p.scoring) {
    for (const pt of p.scoring.points) {
      if (!present.has(pt.event))
        warnings.push(`${p.scoring.source}:${pt.line}: points for '${pt.event}', which never occurs`);
    }
  }
  const taken = new Set([...fixedColumnNames, p.id]);
  const names = pivotNames(
    types.map((t) => t.value),
    'events_',
    taken,
  );
  const pivot: PivotColumn[] = types.map((t, k) => ({ value: t.value, column: names[k]! }));
  const idCast =
    state.idAsText || cols.id.type.toUpperCase() === 'VARCHAR' || cols.id.type.toUpperCase() === 'UUID';
  const query = featureQuery({
    dialect,
    idText: idCast,
    events: target?.events ?? events,
    momentColumns: target !== undefined,
    preamble: target?.preamble,
    idName: p.id,
    asOfUs: state.asOfUs,
    startUs: state.startUs,
    windowed: state.startUs > state.firstUs,
    hasEvent: cols.event !== undefined,
    hasAmount: cols.amount !== undefined,
    hasSession: cols.session !== undefined,
    purchaseEvent: p.purchaseEvent,
    sessionGapUs: Math.round(p.sessionGapSeconds * 1e6),
    pivot,
    funnel,
    cartEvent,
    segmentRules: rules,
    scoring: p.scoring,
  });
  const select = [
    `CAST(${sqlIdent(p.id)} AS ${idCast ? TEXT : DOUBLE}) AS ${sqlIdent(p.id)}`,
    ...query.columns.map(
      (c) => `CAST(${sqlIdent(c.name)} AS ${c.type === 'text' ? TEXT : DOUBLE}) AS ${sqlIdent(c.name)}`,
    ),
  ];
  // The outer ORDER BY repeats the query's: a projection over an ordered subquery keeps its order in DuckDB,
  // but PostgreSQL does not promise it.
  const sql = `SELECT ${select.join(', ')} FROM (${query.sql}) AS f ORDER BY ${codePointOrder(`f.${sqlIdent(p.id)}`, idCast, dialect)}`;
  logger.log('debug', `feature query:\n${sql}`);
  const idKind = idCast ? 'string' : /INT/i.test(cols.id.type) ? 'integer' : 'double';
  const plans: Plan[] = [
    { name: p.id, kind: idKind },
    ...query.columns.map((c) => ({ name: c.name, kind: c.type === 'text' ? ('category' as const) : c.type })),
  ];
  const summary: FeatureSummary = {
    input: source,
    rowsIn: state.rowsIn,
    rowsOut: 0,
    rowsUsed: state.rowsUsed,
    eventsInWindow: state.eventsInWindow,
    customers: 0,
    dropped: state.dropped,
    asOf: iso(state.asOfUs),
    timezone: p.timezone,
    window: {
      start: iso(state.startUs),
      end: iso(state.asOfUs),
      days: round3((state.asOfUs - state.startUs) / DAY_US),
      length: p.windowSeconds !== undefined ? `${round3(p.windowSeconds / 86_400)}d` : 'all',
    },
    firstEvent: iso(state.firstUs),
    lastEvent: iso(state.lastUs),
    purchases: cols.event ? `${cols.event.name} = '${p.purchaseEvent}'` : `rows with an ${cols.amount!.name}`,
    sessions: cols.session
      ? `column ${cols.session.name}`
      : `inferred: a gap over ${round3(p.sessionGapSeconds / 60)} min starts a session`,
    eventTypes: pivot.map((c, k) => ({ value: c.value, column: c.column, events: types[k]!.events })),
    funnel: funnel ? [...funnel] : null,
    cartEvent: cartEvent ?? null,
    rfmRules: rules.source,
    scoringRules: p.scoring?.source ?? null,
    columns: [
      {
        name: p.id,
        type: idKind === 'string' ? 'text' : idKind,
        description: 'the customer id, as in the input',
      },
      ...query.columns,
    ],
    warnings,
    timings: { parseSeconds: 0, featuresSeconds: 0 },
  };
  return { sql, plans, summary };
}

/** Run a planned feature query on its engine; the summary gets the row counts. O(rows × columns) to read. */
export async function runPlanned(engine: FeatureEngine, planned: PlannedFeatures): Promise<FeatureResult> {
  const dataset = await engine.read(planned.sql, planned.plans);
  return { dataset, summary: { ...planned.summary, rowsOut: dataset.nRows, customers: dataset.nRows } };
}

/** How one result column is stored in the Dataset. */
export type Plan = { name: string; kind: 'integer' | 'double' | 'string' | 'category' };

/** Copy a materialised result (DOUBLE and VARCHAR columns, in `plans` order) into a Dataset. O(rows × columns). */
function toDataset(result: DuckDBMaterializedResult, plans: Plan[]): Dataset {
  const n = result.rowCount;
  const nums = plans.map((pl) =>
    pl.kind === 'integer' || pl.kind === 'double' ? new Float64Array(n) : undefined,
  );
  const texts = plans.map((pl) =>
    pl.kind === 'string' || pl.kind === 'category' ? new Array<string | null>(n) : undefined,
  );
  let offset = 0;
  for (let ci = 0; ci < result.chunkCount; ci++) {
    const chunk = result.getChunk(ci);
    const rows = chunk.rowCount;
    plans.forEach((_, j) => {
      const out = nums[j];
      if (out) {
        const vec = bindings.data_chunk_get_vector(chunk.chunk, j);
        const bytes = bindings.vector_get_data(vec, rows * 8);
        const values =
          bytes.byteOffset % 8 === 0
            ? new Float64Array(bytes.buffer, bytes.byteOffset, rows)
            : new Float64Array(bytes.slice().buffer, 0, rows);
        out.set(values, offset);
        const validity = bindings.vector_get_validity(vec, Math.ceil(rows / 64) * 8) as
          Uint8Array | null | undefined;
        if (validity) {
          for (let i = 0; i < rows; i++)
            if ((validity[i >> 3]! & (1 << (i & 7))) === 0) out[offset + i] = NaN;
        }
      } else {
        const vec = chunk.getColumnVector(j) as DuckDBVarCharVector;
        const t = texts[j]!;
        for (let i = 0; i < rows; i++) t[offset + i] = vec.getItem(i);
      }
    });
    offset += rows;
  }
  const columns: Column[] = plans.map((pl, j) => {
    if (pl.kind === 'integer' || pl.kind === 'double') return numericColumn(pl.name, nums[j]!, pl.kind);
    return textColumn(pl.name, texts[j]!, pl.kind === 'string' ? 'string' : 'categorical', Infinity);
  });
  return Dataset.of(columns, {}, n);
}

/** ISO-8601 text of epoch microseconds (millisecond precision). */
export function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/**
 * Refuse an event log without a single usable row (id, time and, when asked, event type), as `firstUs` (the earliest
 * usable time, NaN when none) shows. O(1).
 * @throws DataError naming the source.
 */
export function assertUsableEvents(source: string, firstUs: number, needsEvent: boolean): void {
  if (!Number.isFinite(firstUs)) {
    throw new DataError(
      `${source}: no usable events (every row lacks an id, a time${needsEvent ? ' or an event type' : ''})`,
    );
  }
}

/**
 * Where the observation window starts (µs): `windowSeconds` before the as-of moment, else at the first event. O(1).
 * @throws DataError naming the source when no event comes before the as-of moment.
 */
export function windowStart(
  source: string,
  firstUs: number,
  asOfUs: number,
  windowSeconds: number | undefined,
): number {
  if (firstUs >= asOfUs) {
    throw new DataError(
      `${source}: no events before the as-of moment ${iso(asOfUs)} (the first is at ${iso(firstUs)})`,
      'pass a later --as-of',
    );
  }
  return windowSeconds !== undefined ? asOfUs - Math.round(windowSeconds * 1e6) : firstUs;
}

/**
 * Largest amount the feature query sums: sums are exact `DECIMAL(38, 9)` (order-independent), which holds about
 * 1e29, so single amounts are kept far below it.
 */
export const maxAmount = 1e20;

/** SQL aggregates over the raw `amount` column that {@link checkAmounts} reads: values present, largest value. */
export const amountCheckSql = ['COUNT(amount) AS n_amount', 'MAX(amount) AS max_amount'];

/**
 * Check the amounts found by {@link amountCheckSql}: values too large to sum are refused, and a column without a
 * single value is reported (monetary features then come out 0, as a sum over nothing does). O(1).
 * @throws DataError naming the column when an amount reaches {@link maxAmount}.
 */
export function checkAmounts(
  source: string,
  column: string,
  counts: Record<string, unknown>,
  warnings: string[],
): void {
  const max = num(counts['max_amount']);
  if (max >= maxAmount) {
    throw new DataError(
      `${source}: ${column}: sum overflows: amounts up to ${sci(max)} are too large to sum exactly (monetary sums hold amounts below ${sci(maxAmount)})`,
      'check the column: amounts this large are usually a unit or parsing error',
    );
  }
  if (!(num(counts['n_amount']) > 0)) {
    warnings.push(
      `${source}: column '${column}' (--amount) has no values: monetary features (monetary, avg_basket, max_basket, m_score) are 0 or missing`,
    );
  }
}

/** 1e308, 1.5e20: a large number in short scientific notation. */
function sci(x: number): string {
  return x.toExponential().replace('e+', 'e');
}

/**
 * Warn when the as-of moment was not given and, taken from the events (the day after the last one), lies after
 * `nowMs` (today's wall clock): a mistyped future date then moves every recency. Logged only, never written into an
 * output, so outputs stay independent of the clock. O(1).
 */
export function warnFutureAsOf(
  logger: Logger,
  asOfGiven: boolean,
  asOfUs: number,
  source: string,
  nowMs = Date.now(),
): void {
  if (asOfGiven || !(asOfUs / 1000 > nowMs + 86_400_000)) return;
  logger.log(
    'warn',
    `${source}: the as-of date defaults to the day after the last event, ${iso(asOfUs).slice(0, 10)}, which is later than today: an event may be mistakenly dated in the future; pass --as-of to set the date`,
  );
}
