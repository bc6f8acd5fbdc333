import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { sqlIdent, sqlString, withConnection } from '../io/duckdb.js';
import type { TypeOverride } from '../io/read.js';
import { parseDbUrl, readSql } from '../io/sql.js';
import { tableRef } from '../io/sql-url.js';
import { defaultSegmentRules } from './default-rfm-rules.js';
import {
  amountCheckSql,
  assertUsableEvents,
  checkAmounts,
  iso,
  MAX_SAFE_ID,
  num,
  planFeatures,
  runOnDuckDb,
  runPlanned,
  setTimeZone,
  type ComputeOptions,
  type DroppedRows,
  type FeatureEngine,
  type FeatureResult,
  type Plan,
  type ValidState,
  warnFutureAsOf,
  windowStart,
} from './events.js';
import { resolveParams, type FeatureParams, type ResolvedParams } from './params.js';
import type { ParseColumns } from './parse-sql.js';
import { openDuckDbTable } from './source.js';
import type { TableTarget } from './warehouse.js';
import { idRankOrder } from '../sql/sample.js';

/** Options of {@link computeFeaturesInDatabase}. */
export interface DatabaseOptions {
  logger?: Logger | undefined;
}

const DOUBLE = 'DOUBLE PRECISION';

/**
 * Behavioural features computed inside the database that holds the events (push-down): table `table` of
 * `db` (a postgres:// URL, or a DuckDB file as duckdb:///path or a .duckdb path). The same checks and the same
 * feature query as {@link computeFeatures} run in the database, in its dialect; only the per-customer result
 * (one row per customer) and a few aggregates come back. PostgreSQL is read through `readSql` (read-only
 * session, password never shown); a DuckDB file is attached read-only to the embedded DuckDB. With PostgreSQL
 * the time column must be a timestamp, timestamptz, date or epoch-number column and the amount numeric; rows
 * left out are counted but have no example row (a table has no row numbers). O(n log n) in the database.
 * @throws UsageError for a SQLite URL, a bad table name, parameters or time zone; DataError for a connection
 *   failure, a missing table or column (the database's message), unusable column types, negative amounts or
 *   an empty window.
 */
export async function computeFeaturesInDatabase(
  db: string,
  table: string,
  params: FeatureParams,
  opts: DatabaseOptions = {},
): Promise<FeatureResult> {
  return (await inDatabase(db, table, params, opts, false)) as FeatureResult;
}

/**
 * The feature SQL {@link computeFeaturesInDatabase} would run, in the database's dialect, without running it.
 * The small planning queries (column types, counts, as-of moment, event types) do run: their results are
 * literals of the query. For PostgreSQL the text is one self-contained SELECT on the table.
 * @throws as {@link computeFeaturesInDatabase}.
 */
export async function computeFeaturesInDatabaseSql(
  db: string,
  table: string,
  params: FeatureParams,
  opts: DatabaseOptions = {},
  target?: TableTarget,
): Promise<string> {
  return (await inDatabase(db, table, params, opts, target ?? true)) as string;
}

async function inDatabase(
  db: string,
  table: string,
  params: FeatureParams,
  opts: DatabaseOptions,
  planOnly: boolean | TableTarget,
): Promise<FeatureResult | string> {
  const target = parseDbUrl(db);
  const ref = tableRef(table);
  switch (target.kind) {
    case 'duckdb': {
      const computeOpts: ComputeOptions = { logger: opts.logger };
      return runOnDuckDb(
        (conn) => openDuckDbTable(conn, target.target, table),
        params,
        computeOpts,
        planOnly,
      );
    }
    case 'sqlite':
      throw new UsageError(
        `--db ${target.shown}: features runs in PostgreSQL or DuckDB databases, not SQLite`,
        'copy the events out first: segment ingest --db … --sql "SELECT * FROM events" -o events.parquet',
      );
    case 'postgres':
      if (typeof planOnly === 'object')
        throw new UsageError(
          `--dialect ${planOnly.dialect}: a PostgreSQL --db plans PostgreSQL queries only`,
          'plan from a sample file of the log instead: segment features sample.parquet … --print-sql --dialect … --table …',
        );
      return postgres(db, target.shown, ref, table, params, opts.logger ?? silentLogger, planOnly);
  }
}

/** One-row query through readSql, every column read as a number (NULL → NaN) unless typed otherwise. */
async function one(
  db: string,
  sql: string,
  names: readonly string[],
  logger: Logger,
  text: readonly string[] = [],
): Promise<Record<string, number | string | null>> {
  const types: Record<string, TypeOverride> = {};
  for (const n of names) types[n] = text.includes(n) ? 'string' : 'double';
  logger.log('debug', `push-down query:\n${sql}`);
  const { dataset } = await readSql(db, sql, { types, maxLevels: Infinity });
  const out: Record<string, number | string | null> = {};
  for (const n of names) {
    const c = dataset.column(n);
    out[n] = c.kind === 'numeric' ? c.values[0]! : c.kind === 'string' ? (c.values[0] ?? null) : null;
  }
  return out;
}

const INTS: Record<string, string> = { smallint: 'SMALLINT', integer: 'INTEGER', bigint: 'BIGINT' };
const NUMS: Record<string, string> = {
  ...INTS,
  numeric: 'DECIMAL',
  real: 'FLOAT',
  'double precision': 'DOUBLE',
};
const TEXTS = new Set(['text', 'character varying', 'character', 'name', 'citext']);

/** PostgreSQL expressions of the event columns, by the column types the table declares. */
function pgColumns(
  source: string,
  p: ResolvedParams,
  types: Record<string, string>,
): { cols: ParseColumns; id: string; ts: string; amount?: string; event?: string; session?: string } {
  const tz = sqlString(p.timezone);
  const idType = types[p.id]!;
  const idCol = sqlIdent(p.id);
  let id: string;
  let idDuck: string;
  if (TEXTS.has(idType)) {
    id = `NULLIF(CAST(${idCol} AS TEXT), '')`;
    idDuck = 'VARCHAR';
  } else if (idType === 'uuid') {
    id = `CAST(${idCol} AS TEXT)`;
    idDuck = 'UUID';
  } else if (NUMS[idType] !== undefined) {
    id = idCol;
    idDuck = NUMS[idType];
  } else {
    throw new DataError(`${source}: column '${p.id}' (--id) is ${idType}; expected text or numbers`);
  }
  const timeType = types[p.time]!;
  const t = sqlIdent(p.time);
  let ts: string;
  if (timeType === 'timestamp with time zone') ts = t;
  else if (timeType === 'timestamp without time zone') ts = `(${t} AT TIME ZONE ${tz})`;
  else if (timeType === 'date') ts = `(CAST(${t} AS TIMESTAMP) AT TIME ZONE ${tz})`;
  else if (NUMS[timeType] !== undefined) {
    const x = `CAST(${t} AS ${DOUBLE})`;
    ts = `to_timestamp(CASE WHEN abs(${x}) >= 1e11 THEN ${x} / 1000 ELSE ${x} END)`;
  } else {
    throw new DataError(
      `${source}: column '${p.time}' (--time) is ${timeType}; in the database it must be a timestamp, timestamptz, date or epoch-number column`,
      `e.g. a view with CAST(${p.time} AS timestamptz), or read the table with segment ingest --db first`,
    );
  }
  const out: ReturnType<typeof pgColumns> = {
    cols: { id: { name: p.id, type: idDuck }, time: { name: p.time, type: 'TIMESTAMPTZ' } },
    id,
    ts,
  };
  if (p.amount !== undefined) {
    const amountType = types[p.amount]!;
    if (NUMS[amountType] === undefined) {
      throw new DataError(
        `${source}: column '${p.amount}' (--amount) is ${amountType}, not numbers`,
        'point --amount at a numeric column',
      );
    }
    const a = `CAST(${sqlIdent(p.amount)} AS ${DOUBLE})`;
    // NaN sorts above every number in PostgreSQL, so the range test leaves out NaN and ±Infinity.
    out.amount = `CASE WHEN ${a} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN ${a} END`;
    out.cols.amount = { name: p.amount, type: 'DOUBLE' };
  }
  if (p.event !== undefined) {
    out.event = `NULLIF(CAST(${sqlIdent(p.event)} AS TEXT), '')`;
    out.cols.event = { name: p.event, type: 'VARCHAR' };
  }
  if (p.session !== undefined) {
    out.session = `NULLIF(CAST(${sqlIdent(p.session)} AS TEXT), '')`;
    out.cols.session = { name: p.session, type: 'VARCHAR' };
  }
  return out;
}

/** Epoch microseconds of a timestamptz expression, exact (EXTRACT gives NUMERIC from PostgreSQL 14). */
function epochUs(ts: string): string {
  return `CAST(ROUND(EXTRACT(EPOCH FROM ${ts}) * 1000000) AS BIGINT)`;
}

async function postgres(
  db: string,
  shown: string,
  ref: string,
  table: string,
  params: FeatureParams,
  logger: Logger,
  planOnly: boolean,
): Promise<FeatureResult | string> {
  const p = resolveParams(params);
  const rules = p.segmentRules ?? defaultSegmentRules();
  const started = performance.now();
  // The time zone and --as-of are read by the embedded DuckDB, exactly as for files.
  const asOfParsed = await withConnection(async (conn) => {
    await setTimeZone(conn, p.timezone);
    if (p.asOf === undefined) return undefined;
    const rows = (
      await conn.runAndReadAll(`SELECT epoch_us(TRY_CAST(${sqlString(p.asOf.trim())} AS TIMESTAMPTZ)) AS us`)
    ).getRows();
    return num(rows[0]?.[0]);
  });
  if (asOfParsed !== undefined && !Number.isFinite(asOfParsed)) {
    throw new UsageError(
      `--as-of: cannot read '${p.asOf}' as a date or timestamp`,
      'e.g. 2026-11-01 or 2026-11-01T12:00:00Z',
    );
  }
  const source = `${shown} table ${table}`;
  const roles = [p.id, p.time, p.amount, p.event, p.session].filter((c): c is string => c !== undefined);
  // Declared types, one row even for an empty table; a missing table or column fails here with the
  // database's own message.
  const typeNames = roles.map((_, k) => `c${k}`);
  let declared: Record<string, number | string | null>;
  try {
    declared = await one(
      db,
      `SELECT ${roles.map((c, k) => `CAST(pg_typeof(${sqlIdent(c)}) AS TEXT) AS c${k}`).join(', ')} ` +
        `FROM (SELECT 1 AS segment_one) AS one LEFT JOIN (SELECT * FROM ${ref} LIMIT 1) AS x ON TRUE`,
      typeNames,
      logger,
      typeNames,
    );
  } catch (e) {
    if (e instanceof DataError && / query failed: /.test(e.message)) {
      throw new DataError(e.message, `check --table ${table} and the column flags (--id, --time, …)`);
    }
    throw e;
  }
  const types: Record<string, string> = {};
  roles.forEach((c, k) => (types[c] = String(declared[`c${k}`])));
  const ex = pgColumns(source, p, types);
  const cols = ex.cols;
  const raw = [
    `${ex.id} AS id`,
    `${ex.ts} AS ts`,
    ...(ex.event ? [`${ex.event} AS event`] : []),
    ...(ex.amount ? [`${ex.amount} AS amount`] : []),
    ...(ex.session ? [`${ex.session} AS session`] : []),
  ];
  const tz = sqlString(p.timezone);
  const extra = ['event', 'amount', 'session'].filter((c) => ex[c as 'event'] !== undefined);
  const parsedCols = [
    'id',
    `CASE WHEN isfinite(ts) THEN ${epochUs('ts')} END AS t`,
    `CASE WHEN isfinite(ts) THEN CAST(ts AT TIME ZONE ${tz} AS DATE) END AS d`,
    ...extra,
  ];
  const parsed = `(SELECT ${parsedCols.join(', ')} FROM (SELECT ${raw.join(', ')} FROM ${ref}) AS raw) AS parsed`;

  // Counts of the rows left out, as the file path counts them.
  const counts = [
    'COUNT(*) AS rows_in',
    'SUM(CASE WHEN id IS NULL THEN 1 ELSE 0 END) AS missing_id',
    'SUM(CASE WHEN t IS NULL THEN 1 ELSE 0 END) AS missing_time',
  ];
  if (cols.event) counts.push('SUM(CASE WHEN event IS NULL THEN 1 ELSE 0 END) AS missing_event');
  if (cols.amount)
    counts.push(
      'SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS negative',
      'MIN(amount) AS min_amount',
      ...amountCheckSql,
    );
  const wideInt = cols.id.type === 'BIGINT' || cols.id.type === 'DECIMAL';
  if (wideInt) counts.push(`MAX(ABS(CAST(id AS ${DOUBLE}))) AS max_id`);
  const names = counts.map((c) => c.replace(/^.* AS /, ''));
  const c = await one(db, `SELECT ${counts.join(', ')} FROM ${parsed}`, names, logger);
  const rowsIn = num(c['rows_in']);
  if (rowsIn === 0) throw new DataError(`${source}: has no rows`, 'expected at least one event');
  const dropped: DroppedRows[] = [];
  const warnings: string[] = [];
  if (cols.amount) checkAmounts(source, cols.amount.name, c, warnings);
  const what: Record<string, string> = {
    missing_id: `no id (${p.id})`,
    missing_time: `no time (${p.time})`,
    missing_event: `no event type (${p.event ?? ''})`,
  };
  for (const reason of ['missing_id', 'missing_time', 'missing_event'] as const) {
    const rows = num(c[reason]);
    if (!(rows > 0)) continue;
    const text = `${rows} row(s) have ${what[reason]}`;
    if (p.strict)
      throw new DataError(`${source}: ${text}`, 'fix the table, or leave out --strict to drop them');
    dropped.push({ reason, rows });
    warnings.push(`${source}: dropped ${text}`);
  }
  let usable = `id IS NOT NULL AND t IS NOT NULL${cols.event ? ' AND event IS NOT NULL' : ''}`;
  const neg = num(c['negative']);
  if (cols.amount && neg > 0) {
    const v = String(num(c['min_amount']));
    if (p.negativeAmounts === 'error') {
      throw new DataError(
        `${source}: ${neg} negative amount(s) in column '${cols.amount.name}', e.g. ${v}`,
        'refunds and corrections: filter them out first, or pass --negative-amounts drop',
      );
    }
    dropped.push({ reason: 'negative_amount', rows: neg });
    warnings.push(`${source}: dropped ${neg} row(s) with a negative amount`);
    usable += ' AND (amount IS NULL OR amount >= 0)';
  }
  if (p.sampleCustomers !== undefined) {
    usable +=
      ` AND id IN (SELECT id FROM (SELECT DISTINCT id FROM ${parsed} WHERE id IS NOT NULL) AS ids ` +
      `ORDER BY ${idRankOrder('postgres', 'id', p.seed)} LIMIT ${p.sampleCustomers})`;
  }
  const nextDay = epochUs(`(CAST(MAX(d) + 1 AS TIMESTAMP) AT TIME ZONE ${tz})`);
  const range = await one(
    db,
    `SELECT MIN(t) AS first_us, ${nextDay} AS next_day_us FROM ${parsed} WHERE ${usable}`,
    ['first_us', 'next_day_us'],
    logger,
  );
  const firstUs = num(range['first_us']);
  assertUsableEvents(source, firstUs, Boolean(cols.event));
  const asOfUs = asOfParsed ?? num(range['next_day_us']);
  const startUs = windowStart(source, firstUs, asOfUs, p.windowSeconds);
  const used = await one(
    db,
    `SELECT SUM(CASE WHEN t < ${asOfUs} THEN 1 ELSE 0 END) AS used, ` +
      `SUM(CASE WHEN t >= ${startUs} AND t < ${asOfUs} THEN 1 ELSE 0 END) AS win, ` +
      `MAX(CASE WHEN t < ${asOfUs} THEN t END) AS last_before, ` +
      `SUM(CASE WHEN t >= ${asOfUs} THEN 1 ELSE 0 END) AS after ` +
      `FROM ${parsed} WHERE ${usable}`,
    ['used', 'win', 'last_before', 'after'],
    logger,
  );
  const nAfter = num(used['after']);
  if (nAfter > 0) {
    dropped.push({ reason: 'after_as_of', rows: nAfter });
  }
  const inWindow = num(used['win']);
  if (!(inWindow > 0)) {
    throw new DataError(
      `${source}: the window ${iso(startUs)} – ${iso(asOfUs)} holds no events (the last event before it is at ${iso(num(used['last_before']))})`,
      'widen --window or move --as-of',
    );
  }
  const state: ValidState = {
    rowsIn,
    rowsUsed: num(used['used']),
    eventsInWindow: inWindow,
    dropped,
    usable: `${usable} AND t < ${asOfUs}`,
    asOfUs,
    firstUs,
    lastUs: num(used['last_before']),
    startUs,
    idAsText: wideInt && num(c['max_id']) >= MAX_SAFE_ID,
    warnings,
  };
  const parseSeconds = (performance.now() - started) / 1000;
  const featuresStart = performance.now();
  const engine: FeatureEngine = {
    dialect: 'postgres',
    eventCounts: async (sql) => {
      const { dataset } = await readSql(db, sql, {
        types: { event: 'string', n: 'double' },
        maxLevels: Infinity,
      });
      const ev = dataset.column('event');
      const n = dataset.column('n');
      if (ev.kind !== 'string' || n.kind !== 'numeric') return [];
      return ev.values.map((v, i) => [v ?? '', n.values[i]!] as [string, number]);
    },
    read: (sql, plans) => readPlanned(db, sql, plans),
  };
  const events = `(SELECT id, t, d${extra.map((x) => `, ${x}`).join('')} FROM ${parsed} WHERE ${state.usable})`;
  const planned = await planFeatures(engine, events, cols, p, rules, state, source, logger);
  if (planOnly) return `${planned.sql};\n`;
  const { dataset, summary } = await runPlanned(engine, planned);
  for (const w of summary.warnings) logger.log('warn', w);
  warnFutureAsOf(logger, p.asOf !== undefined, state.asOfUs, source);
  summary.timings = {
    parseSeconds: Math.round(parseSeconds * 1000) / 1000,
    featuresSeconds: Math.round(performance.now() - featuresStart) / 1000,
  };
  return { dataset, summary };
}

/** Read the feature query's result through readSql, each column typed as the DuckDB path types it. */
async function readPlanned(db: string, sql: string, plans: readonly Plan[]): Promise<Dataset> {
  const types: Record<string, TypeOverride> = {};
  for (const pl of plans) {
    types[pl.name] =
      pl.kind === 'category'
        ? 'categorical'
        : pl.kind === 'string'
          ? 'string'
          : pl.kind === 'integer'
            ? 'integer'
            : 'double';
  }
  const { dataset } = await readSql(db, sql, { types, maxLevels: Infinity });
  return dataset;
}
