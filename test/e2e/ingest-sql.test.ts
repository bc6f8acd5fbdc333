import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/io/read.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';

const tmp = tempDir('segment-ingest-sql-');
afterAll(() => tmp.cleanup());

let url = '';
let password = '';
let litePath = '';
let duckPath = '';

const customers = `
  CREATE TABLE customers (customer_id integer, spend numeric(10, 2), visits integer, vip boolean, joined date,
                          region varchar(10));
  INSERT INTO customers
    SELECT i, (i * 37 % 500) / 4.0, i % 11, i % 5 = 0, DATE '2023-01-01' + (i % 365), (ARRAY['north','south','east'])[1 + i % 3]
    FROM generate_series(1, 300) AS i;`;

beforeAll(async () => {
  ({ url } = await startPostgres());
  password = decodeURIComponent(new URL(url).password);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(customers);
  await client.end();

  litePath = join(tmp.dir, 'shop.sqlite');
  const lite = new Database(litePath);
  lite.exec(`CREATE TABLE customers (customer_id INTEGER, spend REAL, region TEXT);
    INSERT INTO customers VALUES (1, 10.5, 'north'), (2, NULL, 'south'), (3, 7.25, 'north'), (4, 1, 'north');`);
  lite.close();

  duckPath = join(tmp.dir, 'shop.duckdb');
  const inst = await DuckDBInstance.create(duckPath);
  const conn = await inst.connect();
  await conn.run(
    `CREATE TABLE customers AS SELECT range AS customer_id, range * 1.5 AS spend FROM range(1, 41)`,
  );
  conn.closeSync();
  inst.closeSync();
});

/** stdout + stderr of a run, which must never hold the password. */
const noSecret = (r: { stdout: string; stderr: string }) => {
  expect(r.stdout + r.stderr).not.toContain(password);
};

describe('segment ingest --db', () => {
  it('PostgreSQL → Parquet with a --json summary; the password is never printed', async () => {
    const out = join(tmp.dir, 'pg.parquet');
    const r = await runCli(
      [
        'ingest',
        '--db',
        url,
        '--sql',
        'SELECT * FROM customers ORDER BY customer_id',
        '-o',
        out,
        '--json',
        '-v',
      ],
      { cwd: tmp.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    noSecret(r);
    const summary = JSON.parse(r.stdout) as {
      input: string;
      query: string;
      rows: number;
      columns: { name: string; type: string }[];
    };
    expect(summary.input).toBe(url.replace(`:${new URL(url).password}@`, ':***@'));
    expect(summary.query).toBe('SELECT * FROM customers ORDER BY customer_id');
    expect(summary.rows).toBe(300);
    expect(summary.columns).toEqual([
      { name: 'customer_id', type: 'integer' },
      { name: 'spend', type: 'double' },
      { name: 'visits', type: 'integer' },
      { name: 'vip', type: 'boolean' },
      { name: 'joined', type: 'date' },
      { name: 'region', type: 'categorical' },
    ]);
    const ds = await readDataset(out);
    expect(ds.nRows).toBe(300);
    const spend = ds.column('spend');
    expect(spend.kind === 'numeric' && spend.values[1]).toBe((74 % 500) / 4);
    const joined = ds.column('joined');
    expect(joined.kind === 'numeric' && joined.type).toBe('date');
    expect(joined.kind === 'numeric' && joined.values[0]).toBe(Date.UTC(2023, 0, 2));
  });

  it('--sql-file (also from stdin), --sample and CSV on stdout', async () => {
    const q = join(tmp.dir, 'q.sql');
    writeFileSync(
      q,
      '-- customers in the north\nSELECT customer_id, spend FROM customers\nWHERE region = $$north$$\nORDER BY 1;\n',
    );
    const r = await runCli([
      'ingest',
      '--db',
      url,
      '--sql-file',
      q,
      '--sample',
      '10',
      '--seed',
      '3',
      '-o',
      '-',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('customer_id,spend');
    expect(lines).toHaveLength(11);
    const again = await runCli([
      'ingest',
      '--db',
      url,
      '--sql-file',
      q,
      '--sample',
      '10',
      '--seed',
      '3',
      '-o',
      '-',
    ]);
    expect(again.stdout).toBe(r.stdout);
    const piped = await runCli(['ingest', '--db', url, '--sql-file', '-', '-o', '-'], {
      input: 'SELECT count(*) AS n FROM customers',
    });
    expect(piped.stdout).toBe('n\n300\n');
  });

  it('SQLite and DuckDB files, by URL and by extension', async () => {
    const lite = await runCli([
      'ingest',
      '--db',
      `sqlite://${litePath}`,
      '--sql',
      'SELECT * FROM customers',
      '-o',
      '-',
    ]);
    expect(lite.code, lite.stderr).toBe(0);
    expect(lite.stdout).toBe('customer_id,spend,region\n1,10.5,north\n2,,south\n3,7.25,north\n4,1,north\n');
    const byPath = await runCli(['ingest', '--db', litePath, '--sql', 'SELECT * FROM customers', '-o', '-']);
    expect(byPath.stdout).toBe(lite.stdout);
    const out = join(tmp.dir, 'duck.parquet');
    const duck = await runCli([
      'ingest',
      '--db',
      duckPath,
      '--sql',
      'SELECT * FROM customers WHERE spend > 30',
      '-o',
      out,
      '--json',
    ]);
    expect(duck.code, duck.stderr).toBe(0);
    expect(JSON.parse(duck.stdout)).toMatchObject({ input: duckPath, rows: 20 });
    const viaUrl = await runCli([
      'ingest',
      '--db',
      `duckdb://${duckPath}`,
      '--sql',
      'SELECT count(*) AS n FROM customers',
      '-o',
      '-',
    ]);
    expect(viaUrl.stdout).toBe('n\n40\n');
  });

  it('SET statements before the query run in its session (PostgreSQL, DuckDB); anything else before it is refused', async () => {
    // The time zone set by the script decides the local date; the reader's own formats still hold.
    const pgSql =
      "-- a script as psql would run it\nSET TIME ZONE 'Asia/Tokyo';\nSELECT CAST(TIMESTAMPTZ '2026-01-01 20:00:00+00' AS date) AS d, 'a;b' AS s;";
    const onPg = await runCli(['ingest', '--db', url, '--sql', pgSql, '-o', '-']);
    expect(onPg.code, onPg.stderr).toBe(0);
    expect(onPg.stdout).toBe('d,s\n2026-01-02,a;b\n');
    noSecret(onPg);
    const duckSql =
      "SET TimeZone = 'Asia/Tokyo';\nSELECT CAST(TIMESTAMPTZ '2026-01-01 20:00:00+00' AS DATE) AS d;";
    const onDuck = await runCli(['ingest', '--db', duckPath, '--sql', duckSql, '-o', '-']);
    expect(onDuck.code, onDuck.stderr).toBe(0);
    expect(onDuck.stdout).toBe('d\n2026-01-02\n');
    const other = await runCli([
      'ingest',
      '--db',
      duckPath,
      '--sql',
      'DROP TABLE customers; SELECT 1 AS x',
      '-o',
      '-',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/only SET statements may come before the query/);
    const lite = await runCli(['ingest', '--db', litePath, '--sql', 'SET x = 1; SELECT 1 AS x', '-o', '-']);
    expect(lite.code).toBe(2);
    expect(lite.stderr).toMatch(/SQLite has no SET statements/);
  });

  describe('errors: one line, exit code, nothing written, no password', () => {
    const cases: [string, () => string[], number, RegExp][] = [
      [
        'unreachable server',
        () => ['--db', `postgres://ann:${password}@127.0.0.1:1/shop`, '--sql', 'SELECT 1'],
        3,
        /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/,
      ],
      [
        'authentication failure',
        () => ['--db', url.replace(`:${new URL(url).password}@`, ':not-the-password@'), '--sql', 'SELECT 1'],
        3,
        /authentication failed for user 'postgres'/,
      ],
      ['SQL syntax error', () => ['--db', url, '--sql', 'SELEC 1'], 3, /syntax error at or near "SELEC"/],
      [
        'no rows',
        () => ['--db', url, '--sql', 'SELECT * FROM customers WHERE false'],
        3,
        /the query returned no rows/,
      ],
      [
        'unknown scheme',
        () => ['--db', `mysql://root:${password}@db/shop`, '--sql', 'SELECT 1'],
        2,
        /unknown database URL scheme 'mysql:'/,
      ],
      [
        'missing SQLite file',
        () => ['--db', join(tmp.dir, 'nope.sqlite'), '--sql', 'SELECT 1'],
        3,
        /database file not found/,
      ],
      [
        'missing DuckDB file',
        () => ['--db', `duckdb://${join(tmp.dir, 'nope.duckdb')}`, '--sql', 'SELECT 1'],
        3,
        /database file not found/,
      ],
      [
        '--sql and --sql-file together',
        () => ['--db', url, '--sql', 'SELECT 1', '--sql-file', 'q.sql'],
        2,
        /--sql and --sql-file both give the query/,
      ],
      ['neither --sql nor --sql-file', () => ['--db', url], 2, /needs a query/],
      ['--sql without --db', () => ['--sql', 'SELECT 1'], 2, /--sql and --sql-file need --db/],
      ['no source at all', () => [], 2, /ingest needs an input/],
      [
        '<src> and --db',
        () => ['x.csv', '--db', url, '--sql', 'SELECT 1'],
        2,
        /either <src> \(x\.csv\) or --db/,
      ],
      [
        'missing --sql-file',
        () => ['--db', url, '--sql-file', 'missing.sql'],
        3,
        /--sql-file missing\.sql: file not found/,
      ],
    ];
    for (const [name, args, code, pattern] of cases) {
      it(name, async () => {
        const dir = tempDir('segment-sql-err-');
        try {
          const r = await runCli(['ingest', ...args(), '-o', 'out.parquet'], { cwd: dir.dir });
          expect(r.code, r.stderr).toBe(code);
          expect(r.stderr).toMatch(pattern);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stdout).toBe('');
          noSecret(r);
          expect(dir.files()).toEqual([]);
        } finally {
          dir.cleanup();
        }
      });
    }
  });
});

describe('segment run with a SQL source', () => {
  it('ingests from PostgreSQL through an environment variable; no password in the manifest or logs', async () => {
    const dir = join(tmp.dir, 'run');
    const file = join(tmp.dir, 'pipeline.yaml');
    writeFileSync(
      file,
      `version: 1
name: from-postgres
seed: 7
id: customer_id
source:
  sql: SELECT customer_id, spend, visits FROM customers ORDER BY customer_id
  db: { env: SEGMENT_TEST_DB }
steps:
  - step: cluster
    with: { features: [spend, visits], k: 3 }
`,
    );
    const r = await runCli(['run', file, '--out-dir', dir, '-v'], { env: { SEGMENT_TEST_DB: url } });
    expect(r.code, r.stderr).toBe(0);
    noSecret(r);
    expect(r.stderr).toContain('ingest --db $SEGMENT_TEST_DB --sql');
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(password)), f).toBe(false);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      steps: { name: string; command: string[] }[];
    };
    const source = manifest.steps.find((s) => s.name === 'source')!;
    expect(source.command.slice(0, 4)).toEqual(['segment', 'ingest', '--db', '$SEGMENT_TEST_DB']);
    expect(JSON.stringify(manifest)).not.toContain(password);
    expect(existsSync(join(dir, 'segments.parquet'))).toBe(true);
    const seg = await readDataset(join(dir, 'segments.parquet'));
    expect(seg.nRows).toBe(300);

    // A failing query: the step error names the database's message, without the password, and no output.
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(file, 'utf8').replace('FROM customers', 'FROM no_such_table'));
    const failed = await runCli(['run', bad, '--out-dir', join(tmp.dir, 'run-bad')], {
      env: { SEGMENT_TEST_DB: url },
    });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/relation "no_such_table" does not exist/);
    noSecret(failed);
    expect(existsSync(join(tmp.dir, 'run-bad', 'segments.parquet'))).toBe(false);
  });
});
