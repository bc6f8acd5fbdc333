import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { ari } from '../helpers/ari.js';
import { reference } from '../cluster/hdbscan-reference.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const density = join(fixtures, 'density2d.csv');

function csvColumn(text: string, name: string): number[] {
  const [head, ...rows] = text.trim().split('\n');
  const j = head!.split(',').indexOf(name);
  expect(j, `column ${name}`).toBeGreaterThanOrEqual(0);
  return rows.map((r) => Number(r.split(',')[j]));
}

describe('segment cluster --algo hdbscan (built CLI)', () => {
  it('writes labels, probability and outlier_score as R dbscan::hdbscan(x, 8); assign reproduces the labels', async () => {
    const seg = join(tmp.dir, 'hdbscan.csv');
    const model = join(tmp.dir, 'hdbscan.json');
    const r = await runCli([
      'cluster',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '8',
      '-o',
      seg,
      '--model',
      model,
      '--json',
      '--threads',
      '2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.algorithm).toBe('hdbscan');
    expect(summary.params).toMatchObject({ minClusterSize: 8, minSamples: 8, clusterSelection: 'eom' });
    const text = readFileSync(seg, 'utf8');
    expect(text.split('\n')[0]).toBe('x,y,segment,probability,outlier_score');
    const labels = csvColumn(text, 'segment');
    const ref = reference.density8;
    expect(ari(labels, [...ref.labels])).toBeGreaterThanOrEqual(0.99);
    expect(summary.noise).toBe(ref.labels.filter((l) => l < 0).length);
    const prob = csvColumn(text, 'probability');
    const glosh = csvColumn(text, 'outlier_score');
    for (let i = 0; i < labels.length; i++) {
      expect(Math.abs(prob[i]! - ref.probability[i]!)).toBeLessThan(1e-9);
      expect(Math.abs(glosh[i]! - ref.outlierScore[i]!)).toBeLessThan(1e-9);
    }

    const scored = join(tmp.dir, 'scored.csv');
    const a = await runCli(['assign', density, '--model', model, '-o', scored]);
    expect(a.code, a.stderr).toBe(0);
    expect(csvColumn(readFileSync(scored, 'utf8'), 'segment')).toEqual(labels);

    // One thread gives the same bytes.
    const seg1 = join(tmp.dir, 'hdbscan1.csv');
    const one = await runCli([
      'cluster',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '8',
      '-o',
      seg1,
      '--threads',
      '1',
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(readFileSync(seg1, 'utf8')).toBe(text);

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
    expect(sql.stderr).toContain('hdbscan model');
  });

  it('keeps the condensed tree in the model; the report draws it and writes it to its JSON', async () => {
    const seg = join(tmp.dir, 'ct.csv');
    const model = join(tmp.dir, 'ct.json');
    const c = await runCli([
      'cluster',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '8',
      '-o',
      seg,
      '--model',
      model,
    ]);
    expect(c.code, c.stderr).toBe(0);
    const tree = JSON.parse(readFileSync(model, 'utf8')).condensedTree;
    // Root, then pairs of children; chosen clusters carry the final segments 0..2 (largest first).
    expect(tree.parent[0]).toBe(-1);
    expect(tree.size[0]).toBe(380);
    expect([...tree.segment].filter((s: number) => s >= 0).sort()).toEqual([0, 1, 2]);
    const sizes = csvColumn(readFileSync(seg, 'utf8'), 'segment');
    tree.segment.forEach((s: number, c: number) => {
      if (s < 0) return;
      // A chosen cluster holds at least the rows of its segment when it appears, and its curve only shrinks.
      expect(tree.size[c]).toBeGreaterThanOrEqual(sizes.filter((v) => v === s).length);
      const curve = tree.curve.slice(c * 8, c * 8 + 8);
      expect(curve[0]).toBeLessThanOrEqual(tree.size[c]);
      for (let k = 1; k < 8; k++) expect(curve[k]).toBeLessThanOrEqual(curve[k - 1]);
      expect(tree.lambdaDeath[c]).toBeGreaterThan(tree.lambdaBirth[c]);
    });
    const json = join(tmp.dir, 'ct-report.json');
    const svg = join(tmp.dir, 'ct-svg');
    const html = join(tmp.dir, 'ct-report.html');
    const r = await runCli([
      'report',
      seg,
      '--model',
      model,
      '--json',
      json,
      '--html',
      html,
      '--svg',
      svg,
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(json, 'utf8'));
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(rep.condensedTree).toEqual(tree);
    expect(readdirSync(svg)).toContain('condensed-tree.svg');
    expect(readFileSync(html, 'utf8')).toContain('HDBSCAN condensed tree');
  });

  it('--distance gower on mixed columns as R dbscan::hdbscan(daisy(x, metric = "gower"), 10); assign reproduces it', async () => {
    // The first 120 rows of subscribers.csv, as scripts/hdbscan-reference.R reads them.
    const lines = readFileSync(join(fixtures, 'subscribers.csv'), 'utf8').trim().split('\n');
    const mixed = join(tmp.dir, 'mixed.csv');
    writeFileSync(mixed, lines.slice(0, 121).join('\n') + '\n');
    const seg = join(tmp.dir, 'mixed-seg.csv');
    const model = join(tmp.dir, 'mixed-model.json');
    const features = 'recency_days,frequency,revenue,tenure_days,internet_service,contract';
    const r = await runCli([
      'cluster',
      mixed,
      '--algo',
      'hdbscan',
      '--distance',
      'gower',
      '--min-cluster-size',
      '10',
      '--features',
      features,
      '-o',
      seg,
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).params.metric).toBe('gower');
    const text = readFileSync(seg, 'utf8');
    const labels = csvColumn(text, 'segment');
    const ref = reference.mixed10gower;
    expect(ari(labels, [...ref.labels])).toBe(1);
    const prob = csvColumn(text, 'probability');
    const glosh = csvColumn(text, 'outlier_score');
    for (let i = 0; i < labels.length; i++) {
      expect(Math.abs(prob[i]! - ref.probability[i]!)).toBeLessThan(1e-9);
      expect(Math.abs(glosh[i]! - ref.outlierScore[i]!)).toBeLessThan(1e-9);
    }
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    expect(saved.metric).toBe('gower');
    expect(saved.gower.kinds).toEqual([
      'numeric',
      'numeric',
      'numeric',
      'numeric',
      'categorical',
      'categorical',
    ]);
    const scored = join(tmp.dir, 'mixed-scored.csv');
    const a = await runCli(['assign', mixed, '--model', model, '-o', scored]);
    expect(a.code, a.stderr).toBe(0);
    expect(csvColumn(readFileSync(scored, 'utf8'), 'segment')).toEqual(labels);
    // The report takes the Gower model: silhouette under Gower, no euclidean indices, the condensed tree.
    const rep = await runCli(['report', seg, '--model', model, '--json']);
    expect(rep.code, rep.stderr).toBe(0);
    const report = JSON.parse(rep.stdout);
    expect(report.indices.silhouette).toBeGreaterThan(0);
    expect(report.indices.daviesBouldin).toBeNull();
    expect(report.projection.method).toBe('gower-pca');
    expect(report.condensedTree.parent[0]).toBe(-1);
  });

  it('leaf selection and --min-samples are recorded in the model', async () => {
    const model = join(tmp.dir, 'leaf.json');
    const r = await runCli([
      'cluster',
      density,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '10',
      '--min-samples',
      '4',
      '--cluster-selection',
      'leaf',
      '--model',
      model,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m).toMatchObject({
      algorithm: 'hdbscan',
      minClusterSize: 10,
      minSamples: 4,
      clusterSelection: 'leaf',
      clusterSelectionEpsilon: 0,
    });
    // The rows of the clusters only (R's predict leaves noise out).
    expect(m.points).toHaveLength(380 - JSON.parse(r.stdout).noise);
    expect(m.pointSegment.every((s: number) => s >= 0)).toBe(true);
  });

  for (const [what, args, code] of [
    ['min-cluster-size < 2', ['--algo', 'hdbscan', '--min-cluster-size', '1'], 2],
    ['hdbscan with --k', ['--algo', 'hdbscan', '--k', '3'], 2],
    ['hdbscan with --eps', ['--algo', 'hdbscan', '--eps', '0.5'], 2],
    ['hdbscan with cosine', ['--algo', 'hdbscan', '--distance', 'cosine'], 2],
    ['--min-cluster-size without hdbscan', ['--algo', 'kmeans', '--min-cluster-size', '5'], 2],
    ['a negative --cluster-selection-epsilon', ['--algo', 'hdbscan', '--cluster-selection-epsilon', '-1'], 2],
  ] as const) {
    it(`refuses ${what} in one line (exit ${code})`, async () => {
      const out = join(tmp.dir, 'refused.csv');
      const r = await runCli(['cluster', density, ...args, '-o', out]);
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('refuses an input that already has a probability or outlier_score column', async () => {
    const input = join(tmp.dir, 'taken.csv');
    writeFileSync(input, 'x,y,outlier_score\n0,0,1\n1,1,1\n2,2,1\n3,3,1\n4,4,1\n5,5,1\n');
    const r = await runCli([
      'cluster',
      input,
      '--algo',
      'hdbscan',
      '--min-cluster-size',
      '2',
      '-o',
      join(tmp.dir, 'x.csv'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("'outlier_score'");
  });
});
