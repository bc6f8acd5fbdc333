import type * as DuckDBApi from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type * as DuckDBBindings from '@duckdb/node-bindings';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// DuckDB's packages are CommonJS and are loaded with `require`: an ES import of them would first scan every file
// @duckdb/node-api re-exports for its export names, which takes longer than loading them.
const require = createRequire(import.meta.url);
/** @duckdb/node-api: instances, connections, result vectors, table functions. */
export const duckdb = require('@duckdb/node-api') as typeof DuckDBApi;
/** @duckdb/node-bindings: DuckDB's C API, to read and fill vectors without a value object per cell. */
export const bindings = require('@duckdb/node-bindings') as typeof DuckDBBindings;

let instance: Promise<DuckDBInstance> | undefined;
let threads: number | undefined;
/** DuckDB's memory limit in bytes (undefined: DuckDB's own default, 80 % of the machine's memory). */
let memoryLimit: number | undefined;
/** The memory limit the running instance was given, when it differs from `memoryLimit` (applied on next use). */
let appliedLimit: number | undefined;

/** The least memory DuckDB is given, whatever `--memory-limit` says: its CSV and Parquet scans need buffers. */
export const duckdbMemoryFloor = 256 * 1024 ** 2;

/**
 * DuckDB's memory limit for a `--memory-limit` budget: a quarter of it, and at least {@link duckdbMemoryFloor}.
 * Past it DuckDB spills to its temporary folder instead of growing; the rest of the budget is left to the
 * arrays the commands hold themselves.
 */
export function duckdbMemoryLimit(budget: number): number {
  return Math.max(duckdbMemoryFloor, Math.floor(budget / 4));
}

/**
 * Set DuckDB's thread count and memory budget before the first query (the `--threads` and `--memory-limit`
 * flags; the DuckDB limit is {@link duckdbMemoryLimit} of the budget).
 */
export function configureDuckDB(opts: {
  threads?: number | undefined;
  memoryLimit?: number | undefined;
}): void {
  if (opts.threads !== undefined) threads = opts.threads;
  if (opts.memoryLimit !== undefined) memoryLimit = duckdbMemoryLimit(opts.memoryLimit);
}

/** The process-wide in-memory DuckDB instance, created on first use; it spills to disk past its memory limit. */
function getInstance(): Promise<DuckDBInstance> {
  if (!instance) {
    const options: Record<string, string> = {};
    if (threads !== undefined) options['threads'] = String(threads);
    if (memoryLimit !== undefined) options['memory_limit'] = `${memoryLimit}B`;
    appliedLimit = memoryLimit;
    // DuckDB's allocator keeps freed pages for reuse: a background thread hands them back to the system, so the
    // memory of a finished scan does not stay resident beside the arrays read from it.
    options['allocator_background_threads'] = 'true';
    options['allocator_flush_threshold'] = '16MB';
    options['allocator_bulk_deallocation_flush_threshold'] = '16MB';
    // Spill files go to the system temp folder (SEGMENT_TMPDIR overrides), never into the working directory.
    options['temp_directory'] = process.env['SEGMENT_TMPDIR'] ?? join(tmpdir(), 'segment-duckdb');
    // segment needs only the extensions built into the package; never download one at run time.
    options['autoinstall_known_extensions'] = 'false';
    instance = duckdb.DuckDBInstance.create(':memory:', options);
  }
  return instance;
}

/** Run `f` with a fresh connection to the shared instance and close it afterwards. */
export async function withConnection<T>(f: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await (await getInstance()).connect();
  try {
    if (memoryLimit !== undefined && memoryLimit !== appliedLimit) {
      await conn.run(`SET memory_limit = '${memoryLimit}B'`);
      appliedLimit = memoryLimit;
    }
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
