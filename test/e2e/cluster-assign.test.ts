import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('segment names: cluster --names, assign --segment-name and --per-segment (built CLI)', () => {
  // The planted blobs with an id and an email; some emails look like spreadsheet formulas.
  const formulas = ['=HYPERLINK("http://x.test","click")', '+1-555-0100', '-2+3', '@SUM(A1:A9)'];
  const people = join(tmp.dir, 'people.csv');
  {
    const [, ...rows] = readFileSync(separated, 'utf8').trim().split('\n');
    const lines = ['cid,email,x,y,z'];
    rows.forEach((r, i) => {
      const email = i < formulas.length ? `"${formulas[i]!.replaceAll('"', '""')}"` : `u${i}@example.com`;
      lines.push(`c${i},${email},${r.split(',').slice(0, 3).join(',')}`);
    });
    writeFileSync(people, lines.join('\n') + '\n');
  }
  const names = join(tmp.dir, 'names.yaml');
  writeFileSync(
    names,
    [
      '0: Recent big spenders',
      '1: {name: "At risk: lapsed", description: "bought often, not lately"}',
      "3: Kids' clothes",
    ].join('\n') + '\n',
  );
  const model = join(tmp.dir, 'named.json');
  const fit = join(tmp.dir, 'named-seg.csv');
  const expected: Record<string, string> = {
    '0': 'Recent big spenders',
    '1': 'At risk: lapsed',
    // Not in the names file: named from its profile by cluster.
    '2': 'High z · low x',
    '3': "Kids' clothes",
  };

  function rowsOf(text: string): Record<string, string>[] {
    const [head, ...rows] = text.trim().split('\n');
    const cols = head!.split(',');
    return rows.map((r) => {
      // The only quoted cells here are whole cells without commas inside but doubled quotes.
      const cells = r.match(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
      return Object.fromEntries(
        cols.map((c, j) => [c, (cells[j] ?? '').replace(/^"(.*)"$/, '$1').replaceAll('""', '"')]),
      );
    });
  }

  beforeAll(async () => {
    const r = await runCli([
      'cluster',
      people,
      '--id',
      'cid',
      '--k',
      '4',
      '--names',
      names,
      '--model',
      model,
      '-o',
      fit,
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('cluster stores the names; assign --segment-name adds them row by row', async () => {
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m.segments.map((s: { name?: string; description?: string }) => [s.name, s.description])).toEqual([
      ['Recent big spenders', undefined],
      ['At risk: lapsed', 'bought often, not lately'],
      ['High z · low x', undefined],
      ["Kids' clothes", undefined],
    ]);
    const a = await runCli(['assign', people, '--model', model, '--segment-name', '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    const rows = rowsOf(a.stdout);
    expect(rows).toHaveLength(400);
    for (const r of rows) expect(r['segment_name'], r['cid']).toBe(expected[r['segment']!]);
    expect(rowsOf(readFileSync(fit, 'utf8')).map((r) => r['segment'])).toEqual(rows.map((r) => r['segment']));
    // Without the flag the output is as before.
    const plain = await runCli(['assign', people, '--model', model, '-o', '-']);
    expect(plain.stdout.split('\n')[0]).toBe('cid,email,x,y,z,segment');
  });

  it('--per-segment writes one CSV per segment for a CRM, formulas neutralised', async () => {
    const out = join(tmp.dir, 'audiences');
    const scored = join(tmp.dir, 'scored.parquet');
    const a = await runCli([
      'assign',
      people,
      '--model',
      model,
      '--per-segment',
      out,
      '--pass-through',
      'email',
      '-o',
      scored,
      '--json',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(existsSync(scored)).toBe(true);
    const files = [
      '0-recent-big-spenders.csv',
      '1-at-risk-lapsed.csv',
      '2-high-z-low-x.csv',
      '3-kids-clothes.csv',
    ];
    expect(readdirSync(out).sort()).toEqual(files);
    const json = JSON.parse(a.stdout);
    expect(json.perSegment.files.map((f: { file: string }) => f.file)).toEqual(files);
    const byId = new Map<string, Record<string, string>>();
    for (const [k, f] of files.entries()) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text.split('\n')[0]).toBe('cid,segment,segment_name,email');
      const rows = rowsOf(text);
      expect(rows.length).toBe(json.sizes[k]);
      for (const r of rows) {
        expect(r['segment']).toBe(String(k));
        expect(r['segment_name']).toBe(expected[String(k)]);
        byId.set(r['cid']!, r);
      }
    }
    expect(byId.size).toBe(400);
    // Cells a spreadsheet would run get a leading apostrophe, as the CSV writer does everywhere.
    formulas.forEach((f, i) => expect(byId.get(`c${i}`)!['email']).toBe(`'${f}`));
    expect(byId.get('c10')!['email']).toBe('u10@example.com');
    // The same segments as assign -o.
    const all = rowsOf((await runCli(['assign', people, '--model', model, '-o', '-'])).stdout);
    for (const r of all) expect(byId.get(r['cid']!)!['segment']).toBe(r['segment']);

    // Without -o, and with the model's id (no --id): the files alone.
    // A file of an earlier model left in the folder is kept, and named in a warning.
    const again = join(tmp.dir, 'again');
    mkdirSync(again);
    writeFileSync(join(again, '7-gone.csv'), 'cid\n');
    const b = await runCli(['assign', people, '--model', model, '--per-segment', again]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/again: 7-gone\.csv is not from this model's segments/);
    expect(readdirSync(again).sort()).toEqual([...files, '7-gone.csv']);
    expect(readFileSync(join(again, files[0]!), 'utf8').split('\n')[0]).toBe('cid,segment,segment_name');
  });

  it('DBSCAN noise goes to noise.csv', async () => {
    const m = join(tmp.dir, 'noisy.json');
    const r = await runCli([
      'cluster',
      people,
      '--id',
      'cid',
      '--algo',
      'dbscan',
      '--eps',
      '1',
      '--min-samples',
      '8',
      '--model',
      m,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const noise = JSON.parse(r.stdout).noise as number;
    expect(noise).toBeGreaterThan(0);
    const out = join(tmp.dir, 'noisy');
    const a = await runCli(['assign', people, '--model', m, '--per-segment', out]);
    expect(a.code, a.stderr).toBe(0);
    expect(readdirSync(out)).toContain('noise.csv');
    const rows = rowsOf(readFileSync(join(out, 'noise.csv'), 'utf8'));
    expect(rows.length).toBe(noise);
    expect(new Set(rows.map((x) => `${x['segment']} ${x['segment_name']}`))).toEqual(new Set(['-1 Noise']));
  });

  it("a fit numbered like its baseline keeps the baseline's names", async () => {
    const next = join(tmp.dir, 'next.json');
    const r = await runCli([
      'cluster',
      people,
      '--id',
      'cid',
      '--k',
      '4',
      '--seed',
      '7',
      '--baseline',
      model,
      '--model',
      next,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kept the baseline's names of 4 segment\(s\)/);
    const segs = JSON.parse(readFileSync(next, 'utf8')).segments as { segment: number; name?: string }[];
    expect(Object.fromEntries(segs.map((s) => [s.segment, s.name ?? null]))).toEqual({
      0: 'Recent big spenders',
      1: 'At risk: lapsed',
      2: 'High z · low x',
      3: "Kids' clothes",
    });
  });

  it('refuses unknown segments, missing columns, no id, and an output folder that is an input', async () => {
    const bad = join(tmp.dir, 'bad-names.yaml');
    writeFileSync(bad, '0: Champions\n7: Ghosts\n');
    const noId = join(tmp.dir, 'no-id.json');
    expect((await runCli(['cluster', people, '--features', 'x,y,z', '--k', '2', '--model', noId])).code).toBe(
      0,
    );
    const labelled = join(tmp.dir, 'labelled.csv');
    writeFileSync(labelled, readFileSync(people, 'utf8').replace('cid,', 'segment_name,'));
    const never = join(tmp.dir, 'never');
    const cases: [string[], number, RegExp, string][] = [
      [
        [
          'cluster',
          people,
          '--id',
          'cid',
          '--features',
          'x,y,z',
          '--k',
          '4',
          '--names',
          bad,
          '--model',
          join(tmp.dir, 'x.json'),
        ],
        3,
        /bad-names\.yaml: names segment 7, which is not a segment of the model/,
        join(tmp.dir, 'x.json'),
      ],
      [
        ['assign', people, '--model', model, '--per-segment', never, '--pass-through', 'email,phone'],
        3,
        /--pass-through column 'phone' not found/,
        never,
      ],
      [
        ['assign', people, '--model', noId, '--per-segment', never],
        2,
        /--per-segment needs an id column/,
        never,
      ],
      [['assign', people, '--model', model, '--per-segment', people], 2, /names the input/, never],
      [
        [
          'assign',
          labelled,
          '--model',
          model,
          '--id',
          'segment_name',
          '--segment-name',
          '-o',
          join(tmp.dir, 'never.csv'),
        ],
        3,
        /already has a column 'segment_name'/,
        join(tmp.dir, 'never.csv'),
      ],
      [
        ['assign', people, '--model', model, '--pass-through', 'email', '--json'],
        2,
        /add --per-segment/,
        never,
      ],
    ];
    for (const [args, code, re, out] of cases) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(existsSync(out), out).toBe(false);
    }
    expect(existsSync(people)).toBe(true);
  });
});
