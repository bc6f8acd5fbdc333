#!/usr/bin/env node
// Feature push-down benchmark: `segment features` on a 10M-event log computed inside PostgreSQL (`--db … --table
// events`: the checks and the feature query run in the server, one row per customer comes back) against the local
// DuckDB path on the same log as Parquet, in the same run. Also times the printed query alone in the server
// (`features --print-sql`, then `psql -f`), which is what a scheduled warehouse job pays.
// Needs `npm run build`, Debian postgresql (installed by scripts/postgres-test-cluster.sh), and the event log:
//
//   node bench/make-events.mjs /tmp/events/events_10M.csv --events 10000000
//   node bench/pushdown.bench.mjs [/tmp/events/events_10M.csv] [repeats]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const file = process.argv[2] ?? '/tmp/events/events_10M.csv';
const repeats = Number(process.argv[3] ?? 1);
if (!existsSync(file)) {
  console.error(`missing ${file}: run node bench/make-events.mjs ${file} --events 10000000`);
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'segment-bench-'));
const segment = join(root, 'bin', 'segment.js');

function run(cmd, args, opts = {}) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed with exit ${r.status}`);
  }
  return { seconds, stdout: r.stdout };
}

const pgDir = mkdtempSync(join(tmpdir(), 'segment-pg-'));
const url = run('bash', [join(root, 'scripts', 'postgres-test-cluster.sh'), 'start', pgDir]).stdout.trim();
const binDir = readdirSync('/usr/lib/postgresql')
  .sort()
  .map((v) => `/usr/lib/postgresql/${v}/bin`)
  .pop();
const psql = (args, input) =>
  run(join(binDir, 'psql'), [url, '-v', 'ON_ERROR_STOP=1', '-q', ...args], { input });
try {
  const flags = ['--id', 'customer_id', '--time', 'ts', '--amount', 'amount', '--event', 'event'];
  const parquet = join(out, 'events.parquet');
  run(process.execPath, [segment, 'ingest', file, '-o', parquet]);
  const load = performance.now();
  psql([
    '-c',
    'CREATE TABLE events (customer_id text, ts timestamptz, event text, amount numeric, session_id text)',
  ]);
  psql(['-c', `\\copy events FROM '${file}' WITH (FORMAT csv, HEADER true)`]);
  psql(['-c', 'ANALYZE events']);
  console.log(`loaded ${file} into PostgreSQL in ${((performance.now() - load) / 1000).toFixed(1)} s`);
  const sqlFile = join(out, 'features.sql');
  writeFileSync(
    sqlFile,
    run(process.execPath, [segment, 'features', '--db', url, '--table', 'events', ...flags, '--print-sql'])
      .stdout,
  );
  for (const sessions of [['--session', 'session_id'], []]) {
    const mode = sessions.length > 0 ? 'given sessions' : 'inferred sessions';
    for (let i = 0; i < repeats; i++) {
      const local = run(process.execPath, [
        segment,
        'features',
        parquet,
        ...flags,
        ...sessions,
        '-o',
        join(out, 'l.parquet'),
      ]);
      const pushed = run(process.execPath, [
        segment,
        'features',
        '--db',
        url,
        '--table',
        'events',
        ...flags,
        ...sessions,
        '-o',
        join(out, 'p.parquet'),
      ]);
      const printed = run(process.execPath, [
        segment,
        'features',
        '--db',
        url,
        '--table',
        'events',
        ...flags,
        ...sessions,
        '--print-sql',
      ]).stdout;
      writeFileSync(sqlFile, `CREATE TEMP TABLE f AS ${printed.replace(/;\s*$/, '')};\n`);
      const server = psql(['-f', sqlFile]);
      console.log(
        `${mode}: local DuckDB ${local.seconds.toFixed(2)} s, push-down to PostgreSQL ${pushed.seconds.toFixed(2)} s ` +
          `(${(pushed.seconds / local.seconds).toFixed(2)}×), the printed query alone in PostgreSQL ${server.seconds.toFixed(2)} s`,
      );
    }
  }
} finally {
  spawnSync('bash', [join(root, 'scripts', 'postgres-test-cluster.sh'), 'stop', pgDir]);
  rmSync(out, { recursive: true, force: true });
}
