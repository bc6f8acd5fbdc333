import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.js';
import type { TextParsing } from '../io/text-values.js';
import { openSource, type OpenedSource, type ReadOptions } from '../io/read.js';

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
  /** The name used in messages: the path, `stdin`, or `DuckDB <path> table <table>`. */
  name: string;
  format: OpenedSource['format'];
  /** Column names and DuckDB types, in file order. */
  columns: { name: string; type: string }[];
  /** Whether the source is CSV/TSV text (columns passed to `relation` are then read as VARCHAR). */
  csv: boolean;
  /** How text becomes numbers (decimal mark, thousands separator) from the input flags. */
  parsing(): TextParsing;
  /** The table expression, with `text` columns read as VARCHAR (CSV: no type guessing for them). */
  relation(text: readonly string[]): string;
  /** Turn a DuckDB failure while scanning the source into a one-line DataError. */
  explain(e: unknown): Promise<Error>;
  /** Remove the temporary files, detach a database. */
  close(): Promise<void>;
  /** A statement making `relation` valid in a script of its own (ATTACH of a database file), if one is needed. */
  setupSql?: string | undefined;
}

/**
 * Open an event log for reading through DuckDB (see `openSource`): CSV/TSV (path or `-` for stdin), Parquet,
 * JSON, NDJSON or an .xlsx workbook; CSV options as `segment ingest`, every missing-value token handed to
 * DuckDB. Describes the columns (a sample of the file) and checks the `--types col=string` columns exist.
 * @throws DataError for a missing, empty, binary or unreadable file; UsageError for bad options.
 */
export async function openEventSource(
  conn: DuckDBConnection,
  path: string,
  opts: SourceOptions = {},
): Promise<EventSource> {
  // The feature SQL reads the CSV itself, once: every token is a null string there, and the encoding is
  // found from the whole file.
  const src = await openSource(path, opts, {
    csv: { scanWhole: true, allTokens: true },
    workbook: true,
    wording: 'query',
  });
  return describeEvents(conn, src, opts.textColumns ?? []);
}

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
  return describeEvents(conn, await openSource({ database: path, table, conn }), []);
}

async function describeEvents(
  conn: DuckDBConnection,
  src: OpenedSource,
  textColumns: readonly string[],
): Promise<EventSource> {
  try {
    const columns = await src.describe(conn);
    for (const c of textColumns) {
      if (!columns.some((k) => k.name === c)) {
        throw new UsageError(
          `--types names column '${c}', which ${src.name} does not have`,
          `columns: ${columns.map((k) => k.name).join(', ')}`,
        );
      }
    }
    const csv = src.csv !== undefined;
    return {
      name: src.name,
      format: src.format,
      columns,
      csv,
      parsing: () => src.parsing(),
      relation: (forced) => src.relation([...forced, ...textColumns]),
      explain: (e) => src.explain(e),
      close: () => src.close(),
      setupSql: src.setupSql,
    };
  } catch (e) {
    await src.close();
    throw e;
  }
}
