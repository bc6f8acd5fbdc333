import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { pamGower, pamGowerWeighted } from '../helpers/gower-reference.js';
import { assignLabels, duckRows, duckTable, labelsOf } from '../export/helpers.js';

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

describe('segment cluster --algo kmedoids (built CLI)', () => {
  it("gower on mixed columns with missing values: R's pam medoids, labels and objective; assign gives the labels back", async () => {
    const seg = join(tmp.dir, 'gower.csv');
    const model = join(tmp.dir, 'gower.json');
    const r = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--distance',
      'gower',
      '--k',
      '4',
      '--id',
      'customer_id',
      '-o',
      seg,
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    // categorical columns are features under Gower
    expect(s.features).toEqual([
      'recency_days',
      'frequency',
      'revenue',
      'tenure_days',
      'internet_service',
      'contract',
    ]);
    expect([...s.medoidRows].sort((a: number, b: number) => a - b)).toEqual(pamGower.medoids);
    expect(s.objective.swap).toBeCloseTo(pamGower.swap, 12);
    expect(s.objective.build).toBeCloseTo(pamGower.build, 12);
    // R: pam(daisy(x, metric = "gower"), 4)$silinfo$avg.width
    expect(s.silhouette).toBeCloseTo(0.45899728421272135, 12);
    const labels = segments(readFileSync(seg, 'utf8'));
    expect(samePartition(labels, pamGower.labels)).toBe(true);
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m.algorithm).toBe('kmedoids');
    expect(m.metric).toBe('gower');
    expect(m.gower.kinds).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'categorical', 'categorical']);
    expect(m.gower.levels[4]).toEqual(expect.arrayContaining(['DSL', 'Fiber optic', 'No']));
    expect(m.hash).toMatch(/^sha256:/);
    const a = await runCli(['assign', mixed, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(segments(a.stdout)).toEqual(labels);
    // the content hash covers Gower's scale
    m.gower.ranges[0] = 1;
    writeFileSync(join(tmp.dir, 'edited.json'), JSON.stringify(m));
    const e = await runCli(['assign', mixed, '--model', join(tmp.dir, 'edited.json'), '-o', '-']);
    expect(e.code).toBe(3);
    expect(e.stderr).toMatch(/content hash does not match/);
    // export-sql refuses Gower models in one line
    const x = await runCli(['export-sql', '--model', model, '--table', 't', '--dialect', 'duckdb']);
    expect(x.code).toBe(2);
    expect(x.stderr.trim().split('\n')).toHaveLength(1);
    expect(x.stderr).toMatch(/Gower's distance, which export-sql cannot write as SQL/);
    // the report takes the Gower model: R's silhouette of the PAM labels, no euclidean index, the Gower projection
    const rep = await runCli(['report', seg, '--model', model, '--json', join(tmp.dir, 'r.json')]);
    expect(rep.code, rep.stderr).toBe(0);
    const rj = JSON.parse(readFileSync(join(tmp.dir, 'r.json'), 'utf8'));
    expect(rj.dataset.distance).toBe('gower');
    expect(Math.abs(rj.indices.silhouette - 0.45899728421272135)).toBeLessThan(1e-12);
    expect(rj.indices.daviesBouldin).toBeNull();
    expect(rj.indices.calinskiHarabasz).toBeNull();
    expect(rj.indices.notes.join(' ')).toMatch(
      /Davies-Bouldin and Calinski-Harabasz are not computed under the gower/,
    );
    expect(rj.projection.method).toBe('gower-pca');
    // so does the bootstrap (a gate may fail: exit 1, never a refusal)
    const b = await runCli(['stability', seg, '--model', model, '--bootstrap', '3', '--json']);
    expect([0, 1], b.stderr).toContain(b.code);
    expect(JSON.parse(b.stdout).refit).toEqual({ algorithm: 'kmedoids', nClusters: 4, distance: 'gower' });
  });

  it("--weights are daisy's weights", async () => {
    const r = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--distance',
      'gower',
      '--k',
      '3',
      '--id',
      'customer_id',
      '--weights',
      'frequency=2,revenue=0.5,internet_service=3',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect([...s.medoidRows].sort((a: number, b: number) => a - b)).toEqual(pamGowerWeighted.medoids);
    expect(s.objective.swap).toBeCloseTo(pamGowerWeighted.swap, 12);
  });

  it('assigns new rows with an unseen level or missing values to the nearest medoid', async () => {
    const model = join(tmp.dir, 'new.json');
    const fit = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--distance',
      'gower',
      '--k',
      '2',
      '--id',
      'customer_id',
      '--model',
      model,
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const fresh = join(tmp.dir, 'fresh.csv');
    writeFileSync(
      fresh,
      'customer_id,recency_days,frequency,revenue,tenure_days,internet_service,contract\n' +
        'N1,3,15,,949,Satellite,Month-to-month\nN2,,,,,DSL,\nN3,400,1,10,20,No,Two year\n',
    );
    const a = await runCli(['assign', fresh, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(segments(a.stdout).every((l) => l === 0 || l === 1)).toBe(true);
  });

  it('refuses gower with another algorithm, cosine, and a sample too large for the memory limit, in one line', async () => {
    const k = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmeans',
      '--distance',
      'gower',
      '--k',
      '3',
      '--json',
    ]);
    expect(k.code).toBe(2);
    expect(k.stderr.trim()).toBe(
      'segment: --distance gower needs --algo kmedoids, dbscan, hdbscan or hierarchical, not kmeans',
    );
    const c = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--distance',
      'cosine',
      '--k',
      '3',
      '--json',
    ]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/k-medoids takes --distance euclidean, manhattan or gower/);
    const w = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--k',
      '3',
      '--weights',
      'frequency=2',
      '--json',
    ]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--weights applies to --distance gower/);
    const big = join(tmp.dir, 'big.csv');
    writeFileSync(
      big,
      'x\n' + Array.from({ length: 3000 }, (_, i) => String((i * 7919) % 1000)).join('\n') + '\n',
    );
    const m = await runCli([
      '--memory-limit',
      '50MB',
      'cluster',
      big,
      '--algo',
      'kmedoids',
      '--k',
      '3',
      '--sampsize',
      '3000',
      '--json',
    ]);
    expect(m.code).toBe(3);
    expect(m.stderr.trim().split('\n')).toHaveLength(1);
    expect(m.stderr).toMatch(/k-medoids \(PAM\) on 3,000 rows needs about .* over the .* memory limit/);
  });

  it('past 10,000 rows (or the memory limit) runs CLARA on seeded samples, and assign reproduces its labels', async () => {
    const huge = join(tmp.dir, 'huge.csv');
    writeFileSync(
      huge,
      'x,y\n' +
        Array.from(
          { length: 10_001 },
          (_, i) => `${(i % 3) * 10 + ((i * 37) % 11) / 10},${(i * 13) % 7}`,
        ).join('\n') +
        '\n',
    );
    const seg = join(tmp.dir, 'huge-seg.csv');
    const model = join(tmp.dir, 'huge.json');
    const r = await runCli([
      'cluster',
      huge,
      '--algo',
      'kmedoids',
      '--k',
      '3',
      '-o',
      seg,
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/CLARA kept the best of 5 seeded samples of 1000 rows/);
    const s = JSON.parse(r.stdout);
    expect(s.params.method).toBe('clara');
    expect(s.sizes).toEqual([3334, 3334, 3333]);
    const a = await runCli(['assign', huge, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(segments(a.stdout)).toEqual(segments(readFileSync(seg, 'utf8')));
  });

  it('euclidean k-medoids equals R and exports to SQL', async () => {
    const model = join(tmp.dir, 'euc.json');
    const r = await runCli([
      'cluster',
      mixed,
      '--algo',
      'kmedoids',
      '--k',
      '3',
      '--id',
      'customer_id',
      '--features',
      'recency_days,frequency,tenure_days',
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect([...JSON.parse(r.stdout).medoidRows].sort((a: number, b: number) => a - b)).toEqual([49, 50, 68]);
    const x = await runCli([
      'export-sql',
      '--model',
      model,
      '--table',
      'kmedoids_rows',
      '--dialect',
      'duckdb',
    ]);
    expect(x.code, x.stderr).toBe(0);
    expect(x.stdout).toMatch(/k-medoids \(euclidean, nearest medoid\)/);
  });

  it('euclidean and manhattan k-medoids export to SQL that scores like segment assign on DuckDB', async () => {
    await duckTable('kmedoids_rows', mixed);
    for (const distance of ['euclidean', 'manhattan']) {
      const model = join(tmp.dir, `sql-${distance}.json`);
      const fit = await runCli([
        'cluster',
        mixed,
        '--algo',
        'kmedoids',
        '--distance',
        distance,
        '--k',
        '4',
        '--id',
        'customer_id',
        '--features',
        'recency_days,frequency,tenure_days',
        '--model',
        model,
      ]);
      expect(fit.code, fit.stderr).toBe(0);
      const sql = await runCli([
        'export-sql',
        '--model',
        model,
        '--table',
        'kmedoids_rows',
        '--dialect',
        'duckdb',
      ]);
      expect(sql.code, sql.stderr).toBe(0);
      const got = labelsOf(await duckRows(sql.stdout), 'customer_id');
      const want = await assignLabels(mixed, model, 'customer_id', tmp.dir);
      expect(got.size).toBe(120);
      for (const [id, l] of want) expect(got.get(id), `${distance} ${id}`).toBe(l);
    }
  });
});
