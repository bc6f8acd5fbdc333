import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const blobs = join(fixtures, 'blobs.csv');

describe('segment report (built CLI)', () => {
  it('profiles a segments file; its indices equal those tune gives the same k-means fit', async () => {
    const seg = join(tmp.dir, 'seg.parquet');
    const model = join(tmp.dir, 'model.json');
    const c = await runCli(['cluster', blobs, '--k', '4', '--exclude', 'label', '-o', seg, '--model', model]);
    expect(c.code, c.stderr).toBe(0);
    const out = join(tmp.dir, 'report.json');
    const r = await runCli(['report', seg, '--model', model, '--json', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^segment\s+size\s+share %/);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(rep.nRows).toBe(600);
    expect(rep.nSegments).toBe(4);
    expect(rep.segments.map((s: { size: number }) => s.size)).toEqual(
      [...rep.segments.map((s: { size: number }) => s.size)].sort((a, b) => b - a),
    );
    const t = await runCli(['tune', blobs, '--k', '4', '--exclude', 'label', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const cand = JSON.parse(t.stdout).candidates[0];
    expect(rep.indices.silhouette).toBeCloseTo(cand.scores.silhouette, 12);
    expect(rep.indices.daviesBouldin).toBeCloseTo(cand.scores.daviesBouldin, 12);
    expect(rep.indices.calinskiHarabasz).toBeCloseTo(cand.scores.calinskiHarabasz, 9);
    expect(rep.indices.dunn).toBeCloseTo(cand.scores.dunn, 12);
    expect(rep.indices.inertia).toBeCloseTo(cand.scores.inertia, 6);
  });

  it('leaves noise out of the indices and says so; a single segment gives notes, not NaN', async () => {
    const p = join(tmp.dir, 'noise.csv');
    writeFileSync(p, 'x,y,segment\n0,0,0\n0,1,0\n10,10,1\n10,11,1\n50,50,-1\n');
    const r = await runCli(['report', p, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.noise).toBe(1);
    expect(rep.notes.join(' ')).toMatch(/1 noise row/);
    expect(rep.indices.silhouette).toBeGreaterThan(0.9);
    const one = join(tmp.dir, 'one.csv');
    writeFileSync(one, 'x,y,segment\n0,0,0\n0,1,0\n1,1,0\n');
    const r1 = await runCli(['report', one, '--json']);
    expect(r1.code, r1.stderr).toBe(0);
    const rep1 = JSON.parse(r1.stdout);
    expect(rep1.indices.silhouette).toBeNull();
    expect(rep1.notes[0]).toMatch(/need 2 to n−1 segments/);
  });

  it('refuses files without usable labels with one line and exit 3', async () => {
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, 'x,segment\n1,0\n2,1.5\n3,1\n');
    const cases: [string[], RegExp][] = [
      [['report', blobs], /no column 'segment'/],
      [['report', bad], /row 2 of 'segment' is 1\.5/],
      [['report', blobs, '--segment-col', 'x0'], /row 1 of 'x0'/],
    ];
    for (const [args, re] of cases) {
      const out = join(tmp.dir, 'never.json');
      const r = await runCli([...args, '--json', out]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
  });
});
