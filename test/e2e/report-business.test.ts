import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const raw = join(fixtures, 'subscribers.csv');
const seg = join(tmp.dir, 'segments.parquet');
const model = join(tmp.dir, 'model.json');

/*
 * Reference values: pandas 2 on fixtures/subscribers.csv merged (one to one, by customer_id) with the segments this
 * pipeline writes (segment sizes 211, 201, 200, 188), e.g.
 *   df.groupby('segment')[col].mean() / .median() / .quantile(0.25) / .quantile(0.75)
 *   df.groupby('segment')['churned'].mean(); (df.newsletter == 'yes') grouped mean
 *   df.groupby('segment')['revenue'].sum() / df['revenue'].sum()
 *   pd.crosstab(df.segment, df.internet_service, normalize='index')
 */
const ref = {
  sizes: [211, 201, 200, 188],
  recency_days: {
    mean: [5.184834123222749, 5.786069651741293, 39.63, 94.87234042553192],
    median: [4, 6, 39, 93.5],
    q1: [3, 4, 31, 73],
    q3: [5, 7, 48, 112.25],
    overall: 35.02375,
  },
  frequency: {
    mean: [5.156398104265403, 28.139303482587064, 2.9, 9.037234042553191],
    median: [5, 28, 3, 9],
    q1: [4, 23, 2, 7],
    q3: [6, 34, 3, 11],
    overall: 11.27875,
  },
  tenure_days: {
    mean: [57.92890995260664, 906.9502487562189, 416.365, 654.1170212765958],
    median: [44, 919, 415, 660.5],
    q1: [34.5, 706, 320, 522.75],
    q3: [53.5, 1069, 505, 777.5],
    overall: 500.95875,
  },
  revenue: {
    mean: [194.23064039408868, 1713.5600507614215, 65.34364102564102, 416.08262569832397],
    median: [178.8, 1706.63, 64.13, 378.67],
    q1: [137.21499999999997, 1144.69, 40.325, 303.625],
    q3: [241.725, 2165.59, 79.52, 510.095],
    overall: 599.768669250646,
  },
  churned: [0.17535545023696683, 0.04477611940298507, 0.13, 0.48936170212765956],
  newsletter: [0.45023696682464454, 0.40298507462686567, 0.42, 0.3723404255319149],
  revenueShare: [0.08493546015103368, 0.7271781465269932, 0.02744815803767581, 0.16043823528429726],
  revenueSum: [39428.82, 337571.33, 12742.01, 74478.79],
  internet_service: {
    DSL: [0.3127962085308057, 0.208955223880597, 0.66, 0.5053191489361702],
    'Fiber optic': [0.4834123222748815, 0.6915422885572139, 0.075, 0.30319148936170215],
    No: [0.2037914691943128, 0.09950248756218906, 0.265, 0.19148936170212766],
  },
};

interface Profile {
  column: string;
  kind: string;
  mean: number;
  median: number;
  q1: number;
  q3: number;
  levels: { level: string; share: number; overallShare: number }[];
}
interface Rep {
  dataset: { profile: { source: string; columns: { name: string; kind: string; origin: string }[] } };
  segments: {
    segment: number;
    name: string;
    nameSource: string;
    size: number;
    profile: Profile[];
    kpis: { column: string; stat: string; value: number }[];
  }[];
  overall: Profile[];
  kpis: { column: string; stat: string; rate: boolean; overall: number }[];
}

function expectClose(actual: number[], expected: number[], tol = 1e-9): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i]!), `entry ${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol),
  );
}

const profileOf = (r: Rep, col: string) => r.segments.map((s) => s.profile.find((p) => p.column === col)!);

beforeAll(async () => {
  const cleaned = join(tmp.dir, 'clean.parquet');
  const c = await runCli([
    'clean', raw, '--id', 'customer_id', '--features', 'recency_days,frequency,revenue,tenure_days',
    '--log', 'revenue', '--impute', 'median', '--scale', 'zscore',
    '--encode', 'onehot', '--encode-cols', 'internet_service,contract', '-o', cleaned,
  ]); // prettier-ignore
  expect(c.code, c.stderr).toBe(0);
  const k = await runCli([
    'cluster', cleaned, '--id', 'customer_id', '--exclude', 'churned,newsletter', '--k', '4',
    '-o', seg, '--model', model,
  ]); // prettier-ignore
  expect(k.code, k.stderr).toBe(0);
}, 120_000);

describe('segment report in business units (built CLI)', () => {
  it('undoes the recorded scaling and folds one-hot columns back: means and shares equal pandas on the raw file', async () => {
    const out = join(tmp.dir, 'inverted.json');
    const r = await runCli(['report', seg, '--model', model, '--json', out]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(out, 'utf8')) as Rep;
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(rep.segments.map((s) => s.size)).toEqual(ref.sizes);
    expect(rep.dataset.profile.source).toBe('segments');
    expect(rep.dataset.profile.columns.map((c) => [c.name, c.origin])).toEqual([
      ['recency_days', 'inverted'],
      ['frequency', 'inverted'],
      ['revenue', 'inverted'],
      ['tenure_days', 'inverted'],
      ['internet_service', 'folded'],
      ['contract', 'folded'],
    ]);
    for (const col of ['recency_days', 'frequency', 'tenure_days'] as const) {
      const ps = profileOf(rep, col);
      expectClose(
        ps.map((p) => p.mean),
        ref[col].mean,
      );
      expectClose(
        ps.map((p) => p.median),
        ref[col].median,
      );
      expectClose(
        ps.map((p) => p.q1),
        ref[col].q1,
      );
      expectClose(
        ps.map((p) => p.q3),
        ref[col].q3,
      );
      expect(Math.abs(rep.overall.find((p) => p.column === col)!.mean - ref[col].overall)).toBeLessThan(1e-9);
    }
    const internet = profileOf(rep, 'internet_service');
    for (const [level, shares] of Object.entries(ref.internet_service)) {
      expectClose(
        internet.map((p) => p.levels.find((l) => l.level === level)!.share),
        shares,
      );
    }
    // Text output in people's units, no exponent anywhere.
    expect(r.stdout).toMatch(/recency_days/);
    expect(r.stdout).toMatch(/\d\sdays\s/);
    expect(r.stdout).not.toMatch(/e[-+]\d/);
  });

  it('profiles a raw table joined by id and computes KPIs equal to pandas', async () => {
    const out = join(tmp.dir, 'raw.json');
    const r = await runCli([
      'report', seg, '--profile-input', raw, '--id', 'customer_id',
      '--kpi', 'churned:mean,revenue:share', '--kpi', 'newsletter:mean,revenue:sum', '--units', 'revenue=€',
      '--json', out,
    ]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/not profiled: email \(more than 50 distinct values\)/);
    const rep = JSON.parse(readFileSync(out, 'utf8')) as Rep;
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(rep.dataset.profile.source).toBe('profile-input');
    expect(rep.dataset.profile.columns.map((c) => c.name)).toEqual([
      'recency_days',
      'frequency',
      'revenue',
      'tenure_days',
      'internet_service',
      'contract',
      'newsletter',
      'churned',
    ]);
    const revenue = profileOf(rep, 'revenue');
    expectClose(
      revenue.map((p) => p.mean),
      ref.revenue.mean,
    );
    expectClose(
      revenue.map((p) => p.median),
      ref.revenue.median,
    );
    expectClose(
      revenue.map((p) => p.q1),
      ref.revenue.q1,
    );
    expectClose(
      revenue.map((p) => p.q3),
      ref.revenue.q3,
    );
    const kpi = (column: string, stat: string) =>
      rep.segments.map((s) => s.kpis.find((k) => k.column === column && k.stat === stat)!.value);
    expectClose(kpi('churned', 'mean'), ref.churned);
    expectClose(kpi('newsletter', 'mean'), ref.newsletter);
    expectClose(kpi('revenue', 'share'), ref.revenueShare);
    expectClose(kpi('revenue', 'sum'), ref.revenueSum, 1e-6);
    expect(rep.kpis.map((k) => [k.column, k.stat, k.rate])).toEqual([
      ['churned', 'mean', true],
      ['revenue', 'share', false],
      ['newsletter', 'mean', true],
      ['revenue', 'sum', false],
    ]);
    expect(rep.kpis[0]!.overall).toBeCloseTo(0.205, 12);
    // Names: made from the profiles, distinct, in business words.
    const names = rep.segments.map((s) => s.name);
    expect(new Set(names).size).toBe(4);
    expect(rep.segments.every((s) => s.nameSource === 'auto')).toBe(true);
    expect(names[1]).toBe('Frequent big spenders');
    expect(names[3]).toMatch(/^Lapsed/);
    expect(r.stdout).toMatch(/€1,714/);
  });

  it("undoes the model's chain for a CSV segments file in the model's space, never for assign output in raw units", async () => {
    // cluster -o as CSV: no chain in the file, features z-scored: the model's chain is undone.
    const csv = join(tmp.dir, 'segments.csv');
    const k = await runCli(['ingest', seg, '-o', csv]);
    expect(k.code, k.stderr).toBe(0);
    const a = await runCli(['report', csv, '--model', model, '--json']);
    expect(a.code, a.stderr).toBe(0);
    const fromCsv = JSON.parse(a.stdout) as Rep;
    expect(fromCsv.dataset.profile.columns[0]).toMatchObject({ name: 'recency_days', origin: 'inverted' });
    expectClose(
      profileOf(fromCsv, 'recency_days').map((p) => p.mean),
      ref.recency_days.mean,
    );
    // assign on raw data: raw units; undoing the model's chain again would be wrong. (A model of numeric features
    // only, so that raw data has every column the model needs.)
    const numericClean = join(tmp.dir, 'numeric-clean.parquet');
    const numericModel = join(tmp.dir, 'numeric-model.json');
    const features = 'recency_days,frequency,tenure_days';
    for (const args of [
      ['clean', raw, '--id', 'customer_id', '--features', features, '--scale', 'zscore', '-o', numericClean],
      [
        'cluster',
        numericClean,
        '--id',
        'customer_id',
        '--features',
        features,
        '--k',
        '3',
        '--model',
        numericModel,
      ],
    ]) {
      const x = await runCli(args);
      expect(x.code, x.stderr).toBe(0);
    }
    const scored = join(tmp.dir, 'scored.csv');
    const s = await runCli(['assign', raw, '--model', numericModel, '-o', scored]);
    expect(s.code, s.stderr).toBe(0);
    const b = await runCli(['report', scored, '--model', numericModel, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/no cleaning chain and its features are not in the model's space/);
    const fromAssign = JSON.parse(b.stdout) as Rep;
    expect(fromAssign.dataset.profile.columns[0]).toMatchObject({ name: 'recency_days', origin: 'as-is' });
    const overall = fromAssign.overall.find((p) => p.column === 'recency_days')!.mean;
    expect(Math.abs(overall - ref.recency_days.overall)).toBeLessThan(1e-9);
  });

  it('runs as a pipeline step: examples/subscribers-report.yaml gives the same KPIs', async () => {
    const out = join(tmp.dir, 'run');
    const r = await runCli(['run', join(fixtures, '../examples/subscribers-report.yaml'), '--out-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Rep;
    expect(rep.dataset.profile.source).toBe('profile-input');
    expectClose(
      rep.segments.map((s) => s.kpis.find((k) => k.column === 'churned')!.value),
      ref.churned,
    );
    expectClose(
      rep.segments.map((s) => s.kpis.find((k) => k.stat === 'share')!.value),
      ref.revenueShare,
    );
  });

  it('refuses what it cannot join or compute, with one line and the right exit code', async () => {
    const noId = await runCli(['report', seg, '--profile-input', raw]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/--profile-input needs --id/);

    const partial = join(tmp.dir, 'partial.csv');
    const lines = readFileSync(raw, 'utf8').trimEnd().split('\n');
    writeFileSync(partial, lines.slice(0, 500).join('\n') + '\n');
    const missing = await runCli(['report', seg, '--profile-input', partial, '--id', 'customer_id']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/301 id\(s\) of the segments file are not in it \(e\.g\. S00500/);

    const twice = join(tmp.dir, 'twice.csv');
    writeFileSync(twice, [...lines, lines[7]!].join('\n') + '\n');
    const dup = await runCli(['report', seg, '--profile-input', twice, '--id', 'customer_id']);
    expect(dup.code).toBe(3);
    expect(dup.stderr).toMatch(/S00007/);

    const bad = await runCli(['report', seg, '--kpi', 'churned']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not COL:STAT/);
    const cat = await runCli([
      'report',
      seg,
      '--profile-input',
      raw,
      '--id',
      'customer_id',
      '--kpi',
      'contract:sum',
    ]);
    expect(cat.code).toBe(3);
    expect(cat.stderr).toMatch(/'contract' is categorical/);
    const unknown = await runCli(['report', seg, '--kpi', 'churned:mean']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no column 'churned' in the segments file.*--profile-input/);
    // One error line (after any warning about the features the report left out).
    for (const x of [noId, missing, dup, bad, cat, unknown])
      expect(
        x.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('warning:')),
      ).toHaveLength(1);
  });
});
