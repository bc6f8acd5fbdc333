import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { expectSameFeatures, type Row } from '../helpers/features.js';
import { startPostgres } from '../helpers/postgres.js';

// The feature query printed for a warehouse table (`features SAMPLE --print-sql --dialect D --table T`): run in
// real DuckDB and PostgreSQL on a table holding the log, it must give the features of the local computation row for
// row; for BigQuery, Snowflake and Spark SQL it is parsed by sqlglot's grammar of that dialect and kept as golden
// files (a change to them is a change to review against the engines' documentation cited in
// src/features/warehouse.ts and src/features/dialect.ts).

const tmp = tempDir();
const python = '/usr/bin/python3';
const goldenDir = join(new URL('.', import.meta.url).pathname, 'warehouse-golden');

/** The statements of a printed script (each ends with `;` at the end of a line). */
const statements = (sql: string): string[] =>
  sql
    .split(/;\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Event logs with the time stored three ways: an instant (ISO with Z), a local time, epoch seconds. */
interface LogVariant {
  name: string;
  csv: string;
  /** Column definitions of the table in DuckDB and PostgreSQL. */
  duck: string;
  pg: string;
  flags: string[];
}

let url = '';
let client: pg.Client;
let duckConn: Awaited<ReturnType<DuckDBInstance['connect']>>;
let duckDb: DuckDBInstance;
const rulesFile = join(tmp.dir, 'scoring.yaml');
const variants: LogVariant[] = [];

beforeAll(async () => {
  const lines = readFileSync(join(fixtures, 'events.csv'), 'utf8').trim().split('\n').slice(1);
  const cells = lines.map((l) => l.split(','));
  const write = (name: string, header: string, rows: string[][]) => {
    const file = join(tmp.dir, `${name}.csv`);
    writeFileSync(file, `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    return file;
  };
  // Local wall-clock times of Europe/Paris, written without an offset.
  const paris = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  variants.push(
    {
      name: 'instant',
      csv: join(fixtures, 'events.csv'),
      duck: 'customer_id VARCHAR, ts TIMESTAMPTZ, event VARCHAR, amount DECIMAL(12, 2), session_id VARCHAR',
      pg: 'customer_id text, ts timestamptz, event text, amount numeric, session_id text',
      flags: [],
    },
    {
      name: 'local',
      csv: write(
        'local',
        'customer_id,ts,event,amount,session_id',
        cells.map((r) => [r[0]!, paris.format(new Date(r[1]!)).replace(' ', 'T'), r[2]!, r[3]!, r[4]!]),
      ),
      duck: 'customer_id VARCHAR, ts TIMESTAMP, event VARCHAR, amount DOUBLE, session_id VARCHAR',
      pg: 'customer_id text, ts timestamp, event text, amount double precision, session_id text',
      flags: ['--timezone', 'Europe/Paris'],
    },
    {
      name: 'epoch',
      csv: write(
        'epoch',
        'customer_id,ts,event,amount,session_id',
        cells.map((r) => [r[0]!, String(Date.parse(r[1]!) / 1000), r[2]!, r[3]!, r[4]!]),
      ),
      duck: 'customer_id VARCHAR, ts BIGINT, event VARCHAR, amount DOUBLE, session_id VARCHAR',
      pg: 'customer_id text, ts bigint, event text, amount double precision, session_id text',
      flags: ['--timezone', 'America/New_York'],
    },
  );
  writeFileSync(
    rulesFile,
    'points:\n  product_view: 1\n  add_to_cart: 5\n  purchase: 20\ndecay:\n  half_life: 30d\ntiers:\n  - { name: high, above: 50 }\n  - { name: medium, min: 20 }\n  - { name: low }\n',
  );
  ({ url } = await startPostgres());
  client = new pg.Client({ connectionString: url });
  await client.connect();
  duckDb = await DuckDBInstance.create(':memory:');
  duckConn = await duckDb.connect();
  await duckConn.run('CREATE SCHEMA shop');
  await client.query('CREATE SCHEMA IF NOT EXISTS shop');
  for (const v of variants) {
    const defs = v.duck.split(/, (?=[a-z_]+ )/);
    const cols = defs.map((c) => c.split(' ')[0]!);
    const types = Object.fromEntries(defs.map((c) => [c.split(' ')[0]!, c.slice(c.indexOf(' ') + 1)]));
    await duckConn.run(
      `CREATE TABLE shop.events_${v.name} AS SELECT ${cols.map((c) => `CAST(${c} AS ${types[c]}) AS ${c}`).join(', ')} ` +
        `FROM read_csv('${v.csv}', all_varchar = true)`,
    );
    await client.query(
      `DROP TABLE IF EXISTS shop.events_${v.name}; CREATE TABLE shop.events_${v.name} (${v.pg})`,
    );
    const rows = readFileSync(v.csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const pgTypes = v.pg.split(', ').map((c) => c.slice(c.indexOf(' ') + 1));
    await client.query(
      `INSERT INTO shop.events_${v.name} SELECT * FROM unnest(${pgTypes.map((t, k) => `$${k + 1}::text[]::${t}[]`).join(', ')})`,
      pgTypes.map((_, k) => rows.map((r) => (r[k] === '' ? null : r[k]!))),
    );
  }
}, 240_000);

afterAll(async () => {
  await client?.end();
  duckConn?.closeSync();
  duckDb?.closeSync();
  tmp.cleanup();
});

/** Feature settings: every feature (sessions given or inferred, funnel, cart, points with decay, tiers). */
const settings: [string, string[]][] = [
  ['event, amount, session column', ['--event', 'event', '--amount', 'amount', '--session', 'session_id']],
  [
    'inferred sessions, funnel, points with decay and tiers',
    [
      '--event',
      'event',
      '--amount',
      'amount',
      '--funnel',
      'product_view,add_to_cart,purchase',
      '--session-gap',
      '20min',
      '--rules',
      rulesFile,
    ],
  ],
];
const windows: [string, string[]][] = [
  ['all history', ['--as-of', '2026-10-20']],
  ['a 30-day window', ['--as-of', '2026-10-20T06:00:00Z', '--window', '30d']],
];

async function printed(sample: string, flags: string[], dialect: string, table: string): Promise<string> {
  const r = await runCli([
    'features',
    sample,
    ...flags,
    '--print-sql',
    '--dialect',
    dialect,
    '--table',
    table,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

async function local(sample: string, flags: string[], out: string): Promise<Row[]> {
  const r = await runCli(['features', sample, ...flags, '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Row[];
}

describe('features --print-sql --dialect --table: the same features in the warehouse', () => {
  for (const [setting, settingFlags] of settings) {
    for (const [window, windowFlags] of windows) {
      it(`DuckDB and PostgreSQL run the printed query and match the local run: ${setting}; ${window}`, async () => {
        for (const v of variants) {
          const flags = ['--id', 'customer_id', '--time', 'ts', ...settingFlags, ...windowFlags, ...v.flags];
          const want = await local(v.csv, flags, join(tmp.dir, `local-${v.name}.json`));
          expect(want.length).toBeGreaterThan(100);
          const duckSql = await printed(v.csv, flags, 'duckdb', `shop.events_${v.name}`);
          let rows: Row[] = [];
          for (const s of statements(duckSql))
            rows = (await duckConn.runAndReadAll(s)).getRowObjectsJson() as Row[];
          expect(expectSameFeatures(want, rows)).toBeGreaterThan(want.length * 20);
          const pgSql = await printed(v.csv, flags, 'postgres', `shop.events_${v.name}`);
          const results = (await client.query(pgSql)) as unknown as pg.QueryResult[];
          const pgRows = (Array.isArray(results) ? results.at(-1)! : (results as pg.QueryResult))
            .rows as Row[];
          expect(expectSameFeatures(want, pgRows)).toBeGreaterThan(want.length * 20);
        }
      }, 240_000);
    }
  }
});

/** Parse each statement with sqlglot's grammar of `dialect`; returns the statement kinds. */
function sqlglotParse(sql: string, dialect: string): string[] {
  const script =
    'import sys, json, sqlglot\n' +
    'from sqlglot import ErrorLevel\n' +
    'out = []\n' +
    'for s in json.load(sys.stdin):\n' +
    '    tree = sqlglot.parse_one(s, read=sys.argv[1], error_level=ErrorLevel.RAISE)\n' +
    '    out.append(type(tree).__name__)\n' +
    'print(json.dumps(out))\n';
  const stmts = statements(sql).filter((s) => !/^ALTER SESSION SET TIMEZONE = '[^']+'$/.test(s));
  const text = execFileSync(python, ['-c', script, dialect], {
    input: JSON.stringify(stmts),
    encoding: 'utf8',
  });
  return JSON.parse(text) as string[];
}

describe('features --print-sql for BigQuery, Snowflake and Spark SQL', () => {
  const cloud = ['bigquery', 'snowflake', 'spark'] as const;
  it.each(cloud)(
    '%s: every statement parses with the dialect grammar, and equals its golden file',
    async (dialect) => {
      mkdirSync(goldenDir, { recursive: true });
      for (const v of variants) {
        for (const [k, [, settingFlags]] of settings.entries()) {
          for (const [w, [, windowFlags]] of windows.entries()) {
            const flags = [
              '--id',
              'customer_id',
              '--time',
              'ts',
              ...settingFlags,
              ...windowFlags,
              ...v.flags,
            ];
            const sql = await printed(v.csv, flags, dialect, 'project.dataset.events');
            const kinds = sqlglotParse(sql, dialect);
            expect(kinds.at(-1)).toBe('Select');
            // Golden files: the log with instants and the richest setting, in both windows.
            if (v.name !== 'instant' || k !== 1) continue;
            const golden = join(goldenDir, `${dialect}-${w === 0 ? 'all-history' : 'window'}.sql`);
            if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, sql);
            expect(existsSync(golden), `${golden} is missing: UPDATE_GOLDEN=1 writes it`).toBe(true);
            expect(sql, golden).toBe(readFileSync(golden, 'utf8'));
          }
        }
      }
    },
    240_000,
  );
});

describe('segment run with a table source: the nightly job of a warehouse', () => {
  it('features inside PostgreSQL, a local fit, then features.sql and scoring.sql run in PostgreSQL reproduce the segments', async () => {
    const pipeline = join(tmp.dir, 'warehouse.yaml');
    writeFileSync(
      pipeline,
      [
        'version: 1',
        'id: customer_id',
        'source:',
        '  table: shop.events_instant',
        '  db: { env: SEGMENT_TEST_WAREHOUSE }',
        'steps:',
        '  - step: features',
        "    with: { time: ts, amount: amount, event: event, session: session_id, as-of: '2026-10-20', window: 60d }",
        '  - step: clean',
        '    with: { features: [recency_days, sessions, monetary], impute: median, scale: zscore }',
        '  - step: cluster',
        '    with: { features: [recency_days, sessions, monetary], k: 4 }',
        'outputs:',
        '  scoring-sql: { table: shop.customer_features }',
        '',
      ].join('\n'),
    );
    const out = join(tmp.dir, 'nightly');
    const r = await runCli(['run', pipeline, '--out-dir', out], { env: { SEGMENT_TEST_WAREHOUSE: url } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(new URL(url).password);
    // In the warehouse: the printed features query fills the features table, the scoring query reads it.
    const featuresSql = readFileSync(join(out, 'features.sql'), 'utf8');
    const select = statements(featuresSql).at(-1)!;
    await client.query(
      `DROP TABLE IF EXISTS shop.customer_features; CREATE TABLE shop.customer_features AS ${select}`,
    );
    const scored = (await client.query(readFileSync(join(out, 'scoring.sql'), 'utf8'))).rows as Row[];
    const segments = join(tmp.dir, 'nightly-segments.json');
    expect((await runCli(['ingest', join(out, 'segments.parquet'), '-o', segments])).code).toBe(0);
    const want = new Map(
      (JSON.parse(readFileSync(segments, 'utf8')) as Row[]).map((row) => [
        String(row['customer_id']),
        row['segment'],
      ]),
    );
    expect(scored.length).toBe(want.size);
    for (const row of scored)
      expect(row['segment'], String(row['customer_id'])).toBe(want.get(String(row['customer_id'])));
    expect(new Set(scored.map((row) => row['segment_name'])).size).toBe(4);
  }, 240_000);

  it('refuses a table source whose first step is not features, and a missing variable, in one line', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 1\nsource:\n  table: events\n  db: { env: SEGMENT_TEST_WAREHOUSE }\nsteps:\n  - step: clean\n    with: { scale: zscore }\n',
    );
    const r = await runCli(['run', bad, '--out-dir', join(tmp.dir, 'bad')], {
      env: { SEGMENT_TEST_WAREHOUSE: url },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the first step must be features/);
    const noVar = join(tmp.dir, 'novar.yaml');
    writeFileSync(
      noVar,
      'version: 1\nsource:\n  table: events\n  db: { env: SEGMENT_TEST_NOT_SET }\nsteps:\n  - step: features\n    with: { id: customer_id, time: ts }\n',
    );
    const r2 = await runCli(['run', noVar, '--out-dir', join(tmp.dir, 'novar')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/SEGMENT_TEST_NOT_SET is not set/);
  });
});
