#!/usr/bin/env node
// Load a CSV file into a table of a DuckDB database file (created if needed), with DuckDB's own type detection.
//   node examples/load-duckdb.mjs fixtures/events.csv shop.duckdb events
// The same with the DuckDB command line: duckdb shop.duckdb "CREATE TABLE events AS FROM 'fixtures/events.csv'"
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, database, table] = process.argv.slice(2);
if (!csv || !database || !table) {
  process.stderr.write('usage: node examples/load-duckdb.mjs <file.csv> <database.duckdb> <table>\n');
  process.exit(2);
}
const instance = await DuckDBInstance.create(database);
const connection = await instance.connect();
const quoted = `"${table.replaceAll('"', '""')}"`;
await connection.run(`CREATE OR REPLACE TABLE ${quoted} AS SELECT * FROM read_csv($1)`, [csv]);
const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${quoted}`);
process.stdout.write(`${reader.getRows()[0][0]} rows → ${database} table ${table}\n`);
connection.closeSync();
