import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { readDataset } from '../../io/read.js';
import { writeDataset } from '../../io/write.js';
import { contextFrom } from '../context.js';
import { addInputOptions, readOptionsFrom, type InputFlags } from '../io-options.js';

interface IngestFlags extends InputFlags {
  output?: string;
  json?: boolean;
  raw?: boolean;
}

/** `segment ingest <src> -o out.parquet`: read a file or stdin into a dataset file. */
export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .description('read CSV/TSV/Parquet/JSON/NDJSON (or CSV on stdin) into a dataset file')
    .argument('<src>', 'input file, or - for CSV on stdin')
    .option('-o, --output <path>', 'output file: .parquet (default), .csv or .json; - writes CSV to stdout')
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
  $ cat events.csv | segment ingest - -o events.parquet --json`,
  );
  cmd.action(async (src: string, flags: IngestFlags, self: Command) => {
    const ctx = contextFrom(self);
    if (!flags.output)
      throw new UsageError('ingest needs an output: -o out.parquet', 'use -o - to write CSV to stdout');
    if (flags.json && flags.output === '-')
      throw new UsageError('--json and -o - both write to stdout; pick one');
    const started = performance.now();
    const ds = await readDataset(src, readOptionsFrom(flags, ctx));
    await writeDataset(ds, flags.output, { stdout: ctx.stdout, raw: flags.raw });
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      input: src === '-' ? 'stdin' : src,
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
