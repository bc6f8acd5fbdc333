import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { expectSameFeatures, type Row } from '../helpers/features.js';
import { startPostgres } from '../helpers/postgres.js';

const tmp = tempDir();
const events = join(fixtures, 'events.csv');

/** Exactly one non-empty line on stderr, starting with "segment:", and no stack trace. */
function oneLineError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim().length > 0);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^segment: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

const readJson = (p: string): Row[] => JSON.parse(readFileSync(p, 'utf8')) as Row[];

let url = '';
let password = '';
let client: pg.Client;
const duckFile = join(tmp.dir, 'shop.duckdb');
const rulesFile = join(tmp.dir, 'scoring.yaml');

beforeAll(async () => {
  ({ url } = await startPostgres());
  password = decodeURIComponent(new URL(url).password);
  client = new pg.Client({ connectionString: url });
  await client.connect();
  const lines = readFileSync(events, 'utf8').trim().split('\n').slice(1);
  const cells = lines.map((l) => l.split(','));
  await client.query(
    'CREATE TABLE events (customer_id text, ts timestamptz, event text, amount numeric, session_id text);' +
      'CREATE TABLE text_times (customer_id text, ts text, event text)',
  );
  await client.query(
    'INSERT INTO events SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::numeric[], $5::text[])',
    [0, 1, 2, 3, 4].map((k) => cells.map((r) => (r[k] === '' ? null : r[k]!))),
  );
  await client.query("INSERT INTO text_times VALUES ('A', '2026-01-01T10:00:00Z', 'purchase')");
  const duck = await DuckDBInstance.create(duckFile);
  const conn = await duck.connect();
  await conn.run(
    `CREATE TABLE events AS SELECT customer_id, CAST(ts AS TIMESTAMPTZ) AS ts, event, CAST(amount AS DECIMAL(12, 2)) AS amount, session_id FROM read_csv('${events}')`,
  );
  conn.closeSync();
  duck.closeSync();
  writeFileSync(
    rulesFile,
    'points:\n  product_view: 1\n  add_to_cart: 5\n  purchase: 20\ndecay:\n  half_life: 30d\ntiers:\n  - { name: high, above: 50 }\n  - { name: medium, min: 20 }\n  - { name: low }\n',
  );
}, 240_000);

afterAll(async () => {
  await client?.end();
  tmp.cleanup();
});

const flagSets: [string, string[]][] = [
  [
    'event, amount, session column; all history',
    ['--amount', 'amount', '--event', 'event', '--session', 'session_id'],
  ],
  [
    'amount only (inferred sessions), --as-of, --window, --timezone',
    ['--amount', 'amount', '--as-of', '2026-10-15', '--window', '90d', '--timezone', 'Europe/Paris'],
  ],
  [
    'points with decay and tiers, funnel, session gap, --sample',
    [
      '--event',
      'event',
      '--amount',
      'amount',
      '--rules',
      rulesFile,
      '--funnel',
      'product_view,add_to_cart,purchase',
      '--session-gap',
      '20min',
      '--as-of',
      '2026-10-01T12:00:00Z',
      '--window',
      '30d',
      '--sample',
      '100',
    ],
  ],
];

describe('segment features --db (push-down, built CLI)', () => {
  it.each(flagSets)('PostgreSQL gives the features of the DuckDB path: %s', async (_name, flags) => {
    const base = ['--id', 'customer_id', '--time', 'ts', ...flags];
    const k = flagSets.findIndex(([n]) => n === _name);
    const fileOut = join(tmp.dir, `file-${k}.json`);
    const pgOut = join(tmp.dir, `pg-${k}.json`);
    const f = await runCli(['features', events, ...base, '-o', fileOut]);
    expect(f.code, f.stderr).toBe(0);
    const p = await runCli(['features', '--db', url, '--table', 'events', ...base, '-o', pgOut, '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout + p.stderr).not.toContain(password);
    const summary = JSON.parse(p.stdout);
    expect(summary.input).toContain('***');
    const a = readJson(fileOut);
    const b = readJson(pgOut);
    expect(a.length).toBeGreaterThan(50);
    const cells = expectSameFeatures(a, b);
    expect(cells).toBeGreaterThan(a.length * 15);
  });

  it('a DuckDB database file gives the features of the CSV', async () => {
    const base = ['--id', 'customer_id', '--time', 'ts', ...flagSets[0]![1], '--window', '60d'];
    const fileOut = join(tmp.dir, 'file-duck.json');
    const dbOut = join(tmp.dir, 'db-duck.json');
    expect((await runCli(['features', events, ...base, '-o', fileOut])).code).toBe(0);
    const d = await runCli([
      'features',
      '--db',
      `duckdb://${duckFile}`,
      '--table',
      'events',
      ...base,
      '-o',
      dbOut,
    ]);
    expect(d.code, d.stderr).toBe(0);
    expectSameFeatures(readJson(fileOut), readJson(dbOut));
    // The script printed from a database file is the same text from run to run (no process-specific names).
    const print = () => runCli(['features', '--db', duckFile, '--table', 'events', ...base, '--print-sql']);
    const [p1, p2] = [await print(), await print()];
    expect(p1.code, p1.stderr).toBe(0);
    expect(p2.stdout).toBe(p1.stdout);
  });

  it('--print-sql prints the PostgreSQL query, which gives the features when run as printed', async () => {
    const base = [
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--event',
      'event',
      '--window',
      '90d',
    ];
    const r = await runCli(['features', '--db', url, '--table', 'events', ...base, '--print-sql']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SELECT /);
    expect(r.stdout).toContain('DOUBLE PRECISION');
    expect(r.stdout).toContain('COLLATE "C"');
    expect(r.stdout).not.toContain(password);
    const printed = await client.query(r.stdout);
    const out = join(tmp.dir, 'pg-window.json');
    expect((await runCli(['features', '--db', url, '--table', 'events', ...base, '-o', out])).code).toBe(0);
    const computed = readJson(out);
    // node-postgres returns DOUBLE PRECISION as numbers and text as strings, as the JSON output has them.
    expectSameFeatures(computed, printed.rows as Row[]);
  });

  it('--print-sql on a file prints a DuckDB script and computes nothing', async () => {
    const out = join(tmp.dir, 'never.parquet');
    const r = await runCli([
      'features',
      events,
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--print-sql',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SET TimeZone = 'UTC';\n\nCREATE TEMP TABLE segment_events AS SELECT /);
    expect(r.stdout).toContain('AS DOUBLE)');
    expect(r.stdout).not.toContain('DOUBLE PRECISION');
    expect(existsSync(out)).toBe(false);
    const duck = await DuckDBInstance.create(':memory:');
    const conn = await duck.connect();
    const statements = r.stdout.trim().replace(/;$/, '').split(';\n\n');
    for (const s of statements.slice(0, -1)) await conn.run(s);
    const rows = (await conn.runAndReadAll(statements.at(-1)!)).getRowObjectsJson();
    expect(rows).toHaveLength(600);
    expect(rows[0]!['customer_id']).toBe('C000001');
    conn.closeSync();
    duck.closeSync();
  });

  it('a missing table or column is the database message on one line, exit 3', async () => {
    const cols = ['--id', 'customer_id', '--time', 'ts', '--event', 'event'];
    const noTable = await runCli([
      'features',
      '--db',
      url,
      '--table',
      'nope',
      ...cols,
      '-o',
      join(tmp.dir, 'x.csv'),
    ]);
    expect(noTable.code).toBe(3);
    expect(oneLineError(noTable.stderr)).toMatch(/relation "nope" does not exist.*--table nope/);
    const noCol = await runCli([
      'features',
      '--db',
      url,
      '--table',
      'events',
      '--id',
      'customer_id',
      '--time',
      'tss',
      '--event',
      'event',
      '-o',
      join(tmp.dir, 'x.csv'),
    ]);
    expect(noCol.code).toBe(3);
    expect(oneLineError(noCol.stderr)).toMatch(/column "tss" does not exist/);
    const textTime = await runCli([
      'features',
      '--db',
      url,
      '--table',
      'text_times',
      ...cols,
      '-o',
      join(tmp.dir, 'x.csv'),
    ]);
    expect(textTime.code).toBe(3);
    expect(oneLineError(textTime.stderr)).toMatch(/column 'ts' \(--time\) is text/);
    const duckNoTable = await runCli([
      'features',
      '--db',
      duckFile,
      '--table',
      'nope',
      ...cols,
      '-o',
      join(tmp.dir, 'x.csv'),
    ]);
    expect(duckNoTable.code).toBe(3);
    expect(oneLineError(duckNoTable.stderr)).toMatch(/nope does not exist/);
    for (const r of [noTable, noCol, textTime]) expect(r.stderr).not.toContain(password);
    expect(existsSync(join(tmp.dir, 'x.csv'))).toBe(false);
  });

  it('usage errors exit 2 and never show the password', async () => {
    const cols = ['--id', 'customer_id', '--time', 'ts', '--event', 'event', '-o', join(tmp.dir, 'y.csv')];
    const both = await runCli(['features', events, '--db', url, '--table', 'events', ...cols]);
    expect(both.code).toBe(2);
    expect(oneLineError(both.stderr)).toMatch(/an event log file or --db postgres:\/\/postgres:\*\*\*@/);
    const noTable = await runCli(['features', '--db', url, ...cols]);
    expect(noTable.code).toBe(2);
    expect(oneLineError(noTable.stderr)).toMatch(/needs --table NAME/);
    const tableAlone = await runCli(['features', events, '--table', 'events', ...cols]);
    expect(tableAlone.code).toBe(2);
    const sqlite = await runCli([
      'features',
      '--db',
      join(tmp.dir, 'shop.sqlite'),
      '--table',
      'events',
      ...cols,
    ]);
    expect(sqlite.code).toBe(2);
    expect(oneLineError(sqlite.stderr)).toMatch(/not SQLite/);
    const badPassword = url.replace(`:${encodeURIComponent(password)}@`, ':Wr0ng-s3cret@');
    const auth = await runCli(['features', '--db', badPassword, '--table', 'events', ...cols]);
    expect(auth.code).toBe(3);
    expect(oneLineError(auth.stderr)).toMatch(/authentication failed/);
    for (const r of [both, noTable, auth]) {
      expect(r.stderr).not.toContain(password);
      expect(r.stderr).not.toContain('Wr0ng-s3cret');
    }
  });
});
