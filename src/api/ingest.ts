import { readFile } from 'node:fs/promises';
import { cellText, type Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import { withProgress } from '../core/logger.js';
import { dbUrl, type Param } from '../core/params.js';
import { readDataset } from '../io/read.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { parseDbUrl, readSql, redactUrl } from '../io/sql.js';
import { sqlDialects, type SqlDialectName } from '../sql/dialects.js';
import { sampledIds, sampleSql, type IdSample } from '../sql/sample.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** Parameters of `segment ingest` (the shared input flags last). */
export const ingestParams: readonly Param[] = [
  {
    flags: '-o, --output <path>',
    help: 'dataset file (.parquet, .csv, .json; - = CSV on stdout)',
  },
  {
    flags: '--db <url>',
    help: 'read a query result instead of a file: postgres://user@host:5432/db, sqlite:///file.db, duckdb:///file.duckdb (or a .sqlite/.db/.duckdb path), or $VARIABLE holding one',
    parse: dbUrl,
  },
  { flags: '--sql <query>', help: 'the query to run on --db' },
  { flags: '--sql-file <path>', help: 'read the query from a file (- for stdin)' },
  { flags: '--json', help: 'print a summary (rows, columns and types, output) as JSON on stdout' },
  {
    flags: '--sample-by <col>',
    help: 'with --sample N: keep N ids of this column with all their rows (seeded hash rank), drawn inside the database with --db',
  },
  {
    flags: '--print-sql',
    help: 'with --sample-by: print the sampling query instead of running it (no --db needed); writes nothing',
    pipeline: false,
  },
  {
    flags: '--dialect <name>',
    help: 'with --print-sql: the SQL dialect (default: the --db engine, else duckdb)',
    choices: sqlDialects,
    pipeline: false,
  },
  {
    flags: '--raw',
    help: "write CSV text cells as they are (default: cells starting with = + - @ get a leading ')",
  },
  ...inputParams,
];

/** Options of `segment ingest` (attribute names as the CLI makes them). */
export interface IngestOptions extends InputOptions {
  output?: string;
  json?: boolean;
  raw?: boolean;
  db?: string;
  sql?: string;
  sqlFile?: string;
  /** With `sample` (from the input parameters): the id column of an id sample. */
  sampleBy?: string;
  printSql?: boolean;
  dialect?: SqlDialectName;
}

/** What `segment ingest --json` prints. */
export interface IngestSummary {
  /** The file read (`stdin` for -), or the redacted database URL. */
  input: string;
  /** The query run, with `--db`. */
  query?: string;
  output: string;
  rows: number;
  columns: { name: string; type: string }[];
  /** With `--sample-by`: the id column, the ids asked for, the seed, and the ids and rows returned. */
  sample?: { by: string; n: number; seed: number; ids: number };
  seconds: number;
}

/** The dataset read and written, and its summary (what `--json` prints). */
export interface IngestResult {
  dataset: Dataset;
  json: IngestSummary;
}

/**
 * `segment ingest`: read a data file, CSV on stdin (`-`), or a SQL query on `--db` (then `input` is undefined), and
 * write it as a dataset file.
 * @example
 * const r = await runIngest('customers.csv', { output: 'customers.parquet' }, stepEnv());
 * const q = await runIngest(undefined, { db: '$SHOP_DB', sql: 'SELECT * FROM customers', output: 'c.parquet' }, stepEnv());
 */
export async function runIngest(
  input: string | undefined,
  o: IngestOptions,
  env: StepEnv,
): Promise<IngestResult> {
  const sample = sampleOf(o, env.seed);
  if (o.printSql)
    throw new UsageError('--print-sql returns a query: call ingestSampleSql', 'or leave out --print-sql');
  if (o.dialect !== undefined) throw new UsageError('--dialect applies to --print-sql');
  const query = await sqlSource(input, o, env.stdin);
  if (!o.output)
    throw new UsageError('ingest needs an output: -o out.parquet', 'use -o - to write CSV to stdout');
  if (o.json && o.output === '-') throw new UsageError('--json and -o - both write to stdout; pick one');
  const out = await env.outputs(
    [
      { flag: 'input', path: input },
      { flag: '--db', path: o.db !== undefined && !o.db.includes('://') && o.db },
      { flag: '--sql-file', path: o.sqlFile },
    ],
    [{ flag: '-o', path: o.output }],
  );
  try {
    const started = performance.now();
    // An id sample replaces the row sample of the input parameters.
    const readOpts = { ...readOptionsOf(o, env), ...(sample ? { sample: undefined } : {}) };
    let ds: Dataset;
    let shown: string;
    if (query) {
      env.logger.log('debug', `running the query on ${redactUrl(o.db!)}`);
      const run = sample ? sampleSql(dbDialect(o.db!), query, sample) : query;
      const r = await withProgress(env.logger, 'running the query', () => readSql(o.db!, run, readOpts));
      ds = r.dataset;
      shown = r.source.shown;
      if (sample) checkSampleColumn(ds, sample, shown);
    } else {
      ds = await readDataset(pathIn(env, input!), readOpts);
      shown = input === '-' ? 'stdin' : input!;
      if (sample) ds = sampleRows(checkSampleColumn(ds, sample, shown), sample);
    }
    const label = `writing ${ds.nRows.toLocaleString('en-US')} rows`;
    await withProgress(env.logger, label, () => out.writeDataset('-o', ds, { raw: o.raw }));
    await out.commit();
    const seconds = (performance.now() - started) / 1000;
    const json: IngestSummary = {
      input: shown,
      ...(query ? { query } : {}),
      output: o.output,
      rows: ds.nRows,
      columns: ds.columns.map((c) => ({ name: c.name, type: c.kind === 'numeric' ? c.type : c.kind })),
      ...(sample
        ? {
            sample: {
              by: sample.column,
              n: sample.n,
              seed: sample.seed,
              ids: new Set(idTexts(ds, sample.column)).size,
            },
          }
        : {}),
      seconds: round3(seconds),
    };
    if (o.output !== '-') {
      env.logger.log(
        'info',
        `wrote ${ds.nRows.toLocaleString('en-US')} rows × ${ds.nCols} columns to ${o.output} (${seconds.toFixed(2)} s)`,
      );
    }
    return { dataset: ds, json };
  } finally {
    await out.abort();
  }
}

/**
 * The id sample the options ask for, or undefined.
 * @throws UsageError for --sample without --sample-by or the reverse.
 */
function sampleOf(o: IngestOptions, seed: number): IdSample | undefined {
  if (o.sampleBy === undefined) {
    if (o.printSql)
      throw new UsageError('--print-sql prints the sampling query: add --sample N --sample-by COL');
    return undefined;
  }
  if (o.sampleBy.trim() === '') throw new UsageError('--sample-by needs a column name');
  if (o.sample === undefined)
    throw new UsageError(
      '--sample-by needs --sample N: how many ids to keep',
      'e.g. --sample 10000 --sample-by customer_id',
    );
  return { column: o.sampleBy, n: o.sample, seed };
}

/** The engine of a --db URL, for the sampling query; SQLite has no MD5. */
function dbDialect(db: string): SqlDialectName {
  const kind = parseDbUrl(db).kind;
  if (kind === 'sqlite')
    throw new UsageError(
      `--sample: SQLite has no MD5 to draw the sample with (${redactUrl(db)})`,
      'ingest the table, then sample the file: segment ingest table.parquet --sample 10000 --sample-by id -o sample.parquet',
    );
  return kind;
}

/**
 * `segment ingest --print-sql`: the query drawing the id sample inside a database, in `--dialect` (default the
 * `--db` engine, else DuckDB), without running it.
 * @example
 * const sql = await ingestSampleSql(undefined, { sql: 'SELECT * FROM shop.events', sample: 10000, sampleBy: 'customer_id', dialect: 'bigquery' }, stepEnv());
 * @throws UsageError for a file input, a missing query, or -o / --json.
 */
export async function ingestSampleSql(
  input: string | undefined,
  o: IngestOptions,
  env: StepEnv,
): Promise<string> {
  const sample = sampleOf({ ...o, printSql: true }, env.seed);
  const stdin = env.stdin;
  if (!sample) throw new UsageError('--print-sql prints the sampling query: add --sample N --sample-by COL');
  if (input !== undefined)
    throw new UsageError(
      '--print-sql prints a query for a database: give --sql, not a file',
      'or leave out --print-sql',
    );
  if (o.output !== undefined || o.json)
    throw new UsageError('--print-sql writes nothing; leave out -o and --json');
  if (o.sql === undefined && o.sqlFile === undefined)
    throw new UsageError('--print-sql needs the query to sample: --sql "SELECT * FROM events" or --sql-file');
  if (o.sql !== undefined && o.sqlFile !== undefined)
    throw new UsageError('--sql and --sql-file both give the query; pass only one');
  const query = o.sql ?? (await readQueryFile(o.sqlFile!, stdin));
  const dialect = o.dialect ?? (o.db !== undefined ? dbDialect(o.db) : 'duckdb');
  return `${sampleSql(dialect, query, sample)};\n`;
}

/** The text of each row's id in `column` (missing ids: null), as the id pairing writes it ({@link cellText}). */
function idTexts(ds: Dataset, column: string): (string | null)[] {
  const c = ds.column(column);
  return Array.from({ length: ds.nRows }, (_, i) => cellText(c, i));
}

/**
 * @throws DataError when the id column is missing or holds non-integer numbers (their text differs between engines).
 */
function checkSampleColumn(ds: Dataset, sample: IdSample, shown: string): Dataset {
  if (!ds.columns.some((c) => c.name === sample.column))
    throw new DataError(
      `${shown}: no column '${sample.column}' (--sample-by)`,
      `columns: ${ds.columns
        .slice(0, 12)
        .map((c) => c.name)
        .join(', ')}`,
    );
  const c = ds.column(sample.column);
  // A float-typed column is refused even when its values are whole: engines write 36.0 as '36' or '36.0'.
  if (c.kind === 'numeric' && c.type !== 'integer')
    throw new DataError(
      `${shown}: column '${sample.column}' (--sample-by) is ${c.type}; ids must be text or integers`,
      'engines write floating-point numbers as text differently, so the sample would differ between them: cast the id to an integer or text',
    );
  return ds;
}

/** The rows of `ds` whose id is in the sample. O(rows). */
function sampleRows(ds: Dataset, sample: IdSample): Dataset {
  const texts = idTexts(ds, sample.column);
  const ids = sampledIds(
    texts.filter((t): t is string => t !== null),
    sample,
  );
  const keep: number[] = [];
  texts.forEach((t, i) => {
    if (t !== null && ids.has(t)) keep.push(i);
  });
  return ds.take(Int32Array.from(keep));
}

/** `segment ingest` as a pipeline step: `run(srcPath | undefined, options, env)`. */
export const ingestCommand: StepCommand<IngestOptions, IngestResult> = {
  name: 'ingest',
  params: ingestParams,
  run: runIngest,
};

/**
 * The query to run when `--db` is given (from --sql or --sql-file), or undefined for file ingest; checks that the
 * flags go together.
 * @throws UsageError for <src> with --db, --sql without --db, both or neither of --sql / --sql-file, file-only flags
 * with --db; DataError for an unreadable --sql-file.
 */
async function sqlSource(
  src: string | undefined,
  o: IngestOptions,
  stdin: NodeJS.ReadableStream,
): Promise<string | undefined> {
  if (o.db === undefined) {
    if (o.sql !== undefined || o.sqlFile !== undefined)
      throw new UsageError(
        '--sql and --sql-file need --db URL',
        'e.g. --db postgres://user@host/db --sql "SELECT …"',
      );
    if (src === undefined)
      throw new UsageError(
        'ingest needs an input: <src> (a file, or - for stdin) or --db URL --sql "SELECT …"',
      );
    return undefined;
  }
  const shown = redactUrl(o.db);
  if (src !== undefined)
    throw new UsageError(`ingest reads either <src> (${src}) or --db ${shown}, not both`, 'drop one of them');
  if (o.sql !== undefined && o.sqlFile !== undefined)
    throw new UsageError('--sql and --sql-file both give the query; pass only one');
  if (o.sql === undefined && o.sqlFile === undefined)
    throw new UsageError(`--db ${shown} needs a query`, 'pass --sql "SELECT …" or --sql-file query.sql');
  for (const f of ['format', 'delimiter'] as const) {
    if (o[f] !== undefined) throw new UsageError(`--${f} applies to files, not to --db queries`);
  }
  if (o.encoding !== undefined && o.encoding.toLowerCase().replace(/[^a-z0-9]/g, '') !== 'utf8')
    throw new UsageError('--encoding applies to CSV files, not to --db queries');
  if (o.sql !== undefined) return o.sql;
  return readQueryFile(o.sqlFile!, stdin);
}

/**
 * The text of `--sql-file` (`-`: all of stdin).
 * @throws DataError when the file is missing or unreadable.
 */
async function readQueryFile(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  try {
    if (path === '-') {
      let text = '';
      for await (const chunk of stdin)
        text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      return text;
    }
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`--sql-file ${path}: file not found`, 'check the path');
    throw new DataError(`--sql-file ${path}: cannot read (${(e as Error).message})`);
  }
}
