import type { Dataset } from '../core/dataset.js';
import { DataError, oneLine, SegmentError, UsageError } from '../core/errors.js';
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
  const { settings, query: sql } = sessionScript(query);
  if (sql === '')
    throw new UsageError('the SQL query is empty', 'pass --sql "SELECT …" or --sql-file query.sql');
  const source = { kind: target.kind, shown: target.shown };
  switch (target.kind) {
    case 'postgres':
      return { dataset: await readPostgres(target.target, sql, opts, settings), source };
    case 'sqlite':
      if (settings.length > 0)
        throw new UsageError(
          `SQLite has no SET statements: ${oneLine(settings[0]!)}`,
          'remove it; only the query is run',
        );
      return { dataset: await readSqlite(target.target, sql, opts), source };
    case 'duckdb':
      return { dataset: await readDuckDbFile(target.target, sql, opts, settings), source };
  }
}

/**
 * A query text split into its session settings and its query: the text may hold `SET …;` statements before the one
 * query whose rows are read (as `segment features --print-sql` writes it, and as a psql script would run it). The
 * split respects quoted strings and identifiers, comments and PostgreSQL dollar quotes. O(length).
 * @throws UsageError when anything but SET statements comes before the query.
 */
export function sessionScript(text: string): { settings: string[]; query: string } {
  const statements = splitStatements(text);
  if (statements.length === 0) return { settings: [], query: '' };
  const query = statements[statements.length - 1]!;
  const settings = statements.slice(0, -1);
  const other = settings.find((st) => !/^SET\s/i.test(withoutComments(st)));
  if (other !== undefined)
    throw new UsageError(
      `the SQL holds ${statements.length} statements; only SET statements may come before the query (found: ${oneLine(other).slice(0, 60)})`,
      'run the other statements in the database first, then read one query',
    );
  return { settings, query };
}

/** The statements of `text` split at top-level semicolons, trimmed, empty ones (and comment-only ones) left out. */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  const push = (end: number) => {
    const st = text.slice(start, end).trim();
    if (withoutComments(st) !== '') out.push(st);
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      // A quoted string or identifier; a doubled quote is an escaped one.
      i++;
      while (i < n && !(text[i] === c && text[i + 1] !== c)) i += text[i] === c ? 2 : 1;
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(n);
  return out;
}

/** A statement without its `--` and `/* *\/` comments (for classifying it, not for running it). */
function withoutComments(st: string): string {
  return st
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .trim();
}

let attachCounter = 0;

/**
 * Run a query on a DuckDB database file attached read-only to the embedded DuckDB, reading the result through
 * file ingest's vector → typed array path. Unqualified table names resolve in the attached database.
 * O(rows × columns).
 * @throws DataError for a missing or non-DuckDB file, a failing query or an empty result.
 */
export async function readDuckDbFile(
  path: string,
  sql: string,
  opts: SqlReadOptions = {},
  settings: readonly string[] = [],
): Promise<Dataset> {
  const source = `DuckDB ${path}`;
  const alias = `segment_src_${attachCounter++}`;
  const ds = await withConnection(async (conn) => {
    const detach = await attachDuckDb(conn, path, source, sqlIdent(alias));
    try {
      await conn.run(`USE ${sqlIdent(alias)}`);
      // Session scope unless the statement names one: the embedded instance is shared, the connection is not.
      for (const st of settings)
        await conn.run(
          /^SET\s+(SESSION|GLOBAL|LOCAL)\s/i.test(st) ? st : st.replace(/^SET\s+/i, 'SET SESSION '),
        );
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
