import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { writeSeparatedBlobs } from '../helpers/data.js';
import { ari } from '../helpers/ari.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const blobs = join(fixtures, 'blobs.csv');
const separated = writeSeparatedBlobs(join(tmp.dir, 'separated.csv'));

function csvColumn(text: string, name: string): number[] {
  const [head, ...rows] = text.trim().split('\n');
  const j = head!.split(',').indexOf(name);
  return rows.map((r) => Number(r.split(',')[j]));
}

describe('segment cluster / assign (built CLI)', () => {
  for (const [algo, extra] of [
    ['kmeans', ['--k', '4']],
    ['dbscan', ['--eps', '2', '--min-samples', '5']],
    ['hierarchical', ['--k', '4', '--linkage', 'ward']],
  ] as const) {
    it(`${algo}: recovers the planted blobs, and assign reproduces the labels`, async () => {
      const seg = join(tmp.dir, `${algo}.csv`);
      const model = join(tmp.dir, `${algo}.json`);
      const r = await runCli([
        'cluster',
        separated,
        '--algo',
        algo,
        ...extra,
        '--exclude',
        'label',
        '-o',
        seg,
        '--model',
        model,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.algorithm).toBe(algo);
      expect(summary.nSegments).toBe(4);
      const text = readFileSync(seg, 'utf8');
      const labels = csvColumn(text, 'segment');
      expect(ari(labels, csvColumn(readFileSync(separated, 'utf8'), 'label'))).toBeGreaterThan(0.95);
      // canonical numbering: segment 0 is the largest
      const sizes = summary.sizes as number[];
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]!);
      const a = await runCli(['assign', separated, '--model', model, '-o', '-']);
      expect(a.code, a.stderr).toBe(0);
      expect(csvColumn(a.stdout, 'segment')).toEqual(labels);
    });
  }

  it('assign reproduces the fit where the rule alone would not (exceptions), and eps auto / min-size / thresholds work', async () => {
    const runs: string[][] = [
      ['--algo', 'dbscan', '--eps', '1', '--min-samples', '5'],
      ['--algo', 'dbscan', '--eps', 'auto', '--min-samples', '8', '--distance', 'manhattan'],
      ['--algo', 'hierarchical', '--linkage', 'single', '--k', '6'],
      [
        '--algo',
        'hierarchical',
        '--linkage',
        'average',
        '--distance',
        'cosine',
        '--distance-threshold',
        '0.05',
      ],
      [
        '--algo',
        'hierarchical',
        '--linkage',
        'complete',
        '--distance',
        'manhattan',
        '--k',
        '5',
        '--min-size',
        '40',
      ],
      ['--algo', 'kmeans', '--k', '8', '--min-size', '60'],
    ];
    for (const extra of runs) {
      const seg = join(tmp.dir, 'ex.csv');
      const model = join(tmp.dir, 'ex.json');
      const r = await runCli([
        'cluster',
        blobs,
        ...extra,
        '--exclude',
        'label',
        '-o',
        seg,
        '--model',
        model,
        '--json',
      ]);
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).toBe(0);
      const summary = JSON.parse(r.stdout);
      const labels = csvColumn(readFileSync(seg, 'utf8'), 'segment');
      if (extra.includes('--min-size')) {
        for (const size of summary.sizes as number[])
          expect(size, extra.join(' ')).toBeGreaterThanOrEqual(Number(extra.at(-1)));
      }
      if (extra.includes('auto')) expect(summary.eps).toBeGreaterThan(0);
      const a = await runCli(['assign', blobs, '--model', model, '-o', '-']);
      expect(a.code, a.stderr).toBe(0);
      expect(csvColumn(a.stdout, 'segment'), extra.join(' ')).toEqual(labels);
    }
  });

  it("assign replays the clean chain on raw input, so raw rows get the fit's segments", async () => {
    const raw = join(fixtures, 'customers.csv');
    const clean = join(tmp.dir, 'clean.parquet');
    const cleanModel = join(tmp.dir, 'clean.json');
    const c = await runCli([
      'clean',
      raw,
      '--id',
      'customer_id',
      '--impute',
      'median',
      '--scale',
      'zscore',
      '-o',
      clean,
      '--model',
      cleanModel,
    ]);
    expect(c.code, c.stderr).toBe(0);
    const seg = join(tmp.dir, 'chain-seg.csv');
    const model = join(tmp.dir, 'chain-model.json');
    const k = await runCli([
      'cluster',
      clean,
      '--id',
      'customer_id',
      '--k',
      '3',
      '-o',
      seg,
      '--model',
      model,
    ]);
    expect(k.code, k.stderr).toBe(0);
    expect(JSON.parse(readFileSync(model, 'utf8')).chain.map((e: { stage: string }) => e.stage)).toEqual([
      'clean',
    ]);
    const fitted = csvColumn(readFileSync(seg, 'utf8'), 'segment');
    // raw CSV: the chain is replayed (median imputation and z-scores of the training data), every row scored
    const a = await runCli(['assign', raw, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(csvColumn(a.stdout, 'segment')).toEqual(fitted);
    // the cleaned file carries the chain in its metadata: scored as it is
    const b = await runCli(['assign', clean, '--model', model, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).replayed).toEqual([]);
    // forcing 'prepared' on raw data meets the missing values the chain would have imputed
    const p = await runCli(['assign', raw, '--model', model, '--input', 'prepared', '-o', '-']);
    expect(p.code).toBe(3);
    expect(p.stderr).toMatch(/missing value.*segment clean --impute/);
  });

  it('is byte-identical for --threads 1 and 2', async () => {
    const outs: Buffer[] = [];
    for (const t of ['1', '2']) {
      const p = join(tmp.dir, `t${t}.parquet`);
      const m = join(tmp.dir, `t${t}.json`);
      const r = await runCli([
        '--threads',
        t,
        'cluster',
        blobs,
        '--k',
        '4',
        '--exclude',
        'label',
        '-o',
        p,
        '--model',
        m,
      ]);
      expect(r.code, r.stderr).toBe(0);
      outs.push(readFileSync(p), readFileSync(m));
    }
    expect(outs[0]!.equals(outs[2]!)).toBe(true);
    expect(outs[1]!.equals(outs[3]!)).toBe(true);
  });

  it('refuses impossible requests with one line and no output', async () => {
    const small = join(tmp.dir, 'small.csv');
    writeFileSync(small, 'x,y\n1,2\n3,4\n5,6\n');
    const withNaN = join(tmp.dir, 'nan.csv');
    writeFileSync(withNaN, 'x,y\n1,2\n3,\n5,6\n');
    const text = join(tmp.dir, 'text.csv');
    writeFileSync(text, 'x,y\n1,a\n2,b\n3,a\n4,b\n');
    const cases: [string[], number, RegExp][] = [
      [['cluster', small, '--k', '9'], 3, /k = 9 exceeds the 3 rows/],
      [['cluster', small, '--k', '0'], 2, /--k/],
      [['cluster', small, '--algo', 'dbscan', '--eps', '-1'], 2, /--eps/],
      [['cluster', small, '--algo', 'dbscan', '--min-samples', '0'], 2, /--min-samples/],
      [['cluster', small, '--algo', 'spectral'], 2, /spectral/],
      [['cluster', small, '--algo', 'hierarchical', '--k', '2', '--linkage', 'median'], 2, /median/],
      [
        ['cluster', small, '--algo', 'hierarchical', '--k', '2', '--distance', 'manhattan'],
        2,
        /ward linkage needs --distance euclidean/,
      ],
      [['cluster', small, '--features', 'x,zzz', '--k', '2'], 3, /column 'zzz' not found/],
      [['cluster', text, '--features', 'y', '--k', '2'], 3, /'y' is categorical, not numeric/],
      [['cluster', withNaN, '--k', '2'], 3, /column 'y' has 1 missing value.*segment clean --impute/],
    ];
    for (const [args, code, re] of cases) {
      const out = join(tmp.dir, 'never.parquet');
      const r = await runCli([...args, '-o', out]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('assign refuses a missing model, a wrong file and data without the model columns', async () => {
    const model = join(tmp.dir, 'm.json');
    expect((await runCli(['cluster', blobs, '--k', '3', '--exclude', 'label', '--model', model])).code).toBe(
      0,
    );
    const other = join(tmp.dir, 'other.csv');
    writeFileSync(other, 'a,b\n1,2\n');
    const notModel = join(tmp.dir, 'not-model.json');
    writeFileSync(notModel, '{"hello": 1}');
    const cases: [string[], number, RegExp][] = [
      [['assign', blobs, '--model', join(tmp.dir, 'nope.json'), '-o', '-'], 3, /model file not found/],
      [['assign', blobs, '--model', notModel, '-o', '-'], 3, /not a segment model/],
      [
        ['assign', other, '--model', model, '-o', '-'],
        3,
        /missing column\(s\) the model needs: x0, x1, x2, x3/,
      ],
      [['assign', blobs, '-o', '-'], 2, /needs --model/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(re);
      expect(r.stdout).toBe('');
    }
  });
});
