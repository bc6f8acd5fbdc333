#!/usr/bin/env node
// Seeded generator of the bundled fixtures (and of large inputs for benchmarks).
//
//   node scripts/make-fixtures.mjs fixtures                 # the small committed fixtures
//   node scripts/make-fixtures.mjs bench/data --customers 400000 --blobs 1000000   # large, on demand
//
// Same arguments ⇒ byte-identical files.
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const out = args[0] ?? 'fixtures';
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const nCustomers = opt('customers', 600);
const nTable = opt('table', 500);
const nBlobs = opt('blobs', 600);
const nSubscribers = opt('subscribers', 800);
const nEmailSubscribers = opt('email-subscribers', 400);
const seed = opt('seed', 20261101);
mkdirSync(out, { recursive: true });

/** mulberry32: small seeded PRNG, enough for fixtures. */
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
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

async function writeLines(path, header, rows) {
  const s = createWriteStream(path);
  s.write(header + '\n');
  let buf = '';
  for (const row of rows) {
    buf += row + '\n';
    if (buf.length > 1 << 16) {
      if (!s.write(buf)) await new Promise((r) => s.once('drain', r));
      buf = '';
    }
  }
  s.write(buf);
  await new Promise((r) => s.end(r));
}

// ---- e-commerce event log with planted behavioural segments -------------------------------------
// As of 2026-11-01. Segments: champions (recent, frequent, big baskets), loyal (regular, medium),
// at_risk (were active, silent for months), new (first seen in the last 3 weeks), browsers (view a lot,
// rarely buy).
const asOf = Date.UTC(2026, 10, 1);
const day = 86_400_000;
const segments = [
  {
    name: 'champions',
    share: 0.15,
    span: [20, 400],
    lastGap: [0, 7],
    sessions: [25, 40],
    buyRate: 0.6,
    basket: [120, 40],
  },
  {
    name: 'loyal',
    share: 0.25,
    span: [60, 400],
    lastGap: [0, 20],
    sessions: [12, 20],
    buyRate: 0.35,
    basket: [55, 15],
  },
  {
    name: 'at_risk',
    share: 0.2,
    span: [200, 400],
    lastGap: [120, 200],
    sessions: [8, 14],
    buyRate: 0.3,
    basket: [60, 20],
  },
  {
    name: 'new',
    share: 0.15,
    span: [0, 20],
    lastGap: [0, 3],
    sessions: [1, 4],
    buyRate: 0.25,
    basket: [40, 15],
  },
  {
    name: 'browsers',
    share: 0.25,
    span: [30, 300],
    lastGap: [0, 40],
    sessions: [10, 22],
    buyRate: 0.03,
    basket: [30, 10],
  },
];
function* events(n, r, truth) {
  for (let c = 0; c < n; c++) {
    let u = r.next();
    let seg = segments[segments.length - 1];
    for (const s of segments) {
      if (u < s.share) {
        seg = s;
        break;
      }
      u -= s.share;
    }
    const id = `C${String(c + 1).padStart(6, '0')}`;
    truth.push(`${id},${seg.name}`);
    const lastGap = seg.lastGap[0] + r.next() * (seg.lastGap[1] - seg.lastGap[0]);
    const last = asOf - lastGap * day - r.int(86_400) * 1000;
    const span = seg.span[0] + r.next() * (seg.span[1] - seg.span[0]);
    const first = last - span * day;
    const nSessions = seg.sessions[0] + r.int(seg.sessions[1] - seg.sessions[0] + 1);
    const starts = [last];
    for (let s = 1; s < nSessions; s++) starts.push(first + r.next() * (last - first));
    starts.sort((a, b) => a - b);
    for (let s = 0; s < starts.length; s++) {
      const start = starts[s];
      const sid = `${id}-S${s + 1}`;
      let t = Math.floor(start / 1000) * 1000;
      const views = 1 + r.int(seg === segments[4] ? 8 : 5);
      for (let v = 0; v < views; v++) {
        yield `${id},${new Date(t).toISOString().replace('.000Z', 'Z')},product_view,,${sid}`;
        t += (20 + r.int(240)) * 1000;
      }
      const carts = r.next() < seg.buyRate * 1.6 || seg === segments[4] ? 1 : 0;
      if (carts && r.next() < 0.9) {
        yield `${id},${new Date(t).toISOString().replace('.000Z', 'Z')},add_to_cart,,${sid}`;
        t += (30 + r.int(300)) * 1000;
        if (r.next() < seg.buyRate / Math.min(1, seg.buyRate * 1.6 + 0.01)) {
          const amount = Math.max(3, seg.basket[0] + seg.basket[1] * r.normal());
          yield `${id},${new Date(t).toISOString().replace('.000Z', 'Z')},purchase,${amount.toFixed(2)},${sid}`;
        }
      }
    }
  }
}
{
  const r = rng(seed);
  const truth = [];
  await writeLines(
    join(out, 'events.csv'),
    'customer_id,ts,event,amount,session_id',
    events(nCustomers, r, truth),
  );
  await writeLines(join(out, 'events_truth.csv'), 'customer_id,planted_segment', truth);
}

// ---- customer table: duplicates, missing values, messy formats -----------------------------------
{
  const r = rng(seed + 1);
  const first = [
    'Anna',
    'Björn',
    'Chloé',
    'David',
    'Eva',
    'Farid',
    'Grace',
    'Hugo',
    'Inès',
    'Jonas',
    'Kim',
    'Lena',
  ];
  const last = ['Müller', 'Smith', 'García', 'Rossi', 'Dubois', 'Nowak', 'Jensen', 'Silva', 'Khan', 'Novák'];
  const countries = ['DE', 'FR', 'ES', 'IT', 'PL', 'NL', 'SE', 'Germany', 'france', ' ES '];
  const rows = [];
  for (let i = 0; i < nTable; i++) {
    const fn = r.pick(first);
    const ln = r.pick(last);
    const id = `C${String(i + 1).padStart(6, '0')}`;
    const email = `${fn}.${ln}${i}@example.com`
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
    const signup = new Date(Date.UTC(2020 + r.int(6), r.int(12), 1 + r.int(28)));
    const fmt = r.int(3);
    const d = signup.toISOString().slice(0, 10);
    const signupText = fmt === 0 ? d : fmt === 1 ? `${d}T10:00:00Z` : d.replace(/-/g, '/');
    const age = r.next() < 0.08 ? '' : String(18 + r.int(60));
    const income = r.next() < 0.1 ? '' : (20000 + Math.round(Math.exp(10 + 0.5 * r.normal()))).toString();
    const spend = r.next() < 0.05 ? '' : Math.exp(4 + r.normal()).toFixed(2);
    const visits = String(r.int(60));
    rows.push([id, `"${fn} ${ln}"`, email, signupText, r.pick(countries), age, income, spend, visits]);
  }
  // Exact duplicates and near-duplicates (case, whitespace, accents in email/name).
  const dupes = [];
  for (let k = 0; k < Math.round(nTable * 0.06); k++) {
    const src = rows[r.int(rows.length)].slice();
    if (k % 2 === 1) {
      src[2] = `  ${src[2].toUpperCase()} `;
      src[2] = `"${src[2]}"`;
    }
    dupes.push(src);
  }
  const all = [...rows, ...dupes].map((x) => x.join(','));
  await writeLines(
    join(out, 'customers.csv'),
    'customer_id,name,email,signup_date,country,age,income,spend,visits',
    all,
  );
}

// ---- labelled Gaussian blobs ---------------------------------------------------------------------
{
  const r = rng(seed + 2);
  const k = 4;
  const d = 4;
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => -10 + 20 * r.next()));
  function* blobs() {
    for (let i = 0; i < nBlobs; i++) {
      const label = i % k;
      yield centres[label].map((c) => (c + r.normal()).toFixed(6)).join(',') + `,${label}`;
    }
  }
  await writeLines(
    join(out, 'blobs.csv'),
    `${Array.from({ length: d }, (_, j) => `x${j}`).join(',')},label`,
    blobs(),
  );
}

// ---- real-world exports: a French CRM export, NA tokens and a stray text cell, a Latin-1 file ----
{
  const r = rng(seed + 3);
  const regions = [
    'Île-de-France',
    'Auvergne-Rhône-Alpes',
    "Provence-Alpes-Côte d'Azur",
    'Hauts-de-France',
    'Bretagne',
  ];
  // Amounts with a decimal comma and a narrow no-break space between thousands, dates day first.
  const fr = (x) => {
    const [int, dec] = x.toFixed(2).split('.');
    return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')},${dec}`;
  };
  const rows = [];
  for (let i = 0; i < 200; i++) {
    const orders = 1 + r.int(30);
    const basket = 20 + r.next() * 180;
    const signup = new Date(Date.UTC(2023, 0, 1) + r.int(1000) * 86_400_000);
    const dmy = `${String(signup.getUTCDate()).padStart(2, '0')}/${String(signup.getUTCMonth() + 1).padStart(2, '0')}/${signup.getUTCFullYear()}`;
    rows.push(
      `C${String(i + 1).padStart(4, '0')};${dmy};${fr(orders * basket)};${orders};${fr(basket)};${r.pick(regions)}`,
    );
  }
  await writeLines(
    join(out, 'export_fr.csv'),
    'client_id;date_inscription;montant_total;nb_commandes;panier_moyen;region',
    rows,
  );
  // The same customers as Windows-1252 / Latin-1 bytes (what Excel on Windows saves as "CSV").
  writeFileSync(
    join(out, 'export_latin1.csv'),
    Buffer.from(
      [
        'client_id,region,nb_commandes',
        ...rows.map((l) => {
          const f = l.split(';');
          return `${f[0]},"${f[5]}",${f[3]}`;
        }),
      ].join('\r\n') + '\r\n',
      'latin1',
    ),
  );
  // pandas' missing-value tokens scattered in numeric columns, one stray text cell, one infinity.
  const tokens = ['NA', 'N/A', 'NULL', '', 'nan', '#N/A', 'None', 'n/a', 'null', 'NaN', '<NA>'];
  const na = [];
  for (let i = 0; i < 300; i++) {
    const cell = (v) => (r.next() < 0.06 ? r.pick(tokens) : v);
    const spend = cell((50 + r.normal() * 15).toFixed(2));
    const visits = i === 137 ? 'abc' : cell(String(1 + r.int(20)));
    const score = i === 42 ? 'inf' : cell(r.next().toFixed(4));
    na.push(`${i + 1},${spend},${visits},${score}`);
  }
  await writeLines(join(out, 'export_na.csv'), 'id,spend,visits,score', na);
}

// ---- a subscriber table in business units: behaviour, categorical plans, a churn flag, revenue ----
// Four planted groups (loyal big spenders, recent newcomers, lapsing customers, occasional low spenders);
// revenue in euros with ~3 % missing, yes/no newsletter, 0/1 churn that depends on the group.
{
  const r = rng(seed + 4);
  const groups = [
    { recency: 6, frequency: 28, basket: 62, tenure: 900, fiber: 0.7, longContract: 0.7, churn: 0.04 },
    { recency: 4, frequency: 5, basket: 38, tenure: 45, fiber: 0.5, longContract: 0.1, churn: 0.18 },
    { recency: 95, frequency: 9, basket: 45, tenure: 620, fiber: 0.3, longContract: 0.2, churn: 0.55 },
    { recency: 40, frequency: 3, basket: 21, tenure: 400, fiber: 0.1, longContract: 0.3, churn: 0.12 },
  ];
  const first = ['anna', 'eva', 'jan', 'luca', 'marie', 'noah', 'olga', 'paul', 'sara', 'tom'];
  const rows = [];
  for (let i = 0; i < nSubscribers; i++) {
    const g = groups[i % groups.length];
    const jitter = (x, rel) => Math.max(0, x * (1 + rel * r.normal()));
    const recency = Math.round(jitter(g.recency, 0.35));
    const frequency = Math.max(1, Math.round(jitter(g.frequency, 0.3)));
    const revenue = r.next() < 0.03 ? '' : (frequency * jitter(g.basket, 0.25)).toFixed(2);
    const tenure = Math.max(recency + 1, Math.round(jitter(g.tenure, 0.3)));
    const u = r.next();
    const internet = u < g.fiber ? 'Fiber optic' : u < g.fiber + (1 - g.fiber) * 0.7 ? 'DSL' : 'No';
    const v = r.next();
    const contract = v < g.longContract ? (r.next() < 0.5 ? 'One year' : 'Two year') : 'Month-to-month';
    const newsletter = r.next() < 0.4 ? 'yes' : 'no';
    const churned = r.next() < g.churn ? 1 : 0;
    const id = `S${String(i + 1).padStart(5, '0')}`;
    const email = `${r.pick(first)}.${id.toLowerCase()}@example.com`;
    rows.push(
      `${id},${email},${recency},${frequency},${revenue},${tenure},${internet},${contract},${newsletter},${churned}`,
    );
  }
  await writeLines(
    join(out, 'subscribers.csv'),
    'customer_id,email,recency_days,frequency,revenue,tenure_days,internet_service,contract,newsletter,churned',
    rows,
  );
}

// ---- an e-mail engagement log: one row per delivered, opened, clicked or unsubscribe event ----
// 13 weekly campaigns from 2026-08-02 to 2026-10-25 to each subscriber; four planted behaviours: fans (open most,
// click often), readers (open often, rarely click), dormant (seldom open) and leavers (open, then unsubscribe and
// receive nothing more). The scoring of the email-engagement notebook (+10 open, +20 click, −15 unsubscribe) ranks
// them into tiers.
{
  const r = rng(seed + 5);
  const behaviours = [
    { name: 'fan', open: 0.75, click: 0.45, unsubscribe: 0 },
    { name: 'reader', open: 0.55, click: 0.08, unsubscribe: 0 },
    { name: 'dormant', open: 0.08, click: 0.15, unsubscribe: 0 },
    { name: 'leaver', open: 0.3, click: 0.1, unsubscribe: 0.12 },
  ];
  const weights = [0.2, 0.3, 0.35, 0.15];
  const start = Date.UTC(2026, 7, 2, 9, 0, 0);
  const week = 7 * 86400e3;
  const rows = [];
  const truth = [];
  for (let i = 0; i < nEmailSubscribers; i++) {
    const u = r.next();
    let g = 0;
    for (let acc = weights[0]; u >= acc && g < weights.length - 1; acc += weights[++g]);
    const b = behaviours[g];
    const id = `E${String(i + 1).padStart(4, '0')}`;
    truth.push(`${id},${b.name}`);
    // Each subscriber has their own appetite around the behaviour's rates.
    const appetite = Math.min(1.6, Math.max(0.4, 1 + 0.25 * r.normal()));
    const at = (t) => new Date(t).toISOString().replace('.000Z', 'Z');
    for (let c = 0; c < 13; c++) {
      const sent = start + c * week + r.int(3600) * 1000;
      rows.push(`${id},${at(sent)},delivered,C${String(c + 1).padStart(2, '0')}`);
      if (r.next() >= Math.min(0.98, b.open * appetite)) continue;
      const opened = sent + (5 + r.int(48 * 60)) * 60e3;
      rows.push(`${id},${at(opened)},open,C${String(c + 1).padStart(2, '0')}`);
      if (r.next() < Math.min(0.95, b.click * appetite)) {
        rows.push(`${id},${at(opened + (1 + r.int(10)) * 60e3)},click,C${String(c + 1).padStart(2, '0')}`);
      }
      if (r.next() < b.unsubscribe) {
        rows.push(
          `${id},${at(opened + (1 + r.int(30)) * 60e3)},unsubscribe,C${String(c + 1).padStart(2, '0')}`,
        );
        break;
      }
    }
  }
  await writeLines(join(out, 'email_events.csv'), 'customer_id,ts,event,campaign', rows);
  await writeLines(join(out, 'email_events_truth.csv'), 'customer_id,planted_behaviour', truth);
}

writeFileSync(
  join(out, 'README.md'),
  `# Fixtures

Generated by \`node scripts/make-fixtures.mjs ${out === 'fixtures' ? 'fixtures' : out}\` (seeded: same arguments, same bytes).

| file | what |
|---|---|
| events.csv | e-commerce event log (customer_id, ts ISO-8601 UTC, event = product_view/add_to_cart/purchase, amount on purchases, session_id) for ${nCustomers} customers as of 2026-11-01 |
| events_truth.csv | the planted behavioural segment of each customer (champions, loyal, at_risk, new, browsers) |
| customers.csv | ${nTable} customers plus ~6 % duplicates (exact, and with the email upper-cased and padded), missing ages/incomes/spend, mixed date formats, messy country codes |
| blobs.csv | ${nBlobs} points, 4 features, 4 labelled Gaussian blobs (std 1) |
| export_fr.csv | a French CRM export: \`;\` delimiter, decimal comma, narrow no-break space between thousands (\`1 234,50\`), dates day first (\`13/01/2026\`), accented region names |
| export_latin1.csv | three columns of the same customers saved as Windows-1252 / Latin-1 bytes with CRLF line ends |
| customers.xlsx | Excel workbook (made by \`node scripts/make-xlsx-fixture.mjs ${out}\`) with two sheets: \`customers\` (60 rows: id, spend, visits, signup date, newsletter boolean, region with one \`NA\`, formula column spend_per_visit with cached results and one #DIV/0!) and \`notes\` (3 rows with rich text, hyperlinks, date-times) |
| export_na.csv | 300 rows whose numeric columns hold pandas' missing-value tokens (NA, N/A, NULL, nan, #N/A, None, <NA>, empty …), one stray \`abc\` in \`visits\` (row 138) and one \`inf\` in \`score\` (row 43) |
| subscribers.csv | ${nSubscribers} subscribers in business units: recency_days, frequency, revenue (€, ~3 % missing), tenure_days, internet_service (DSL / Fiber optic / No), contract, newsletter (yes/no), churned (0/1), email; four planted groups |
| email_events.csv | e-mail engagement log (customer_id, ts ISO-8601 UTC, event = delivered/open/click/unsubscribe, campaign) of ${nEmailSubscribers} subscribers over 13 weekly campaigns (2026-08-02 to 2026-10-25); nothing is sent after an unsubscribe |
| email_events_truth.csv | the planted behaviour of each subscriber (fan, reader, dormant, leaver) |
| density2d.csv | 380 points in 2-D: three Gaussian clusters of different spreads (150 at std 0.15, 120 at 0.5, 80 at 1.2) and 30 uniform noise points; made with the HDBSCAN reference values by \`Rscript scripts/hdbscan-reference.R\` (seeded) |
`,
);
console.error(`fixtures written to ${out}`);
