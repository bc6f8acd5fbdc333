import { stat } from 'node:fs/promises';
import { DataError, UsageError } from '../core/errors.js';
import { sqlIdent } from './duckdb.js';

/** Query-string keys whose values are secrets and are never shown. */
const secretParams = /^(password|pass|pwd|passwd|sslpassword|secret|token|access_token|api_key|apikey)$/i;

const mask = '***';

/** `key=value` pairs of a query string or of a libpq connection string. */
const secretPairs = /(^|[?&;\s])([A-Za-z_]+)=('(?:[^'\\]|\\.)*'|[^&;\s#]*)/g;

/**
 * A connection string safe to show in logs, errors, JSON output and manifests: the password of
 * `scheme://user:password@host` and the values of secret query parameters (`password=`, `sslpassword=`, …)
 * become `***`. Works on strings that are not valid URLs too (libpq `key=value` strings, typos). O(length).
 */
export function redactUrl(url: string): string {
  const u = userinfo(url);
  let out = u && u.password !== null ? `${u.head}${u.user}:${mask}@${u.tail}` : url;
  // password=… in a query string or in a libpq key=value string (quoted values included).
  out = out.replace(secretPairs, (m, pre: string, key: string) =>
    secretParams.test(key) ? `${pre}${key}=${mask}` : m,
  );
  return out;
}

/**
 * The user-info part of `scheme://user:password@host…`. A password may hold raw `@`, `/` or `:`: it ends at the
 * last `@` before the query string, so no part of it is ever shown as the host (an `@` in the path over-redacts).
 */
function userinfo(url: string): { head: string; user: string; password: string | null; tail: string } | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!m) return null;
  const s = url.slice(m[0].length);
  const first = s.indexOf('@');
  if (first < 0) return null;
  // The password may hold raw @ / : characters: it runs to the last @ before the query string.
  const q = s.indexOf('?', first);
  const at = (q < 0 ? s : s.slice(0, q)).lastIndexOf('@');
  const info = s.slice(0, at);
  const colon = info.indexOf(':');
  return {
    head: m[0],
    user: colon < 0 ? info : info.slice(0, colon),
    password: colon < 0 ? null : info.slice(colon + 1),
    tail: s.slice(at + 1),
  };
}

/** Every secret in a connection string (password and secret query parameters), decoded and raw. */
export function urlSecrets(url: string): string[] {
  const found = new Set<string>();
  const pw = userinfo(url)?.password;
  if (pw) found.add(pw);
  for (const m of url.matchAll(secretPairs)) {
    if (secretParams.test(m[2]!)) found.add(m[3]!.replace(/^'|'$/g, ''));
  }
  for (const s of [...found]) {
    try {
      found.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded
    }
  }
  return [...found].filter((s) => s.length > 0 && s !== mask);
}

/**
 * `text` with every secret of `url` (and the raw URL) replaced by its redacted form: for messages that come from a
 * driver and might echo what they were given. O(length × secrets).
 */
export function scrubSecrets(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  for (const s of urlSecrets(url).sort((a, b) => b.length - a.length)) out = out.split(s).join(mask);
  return out;
}

/** Which database a `--db` value points at. */
export type DbKind = 'postgres' | 'sqlite' | 'duckdb';

/** A parsed `--db` value: the engine and, for file databases, the path. */
export interface DbTarget {
  kind: DbKind;
  /** The connection string as given (postgres) or the file path (sqlite, duckdb). */
  target: string;
  /** The value to show to people: {@link redactUrl} of the input. */
  shown: string;
}

function filePath(rest: string, url: string): string {
  // sqlite:///abs/path (three slashes) or sqlite://relative/path; sqlite:path also accepted.
  let p = rest.replace(/^\/\//, '');
  if (p.startsWith('localhost/')) p = p.slice('localhost'.length);
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  try {
    p = decodeURIComponent(p);
  } catch {
    throw new UsageError(`--db ${redactUrl(url)}: the path is not valid percent-encoding`);
  }
  if (p === '')
    throw new UsageError(`--db ${redactUrl(url)}: no database file path`, 'e.g. sqlite:///data/shop.db');
  return p;
}

/**
 * Classify a `--db` value: `postgres://` / `postgresql://` URLs, `sqlite:///path` / `duckdb:///path` URLs,
 * or a plain path ending in .sqlite, .sqlite3, .db (SQLite) or .duckdb (DuckDB). O(length).
 * @throws UsageError for an unknown scheme or a path with an unknown extension.
 */
export function parseDbUrl(url: string): DbTarget {
  const shown = redactUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const isWindowsDrive = scheme !== undefined && scheme.length === 1;
  if (scheme !== undefined && !isWindowsDrive) {
    const rest = url.slice(scheme.length + 1);
    if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', target: url, shown };
    if (scheme === 'sqlite' || scheme === 'sqlite3')
      return { kind: 'sqlite', target: filePath(rest, url), shown };
    if (scheme === 'duckdb') return { kind: 'duckdb', target: filePath(rest, url), shown };
    if (scheme !== 'file') {
      throw new UsageError(
        `--db ${shown}: unknown database URL scheme '${scheme}:'`,
        'use postgres://user@host:5432/db, sqlite:///path/file.db, duckdb:///path/file.duckdb, or a .sqlite/.db/.duckdb path',
      );
    }
  }
  const path = scheme === 'file' ? filePath(url.slice(5), url) : url;
  const lower = path.toLowerCase();
  if (/\.(sqlite3?|db)$/.test(lower)) return { kind: 'sqlite', target: path, shown };
  if (lower.endsWith('.duckdb')) return { kind: 'duckdb', target: path, shown };
  throw new UsageError(
    `--db ${shown}: not a database URL or a known database file extension`,
    'use postgres://user@host:5432/db, sqlite:///path/file.db, duckdb:///path/file.duckdb, or a .sqlite/.db/.duckdb path',
  );
}

/**
 * Check that a database file given to --db exists and is a file. O(1).
 * @throws DataError naming `source` (e.g. `SQLite path`) when it is missing, a folder or unreadable.
 */
export async function checkDatabaseFile(path: string, source: string): Promise<void> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new DataError(`${source}: is a directory, not a database file`);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new DataError(`${source}: database file not found`, 'check the path in --db');
    throw new DataError(`${source}: cannot open (${(e as Error).message})`);
  }
}

/**
 * A (possibly schema-qualified) table name as a quoted SQL reference: `events` → `"events"`,
 * `sales.events` → `"sales"."events"`. Names are used exactly as given (no case folding). O(length).
 * @throws UsageError for an empty name or an empty part.
 */
export function tableRef(table: string): string {
  const parts = table.split('.');
  if (parts.length > 3 || parts.some((x) => x.trim() === '')) {
    throw new UsageError(
      `--table '${table}': expected a table name, optionally schema.table`,
      'e.g. --table events',
    );
  }
  return parts.map(sqlIdent).join('.');
}
