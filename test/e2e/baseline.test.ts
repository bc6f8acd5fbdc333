import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);

/** Rows of a CSV without quoted commas, as records of strings. */
function csvRows(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, j) => [cols[j]!, v])));
}

/** id → segment of a segments file. */
function segmentsById(path: string, id: string): Map<string, number> {
  return new Map(csvRows(readFileSync(path, 'utf8')).map((r) => [r[id]!, Number(r['segment'])]));
}

/** Write the data rows of `src` (header kept first) in a seeded random order; optionally add a row-number id. */
function shuffled(src: string, dest: string, seed: number, addId = false): string {
  const [head, ...rows] = readFileSync(src, 'utf8').trim().split('\n');
  const withId = addId ? rows.map((r, i) => `${i},${r}`) : rows;
  new Random(seed).shuffle(withId);
  writeFileSync(dest, [addId ? `id,${head}` : head, ...withId].join('\n') + '\n');
  return dest;
}

/**
 * For each segment of `now`, the segment most of its members had in `before` (by id), and that share.
 */
function majorities(before: Map<string, number>, now: Map<string, number>): Map<number, [number, number]> {
  const counts = new Map<number, Map<number, number>>();
  for (const [id, s] of now) {
    if (s < 0) continue;
    const b = before.get(id)!;
    const c = counts.get(s) ?? new Map<number, number>();
    c.set(b, (c.get(b) ?? 0) + 1);
    counts.set(s, c);
  }
  const out = new Map<number, [number, number]>();
  for (const [s, c] of counts) {
    const total = [...c.values()].reduce((x, y) => x + y, 0);
    const [top, n] = [...c.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0]!;
    out.set(s, [top, n / total]);
  }
  return out;
}

// Night 1: the blobs with a row-number id, in file order. Later nights: the same customers, reshuffled.
const night1 = shuffled(join(fixtures, 'blobs.csv'), at('night1.csv'), 1, true);
const common = ['--id', 'id', '--exclude', 'label'];

describe('segment cluster --baseline (built CLI)', () => {
  it('keeps segment numbers across nights: reshuffled rows, k + 1, k − 1 and a lineage of retired numbers', async () => {
    const r1 = await runCli([
      'cluster',
      night1,
      ...common,
      '--k',
      '4',
      '-o',
      at('s1.csv'),
      '--model',
      at('m1.json'),
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    const s1 = segmentsById(at('s1.csv'), 'id');

    // Night 2, same k, rows in another order: every row keeps its segment number.
    const night2 = shuffled(night1, at('night2.csv'), 2);
    const r2 = await runCli([
      'cluster',
      night2,
      ...common,
      '--k',
      '4',
      '--baseline',
      at('m1.json'),
      '-o',
      at('s2.csv'),
      '--model',
      at('m2.json'),
      '--json',
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    const j2 = JSON.parse(r2.stdout);
    expect(j2.identity.method).toBe('members');
    expect(j2.identity.fallback).toBeNull();
    expect(j2.identity.baseline).toBe(JSON.parse(readFileSync(at('m1.json'), 'utf8')).hash);
    expect(j2.identity.new).toEqual([]);
    expect(j2.identity.vanished).toEqual([]);
    expect(r2.stderr).not.toMatch(/warning/);
    const s2 = segmentsById(at('s2.csv'), 'id');
    for (const [id, s] of s1) expect(s2.get(id), id).toBe(s);

    // Night 3, k = 5: the four old segments keep their numbers (by their members' majority), one new segment gets 4.
    const r3 = await runCli([
      'cluster',
      night2,
      ...common,
      '--k',
      '5',
      '--baseline',
      at('m2.json'),
      '-o',
      at('s3.csv'),
      '--model',
      at('m3.json'),
      '--json',
    ]);
    expect(r3.code, r3.stderr).toBe(0);
    const j3 = JSON.parse(r3.stdout);
    expect(j3.identity.new).toHaveLength(1);
    expect(j3.identity.new[0].segment).toBe(4);
    expect(j3.identity.matched.map((m: { segment: number }) => m.segment)).toEqual([0, 1, 2, 3]);
    expect(r3.stderr).toMatch(/warning: new segment\(s\), not in the baseline: 4 \(/);
    const s3 = segmentsById(at('s3.csv'), 'id');
    const maj3 = majorities(s1, s3);
    for (const s of [0, 1, 2, 3]) {
      expect(maj3.get(s)![0], `segment ${s}`).toBe(s);
      expect(maj3.get(s)![1]).toBeGreaterThan(0.5);
    }
    const m3 = JSON.parse(readFileSync(at('m3.json'), 'utf8'));
    expect(m3.identity.new.map((s: { segment: number }) => s.segment)).toEqual([4]);
    expect(m3.segments.map((s: { segment: number }) => s.segment)).toEqual([0, 1, 2, 3, 4]);
    // the summary's sizes follow the model's segments
    expect(j3.sizes).toEqual(m3.segments.map((s: { size: number }) => s.size));

    // assign with the new model gives the -o labels back, and report reads the model
    const a3 = await runCli(['assign', night2, '--model', at('m3.json'), '-o', at('a3.csv')]);
    expect(a3.code, a3.stderr).toBe(0);
    expect(segmentsById(at('a3.csv'), 'id')).toEqual(s3);

    // Night 4, k = 3 from the k = 5 model: two segments vanish and retire, and the numbers are no longer contiguous.
    const r4 = await runCli([
      'cluster',
      night2,
      ...common,
      '--k',
      '3',
      '--baseline',
      at('m3.json'),
      '-o',
      at('s4.csv'),
      '--model',
      at('m4.json'),
      '--json',
    ]);
    expect(r4.code, r4.stderr).toBe(0);
    const j4 = JSON.parse(r4.stdout);
    expect(j4.identity.vanished).toHaveLength(2);
    expect(r4.stderr).toMatch(/warning: baseline segment\(s\) with no partner \(vanished\): /);
    const m4 = JSON.parse(readFileSync(at('m4.json'), 'utf8'));
    const kept = m4.segments.map((s: { segment: number }) => s.segment) as number[];
    expect(kept).toHaveLength(3);
    expect(m4.identity.retired).toEqual([0, 1, 2, 3, 4].filter((n) => !kept.includes(n)));
    const a4 = await runCli(['assign', night2, '--model', at('m4.json'), '-o', at('a4.csv')]);
    expect(a4.code, a4.stderr).toBe(0);
    expect(segmentsById(at('a4.csv'), 'id')).toEqual(segmentsById(at('s4.csv'), 'id'));
    const rep = await runCli(['report', at('s4.csv'), '--model', at('m4.json'), '--id', 'id', '--json']);
    expect(rep.code, rep.stderr).toBe(0);
    const report = JSON.parse(rep.stdout);
    expect(report.segments.map((s: { segment: number }) => s.segment)).toEqual(kept);
    expect(report.segments.map((s: { size: number }) => s.size)).toEqual(
      m4.segments.map((s: { size: number }) => s.size),
    );
    // The model's names (made from the profiles, kept along the lineage) are the report's.
    expect(report.segments.map((s: { name: string }) => s.name)).toEqual(
      m4.segments.map((s: { name: string }) => s.name),
    );

    // Night 5, k = 5 again from the k = 3 model: the new segments get numbers above every number ever used (4).
    const r5 = await runCli([
      'cluster',
      night2,
      ...common,
      '--k',
      '5',
      '--baseline',
      at('m4.json'),
      '--model',
      at('m5.json'),
      '--json',
    ]);
    expect(r5.code, r5.stderr).toBe(0);
    const j5 = JSON.parse(r5.stdout);
    expect(j5.identity.new.map((s: { segment: number }) => s.segment)).toEqual([5, 6]);
    expect(j5.identity.new[0].size).toBeGreaterThanOrEqual(j5.identity.new[1].size);
    expect(j5.identity.retired).toEqual(m4.identity.retired);
  });

  it('members through --baseline-input when the chains differ; auto falls back to centroids without it', async () => {
    const raw1 = join(fixtures, 'customers.csv');
    const cleanFlags = ['--id', 'customer_id', '--impute', 'median', '--scale', 'zscore'];
    expect((await runCli(['clean', raw1, ...cleanFlags, '-o', at('c1.parquet')])).code).toBe(0);
    const r1 = await runCli([
      'cluster',
      at('c1.parquet'),
      '--id',
      'customer_id',
      '--k',
      '3',
      '-o',
      at('k1.csv'),
      '--model',
      at('km1.json'),
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    // Night 2: the same customers reshuffled and cleaned again (a new fitted chain), 4 segments.
    const raw2 = shuffled(raw1, at('customers2.csv'), 7);
    expect((await runCli(['clean', raw2, ...cleanFlags, '-o', at('c2.parquet')])).code).toBe(0);
    const night2 = [
      'cluster',
      at('c2.parquet'),
      '--id',
      'customer_id',
      '--k',
      '4',
      '--baseline',
      at('km1.json'),
    ];
    const r2 = await runCli([...night2, '--baseline-input', raw2, '-o', at('k2.csv'), '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    const j2 = JSON.parse(r2.stdout);
    expect(j2.identity.method).toBe('members');
    expect(j2.identity.matched).toHaveLength(3);
    expect(j2.identity.new).toHaveLength(1);
    expect(j2.identity.new[0].segment).toBe(3);
    const before = segmentsById(at('k1.csv'), 'customer_id');
    const maj = majorities(before, segmentsById(at('k2.csv'), 'customer_id'));
    for (const m of j2.identity.matched as { segment: number }[])
      expect(maj.get(m.segment)![0]).toBe(m.segment);

    // --sample with --baseline-input: both files keep the same rows (the ones --sample alone would keep)
    const sampled = await runCli([
      ...night2,
      '--baseline-input',
      raw2,
      '--sample',
      '200',
      '-o',
      at('k2s.csv'),
    ]);
    expect(sampled.code, sampled.stderr).toBe(0);
    const plain = await runCli([
      'cluster',
      at('c2.parquet'),
      '--id',
      'customer_id',
      '--k',
      '4',
      '--sample',
      '200',
      '-o',
      at('k2p.csv'),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const ids = (p: string) => [...segmentsById(p, 'customer_id').keys()];
    expect(ids(at('k2s.csv'))).toEqual(ids(at('k2p.csv')));
    const majS = majorities(before, segmentsById(at('k2s.csv'), 'customer_id'));
    for (const [s, [top]] of majS) if (s <= 2) expect(top).toBe(s);

    // without --baseline-input the input cannot be scored by the baseline: centroids, said in JSON and on stderr
    const r3 = await runCli([...night2, '--json']);
    expect(r3.code, r3.stderr).toBe(0);
    const j3 = JSON.parse(r3.stdout);
    expect(j3.identity.method).toBe('centroids');
    expect(j3.identity.fallback).toMatch(/not prepared by the baseline's fitted chain/);
    expect(r3.stderr).toMatch(/warning: baseline: .*matched by centroids/);
    expect(j3.identity.matched[0].distance).toEqual(expect.any(Number));
    // ... and an explicit --match members is a usage error
    const r4 = await runCli([...night2, '--match', 'members', '-o', at('never.csv')]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/--match members cannot score the rows with the baseline.*--baseline-input/);
    expect(existsSync(at('never.csv'))).toBe(false);
  });

  it('refuses a bad baseline or impossible matching with one line and no output', async () => {
    const m1 = at('bad-base.json');
    expect((await runCli(['cluster', night1, ...common, '--k', '3', '--model', m1])).code).toBe(0);
    const good = JSON.parse(readFileSync(m1, 'utf8'));
    const tampered = at('tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...good, nRows: 1 }) + '\n');
    const newer = at('newer.json');
    writeFileSync(newer, JSON.stringify({ ...good, version: 99 }) + '\n');
    const notModel = at('not-model.json');
    writeFileSync(notModel, '{"hello": 1}\n');
    const short = at('short.csv');
    writeFileSync(short, readFileSync(night1, 'utf8').split('\n').slice(0, 51).join('\n') + '\n');
    // the same rows under other column names: the baseline cannot score them, so --baseline-input is read
    const renamed = at('renamed.csv');
    const [head, ...body] = readFileSync(night1, 'utf8').trim().split('\n');
    const dropLast = (line: string) => line.slice(0, line.lastIndexOf(','));
    writeFileSync(
      renamed,
      [dropLast(head!).replace(/x(\d)/g, 'f$1'), ...body.map(dropLast)].join('\n') + '\n',
    );
    // pairing by id needs unique ids on both sides: one row repeated in <data>, or in --baseline-input
    const renamedDup = at('renamed-dup.csv');
    const renamedLines = readFileSync(renamed, 'utf8').trim().split('\n');
    writeFileSync(renamedDup, [...renamedLines, renamedLines[5]!].join('\n') + '\n');
    const shortDup = at('short-dup.csv');
    const shortLines = readFileSync(short, 'utf8').trim().split('\n');
    writeFileSync(shortDup, [...shortLines, shortLines[7]!].join('\n') + '\n');
    const base = ['cluster', night1, ...common, '--k', '3'];
    const cases: [string[], number, RegExp][] = [
      [
        ['cluster', renamedDup, '--id', 'id', '--k', '3', '--baseline', m1, '--baseline-input', night1],
        3,
        /renamed-dup\.csv: id column 'id' has 1 id\(s\) on more than one row \(2 rows\): '\d+' \(rows 5, 601\); its rows are paired with .*night1\.csv by id/,
      ],
      [
        ['cluster', renamed, '--id', 'id', '--k', '3', '--baseline', m1, '--baseline-input', shortDup],
        3,
        /short-dup\.csv: id column 'id' has 1 id\(s\) on more than one row \(2 rows\): '\d+' \(rows 7, 51\)/,
      ],
      [[...base, '--baseline', at('nope.json')], 3, /nope\.json: model file not found/],
      [[...base, '--baseline', notModel], 3, /not a segment model/],
      [[...base, '--baseline', newer], 3, /model version 99 is newer/],
      [[...base, '--baseline', tampered], 3, /content hash does not match/],
      [
        [
          'cluster',
          night1,
          '--id',
          'id',
          '--features',
          'x0,x1',
          '--k',
          '3',
          '--baseline',
          m1,
          '--match',
          'centroids',
        ],
        3,
        /features \(x0, x1, x2, x3\) differ from this fit's \(x0, x1\)/,
      ],
      [
        ['cluster', renamed, '--id', 'id', '--k', '3', '--baseline', m1, '--baseline-input', short],
        3,
        /short\.csv: only \d+ of 600 rows pair with .*renamed\.csv by id.*must hold the rows <data> was made from/,
      ],
      [[...base, '--match', 'centroids'], 2, /--match needs --baseline/],
      [[...base, '--baseline-input', short], 2, /--baseline-input needs --baseline/],
      [[...base, '--baseline', m1, '--match-min-jaccard', '1.5'], 2, /--match-min-jaccard/],
      [[...base, '--baseline', m1, '--match', 'nearest'], 2, /--match/],
    ];
    for (const [args, code, re] of cases) {
      const out = at('never.parquet');
      const model = at('never.json');
      const r = await runCli([...args, '-o', out, '--model', model]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(model)).toBe(false);
    }
  });

  it('changes nothing without --baseline, and a baseline of itself changes no label', async () => {
    const a = await runCli([
      'cluster',
      night1,
      ...common,
      '--k',
      '4',
      '-o',
      at('p.csv'),
      '--model',
      at('p.json'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli([
      'cluster',
      night1,
      ...common,
      '--k',
      '4',
      '--baseline',
      at('p.json'),
      '-o',
      at('q.csv'),
      '--model',
      at('q.json'),
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(at('q.csv'), 'utf8')).toBe(readFileSync(at('p.csv'), 'utf8'));
    const p = JSON.parse(readFileSync(at('p.json'), 'utf8'));
    const q = JSON.parse(readFileSync(at('q.json'), 'utf8'));
    expect(p.identity).toBeUndefined();
    expect(q.identity.matched.map((m: { jaccard: number }) => m.jaccard)).toEqual([1, 1, 1, 1]);
    const strip = (m: Record<string, unknown>) =>
      JSON.stringify({ ...m, identity: undefined, hash: undefined });
    expect(strip(q)).toBe(strip(p));
  });
});
