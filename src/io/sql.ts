import type { Dataset } from '../core/dataset.js';
import { DataError, SegmentError, UsageError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { sqlIdent, stripKind, withConnection } from './duckdb.js';
import { attachDuckDb, readSource, type ReadOptions } from './read.js';
import { readPostgres } from './sql-postgres.js';
import { readSqlite } from './sql-sqlite.js';
import { parseDbUrl, type DbKind } from './sql-url.js';

export { redactUrl, parseDbUrl, type DbKind, type DbTarget } from './sql-url.js';

/** Options of {@link readSql}: the file-ingest options that apply to a query result. */
export type SqlReadOptions = Pick<ReadOptions, 'types' | 'sample' | 'seed' | 'maxLevels' | 'logger'>;

/** What {@link readSql} read, for summaries: the engine and the connection string with secrets redacted. */
export interface SqlSource {
  kind: DbKind;
  shown: string;
}

/**
 * Run one query on a database and read its result into a Dataset typed like file ingest (numbers, booleans,
 * dates and timestamps as Float64Array; text categorical or string), then apply `--sample`.
 * `db` is a postgres:// or postgresql:// URL (streamed through a cursor), sqlite:///path or a .sqlite/.sqlite3/.db
 * path (better-sqlite3, read-only), or duckdb:///path or a .duckdb path (attached read-only to the embedded
 * DuckDB). Every message shows the URL with its password redacted. O(rows × columns).
 * @throws UsageError for an unknown URL scheme or an empty query; DataError for an unreachable server, failed
 * authentication, a missing database file, an SQL error (the database's own message) or an empty result.
 */
export async function readSql(
  db: string,
  query: string,
  opts: SqlReadOptions = {},
): Promise<{ dataset: Dataset; source: SqlSource }> {
  const target = parseDbUrl(db);
  const sql = trimQuery(query);
  if (sql === '')
    throw new UsageError('the SQL query is empty', 'pass --sql "SELECT …" or --sql-file query.sql');
  const source = { kind: target.kind, shown: target.shown };
  switch (target.kind) {
    case 'postgres':
      return { dataset: await readPostgres(target.target, sql, opts), source };
    case 'sqlite':
      return { dataset: await readSqlite(target.target, sql, opts), source };
    case 'duckdb':
      return { dataset: await readDuckDbFile(target.target, sql, opts), source };
  }
}

/** The query without trailing semicolons and whitespace (one statement is run). */
function trimQuery(q: string): string {
  return q.replace(/[\s;]+$/, '').trim();
}

let attachCounter = 0;

/**
 * Run a query on a DuckDB database file attached read-only to the embedded DuckDB, reading the result through
 * file ingest's vector → typed array path. Unqualified table names resolve in the attached database.
 * O(rows × columns).
 * @throws DataError for a missing or non-DuckDB file, a failing query or an empty result.
 */
export async function readDuckDbFile(path: string, sql: string, opts: SqlReadOptions = {}): Promise<Dataset> {
  const source = `DuckDB ${path}`;
  const alias = `segment_src_${process.pid}_${attachCounter++}`;
  const ds = await withConnection(async (conn) => {
    const detach = await attachDuckDb(conn, path, source, sqlIdent(alias));
    try {
      await conn.run(`USE ${sqlIdent(alias)}`);
      // Prepared alone first, so errors point into the query as written.
      (await conn.prepare(sql)).destroySync();
      return await readSource(conn, `(${sql}\n)`, source, opts.types ?? {}, {
        types: opts.types,
        maxLevels: opts.maxLevels,
      });
    } catch (e) {
      if (e instanceof SegmentError) throw e;
      throw new DataError(
        `${source}: query failed: ${stripKind(e)}`,
        'check the SQL (table and column names, syntax)',
      );
    } finally {
      await conn.run('USE memory').catch(() => undefined);
      await detach();
    }
  });
  if (ds.nRows === 0) {
    throw new DataError(
      `${source}: the query returned no rows`,
      'check its WHERE clause and the table contents',
    );
  }
  if (opts.sample !== undefined && opts.sample < ds.nRows) {
    return ds.take(new Random(opts.seed ?? 42).sampleIndices(ds.nRows, opts.sample));
  }
  return ds;
}
