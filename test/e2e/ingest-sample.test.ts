import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';

// `ingest --sample N --sample-by COL`: the N ids of smallest MD5(id:seed), with all their rows, drawn the same way
// from a file, inside DuckDB and inside PostgreSQL, and printed for the warehouses.

const tmp = tempDir();
const events = join(fixtures, 'events.csv');
const duckFile = join(tmp.dir, 'shop.duckdb');
let url = '';
let client: pg.Client;
type Row = Record<string, unknown>;

/** Rows of the events fixture by id. */
const allRows = readFileSync(events, 'utf8').trim().split('\n').slice(1);
const rowsPerId = new Map<string, number>();
for (const l of allRows) {
  const id = l.split(',')[0]!;
  rowsPerId.set(id, (rowsPerId.get(id) ?? 0) + 1);
}

beforeAll(async () => {
  ({ url } = await startPostgres());
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    'DROP TABLE IF EXISTS sample_events; CREATE TABLE sample_events (customer_id text, ts timestamptz, event text, amount numeric, session_id text)',
  );
  const cells = allRows.map((l) => l.split(','));
  await client.query(
    'INSERT INTO sample_events SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::numeric[], $5::text[])',
    [0, 1, 2, 3, 4].map((k) => cells.map((r) => (r[k] === '' ? null : r[k]!))),
  );
  const duck = await DuckDBInstance.create(duckFile);
  const conn = await duck.connect();
  await conn.run(`CREATE TABLE sample_events AS SELECT * FROM read_csv('${events}')`);
  conn.closeSync();
  duck.closeSync();
}, 240_000);

afterAll(async () => {
  await client?.end();
  tmp.cleanup();
});

/** The ids and row count of an ingest output (JSON rows). */
function idsOf(file: string): { ids: Set<string>; rows: number } {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Row[];
  return { ids: new Set(rows.map((r) => String(r['customer_id']))), rows: rows.length };
}

describe('ingest --sample N --sample-by COL', () => {
  it('a file: exactly N ids with every row of each, the same for the same seed, another for another seed', async () => {
    const a = join(tmp.dir, 'a.json');
    const r = await runCli([
      'ingest',
      events,
      '--sample',
      '40',
      '--sample-by',
      'customer_id',
      '-o',
      a,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { ids, rows } = idsOf(a);
    expect(ids.size).toBe(40);
    expect(rows).toBe([...ids].reduce((s, id) => s + rowsPerId.get(id)!, 0));
    expect(JSON.parse(r.stdout).sample).toEqual({ by: 'customer_id', n: 40, seed: 42, ids: 40 });
    const b = join(tmp.dir, 'b.json');
    expect(
      (await runCli(['ingest', events, '--sample', '40', '--sample-by', 'customer_id', '-o', b])).code,
    ).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    const c = join(tmp.dir, 'c.json');
    const r2 = await runCli([
      'ingest',
      events,
      '--sample',
      '40',
      '--sample-by',
      'customer_id',
      '--seed',
      '7',
      '-o',
      c,
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    const other = idsOf(c).ids;
    expect(other.size).toBe(40);
    expect([...other].filter((id) => ids.has(id)).length).toBeLessThan(20);
  });

  it('features --sample N keeps the customers ingest --sample N --sample-by draws with the same seed', async () => {
    const want = idsOf(join(tmp.dir, 'a.json')).ids;
    const out = join(tmp.dir, 'features-sample.json');
    const flags = ['--id', 'customer_id', '--time', 'ts', '--event', 'event', '--sample', '40', '-o', out];
    const r = await runCli(['features', events, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    expect([...idsOf(out).ids].sort()).toEqual([...want].sort());
  });

  it('DuckDB and PostgreSQL draw the sample inside the database: the ids and rows of the file path', async () => {
    const want = idsOf(join(tmp.dir, 'a.json'));
    for (const db of [duckFile, url]) {
      const out = join(tmp.dir, `db-${db === url ? 'pg' : 'duck'}.json`);
      const r = await runCli([
        'ingest',
        '--db',
        db,
        '--sql',
        'SELECT * FROM sample_events',
        '--sample',
        '40',
        '--sample-by',
        'customer_id',
        '-o',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const got = idsOf(out);
      expect([...got.ids].sort()).toEqual([...want.ids].sort());
      expect(got.rows).toBe(want.rows);
    }
  });

  it('the printed DuckDB and PostgreSQL queries select those ids; the warehouse ones parse with their grammars', async () => {
    const want = [...idsOf(join(tmp.dir, 'a.json')).ids].sort();
    const print = async (dialect: string) => {
      const r = await runCli([
        'ingest',
        '--sql',
        'SELECT * FROM sample_events',
        '--sample',
        '40',
        '--sample-by',
        'customer_id',
        '--print-sql',
        '--dialect',
        dialect,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const pgRows = (await client.query(await print('postgres'))).rows as Row[];
    expect([...new Set(pgRows.map((r) => String(r['customer_id'])))].sort()).toEqual(want);
    const duck = await DuckDBInstance.create(duckFile, { access_mode: 'READ_ONLY' });
    const conn = await duck.connect();
    const duckRows = (
      await conn.runAndReadAll((await print('duckdb')).replace(/;\s*$/, ''))
    ).getRowObjectsJson();
    conn.closeSync();
    duck.closeSync();
    expect([...new Set(duckRows.map((r) => String(r['customer_id'])))].sort()).toEqual(want);
    for (const dialect of ['bigquery', 'snowflake', 'spark']) {
      const sql = await print(dialect);
      const kind = execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          'import sys, sqlglot\nfrom sqlglot import ErrorLevel\nprint(type(sqlglot.parse_one(sys.stdin.read().rstrip().rstrip(";"), read=sys.argv[1], error_level=ErrorLevel.RAISE)).__name__)',
          dialect,
        ],
        { input: sql, encoding: 'utf8' },
      ).trim();
      expect(kind, dialect).toBe('Select');
    }
  });

  it('refuses what cannot be sampled the same way everywhere, in one line', async () => {
    const cases: [string[], number, RegExp][] = [
      [['ingest', events, '--sample-by', 'customer_id', '-o', join(tmp.dir, 'x.csv')], 2, /needs --sample N/],
      [
        [
          'ingest',
          '--db',
          join(tmp.dir, 'x.sqlite'),
          '--sql',
          'SELECT 1',
          '--sample',
          '5',
          '--sample-by',
          'id',
          '-o',
          join(tmp.dir, 'x.csv'),
        ],
        2,
        /SQLite has no MD5/,
      ],
      [
        ['ingest', events, '--sample', '5', '--sample-by', 'nope', '-o', join(tmp.dir, 'x.csv')],
        3,
        /no column 'nope'/,
      ],
      [
        [
          'ingest',
          join(fixtures, 'blobs.csv'),
          '--sample',
          '5',
          '--sample-by',
          'x0',
          '-o',
          join(tmp.dir, 'x.csv'),
        ],
        3,
        /is double; ids must be text or integers/,
      ],
      [['ingest', events, '--print-sql', '-o', join(tmp.dir, 'x.csv')], 2, /--sample N --sample-by/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines[0], r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
