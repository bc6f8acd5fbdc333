import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeValidity } from '../../src/evaluate/metrics.js';
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

  it('hdbscan: a min-samples grid crossed with the min-cluster-size grid, one line per min-samples', async () => {
    const density = join(fixtures, 'density2d.csv');
    const plots = join(tmp.dir, 'hdbscan-ms-plots');
    const r = await runCli([
      'tune',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '10,20,40',
      '--min-samples',
      '3,10',
      '--json',
      '--plot',
      plots,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    const grid = res.candidates.map((c: { params: Record<string, number> }) => [
      c.params.minSamples,
      c.params.minClusterSize,
    ]);
    expect(grid).toEqual([
      [3, 10],
      [3, 20],
      [3, 40],
      [10, 10],
      [10, 20],
      [10, 40],
    ]);
    // min-samples changes the core distances, so the noise differs between the two rows of the grid
    const noise = res.candidates.map((c: { noise: number }) => c.noise);
    expect(noise.slice(0, 3)).not.toEqual(noise.slice(3));
    for (const c of res.candidates) expect(typeof c.noiseShare).toBe('number');
    expect(Object.keys(res.recommendation.params)).toEqual(['minClusterSize', 'minSamples']);
    const svg = readFileSync(join(plots, 'silhouette.svg'), 'utf8');
    expect(svg).toContain('min-samples 3');
    expect(svg).toContain('min-samples 10');
  });

  it('hdbscan: one candidate per min-cluster-size; the recommended one is what cluster fits', async () => {
    const density = join(fixtures, 'density2d.csv');
    const plots = join(tmp.dir, 'hdbscan-plots');
    const r = await runCli([
      'tune',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '5..50:5',
      '--json',
      '--plot',
      plots,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.algorithm).toBe('hdbscan');
    expect(res.candidates).toHaveLength(10);
    for (const c of res.candidates) expect(c.params.minSamples).toBe(c.params.minClusterSize);
    expect(res.candidates.some((c: { noise: number }) => c.noise > 0)).toBe(true);
    const rec = res.recommendation.params;
    expect(Object.keys(rec)).toEqual(['minClusterSize', 'minSamples']);
    // the DBSCAN rule: the best silhouette among candidates with at most --max-noise of noise
    const best = res.candidates
      .filter((c: { degenerate: string | null; noiseShare: number }) => !c.degenerate && c.noiseShare <= 0.5)
      .reduce((a: { scores: { silhouette: number } }, b: { scores: { silhouette: number } }) =>
        b.scores.silhouette > a.scores.silhouette ? b : a,
      );
    expect(best.params).toEqual(rec);
    expect(readdirSync(plots)).toContain('silhouette.svg');

    const seg = join(tmp.dir, 'hdbscan-seg.csv');
    const c = await runCli([
      'cluster',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      String(rec.minClusterSize),
      '-o',
      seg,
      '--json',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const summary = JSON.parse(c.stdout);
    expect(summary.noise).toBe(best.noise);
    expect(summary.sizes).toEqual(best.sizes);
    // cluster's labels give the silhouette tune recorded (noise excluded, as tune scores)
    const lines = readFileSync(seg, 'utf8').trim().split('\n');
    const head = lines[0]!.split(',');
    const [ix, iy, is] = ['x', 'y', 'segment'].map((h) => head.indexOf(h));
    const rows = lines.slice(1).map((l) => l.split(','));
    const X = {
      data: Float64Array.from(rows.flatMap((f) => [Number(f[ix!]), Number(f[iy!])])),
      nRows: rows.length,
      nCols: 2,
    };
    const labels = Int32Array.from(rows.map((f) => (f[is!] === '' ? -1 : Number(f[is!]))));
    const v = await computeValidity(X, labels, { metrics: ['silhouette'] });
    expect(Math.abs(v.silhouette! - best.scores.silhouette)).toBeLessThan(1e-12);
  });

  it('kmedoids: PAM per k, the objective elbow, and the silhouette cluster reports', async () => {
    const r = await runCli([
      'tune',
      fixtureBlobs,
      '--algo',
      'kmedoids',
      '--k',
      '2..6',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.candidates).toHaveLength(5);
    // two of the four labelled blobs of this fixture overlap: silhouette and the elbow both say 3, as for k-means
    expect(res.recommendation.params).toEqual({ k: 3 });
    expect(res.elbow.kneeK).toBe(3);
    expect(res.elbow.inertia).toBeUndefined();
    expect(res.elbow.objective).toEqual(
      res.candidates.map((c: { scores: { objective: number } }) => c.scores.objective),
    );
    for (const k of [3, 4]) {
      const c = await runCli([
        'cluster',
        fixtureBlobs,
        '--algo',
        'kmedoids',
        '--k',
        String(k),
        '--exclude',
        'label',
        '--json',
      ]);
      expect(c.code, c.stderr).toBe(0);
      const summary = JSON.parse(c.stdout);
      const cand = res.candidates.find((x: { params: { k: number } }) => x.params.k === k);
      expect(Math.abs(summary.silhouette - cand.scores.silhouette)).toBeLessThan(1e-12);
      expect(cand.scores.objective).toBe(summary.objective.swap);
      expect(cand.sizes).toEqual(summary.sizes);
    }

    const sep = await runCli([
      'tune',
      blobs,
      '--algo',
      'kmedoids',
      '--k',
      '2..6',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(sep.code, sep.stderr).toBe(0);
    const sepRes = JSON.parse(sep.stdout);
    expect(sepRes.recommendation.params).toEqual({ k: 4 });
    const c4 = await runCli([
      'cluster',
      blobs,
      '--algo',
      'kmedoids',
      '--k',
      '4',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(Math.abs(JSON.parse(c4.stdout).silhouette - sepRes.recommendation.score)).toBeLessThan(1e-12);
  });

  it('refuses hdbscan and kmedoids misuse with one line and the exit code cluster gives', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['tune', blobs, '--algo', 'kmeans', '--distance', 'gower'],
        2,
        /--distance gower needs --algo dbscan, hdbscan, hierarchical or kmedoids, not kmeans/,
      ],
      [['tune', blobs, '--algo', 'kmedoids', '--distance', 'cosine'], 2, /manhattan or gower, not cosine/],
      [['tune', blobs, '--algo', 'hdbscan', '--distance', 'cosine'], 2, /manhattan or gower, not cosine/],
      [['tune', blobs, '--algo', 'hdbscan', '--k', '2..5'], 2, /--k does not apply to hdbscan/],
      [['tune', blobs, '--algo', 'hdbscan', '--min-samples', '0,5'], 2, /--min-samples/],
      [['tune', blobs, '--algo', 'kmeans', '--min-cluster-size', '5'], 2, /applies to --algo hdbscan only/],
      [['tune', blobs, '--algo', 'hdbscan', '--min-cluster-size', '1'], 2, /whole numbers >= 2/],
      [['tune', blobs, '--algo', 'hdbscan', '--cluster-selection', 'best'], 2, /best/],
    ];
    for (const [args, code, re] of cases) {
      const out = join(tmp.dir, 'never.json');
      const r = await runCli([...args, '-o', out]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
    // past PAM's memory budget: the line cluster gives
    const args = ['--memory-limit', '1000'];
    const t = await runCli([
      ...args,
      'tune',
      fixtureBlobs,
      '--algo',
      'kmedoids',
      '--k',
      '2..3',
      '--exclude',
      'label',
    ]);
    const c = await runCli([
      ...args,
      'cluster',
      fixtureBlobs,
      '--algo',
      'kmedoids',
      '--k',
      '2',
      '--exclude',
      'label',
      '--json',
    ]);
    expect(t.code).toBe(3);
    expect(c.code).toBe(3);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
    expect(t.stderr.trim()).toBe(c.stderr.trim());
  });
});
