import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import bindings from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBVarCharVector } from '@duckdb/node-api';
import { Dataset, numericColumn, type Column, type NumericType } from '../core/dataset.js';
import { DataError, InternalError, UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { Random } from '../core/random.js';
import {
  diagnoseCsv,
  firstLine,
  looksBinary,
  readPrefix,
  sniffDelimiter,
  splitCsvLine,
} from './csv-check.js';
import { duckMessage, sqlIdent, sqlString, withConnection } from './duckdb.js';
import { inputFormatOf, type InputFormat } from './format.js';
import { textColumn } from './text-column.js';

/** A column type the user can force with `--types col=TYPE`. */
export const typeOverrides = [
  'double',
  'integer',
  'boolean',
  'timestamp',
  'date',
  'categorical',
  'string',
] as const;
export type TypeOverride = (typeof typeOverrides)[number];

/** Options of {@link readDataset}. */
export interface ReadOptions {
  /** Input format; default from the extension. */
  format?: string | undefined;
  /** CSV field delimiter; default sniffed from the header line (`,` `\t` `;` `|`). */
  delimiter?: string | undefined;
  /** Text encoding of CSV input: utf-8 (default), utf-16 or latin-1. */
  encoding?: string | undefined;
  /** Forced column types. */
  types?: Readonly<Record<string, TypeOverride>> | undefined;
  /** Keep a seeded random sample of this many rows (in file order). */
  sample?: number | undefined;
  /** Seed of the sample. */
  seed?: number | undefined;
  /** Text columns with at most this many distinct values (and at most half the rows) become categorical. */
  maxLevels?: number | undefined;
  /** Where `-` reads from (default process.stdin). */
  stdin?: NodeJS.ReadableStream | undefined;
  logger?: Logger | undefined;
}

/** Metadata keys segment stores in Parquet files start with this prefix. */
export const metadataPrefix = 'segment.';

/** Parquet metadata key recording the kind (categorical or string) of each text column. */
export const textKindsKey = 'segment.text_columns';

function parseTextKinds(json: string | undefined): Record<string, TypeOverride> {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const out: Record<string, TypeOverride> = {};
    for (const [k, v] of Object.entries(parsed)) if (v === 'categorical' || v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/**
 * Read a CSV/TSV/Parquet/JSON/NDJSON file, or CSV on stdin (`-`), into a columnar Dataset through DuckDB.
 * Numeric columns are copied straight from DuckDB's vectors into `Float64Array`s (NULL → NaN);
 * text becomes categorical codes (few distinct values) or strings; dates become epoch milliseconds.
 * O(rows × columns) time and memory.
 * @throws DataError for a missing, empty, binary or malformed file; UsageError for bad options.
 */
export async function readDataset(path: string, opts: ReadOptions = {}): Promise<Dataset> {
  if (path !== '-') return readFile(path, path, opts);
  const dir = await mkdtemp(join(tmpdir(), 'segment-stdin-'));
  try {
    const tmp = join(dir, 'stdin.csv');
    await pipeline(opts.stdin ?? process.stdin, createWriteStream(tmp));
    return await readFile(tmp, 'stdin', { ...opts, format: opts.format ?? 'csv' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readFile(path: string, name: string, opts: ReadOptions): Promise<Dataset> {
  const format = inputFormatOf(path, opts.format);
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new DataError(`${name}: is a directory, not a data file`);
    size = s.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${name}: file not found`, 'check the path');
    if (code === 'EACCES') throw new DataError(`${name}: permission denied`);
    throw new DataError(`${name}: cannot read (${(e as Error).message})`);
  }
  if (size === 0) throw new DataError(`${name}: file is empty`, 'expected a header line and data rows');

  const source = await sourceSql(path, name, format, opts);
  const logger = opts.logger ?? silentLogger;
  const meta: Record<string, string> =
    format === 'parquet' ? await parquetMetadata(path).catch(() => ({})) : {};
  // Files segment wrote say which text columns were categorical and which free text.
  const textKinds = parseTextKinds(meta[textKindsKey]);
  delete meta[textKindsKey];
  const ds = await withConnection(async (conn) => {
    const overrides: Record<string, TypeOverride> = { ...textKinds, ...(opts.types ?? {}) };
    // DuckDB infers CSV types from a sample; a value later in the file that does not fit is read
    // again as text rather than failing the whole read (like pandas' object columns).
    for (let attempt = 0; ; attempt++) {
      try {
        return await readSource(conn, source.sql(overrides), name, overrides, opts);
      } catch (e) {
        const bad = /Error when converting column "([^"]+)"/.exec(duckMessage(e) + String(e));
        const col = bad?.[1];
        if (format === 'csv' || format === 'tsv') {
          if (col !== undefined && attempt < 64 && !(col in (opts.types ?? {}))) {
            overrides[col] = 'string';
            logger.log('debug', `column '${col}' has values that are not numbers; reading it as text`);
            continue;
          }
        }
        throw await explain(e, path, name, format, source.delimiter);
      }
    }
  });
  if (ds.nRows === 0) {
    throw new DataError(`${name}: has a header but no data rows`, 'expected at least one row of data');
  }
  let out = Object.keys(meta).length > 0 ? ds.withMetadata(meta) : ds;
  if (opts.sample !== undefined && opts.sample < out.nRows) {
    out = out.take(new Random(opts.seed ?? 42).sampleIndices(out.nRows, opts.sample));
  }
  return out;
}

interface Source {
  sql: (overrides: Readonly<Record<string, TypeOverride>>) => string;
  delimiter: string;
}

async function sourceSql(
  path: string,
  name: string,
  format: InputFormat,
  opts: ReadOptions,
): Promise<Source> {
  const p = sqlString(path);
  switch (format) {
    case 'xlsx':
      throw new InternalError(`${name}: .xlsx workbooks are read by readXlsx, not through DuckDB`);
    case 'parquet':
      return { sql: () => `read_parquet(${p})`, delimiter: ',' };
    case 'json':
      return { sql: () => `read_json(${p}, format = 'auto')`, delimiter: ',' };
    case 'ndjson':
      return { sql: () => `read_json(${p}, format = 'newline_delimited')`, delimiter: ',' };
    case 'csv':
    case 'tsv': {
      const prefix = await readPrefix(path);
      if (looksBinary(prefix)) {
        throw new DataError(
          `${name}: looks like binary data, not ${format.toUpperCase()} text`,
          'check the file, or pass --format',
        );
      }
      const encoding = normaliseEncoding(opts.encoding);
      const header = encoding === 'utf-8' ? firstLine(prefix) : '';
      const delimiter =
        unescapeDelimiter(opts.delimiter) ?? (format === 'tsv' ? '\t' : sniffDelimiter(header));
      if (header.trim() === '' && encoding === 'utf-8') {
        throw new DataError(`${name}: the first line is empty; expected a header with column names`);
      }
      if (encoding === 'utf-8') {
        const names = splitCsvLine(header, delimiter).map((s) => s.trim());
        const seen = new Set<string>();
        for (const n of names) {
          if (seen.has(n)) {
            throw new DataError(`${name}: duplicate column name '${n}' in the header`, 'rename one of them');
          }
          seen.add(n);
        }
      }
      const base = `delim = ${sqlString(delimiter)}, quote = '"', escape = '"', header = true, skip = 0, strict_mode = true, null_padding = false, encoding = ${sqlString(encoding)}`;
      return {
        delimiter,
        sql: (overrides) => {
          const forced = Object.entries(overrides).filter(([, t]) => t === 'string' || t === 'categorical');
          const types = forced.length
            ? `, types = {${forced.map(([c]) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`
            : '';
          return `read_csv(${p}, ${base}${types})`;
        },
      };
    }
  }
}

/** The `--encoding` flag as DuckDB names it (utf-8, utf-16, latin-1). */
export function normaliseEncoding(e: string | undefined): string {
  if (e === undefined) return 'utf-8';
  const k = e.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (k === 'utf8') return 'utf-8';
  if (k === 'utf16' || k === 'utf16le') return 'utf-16';
  if (k === 'latin1' || k === 'iso88591') return 'latin-1';
  throw new UsageError(`unknown --encoding '${e}'`, 'use utf-8, utf-16 or latin-1');
}

/** The `--delimiter` flag as one character (`tab` and `\\t` accepted). */
export function unescapeDelimiter(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const v = d === '\\t' || d.toLowerCase() === 'tab' ? '\t' : d;
  if (v.length !== 1) throw new UsageError(`--delimiter must be one character, got '${d}'`);
  return v;
}

async function explain(
  e: unknown,
  path: string,
  name: string,
  format: InputFormat,
  delimiter: string,
): Promise<Error> {
  if (e instanceof DataError || e instanceof UsageError) return e;
  const msg = duckMessage(e);
  if (format === 'csv' || format === 'tsv') {
    if (/invalid unicode|not utf-8 encoded/i.test(String(e))) {
      return new DataError(
        `${name}: not valid UTF-8 text (${msg.replace(/^.*?Error:\s*/, '')})`,
        'pass --encoding latin-1 or utf-16',
      );
    }
    const why = await diagnoseCsv(path, delimiter).catch(() => null);
    if (why)
      return new DataError(
        `${name}: malformed CSV: ${why}`,
        'fix the file, or pass --delimiter if the guess was wrong',
      );
    return new DataError(
      `${name}: cannot parse as CSV: ${msg.replace(/^.*?Error:\s*/, '')}`,
      'check the delimiter (--delimiter) and quoting',
    );
  }
  if (format === 'parquet') {
    return new DataError(
      `${name}: not a valid Parquet file (${msg.replace(/^.*?Error:\s*/, '')})`,
      'the file may be truncated or not Parquet; pass --format',
    );
  }
  return new DataError(
    `${name}: malformed JSON: ${msg.replace(/^.*?Error:\s*/, '').replace(/ in file "[^"]*"/, '')}`,
    'check the file',
  );
}

function numericTypeOf(duckType: string): NumericType | undefined {
  const t = duckType.toUpperCase();
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(t)) return 'double';
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t)) return 'integer';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return undefined;
}

type Plan =
  | { name: string; kind: 'numeric'; type: NumericType }
  | { name: string; kind: 'text'; forced?: 'categorical' | 'string' };

function selectExpr(p: Plan, src: string): string {
  const c = sqlIdent(p.name);
  if (p.kind === 'text') return `CAST(${c} AS VARCHAR)`;
  switch (p.type) {
    case 'date':
      return `CAST(epoch_ms(CAST(${c} AS TIMESTAMP)) AS DOUBLE)`;
    case 'timestamp':
      return src.startsWith('TIMESTAMP')
        ? `CAST(epoch_ms(${c}) AS DOUBLE)`
        : `CAST(epoch_ms(CAST(${c} AS TIMESTAMP)) AS DOUBLE)`;
    case 'integer':
      return src === 'VARCHAR' ? `CAST(CAST(${c} AS BIGINT) AS DOUBLE)` : `CAST(${c} AS DOUBLE)`;
    default:
      return `CAST(${c} AS DOUBLE)`;
  }
}

/**
 * Read everything `SELECT * FROM source` returns on `conn` into a Dataset (the typed-vector path of file ingest;
 * `source` is a table function call, a table name or a parenthesised query). O(rows × columns).
 * @throws UsageError for a `--types` column the source does not have; DuckDB's own error for a failing query.
 */
export async function readSource(
  conn: DuckDBConnection,
  source: string,
  name: string,
  overrides: Readonly<Record<string, TypeOverride>>,
  opts: ReadOptions,
): Promise<Dataset> {
  const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson();
  const plans: Plan[] = [];
  const srcTypes: string[] = [];
  for (const row of described) {
    const col = String(row['column_name']);
    const type = String(row['column_type']);
    srcTypes.push(type.toUpperCase());
    const forced = overrides[col];
    if (forced === 'string' || forced === 'categorical') plans.push({ name: col, kind: 'text', forced });
    else if (forced !== undefined) plans.push({ name: col, kind: 'numeric', type: forced });
    else {
      const nt = numericTypeOf(type);
      plans.push(nt ? { name: col, kind: 'numeric', type: nt } : { name: col, kind: 'text' });
    }
  }
  for (const col of Object.keys(opts.types ?? {})) {
    if (!plans.some((p) => p.name === col)) {
      throw new UsageError(
        `--types names column '${col}', which ${name} does not have`,
        `columns: ${plans.map((p) => p.name).join(', ')}`,
      );
    }
  }
  if (plans.length === 0) throw new DataError(`${name}: has no columns`);
  const sql = `SELECT ${plans.map((p, j) => `${selectExpr(p, srcTypes[j]!)} AS ${sqlIdent(`c${j}`)}`).join(', ')} FROM ${source}`;
  let result: DuckDBMaterializedResult;
  try {
    result = await conn.run(sql);
  } catch (e) {
    const msg = duckMessage(e);
    const conv = /Could not convert string '([^']*)'|Could not convert string "([^"]*)"/.exec(msg);
    if (conv && Object.keys(opts.types ?? {}).length > 0) {
      throw new DataError(
        `${name}: a value does not fit the type forced by --types: ${msg.replace(/^.*?Error:\s*/, '')}`,
      );
    }
    throw e;
  }
  const n = result.rowCount;
  const nums: (Float64Array | undefined)[] = plans.map((p) =>
    p.kind === 'numeric' ? new Float64Array(n) : undefined,
  );
  const texts: ((string | null)[] | undefined)[] = plans.map((p) =>
    p.kind === 'text' ? new Array<string | null>(n) : undefined,
  );
  let offset = 0;
  for (let ci = 0; ci < result.chunkCount; ci++) {
    const chunk = result.getChunk(ci);
    const rows = chunk.rowCount;
    for (let j = 0; j < plans.length; j++) {
      const num = nums[j];
      if (num) copyDoubles(chunk.chunk, j, rows, num, offset);
      else {
        const vec = chunk.getColumnVector(j) as DuckDBVarCharVector;
        const out = texts[j]!;
        for (let i = 0; i < rows; i++) out[offset + i] = vec.getItem(i);
      }
    }
    offset += rows;
  }
  const maxLevels = opts.maxLevels ?? 1000;
  const columns: Column[] = plans.map((p, j) => {
    if (p.kind === 'numeric') return numericColumn(p.name, nums[j]!, p.type);
    return textColumn(p.name, texts[j]!, p.forced, maxLevels);
  });
  return Dataset.of(columns, {}, n);
}

function copyDoubles(
  chunk: bindings.DataChunk,
  j: number,
  rows: number,
  out: Float64Array,
  offset: number,
): void {
  const vec = bindings.data_chunk_get_vector(chunk, j);
  const bytes = bindings.vector_get_data(vec, rows * 8);
  if (bytes.byteOffset % 8 === 0) out.set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), offset);
  else out.set(new Float64Array(bytes.slice().buffer, 0, rows), offset);
  const validity = bindings.vector_get_validity(vec, Math.ceil(rows / 64) * 8) as
    Uint8Array | null | undefined;
  if (validity) {
    for (let i = 0; i < rows; i++) {
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) out[offset + i] = Number.NaN;
    }
  }
}

export { textColumn } from './text-column.js';

/** The segment.* key–value metadata of a Parquet file. */
export async function parquetMetadata(path: string): Promise<Record<string, string>> {
  return withConnection(async (conn) => {
    const r = await conn.runAndReadAll(`SELECT key, value FROM parquet_kv_metadata(${sqlString(path)})`);
    const out: Record<string, string> = {};
    for (const row of r.getRows()) {
      const k = blobText(row[0]);
      if (k.startsWith(metadataPrefix)) out[k] = blobText(row[1]);
    }
    return out;
  });
}

function blobText(v: unknown): string {
  if (v && typeof v === 'object' && 'bytes' in v)
    return Buffer.from((v as { bytes: Uint8Array }).bytes).toString('utf8');
  return String(v);
}
