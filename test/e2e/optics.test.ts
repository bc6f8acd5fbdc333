import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { ari } from '../helpers/ari.js';
import { reference } from '../cluster/optics-reference.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const density = join(fixtures, 'density2d.csv');

function csvColumn(text: string, name: string): number[] {
  const [head, ...rows] = text.trim().split('\n');
  const j = head!.split(',').indexOf(name);
  expect(j, `column ${name}`).toBeGreaterThanOrEqual(0);
  return rows.map((r) => {
    const v = r.split(',')[j]!;
    return v === '' ? Infinity : Number(v);
  });
}

/** Same partition and the same noise rows (labels are renumbered by size). */
function samePartition(got: number[], want: readonly number[]): void {
  expect(ari(got, [...want])).toBe(1);
  expect(got.map((l) => l < 0)).toEqual(want.map((l) => l < 0));
}

describe('segment cluster --algo optics (built CLI)', () => {
  it("xi: labels, ordering and reachability as scikit-learn's OPTICS(min_samples=8); assign and report follow", async () => {
    const seg = join(tmp.dir, 'optics.csv');
    const model = join(tmp.dir, 'optics.json');
    const args = ['cluster', density, '--algo', 'optics', '--min-samples', '8', '-o', seg];
    const r = await runCli([...args, '--model', model, '--json', '--threads', '2']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.params).toEqual({
      minSamples: 8,
      maxEps: null,
      clusterMethod: 'xi',
      xi: 0.05,
      minClusterSize: 8,
      predecessorCorrection: true,
      metric: 'euclidean',
    });
    const text = readFileSync(seg, 'utf8');
    expect(text.split('\n')[0]).toBe('x,y,segment,optics_order,reachability,core_distance');
    const ref = reference.density8;
    samePartition(csvColumn(text, 'segment'), ref.labels);
    const pos = csvColumn(text, 'optics_order');
    ref.ordering.forEach((row, p) => expect(pos[row]).toBe(p));
    const reach = csvColumn(text, 'reachability');
    ref.reachability.forEach((v, i) => {
      if (v === null) expect(reach[i]).toBe(Infinity);
      else expect(Math.abs(reach[i]! - v)).toBeLessThan(1e-12);
    });

    // assign reproduces the training labels; one thread writes the same bytes.
    const scored = join(tmp.dir, 'scored.csv');
    const a = await runCli(['assign', density, '--model', model, '-o', scored]);
    expect(a.code, a.stderr).toBe(0);
    expect(csvColumn(readFileSync(scored, 'utf8'), 'segment')).toEqual(csvColumn(text, 'segment'));
    const seg1 = join(tmp.dir, 'optics1.csv');
    const one = await runCli([...args.slice(0, -1), seg1, '--threads', '1']);
    expect(one.code, one.stderr).toBe(0);
    expect(readFileSync(seg1, 'utf8')).toBe(text);

    const html = join(tmp.dir, 'optics.html');
    const rep = await runCli(['report', seg, '--model', model, '--html', html]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('<section id="reachability">');

    const sql = await runCli([
      'export-sql',
      '--model',
      model,
      '--table',
      't',
      '--id',
      'x',
      '--dialect',
      'duckdb',
    ]);
    expect(sql.code).toBe(2);
    expect(sql.stderr.trim().split('\n')).toHaveLength(1);
    expect(sql.stderr).toContain('optics model');
  });

  it('dbscan extraction: the labels of cluster_optics_dbscan(eps=0.5); new rows take the nearest core within eps', async () => {
    const seg = join(tmp.dir, 'cut.csv');
    const model = join(tmp.dir, 'cut.json');
    const r = await runCli([
      'cluster',
      density,
      '--algo',
      'optics',
      '--min-samples',
      '8',
      '--cluster-method',
      'dbscan',
      '--eps',
      '0.5',
      '-o',
      seg,
      '--model',
      model,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const labels = csvColumn(readFileSync(seg, 'utf8'), 'segment');
    samePartition(labels, reference.density8dbscan.labels);
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m).toMatchObject({
      algorithm: 'optics',
      clusterMethod: 'dbscan',
      eps: 0.5,
      xi: null,
      maxEps: null,
    });
    expect(m.radius.every((x: number) => x === 0.5)).toBe(true);

    // Row 0 sits in the dense cluster; (4, 1) is the medium cluster's centre; (40, 40) is far from every row.
    const fresh = join(tmp.dir, 'fresh.csv');
    writeFileSync(fresh, 'x,y\n0.086369,0.09419\n4,1\n40,40\n');
    const scored = join(tmp.dir, 'fresh-scored.csv');
    const a = await runCli(['assign', fresh, '--model', model, '-o', scored]);
    expect(a.code, a.stderr).toBe(0);
    const got = csvColumn(readFileSync(scored, 'utf8'), 'segment');
    expect(got[0]).toBe(labels[0]);
    expect(got[1]).toBeGreaterThanOrEqual(0);
    expect(got[1]).not.toBe(labels[0]);
    expect(got[2]).toBe(-1);
  });

  it('a finite --max-eps (kd-tree path) gives the labels of OPTICS(min_samples=8, max_eps=0.8)', async () => {
    const seg = join(tmp.dir, 'maxeps.csv');
    const r = await runCli([
      'cluster',
      density,
      '--algo',
      'optics',
      '--min-samples',
      '8',
      '--max-eps',
      '0.8',
      '-o',
      seg,
    ]);
    expect(r.code, r.stderr).toBe(0);
    samePartition(csvColumn(readFileSync(seg, 'utf8'), 'segment'), reference.density8maxeps.labels);
  });

  for (const [what, args] of [
    ['min-samples < 2', ['--min-samples', '1']],
    ['xi = 0', ['--xi', '0']],
    ['xi = 1', ['--xi', '1']],
    ['dbscan extraction without --eps', ['--cluster-method', 'dbscan']],
    ['eps above max-eps', ['--cluster-method', 'dbscan', '--eps', '2', '--max-eps', '1']],
    ['--eps with xi', ['--eps', '0.5']],
    ['--xi with dbscan extraction', ['--cluster-method', 'dbscan', '--eps', '0.5', '--xi', '0.1']],
    ['optics with --k', ['--k', '3']],
    ['optics with cosine', ['--distance', 'cosine']],
  ] as const) {
    it(`refuses ${what} in one line (exit 2)`, async () => {
      const r = await runCli([
        'cluster',
        density,
        '--algo',
        'optics',
        ...args,
        '-o',
        join(tmp.dir, 'no.csv'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('refuses --max-eps and --xi without --algo optics (exit 2)', async () => {
    for (const flag of [
      ['--max-eps', '1'],
      ['--xi', '0.1'],
      ['--cluster-method', 'dbscan'],
    ]) {
      const r = await runCli([
        'cluster',
        density,
        '--algo',
        'dbscan',
        '--eps',
        '0.5',
        ...flag,
        '-o',
        join(tmp.dir, 'no.csv'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('applies to --algo optics');
    }
  });
});
