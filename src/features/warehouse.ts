import { UsageError } from '../core/errors.js';
import { parseTableName } from '../sql/dialects.js';
import { doubleType, identOf, stringOf, textType, type SqlDialect } from './dialect.js';
import { NUMERIC, type ParseColumns } from './parse-sql.js';
import { DAY_US } from './sql.js';
import type { ResolvedParams } from './params.js';

/**
 * Where a printed feature query runs: a table of a database in one of the dialects (`project.dataset.events`,
 * `shop.events`, `events`), planned from a local file or sample of the same log.
 */
export interface TableTarget {
  dialect: SqlDialect;
  table: string;
}

/** What the feature query needs to read a warehouse table: statements before it, CTEs, the events relation. */
export interface TableEvents {
  /** Session settings that must run first (the time zone), each a whole statement without `;`. */
  setup: string[];
  /** Common table expressions: `params`, `raw`, `parsed`, `moments`. */
  preamble: string[];
  /** The events relation (id, t, d, event, amount, session and the moment columns) over them. */
  events: string;
}

/** How the warehouse stores the time column, as the sample's type says. */
type TimeKind = 'instant' | 'local' | 'date' | 'epoch' | 'text';

function timeKind(type: string, name: string): TimeKind {
  const t = type.toUpperCase();
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return 'instant';
  if (t.startsWith('TIMESTAMP')) return 'local';
  if (t === 'DATE') return 'date';
  if (NUMERIC.test(t)) return 'epoch';
  if (t === 'VARCHAR') return 'text';
  throw new UsageError(`column '${name}' (--time) is ${type}, which does not hold times`);
}

/**
 * The time column as an instant (a timestamp with a time zone), per dialect, from how it is stored. Values
 * without an offset are local times in the session time zone {@link sessionSetup} sets (BigQuery: the zone is
 * passed to each function). Engines' references:
 * - DuckDB: casts to TIMESTAMPTZ use the TimeZone setting (https://duckdb.org/docs/sql/data_types/timestamp).
 * - PostgreSQL: `timestamp AT TIME ZONE zone` gives the timestamptz of that local time
 *   (https://www.postgresql.org/docs/current/functions-datetime.html#FUNCTIONS-DATETIME-ZONECONVERT).
 * - BigQuery: `TIMESTAMP(datetime | date | string, time_zone)`
 *   (https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#timestamp), the SAFE.
 *   prefix gives NULL for an unreadable string (https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-reference#safe_prefix).
 * - Snowflake: casting TIMESTAMP_NTZ or DATE to TIMESTAMP_TZ uses the session TIMEZONE; TRY_TO_TIMESTAMP_TZ
 *   reads ISO-8601 text or gives NULL (https://docs.snowflake.com/en/sql-reference/functions/try_to_timestamp).
 * - Spark SQL: TIMESTAMP is an instant; casts from dates, TIMESTAMP_NTZ and text without an offset use
 *   spark.sql.session.timeZone (https://spark.apache.org/docs/latest/sql-ref-datatypes.html), TRY_CAST gives NULL
 *   on failure (https://spark.apache.org/docs/latest/api/sql/index.html#try_cast).
 */
function instantSql(dialect: SqlDialect, kind: TimeKind, col: string, tz: string): string {
  const zone = stringOf(dialect, tz);
  const double = doubleType(dialect);
  if (kind === 'epoch') {
    // `col` is already epoch microseconds here (see epochMicrosSql).
    switch (dialect) {
      case 'duckdb':
      case 'postgres':
        return `to_timestamp(CAST(${col} AS ${double}) / 1000000)`;
      case 'bigquery':
        return `TIMESTAMP_MICROS(${col})`;
      case 'snowflake':
        return `TO_TIMESTAMP_TZ(${col}, 6)`;
      case 'spark':
        return `timestamp_micros(${col})`;
    }
  }
  switch (dialect) {
    case 'duckdb':
      return kind === 'instant'
        ? col
        : kind === 'text'
          ? `TRY_CAST(trim(${col}) AS TIMESTAMPTZ)`
          : `CAST(${col} AS TIMESTAMPTZ)`;
    case 'postgres':
      if (kind === 'instant') return col;
      if (kind === 'local') return `(${col} AT TIME ZONE ${zone})`;
      if (kind === 'date') return `(CAST(${col} AS TIMESTAMP) AT TIME ZONE ${zone})`;
      return `CAST(NULLIF(trim(${col}), '') AS TIMESTAMPTZ)`;
    case 'bigquery':
      if (kind === 'instant') return col;
      if (kind === 'text') return `SAFE.TIMESTAMP(TRIM(${col}), ${zone})`;
      return `TIMESTAMP(${col}, ${zone})`;
    case 'snowflake':
      if (kind === 'instant') return col;
      if (kind === 'text') return `TRY_TO_TIMESTAMP_TZ(TRIM(${col}))`;
      return `CAST(${col} AS TIMESTAMP_TZ)`;
    case 'spark':
      if (kind === 'instant') return col;
      if (kind === 'text') return `TRY_CAST(TRIM(${col}) AS TIMESTAMP)`;
      return `CAST(${col} AS TIMESTAMP)`;
  }
}

/** Epoch microseconds of a number of seconds, or of milliseconds from 1e11 on (the rule of the file reader). */
function epochMicrosSql(dialect: SqlDialect, col: string): string {
  const x = `CAST(${col} AS ${doubleType(dialect)})`;
  return `CAST(ROUND(CASE WHEN ABS(${x}) >= 1e11 THEN ${x} * 1000 ELSE ${x} * 1000000 END) AS BIGINT)`;
}

/**
 * Epoch microseconds of an instant:
 * DuckDB `epoch_us` (https://duckdb.org/docs/sql/functions/timestamptz), PostgreSQL `EXTRACT(EPOCH …)` (exact
 * NUMERIC from version 14), BigQuery `UNIX_MICROS`
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#unix_micros), Snowflake
 * `DATE_PART(EPOCH_MICROSECOND, …)` (https://docs.snowflake.com/en/sql-reference/functions/date_part), Spark
 * `unix_micros` (https://spark.apache.org/docs/latest/api/sql/index.html#unix_micros).
 */
function epochUsSql(dialect: SqlDialect, ts: string): string {
  switch (dialect) {
    case 'duckdb':
      return `epoch_us(${ts})`;
    case 'postgres':
      return `CAST(ROUND(EXTRACT(EPOCH FROM ${ts}) * 1000000) AS BIGINT)`;
    case 'bigquery':
      return `UNIX_MICROS(${ts})`;
    case 'snowflake':
      return `DATE_PART(EPOCH_MICROSECOND, ${ts})`;
    case 'spark':
      return `unix_micros(${ts})`;
  }
}

/**
 * The calendar day of an instant in time zone `tz`: DuckDB and Spark cast in the session time zone, PostgreSQL
 * `AT TIME ZONE`, BigQuery `DATE(timestamp, time_zone)`
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/date_functions#date), Snowflake
 * `CONVERT_TIMEZONE(target, timestamp_tz)` (https://docs.snowflake.com/en/sql-reference/functions/convert_timezone).
 */
function localDateSql(dialect: SqlDialect, ts: string, tz: string): string {
  const zone = stringOf(dialect, tz);
  switch (dialect) {
    case 'duckdb':
    case 'spark':
      return `CAST(${ts} AS DATE)`;
    case 'postgres':
      return `CAST(${ts} AT TIME ZONE ${zone} AS DATE)`;
    case 'bigquery':
      return `DATE(${ts}, ${zone})`;
    case 'snowflake':
      return `CAST(CONVERT_TIMEZONE(${zone}, ${ts}) AS DATE)`;
  }
}

/** The as-of instant (epoch microseconds `us`) as an expression of `dialect`, written as a UTC timestamp. */
function asOfSql(dialect: SqlDialect, us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  const micros = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}+00:00`;
  switch (dialect) {
    case 'duckdb':
      return epochUsSql(dialect, `CAST('${text}' AS TIMESTAMPTZ)`);
    case 'postgres':
      return epochUsSql(dialect, `CAST('${text}' AS TIMESTAMPTZ)`);
    case 'bigquery':
      return epochUsSql(dialect, `TIMESTAMP '${text}'`);
    case 'snowflake':
      return epochUsSql(dialect, `TO_TIMESTAMP_TZ('${text}')`);
    case 'spark':
      return epochUsSql(dialect, `TIMESTAMP '${text}'`);
  }
}

/**
 * Statements that set the session time zone, so that local times and calendar days read as in the local run:
 * DuckDB `SET TimeZone`, PostgreSQL `SET TIME ZONE`
 * (https://www.postgresql.org/docs/current/sql-set.html), Snowflake `ALTER SESSION SET TIMEZONE`
 * (https://docs.snowflake.com/en/sql-reference/parameters#timezone), Spark `SET TIME ZONE`
 * (https://spark.apache.org/docs/latest/sql-ref-syntax-aux-conf-mgmt-set-timezone.html). BigQuery takes the zone
 * in each function instead. O(1).
 */
function sessionSetup(dialect: SqlDialect, tz: string): string[] {
  const zone = stringOf(dialect, tz);
  switch (dialect) {
    case 'duckdb':
      return [`SET TimeZone = ${zone}`];
    case 'postgres':
      return [`SET TIME ZONE ${zone}`];
    case 'snowflake':
      return [`ALTER SESSION SET TIMEZONE = ${zone}`];
    case 'spark':
      return [`SET TIME ZONE ${zone}`];
    case 'bigquery':
      return [];
  }
}

/**
 * The relations a feature query on warehouse table `target.table` starts from, in `target.dialect`: one row of
 * parameters (the as-of moment and, with a window, its length — change them there to move the query in time),
 * the table's columns in their roles (`cols` holds the types of a local sample of the log: how the table stores
 * the id, the time and the amount), the parsed events (`t` epoch microseconds, `d` the calendar day in
 * `p.timezone`), and the moments of the window: its start (the as-of minus the window, or without a window the
 * first usable event), its middle and its length in days. Rows without an id, a time or an event type are left
 * out as in the local run, and with `negativeAmounts: 'drop'` the negative amounts. O(columns).
 * @throws UsageError for time formats (strptime patterns are not translated), a customer sample, or a bad table name.
 */
export function tableEvents(
  target: TableTarget,
  cols: ParseColumns,
  p: ResolvedParams,
  asOfUs: number,
): TableEvents {
  const { dialect } = target;
  if (p.timeFormats.length > 0) {
    throw new UsageError(
      '--time-format / --date-format are not translated into warehouse SQL',
      'store the time as a timestamp or ISO-8601 text in the table, and leave the formats out',
    );
  }
  if (p.sampleCustomers !== undefined) {
    throw new UsageError(
      '--sample is not written into a warehouse query',
      'sample in the warehouse with segment ingest --db … --sample N, then compute the features on that sample',
    );
  }
  const q = (name: string) => identOf(dialect, name);
  const table = parseTableName(target.table).map(q).join('.');
  const text = textType(dialect);
  const double = doubleType(dialect);
  const idType = cols.id.type.toUpperCase();
  const id =
    idType === 'VARCHAR' || idType === 'UUID'
      ? `NULLIF(CAST(${q(cols.id.name)} AS ${text}), '')`
      : q(cols.id.name);
  const kind = timeKind(cols.time.type, cols.time.name);
  // Epoch numbers become microseconds first (exact), the instant only gives their calendar day.
  const raw =
    kind === 'epoch'
      ? [`${id} AS id`, `${epochMicrosSql(dialect, q(cols.time.name))} AS t_us`]
      : [`${id} AS id`, `${instantSql(dialect, kind, q(cols.time.name), p.timezone)} AS ts`];
  const t = kind === 'epoch' ? 't_us' : epochUsSql(dialect, 'ts');
  const ts = kind === 'epoch' ? instantSql(dialect, kind, 't_us', p.timezone) : 'ts';
  const extra: string[] = [];
  if (cols.event) {
    raw.push(`NULLIF(CAST(${q(cols.event.name)} AS ${text}), '') AS event`);
    extra.push('event');
  }
  if (cols.amount) {
    raw.push(`CAST(${q(cols.amount.name)} AS ${double}) AS amount`);
    extra.push('amount');
  }
  if (cols.session) {
    raw.push(`NULLIF(CAST(${q(cols.session.name)} AS ${text}), '') AS session`);
    extra.push('session');
  }
  const usable = (e: string) =>
    `${e}.id IS NOT NULL AND ${e}.t IS NOT NULL${cols.event ? ` AND ${e}.event IS NOT NULL` : ''}` +
    (cols.amount && p.negativeAmounts === 'drop' ? ` AND (${e}.amount IS NULL OR ${e}.amount >= 0)` : '');
  const window =
    p.windowSeconds !== undefined ? `CAST(${Math.round(p.windowSeconds * 1e6)} AS BIGINT)` : 'NULL';
  // The window starts at the as-of minus its length; without one, at the first usable event before the as-of.
  const bounds =
    p.windowSeconds !== undefined
      ? 'bounds AS (SELECT as_of_us, as_of_us - window_us AS start_us FROM params)'
      : `bounds AS (SELECT p.as_of_us, MIN(e.t) AS start_us FROM params p CROSS JOIN parsed e ` +
        `WHERE ${usable('e')} AND e.t < p.as_of_us GROUP BY p.as_of_us)`;
  const preamble = [
    `params AS (SELECT ${asOfSql(dialect, asOfUs)} AS as_of_us, ${window} AS window_us)`,
    `raw AS (SELECT ${raw.join(', ')} FROM ${table})`,
    `parsed AS (SELECT id, ${t} AS t, ${localDateSql(dialect, ts, p.timezone)} AS d` +
      `${extra.map((c) => `, ${c}`).join('')} FROM raw)`,
    bounds,
    `moments AS (SELECT as_of_us, start_us, start_us + CAST(FLOOR((as_of_us - start_us) / 2) AS BIGINT) AS mid_us, ` +
      `CAST(as_of_us - start_us AS ${double}) / ${DAY_US} AS window_days FROM bounds)`,
  ];
  const events =
    `(SELECT e.id, e.t, e.d${extra.map((c) => `, e.${c}`).join('')}, m.as_of_us, m.start_us, m.mid_us, m.window_days ` +
    `FROM parsed e CROSS JOIN moments m WHERE ${usable('e')} AND e.t < m.as_of_us)`;
  return { setup: sessionSetup(dialect, p.timezone), preamble, events };
}
