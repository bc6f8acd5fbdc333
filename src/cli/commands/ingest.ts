import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Dataset } from '../../core/dataset.js';
import { DataError, UsageError } from '../../core/errors.js';
import { readDataset } from '../../io/read.js';
import { readSql, redactUrl } from '../../io/sql.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';
import { dbUrl } from '../options.js';

interface IngestFlags extends InputFlags {
  output?: string;
  json?: boolean;
  raw?: boolean;
  db?: string;
  sql?: string;
  sqlFile?: string;
}

/** `segment ingest <src> -o out.parquet`, or `--db URL --sql …`: read a file, stdin or a query into a dataset file. */
export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .description('read CSV/TSV/Parquet/JSON/NDJSON (or CSV on stdin), or a SQL query, into a dataset file')
    .argument('[src]', 'input file, or - for CSV on stdin (none with --db)')
    .option('-o, --output <path>', 'output file: .parquet (default), .csv or .json; - writes CSV to stdout')
    .option(
      '--db <url>',
      'read a query result instead of a file: postgres://user@host:5432/db, sqlite:///file.db, duckdb:///file.duckdb (or a .sqlite/.db/.duckdb path), or $VARIABLE holding one',
      dbUrl,
    )
    .option('--sql <query>', 'the query to run on --db')
    .option('--sql-file <path>', 'read the query from a file (- for stdin)')
    .option('--json', 'print a summary (rows, columns and types, output) as JSON on stdout')
    .option(
      '--raw',
      "write CSV text cells as they are (default: cells starting with = + - @ get a leading ')",
    );
  addInputOptions(cmd).addHelpText(
    'after',
    `
Reads through DuckDB; numeric columns become float64 (NULL → missing), text with few distinct
values becomes categorical, dates and timestamps are kept as such. Needs the whole input in memory.

Examples:
  $ segment ingest customers.csv -o customers.parquet
  $ segment ingest export.tsv --delimiter tab --types zip=string -o customers.parquet
  $ segment ingest big.parquet --sample 100000 --seed 7 -o sample.parquet
  $ cat events.csv | segment ingest - -o events.parquet --json
  $ PGPASSWORD=… segment ingest --db postgres://analyst@db.internal/shop --sql "SELECT * FROM customers" -o customers.parquet
  $ segment ingest --db shop.sqlite --sql-file customers.sql -o customers.parquet

SQL sources: PostgreSQL is streamed through a cursor in a read-only session (credentials from the URL or
PGUSER / PGPASSWORD / PGHOST / PGPORT / PGDATABASE; connect_timeout=SECONDS in the URL, default 10); SQLite and
DuckDB files are opened read-only. Passwords never appear in logs, errors or --json output.`,
  );
  cmd.action(async (src: string | undefined, flags: IngestFlags, self: Command) => {
    const ctx = contextFrom(self);
    const query = await sqlSource(src, flags, ctx.stdin);
    if (!flags.output)
      throw new UsageError('ingest needs an output: -o out.parquet', 'use -o - to write CSV to stdout');
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const out = await ctx.outputs(
      [
        { flag: 'input', path: src },
        { flag: '--db', path: flags.db !== undefined && !flags.db.includes('://') && flags.db },
        { flag: '--sql-file', path: flags.sqlFile },
      ],
      [{ flag: '-o', path: flags.output }],
    );
    const started = performance.now();
    const readOpts = readOptionsFrom(flags, ctx);
    let ds: Dataset;
    let input: string;
    if (query) {
      ctx.logger.log('debug', `running the query on ${redactUrl(flags.db!)}`);
      const r = await readSql(flags.db!, query, readOpts);
      ds = r.dataset;
      input = r.source.shown;
    } else {
      ds = await readDataset(src!, readOpts);
      input = src === '-' ? 'stdin' : src!;
    }
    await out.writeDataset('-o', ds, { raw: flags.raw });
    await out.commit();
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      input,
      ...(query ? { query } : {}),
      output: flags.output,
      rows: ds.nRows,
      columns: ds.columns.map((c) => ({ name: c.name, type: c.kind === 'numeric' ? c.type : c.kind })),
      seconds: Math.round(seconds * 1000) / 1000,
    };
    if (flags.json) ctx.printJson(summary);
    if (flags.output !== '-') {
      ctx.logger.log(
        'info',
        `wrote ${ds.nRows.toLocaleString('en-US')} rows × ${ds.nCols} columns to ${flags.output} (${seconds.toFixed(2)} s)`,
      );
    }
  });
}

/**
 * The query to run when `--db` is given (from --sql or --sql-file), or undefined for file ingest; checks that the
 * flags go together.
 * @throws UsageError for <src> with --db, --sql without --db, both or neither of --sql / --sql-file, file-only flags
 * with --db; DataError for an unreadable --sql-file.
 */
async function sqlSource(
  src: string | undefined,
  flags: IngestFlags,
  stdin: NodeJS.ReadableStream,
): Promise<string | undefined> {
  if (flags.db === undefined) {
    if (flags.sql !== undefined || flags.sqlFile !== undefined)
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
  const shown = redactUrl(flags.db);
  if (src !== undefined)
    throw new UsageError(`ingest reads either <src> (${src}) or --db ${shown}, not both`, 'drop one of them');
  if (flags.sql !== undefined && flags.sqlFile !== undefined)
    throw new UsageError('--sql and --sql-file both give the query; pass only one');
  if (flags.sql === undefined && flags.sqlFile === undefined)
    throw new UsageError(`--db ${shown} needs a query`, 'pass --sql "SELECT …" or --sql-file query.sql');
  for (const f of ['format', 'delimiter'] as const) {
    if (flags[f] !== undefined) throw new UsageError(`--${f} applies to files, not to --db queries`);
  }
  if (flags.encoding !== undefined && flags.encoding.toLowerCase().replace(/[^a-z0-9]/g, '') !== 'utf8')
    throw new UsageError('--encoding applies to CSV files, not to --db queries');
  if (flags.sql !== undefined) return flags.sql;
  const path = flags.sqlFile!;
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
