import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DataChunk } from '@duckdb/node-bindings';
import type { DuckDBConnection, DuckDBVarCharVector } from '@duckdb/node-api';
import { Dataset, cellText, numericColumn, type Column, type NumericType } from '../core/dataset.js';
import { DataError, InternalError, UsageError } from '../core/errors.js';
import { silentLogger, withProgress, type Logger } from '../core/logger.js';
import { collectYoung, releaseBuffer } from '../core/gc.js';
import { Random } from '../core/random.js';
import {
  diagnoseCsv,
  firstLine,
  looksBinary,
  readPrefix,
  sniffDelimiter,
  splitCsvLine,
} from './csv-check.js';
import { bindings, duckMessage, sqlIdent, sqlString, stripKind, withConnection } from './duckdb.js';
import { detectFileEncoding, encodingLabel, sniffEncoding, transcodeToUtf8 } from './encoding.js';
import { inputFormatOf, metadataPrefix, textKindsKey, type InputFormat } from './format.js';
import { exactIntegerColumn, inferTextColumn, type ReadNote } from './infer.js';
import { textColumn } from './text-column.js';
import { TextVectorReader, piecesFor, textPieces } from './text-vectors.js';
import { DateFormat, naTokenSet, numberLocale, type TextParsing } from './text-values.js';
import { checkDatabaseFile, tableRef } from './sql-url.js';
import { writeDataset } from './write.js';
import { readXlsx } from './xlsx.js';

export { textColumn } from './text-column.js';
export type { ReadNote } from './infer.js';

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
  /**
   * Text encoding of CSV input (any label Node decodes: utf-8, utf-16, latin-1, windows-1252 …). Default: UTF-8,
   * or what the bytes prove (a byte-order mark, UTF-16, Windows-1252), else a DataError naming --encoding.
   */
  encoding?: string | undefined;
  /** Forced column types. */
  types?: Readonly<Record<string, TypeOverride>> | undefined;
  /** Keep a seeded random sample of this many rows (in file order). */
  sample?: number | undefined;
  /** Seed of the sample. */
  seed?: number | undefined;
  /** Text columns with at most this many distinct values (and at most half the rows) become categorical. */
  maxLevels?: number | undefined;
  /** Cells read as missing besides pandas' default tokens (`--na-values`). */
  naValues?: readonly string[] | undefined;
  /** Use pandas' default missing-value tokens (default true; `--no-default-na`). Empty cells are always missing. */
  defaultNa?: boolean | undefined;
  /** Decimal mark of numbers in text files: `.` (default) or `,`. */
  decimal?: string | undefined;
  /** Thousands separator of numbers in text files (space, nbsp, narrow-nbsp, `.`, `,`, `'`). */
  thousands?: string | undefined;
  /** strptime formats for date columns in text files, tried in order; default: only ISO-8601 dates are dates. */
  dateFormats?: readonly string[] | undefined;
  /** Worksheet of an .xlsx workbook: a name or a 1-based index (default the first). */
  sheet?: string | undefined;
  /** Receives what the reader noticed about columns (also logged as warnings). */
  notes?: ReadNote[] | undefined;
  /** Where `-` reads from (default process.stdin). */
  stdin?: NodeJS.ReadableStream | undefined;
  logger?: Logger | undefined;
}

export { metadataPrefix, textKindsKey } from './format.js';

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
 * How text cells of a file become values, from the reader options (missing-value tokens, number locale, date formats).
 * @throws UsageError for a bad --decimal / --thousands / --date-format.
 */
export function textParsingOf(opts: ReadOptions): TextParsing {
  const locale = numberLocale(opts.decimal, opts.thousands);
  const dateFormats = (opts.dateFormats ?? []).map((f) => new DateFormat(f));
  const naTokens = naTokenSet(opts.naValues ?? [], opts.defaultNa ?? true);
  naTokens.add('');
  return { naTokens, ...locale, dateFormats };
}

/**
 * Read a CSV/TSV/Parquet/JSON/NDJSON/XLSX file, or CSV on stdin (`-`), into a columnar Dataset through DuckDB.
 * Numeric columns are copied straight from DuckDB's vectors into `Float64Array`s (NULL → NaN);
 * text becomes categorical codes (few distinct values) or strings; dates become epoch milliseconds.
 * In text files (CSV, TSV, JSON, XLSX), pandas' missing-value tokens are missing, `inf` is infinity, whole numbers
 * past 2^53 stay exact text, and columns that are mostly — not all — numbers or dates are reported
 * (`opts.notes`, warnings). O(rows × columns) time and memory.
 * @throws DataError for a missing, empty, binary or malformed file; UsageError for bad options.
 */
export async function readDataset(path: string, opts: ReadOptions = {}): Promise<Dataset> {
  // The flags are checked before the input is looked at.
  inputFormatOf(path, opts.format);
  const src = await openSource(path, opts, { parsing: textParsingOf(opts) });
  try {
    const label = `reading ${path === '-' ? 'stdin' : basename(path)}`;
    return await withProgress(opts.logger ?? silentLogger, label, () => readOpened(src, opts));
  } finally {
    await src.close();
  }
}

/**
 * Check that an input path is a readable, non-empty file.
 * @throws DataError naming it otherwise.
 */
export async function checkInputFile(path: string, name: string): Promise<void> {
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
}

/** A table of a DuckDB database file, read in place through a read-only ATTACH on `conn`. */
export interface DatabaseTable {
  /** The database file. */
  database: string;
  /** The table, optionally schema.table. */
  table: string;
  conn: DuckDBConnection;
}

/** Where rows come from: a data file, `-` for CSV on stdin, or a table of a DuckDB database file. */
export type SourceSpec = string | DatabaseTable;

/** How {@link openSource} makes a source ready. */
export interface OpenSourceOptions {
  /** CSV/TSV: what {@link prepareCsv} does about what it cannot see in the first 64 KiB. */
  csv?: PrepareCsvOptions | undefined;
  /**
   * Make an .xlsx workbook a relation too: the file reader reads it (typed cells) and DuckDB scans a temporary
   * Parquet copy. Without it a workbook has no relation (readers read it themselves).
   */
  workbook?: boolean | undefined;
  /**
   * How failures scanning Parquet or JSON are worded: `read` as the file readers say it (`not a valid Parquet
   * file`, `malformed JSON`), `query` as commands running their own SQL on the source (`cannot read as …`).
   */
  wording?: 'read' | 'query' | undefined;
  /** The text parsing of the flags, when the caller has checked them already (else checked on first use). */
  parsing?: TextParsing | undefined;
}

/** A source opened by {@link openSource}: what DuckDB can SELECT from, and how to word its failures. */
export interface OpenedSource {
  /** The name used in messages: the path, `stdin`, or `DuckDB <path> table <table>`. */
  name: string;
  format: InputFormat | 'duckdb';
  /** The file read (the temporary copy of stdin); empty for a database table. */
  file: string;
  /** CSV/TSV: the UTF-8 file DuckDB scans, its delimiter and its `read_csv` options. */
  csv?: PreparedCsv | undefined;
  /** How text cells become values (missing-value tokens, number locale, date formats), from the flags. */
  parsing(): TextParsing;
  /**
   * The table expression to SELECT from; CSV columns named in `text` are read as VARCHAR (no type guessing).
   * @throws InternalError for a workbook opened without `workbook`.
   */
  relation(text?: readonly string[]): string;
  /** A statement making `relation` valid in a script of its own (the ATTACH of a database file), if needed. */
  setupSql?: string | undefined;
  /**
   * The column names and DuckDB types, in order (a sample of a CSV file).
   * @throws DataError for a source DuckDB cannot scan, explained.
   */
  describe(conn: DuckDBConnection): Promise<{ name: string; type: string }[]>;
  /** Turn a DuckDB failure while scanning the source into a one-line DataError (bugs in generated SQL pass through). */
  explain(e: unknown): Promise<Error>;
  /** Remove the temporary files (stdin, transcoded CSV, workbook copy) and detach a database. */
  close(): Promise<void>;
}

let attachCounter = 0;

/**
 * Open a source for DuckDB: a CSV/TSV/Parquet/JSON/NDJSON/XLSX file, `-` for CSV on stdin (copied to a temporary
 * file), or a table of a DuckDB database file (attached read-only to the spec's connection, read in place). The
 * input is checked (a readable, non-empty file; a database file that exists), CSV is prepared as
 * {@link prepareCsv} does, and the result names a relation DuckDB can SELECT from, explains DuckDB's failures on
 * it and removes what it made on `close()`. O(1) for files and tables; O(input) for stdin, a transcoded CSV or a
 * workbook copy.
 * @throws DataError for a missing, empty, binary or unreadable input, a file that is not a DuckDB database;
 *   UsageError for bad flags or table names.
 */
export async function openSource(
  spec: SourceSpec,
  opts: ReadOptions = {},
  how: OpenSourceOptions = {},
): Promise<OpenedSource> {
  if (typeof spec !== 'string') return openDatabaseTable(spec);
  let file = spec;
  let name = spec;
  let tmpDir: string | undefined;
  let src: OpenedSource | undefined;
  const close = async () => {
    await src?.csv?.cleanup();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  };
  try {
    if (spec === '-') {
      tmpDir = await mkdtemp(join(tmpdir(), 'segment-stdin-'));
      file = join(tmpDir, 'stdin.csv');
      await pipeline(opts.stdin ?? process.stdin, createWriteStream(file));
      name = 'stdin';
    }
    const format = inputFormatOf(spec, opts.format);
    await checkInputFile(file, name);
    let parsing = how.parsing;
    const parsingOf = () => (parsing ??= textParsingOf(opts));
    let base: string | undefined;
    const opened: OpenedSource = {
      name,
      format,
      file,
      parsing: parsingOf,
      relation: (text = []) => {
        const csv = opened.csv;
        if (csv) {
          const types = text.length
            ? `, types = {${[...new Set(text)].map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`
            : '';
          return `read_csv(${sqlString(csv.file)}, ${csv.options}${types})`;
        }
        if (base === undefined) throw new InternalError(`${name}: a workbook opened without its relation`);
        return base;
      },
      describe: async (conn) => describeRelation(conn, opened.relation(), (e) => opened.explain(e)),
      explain: async (e) => explainScan(e, opened, how.wording ?? 'read'),
      close,
    };
    src = opened;
    const p = sqlString(file);
    switch (format) {
      case 'parquet':
        base = `read_parquet(${p})`;
        break;
      case 'json':
        base = `read_json(${p}, format = 'auto')`;
        break;
      case 'ndjson':
        base = `read_json(${p}, format = 'newline_delimited')`;
        break;
      case 'xlsx':
        if (how.workbook) {
          const ds = await readOpened(opened, opts);
          tmpDir ??= await mkdtemp(join(tmpdir(), 'segment-xlsx-'));
          const copy = join(tmpDir, 'events.parquet');
          await writeDataset(ds, copy);
          base = `read_parquet(${sqlString(copy)})`;
        }
        break;
      default:
        opened.csv = await prepareCsv(file, name, format, opts, parsingOf(), how.csv);
    }
    return opened;
  } catch (e) {
    await close();
    throw e;
  }
}

/** A table of a DuckDB database file attached read-only: read in place, `close()` detaches it. */
async function openDatabaseTable(spec: DatabaseTable): Promise<OpenedSource> {
  const { conn, database, table } = spec;
  const name = `DuckDB ${database}`;
  const ref = tableRef(table);
  const alias = sqlIdent(`segment_db_${++attachCounter}`);
  const detach = await attachDuckDb(conn, database, name, alias);
  const relation = `${alias}.${ref}`;
  return {
    name: `${name} table ${table}`,
    format: 'duckdb',
    file: '',
    parsing: () => textParsingOf({}),
    relation: () => relation,
    setupSql: attachSql(database, alias),
    describe: async (c) =>
      describeRelation(
        c,
        relation,
        async (e) =>
          new DataError(`${name}: ${stripKind(e)}`, 'check --table (schema.table for another schema)'),
      ),
    explain: async (e) => {
      if (e instanceof DataError || e instanceof UsageError) return e;
      return new DataError(`${name}: query failed: ${stripKind(e)}`);
    },
    close: detach,
  };
}

function attachSql(path: string, alias: string): string {
  return `ATTACH ${sqlString(path)} AS ${alias} (READ_ONLY)`;
}

/**
 * Attach a DuckDB database file read-only to `conn` as `alias` (a quoted identifier), after checking the file.
 * Returns the detach. O(1).
 * @throws DataError naming `name` for a missing file or one DuckDB cannot open.
 */
export async function attachDuckDb(
  conn: DuckDBConnection,
  path: string,
  name: string,
  alias: string,
): Promise<() => Promise<void>> {
  await checkDatabaseFile(path, name);
  try {
    await conn.run(attachSql(path, alias));
  } catch (e) {
    throw new DataError(`${name}: cannot open as a DuckDB database (${stripKind(e)})`);
  }
  return async () => {
    await conn.run(`DETACH ${alias}`).catch(() => undefined);
  };
}

/** A DuckDB failure's first line without its kind (`Catalog Error: `). */
async function describeRelation(
  conn: DuckDBConnection,
  relation: string,
  explain: (e: unknown) => Promise<Error>,
): Promise<{ name: string; type: string }[]> {
  try {
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    return described
      .getRowObjectsJson()
      .map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
  } catch (e) {
    throw await explain(e);
  }
}

/** The one explanation of DuckDB failures scanning a file source (see {@link OpenSourceOptions.wording}). */
async function explainScan(e: unknown, src: OpenedSource, wording: 'read' | 'query'): Promise<Error> {
  if (e instanceof DataError || e instanceof UsageError) return e;
  if (src.csv) return explainCsv(e, src.csv.file, src.name, src.csv.delimiter);
  const msg = duckMessage(e);
  if (wording === 'query') {
    // Binder, catalog or parser errors come from the generated SQL, not from the data: a bug, not exit 3.
    if (/^(Binder|Catalog|Parser|Internal) Error/i.test(msg))
      return e instanceof Error ? e : new Error(String(e));
    return new DataError(
      `${src.name}: cannot read as ${src.format}: ${msg.replace(/^.*?Error:\s*/, '')}`,
      'the file may be truncated or in another format; pass --format',
    );
  }
  if (src.format === 'parquet') {
    return new DataError(
      `${src.name}: not a valid Parquet file (${msg.replace(/^.*?Error:\s*/, '')})`,
      'the file may be truncated or not Parquet; pass --format',
    );
  }
  return new DataError(
    `${src.name}: malformed JSON: ${msg.replace(/^.*?Error:\s*/, '').replace(/ in file "[^"]*"/, '')}`,
    'check the file',
  );
}

/** Read an opened file source into a Dataset (see {@link readDataset}). */
async function readOpened(src: OpenedSource, opts: ReadOptions): Promise<Dataset> {
  const { name, format, file } = src;
  const parsing = src.parsing();
  const logger = opts.logger ?? silentLogger;
  const notes: ReadNote[] = [];
  let ds: Dataset;
  if (format === 'xlsx') {
    ds = await readXlsx(file, name, {
      sheet: opts.sheet,
      naTokens: parsing.naTokens,
      maxLevels: opts.maxLevels ?? 1000,
      types: opts.types,
    });
    ds = inferXlsxText(ds, parsing, opts, notes);
  } else if (src.csv) {
    try {
      ds = await readCsvWith(src, opts, parsing, notes, logger);
    } catch (e) {
      // A file valid as UTF-8 in its first 64 KiB may not be further on: find what the whole file is.
      if (!(e instanceof NotUtf8)) throw e;
      if (opts.encoding !== undefined) {
        throw new DataError(
          `${name}: not valid ${opts.encoding} text (${e.detail})`,
          'pass the right --encoding (utf-8, utf-16, windows-1252 …), or leave it out to detect it',
        );
      }
      await src.csv.cleanup();
      if (/\.(gz|zst)$/i.test(file)) {
        throw new DataError(
          `${name}: compressed CSV must be UTF-8 text (${e.detail})`,
          'decompress it and pass its --encoding (e.g. windows-1252)',
        );
      }
      const found = await detectFileEncoding(file);
      if (found === undefined || found === 'utf-8') throw notUtf8Error(name, e.detail);
      logger.log('warn', decodedWarning(name, found, ' past its first 64 KiB'));
      src.csv = await prepareCsv(file, name, format as 'csv' | 'tsv', { ...opts, encoding: found }, parsing, {
        quietEncoding: true,
      });
      ds = await readCsvWith(src, opts, parsing, notes, logger);
    }
  } else {
    const meta: Record<string, string> =
      format === 'parquet' ? await parquetMetadata(file).catch(() => ({})) : {};
    // Files segment wrote say which text columns were categorical and which free text.
    const textKinds = parseTextKinds(meta[textKindsKey]);
    delete meta[textKindsKey];
    ds = await withConnection(async (conn) => {
      try {
        // A Parquet file's row count is in its metadata: the numeric columns are then read in place.
        const expectedRows =
          format === 'parquet'
            ? Number((await conn.runAndReadAll(`SELECT count(*) FROM ${src.relation()}`)).getRows()[0]?.[0])
            : undefined;
        return await readSource(conn, src.relation(), name, { ...textKinds, ...(opts.types ?? {}) }, opts, {
          mode: format === 'parquet' ? 'none' : 'json',
          parsing,
          notes,
          expectedRows,
        });
      } catch (e) {
        throw await src.explain(e);
      }
    });
    if (Object.keys(meta).length > 0) ds = ds.withMetadata(meta);
  }
  if (ds.nRows === 0) {
    throw new DataError(`${name}: has a header but no data rows`, 'expected at least one row of data');
  }
  for (const n of notes) {
    logger.log(
      n.kind === 'exact-integers' ? 'info' : 'warn',
      `${name}: ${n.message}${n.hint ? ` (hint: ${n.hint})` : ''}`,
    );
  }
  opts.notes?.push(...notes);
  if (opts.sample !== undefined && opts.sample < ds.nRows) {
    ds = ds.take(new Random(opts.seed ?? 42).sampleIndices(ds.nRows, opts.sample));
  }
  return ds;
}

/** Text columns of a workbook (mixed or text cells) go through the same inference as CSV text. */
function inferXlsxText(ds: Dataset, parsing: TextParsing, opts: ReadOptions, notes: ReadNote[]): Dataset {
  const maxLevels = opts.maxLevels ?? 1000;
  const columns = ds.columns.map((c) => {
    if (c.kind === 'numeric' || opts.types?.[c.name] !== undefined) return c;
    const values = Array.from({ length: ds.nRows }, (_, i) => cellText(c, i));
    // Excel typed its cells: text cells stay text (zip codes, ids); the notes still say when they look like numbers.
    const r = inferTextColumn(c.name, values, { parsing, convert: false, convertDates: true, maxLevels });
    notes.push(...r.notes);
    return r.column;
  });
  return Dataset.of(columns, ds.metadata, ds.nRows);
}

function decodedWarning(name: string, encoding: string, where: string): string {
  const shown = encoding === 'windows-1252' ? 'Windows-1252 (Latin-1)' : encoding.toUpperCase();
  return `${name}: not UTF-8${where}; read as ${shown} (hint: pass --encoding to choose another)`;
}

function binaryError(name: string, format: string): DataError {
  return new DataError(
    `${name}: looks like binary data, not ${format.toUpperCase()} text`,
    'check the file, or pass --format',
  );
}

class NotUtf8 extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

function notUtf8Error(name: string, detail: string): DataError {
  return new DataError(
    `${name}: not valid UTF-8 text, nor Windows-1252${detail ? ` (${detail})` : ''}`,
    'pass its --encoding (e.g. utf-16, iso-8859-15, windows-1252)',
  );
}

/** A CSV file made ready for DuckDB: the file to scan (UTF-8), its delimiter and the `read_csv` options. */
export interface PreparedCsv {
  /** The UTF-8 file DuckDB reads (a transcoded temporary copy when the input had another encoding). */
  file: string;
  delimiter: string;
  /** `read_csv` options after the path (`delim = …, …`), without the `types` option. */
  options: string;
  /** The longest value (UTF-8 bytes) of each column in the first lines of the file (none for compressed files). */
  sampleBytes: ReadonlyMap<string, number>;
  /** The rows and text size the first lines suggest for the whole file (none for compressed files). */
  sizeHint?: SizeHint | undefined;
  /** Columns whose first lines hold whole numbers of 16 digits or more (identifiers past 2^53). */
  longIntegers?: ReadonlySet<string> | undefined;
  /** Remove the temporary copy, if any. */
  cleanup(): Promise<void>;
}

/** How {@link prepareCsv} treats what it cannot see in the first 64 KiB. */
export interface PrepareCsvOptions {
  /** The caller already said which encoding it found: no warning. */
  quietEncoding?: boolean | undefined;
  /** Scan the whole file for its encoding when the prefix is UTF-8 (callers that cannot read the file again). */
  scanWhole?: boolean | undefined;
  /** Hand DuckDB every missing-value token even when the prefix shows none (callers whose own SQL reads the file). */
  allTokens?: boolean | undefined;
}

/**
 * Prepare a CSV/TSV file for `read_csv`: refuse binary data, find or apply the text encoding (anything but UTF-8 is
 * transcoded to a temporary UTF-8 copy), sniff the delimiter from the header record, refuse duplicate or empty
 * header names, and build the options (pandas' missing-value tokens as `nullstr`, the decimal mark, thousands
 * separator; only ISO-8601 dates are recognised as dates unless the caller parses `--date-format` itself).
 * O(header) unless the file is transcoded (O(file size)).
 * @throws DataError for binary data, an unknown encoding, a bad header; UsageError for bad flags.
 */
export async function prepareCsv(
  path: string,
  name: string,
  format: 'csv' | 'tsv',
  opts: ReadOptions,
  parsing: TextParsing,
  how: PrepareCsvOptions = {},
): Promise<PreparedCsv> {
  const { quietEncoding = false, scanWhole = false, allTokens = false } = how;
  const compressed = /\.(gz|zst)$/i.test(path);
  const prefix = compressed ? Buffer.alloc(0) : await readPrefix(path);
  const label = encodingLabel(opts.encoding);
  let encoding = label;
  if (!compressed && label === undefined) {
    encoding = sniffEncoding(prefix, prefix.length < 65536);
    // Callers that cannot read the file again (the feature query) look at all of it when the prefix is UTF-8.
    if (encoding === 'utf-8' && scanWhole && prefix.length >= 65536)
      encoding = await detectFileEncoding(path);
    const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
    if (!utf16 && looksBinary(prefix)) throw binaryError(name, format);
    if (encoding === undefined) throw notUtf8Error(name, '');
    if (encoding !== 'utf-8' && !quietEncoding) {
      (opts.logger ?? silentLogger).log('warn', decodedWarning(name, encoding, ''));
    }
  } else if (!compressed && (label === 'utf-8' || label === undefined) && looksBinary(prefix)) {
    throw binaryError(name, format);
  }
  let file = path;
  let tmpDir: string | undefined;
  const cleanup = async () => {
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  };
  try {
    let text = compressed ? '' : prefix.toString('utf8');
    if (encoding !== undefined && encoding !== 'utf-8') {
      if (compressed) throw new UsageError(`--encoding ${opts.encoding}: compressed files must be UTF-8`);
      tmpDir = await mkdtemp(join(tmpdir(), 'segment-decode-'));
      file = join(tmpDir, 'utf8.csv');
      await transcodeToUtf8(path, file, encoding, name);
      text = (await readPrefix(file)).toString('utf8');
    }
    const header = compressed ? '' : firstLine(Buffer.from(text));
    const delimiter = unescapeDelimiter(opts.delimiter) ?? (format === 'tsv' ? '\t' : sniffDelimiter(header));
    if (!compressed) {
      if (header.trim() === '') {
        throw new DataError(`${name}: the first line is empty; expected a header with column names`);
      }
      const names = splitCsvLine(header, delimiter).map((s) => s.trim());
      const empty = names.findIndex((n) => n === '');
      if (empty >= 0) {
        throw new DataError(
          `${name}: column ${empty + 1} of the header has no name`,
          'name every column in the first line',
        );
      }
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) {
        throw new DataError(`${name}: duplicate column name '${dup}' in the header`, 'rename one of them');
      }
    }
    if (parsing.decimal === delimiter || parsing.thousands === delimiter) {
      throw new UsageError(
        `--${parsing.decimal === delimiter ? 'decimal' : 'thousands'} '${delimiter}' is also the field delimiter of ${name}`,
        'pass the right --delimiter (e.g. ;)',
      );
    }
    // DuckDB compares every cell with every null string (about a third slower on a clean 1M-row file): the token
    // list goes to DuckDB only when the first 64 KiB show one, or when the caller's SQL needs them (features). A
    // token further down makes its column text for DuckDB, and the reader's own inference (which knows the same
    // tokens) reads it back as numbers with missing values.
    const tokens = naTokensIn(text, delimiter, parsing.naTokens) || allTokens ? [...parsing.naTokens] : [''];
    const nulls = tokens.map(sqlString).join(', ');
    // Thousands separators are not passed to DuckDB, which strips them anywhere ('1.5' would become 15): such
    // columns stay text for DuckDB and are read by NumberParser, which wants groups of three digits.
    // DuckDB reads a CSV file in buffers of 16 × its 2 MB line limit by default: the sniffer then reads a whole
    // 18 MB file before looking at its first rows, and every buffer is fresh memory the system must map (on a
    // 200k-row file: sniffing 90 → 48 ms, scanning 240 → 160 ms with buffers of 2 MB). A line may still be 2 MB.
    const options =
      `delim = ${sqlString(delimiter)}, quote = '"', escape = '"', header = true, skip = 0, strict_mode = true, ` +
      `buffer_size = ${csvBuffer}, ` +
      `null_padding = false, encoding = 'utf-8', nullstr = [${nulls}], ` +
      // Only ISO-8601 is a date without --date-format: DuckDB would otherwise guess day- or month-first from a sample.
      `dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S'` +
      (parsing.decimal === ',' ? `, decimal_separator = ','` : '');
    return {
      file,
      delimiter,
      options,
      cleanup,
      ...(compressed ? { sampleBytes: new Map() } : sampleFields(text, delimiter, (await stat(file)).size)),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Bytes of DuckDB's CSV buffers (see {@link prepareCsv}): its 2 MB line limit. */
const csvBuffer = 2 * 1024 * 1024;

/** What the first lines of a CSV file suggest of the whole: its data rows, and the mean bytes of each column. */
export interface SizeHint {
  rows: number;
  meanBytes: ReadonlyMap<string, number>;
}

/**
 * The longest field and the mean field (in UTF-8 bytes) of each column over the first 1,000 lines of a text prefix,
 * by the header's names, and the data rows a file of `fileBytes` would hold at the lines' mean length. Lines are
 * split naively (a quoted line break starts a new line): the figures only choose how text is selected and how
 * much room is made for it, never what is read.
 */
function sampleFields(
  text: string,
  delimiter: string,
  fileBytes: number,
): { sampleBytes: Map<string, number>; sizeHint: SizeHint | undefined; longIntegers: Set<string> } {
  const lines = text.split(/\r?\n/);
  // The last line of a prefix may be cut short.
  if (lines.length > 1) lines.pop();
  const header = lines[0] ?? '';
  const names = splitCsvLine(header.replace(/^\ufeff/, ''), delimiter).map((n) => n.trim());
  const longest = names.map(() => 0);
  const total = names.map(() => 0);
  const sampled = Math.min(lines.length, 1001) - 1;
  const longIntegers = new Set<string>();
  let lineBytes = 0;
  for (let l = 1; l <= sampled; l++) {
    const fields = splitCsvLine(lines[l]!, delimiter);
    lineBytes += Buffer.byteLength(lines[l]!) + 1;
    for (let k = 0; k < Math.min(fields.length, names.length); k++) {
      const b = Buffer.byteLength(fields[k]!);
      longest[k] = Math.max(longest[k]!, b);
      total[k]! += b;
      if (b >= 16 && /^\s*[+-]?\d{16,}\s*$/.test(fields[k]!)) longIntegers.add(names[k]!);
    }
  }
  const sizeHint =
    sampled > 0 && lineBytes > 0
      ? {
          rows: Math.ceil(((fileBytes - Buffer.byteLength(header) - 1) * sampled) / lineBytes),
          meanBytes: new Map(names.map((n, k) => [n, total[k]! / sampled])),
        }
      : undefined;
  return { sampleBytes: new Map(names.map((n, k) => [n, longest[k]!])), sizeHint, longIntegers };
}

/** Whether a text prefix holds a missing-value token other than the empty cell, as a whole (possibly quoted) field. */
function naTokensIn(text: string, delimiter: string, tokens: ReadonlySet<string>): boolean {
  if (tokens.size <= 1) return false;
  for (const line of text.split(/\r?\n/)) {
    for (const field of line.split(delimiter)) {
      const f =
        field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1) : field;
      if (f !== '' && tokens.has(f)) return true;
    }
  }
  return false;
}

async function readCsvWith(
  src: OpenedSource,
  opts: ReadOptions,
  parsing: TextParsing,
  notes: ReadNote[],
  logger: Logger,
): Promise<Dataset> {
  const name = src.name;
  return withConnection(async (conn) => {
    const forced: Record<string, TypeOverride> = { ...(opts.types ?? {}) };
    const asText = new Set<string>();
    // Columns DuckDB typed as integers are read as DOUBLE (see sniffedRelation), except those holding whole numbers
    // past 2^53 (seen in the first lines, or found by a first read), read as integers to keep their digits.
    const asInteger = new Set<string>();
    const textColumns = () => {
      const text = Object.entries(forced)
        .filter(([, t]) => t === 'string' || t === 'categorical')
        .map(([c]) => c);
      return [...new Set([...text, ...asText])];
    };
    // DuckDB infers CSV types from a sample; a value later in the file that does not fit is read
    // again as text, then inferred over the whole column (like pandas' object columns).
    for (let attempt = 0; ; attempt++) {
      const local: ReadNote[] = [];
      try {
        const integers = new Set([...asInteger, ...(src.csv?.longIntegers ?? [])]);
        const sniffed = await sniffedRelation(conn, src, textColumns(), integers);
        const ds = await readSource(conn, sniffed.relation, name, forced, opts, {
          mode: 'csv',
          parsing,
          notes: local,
          asText,
          widened: sniffed.widened,
          sampleBytes: src.csv?.sampleBytes,
          sizeHint: src.csv?.sizeHint,
        });
        notes.push(...local);
        return ds;
      } catch (e) {
        if (e instanceof ReadAsText) {
          for (const c of e.columns) asText.add(c);
          continue;
        }
        if (e instanceof ReadAsInteger && attempt < 64) {
          for (const c of e.columns) asInteger.add(c);
          continue;
        }
        const text = duckMessage(e) + String(e);
        if (/invalid unicode|not utf-8 encoded/i.test(text))
          throw new NotUtf8(
            duckMessage(e)
              .replace(/^.*?Error:\s*/, '')
              .slice(0, 200),
          );
        const col = /Error when converting column "([^"]+)"/.exec(text)?.[1];
        if (col !== undefined && attempt < 64 && !(col in (opts.types ?? {})) && !asText.has(col)) {
          asText.add(col);
          logger.log(
            'debug',
            `column '${col}' has values that do not fit its sniffed type; reading it as text`,
          );
          continue;
        }
        throw await src.explain(e);
      }
    }
  });
}

/**
 * The CSV relation of `src` (`text`: columns read as text) with DuckDB's sniffing done once: `sniff_csv` with the
 * same options gives the column types (and line ending) it detects, which are then spelled out with detection off,
 * so describing and reading the file does not sniff it twice more (about 50 ms each on a 200k-row file). A line
 * ending other than LF or CRLF, a detected comment character or any failure keeps the relation as it is (errors
 * are then reported as before).
 *
 * A column sniffed as integers is spelled DOUBLE (`widened`), unless named in `integers`: DuckDB's sniffer sees the
 * first 20,480 rows, and its integer cast rounds a later `2.5` to 3 without a word. The reader then calls the
 * column integers if every value is whole (and asks for it again as integers, in `integers`, when a value is past
 * 2^53, whose digits a double would lose).
 */
async function sniffedRelation(
  conn: DuckDBConnection,
  src: OpenedSource,
  text: string[],
  integers: ReadonlySet<string>,
): Promise<{ relation: string; widened: ReadonlySet<string> }> {
  const relation = src.relation(text);
  const widened = new Set<string>();
  const csv = src.csv;
  if (!csv || !relation.startsWith('read_csv(')) return { relation, widened };
  try {
    const row = (
      await conn.runAndReadAll(
        `SELECT NewLineDelimiter, Comment, to_json(Columns) FROM sniff_csv(${relation.slice('read_csv('.length)}`,
      )
    ).getRows()[0];
    const [newLine, comment, columns] = (row ?? []).map((v) => String(v));
    if (newLine !== '\\n' && newLine !== '\\r\\n') return { relation, widened };
    if (comment !== '(empty)' && comment !== '') return { relation, widened };
    const cols = JSON.parse(columns ?? '[]') as { name: string; type: string }[];
    if (cols.length === 0) return { relation, widened };
    const struct = cols
      .map((c) => {
        const type =
          /^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$/i.test(c.type) && !integers.has(c.name) ? 'DOUBLE' : c.type;
        if (type !== c.type) widened.add(c.name);
        return `${sqlString(c.name)}: ${sqlString(type)}`;
      })
      .join(', ');
    return {
      relation: `read_csv(${sqlString(csv.file)}, ${csv.options}, auto_detect = false, columns = {${struct}})`,
      widened,
    };
  } catch {
    return { relation, widened: new Set() };
  }
}

/** The `--delimiter` flag as one character (`tab` and `\\t` accepted). */
export function unescapeDelimiter(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const v = d === '\\t' || d.toLowerCase() === 'tab' ? '\t' : d;
  if (v.length !== 1) throw new UsageError(`--delimiter must be one character, got '${d}'`);
  return v;
}

/** Turn a DuckDB failure while scanning a CSV file into a one-line DataError. */
export async function explainCsv(e: unknown, path: string, name: string, delimiter: string): Promise<Error> {
  if (e instanceof DataError || e instanceof UsageError) return e;
  const msg = duckMessage(e);
  // Binder, catalog or parser errors come from generated SQL, not from the data: a bug, not exit 3.
  if (/^(Binder|Catalog|Parser|Internal) Error/i.test(msg))
    return e instanceof Error ? e : new Error(String(e));
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
  // A JSON column holds mixed types (1, "two"): its text, not its JSON spelling with quotes.
  if (p.kind === 'text') return src === 'JSON' ? `(${c} ->> '$')` : `CAST(${c} AS VARCHAR)`;
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

/** How {@link readSource} treats text: `csv` and `json` infer numbers and dates (JSON only in mixed columns). */
export interface SourceInference {
  mode: 'none' | 'csv' | 'json';
  parsing?: TextParsing | undefined;
  /** Receives what the reader noticed. */
  notes?: ReadNote[] | undefined;
  /** Columns read as text because a value did not fit the sniffed type: inferred over the whole column. */
  asText?: ReadonlySet<string> | undefined;
  /** CSV columns sniffed as integers but read as DOUBLE: integers when every value is whole (see sniffedRelation). */
  widened?: ReadonlySet<string> | undefined;
  /** Rows the source is known to hold (a Parquet file's metadata): numbers go straight into arrays of that length. */
  expectedRows?: number | undefined;
  /** The longest value (in UTF-8 bytes) of each column in a sample (a CSV file's first lines): text is selected
   * in as few pieces as that needs (see text-vectors.ts); longer values further down are still read whole. */
  sampleBytes?: ReadonlyMap<string, number> | undefined;
  /** The rows and text size a sample suggests: room made in advance for text kept as bytes. */
  sizeHint?: SizeHint | undefined;
}

const unsafeInteger = 2 ** 53;

/** Thrown by {@link readSource} for CSV columns to read again as text (whole numbers too large for float64). */
export class ReadAsText extends Error {
  constructor(readonly columns: string[]) {
    super(`read again as text: ${columns.join(', ')}`);
  }
}

/** Thrown by {@link readSource} for widened CSV columns to read again as integers (whole numbers past 2^53). */
class ReadAsInteger extends Error {
  constructor(readonly columns: string[]) {
    super(`read again as integers: ${columns.join(', ')}`);
  }
}

/**
 * Read everything `SELECT * FROM source` returns on `conn` into a Dataset (the typed-vector path of file ingest;
 * `source` is a table function call, a table name or a parenthesised query). Whole numbers past 2^53 are read
 * again as text and kept exact. O(rows × columns).
 * @throws UsageError for a `--types` column the source does not have; DuckDB's own error for a failing query.
 */
export async function readSource(
  conn: DuckDBConnection,
  source: string,
  name: string,
  overrides: Readonly<Record<string, TypeOverride>>,
  opts: ReadOptions,
  inference: SourceInference = { mode: 'none' },
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
    else if (inference.widened?.has(col) === true && type.toUpperCase() === 'DOUBLE')
      plans.push({ name: col, kind: 'numeric', type: 'integer' });
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
  // Text columns are selected as pieces (see text-vectors.ts): `at[j]` is the first result column of plan j.
  const exprs: string[] = [];
  const pieces = plans.map((p) => piecesFor(inference.sampleBytes?.get(p.name)));
  const at = plans.map((p, j) => {
    const first = exprs.length;
    const e = selectExpr(p, srcTypes[j]!);
    if (p.kind === 'text') exprs.push(...textPieces(e, pieces[j]));
    else exprs.push(e);
    return first;
  });
  const sql = `SELECT ${exprs.map((e, k) => `${e} AS ${sqlIdent(`c${k}`)}`).join(', ')} FROM ${source}`;
  // The result is streamed chunk by chunk into growing blocks, then copied once into exactly-sized arrays:
  // DuckDB never holds the whole result, and no per-row object is made for numeric columns.
  const numBlocks: (DoubleBlocks | undefined)[] = plans.map((p) =>
    p.kind === 'numeric' ? new DoubleBlocks(inference.expectedRows, inference.sizeHint?.rows) : undefined,
  );
  const hint = inference.sizeHint;
  const textReaders = plans.map((p, j) => {
    if (p.kind !== 'text') return undefined;
    const mean = hint?.meanBytes.get(p.name);
    if (hint && mean !== undefined)
      return new TextVectorReader(pieces[j], { rows: hint.rows, bytes: hint.rows * mean });
    return new TextVectorReader(
      pieces[j],
      inference.expectedRows !== undefined ? { rows: inference.expectedRows } : undefined,
    );
  });
  let n = 0;
  try {
    const result = await conn.stream(sql);
    // The next chunk is fetched (DuckDB scanning on its own threads) while this one is turned into arrays.
    let next = result.fetchChunk();
    let chunks = 0;
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      // Awaited on the next turn; if this chunk's conversion throws first, its failure must not go unhandled.
      next.catch(() => undefined);
      // A chunk's vectors are freed only when its small JavaScript wrapper is collected, which a reader that
      // allocates little would postpone to the end (a few hundred kB per chunk, 100 MB and more on a million
      // rows): the young generation is collected every few chunks, a fraction of a millisecond each.
      if (++chunks % youngEvery === 0) collectYoung();
      const rows = chunk.rowCount;
      for (let j = 0; j < plans.length; j++) {
        const blocks = numBlocks[j];
        if (blocks) blocks.append(chunk.chunk, at[j]!, rows);
        else textReaders[j]!.read(chunk.chunk, at[j]!, rows);
      }
      n += rows;
    }
    await checkComplete(conn, source, name, plans, srcTypes, n, inference.expectedRows);
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
  const texts = textReaders.map((r) => r?.finish());
  const nums: (Float64Array | undefined)[] = numBlocks.map((b, j) => {
    if (!b) return undefined;
    numBlocks[j] = undefined;
    return b.toArray(n);
  });
  // The blocks' slabs are unreachable now: collected at once, they go back to the system before the caller's next
  // step (a Parquet write, a fit) allocates, rather than sitting beside the columns until a collection comes.
  // Whole numbers past 2^53 were rounded by the cast to float64: read their digits instead (from integer types),
  // or read the CSV column again as text (DuckDB types a column DOUBLE when a value overflows BIGINT).
  const wanted: string[] = [];
  const again: string[] = [];
  const asIntegers: string[] = [];
  plans.forEach((p, j) => {
    const num = nums[j];
    if (!num || p.kind !== 'numeric' || (p.type !== 'integer' && p.type !== 'double')) return;
    let unsafe = false;
    for (let i = 0; i < n && !unsafe; i++) {
      const v = num[i]!;
      unsafe = Math.abs(v) >= unsafeInteger && Number.isFinite(v) && Number.isInteger(v);
    }
    const widened =
      p.type === 'integer' && srcTypes[j] === 'DOUBLE' && inference.widened?.has(p.name) === true;
    if (widened && unsafe) asIntegers.push(p.name);
    else if (widened) {
      // Sniffed as integers from the first rows: still integers only if every value is whole.
      let whole = true;
      for (let i = 0; i < n && whole; i++) {
        const v = num[i]!;
        whole = v !== v || (Number.isFinite(v) && Math.trunc(v) === v);
      }
      if (!whole) plans[j] = { name: p.name, kind: 'numeric', type: 'double' };
    }
    if (!unsafe || widened) return;
    if (/INT/.test(srcTypes[j]!)) wanted.push(p.name);
    else if (inference.mode === 'csv' && srcTypes[j] !== 'VARCHAR' && !(p.name in overrides))
      again.push(p.name);
    else if (inference.mode === 'json' && num.every((v) => Number.isNaN(v) || Number.isInteger(v))) {
      // JSON numbers past the 64-bit range reach us as float64: their last digits are gone. Say so.
      inference.notes?.push({
        column: p.name,
        kind: 'rounded-integers',
        message: `column '${p.name}' holds whole numbers too large for 64 bits, which JSON readers round to float64: their last digits may be lost`,
        hint: 'write such ids as JSON strings ("12345678901234567890123") to keep every digit',
      });
    }
  });
  // All-digit dates (`--date-format %Y%m%d`) that DuckDB typed as integers: their text decides (leading zeros kept).
  const parsing = inference.parsing ?? textParsingOf({});
  if (inference.mode === 'csv' && parsing.dateFormats.length > 0) {
    const formats = parsing.dateFormats;
    plans.forEach((p, j) => {
      const num = nums[j];
      if (!num || p.kind !== 'numeric' || p.type !== 'integer' || p.name in overrides) return;
      const first = num.find((v) => !Number.isNaN(v));
      if (first !== undefined && formats.some((f) => f.parse(String(first)) !== undefined))
        again.push(p.name);
    });
  }
  if (again.length > 0) throw new ReadAsText(again);
  if (asIntegers.length > 0) throw new ReadAsInteger(asIntegers);
  const exactText = new Map<string, (string | null)[]>();
  if (wanted.length > 0) {
    const digits = wanted.map(() => new Array<string | null>(n));
    const r = await conn.stream(
      `SELECT ${wanted.map((c) => `CAST(${sqlIdent(c)} AS VARCHAR)`).join(', ')} FROM ${source}`,
    );
    let offset = 0;
    for (;;) {
      const chunk = await r.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = Math.min(chunk.rowCount, n - offset);
      digits.forEach((out, k) => {
        const vec = chunk.getColumnVector(k) as DuckDBVarCharVector;
        for (let i = 0; i < rows; i++) out[offset + i] = vec.getItem(i);
      });
      offset += rows;
    }
    if (offset !== n) throw new DataError(`${name}: reading again stopped after ${offset} of ${n} rows`);
    wanted.forEach((c, k) => exactText.set(c, digits[k]!));
  }
  const maxLevels = opts.maxLevels ?? 1000;
  const columns: Column[] = plans.map((p, j) => {
    const digits = exactText.get(p.name);
    if (digits) return exactIntegerColumn(p.name, digits, inference.notes);
    if (p.kind === 'numeric') return numericColumn(p.name, nums[j]!, p.type);
    const mode = inference.mode;
    if (mode === 'none') return textColumn(p.name, texts[j]!, p.forced, maxLevels);
    const convert = mode === 'csv' || srcTypes[j] === 'JSON' || inference.asText?.has(p.name) === true;
    const r = inferTextColumn(p.name, texts[j]!, {
      parsing,
      convert,
      convertDates: true,
      maxLevels,
      forced: p.forced,
    });
    inference.notes?.push(...r.notes);
    return r.column;
  });
  return Dataset.of(columns, {}, n);
}

/**
 * Check that a streamed read got every row. DuckDB ends a streamed result that fails part of the way through (a
 * malformed CSV line, a value that does not convert to its column's type, a lost connection) exactly as it ends a
 * complete one, and does not say why: the rows are counted again (from a Parquet file's metadata, else by a
 * `count(*)` that parses but converts nothing, a tenth of a CSV scan), and a shortfall is turned back into
 * DuckDB's error by converting every column once more in an aggregate, whose failure is raised.
 * @throws DuckDB's error (a parse or conversion error), or DataError when the rows differ without one.
 */
async function checkComplete(
  conn: DuckDBConnection,
  source: string,
  name: string,
  plans: readonly Plan[],
  srcTypes: readonly string[],
  n: number,
  expectedRows: number | undefined,
): Promise<void> {
  const total =
    expectedRows ?? Number((await conn.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0]?.[0]);
  if (total === n) return;
  const counts = plans.map((p, j) => `count(${selectExpr(p, srcTypes[j]!)})`).join(', ');
  await conn.runAndReadAll(`SELECT ${counts} FROM ${source}`);
  throw new DataError(
    `${name}: the read stopped after ${n} of ${total} rows`,
    'check the file, then run again',
  );
}

/** Rows of one block of {@link DoubleBlocks}: 512 KiB of float64. */
const blockRows = 1 << 16;
/**
 * Blocks are cut from slabs of 40 MiB. glibc serves a request above its largest mmap threshold (32 MiB on 64-bit)
 * with a mapping of its own, which goes back to the system when freed, and untouched pages of it cost nothing;
 * blocks of 512 KiB allocated one by one would come from the C heap after the first few and stay there once freed.
 */
const slabBlocks = 80;

const emptyBlock = new Float64Array(0);
/** Chunks between two young-generation collections while reading (see {@link readSource}). */
const youngEvery = 8;

/**
 * A float64 column filled from DuckDB vectors (NULL becomes NaN) in fixed-size blocks, copied once into an
 * exactly-sized array at the end, whereupon the blocks' slabs are handed back at once: the column is never held
 * twice for longer than that copy. When the row count is known in advance the first block is the whole column,
 * handed back as it is.
 */
export class DoubleBlocks {
  private readonly full: Float64Array[] = [];
  private readonly slabs: Float64Array[] = [];
  private slabUsed = 0;
  private block: Float64Array;
  private used = 0;
  /** Whether `block` is the estimate-sized first block (not cut from a slab): handed back as a view if it fits. */
  private sized = false;

  /**
   * @param expectedRows the rows the column holds, when known (a Parquet file's count), or …
   * @param estimatedRows … the rows it probably holds (a CSV sample's estimate): the first block is a little larger,
   * and handed back as a view when the rows fit in it without leaving more than an eighth of it unused (memory
   * never written is never mapped).
   */
  constructor(expectedRows?: number, estimatedRows?: number) {
    if (expectedRows !== undefined && expectedRows > 0) this.block = new Float64Array(expectedRows);
    else if (estimatedRows !== undefined && estimatedRows > blockRows) {
      this.block = new Float64Array(Math.ceil(estimatedRows * 1.1));
      this.sized = true;
    } else this.block = this.cut();
  }

  /** A zeroed block of `blockRows` values from the current slab, or from a new one. */
  private cut(): Float64Array {
    let slab = this.slabs[this.slabs.length - 1];
    if (slab === undefined || this.slabUsed === slab.length) {
      slab = new Float64Array(slabBlocks * blockRows);
      this.slabs.push(slab);
      this.slabUsed = 0;
    }
    this.slabUsed += blockRows;
    return slab.subarray(this.slabUsed - blockRows, this.slabUsed);
  }

  /** Append the first `rows` values of vector `j` of a DuckDB data chunk. */
  append(chunk: DataChunk, j: number, rows: number): void {
    const vec = bindings.data_chunk_get_vector(chunk, j);
    const bytes = bindings.vector_get_data(vec, rows * 8);
    const src =
      bytes.byteOffset % 8 === 0
        ? new Float64Array(bytes.buffer, bytes.byteOffset, rows)
        : new Float64Array(bytes.slice().buffer, 0, rows);
    const validity = bindings.vector_get_validity(vec, Math.ceil(rows / 64) * 8) as
      Uint8Array | null | undefined;
    let done = 0;
    while (done < rows) {
      if (this.used === this.block.length) {
        this.full.push(this.block);
        this.block = this.cut();
        this.used = 0;
      }
      const take = Math.min(rows - done, this.block.length - this.used);
      this.block.set(src.subarray(done, done + take), this.used);
      if (validity) {
        for (let i = 0; i < take; i++) {
          const r = done + i;
          if ((validity[r >> 3]! & (1 << (r & 7))) === 0) this.block[this.used + i] = Number.NaN;
        }
      }
      this.used += take;
      done += take;
    }
  }

  /** The `n` values appended, in one array of exactly `n`; the blocks are released. */
  toArray(n: number): Float64Array {
    const spare = this.block.length - n;
    const fits = spare === 0 || (this.sized && spare >= 0 && spare <= this.block.length >> 3);
    if (this.full.length === 0 && this.used === n && fits) {
      const whole = spare === 0 ? this.block : this.block.subarray(0, n);
      this.block = emptyBlock;
      this.used = 0;
      return whole;
    }
    const out = new Float64Array(n);
    let offset = 0;
    for (let b = 0; b < this.full.length; b++) {
      out.set(this.full[b]!, offset);
      offset += this.full[b]!.length;
      this.full[b] = emptyBlock;
    }
    out.set(this.block.subarray(0, n - offset), offset);
    this.block = emptyBlock;
    this.used = 0;
    this.full.length = 0;
    for (const slab of this.slabs) releaseBuffer(slab.buffer as ArrayBuffer);
    if (this.slabs.length > 0) collectYoung();
    this.slabs.length = 0;
    return out;
  }
}

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
