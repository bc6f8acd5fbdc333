import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { cellText, unmadeText, type Column, type Dataset } from '../core/dataset.js';
import type { Utf8Text } from '../core/utf8-text.js';
import { stdoutError, writeAtomic } from './atomic.js';
import { bindings, duckdb, sqlIdent, sqlString, withConnection } from './duckdb.js';
import { outputFormatOf, textKindsKey, type OutputFormat } from './format.js';
import { pieceChars, stringBytes, textPieceCount } from './text-vectors.js';
import { writeXlsxFile } from './xlsx.js';

/** Options of {@link writeDataset}. */
export interface WriteOptions {
  /** Output format; default from the extension (Parquet unless .csv/.tsv/.json). */
  format?: string | undefined;
  /** Where `-` writes to (default process.stdout). */
  stdout?: NodeJS.WritableStream | undefined;
  /** Keep text cells starting with = + - @ as they are in CSV (default: neutralised with a leading '). */
  raw?: boolean | undefined;
}

/**
 * Write a dataset to `path` (Parquet, CSV or JSON by extension; `-` = CSV on stdout), atomically.
 * The dataset's metadata is stored as Parquet key–value metadata.
 */
export async function writeDataset(ds: Dataset, path: string, opts: WriteOptions = {}): Promise<void> {
  const format = outputFormatOf(path, opts.format);
  if (path === '-') {
    await toStdout(opts.stdout ?? process.stdout, (out) => writeCsv(ds, out, opts.raw ?? false));
    return;
  }
  await writeAtomic(path, (tmp) => writeDatasetFile(ds, tmp, format, opts.raw ?? false));
}

/**
 * Write a dataset to the file `tmp` as it is (not atomically: {@link writeDataset} and the output sets of
 * `io/outputs.ts` call it on a temporary file they rename afterwards).
 */
export async function writeDatasetFile(
  ds: Dataset,
  tmp: string,
  format: OutputFormat,
  raw: boolean,
): Promise<void> {
  if (format === 'xlsx') await writeXlsxFile(ds, tmp);
  else if (format === 'parquet') await writeParquet(ds, tmp);
  else {
    const stream = createWriteStream(tmp);
    const done = new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
    });
    // A failed open or write rejects `done` while rows are still being written (and 'drain' never comes).
    done.catch(() => {});
    try {
      const writing = format === 'csv' ? writeCsv(ds, stream, raw) : writeJson(ds, stream);
      await Promise.race([writing, done]);
    } finally {
      stream.end();
    }
    await done;
  }
}

/**
 * Write to standard output and wait until the last chunk is handed over: a failed write (a full disk, a closed
 * descriptor) becomes one DataError; a reader that went away (EPIPE, `| head`) is not an error.
 */
async function toStdout(
  out: NodeJS.WritableStream,
  write: (out: NodeJS.WritableStream) => Promise<void>,
): Promise<void> {
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<void>((resolve, reject) => {
    fail = (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' ? resolve() : reject(stdoutError(e)));
  });
  failed.catch(() => {});
  const onError = (e: Error): void => fail(e);
  out.on('error', onError);
  try {
    await Promise.race([
      (async () => {
        await write(out);
        // Resolves once everything before it is written; a write error reaches `failed`.
        await new Promise<void>((resolve) => out.write('', (e?: Error | null) => (e ? fail(e) : resolve())));
      })(),
      failed,
    ]);
  } finally {
    out.removeListener('error', onError);
  }
}

export { stdoutError };

const CHUNK = 2048;

let scanCounter = 0;

/** Levels past which a categorical column travels as its text rather than as codes looked up in a list. */
const maxListedLevels = 4096;

/**
 * How one column reaches DuckDB: numbers as DOUBLE; a categorical column as its codes (INTEGER), turned back into
 * its levels by a list lookup; text as one VARCHAR vector, or as three pieces of up to 12 characters joined by
 * DuckDB when many values are longer than 12 (an e-mail address): short ASCII pieces are written inline in one copy,
 * where a longer string costs a native call.
 */
type Feed =
  | { kind: 'numeric'; column: Column; first: number }
  | { kind: 'codes'; column: Column & { kind: 'categorical' }; first: number }
  | { kind: 'text'; column: Column; first: number }
  | { kind: 'pieces'; column: Column & { kind: 'string' }; first: number }
  | { kind: 'bytes'; column: Column; text: Utf8Text; pieces: number; first: number };

function feedOf(c: Column, first: number): Feed {
  if (c.kind === 'numeric') return { kind: 'numeric', column: c, first };
  if (c.kind === 'categorical')
    return c.levels.length <= maxListedLevels
      ? { kind: 'codes', column: c, first }
      : { kind: 'text', column: c, first };
  if (c.integer) return { kind: 'text', column: c, first };
  const text = unmadeText(c);
  if (text) return { kind: 'bytes', column: c, text, pieces: bytePieces(text), first };
  // Pieces pay when at least a quarter of the values (among the first 4,096) are ASCII of 13 to 36 characters.
  let seen = 0;
  let long = 0;
  for (let i = 0; i < c.values.length && seen < 4096; i++) {
    const v = c.values[i];
    if (v == null) continue;
    seen++;
    if (v.length > pieceChars && v.length <= pieceChars * textPieceCount && isAsciiText(v)) long++;
  }
  return seen > 0 && long * 4 >= seen
    ? { kind: 'pieces', column: c, first }
    : { kind: 'text', column: c, first };
}

/** {@link feedOf}'s choice for text kept as UTF-8 bytes: pieces when a quarter of the values are 13–36 ASCII bytes. */
function bytePieces(text: Utf8Text): number {
  let seen = 0;
  let long = 0;
  for (let i = 0; i < text.length && seen < 4096; i++) {
    if (text.isMissing(i)) continue;
    seen++;
    const n = text.offsets[i + 1]! - text.offsets[i]!;
    if (n > pieceChars && n <= pieceChars * textPieceCount && asciiBytes(text, i)) long++;
  }
  return seen > 0 && long * 4 >= seen ? textPieceCount : 1;
}

function asciiBytes(text: Utf8Text, i: number): boolean {
  if (text.ascii) return true;
  for (let p = text.offsets[i]!; p < text.offsets[i + 1]!; p++) if (text.bytes[p]! > 0x7f) return false;
  return true;
}

function isAsciiText(s: string): boolean {
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) > 0x7f) return false;
  return true;
}

/** The DuckDB types of a feed's vectors. */
function feedTypes(f: Feed): DuckDBType[] {
  switch (f.kind) {
    case 'numeric':
      return [duckdb.DOUBLE];
    case 'codes':
      return [duckdb.INTEGER];
    case 'text':
      return [duckdb.VARCHAR];
    case 'pieces':
      return Array.from({ length: textPieceCount }, () => duckdb.VARCHAR);
    case 'bytes':
      return Array.from({ length: f.pieces }, () => duckdb.VARCHAR);
  }
}

/** The SQL giving a feed's column back from its vectors. */
function feedExpr(f: Feed): string {
  const ref = (k: number) => sqlIdent(`c${f.first + k}`);
  switch (f.kind) {
    case 'codes':
      // NULL (a missing code) looks up NULL.
      return `list_extract([${f.column.levels.map(sqlString).join(', ')}]::VARCHAR[], ${ref(0)} + 1)`;
    case 'pieces':
    case 'bytes':
      // NULL in the first piece makes the whole value NULL.
      return Array.from({ length: f.kind === 'bytes' ? f.pieces : textPieceCount }, (_, k) => ref(k)).join(
        ' || ',
      );
    default:
      return outputExpr(f.column, ref(0));
  }
}

/**
 * Write a dataset as Parquet through DuckDB's COPY. DuckDB scans the columns through a table function that fills
 * one vector of rows per call straight from the arrays: no second copy of the table is made. A single scanning
 * thread keeps the rows in order.
 */
async function writeParquet(ds: Dataset, path: string): Promise<void> {
  await withConnection(async (conn) => {
    const name = `segment_out_${process.pid}_${++scanCounter}`;
    let vectors = 0;
    const feeds = ds.columns.map((c) => {
      const f = feedOf(c, vectors);
      vectors += feedTypes(f).length;
      return f;
    });
    const types = feeds.flatMap(feedTypes);
    // The registered function outlives this write in DuckDB's catalog: it reaches the columns only through
    // `source`, which is emptied afterwards so the dataset can be collected.
    const source: { feeds: readonly Feed[]; nRows: number; next: number } = {
      feeds,
      nRows: ds.nRows,
      next: 0,
    };
    const scan = duckdb.DuckDBTableFunction.create({
      name,
      bindFunction: (bind) => {
        types.forEach((t, j) => bind.addResultColumn(`c${j}`, t));
        bind.setCardinality(source.nRows, true);
      },
      initFunction: (init) => init.setMaxThreads(1),
      mainFunction: (_info, out) => {
        const start = source.next;
        const rows = Math.min(CHUNK, source.nRows - start);
        out.rowCount = rows;
        for (const f of source.feeds) fillFeed(out, f, start, rows);
        source.next = start + rows;
      },
    });
    conn.registerTableFunction(scan);
    const select = feeds.map((f) => `${feedExpr(f)} AS ${sqlIdent(f.column.name)}`).join(', ');
    const textKinds = Object.fromEntries(
      ds.columns
        .filter((c) => c.kind !== 'numeric' && !(c.kind === 'string' && c.integer))
        .map((c) => [c.name, c.kind]),
    );
    const kv = Object.entries({ ...ds.metadata, [textKindsKey]: JSON.stringify(textKinds) });
    const meta = kv.length
      ? `, KV_METADATA {${kv.map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`
      : '';
    // DuckDB refuses a table of no columns (a Parser Error, as when the table was copied first).
    if (ds.nCols === 0) await conn.run(`CREATE TEMP TABLE ${sqlIdent(name)} ()`);
    try {
      await conn.run(
        `COPY (SELECT ${select} FROM ${name}()) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd${meta})`,
      );
    } finally {
      source.feeds = [];
      source.nRows = 0;
    }
  });
}

function fillFeed(chunk: DuckDBDataChunk, f: Feed, start: number, rows: number): void {
  if (rows === 0) return;
  switch (f.kind) {
    case 'numeric': {
      if (f.column.kind !== 'numeric') return;
      const v = f.column.values;
      const vec = bindings.data_chunk_get_vector(chunk.chunk, f.first);
      if (v.buffer instanceof ArrayBuffer)
        bindings.copy_data_to_vector(vec, 0, v.buffer, v.byteOffset + start * 8, rows * 8);
      else {
        const slice = v.slice(start, start + rows);
        bindings.copy_data_to_vector(vec, 0, slice.buffer, 0, slice.byteLength);
      }
      return;
    }
    case 'codes':
      fillCodes(chunk, f.first, f.column.codes, start, rows);
      return;
    case 'text':
      fillStrings(chunk, f.first, 1, (i) => cellText(f.column, i), start, rows);
      return;
    case 'pieces': {
      const values = f.column.values;
      fillStrings(chunk, f.first, textPieceCount, (i) => values[i] ?? null, start, rows);
      return;
    }
    case 'bytes':
      fillBytes(chunk, f.first, f.pieces, f.text, start, rows);
  }
}

const codeData = new Int32Array(CHUNK);

/** Codes into an INTEGER vector; a missing code (−1) is NULL. */
function fillCodes(chunk: DuckDBDataChunk, j: number, codes: Int32Array, start: number, rows: number): void {
  const vec = bindings.data_chunk_get_vector(chunk.chunk, j);
  const validity = textValidity;
  const words = Math.ceil(rows / 64);
  validity.fill(0xff, 0, words * 8);
  let nulls = false;
  for (let i = 0; i < rows; i++) {
    const code = codes[start + i]!;
    codeData[i] = code;
    if (code < 0) {
      nulls = true;
      validity[i >> 3]! &= ~(1 << (i & 7));
    }
  }
  bindings.copy_data_to_vector(vec, 0, codeData.buffer, 0, rows * 4);
  setValidity(vec, nulls, words);
}

/** A vector's validity mask from `textValidity`, rewritten whole when it has a NULL or had one (an earlier chunk). */
function setValidity(
  vec: ReturnType<typeof bindings.data_chunk_get_vector>,
  nulls: boolean,
  words: number,
): void {
  if (nulls || bindings.vector_get_validity(vec, words * 8)) {
    bindings.vector_ensure_validity_writable(vec);
    bindings.copy_data_to_vector_validity(vec, 0, textValidity.buffer, 0, words * 8);
  }
}

const pieceData = Array.from({ length: textPieceCount }, () => new Uint8Array(CHUNK * stringBytes));
const textValidity = new Uint8Array(Math.ceil(CHUNK / 64) * 8);

/** Clear the first `pieces` piece buffers and the validity mask for `rows` rows; returns the mask's 64-bit words. */
function clearPieces(pieces: number, rows: number): number {
  const words = Math.ceil(rows / 64);
  textValidity.fill(0xff, 0, words * 8);
  for (let k = 0; k < pieces; k++) pieceData[k]!.fill(0, 0, rows * stringBytes);
  return words;
}

/** Copy the piece buffers into vectors `first … first + pieces − 1` of `chunk`; returns the first vector. */
function copyPieces(chunk: DuckDBDataChunk, first: number, pieces: number, rows: number) {
  for (let k = 0; k < pieces; k++) {
    const vec = bindings.data_chunk_get_vector(chunk.chunk, first + k);
    bindings.copy_data_to_vector(vec, 0, pieceData[k]!.buffer, 0, rows * stringBytes);
  }
  return bindings.data_chunk_get_vector(chunk.chunk, first);
}

/**
 * Fill the `pieces` VARCHAR vectors (from `first`) of rows `start … start + rows - 1` of a text column (`cell`
 * gives a row's text). ASCII text up to 12 characters a piece is cut into pieces written inline, in one copy per
 * vector; anything else goes whole into the first piece, handed to DuckDB one string at a time (it keeps the bytes
 * in the vector's string heap); a missing value is NULL in the first piece.
 */
function fillStrings(
  chunk: DuckDBDataChunk,
  first: number,
  pieces: number,
  cell: (row: number) => string | null,
  start: number,
  rows: number,
): void {
  const others: number[] = [];
  const otherText: string[] = [];
  const validity = textValidity;
  const words = clearPieces(pieces, rows);
  let nulls = false;
  const limit = pieceChars * pieces;
  for (let i = 0; i < rows; i++) {
    const s = cell(start + i);
    if (s === null) {
      nulls = true;
      validity[i >> 3]! &= ~(1 << (i & 7));
      continue;
    }
    const n = s.length;
    const at = i * stringBytes;
    let ascii = n <= limit;
    for (let k = 0; ascii && k < n; k++) {
      const code = s.charCodeAt(k);
      if (code > 0x7f) ascii = false;
      else pieceData[(k / pieceChars) | 0]![at + 4 + (k % pieceChars)] = code;
    }
    if (ascii) {
      for (let k = 0; k < pieces; k++)
        pieceData[k]![at] = Math.max(0, Math.min(n - k * pieceChars, pieceChars));
    } else {
      for (let k = 0; k < pieces; k++) pieceData[k]!.fill(0, at, at + stringBytes);
      others.push(i);
      otherText.push(s);
    }
  }
  const head = copyPieces(chunk, first, pieces, rows);
  for (let k = 0; k < others.length; k++)
    bindings.vector_assign_string_element(head, others[k]!, otherText[k]!);
  setValidity(head, nulls, words);
}

/**
 * {@link fillStrings} for text kept as UTF-8 bytes: a value of at most 12 bytes, or of ASCII cut into `pieces` of
 * 12, is written inline; any other goes whole into the first piece through one native call.
 */
function fillBytes(
  chunk: DuckDBDataChunk,
  first: number,
  pieces: number,
  text: Utf8Text,
  start: number,
  rows: number,
): void {
  const { bytes, offsets } = text;
  const others: number[] = [];
  const validity = textValidity;
  const words = clearPieces(pieces, rows);
  let nulls = false;
  const limit = pieceChars * pieces;
  for (let i = 0; i < rows; i++) {
    const r = start + i;
    if (text.isMissing(r)) {
      nulls = true;
      validity[i >> 3]! &= ~(1 << (i & 7));
      continue;
    }
    const a = offsets[r]!;
    const n = offsets[r + 1]! - a;
    if (n > pieceChars && (n > limit || !asciiBytes(text, r))) {
      others.push(i);
      continue;
    }
    const at = i * stringBytes;
    for (let k = 0; k * pieceChars < n; k++) {
      const d = pieceData[k]!;
      const from = a + k * pieceChars;
      const len = Math.min(n - k * pieceChars, pieceChars);
      d[at] = len;
      for (let q = 0; q < len; q++) d[at + 4 + q] = bytes[from + q]!;
    }
  }
  const head = copyPieces(chunk, first, pieces, rows);
  for (const i of others) {
    const a = offsets[start + i]!;
    bindings.vector_assign_string_element_len(head, i, bytes.subarray(a, offsets[start + i + 1]!));
  }
  setValidity(head, nulls, words);
}

function outputExpr(c: Column, ref: string): string {
  // Exact 64-bit ids travel as their digits and land as BIGINT.
  if (c.kind === 'string' && c.integer) return `CAST(${ref} AS BIGINT)`;
  if (c.kind !== 'numeric') return ref;
  // NaN marks a missing value in memory; it is a NULL on disk.
  const v = `NULLIF(${ref}, 'NaN'::DOUBLE)`;
  switch (c.type) {
    case 'integer':
      return `CAST(${v} AS BIGINT)`;
    case 'boolean':
      return `CAST(${v} AS BOOLEAN)`;
    case 'timestamp':
      return `make_timestamp(CAST(${v} * 1000 AS BIGINT))`;
    case 'date':
      return `CAST(make_timestamp(CAST(${v} * 1000 AS BIGINT)) AS DATE)`;
    default:
      return v;
  }
}

const formulaStart = /^[=+\-@\t\r]/;

/** Quote a CSV field when needed (RFC 4180). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

async function writeChunks(out: NodeJS.WritableStream, lines: () => Generator<string>): Promise<void> {
  let buf = '';
  for (const line of lines()) {
    buf += line;
    if (buf.length >= 1 << 16) {
      if (!out.write(buf)) await once(out as WriteStream, 'drain');
      buf = '';
    }
  }
  if (buf.length > 0 && !out.write(buf)) await once(out as WriteStream, 'drain');
}

/**
 * Stream a dataset as CSV. Text cells that a spreadsheet would run as a formula (starting with
 * = + - @) get a leading apostrophe unless `raw`.
 */
export async function writeCsv(ds: Dataset, out: NodeJS.WritableStream, raw = false): Promise<void> {
  const cols = ds.columns;
  await writeChunks(out, function* () {
    yield cols.map((c) => csvField(raw ? c.name : neutralise(c.name))).join(',') + '\n';
    for (let i = 0; i < ds.nRows; i++) {
      let line = '';
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        if (j > 0) line += ',';
        if (c.kind === 'numeric' && c.type !== 'timestamp' && c.type !== 'date' && c.type !== 'boolean') {
          const v = c.values[i]!;
          if (!Number.isNaN(v)) line += String(v);
        } else {
          const t = cellText(c, i);
          const asIs = raw || c.kind === 'numeric' || (c.kind === 'string' && c.integer === true);
          if (t !== null) line += csvField(asIs ? t : neutralise(t));
        }
      }
      yield line + '\n';
    }
  });
}

function neutralise(s: string): string {
  return formulaStart.test(s) ? `'${s}` : s;
}

/** Stream a dataset as a JSON array of row objects (missing values are null; dates are ISO strings). */
export async function writeJson(ds: Dataset, out: NodeJS.WritableStream): Promise<void> {
  const cols = ds.columns;
  const keys = cols.map((c) => JSON.stringify(c.name) + ':');
  await writeChunks(out, function* () {
    yield '[';
    for (let i = 0; i < ds.nRows; i++) {
      let line = i === 0 ? '\n{' : ',\n{';
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        if (j > 0) line += ',';
        line += keys[j];
        if (c.kind === 'numeric' && c.type !== 'timestamp' && c.type !== 'date') {
          const v = c.values[i]!;
          line += Number.isFinite(v) ? (c.type === 'boolean' ? String(v !== 0) : String(v)) : 'null';
        } else {
          const t = cellText(c, i);
          // Whole numbers past 2^53 are written as JSON numbers with every digit (JSON has no precision limit).
          line += t === null ? 'null' : c.kind === 'string' && c.integer ? t : JSON.stringify(t);
        }
      }
      yield line + '}';
    }
    yield '\n]\n';
  });
}
