import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { dbscanGower, hclustGower, silhouetteHclustAverage } from '../helpers/gower-reference.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The first 120 subscribers: id, four numeric columns (revenue with missing values) and two categorical ones. */
const mixed = join(tmp.dir, 'mixed.csv');
const lines = readFileSync(join(fixtures, 'subscribers.csv'), 'utf8').trim().split('\n').slice(0, 121);
writeFileSync(
  mixed,
  lines
    .map((l) => {
      const c = l.split(',');
      return [c[0], ...c.slice(2, 8)].join(',');
    })
    .join('\n') + '\n',
);

function segments(text: string): number[] {
  const [head, ...rows] = text.trim().split('\n');
  const j = head!.split(',').indexOf('segment');
  return rows.map((r) => Number(r.split(',').at(j - head!.split(',').length)));
}

/** Whether two labelings are the same partition (up to the numbering). */
function samePartition(a: readonly number[], b: readonly number[]): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
      ab.set(x, y);
      ba.set(y, x);
      return true;
    })
  );
}

const base = ['--id', 'customer_id', '--distance', 'gower'];

describe('--distance gower with DBSCAN and hierarchical clustering (built CLI)', () => {
  it("dbscan: R's dbscan(daisy(x, 'gower'), 0.1, 5) partition and noise; assign gives the labels back; same bytes for 1 or 2 threads; export-sql refuses", async () => {
    const model = join(tmp.dir, 'db.json');
    const out1 = join(tmp.dir, 'db1.csv');
    const r = await runCli([
      '--threads',
      '1',
      'cluster',
      mixed,
      ...base,
      '--algo',
      'dbscan',
      '--eps',
      '0.1',
      '--model',
      model,
      '-o',
      out1,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).features).toContain('contract');
    const labels = segments(readFileSync(out1, 'utf8'));
    const ref = dbscanGower.eps010.map((l) => l - 1);
    expect(labels.map((l, i) => l < 0 === ref[i]! < 0)).not.toContain(false);
    expect(samePartition(labels, ref)).toBe(true);
    const out2 = join(tmp.dir, 'db2.csv');
    const r2 = await runCli([
      '--threads',
      '2',
      'cluster',
      mixed,
      ...base,
      '--algo',
      'dbscan',
      '--eps',
      '0.1',
      '-o',
      out2,
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out1, 'utf8'));
    const a = await runCli(['assign', mixed, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(segments(a.stdout)).toEqual(labels);
    const x = await runCli(['export-sql', '--model', model, '--table', 't', '--dialect', 'duckdb']);
    expect(x.code).toBe(2);
    expect(x.stderr.trim().split('\n')).toHaveLength(1);
    expect(x.stderr).toMatch(/DBSCAN model under Gower's distance, which export-sql cannot write as SQL/);
  });

  it("hierarchical average: R's cutree(hclust(daisy(x, 'gower'), 'average'), 4); report silhouette = R's silhouette to 1e-12, euclidean indices null", async () => {
    const model = join(tmp.dir, 'hc.json');
    const seg = join(tmp.dir, 'hc.csv');
    const r = await runCli([
      'cluster',
      mixed,
      ...base,
      '--algo',
      'hierarchical',
      '--linkage',
      'average',
      '--k',
      '4',
      '--model',
      model,
      '-o',
      seg,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const labels = segments(readFileSync(seg, 'utf8'));
    expect(samePartition(labels, hclustGower.average.labels)).toBe(true);
    const a = await runCli(['assign', mixed, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(segments(a.stdout)).toEqual(labels);
    const rep = await runCli(['report', seg, '--model', model, '--json', join(tmp.dir, 'r.json')]);
    expect(rep.code, rep.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(tmp.dir, 'r.json'), 'utf8'));
    expect(Math.abs(j.indices.silhouette - silhouetteHclustAverage.mean)).toBeLessThan(1e-12);
    expect(j.indices.daviesBouldin).toBeNull();
    expect(j.indices.calinskiHarabasz).toBeNull();
    expect(j.indices.inertia).toBeNull();
    expect(j.projection.method).toBe('gower-pca');
    expect(validate(j), JSON.stringify(validate.errors)).toBe(true);
    // bootstrap stability refits the Gower model with its scale
    const b = await runCli(['stability', seg, '--model', model, '--bootstrap', '3', '--json']);
    expect([0, 1], b.stderr).toContain(b.code);
    const st = JSON.parse(b.stdout);
    expect(st.refit).toMatchObject({
      algorithm: 'hierarchical',
      linkage: 'average',
      distance: 'gower',
      nClusters: 4,
    });
    expect(st.notes.join(' ')).toMatch(/Gower's distance: the refits use the model's fitted ranges/);
    const w = await runCli([
      'cluster',
      mixed,
      ...base,
      '--algo',
      'hierarchical',
      '--k',
      '4',
      '-o',
      join(tmp.dir, 'w.csv'),
    ]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(
      /ward linkage needs --distance euclidean, got 'gower' \(hint: use --linkage average, complete or single\)/,
    );
  });

  it("tune --distance gower: the average-linkage k=4 candidate scores R's silhouette; Davies-Bouldin refused", async () => {
    const t = await runCli([
      'tune',
      mixed,
      ...base,
      '--algo',
      'hierarchical',
      '--linkage',
      'average',
      '--k',
      '3..5',
      '--json',
    ]);
    expect(t.code, t.stderr).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(res.distance).toBe('gower');
    const c4 = res.candidates.find((c: { params: { k: number } }) => c.params.k === 4);
    expect(Math.abs(c4.scores.silhouette - silhouetteHclustAverage.mean)).toBeLessThan(1e-12);
    expect(c4.scores.daviesBouldin).toBeNull();
    expect(res.evaluation.notes[0]).toMatch(/not computed under the gower distance/);
    const db = await runCli([
      'tune',
      mixed,
      ...base,
      '--algo',
      'dbscan',
      '--eps',
      '0.1,0.15',
      '--min-samples',
      '5',
      '--json',
    ]);
    expect(db.code, db.stderr).toBe(0);
    expect(JSON.parse(db.stdout).candidates[0].noise).toBe(dbscanGower.eps010.filter((l) => l === 0).length);
    const bad = await runCli([
      'tune',
      mixed,
      ...base,
      '--algo',
      'kmedoids',
      '--k',
      '2..4',
      '--metric',
      'davies-bouldin',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--metric davies-bouldin needs the euclidean distance/);
  });
});
