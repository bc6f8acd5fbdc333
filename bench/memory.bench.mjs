#!/usr/bin/env node
// Memory budget: every command of the built CLI on a 1M-row customer table (and `segment features` on a
// 1M-event log), with default settings plus only the flags a command needs to run at all, `--threads 2`.
// Each command is one whole process under GNU time (`/usr/bin/time -f '%e %M'`): wall seconds and peak resident
// set of the process (worker threads and DuckDB included). Prints a markdown table and exits 1 when a command
// exceeds its budget or fails; outside the test suite.
//
//   npm run build
//   node bench/memory.bench.mjs [--dir DIR] [--rows 1000000] [--events 1000000] [--budget 1536]
//                               [--timeout 3600] [--hier-timeout 600] [--threads 2] [--only name,name]
//                               [--cli path/to/bin/segment.js]
//
// Inputs are generated (seeded) into DIR (default: <tmpdir>/segment-memory-bench) and reused when present:
// customers_<rows>.csv — customer_id (text), 8 behavioural columns drawn from 5 groups (age and income ~1 % missing),
// plan (4 levels), churned (0/1) — and events_<events>.csv from bench/make-events.mjs. Every command's output and
// log (stdout + stderr) lands in DIR too.
//
// Scale mode (--scale 1000000,4000000): instead of the budget run, the core commands (ingest, inspect, clean,
// select, cluster k-means with --n-init 3, assign) on each row count, each beside the same job done by pandas and
// scikit-learn (/usr/bin/python3; --python to change): peak RSS in MB and bytes per row of both, and their ratio.
// pandas chains its steps through pickle files (no Parquet engine is needed): read_csv; describe; median
// imputation and StandardScaler; correlation filter; KMeans(n_clusters=5, n_init=3); predict on the raw rows.
//
//   node bench/memory.bench.mjs --scale 1000000,4000000 [--dir DIR] [--threads 2]
//
// Budget: 1.5 GB of peak RSS for every command (the largest passing figure, `segment run`, was 1.13 GB on
// 2026-11-23; see bench/RESULTS.md). `cluster hierarchical` on all rows is stopped after --hier-timeout seconds
// (ward is O(n²) time, O(n) memory) and passes if it stayed within budget until then.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const cli = opt('cli', join(here, '..', 'bin', 'segment.js'));
const dir = opt('dir', join(tmpdir(), 'segment-memory-bench'));
const rows = Number(opt('rows', 1_000_000));
const nEvents = Number(opt('events', 1_000_000));
const budgetMB = Number(opt('budget', 1536));
const timeout = Number(opt('timeout', 3600));
const hierTimeout = Number(opt('hier-timeout', 600));
const threads = opt('threads', '2');
const scale = opt('scale', '')
  .split(',')
  .filter((s) => s !== '')
  .map(Number);
const python = opt('python', '/usr/bin/python3');
const only = opt('only', '')
  .split(',')
  .filter((s) => s !== '');
if (!existsSync(join(dirname(cli), '..', 'dist', 'index.js'))) {
  console.error(`missing dist/ next to ${cli}: run npm run build first`);
  process.exit(2);
}
if (!existsSync('/usr/bin/time')) {
  console.error('missing /usr/bin/time (GNU time): apt-get install time');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const at = (name) => join(dir, name);

/** mulberry32: small seeded PRNG, as bench/make-events.mjs. */
function rng(s) {
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: () => {
      let u = 0;
      while (u === 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

// Five customer groups: share; mean and sd of age, income, spend, visits, recency_days, tenure_days, avg_basket,
// support_tickets; plan weights (basic, plus, premium, business); churn log-odds.
const groups = [
  {
    share: 0.3,
    mean: [34, 42e3, 600, 14, 12, 700, 45, 1],
    sd: [8, 9e3, 150, 4, 8, 200, 12, 1],
    plan: [0.5, 0.3, 0.15, 0.05],
    churn: -2.5,
  },
  {
    share: 0.25,
    mean: [52, 78e3, 2400, 22, 6, 1500, 110, 0.5],
    sd: [9, 15e3, 500, 5, 4, 300, 25, 0.7],
    plan: [0.1, 0.3, 0.4, 0.2],
    churn: -3,
  },
  {
    share: 0.2,
    mean: [45, 55e3, 300, 3, 160, 1100, 60, 3],
    sd: [10, 12e3, 120, 2, 40, 350, 20, 1.5],
    plan: [0.4, 0.35, 0.2, 0.05],
    churn: 0.8,
  },
  {
    share: 0.15,
    mean: [27, 31e3, 120, 5, 4, 40, 28, 0.3],
    sd: [5, 7e3, 60, 2, 3, 25, 8, 0.5],
    plan: [0.8, 0.15, 0.05, 0],
    churn: -1,
  },
  {
    share: 0.1,
    mean: [61, 95e3, 4200, 9, 30, 2400, 260, 2],
    sd: [7, 20e3, 900, 3, 15, 400, 60, 1.2],
    plan: [0.05, 0.15, 0.4, 0.4],
    churn: -1.8,
  },
];
const plans = ['basic', 'plus', 'premium', 'business'];
const digits = [0, 0, 2, 0, 1, 0, 2, 0];

/** Seeded customer table: same arguments ⇒ byte-identical file. */
async function makeCustomers(path, n, seed) {
  const r = rng(seed);
  const tmp = `${path}.tmp`;
  const stream = createWriteStream(tmp);
  let buf =
    'customer_id,age,income,spend,visits,recency_days,tenure_days,avg_basket,support_tickets,plan,churned\n';
  for (let i = 1; i <= n; i++) {
    let u = r.next();
    let g = groups[groups.length - 1];
    for (const s of groups) {
      if (u < s.share) {
        g = s;
        break;
      }
      u -= s.share;
    }
    const v = g.mean.map((m, j) => Math.max(0, m + g.sd[j] * r.normal()).toFixed(digits[j]));
    if (r.next() < 0.01) v[0] = '';
    if (r.next() < 0.01) v[1] = '';
    let p = r.next();
    let plan = plans[3];
    for (let j = 0; j < plans.length; j++) {
      if (p < g.plan[j]) {
        plan = plans[j];
        break;
      }
      p -= g.plan[j];
    }
    const logit = g.churn + 0.015 * (Number(v[4]) - 30) + 0.4 * (Number(v[7]) - 1) + r.normal();
    const churned = r.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    buf += `C${String(i).padStart(7, '0')},${v.join(',')},${plan},${churned}\n`;
    if (buf.length > 1 << 20) {
      if (!stream.write(buf)) await new Promise((res) => stream.once('drain', res));
      buf = '';
    }
  }
  stream.write(buf);
  await new Promise((res) => stream.end(res));
  spawnSync('mv', [tmp, path]);
}

// The pandas / scikit-learn side of the scale mode: one job per process, named by its first argument.
const referenceJobs = String.raw`
import sys, pickle
import numpy as np
import pandas as pd
job, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
ids, drop = 'customer_id', ['customer_id', 'churned']
if job == 'ingest':
    pd.read_csv(src).to_pickle(out)
elif job == 'inspect':
    df = pd.read_csv(src)
    df.describe(include='all'); df.isna().sum(); df.nunique()
elif job == 'clean':
    from sklearn.preprocessing import StandardScaler
    df = pd.read_pickle(src)
    num = [c for c in df.select_dtypes('number').columns if c not in drop]
    med = df[num].median()
    df[num] = df[num].fillna(med)
    sc = StandardScaler().fit(df[num])
    df[num] = sc.transform(df[num])
    df.to_pickle(out)
    pickle.dump({'num': num, 'med': med, 'sc': sc}, open(out + '.prep', 'wb'))
elif job == 'select':
    df = pd.read_pickle(src)
    num = [c for c in df.select_dtypes('number').columns if c not in drop]
    corr = df[num].corr().abs()
    upper = corr.where(np.triu(np.ones(corr.shape, dtype=bool), k=1))
    df.drop(columns=[c for c in upper.columns if (upper[c] > 0.9).any()]).to_pickle(out)
elif job == 'cluster':
    from sklearn.cluster import KMeans
    df = pd.read_pickle(src)
    num = [c for c in df.select_dtypes('number').columns if c not in drop]
    km = KMeans(n_clusters=5, n_init=3, random_state=42).fit(df[num].to_numpy())
    df['segment'] = km.labels_
    df.to_pickle(out)
    pickle.dump(km, open(out + '.model', 'wb'))
elif job == 'assign':
    df = pd.read_csv(src)
    prep = pickle.load(open(sys.argv[4], 'rb'))
    km = pickle.load(open(sys.argv[5], 'rb'))
    X = prep['sc'].transform(df[prep['num']].fillna(prep['med']))
    df['segment'] = km.predict(X)
    df.to_pickle(out)
`;

/** One process under GNU time: wall seconds, peak RSS in MB, exit code. */
function timed(argv, log) {
  const timeFile = at('time.txt');
  const fd = openSync(log, 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, ...argv], {
    cwd: dir,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const [seconds, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { seconds, peakMB: Math.round(kb / 1024), bytes: kb * 1024, code: r.status ?? -1 };
}

if (scale.length > 0) {
  const refScript = at('reference_jobs.py');
  writeFileSync(refScript, referenceJobs);
  console.log(
    '| command | rows | segment wall s | segment peak MB | segment B/row | pandas/sklearn peak MB | pandas/sklearn B/row | segment ÷ pandas |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  let failed = false;
  for (const n of scale) {
    const csv = `customers_${n}.csv`;
    if (!existsSync(at(csv))) {
      console.error(`# writing ${at(csv)}`);
      await makeCustomers(at(csv), n, 7);
    }
    const X = '--id customer_id --exclude churned';
    const jobs = [
      ['ingest', `ingest ${csv} -o c_${n}.parquet`, [csv, `c_${n}.pkl`]],
      ['inspect', `inspect c_${n}.parquet`, [csv, '-']],
      [
        'clean',
        `clean c_${n}.parquet ${X} --impute median --scale zscore -o clean_${n}.parquet --model clean_${n}.json`,
        [`c_${n}.pkl`, `clean_${n}.pkl`],
      ],
      [
        'select',
        `select clean_${n}.parquet ${X} --max-corr 0.9 -o select_${n}.parquet`,
        [`clean_${n}.pkl`, `select_${n}.pkl`],
      ],
      [
        'cluster kmeans --n-init 3',
        `cluster clean_${n}.parquet ${X} --k 5 --n-init 3 -o segments_${n}.parquet --model model_${n}.json`,
        [`clean_${n}.pkl`, `segments_${n}.pkl`],
      ],
      [
        'assign (raw rows)',
        `assign c_${n}.parquet --model model_${n}.json -o scored_${n}.parquet`,
        [csv, `scored_${n}.pkl`, `clean_${n}.pkl.prep`, `segments_${n}.pkl.model`],
      ],
    ];
    for (const [name, argv, ref] of jobs) {
      const tag = `${name.split(' ')[0]}_${n}`;
      console.error(`# ${name}, ${n} rows`);
      const seg = timed(
        [process.execPath, cli, '--threads', threads, ...argv.split(' ')],
        at(`scale_${tag}.log`),
      );
      const py = timed([python, refScript, name.split(' ')[0], ...ref], at(`scale_${tag}_pandas.log`));
      if (seg.code !== 0 || py.code !== 0) failed = true;
      const perRow = (m) => (m.code === 0 ? String(Math.round(m.bytes / n)) : `exit ${m.code}`);
      console.log(
        `| ${name} | ${n.toLocaleString('en-US')} | ${seg.seconds.toFixed(1)} | ${seg.peakMB} | ${perRow(seg)} | ${py.peakMB} | ${perRow(py)} | ${(seg.peakMB / py.peakMB).toFixed(2)} |`,
      );
    }
  }
  process.exit(failed ? 1 : 0);
}

const customersCsv = at(`customers_${rows}.csv`);
const eventsCsv = at(`events_${nEvents}.csv`);
if (!existsSync(customersCsv)) {
  console.error(`# writing ${customersCsv}`);
  await makeCustomers(customersCsv, rows, 7);
}
if (!existsSync(eventsCsv)) {
  console.error(`# writing ${eventsCsv}`);
  const r = spawnSync(
    process.execPath,
    [join(here, 'make-events.mjs'), `${eventsCsv}.tmp`, '--events', String(nEvents), '--seed', '7'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (r.status !== 0) process.exit(2);
  spawnSync('mv', [`${eventsCsv}.tmp`, eventsCsv]);
}

// `segment run` pipeline: the same chain as the separate commands below, with the tune step's default grid.
const pipeline = at('pipeline.yaml');
writeFileSync(
  pipeline,
  `version: 1
name: memory-bench
id: customer_id
source:
  path: customers.parquet
steps:
  - step: clean
    with: { exclude: [churned], impute: median, scale: zscore }
  - step: select
    with: { exclude: [churned], max-corr: 0.9, pca: 0.9 }
  - step: tune
    with: { exclude: [churned] }
  - step: cluster
    with: { exclude: [churned], k: 5 }
  - step: report
outputs:
  dir: run
`,
);

// Every command runs in the work folder, on the files the earlier ones wrote there. `churned` is the target of
// `predict`, so the clustering chain leaves it out. Fields: name, rows read, the command line after `segment`,
// the commands it needs, accepted exit codes (default 0), its own timeout.
const X = '--id customer_id --exclude churned';
const commands = [
  { name: 'ingest', rows, argv: `ingest customers_${rows}.csv -o customers.parquet` },
  { name: 'inspect', rows, argv: 'inspect customers.parquet', needs: ['ingest'] },
  {
    name: 'features',
    rows: nEvents,
    unit: 'events',
    argv: `features events_${nEvents}.csv --id customer_id --time ts --amount amount --event event -o features.parquet`,
  },
  {
    name: 'clean',
    rows,
    argv: `clean customers.parquet ${X} --impute median --scale zscore -o clean.parquet --model clean.json`,
    needs: ['ingest'],
  },
  {
    name: 'select',
    rows,
    argv: `select clean.parquet ${X} --max-corr 0.9 --pca 0.9 -o select.parquet --model select.json`,
    needs: ['clean'],
  },
  { name: 'tune', rows, argv: `tune select.parquet ${X} -o tune.json`, needs: ['select'] },
  {
    name: 'cluster kmeans',
    rows,
    argv: `cluster select.parquet ${X} --k 5 -o segments.parquet --model model.json`,
    needs: ['select'],
  },
  {
    name: 'cluster dbscan',
    rows,
    argv: `cluster select.parquet ${X} --algo dbscan -o segments_dbscan.parquet`,
    needs: ['select'],
  },
  {
    // ward keeps O(n·d) memory but takes O(n²·d) time: a refusal (exit 3) or the timeout is the expected outcome
    name: 'cluster hierarchical',
    rows,
    argv: `cluster select.parquet ${X} --algo hierarchical --k 5 -o segments_hier.parquet`,
    needs: ['select'],
    accept: [0, 3],
    timeout: hierTimeout,
    timeoutOk: true,
  },
  {
    name: 'cluster hierarchical --sample 20000',
    rows: Math.min(rows, 20_000),
    argv: `cluster select.parquet ${X} --algo hierarchical --k 5 --sample 20000 -o segments_hier20k.parquet`,
    needs: ['select'],
  },
  {
    name: 'report',
    rows,
    argv: 'report segments.parquet --model model.json --json report.json --html report.html',
    needs: ['cluster kmeans'],
  },
  {
    name: 'assign (raw rows)',
    rows,
    argv: 'assign customers.parquet --model model.json -o scored.parquet',
    needs: ['cluster kmeans'],
  },
  {
    // fully grown trees on 750k noisy training rows pass the forest's node budget: a refusal (exit 3) is expected
    name: 'predict train',
    rows,
    argv: 'predict train clean.parquet --id customer_id --target churned --model churn_full.json',
    needs: ['clean'],
    accept: [0, 3],
  },
  {
    name: 'predict train --max-depth 12',
    rows,
    argv: 'predict train clean.parquet --id customer_id --target churned --max-depth 12 --model churn.json',
    needs: ['clean'],
  },
  {
    name: 'predict score (raw rows)',
    rows,
    argv: 'predict score customers.parquet --model churn.json -o churn_scores.parquet',
    needs: ['predict train --max-depth 12'],
  },
  {
    name: 'export-sql',
    rows: null,
    argv: 'export-sql --model model.json --dialect duckdb --table customers -o score.sql',
    needs: ['cluster kmeans'],
  },
  { name: 'run (pipeline)', rows, argv: 'run pipeline.yaml', needs: ['ingest'] },
  {
    // the separate commands' k-means against the pipeline's; exit 1 (a gate failed) is a result, not a failure
    name: 'stability',
    rows,
    argv: 'stability segments.parquet run --id customer_id',
    needs: ['cluster kmeans', 'run (pipeline)'],
    accept: [0, 1],
  },
];

/** One command under GNU time (and coreutils timeout): wall seconds, peak RSS in MB, exit code. */
function measure(c) {
  const log = at(`${c.name.replace(/[^a-z0-9]+/gi, '_')}.log`);
  const timeFile = at('time.txt');
  const limit = c.timeout ?? timeout;
  const fd = openSync(log, 'w');
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%e %M',
      '-o',
      timeFile,
      'timeout',
      '-k',
      '10',
      String(limit),
      process.execPath,
      cli,
      '--threads',
      threads,
      ...c.argv.split(' '),
    ],
    { cwd: dir, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const [seconds, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const code = r.status ?? -1;
  const timedOut = code === 124 || code === 137;
  return { seconds, peakMB: Math.round(kb / 1024), code, timedOut, log };
}

const results = [];
const status = new Map();
for (const c of commands) {
  if (only.length > 0 && !only.includes(c.name)) continue;
  const missing = (c.needs ?? []).filter((n) => status.has(n) && !status.get(n));
  if (missing.length > 0) {
    results.push({ c, skipped: `skipped (${missing.join(', ')} failed)` });
    status.set(c.name, false);
    continue;
  }
  console.error(`# ${c.name}: segment ${c.argv}`);
  const m = measure(c);
  const budget = c.budget ?? budgetMB;
  const accepted = (c.accept ?? [0]).includes(m.code) || (m.timedOut && c.timeoutOk);
  let ok = 'yes';
  if (m.peakMB > budget) ok = 'NO: over budget';
  else if (!accepted) ok = m.timedOut ? `NO: timeout ${c.timeout ?? timeout} s` : `NO: exit ${m.code}`;
  else if (m.timedOut) ok = `yes (stopped after ${c.timeout ?? timeout} s)`;
  else if (m.code !== 0) ok = `yes (exit ${m.code})`;
  if (!accepted || m.peakMB > budget) {
    const tail = readFileSync(m.log, 'utf8').trim().split('\n').slice(-3).join('\n');
    console.error(`#   ${ok}; last lines of ${m.log}:\n${tail}`);
  }
  results.push({ c, ...m, budget, ok });
  status.set(c.name, accepted && !m.timedOut);
  console.error(`#   ${m.seconds} s, ${m.peakMB} MB, exit ${m.code}`);
}

const fmtRows = (c) =>
  c.rows === null ? '— (model)' : `${c.rows.toLocaleString('en-US')}${c.unit ? ` ${c.unit}` : ''}`;
console.log('| command | rows | wall s | peak MB | budget MB | ok |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  if (r.skipped) console.log(`| ${r.c.name} | ${fmtRows(r.c)} | — | — | — | ${r.skipped} |`);
  else
    console.log(
      `| ${r.c.name} | ${fmtRows(r.c)} | ${r.seconds.toFixed(1)} | ${r.peakMB} | ${r.budget} | ${r.ok} |`,
    );
}
const failed = results.filter((r) => r.skipped || r.ok.startsWith('NO'));
if (failed.length > 0) {
  console.error(`# over budget or failed: ${failed.map((r) => r.c.name).join(', ')}`);
  process.exit(1);
}
