import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let instance: Promise<DuckDBInstance> | undefined;
let threads: number | undefined;

/** Set DuckDB's thread count before the first query (the `--threads` flag). */
export function configureDuckDB(opts: { threads?: number }): void {
  threads = opts.threads;
}

/** The process-wide in-memory DuckDB instance, created on first use; it spills to disk past its memory limit. */
function getInstance(): Promise<DuckDBInstance> {
  if (!instance) {
    const options: Record<string, string> = {};
    if (threads !== undefined) options['threads'] = String(threads);
    // Spill files go to the system temp folder (SEGMENT_TMPDIR overrides), never into the working directory.
    options['temp_directory'] = process.env['SEGMENT_TMPDIR'] ?? join(tmpdir(), 'segment-duckdb');
    // segment needs only the extensions built into the package; never download one at run time.
    options['autoinstall_known_extensions'] = 'false';
    instance = DuckDBInstance.create(':memory:', options);
  }
  return instance;
}

/** Run `f` with a fresh connection to the shared instance and close it afterwards. */
export async function withConnection<T>(f: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await (await getInstance()).connect();
  try {
    return await f(conn);
  } finally {
    conn.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL identifier, always double-quoted. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** The first line of a DuckDB error message, without its "LINE 1:" context. */
export function duckMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n').find((l) => l.trim().length > 0) ?? msg).trim();
}

/** {@link duckMessage} without DuckDB's error kind (`Catalog Error: `, `Binder Error: ` …). */
export function stripKind(e: unknown): string {
  return duckMessage(e).replace(/^[A-Za-z ]*Error:\s*/, '');
}
