#!/usr/bin/env node
// Seeded generator of a large e-commerce event log for the features benchmark: the same five behavioural
// groups as fixtures/events.csv (champions, loyal, at_risk, new, browsers), scaled to any number of events.
//
//   node bench/make-events.mjs /tmp/events/events_10M.csv --events 10000000 [--seed 7]
//
// Columns: customer_id, ts (ISO-8601 UTC), event (product_view, search, add_to_cart, purchase),
// amount (on purchases), session_id. Customers are written one after the other, events in time order
// within a customer. Same arguments ⇒ byte-identical file. Prints a JSON summary on stdout.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const args = process.argv.slice(2);
const out = args[0];
if (!out || out.startsWith('--')) {
  console.error('usage: node bench/make-events.mjs OUT.csv [--events N] [--seed S]');
  process.exit(2);
}
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const target = opt('events', 10_000_000);
const seed = opt('seed', 7);

/** mulberry32: small seeded PRNG. */
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
    int: (n) => Math.floor(next() * n),
    normal: () => {
      let u = 0;
      while (u === 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

const asOf = Date.UTC(2026, 10, 1);
const day = 86_400_000;
const groups = [
  { share: 0.15, span: [20, 400], lastGap: [0, 7], sessions: [25, 40], buyRate: 0.6, basket: [120, 40] },
  { share: 0.25, span: [60, 400], lastGap: [0, 20], sessions: [12, 20], buyRate: 0.35, basket: [55, 15] },
  { share: 0.2, span: [200, 400], lastGap: [120, 200], sessions: [8, 14], buyRate: 0.3, basket: [60, 20] },
  { share: 0.15, span: [0, 20], lastGap: [0, 3], sessions: [1, 4], buyRate: 0.25, basket: [40, 15] },
  { share: 0.25, span: [30, 300], lastGap: [0, 40], sessions: [10, 22], buyRate: 0.03, basket: [30, 10] },
];
const browsers = groups[4];

const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z');

mkdirSync(dirname(out), { recursive: true });
const stream = createWriteStream(out);
const r = rng(seed);
let buf = 'customer_id,ts,event,amount,session_id\n';
let written = 0;
let customers = 0;
const flush = async () => {
  if (!stream.write(buf)) await new Promise((res) => stream.once('drain', res));
  buf = '';
};
while (written < target) {
  customers++;
  let u = r.next();
  let g = browsers;
  for (const s of groups) {
    if (u < s.share) {
      g = s;
      break;
    }
    u -= s.share;
  }
  const id = `C${String(customers).padStart(8, '0')}`;
  const last = asOf - (g.lastGap[0] + r.next() * (g.lastGap[1] - g.lastGap[0])) * day - r.int(86_400) * 1000;
  const first = last - (g.span[0] + r.next() * (g.span[1] - g.span[0])) * day;
  const nSessions = g.sessions[0] + r.int(g.sessions[1] - g.sessions[0] + 1);
  const starts = [last];
  for (let s = 1; s < nSessions; s++) starts.push(first + r.next() * (last - first));
  starts.sort((a, b) => a - b);
  for (let s = 0; s < starts.length && written < target; s++) {
    const sid = `${id}-S${s + 1}`;
    let t = Math.floor(starts[s] / 1000) * 1000;
    const views = 1 + r.int(g === browsers ? 8 : 5);
    for (let v = 0; v < views && written < target; v++) {
      buf += `${id},${iso(t)},${r.next() < 0.15 ? 'search' : 'product_view'},,${sid}\n`;
      t += (20 + r.int(240)) * 1000;
      written++;
    }
    if ((r.next() < g.buyRate * 1.6 || g === browsers) && r.next() < 0.9 && written < target) {
      buf += `${id},${iso(t)},add_to_cart,,${sid}\n`;
      t += (30 + r.int(300)) * 1000;
      written++;
      if (r.next() < g.buyRate / Math.min(1, g.buyRate * 1.6 + 0.01) && written < target) {
        const amount = Math.max(3, g.basket[0] + g.basket[1] * r.normal());
        buf += `${id},${iso(t)},purchase,${amount.toFixed(2)},${sid}\n`;
        written++;
      }
    }
    if (buf.length > 1 << 20) await flush();
  }
}
await flush();
await new Promise((res) => stream.end(res));
console.log(JSON.stringify({ file: out, events: written, customers, seed }));
