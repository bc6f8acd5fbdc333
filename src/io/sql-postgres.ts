import type CursorClass from 'pg-cursor';
import type { Dataset, NumericType } from '../core/dataset.js';
import { DataError, SegmentError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { ReadOptions } from './read.js';
import {
  badValue,
  builderFor,
  checkColumnNames,
  finishDataset,
  isNaNText,
  parseTyped,
  planColumn,
  type ColumnBuilder,
} from './sql-columns.js';
import { redactUrl, scrubSecrets } from './sql-url.js';

/** Rows fetched per cursor round trip. */
export const pgBatchRows = 10_000;

/** Default connection timeout (connect + authentication), overridden by `connect_timeout` / PGCONNECT_TIMEOUT. */
const defaultConnectTimeoutMs = 10_000;

/** The storage type of a PostgreSQL result column by its type OID; everything else is read as text. */
function pgType(oid: number): NumericType | 'text' {
  switch (oid) {
    case 16: // bool
      return 'boolean';
    case 20: // int8
    case 21: // int2
    case 23: // int4
    case 26: // oid
      return 'integer';
    case 700: // float4
    case 701: // float8
    case 1700: // numeric
      return 'double';
    case 1082: // date
      return 'date';
    case 1114: // timestamp
    case 1184: // timestamptz
      return 'timestamp';
    default:
      return 'text';
  }
}

const pgTypeNames: Record<number, string> = {
  16: 'boolean',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  26: 'oid',
  700: 'real',
  701: 'double precision',
  1700: 'numeric',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
};

/** Every value arrives as the server's text (or null); the column plans parse it. */
const rawText = { getTypeParser: () => (s: string) => s };

function connectTimeoutMs(url: string): number {
  let seconds: string | undefined;
  try {
    seconds = new URL(url).searchParams.get('connect_timeout') ?? undefined;
  } catch {
    seconds = undefined;
  }
  seconds ??= process.env['PGCONNECT_TIMEOUT'];
  const v = Number(seconds);
  return seconds !== undefined && Number.isFinite(v) && v > 0
    ? Math.round(v * 1000)
    : defaultConnectTimeoutMs;
}

interface PgErrorLike {
  message?: string;
  code?: string;
  position?: string;
  severity?: string;
}

/** Where the client connects, for messages: host:port or the Unix socket folder. */
function where(host: string | undefined, port: number | undefined): string {
  const h = host && host.length > 0 ? host : 'localhost';
  return h.startsWith('/')
    ? `socket ${h}/.s.PGSQL.${port ?? 5432}`
    : `${h.includes(':') ? `[${h}]` : h}:${port ?? 5432}`;
}

/** The session settings this reader parses by (ISO dates, exact floats) and read-only. */
const readerSettings =
  "SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; SET default_transaction_read_only = on";

/**
 * Read the result of one query on a PostgreSQL server into a Dataset, streamed through a server-side cursor
 * (`pgBatchRows` rows per round trip) straight into typed columns: numeric, integer, boolean, date and timestamp
 * columns into Float64Array (dates and timestamps as epoch ms, UTC; NULL → NaN), text into categorical or string
 * columns as file ingest decides. The session runs read-only with TimeZone UTC, ISO dates and exact floats.
 * Credentials come from the URL or the standard PG* environment variables. O(rows × columns).
 * @throws DataError (password never shown) for an unreachable server, failed authentication, an SQL error,
 * an empty result or a value that does not fit a `--types` override.
 */
export async function readPostgres(
  url: string,
  sql: string,
  opts: ReadOptions = {},
  settings: readonly string[] = [],
): Promise<Dataset> {
  const { default: pg } = await import('pg');
  // pg-cursor's typings describe the CommonJS export; its ESM entry exports the class as default.
  const { default: Cursor } = (await import('pg-cursor')) as unknown as { default: typeof CursorClass };
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = connectTimeoutMs(url);
  let client: InstanceType<typeof pg.Client>;
  try {
    client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'segment',
      types: rawText,
    });
  } catch (e) {
    throw new DataError(
      `--db ${redactUrl(url)}: not a valid PostgreSQL URL (${scrubSecrets((e as Error).message, url)})`,
      'expected postgres://user:password@host:5432/database',
    );
  }
  const at = where(client.host, client.port);
  const scrub = (text: string): string => {
    let out = scrubSecrets(text, url);
    const pw = (client as unknown as { password?: unknown }).password;
    if (typeof pw === 'string' && pw.length > 0) out = out.split(pw).join('***');
    return out;
  };
  // A broken connection emits 'error' on the client as well as failing the pending call.
  client.on('error', () => {});
  const source = `PostgreSQL ${client.database ? `database '${client.database}' ` : ''}at ${at}`;
  logger.log('debug', `connecting to ${redactUrl(url)} (timeout ${timeoutMs / 1000} s)`);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectError(e as PgErrorLike & Error, at, client.user, client.database, timeoutMs, scrub);
  }
  try {
    await client.query(`SET TimeZone = 'UTC'; ${readerSettings}`);
    if (settings.length > 0) {
      // The query's own session settings (its time zone, search_path …) run next; the text formats this reader
      // parses, and read-only, are set again after them.
      for (const st of settings) await client.query(st);
      await client.query(readerSettings);
    }
    const cursor = client.query(new Cursor<(string | null)[]>(sql, [], { rowMode: 'array', types: rawText }));
    let builders: ColumnBuilder[] | undefined;
    let declared: string[] = [];
    let rows = 0;
    for (;;) {
      const { batch, fields } = await new Promise<{
        batch: (string | null)[][];
        fields: { name: string; dataTypeID: number }[];
      }>((resolve, reject) => {
        cursor.read(pgBatchRows, (err, r, result) => {
          if (err) reject(err);
          else resolve({ batch: r, fields: result?.fields ?? [] });
        });
      });
      if (!builders) {
        const names = fields.map((f) => f.name);
        checkColumnNames(names, source, opts.types);
        declared = fields.map((f) => pgTypeNames[f.dataTypeID] ?? `type ${f.dataTypeID}`);
        builders = fields.map((f) => builderFor(planColumn(f.name, pgType(f.dataTypeID), opts.types)));
      }
      appendRows(builders, batch, rows, source, declared, opts);
      rows += batch.length;
      if (batch.length < pgBatchRows) break;
      logger.log('debug', `read ${rows.toLocaleString('en-US')} rows from ${at}`);
    }
    await cursor.close();
    return finishDataset(builders, rows, source, opts);
  } catch (e) {
    if (e instanceof SegmentError) throw e;
    throw queryError(e as PgErrorLike & Error, source, scrub);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function appendRows(
  builders: ColumnBuilder[],
  batch: (string | null)[][],
  offset: number,
  source: string,
  declared: readonly string[],
  opts: ReadOptions,
): void {
  for (let j = 0; j < builders.length; j++) {
    const b = builders[j]!;
    if (b.text) {
      const out = b.text;
      for (let i = 0; i < batch.length; i++) out.push(batch[i]![j] ?? null);
      continue;
    }
    const num = b.num;
    const type = b.plan.type;
    const float4 = declared[j] === 'real' && (type === 'double' || type === 'integer');
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]![j];
      if (s == null) {
        num.push(Number.NaN);
        continue;
      }
      let v =
        type === 'boolean' ? (s === 't' ? 1 : s === 'f' ? 0 : parseTyped(type, s)) : parseTyped(type, s);
      // real (float4) prints its shortest decimal; widen the float32 value exactly, as DuckDB's CAST does.
      if (float4) v = Math.fround(v);
      if (Number.isNaN(v) && !isNaNText(type, s)) {
        throw badValue(
          source,
          b.plan,
          offset + i + 1,
          s,
          declared[j]!,
          opts.types?.[b.plan.name] !== undefined,
        );
      }
      if (type === 'integer') num.pushInteger(v, s);
      else num.push(v);
    }
  }
}

function connectError(
  e: PgErrorLike & Error,
  at: string,
  user: string | undefined,
  database: string | undefined,
  timeoutMs: number,
  scrub: (s: string) => string,
): DataError {
  const msg = scrub(e.message ?? String(e));
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED')
    return new DataError(
      `cannot connect to PostgreSQL at ${at}: connection refused`,
      'is the server running? check the host and port in --db (or PGHOST / PGPORT)',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new DataError(
      `cannot connect to PostgreSQL at ${at}: host not found`,
      'check the host name in --db',
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return new DataError(
      `cannot connect to PostgreSQL at ${at}: host unreachable`,
      'check the network and the host',
    );
  if (code === 'ETIMEDOUT' || /timeout/i.test(msg))
    return new DataError(
      `cannot connect to PostgreSQL at ${at}: no answer within ${timeoutMs / 1000} s`,
      'check the host, port and firewall; connect_timeout=SECONDS in the URL changes the limit',
    );
  if (code === 'ENOENT')
    return new DataError(
      `cannot connect to PostgreSQL at ${at}: no such socket`,
      'check PGHOST or the host in --db',
    );
  if (code === '28P01' || code === '28000')
    return new DataError(
      `PostgreSQL at ${at}: authentication failed for user '${user ?? ''}' (${msg})`,
      'check the user and password in --db or PGUSER / PGPASSWORD',
    );
  if (/SASL|password must be a string|no password/i.test(msg))
    return new DataError(
      `PostgreSQL at ${at}: authentication failed for user '${user ?? ''}': the server asks for a password and none was given`,
      'put it in the URL (postgres://user:PASSWORD@host/db) or in PGPASSWORD',
    );
  if (code === '3D000')
    return new DataError(
      `PostgreSQL at ${at}: database '${database ?? ''}' does not exist`,
      'check the database name at the end of the --db URL',
    );
  return new DataError(`cannot connect to PostgreSQL at ${at}: ${msg}`, 'check the --db URL');
}

function queryError(e: PgErrorLike & Error, source: string, scrub: (s: string) => string): DataError {
  const msg = scrub(e.message ?? String(e));
  const pos = e.position ? ` (at character ${e.position} of the query)` : '';
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    const hint =
      e.code === '25006'
        ? 'segment reads in a read-only session: use a SELECT query'
        : e.code.startsWith('42')
          ? 'check the SQL (table and column names, syntax)'
          : undefined;
    return new DataError(`${source}: query failed: ${msg}${pos}`, hint);
  }
  return new DataError(`${source}: connection lost while reading: ${msg}`, 'retry; check the server log');
}
