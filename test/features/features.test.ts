import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kmeans } from '../../src/cluster/kmeans.js';
import { cellText, type Dataset } from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/core/matrix.js';
import { computeFeatures, type FeatureResult } from '../../src/features/events.js';
import type { FeatureParams } from '../../src/features/params.js';
import { parseScoringRules, parseSegmentRules } from '../../src/features/rules.js';
import { sqlString, withConnection } from '../../src/io/duckdb.js';
import { ari } from '../helpers/ari.js';

const dir = mkdtempSync(join(tmpdir(), 'segment-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '../../fixtures');
let files = 0;
function file(text: string, ext = 'csv'): string {
  const p = join(dir, `events-${++files}.${ext}`);
  writeFileSync(p, text);
  return p;
}

type Row = Record<string, number | string | null>;

/** The rows of a result keyed by id; numbers as numbers (NaN → null), text as text. */
function rows(ds: Dataset): Map<string, Row> {
  const out = new Map<string, Row>();
  const id = ds.columns[0]!;
  for (let i = 0; i < ds.nRows; i++) {
    const row: Row = {};
    for (const c of ds.columns) {
      if (c.kind === 'numeric') row[c.name] = Number.isNaN(c.values[i]!) ? null : c.values[i]!;
      else row[c.name] = cellText(c, i);
    }
    out.set(String(cellText(id, i)), row);
  }
  return out;
}

/** Compare a row with expected values: floats to 12 digits, the rest exactly. */
function expectRow(actual: Row | undefined, expected: Row): void {
  expect(actual).toBeDefined();
  for (const [k, v] of Object.entries(expected)) {
    const a = actual![k];
    if (typeof v === 'number' && !Number.isInteger(v)) expect(a, k).toBeCloseTo(v, 12);
    else expect(a, k).toBe(v);
  }
}

// A view, a cart and a purchase, a cart left behind two days later, a lone purchase; a browser whose two
// views are 40 minutes apart (two inferred sessions); a one-purchase customer. Hand-checked below, and equal to
// the pandas script of bench/features.bench.mjs on the same rows.
const toy = file(`cid,ts,event,amount
A,2026-01-01T10:00:00Z,product_view,
A,2026-01-01T10:10:00Z,add_to_cart,
A,2026-01-01T10:20:00Z,purchase,30
A,2026-01-03T09:00:00Z,product_view,
A,2026-01-03T09:05:00Z,add_to_cart,
A,2026-01-05T12:00:00Z,purchase,50
B,2026-01-02T08:00:00Z,product_view,
B,2026-01-02T08:40:00Z,product_view,
C,2026-01-04T23:30:00Z,purchase,20
`);
const base: FeatureParams = { id: 'cid', time: 'ts', amount: 'amount', event: 'event' };

async function run(
  path: string,
  params: Partial<FeatureParams> = {},
): Promise<FeatureResult & { byId: Map<string, Row> }> {
  const r = await computeFeatures(path, { ...base, ...params });
  return { ...r, byId: rows(r.dataset) };
}

describe('computeFeatures on a hand-checked log', () => {
  it('computes every feature with inferred sessions', async () => {
    const { dataset, summary, byId } = await run(toy);
    expect(dataset.names).toEqual([
      'cid',
      'recency_days',
      'recency_purchase_days',
      'tenure_days',
      'events',
      'frequency',
      'active_days',
      'sessions',
      'visits_per_week',
      'mean_session_minutes',
      'conversion_rate',
      'monetary',
      'avg_basket',
      'max_basket',
      'mean_days_between_purchases',
      'events_add_to_cart',
      'events_product_view',
      'events_purchase',
      'funnel_stage',
      'funnel_stage_name',
      'cart_abandonment_rate',
      'activity_trend',
      'r_score',
      'f_score',
      'm_score',
      'rfm_score',
      'rfm_segment',
    ]);
    expect([...byId.keys()]).toEqual(['A', 'B', 'C']);
    // As of the midnight after the last event (2026-01-06); the window is all history, 4 d 14 h, whose
    // middle is 2026-01-03T17:00Z.
    expect(summary.asOf).toBe('2026-01-06T00:00:00.000Z');
    expect(summary.window).toEqual({
      start: '2026-01-01T10:00:00.000Z',
      end: '2026-01-06T00:00:00.000Z',
      days: 4.583,
      length: 'all',
    });
    expectRow(byId.get('A'), {
      recency_days: 0.5,
      recency_purchase_days: 0.5,
      tenure_days: 4 + 14 / 24,
      events: 6,
      frequency: 2,
      active_days: 3,
      sessions: 3,
      visits_per_week: 3 / ((4 + 14 / 24) / 7),
      mean_session_minutes: 25 / 3,
      conversion_rate: 2 / 3,
      monetary: 80,
      avg_basket: 40,
      max_basket: 50,
      mean_days_between_purchases: 4 + 100 / 1440,
      events_add_to_cart: 2,
      events_product_view: 2,
      events_purchase: 2,
      funnel_stage: 3,
      funnel_stage_name: 'purchase',
      cart_abandonment_rate: 0.5,
      activity_trend: (1 - 5) / 6,
      r_score: 4,
      f_score: 4,
      m_score: 4,
      rfm_score: '444',
      rfm_segment: 'Loyal',
    });
    expectRow(byId.get('B'), {
      recency_days: 3 + 15 / 24 + 20 / 1440,
      recency_purchase_days: null,
      tenure_days: 3 + 16 / 24,
      events: 2,
      frequency: 0,
      sessions: 2,
      mean_session_minutes: 0,
      conversion_rate: 0,
      monetary: 0,
      avg_basket: null,
      max_basket: null,
      mean_days_between_purchases: null,
      funnel_stage: 1,
      funnel_stage_name: 'product_view',
      cart_abandonment_rate: null,
      activity_trend: -1,
      rfm_score: '111',
      rfm_segment: 'Lost',
    });
    expectRow(byId.get('C'), {
      recency_days: 1 + 30 / 1440,
      tenure_days: 1 + 30 / 1440,
      frequency: 1,
      monetary: 20,
      avg_basket: 20,
      mean_days_between_purchases: null,
      funnel_stage: 3,
      activity_trend: 1,
      rfm_score: '222',
      rfm_segment: 'Hibernating',
    });
    expect(summary).toMatchObject({
      rowsIn: 9,
      rowsOut: 3,
      rowsUsed: 9,
      eventsInWindow: 9,
      customers: 3,
      dropped: [],
      purchases: "event = 'purchase'",
      funnel: ['product_view', 'add_to_cart', 'purchase'],
      cartEvent: 'add_to_cart',
      rfmRules: 'default',
      scoringRules: null,
      warnings: [],
    });
    expect(summary.eventTypes).toEqual([
      { value: 'add_to_cart', column: 'events_add_to_cart', events: 2 },
      { value: 'product_view', column: 'events_product_view', events: 4 },
      { value: 'purchase', column: 'events_purchase', events: 3 },
    ]);
  });

  it('uses the session column when given', async () => {
    const p = file(
      readFileSync(toy, 'utf8')
        .trim()
        .split('\n')
        .map(
          (l, i) =>
            l + ',' + (i === 0 ? 'sid' : ['', 'S1', 'S1', 'S1', 'S2', 'S2', 'S3', 'B1', 'B1', 'C1'][i]),
        )
        .join('\n'),
    );
    const { byId, summary } = await run(p, { session: 'sid' });
    expect(summary.sessions).toBe('column sid');
    expectRow(byId.get('A'), { sessions: 3, mean_session_minutes: 25 / 3, cart_abandonment_rate: 0.5 });
    expectRow(byId.get('B'), { sessions: 1, mean_session_minutes: 40, conversion_rate: 0 });
  });

  it('infers sessions with another gap', async () => {
    const { byId } = await run(toy, { sessionGapSeconds: 3600 });
    expectRow(byId.get('B'), { sessions: 1, mean_session_minutes: 40 });
  });

  it('keeps recency and tenure on all history but counts only the window', async () => {
    const { byId, summary } = await run(toy, { asOf: '2026-01-06', windowSeconds: 2 * 86_400 });
    expect(summary.window).toMatchObject({ start: '2026-01-04T00:00:00.000Z', days: 2, length: '2d' });
    expect(summary.eventsInWindow).toBe(2);
    expectRow(byId.get('A'), {
      recency_days: 0.5,
      tenure_days: 4 + 14 / 24,
      events: 1,
      frequency: 1,
      active_days: 1,
      sessions: 1,
      visits_per_week: 3.5,
      monetary: 50,
      max_basket: 50,
      mean_days_between_purchases: null,
      events_product_view: 0,
      activity_trend: 1,
      f_score: 2,
      m_score: 4,
    });
    // No event in the window: zero counts, undefined rates, still a row.
    expectRow(byId.get('B'), {
      recency_days: 3 + 15 / 24 + 20 / 1440,
      events: 0,
      frequency: 0,
      sessions: 0,
      visits_per_week: 0,
      conversion_rate: null,
      mean_session_minutes: null,
      funnel_stage: 0,
      funnel_stage_name: 'none',
      activity_trend: null,
      f_score: 1,
      m_score: 1,
    });
    expectRow(byId.get('C'), { events: 1, activity_trend: -1, f_score: 2, m_score: 2 });
  });

  it('leaves out events at or after --as-of, and says so', async () => {
    const { byId, summary } = await run(toy, { asOf: '2026-01-05' });
    expect(summary.dropped).toEqual([
      { reason: 'after_as_of', rows: 1, example: { row: 6, value: '2026-01-05T12:00:00.000Z' } },
    ]);
    expect(summary.rowsUsed).toBe(8);
    expect(summary.lastEvent).toBe('2026-01-04T23:30:00.000Z');
    expectRow(byId.get('A'), { recency_days: 1 + 14 / 24 + 55 / 1440, frequency: 1, monetary: 30 });
    expectRow(byId.get('C'), { recency_days: 30 / 1440 });
  });

  it('treats rows with an amount as purchases without an event column', async () => {
    const { dataset, byId, summary } = await computeFeatures(toy, {
      id: 'cid',
      time: 'ts',
      amount: 'amount',
    }).then((r) => ({ ...r, byId: rows(r.dataset) }));
    expect(summary.purchases).toBe('rows with an amount');
    expect(dataset.names).not.toContain('funnel_stage');
    expect(dataset.names).not.toContain('events_purchase');
    expectRow(byId.get('A'), { frequency: 2, monetary: 80, conversion_rate: 2 / 3 });
  });
});

describe('timestamps and time zones', () => {
  it('reads ISO-8601 variants, RFC 2822, epochs and user formats as the same instant', async () => {
    const instant = '2026-03-04T05:06:07Z';
    const forms = [
      instant,
      '2026-03-04T06:06:07+01:00',
      '2026-03-04T00:06:07-0500',
      '2026-03-04 05:06:07',
      '2026/03/04 05:06:07',
      '"Wed, 04 Mar 2026 05:06:07 +0000"',
      '"Wed, 04 Mar 2026 05:06:07 GMT"',
      String(Date.UTC(2026, 2, 4, 5, 6, 7) / 1000),
      String(Date.UTC(2026, 2, 4, 5, 6, 7)),
      '"  2026-03-04T05:06:07.000000Z "',
      '04|03|2026 05.06.07',
    ];
    const p = file(
      'cid,ts,event\n' + forms.map((f, i) => `F${String(i).padStart(2, '0')},${f},visit`).join('\n') + '\n',
    );
    const { byId, summary } = await run(p, {
      amount: undefined,
      timeFormats: ['%d|%m|%Y %H.%M.%S'],
      asOf: '2026-03-05',
    });
    expect(summary.dropped).toEqual([]);
    expect(byId.size).toBe(forms.length);
    for (const [id, row] of byId) expect(row['recency_days'], id).toBeCloseTo((86_400 - 18_367) / 86_400, 12);
  });

  it('reads times without an offset, dates and calendar days in --timezone', async () => {
    const p = file(
      'cid,ts,event\nN,2026-01-02T03:30:00Z,visit\nN,2026-01-02T05:30:00Z,visit\nL,2026-01-02 12:00:00,visit\n',
    );
    const utc = await run(p, { amount: undefined });
    const ny = await run(p, { amount: undefined, timezone: 'America/New_York' });
    expect(utc.summary.asOf).toBe('2026-01-03T00:00:00.000Z');
    expect(ny.summary.asOf).toBe('2026-01-03T05:00:00.000Z');
    expect(ny.summary.timezone).toBe('America/New_York');
    // 22:30 and 00:30 in New York: two calendar days there, one in UTC.
    expectRow(utc.byId.get('N'), { active_days: 1, recency_days: 18.5 / 24 });
    expectRow(ny.byId.get('N'), { active_days: 2, recency_days: 23.5 / 24 });
    // Noon without an offset is noon in the zone: 17:00Z in New York.
    expectRow(ny.byId.get('L'), { recency_days: 12 / 24 });
    expectRow(utc.byId.get('L'), { recency_days: 12 / 24 });
    const asOfDate = await run(p, { amount: undefined, timezone: 'Europe/Paris', asOf: '2026-01-03' });
    expect(asOfDate.summary.asOf).toBe('2026-01-02T23:00:00.000Z');
  });

  it('drops unparseable and missing times with a warning naming a row, or fails with strict', async () => {
    const p = file(
      'cid,ts,event\nA,2026-01-01T00:00:00Z,visit\nA,yesterday,visit\nB,,visit\n,2026-01-01T00:00:00Z,visit\nB,2026-13-45,visit\nB,2026-01-01T01:00:00Z,visit\n',
    );
    const r = await run(p, { amount: undefined });
    expect(r.summary.dropped).toEqual([
      { reason: 'missing_id', rows: 1, example: { row: 4, value: '' } },
      { reason: 'missing_time', rows: 1, example: { row: 3, value: 'B' } },
      { reason: 'unparseable_time', rows: 2, example: { row: 2, value: 'yesterday' } },
    ]);
    expect(r.summary.warnings).toEqual([
      expect.stringMatching(
        /dropped 2 timestamp\(s\) in column 'ts' cannot be parsed, e\.g\. 'yesterday' on row 2 \(line 3\)$/,
      ),
      expect.stringMatching(/dropped 1 row\(s\) have no id \(cid\), e\.g\. row 4 \(line 5\)$/),
      expect.stringMatching(/dropped 1 row\(s\) have no time \(ts\), e\.g\. row 3 \(line 4\)$/),
      expect.stringMatching(/^no 'purchase' events/),
    ]);
    expect(r.summary.rowsUsed).toBe(2);
    expect(r.dataset.nRows).toBe(2);
    await expect(run(p, { amount: undefined, strict: true })).rejects.toThrow(
      /2 timestamp\(s\) in column 'ts' cannot be parsed, e\.g\. 'yesterday' on row 2 \(line 3\)/,
    );
    const none = file('cid,ts,event\nA,soon,visit\nB,later,visit\n');
    await expect(run(none, { amount: undefined })).rejects.toThrow(
      /no timestamp in column 'ts' can be parsed, e\.g\. 'soon' on row 1 \(line 2\)$/,
    );
  });

  it('reads typed Parquet (naive TIMESTAMP in the zone, integer ids) and NDJSON', async () => {
    const pq = join(dir, 'typed.parquet');
    await withConnection((c) =>
      c.run(
        `COPY (SELECT * FROM (VALUES (7::BIGINT, TIMESTAMP '2026-01-01 10:00:00', 'purchase', 12.5::DOUBLE), ` +
          `(7::BIGINT, TIMESTAMP '2026-01-01 11:00:00', 'purchase', 7.5::DOUBLE), (3::BIGINT, TIMESTAMP '2026-01-01 12:00:00', 'visit', NULL)) ` +
          `t(cid, ts, event, amount)) TO ${sqlString(pq)} (FORMAT parquet)`,
      ),
    );
    const r = await run(pq, { timezone: 'Europe/Paris' });
    expect(r.dataset.column('cid')).toMatchObject({ kind: 'numeric', type: 'integer' });
    expect([...r.byId.keys()]).toEqual(['3', '7']);
    expect(r.summary.asOf).toBe('2026-01-01T23:00:00.000Z');
    expectRow(r.byId.get('7'), { monetary: 20, frequency: 2, recency_days: 13 / 24 });
    const asText = await computeFeatures(pq, base, { textColumns: ['cid'] });
    expect(asText.dataset.column('cid')).toMatchObject({ kind: 'string', values: ['3', '7'] });
    // Numbers in a CSV id column stay numbers (sorted as numbers) unless forced to text.
    const ids = file('cid,ts,event\n12,2026-01-01T00:00:00Z,purchase\n3,2026-01-01T00:00:00Z,purchase\n');
    const guessed = await computeFeatures(ids, { ...base, amount: undefined });
    expect(guessed.dataset.column('cid')).toMatchObject({ kind: 'numeric', type: 'integer' });
    expect([...rows(guessed.dataset).keys()]).toEqual(['3', '12']);
    const text = await computeFeatures(ids, { ...base, amount: undefined }, { textColumns: ['cid'] });
    expect([...rows(text.dataset).keys()]).toEqual(['12', '3']);
    const nd = file(
      '{"cid":"x","ts":"2026-01-01T10:00:00Z","event":"purchase","amount":5}\n{"cid":"x","ts":"2026-01-01T12:00:00+02:00","event":"visit","amount":null}\n',
      'ndjson',
    );
    const j = await run(nd);
    expectRow(j.byId.get('x'), { events: 2, monetary: 5, tenure_days: 14 / 24, recency_days: 14 / 24 });
  });
});

describe('ids', () => {
  it('reads an id column as text when text shows up after the rows DuckDB samples', async () => {
    const lines = ['cid,ts,event'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i % 500},2026-01-01T00:00:00Z,purchase`);
    lines.push('X9,2026-01-02T00:00:00Z,purchase');
    const { dataset } = await computeFeatures(file(lines.join('\n') + '\n'), { ...base, amount: undefined });
    expect(dataset.column('cid').kind).toBe('string');
    expect(dataset.nRows).toBe(501);
    expect(rows(dataset).get('X9')).toMatchObject({ events: 1, recency_days: 1 });
  });
});

describe('RFM scores and segments', () => {
  it('gives ties the score of their lowest rank (low-cardinality frequency)', async () => {
    const freq = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3];
    const lines = ['cid,ts,event'];
    freq.forEach((k, i) => {
      for (let j = 0; j < k; j++) lines.push(`K${i},2026-01-01T0${j}:00:00Z,purchase`);
      lines.push(`K${i},2026-01-${String(10 + i)}T00:00:00Z,visit`);
    });
    const { byId } = await run(file(lines.join('\n') + '\n'), { amount: undefined, asOf: '2026-02-01' });
    expect([...byId.values()].map((r) => r['f_score'])).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect([...byId.values()].map((r) => r['r_score'])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect([...byId.values()].map((r) => r['rfm_score'])).toEqual([
      '11',
      '11',
      '21',
      '21',
      '31',
      '31',
      '44',
      '44',
      '55',
      '55',
    ]);
    expect(byId.get('K9')!['rfm_segment']).toBe('Champions');
  });

  it('applies edited rules with precedence, where-conditions and the other bucket', async () => {
    const rules = parseSegmentRules(
      `other: Everyone else
segments:
  - name: Big spenders
    m: 4-5
  - name: Fresh
    where: { tenure_days: "< 2" }
  - name: Two-plus
    where: { frequency: ">= 2" }
`,
      'mine.yaml',
    );
    const { byId, summary } = await run(toy, { segmentRules: rules });
    expect(summary.rfmRules).toBe('mine.yaml');
    expect(byId.get('A')!['rfm_segment']).toBe('Big spenders');
    expect(byId.get('C')!['rfm_segment']).toBe('Fresh');
    expect(byId.get('B')!['rfm_segment']).toBe('Everyone else');
    const noAmount = parseSegmentRules('segments:\n  - name: X\n    m: 5\n', 'm.yaml');
    await expect(run(toy, { amount: undefined, segmentRules: noAmount })).rejects.toThrow(
      /^m\.yaml:3: rule 'X' uses the monetary score m/,
    );
  });
});

describe('points scoring', () => {
  const log = file(`cid,ts,event
X,2026-01-09T00:00:00Z,open
X,2026-01-08T00:00:00Z,click
X,2026-01-09T00:00:00Z,unsubscribe
Y,2026-01-09T12:00:00Z,click
Y,2026-01-09T12:00:00Z,click
Y,2026-01-09T12:00:00Z,click
W,2026-01-01T00:00:00Z,open
W,2026-01-01T00:00:00Z,open
W,2026-01-01T00:00:00Z,open
W,2026-01-01T00:00:00Z,open
W,2026-01-01T00:00:00Z,open
Z,2026-01-01T00:00:00Z,open
Z,2026-01-01T00:00:00Z,open
Z,2026-01-01T00:00:00Z,bounce
`);
  const tiers = `tiers:\n  - { name: high, above: 50 }\n  - { name: medium, min: 20 }\n  - { name: low }\n`;
  const points = `points:\n  open: 10\n  click: 20\n  unsubscribe: -15\n`;

  it('sums points per event type into score and tier (thresholds: > and >=)', async () => {
    const scoring = parseScoringRules(points + tiers, 'scoring.yaml');
    const { byId, summary } = await run(log, { amount: undefined, scoring, asOf: '2026-01-10' });
    expect(summary.scoringRules).toBe('scoring.yaml');
    expect(summary.warnings).toContain(
      "no 'purchase' events in column 'event': frequency and monetary are 0 (pass --purchase-event; types: bounce, click, open, unsubscribe)",
    );
    expectRow(byId.get('X'), { score: 15, tier: 'low' });
    expectRow(byId.get('Y'), { score: 60, tier: 'high' });
    expectRow(byId.get('W'), { score: 50, tier: 'medium' });
    expectRow(byId.get('Z'), { score: 20, tier: 'medium' });
  });

  it('halves points every half-life of age', async () => {
    const scoring = parseScoringRules(points + 'decay:\n  half_life: 1d\n' + tiers, 'scoring.yaml');
    const { byId } = await run(log, { amount: undefined, scoring, asOf: '2026-01-10' });
    expectRow(byId.get('X'), { score: 10 * 0.5 + 20 * 0.25 - 15 * 0.5, tier: 'low' });
    expect(byId.get('Y')!['score']).toBeCloseTo(60 * Math.SQRT1_2, 8);
    expect(byId.get('Y')!['tier']).toBe('medium');
    expect(byId.get('W')!['score']).toBeCloseTo(50 / 2 ** 9, 8);
  });

  it('warns about points for event types that never occur', async () => {
    const scoring = parseScoringRules('points:\n  opne: 10\n', 'typo.yaml');
    const { summary } = await run(log, { amount: undefined, scoring });
    expect(summary.warnings).toContain("typo.yaml:2: points for 'opne', which never occurs");
  });
});

describe('bad input', () => {
  it('names every missing column with its flag', async () => {
    await expect(run(toy, { id: 'customer', time: 'when' })).rejects.toThrow(
      /: no column 'customer' \(--id\), 'when' \(--time\)$/,
    );
    await expect(run(toy, { id: 'customer' })).rejects.toBeInstanceOf(DataError);
  });

  it('refuses non-numeric and negative amounts, naming a row', async () => {
    const text = file(
      'cid,ts,event,amount\nA,2026-01-01T00:00:00Z,purchase,12\nA,2026-01-02T00:00:00Z,purchase,"1,234.50"\n',
    );
    await expect(run(text)).rejects.toThrow(
      /1 amount\(s\) in column 'amount' are not numbers, e\.g\. '1,234\.50' on row 2 \(line 3\)/,
    );
    const neg = file(
      'cid,ts,event,amount\nA,2026-01-01T00:00:00Z,purchase,12\nB,2026-01-02T00:00:00Z,purchase,-3\n',
    );
    await expect(run(neg)).rejects.toThrow(
      /1 negative amount\(s\) in column 'amount', e\.g\. -3 on row 2 \(line 3\)/,
    );
    const dropped = await run(neg, { negativeAmounts: 'drop' });
    expect(dropped.summary.dropped).toEqual([
      { reason: 'negative_amount', rows: 1, example: { row: 2, value: '-3' } },
    ]);
    expect([...dropped.byId.keys()]).toEqual(['A']);
  });

  it('refuses an empty window and an as-of before every event', async () => {
    await expect(run(toy, { asOf: '2026-03-01', windowSeconds: 7 * 86_400 })).rejects.toThrow(
      /the window 2026-02-22T00:00:00\.000Z – 2026-03-01T00:00:00\.000Z holds no events/,
    );
    await expect(run(toy, { asOf: '2025-01-01' })).rejects.toThrow(
      /no events before the as-of moment 2025-01-01T00:00:00\.000Z/,
    );
  });

  it('refuses an unknown time zone, an unreadable as-of and too many event types', async () => {
    await expect(run(toy, { timezone: 'Mars/Olympus' })).rejects.toThrow(UsageError);
    await expect(run(toy, { asOf: 'tomorrow' })).rejects.toThrow(/--as-of: cannot read 'tomorrow'/);
    await expect(run(toy, { maxEventTypes: 2 })).rejects.toThrow(
      /has 3 distinct values, more than 2; is it the event type\?/,
    );
    const pinned = await run(toy, { maxEventTypes: 2, eventTypes: ['purchase', 'refund'] });
    expect(pinned.dataset.names.filter((n) => n.startsWith('events_'))).toEqual([
      'events_purchase',
      'events_refund',
    ]);
    expect(pinned.summary.warnings).toContain("event type 'refund' (--event-types) never occurs");
  });

  it('refuses an id column named like an output column', async () => {
    const p = file('frequency,ts,event\nA,2026-01-01T00:00:00Z,purchase\n');
    await expect(run(p, { id: 'frequency', amount: undefined })).rejects.toThrow(
      /has the name of an output column/,
    );
  });
});

describe('the bundled event log', () => {
  const events = join(fixtures, 'events.csv');
  const truth = new Map(
    readFileSync(join(fixtures, 'events_truth.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',') as [string, string]),
  );

  it('matches the pandas script of the benchmark, row for row (reference values)', async () => {
    const { byId, summary } = await run(events, { id: 'customer_id', session: 'session_id' });
    expect(summary).toMatchObject({
      rowsIn: 42_550,
      customers: 600,
      asOf: '2026-11-01T00:00:00.000Z',
      dropped: [],
    });
    // From /usr/bin/python3 with pandas 1.5.3 (bench/features.bench.mjs's script, given sessions).
    expectRow(byId.get('C000002'), {
      recency_days: 6.838611111111111,
      recency_purchase_days: 9.230277777777776,
      tenure_days: 73.19685185185185,
      events: 171,
      frequency: 16,
      active_days: 29,
      sessions: 38,
      visits_per_week: 0.4679804194470804,
      mean_session_minutes: 8.0890350877193,
      conversion_rate: 0.4210526315789473,
      monetary: 1957.36,
      avg_basket: 122.335,
      max_basket: 227.56,
      mean_days_between_purchases: 4.2639714506172846,
      events_add_to_cart: 33,
      events_product_view: 122,
      events_purchase: 16,
      funnel_stage: 3,
      cart_abandonment_rate: 0.5151515151515151,
      activity_trend: 1.0,
      rfm_score: '355',
      rfm_segment: 'Loyal',
    });
    expectRow(byId.get('C000003'), {
      recency_days: 192.9723842592593,
      recency_purchase_days: 336.6364351851852,
      tenure_days: 402.710625,
      events: 31,
      frequency: 2,
      active_days: 11,
      sessions: 11,
      mean_session_minutes: 3.998484848484849,
      conversion_rate: 0.1818181818181818,
      monetary: 106.77,
      mean_days_between_purchases: 29.889340277777777,
      cart_abandonment_rate: 0.5,
      activity_trend: -0.2903225806451613,
      rfm_score: '112',
      rfm_segment: 'Lost',
    });
    expectRow(byId.get('C000600'), {
      monetary: 1428.91,
      avg_basket: 102.065,
      mean_days_between_purchases: 5.757319266381766,
      cart_abandonment_rate: 0.5172413793103449,
      rfm_score: '355',
    });
  });

  it('separates the planted segments: k-means on z-scored features, ARI ≥ 0.9', async () => {
    const { dataset } = await run(events, { id: 'customer_id' });
    // One column per behavioural axis the planted groups differ in: how recently (recency_days), since when
    // (tenure_days), how often (sessions), how deeply (mean_session_minutes: browsers view more per visit) and
    // how much they spend (monetary). Columns that are missing for non-buyers (avg_basket, …) are left out, and
    // so are near-duplicates (events, active_days, visits_per_week track sessions) that would weigh one axis
    // several times after z-scoring.
    const cols = ['recency_days', 'tenure_days', 'sessions', 'mean_session_minutes', 'monetary'];
    const n = dataset.nRows;
    const X: Matrix = { data: new Float64Array(n * cols.length), nRows: n, nCols: cols.length };
    cols.forEach((name, j) => {
      const v = dataset.numeric(name).values;
      let mean = 0;
      for (const x of v) mean += x / n;
      let variance = 0;
      for (const x of v) variance += (x - mean) ** 2 / n;
      const sd = Math.sqrt(variance);
      for (let i = 0; i < n; i++) X.data[i * cols.length + j] = (v[i]! - mean) / sd;
    });
    const { labels } = await kmeans(X, { nClusters: 5, seed: 0 });
    const ids = dataset.column('customer_id');
    const planted = Array.from({ length: n }, (_, i) => truth.get(String(cellText(ids, i)))!);
    const score = ari(Array.from(labels), planted);
    expect(score).toBeGreaterThanOrEqual(0.9);
  });

  it('samples customers with a seed, keeping all their events', async () => {
    const a = await run(events, { id: 'customer_id', sampleCustomers: 50, seed: 7 });
    const b = await run(events, { id: 'customer_id', sampleCustomers: 50, seed: 7 });
    const c = await run(events, { id: 'customer_id', sampleCustomers: 50, seed: 8 });
    const full = await run(events, { id: 'customer_id' });
    expect(a.dataset.nRows).toBe(50);
    expect([...a.byId.keys()]).toEqual([...b.byId.keys()]);
    expect([...a.byId.keys()]).not.toEqual([...c.byId.keys()]);
    for (const [id, row] of a.byId) {
      expect(row['events']).toBe(full.byId.get(id)!['events']);
      expect(row['monetary']).toBe(full.byId.get(id)!['monetary']);
    }
  });
});
