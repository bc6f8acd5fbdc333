import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const blobs = join(fixtures, 'blobs.csv');

describe('segment report (built CLI)', () => {
  it('--projection umap draws the UMAP of the rows drawn and says so in the JSON and the chart', async () => {
    const seg = join(tmp.dir, 'seg-umap.parquet');
    const c = await runCli(['cluster', blobs, '--k', '4', '--exclude', 'label', '-o', seg]);
    expect(c.code, c.stderr).toBe(0);
    const out = join(tmp.dir, 'report-umap.json');
    const svg = join(tmp.dir, 'svg-umap');
    const r = await runCli([
      'report',
      seg,
      '--projection',
      'umap',
      '--max-points',
      '300',
      '--json',
      out,
      '--svg',
      svg,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(rep.projection.method).toBe('umap');
    expect(rep.projection.explainedRatio).toBeNull();
    expect(rep.projection.sampled).toBe(300);
    expect(rep.projection.points).toHaveLength(300);
    const chart = readdirSync(svg).find((f) => f.includes('projection'));
    expect(chart).toBeDefined();
    expect(readFileSync(join(svg, chart!), 'utf8')).toContain('UMAP 1');
    const again = join(tmp.dir, 'report-umap-2.json');
    const r2 = await runCli(['report', seg, '--projection', 'umap', '--max-points', '300', '--json', again]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(readFileSync(again, 'utf8')).projection).toEqual(rep.projection);
    const bad = await runCli(['report', seg, '--projection', 'mds', '--json']);
    expect(bad.code).toBe(2);
  });

  it('profiles a segments file; its indices equal those tune gives the same k-means fit', async () => {
    const seg = join(tmp.dir, 'seg.parquet');
    const model = join(tmp.dir, 'model.json');
    const c = await runCli(['cluster', blobs, '--k', '4', '--exclude', 'label', '-o', seg, '--model', model]);
    expect(c.code, c.stderr).toBe(0);
    const out = join(tmp.dir, 'report.json');
    const r = await runCli(['report', seg, '--model', model, '--json', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^segment\s+name\s+size\s+share %/);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(rep.format).toBe('segment.report');
    expect(rep.dataset.rows).toBe(600);
    expect(rep.segments).toHaveLength(4);
    expect(rep.run.inputs.map((i: { role: string }) => i.role)).toEqual(['segments', 'model']);
    expect(rep.run.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
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
    expect(rep.noise.rows).toBe(1);
    expect(rep.indices.notes.join(' ')).toMatch(/1 noise row/);
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(rep.indices.silhouette).toBeGreaterThan(0.9);
    const one = join(tmp.dir, 'one.csv');
    writeFileSync(one, 'x,y,segment\n0,0,0\n0,1,0\n1,1,0\n');
    const r1 = await runCli(['report', one, '--json']);
    expect(r1.code, r1.stderr).toBe(0);
    const rep1 = JSON.parse(r1.stdout);
    expect(rep1.indices.silhouette).toBeNull();
    expect(rep1.indices.notes[0]).toMatch(/need 2 to n−1 segments/);
    expect(validate(rep1), JSON.stringify(validate.errors)).toBe(true);
  });

  it('writes JSON, HTML and SVG together, byte-identical on a rerun, with tuning evidence and names', async () => {
    const seg = join(tmp.dir, 'h.parquet');
    const model = join(tmp.dir, 'h.json');
    const tune = join(tmp.dir, 'tune.json');
    expect(
      (
        await runCli([
          'cluster',
          blobs,
          '--algo',
          'hierarchical',
          '--k',
          '4',
          '--exclude',
          'label',
          '-o',
          seg,
          '--model',
          model,
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await runCli([
          'tune',
          blobs,
          '--algo',
          'hierarchical',
          '--k',
          '2..6',
          '--exclude',
          'label',
          '-o',
          tune,
        ])
      ).code,
    ).toBe(0);
    const names = join(tmp.dir, 'names.yaml');
    writeFileSync(names, '0: Big spenders\n2: Window shoppers\n');
    const outs: string[] = [];
    for (const run of ['a', 'b']) {
      const json = join(tmp.dir, `r-${run}.json`);
      const html = join(tmp.dir, `r-${run}.html`);
      const svg = join(tmp.dir, `svg-${run}`);
      const r = await runCli([
        'report',
        seg,
        '--model',
        model,
        '--tune',
        tune,
        '--names',
        names,
        '--json',
        json,
        '--html',
        html,
        '--svg',
        svg,
      ]);
      expect(r.code, r.stderr).toBe(0);
      outs.push(readFileSync(json, 'utf8'), readFileSync(html, 'utf8'));
      const rep = JSON.parse(readFileSync(json, 'utf8'));
      expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
      expect(rep.segments[0].name).toBe('Big spenders');
      // Segments the names file leaves out keep the name cluster made from their most distinguishing columns.
      expect(rep.segments[0].nameSource).toBe('names-file');
      expect(rep.segments[1].nameSource).toBe('model');
      expect(rep.segments[1].name).toMatch(/^(High|Low) x\d · (high|low) x\d$/);
      expect(rep.tuning.recommendation.params.k).toBeDefined();
      expect(rep.dendrogram.merges.length).toBeGreaterThan(3);
      expect(rep.segments[0].summary).toMatch(/^Big spenders holds \d+(\.\d+)?\s% of the rows \([\d,]+\)/);
      const files = readdirSync(svg).sort();
      expect(files).toContain('sizes.svg');
      expect(files).toContain('dendrogram.svg');
      expect(files).toContain('tune-silhouette.svg');
      const page = readFileSync(html, 'utf8');
      expect(page).not.toMatch(
        /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org|vega\.github\.io)/,
      );
    }
    expect(outs[0]).toBe(outs[2]);
    expect(outs[1]).toBe(outs[3]);
  });

  it('refuses a mismatched model, bad names or tune files and unwritable outputs, writing nothing', async () => {
    const seg = join(tmp.dir, 'k4.csv');
    const model3 = join(tmp.dir, 'k3.json');
    expect((await runCli(['cluster', blobs, '--k', '4', '--exclude', 'label', '-o', seg])).code).toBe(0);
    expect((await runCli(['cluster', blobs, '--k', '3', '--exclude', 'label', '--model', model3])).code).toBe(
      0,
    );
    const otherModel = join(tmp.dir, 'other.json');
    const other = join(tmp.dir, 'other.csv');
    writeFileSync(other, 'a,b\n1,2\n3,4\n5,7\n');
    expect((await runCli(['cluster', other, '--k', '2', '--model', otherModel])).code).toBe(0);
    const badNames = join(tmp.dir, 'bad-names.yaml');
    writeFileSync(badNames, 'zero: Champions\n');
    const badTune = join(tmp.dir, 'bad-tune.json');
    writeFileSync(badTune, '{"k": 3}');
    const cases: [string[], number, RegExp][] = [
      [['report', seg, '--model', model3], 3, /segment 3 is not in the model .* \(it has 3 segments\)/],
      [['report', seg, '--model', otherModel], 3, /missing column\(s\) the model needs: a, b/],
      [['report', seg, '--names', badNames], 3, /'zero' is not a segment number/],
      [['report', seg, '--tune', badTune], 3, /not a segment tune result/],
      [['report', seg, '--tune', join(tmp.dir, 'nope.json')], 3, /tuning file not found/],
      [
        ['report', seg, '--html', join(tmp.dir, 'no-such-dir', 'r.html')],
        3,
        /the folder .*no-such-dir does not exist/,
      ],
    ];
    for (const [args, code, re] of cases) {
      const json = join(tmp.dir, 'never.json');
      const r = await runCli([...args, '--json', json]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(existsSync(json)).toBe(false);
    }
  });

  it('refuses files without usable labels with one line and exit 3', async () => {
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, 'x,segment\n1,0\n2,1.5\n3,1\n');
    const cases: [string[], RegExp][] = [
      [
        ['report', blobs],
        /no column 'segment' with segment labels \(hint: the columns are x0, x1, x2, x3, label;/,
      ],
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
