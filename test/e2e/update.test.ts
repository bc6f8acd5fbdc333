import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { assignLabels, duckRows, duckTable, labelsOf, segment, withRowId } from '../export/helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const dir = tmp.dir;
const p = (name: string): string => join(dir, name);
const json = (name: string) => JSON.parse(readFileSync(p(name), 'utf8'));
const sha256 = (name: string): string =>
  createHash('sha256')
    .update(readFileSync(p(name)))
    .digest('hex');

/** Rows of a CSV as objects of numbers. */
function csvRows(name: string): Record<string, number>[] {
  const [head, ...lines] = readFileSync(p(name), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [cols[j]!, Number(v)])));
}

const sqDist = (a: number[], b: number[]) => a.reduce((s, v, t) => s + (v - b[t]!) ** 2, 0);
const nearest = (x: number[], centres: number[][]) =>
  centres.reduce((best, c, j) => (sqDist(x, c) < sqDist(x, centres[best]!) ? j : best), 0);

describe('segment update (built CLI)', () => {
  beforeAll(async () => {
    // blobs with a row id: the first 400 rows fit the model, the last 200 are "tonight's" rows; drift.csv moves them
    // by +3 along x1 so some rows change segment.
    const [head, ...rows] = readFileSync(withRowId(dir, 'blobs.csv'), 'utf8').trim().split('\n');
    writeFileSync(p('a.csv'), [head, ...rows.slice(0, 400)].join('\n') + '\n');
    writeFileSync(p('b.csv'), [head, ...rows.slice(400)].join('\n') + '\n');
    const drift = rows.slice(400).map((r) => {
      const c = r.split(',');
      c[2] = String(Number(c[2]) + 3);
      return c.join(',');
    });
    writeFileSync(p('drift.csv'), [head, ...drift].join('\n') + '\n');
    writeFileSync(
      p('names.yaml'),
      '0: {name: Alpha, description: the first}\n1: Beta\n2: Gamma\n3: {name: Delta, description: the last}\n',
    );
    const common = ['--id', 'rid', '--exclude', 'label'];
    await segment(['clean', p('a.csv'), ...common, '--scale', 'zscore', '-o', p('clean.parquet')]);
    await segment([
      'cluster',
      p('clean.parquet'),
      ...common,
      '--k',
      '4',
      '--names',
      p('names.yaml'),
      '-o',
      p('segments.parquet'),
      '--model',
      p('model.json'),
    ]);
    await segment(['cluster', p('a.csv'), ...common, '--k', '4', '--model', p('raw.json')]);
    await segment([
      'cluster',
      p('a.csv'),
      ...common,
      '--algo',
      'dbscan',
      '--eps',
      '2',
      '--model',
      p('dbscan.json'),
    ]);
    await segment([
      'cluster',
      p('a.csv'),
      ...common,
      '--algo',
      'hierarchical',
      '--k',
      '4',
      '--model',
      p('hier.json'),
    ]);
  }, 120_000);

  it('replays the chain, moves the centres by the formula, keeps the segments, and records the update', async () => {
    const r = await runCli([
      '--quiet',
      'update',
      p('b.csv'),
      '--model',
      p('model.json'),
      '--decay',
      '0.9',
      '-o',
      p('m2.json'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      format: 'segment.update',
      version: 1,
      input: { path: p('b.csv'), sha256: sha256('b.csv'), rows: 200 },
      model: { path: p('model.json'), hash: json('model.json').hash },
      output: { path: p('m2.json'), hash: json('m2.json').hash, written: true },
      algorithm: 'kmeans',
      decay: 0.9,
      replayed: ['clean'],
      gates: [
        { name: 'shift', threshold: null, pass: true, enabled: false },
        { name: 'changed', threshold: null, pass: true, enabled: false },
      ],
      pass: true,
    });
    const m1 = json('model.json');
    const m2 = json('m2.json');
    // Rows per segment: what segment assign gives them with the old model (chain replayed on raw rows).
    const assigned = JSON.parse(
      await segment(['assign', p('b.csv'), '--model', p('model.json'), '--json']),
    ) as { segments: { segment: number; size: number }[] };
    expect(report.segments.map((s: { segment: number; rows: number }) => [s.segment, s.rows])).toEqual(
      assigned.segments.map((s) => [s.segment, s.size]),
    );
    // Identity: numbers, names, descriptions, features, chain and input schema kept; sizes are the new weights.
    expect(
      m2.segments.map((s: { segment: number; name: string; description?: string }) => [
        s.segment,
        s.name,
        s.description,
      ]),
    ).toEqual(
      m1.segments.map((s: { segment: number; name: string; description?: string }) => [
        s.segment,
        s.name,
        s.description,
      ]),
    );
    expect(m2.segments.map((s: { segment: number }) => s.segment)).toEqual([0, 1, 2, 3]);
    expect(m2.segments[0].name).toBe('Alpha');
    expect(m2.features).toEqual(m1.features);
    expect(m2.chain).toEqual(m1.chain);
    expect(m2.inputSchema).toEqual(m1.inputSchema);
    expect(m2.centroidSegment).toEqual(m1.centroidSegment);
    expect(m2.hash).not.toBe(m1.hash);
    m1.segments.forEach((s: { size: number }, i: number) => {
      const rows = report.segments[i].rows as number;
      expect(report.segments[i].weightBefore).toBe(s.size);
      expect(report.segments[i].weightAfter).toBeCloseTo(0.9 * s.size + rows, 12);
      expect(m2.segments[i].size).toBe(Math.round(0.9 * s.size + rows));
    });
    expect(m2.updates).toEqual([
      {
        input: { sha256: sha256('b.csv'), rows: 200 },
        decay: 0.9,
        from: m1.hash,
        weights: report.segments.map((s: { weightAfter: number }) => s.weightAfter),
        exceptionsDropped: 0,
      },
    ]);
    // No wall clock in the model: the same update gives the same bytes.
    await segment([
      'update',
      p('b.csv'),
      '--model',
      p('model.json'),
      '--decay',
      '0.9',
      '-o',
      p('m2-again.json'),
    ]);
    expect(readFileSync(p('m2-again.json'), 'utf8')).toBe(readFileSync(p('m2.json'), 'utf8'));
  }, 60_000);

  it('a model fitted on raw rows: centres equal the formula computed here, shifts are Euclidean', async () => {
    const out = await segment([
      'update',
      p('drift.csv'),
      '--model',
      p('raw.json'),
      '--decay',
      '0.5',
      '-o',
      p('raw2.json'),
      '--json',
    ]);
    const report = JSON.parse(out);
    const m1 = json('raw.json');
    const m2 = json('raw2.json');
    const features = m1.features as string[];
    expect(features).toEqual(['x0', 'x1', 'x2', 'x3']);
    const rows = csvRows('drift.csv').map((r) => features.map((f) => r[f]!));
    const centres = m1.centroids as number[][];
    const k = centres.length;
    const sums = centres.map((c) => c.map(() => 0));
    const n = centres.map(() => 0);
    for (const x of rows) {
      const j = nearest(x, centres);
      n[j]!++;
      x.forEach((v, t) => (sums[j]![t]! += v));
    }
    for (let j = 0; j < k; j++) {
      const s = m1.segments.findIndex((g: { segment: number }) => g.segment === m1.centroidSegment[j]);
      const w = 0.5 * m1.segments[s].size;
      const want = centres[j]!.map((c, t) => (w * c + sums[j]![t]!) / (w + n[j]!));
      m2.centroids[j].forEach((v: number, t: number) => expect(v).toBeCloseTo(want[t]!, 10));
      expect(report.segments[s].rows).toBe(n[j]);
      expect(report.segments[s].shift).toBeCloseTo(Math.sqrt(sqDist(want, centres[j]!)), 10);
    }
    // Changed: the old and the updated model's nearest centre differ.
    const changed = rows.filter((x) => nearest(x, centres) !== nearest(x, m2.centroids)).length;
    expect(changed).toBeGreaterThan(0);
    expect(report.changed).toEqual({ rows: changed, share: changed / 200 });
    expect(report.segments.reduce((s: number, g: { changed: number }) => s + g.changed, 0)).toBe(changed);
    // A second update starts from the first one's weights and names it.
    await segment(['update', p('b.csv'), '--model', p('raw2.json'), '--decay', '1', '-o', p('raw3.json')]);
    const m3 = json('raw3.json');
    expect(m3.updates).toHaveLength(2);
    expect(m3.updates[1].from).toBe(m2.hash);
    expect(m3.updates[1].weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(
      m2.updates[0].weights.reduce((a: number, b: number) => a + b, 0) + 200,
      9,
    );
  }, 60_000);

  it('the updated model is a normal model: assign, export-sql (run in DuckDB) and report --model use it', async () => {
    await segment([
      'update',
      p('drift.csv'),
      '--model',
      p('model.json'),
      '--decay',
      '0.5',
      '-o',
      p('mu.json'),
    ]);
    // assign (raw rows, chain replayed) equals the exported query row for row.
    const assigned = await assignLabels(p('drift.csv'), p('mu.json'), 'rid', dir);
    expect(assigned.size).toBe(200);
    const sql = await segment([
      'export-sql',
      '--model',
      p('mu.json'),
      '--dialect',
      'duckdb',
      '--table',
      'drift_rows',
      '--id',
      'rid',
      '--segment-name',
    ]);
    await duckTable('drift_rows', p('drift.csv'));
    const rows = await duckRows(sql);
    expect(labelsOf(rows, 'rid')).toEqual(assigned);
    const names = new Set(rows.map((r) => r['segment_name']));
    expect(names.has('Alpha')).toBe(true);
    // report on the training segments file with the updated model: names from the model.
    await segment(['report', p('segments.parquet'), '--model', p('mu.json'), '--json', p('report.json')]);
    const rep = json('report.json');
    expect(JSON.stringify(rep)).toContain('Delta');
  }, 60_000);

  it('prints a small table without --json', async () => {
    const r = await runCli(['update', p('b.csv'), '--model', p('model.json'), '--decay', '0.9']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^update of .*model\.json with 200 rows of .*b\.csv \(decay 0\.9\)\n/);
    expect(r.stdout).toMatch(/\nsegment {2}name +new rows +weight +shift {2}changed\n/);
    expect(r.stdout).toMatch(/\n0 +Alpha +\d+ +\d+ → [\d.]+ +[\d.]+ +\d+\n/);
    expect(r.stdout).toContain('nothing written (no -o)');
  });

  it('a gate that fails: report printed, nothing written (an existing file survives), exit 1 with one line', async () => {
    writeFileSync(p('kept.json'), 'yesterday\n');
    const r = await runCli([
      '--quiet',
      'update',
      p('drift.csv'),
      '--model',
      p('raw.json'),
      '--decay',
      '0.5',
      '-o',
      p('kept.json'),
      '--max-shift',
      '0.5',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(readFileSync(p('kept.json'), 'utf8')).toBe('yesterday\n');
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(false);
    expect(report.output.written).toBe(false);
    expect(report.output.path).toBeNull();
    const shift = report.gates[0];
    expect(shift).toMatchObject({ name: 'shift', threshold: 0.5, pass: false, enabled: true });
    expect(shift.value).toBeGreaterThan(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^segment: update gate failed: shift [\d.]+ > 0\.5 \(segment \d\); .*kept\.json not written$/,
    );

    const c = await runCli([
      '--quiet',
      'update',
      p('drift.csv'),
      '--model',
      p('raw.json'),
      '--decay',
      '0.5',
      '-o',
      p('new.json'),
      '--max-changed',
      '0.001',
    ]);
    expect(c.code).toBe(1);
    expect(existsSync(p('new.json'))).toBe(false);
    expect(c.stdout).toContain('gate --max-changed 0.001: changed 0.01 FAIL');
    expect(c.stderr.trim()).toMatch(
      /^segment: update gate failed: changed 0\.01 > 0\.001; .*new\.json not written$/,
    );

    const ok = await runCli([
      '--quiet',
      'update',
      p('drift.csv'),
      '--model',
      p('raw.json'),
      '--decay',
      '0.5',
      '-o',
      p('new.json'),
      '--max-shift',
      '5',
      '--max-changed',
      '0.05',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/gate --max-shift 5: largest shift [\d.]+ \(segment \d\) pass/);
    expect(existsSync(p('new.json'))).toBe(true);
  }, 60_000);

  const refusals: { name: string; args: string[]; code: number; line: RegExp }[] = [
    {
      name: 'a DBSCAN model',
      args: ['b.csv', '--model', 'dbscan.json', '--decay', '0.9', '-o', 'x.json'],
      code: 2,
      line: /dbscan\.json: a dbscan model cannot be updated online; update moves k-means centres/,
    },
    {
      name: 'a hierarchical model',
      args: ['b.csv', '--model', 'hier.json', '--decay', '0.9', '-o', 'x.json'],
      code: 2,
      line: /hier\.json: a hierarchical model cannot be updated online/,
    },
    {
      name: 'rows without a feature the model needs',
      args: ['no-x2.csv', '--model', 'model.json', '--decay', '0.9', '-o', 'x.json'],
      code: 3,
      line: /no-x2\.csv: missing column\(s\) the model needs: x2/,
    },
    {
      name: '-o equal to --model',
      args: ['b.csv', '--model', 'model.json', '--decay', '0.9', '-o', 'model.json'],
      code: 2,
      line: /model\.json: -o names the --model file model\.json; writing it would destroy what is read/,
    },
    {
      name: '-o equal to the input',
      args: ['b.csv', '--model', 'model.json', '--decay', '0.9', '-o', 'b.csv'],
      code: 2,
      line: /b\.csv: -o names the input/,
    },
    {
      name: 'no --decay',
      args: ['b.csv', '--model', 'model.json', '-o', 'x.json'],
      code: 2,
      line: /update needs --decay X in \[0, 1\]/,
    },
    {
      name: '--decay out of range',
      args: ['b.csv', '--model', 'model.json', '--decay', '1.5', '-o', 'x.json'],
      code: 2,
      line: /--decay.*expected a number in \[0, 1\], got '1\.5'/,
    },
    {
      name: '--sample (every new row counts)',
      args: ['b.csv', '--model', 'model.json', '--decay', '0.9', '--sample', '50', '-o', 'x.json'],
      code: 2,
      line: /unknown option '--sample'/,
    },
    {
      name: 'no --model',
      args: ['b.csv', '--decay', '0.9', '-o', 'x.json'],
      code: 2,
      line: /update needs --model model\.json/,
    },
  ];
  for (const t of refusals) {
    it(`refuses ${t.name}: one line, exit ${t.code}, nothing written`, async () => {
      if (!existsSync(p('no-x2.csv')))
        writeFileSync(
          p('no-x2.csv'),
          readFileSync(p('b.csv'), 'utf8')
            .trim()
            .split('\n')
            .map((l) =>
              l
                .split(',')
                .filter((_, j) => j !== 3)
                .join(','),
            )
            .join('\n') + '\n',
        );
      const before = readFileSync(p('model.json'), 'utf8');
      const r = await runCli(['update', ...t.args], { cwd: dir });
      expect(r.code, r.stderr).toBe(t.code);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^segment: /);
      expect(lines[0]).toMatch(t.line);
      expect(r.stdout).toBe('');
      expect(existsSync(p('x.json'))).toBe(false);
      expect(readFileSync(p('model.json'), 'utf8')).toBe(before);
    });
  }
});
