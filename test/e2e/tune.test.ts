import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { writeSeparatedBlobs } from '../helpers/data.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const fixtureBlobs = join(fixtures, 'blobs.csv');

const blobs = writeSeparatedBlobs(join(tmp.dir, 'blobs4.csv'));

/** The JSON result without wall-clock fields, for byte comparisons. */
function stable(text: string): string {
  return JSON.stringify(JSON.parse(text), (k, v: unknown) => (k === 'seconds' ? undefined : v));
}

describe('segment tune (built CLI)', () => {
  it('k-means: finds the 4 planted blobs by silhouette, with the elbow, a table, -o and --plot', async () => {
    const out = join(tmp.dir, 'tune.json');
    const plots = join(tmp.dir, 'plots');
    const r = await runCli([
      'tune',
      blobs,
      '--algo',
      'kmeans',
      '--k',
      '2..8',
      '--exclude',
      'label',
      '-o',
      out,
      '--plot',
      plots,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // the table: one line per candidate, the recommended one starred
    expect(r.stdout).toMatch(/silhouette/);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(2); // the row and the closing line
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.candidates).toHaveLength(7);
    expect(res.recommendation.params).toEqual({ k: 4 });
    expect(res.recommendation.reason).toMatch(/highest silhouette/);
    expect(res.elbow.kneeK).toBe(4);
    for (const c of res.candidates) {
      expect(c.scores.silhouette).toBeGreaterThan(-1);
      expect(c.scores.silhouette).toBeLessThanOrEqual(1);
      expect(c.scores.daviesBouldin).toBeGreaterThan(0);
      expect(c.scores.calinskiHarabasz).toBeGreaterThan(0);
      expect(c.scores.dunn).toBeGreaterThan(0);
      expect(c.sizes.reduce((a: number, b: number) => a + b, 0)).toBe(400);
    }
    // inertia decreases with k
    const inertia = res.candidates.map((c: { scores: { inertia: number } }) => c.scores.inertia);
    for (let i = 1; i < inertia.length; i++) expect(inertia[i]).toBeLessThan(inertia[i - 1]);
    const svgs = readdirSync(plots).sort();
    expect(svgs).toEqual([
      'calinski-harabasz.svg',
      'davies-bouldin.svg',
      'dunn.svg',
      'elbow.svg',
      'silhouette.svg',
    ]);
    for (const f of svgs)
      expect(readFileSync(join(plots, f), 'utf8')).toMatch(
        /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/,
      );
  });

  it('every index can drive the recommendation, and they agree on clean blobs', async () => {
    for (const m of ['davies-bouldin', 'calinski-harabasz', 'dunn']) {
      const r = await runCli(['tune', blobs, '--k', '2..6', '--exclude', 'label', '--metric', m, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.score).toBe(m);
      expect(res.recommendation.params.k, m).toBe(4);
    }
  });

  it('dbscan: eps auto from the k-distance knee, noise share reported', async () => {
    const plots = join(tmp.dir, 'db-plots');
    const r = await runCli([
      'tune',
      blobs,
      '--algo',
      'dbscan',
      '--min-samples',
      '5,10',
      '--exclude',
      'label',
      '--json',
      '--plot',
      plots,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.kDistance).toHaveLength(2);
    expect(res.kDistance[0].k).toBe(4);
    expect(res.candidates).toHaveLength(10);
    expect(res.recommendation.params.minSamples).toBeDefined();
    const best = res.candidates.find(
      (c: { params: unknown }) => JSON.stringify(c.params) === JSON.stringify(res.recommendation.params),
    );
    expect(best.nClusters).toBe(4);
    expect(best.noiseShare).toBeLessThan(0.2);
    expect(existsSync(join(plots, 'k-distance.svg'))).toBe(true);
  });

  it('dbscan: an explicit eps grid', async () => {
    const r = await runCli([
      'tune',
      blobs,
      '--algo',
      'dbscan',
      '--eps',
      '0.5..2.5:0.5',
      '--min-samples',
      '5',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.candidates.map((c: { params: { eps: number } }) => c.params.eps)).toEqual([
      0.5, 1, 1.5, 2, 2.5,
    ]);
  });

  it('hierarchical: one tree per linkage, cut at every k', async () => {
    const r = await runCli([
      'tune',
      blobs,
      '--algo',
      'hierarchical',
      '--linkage',
      'ward,average',
      '--k',
      '2..6',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.candidates).toHaveLength(10);
    expect(res.recommendation.params.k).toBe(4);
  });

  it('gives the same result for --threads 1 and 2, and samples above --sample-size', async () => {
    const a = await runCli([
      '--threads',
      '1',
      'tune',
      fixtureBlobs,
      '--k',
      '3..5',
      '--exclude',
      'label',
      '--sample-size',
      '300',
      '--json',
    ]);
    const b = await runCli([
      '--threads',
      '2',
      'tune',
      fixtureBlobs,
      '--k',
      '3..5',
      '--exclude',
      'label',
      '--sample-size',
      '300',
      '--json',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(stable(a.stdout)).toBe(stable(b.stdout));
    const res = JSON.parse(a.stdout);
    expect(res.evaluation.sampleSize).toBe(300);
    const iv = res.candidates[1].scores.silhouetteInterval;
    expect(iv.lower).toBeLessThanOrEqual(res.candidates[1].scores.silhouette);
    expect(iv.upper).toBeGreaterThanOrEqual(res.candidates[1].scores.silhouette);
  });

  it('refuses bad grids with one line, exit 2 or 3, and writes nothing', async () => {
    const small = join(tmp.dir, 'small.csv');
    writeFileSync(small, 'x,y\n1,2\n3,4\n5,6\n7,9\n');
    const cases: [string[], number, RegExp][] = [
      [['tune', blobs, '--k', '8..2'], 2, /--k 8\.\.2: the range is inverted/],
      [['tune', blobs, '--k', ''], 2, /--k: the grid is empty/],
      [['tune', blobs, '--k', 'two'], 2, /expected whole numbers/],
      [['tune', small, '--k', '2..10'], 2, /--k 5,6,7,8,9,10 exceeds the 4 rows/],
      [['tune', blobs, '--algo', 'dbscan', '--eps', '0'], 2, /--eps: values must be > 0/],
      [['tune', blobs, '--algo', 'dbscan', '--eps', '1..0.5'], 2, /inverted/],
      [['tune', blobs, '--metric', 'accuracy'], 2, /accuracy/],
      [['tune', blobs, '--algo', 'hierarchical', '--linkage', 'ward,median'], 2, /unknown value 'median'/],
      [
        ['tune', blobs, '--algo', 'hierarchical', '--linkage', 'ward', '--distance', 'cosine'],
        2,
        /ward linkage needs --distance euclidean/,
      ],
      [
        ['tune', blobs, '--algo', 'dbscan', '--eps', '0.001', '--min-samples', '50', '--exclude', 'label'],
        3,
        /every candidate of the grid is degenerate/,
      ],
    ];
    for (const [args, code, re] of cases) {
      const out = join(tmp.dir, 'never.json');
      const plots = join(tmp.dir, 'never-plots');
      const r = await runCli([...args, '-o', out, '--plot', plots]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(plots)).toBe(false);
    }
  });
});
