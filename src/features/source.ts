import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError, UsageError } from '../core/errors.js';
import { duckMessage, sqlIdent, sqlString } from '../io/duckdb.js';
import { inputFormatOf, type InputFormat } from '../io/format.js';
import { checkDatabaseFile } from '../io/sql-url.js';
import {
  checkInputFile,
  explainCsv,
  prepareCsv,
  readDataset,
  textParsingOf,
  type PreparedCsv,
  type ReadOptions,
} from '../io/read.js';
import { writeDataset } from '../io/write.js';

/** How to read the event log (the shared input flags). */
export interface SourceOptions extends Pick<
  ReadOptions,
  'naValues' | 'defaultNa' | 'decimal' | 'thousands' | 'dateFormats' | 'sheet' | 'logger'
> {
  format?: string | undefined;
  delimiter?: string | undefined;
  encoding?: string | undefined;
  /** Columns forced to text (`--types col=string`), e.g. ids with leading zeros. */
  textColumns?: readonly string[] | undefined;
  /** Where `-` reads from (default process.stdin). */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** A readable event log: a DuckDB table expression plus what is known about it. */
export interface EventSource {
  /** The name used in messages: the path, or `stdin`. */
  name: string;
  format: InputFormat;
  /** Column names and DuckDB types, in file order. */
  columns: { name: string; type: string }[];
  /** Whether the source is CSV/TSV text (columns passed to `relation` are then read as VARCHAR). */
  csv: boolean;
  /** The table expression, with `text` columns read as VARCHAR (CSV: no type guessing for them). */
  relation(text: readonly string[]): string;
  /** Turn a DuckDB failure while scanning the source into a one-line DataError. */
  explain(e: unknown): Promise<Error>;
  /** Remove the temporary copy of stdin, if any. */
  close(): Promise<void>;
  /** A statement making `relation` valid in a script of its own (ATTACH of a database file), if one is needed. */
  setupSql?: string | undefined;
}

/**
 * Open an event log for reading through DuckDB: CSV/TSV (path or `-` for stdin, copied to a temporary file),
 * Parquet, JSON or NDJSON; CSV options as `segment ingest`. Describes the columns (a sample of the file).
 * @throws DataError for a missing, empty, binary or unreadable file; UsageError for bad options.
 */
export async function openEventSource(
  conn: DuckDBConnection,
  path: string,
  opts: SourceOptions = {},
): Promise<EventSource> {
  let file = path;
  let name = path;
  let tmpDir: string | undefined;
  if (path === '-') {
    tmpDir = await mkdtemp(join(tmpdir(), 'segment-stdin-'));
    file = join(tmpDir, 'stdin.csv');
    await pipeline(opts.stdin ?? process.stdin, createWriteStream(file));
    name = 'stdin';
  }
  let prepared: PreparedCsv | undefined;
  const close = async () => {
    await prepared?.cleanup();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  };
  try {
    const format = inputFormatOf(path, opts.format);
    await checkInputFile(file, name);
    const p = sqlString(file);
    let base: string;
    let delimiter = ',';
    let csv = false;
    switch (format) {
      case 'parquet':
        base = `read_parquet(${p}`;
        break;
      case 'json':
        base = `read_json(${p}, format = 'auto'`;
        break;
      case 'ndjson':
        base = `read_json(${p}, format = 'newline_delimited'`;
        break;
      case 'xlsx': {
        // A workbook is read by the file reader (typed cells) and handed to DuckDB as a temporary Parquet copy.
        const ds = await readDataset(file, { ...opts, format: 'xlsx' });
        tmpDir ??= await mkdtemp(join(tmpdir(), 'segment-xlsx-'));
        const copy = join(tmpDir, 'events.parquet');
        await writeDataset(ds, copy);
        base = `read_parquet(${sqlString(copy)}`;
        break;
      }
      default: {
        csv = true;
        // The feature SQL reads the CSV itself: every token is a null string there.
        prepared = await prepareCsv(file, name, format, opts, textParsingOf(opts), {
          scanWhole: true,
          allTokens: true,
        });
        delimiter = prepared.delimiter;
        base = `read_csv(${sqlString(prepared.file)}, ${prepared.options}`;
      }
    }
    const explain = async (e: unknown): Promise<Error> => {
      if (e instanceof DataError || e instanceof UsageError) return e;
      // Binder, catalog or parser errors come from the generated SQL, not from the data: a bug, not exit 3.
      if (/^(Binder|Catalog|Parser|Internal) Error/i.test(duckMessage(e)))
        return e instanceof Error ? e : new Error(String(e));
      if (prepared) return explainCsv(e, prepared.file, name, delimiter);
      const msg = duckMessage(e).replace(/^.*?Error:\s*/, '');
      return new DataError(
        `${name}: cannot read as ${format}: ${msg}`,
        'the file may be truncated or in another format; pass --format',
      );
    };
    const text = new Set(opts.textColumns ?? []);
    const relation = (forced: readonly string[]) => {
      const all = [...new Set([...forced, ...text])];
      if (!csv || all.length === 0) return `${base})`;
      return `${base}, types = {${all.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}})`;
    };
    let columns: { name: string; type: string }[];
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${base})`);
      columns = described
        .getRowObjectsJson()
        .map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
    } catch (e) {
      throw await explain(e);
    }
    for (const c of text) {
      if (!columns.some((k) => k.name === c)) {
        throw new UsageError(
          `--types names column '${c}', which ${name} does not have`,
          `columns: ${columns.map((k) => k.name).join(', ')}`,
        );
      }
    }
    return { name, format, columns, csv, relation, explain, close };
  } catch (e) {
    await close();
    throw e;
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

let attachCounter = 0;

/**
 * Open table `table` of a DuckDB database file as an event source: the file is attached read-only to the
 * connection and the table is read in place (no copy). `close()` detaches it. O(1) plus a DESCRIBE.
 * @throws DataError for a missing or non-DuckDB file or a missing table (DuckDB's message, one line).
 */
export async function openDuckDbTable(
  conn: DuckDBConnection,
  path: string,
  table: string,
): Promise<EventSource> {
  const name = `DuckDB ${path}`;
  const ref = tableRef(table);
  await checkDatabaseFile(path, name);
  const alias = sqlIdent(`segment_db_${process.pid}_${++attachCounter}`);
  const strip = (e: unknown) => duckMessage(e).replace(/^[A-Za-z ]*Error:\s*/, '');
  const attach = `ATTACH ${sqlString(path)} AS ${alias} (READ_ONLY)`;
  try {
    await conn.run(attach);
  } catch (e) {
    throw new DataError(`${name}: cannot open as a DuckDB database (${strip(e)})`);
  }
  const close = async () => {
    await conn.run(`DETACH ${alias}`).catch(() => undefined);
  };
  try {
    const relation = `${alias}.${ref}`;
    let columns: { name: string; type: string }[];
    try {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
      columns = described
        .getRowObjectsJson()
        .map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
    } catch (e) {
      throw new DataError(`${name}: ${strip(e)}`, 'check --table (schema.table for another schema)');
    }
    const explain = async (e: unknown): Promise<Error> => {
      if (e instanceof DataError || e instanceof UsageError) return e;
      return new DataError(`${name}: query failed: ${strip(e)}`);
    };
    return {
      name: `${name} table ${table}`,
      format: 'parquet',
      columns,
      csv: false,
      relation: () => relation,
      explain,
      close,
      setupSql: attach,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
