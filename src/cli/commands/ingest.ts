import type { Command } from 'commander';
import { ingestParams, ingestSampleSql, runIngest, type IngestOptions } from '../../api/ingest.js';
import { contextFrom } from '../context.js';
import { addParams } from '../params.js';

/** `segment ingest <src> -o out.parquet`, or `--db URL --sql …`: read a file, stdin or a query into a dataset file. */
export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .description('read CSV/TSV/Parquet/JSON/NDJSON (or CSV on stdin), or a SQL query, into a dataset file')
    .argument('[src]', 'input file, or - for CSV on stdin (none with --db)');
  addParams(cmd, ingestParams).addHelpText(
    'after',
    `
Reads through DuckDB; numeric columns become float64 (NULL → missing), text with few distinct
values becomes categorical, dates and timestamps are kept as such. DuckDB parses the text in one pass, but the
parsed table is held in memory before it is written (8 bytes per numeric cell; 1M customers × 11 columns peak
at about 0.45 GB): the table, not the text, must fit. For event logs larger than memory use segment features,
which aggregates inside DuckDB (spilling to disk) and holds one row per customer.

Examples:
  $ segment ingest customers.csv -o customers.parquet
  $ segment ingest export.tsv --delimiter tab --types zip=string -o customers.parquet
  $ segment ingest big.parquet --sample 100000 --seed 7 -o sample.parquet
  $ cat events.csv | segment ingest - -o events.parquet --json
  $ PGPASSWORD=… segment ingest --db postgres://analyst@db.internal/shop --sql "SELECT * FROM customers" -o customers.parquet
  $ segment ingest --db shop.sqlite --sql-file customers.sql -o customers.parquet
  $ segment ingest --db $SHOP_DB --sql "SELECT * FROM events" --sample 10000 --sample-by customer_id -o sample.parquet
  $ segment ingest --sql "SELECT * FROM shop.events" --sample 10000 --sample-by customer_id --print-sql --dialect bigquery

SQL sources: PostgreSQL is streamed through a cursor in a read-only session (credentials from the URL or
PGUSER / PGPASSWORD / PGHOST / PGPORT / PGDATABASE; connect_timeout=SECONDS in the URL, default 10); SQLite and
DuckDB files are opened read-only. Passwords never appear in logs, errors or --json output.`,
  );
  cmd.action(async (src: string | undefined, flags: IngestOptions, self: Command) => {
    const ctx = contextFrom(self);
    if (flags.printSql) {
      ctx.print(await ingestSampleSql(src, flags, ctx));
      return;
    }
    const result = await runIngest(src, flags, ctx);
    if (flags.json) ctx.printJson(result.json);
  });
}
