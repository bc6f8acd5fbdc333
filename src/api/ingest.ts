import { readFile } from 'node:fs/promises';
import type { Dataset } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { round3 } from '../core/format.js';
import { withProgress } from '../core/logger.js';
import { dbUrl, type Param } from '../core/params.js';
import { readDataset } from '../io/read.js';
import { inputParams, readOptionsOf, type InputOptions } from '../io/read-params.js';
import { readSql, redactUrl } from '../io/sql.js';
import { pathIn, type StepCommand, type StepEnv } from './env.js';

/** Parameters of `segment ingest` (the shared input flags last). */
export const ingestParams: readonly Param[] = [
  {
    flags: '-o, --output <path>',
    help: 'output file: .parquet (default), .csv or .json; - writes CSV to stdout',
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
    const readOpts = readOptionsOf(o, env);
    let ds: Dataset;
    let shown: string;
    if (query) {
      env.logger.log('debug', `running the query on ${redactUrl(o.db!)}`);
      const r = await withProgress(env.logger, 'running the query', () => readSql(o.db!, query, readOpts));
      ds = r.dataset;
      shown = r.source.shown;
    } else {
      ds = await readDataset(pathIn(env, input!), readOpts);
      shown = input === '-' ? 'stdin' : input!;
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
