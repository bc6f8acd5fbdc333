#!/usr/bin/env node
// Features benchmark: `segment features` on a 10M-event log against an equivalent pandas groupby script
// (same features: recency, tenure, counts, active days, sessions and their duration, conversion, monetary,
// inter-purchase time, per-type counts, funnel stage, cart abandonment, trend, RFM scores and segments) on the
// same file, in the same run. Both run as whole processes (start-up, CSV parsing, writing a CSV of the
// features included).
// Needs `npm run build`, Debian python3-pandas, and the event log:
//
//   node bench/make-events.mjs /tmp/events/events_10M.csv --events 10000000
//   node bench/features.bench.mjs [/tmp/events/events_10M.csv] [repeats] [given|inferred|both]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] ?? '/tmp/events/events_10M.csv';
const repeats = Number(process.argv[3] ?? 1);
const modes = (process.argv[4] ?? 'both') === 'both' ? ['given', 'inferred'] : [process.argv[4]];
if (!existsSync(file)) {
  console.error(`missing ${file}: run node bench/make-events.mjs ${file} --events 10000000`);
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'segment-bench-'));
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Run a command; wall seconds and (with GNU time) peak RSS in MB. */
function run(cmd, args) {
  const rss = join(out, 'rss.txt');
  const [exe, argv] = gnuTime ? [gnuTime, ['-f', '%M', '-o', rss, cmd, ...args]] : [cmd, args];
  const t = performance.now();
  const r = spawnSync(exe, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`${cmd} failed with exit ${r.status}`);
  }
  const peakMB = gnuTime
    ? Math.round(Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) / 1024)
    : null;
  return { seconds, peakMB, stdout: r.stdout };
}

const pandas = String.raw`
import sys, time
import numpy as np, pandas as pd
path, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
df = pd.read_csv(path, dtype={'customer_id': str, 'ts': str, 'event': str, 'amount': float, 'session_id': str})
df['ts'] = pd.to_datetime(df['ts'], utc=True)
df = df[df['customer_id'].notna() & df['ts'].notna()]
as_of = df['ts'].max().normalize() + pd.Timedelta(days=1)
df = df[df['ts'] < as_of]
start = df['ts'].min()
mid = start + (as_of - start) / 2
window_days = (as_of - start) / pd.Timedelta(days=1)
day = pd.Timedelta(days=1)
df['is_purchase'] = df['event'].eq('purchase')
df['is_cart'] = df['event'].eq('add_to_cart')
df['day'] = df['ts'].dt.floor('D')
df['recent'] = df['ts'] >= mid
df['amount_p'] = df['amount'].where(df['is_purchase'])
df['ts_p'] = df['ts'].where(df['is_purchase'])
stages = {'product_view': 1, 'add_to_cart': 2, 'purchase': 3}
df['stage'] = df['event'].map(stages).fillna(0)
g = df.groupby('customer_id', sort=True)
f = pd.DataFrame({
    'first': g['ts'].min(), 'last': g['ts'].max(), 'last_p': g['ts_p'].max(), 'first_p': g['ts_p'].min(),
    'events': g.size(), 'frequency': g['is_purchase'].sum(), 'active_days': g['day'].nunique(),
    'monetary': g['amount_p'].sum(), 'n_priced': g['amount_p'].count(), 'max_basket': g['amount_p'].max(),
    'recent': g['recent'].sum(), 'stage': g['stage'].max(),
})
if mode == 'inferred':
    df = df.sort_values(['customer_id', 'ts'], kind='stable')
    gap = df['ts'].diff()
    new = (df['customer_id'] != df['customer_id'].shift()) | (gap > pd.Timedelta(minutes=30))
    df['session'] = new.cumsum()
else:
    df['session'] = df['session_id']
s = df.groupby(['customer_id', 'session'], sort=False).agg(t0=('ts', 'min'), t1=('ts', 'max'), p=('is_purchase', 'max'), c=('is_cart', 'max'))
s['dur'] = (s['t1'] - s['t0']).dt.total_seconds()
s['abandoned'] = s['c'] & ~s['p']
sg = s.groupby(level=0)
f['sessions'] = sg.size()
f['dur'] = sg['dur'].sum()
f['buy_sessions'] = sg['p'].sum()
f['cart_sessions'] = sg['c'].sum()
f['abandoned'] = sg['abandoned'].sum()
f[['sessions', 'dur', 'buy_sessions', 'cart_sessions', 'abandoned']] = f[['sessions', 'dur', 'buy_sessions', 'cart_sessions', 'abandoned']].fillna(0)
pivot = df.groupby(['customer_id', 'event']).size().unstack(fill_value=0)
pivot.columns = ['events_' + c for c in pivot.columns]
r = pd.DataFrame(index=f.index)
r['recency_days'] = (as_of - f['last']) / day
r['recency_purchase_days'] = (as_of - f['last_p']) / day
r['tenure_days'] = (as_of - f['first']) / day
r['events'] = f['events']
r['frequency'] = f['frequency']
r['active_days'] = f['active_days']
r['sessions'] = f['sessions']
r['visits_per_week'] = f['sessions'] / (window_days / 7)
r['mean_session_minutes'] = (f['dur'] / f['sessions'] / 60).where(f['sessions'] > 0)
r['conversion_rate'] = (f['buy_sessions'] / f['sessions']).where(f['sessions'] > 0)
r['monetary'] = f['monetary']
r['avg_basket'] = (f['monetary'] / f['n_priced']).where(f['n_priced'] > 0)
r['max_basket'] = f['max_basket']
r['mean_days_between_purchases'] = ((f['last_p'] - f['first_p']) / day / (f['frequency'] - 1)).where(f['frequency'] >= 2)
r = r.join(pivot)
r['funnel_stage'] = f['stage'].astype(int)
r['funnel_stage_name'] = r['funnel_stage'].map({0: 'none', 1: 'product_view', 2: 'add_to_cart', 3: 'purchase'})
r['cart_abandonment_rate'] = (f['abandoned'] / f['cart_sessions']).where(f['cart_sessions'] > 0)
r['activity_trend'] = (2 * f['recent'] - f['events']) / f['events']
n = len(r)
score = lambda x: (1 + np.floor(5 * (x.rank(method='min') - 1) / n)).astype(int)
r['r_score'] = score(-r['recency_days'])
r['f_score'] = score(r['frequency'])
r['m_score'] = score(r['monetary'])
r['rfm_score'] = r['r_score'].astype(str) + r['f_score'].astype(str) + r['m_score'].astype(str)
rs, fs = r['r_score'], r['f_score']
r['rfm_segment'] = np.select([
    (rs == 5) & fs.between(4, 5), rs.between(3, 4) & fs.between(4, 5), rs.between(4, 5) & fs.between(2, 3),
    (rs == 5) & (fs == 1), (rs == 4) & (fs == 1), (rs == 3) & (fs == 3), (rs == 3) & fs.between(1, 2),
    rs.between(1, 2) & (fs == 5), rs.between(1, 2) & fs.between(3, 4), (rs == 2) & fs.between(1, 2),
    (rs == 1) & fs.between(1, 2)], ['Champions', 'Loyal', 'Potential loyalist', 'New', 'Promising',
    'Need attention', 'About to sleep', "Can't lose them", 'At risk', 'Hibernating', 'Lost'], 'Other')
r.reset_index().to_csv(out, index=False)
print(len(r), len(r.columns) + 1, time.perf_counter() - t0)
`;

const bin = join(here, '..', 'bin', 'segment.js');
for (const mode of modes) {
  const ours = [];
  const theirs = [];
  let shape = '';
  let pandasShape = '';
  for (let k = 0; k < repeats; k++) {
    const args = [
      bin,
      'features',
      file,
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--event',
      'event',
    ];
    if (mode === 'given') args.push('--session', 'session_id');
    const s = run(process.execPath, [...args, '-o', join(out, 'features.csv'), '--json']);
    const summary = JSON.parse(s.stdout);
    shape = `${summary.customers}×${summary.columns.length}`;
    ours.push({ ...s, timings: summary.timings });
    const p = run('/usr/bin/python3', ['-c', pandas, file, join(out, 'pandas.csv'), mode]);
    pandasShape = p.stdout.trim().split(' ').slice(0, 2).join('×');
    theirs.push(p);
  }
  const best = (xs) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const o = best(ours);
  const t = best(theirs);
  console.log(
    JSON.stringify({
      op: `features_${mode}_sessions`,
      file,
      segmentShape: shape,
      pandasShape,
      segmentSeconds: +o.seconds.toFixed(2),
      pandasSeconds: +t.seconds.toFixed(2),
      ratio: +(o.seconds / t.seconds).toFixed(2),
      segmentPeakMB: o.peakMB,
      pandasPeakMB: t.peakMB,
      segmentTimings: o.timings,
      runs: repeats,
    }),
  );
}
rmSync(out, { recursive: true, force: true });
