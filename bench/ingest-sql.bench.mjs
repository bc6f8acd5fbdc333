#!/usr/bin/env node
// SQL ingest benchmark: 1M rows × 8 columns from a local PostgreSQL, segment (cursor → typed columns → Parquet) vs
// pandas read_sql over psycopg2, in the same run on the same table. Needs `npm run build`, Debian postgresql and
// python3-psycopg2 (`apt-get install -y python3-psycopg2`).
//
//   node bench/ingest-sql.bench.mjs [rows] [repeats]
// Starts a throw-away cluster with scripts/postgres-test-cluster.sh (or uses $SEGMENT_BENCH_PG_URL) and removes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const root = resolve(new URL('.', import.meta.url).pathname, '..');
const rows = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 3);
const script = join(root, 'scripts/postgres-test-cluster.sh');

let clusterDir;
let url = process.env.SEGMENT_BENCH_PG_URL;
if (!url) {
  clusterDir = mkdtempSync(join(tmpdir(), 'segment-pg-bench-'));
  url = execFileSync('bash', [script, 'start', clusterDir], { encoding: 'utf8' }).trim();
}
const work = mkdtempSync(join(tmpdir(), 'segment-sql-bench-'));
try {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS bench_customers');
  await client.query(`
    CREATE TABLE bench_customers AS
    SELECT i AS customer_id,
           round((random() * 500)::numeric, 2) AS spend,
           (random() * 40)::int AS visits,
           random() * 100 AS score,
           random() < 0.2 AS vip,
           DATE '2020-01-01' + (i % 1500) AS joined,
           TIMESTAMPTZ '2024-01-01 00:00:00+00' + (i % 86400) * INTERVAL '1 minute' AS last_seen,
           (ARRAY['north','south','east','west','centre'])[1 + i % 5] AS region
    FROM generate_series(1, ${rows}) AS i`);
  await client.query('VACUUM ANALYZE bench_customers');
  await client.end();
  const query = 'SELECT * FROM bench_customers';

  // segment, whole CLI: query → typed columns → Parquet; wall time and peak RSS from GNU time.
  const cli = [];
  for (let r = 0; r < repeats; r++) {
    const out = join(work, 'out.parquet');
    const t = performance.now();
    const p = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        join(root, 'bin/segment.js'),
        'ingest',
        '--db',
        url,
        '--sql',
        query,
        '-o',
        out,
        '-q',
      ],
      { encoding: 'utf8' },
    );
    const seconds = (performance.now() - t) / 1000;
    if (p.status !== 0) throw new Error(`segment ingest failed: ${p.stderr}`);
    const rssMb = Number(p.stderr.trim().split('\n').pop()) / 1024;
    cli.push({ seconds, rssMb, bytes: statSync(out).size });
  }

  // pandas read_sql with psycopg2 (DataFrame only: no pyarrow on Debian's pandas to write Parquet).
  const py = `
import sys, time, resource, warnings
import pandas as pd, psycopg2
warnings.simplefilter('ignore')
best = []
for _ in range(${repeats}):
    conn = psycopg2.connect(sys.argv[1])
    t = time.perf_counter(); df = pd.read_sql(sys.argv[2], conn); best.append(time.perf_counter() - t)
    conn.close()
print(min(best), df.shape[0], df.shape[1], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
`;
  const [pandasSeconds, pr, pc, pandasRss] = execFileSync('/usr/bin/python3', ['-c', py, url, query], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
    .trim()
    .split(' ')
    .map(Number);

  // segment in process: query → Dataset (the part pandas does).
  const { readSql } = await import(join(root, 'dist/io/sql.js'));
  const lib = [];
  let shape = '';
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    const { dataset } = await readSql(url, query);
    lib.push((performance.now() - t) / 1000);
    shape = `${dataset.nRows}×${dataset.nCols}`;
  }
  const bestCli = cli.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const bestLib = Math.min(...lib);
  console.log(
    JSON.stringify({
      op: 'ingest_sql_postgres',
      shape,
      pandasShape: `${pr}×${pc}`,
      segmentQueryToColumnsSeconds: +bestLib.toFixed(3),
      pandasReadSqlSeconds: +pandasSeconds.toFixed(3),
      ratio: +(bestLib / pandasSeconds).toFixed(2),
      segmentCliToParquetSeconds: +bestCli.seconds.toFixed(3),
      segmentCliPeakRssMb: Math.round(bestCli.rssMb),
      pandasPeakRssMb: Math.round(pandasRss),
      parquetBytes: bestCli.bytes,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  if (clusterDir) spawnSync('bash', [script, 'stop', clusterDir], { stdio: 'ignore' });
}
