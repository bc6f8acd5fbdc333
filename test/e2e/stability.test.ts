import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const blobs = join(fixtures, 'blobs.csv');

/** 120 customers in 3 segments (−1 noise on every 40th), features depending on the segment. */
function rows(): { id: number; x: number; y: number; segment: number }[] {
  const out = [];
  for (let i = 0; i < 120; i++) {
    const s = i % 3;
    out.push({ id: 1000 + i, x: s * 10 + (i % 7) / 7, y: (i * 37) % 11, segment: i % 40 === 0 ? -1 : s });
  }
  return out;
}

function write(name: string, rs: { id: number; x: number; y: number; segment: number }[]): string {
  const p = join(tmp.dir, name);
  writeFileSync(
    p,
    'id,x,y,segment\n' + rs.map((r) => `${r.id},${r.x},${r.y},${r.segment}`).join('\n') + '\n',
  );
  return p;
}

describe('segment stability (built CLI)', () => {
  const a = write('a.csv', rows());

  it('passes identical files (exit 0) with every metric at its ideal value', async () => {
    const r = await runCli(['stability', blobs, blobs, '--segment-col', 'label']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rows 600 {2}ari 1 {2}nmi 1/);
    expect(r.stdout).toMatch(/stability: pass/);
    expect(r.stderr).toBe('');
  });

  it('passes a shuffled, relabelled copy matched by --id (ARI 1, Jaccard 1), with complete JSON', async () => {
    const perm = [2, 0, 1];
    const shuffled = rows()
      .map((r) => ({ ...r, segment: r.segment === -1 ? -1 : perm[r.segment]! }))
      .reverse();
    const b = write('b.csv', shuffled);
    const r = await runCli(['stability', a, b, '--id', 'id', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('segment.stability');
    expect(j.inputs.matchedBy).toBe('id');
    expect(j.ari).toBe(1);
    expect(j.nmi).toBeCloseTo(1, 12);
    expect(j.noise).toEqual({ a: 3, b: 3 });
    expect(
      j.segments.matches.map((m: { a: number; b: number; jaccard: number }) => [m.a, m.b, m.jaccard]),
    ).toEqual([
      [0, 2, 1],
      [1, 0, 1],
      [2, 1, 1],
    ]);
    expect(j.features.map((f: { feature: string }) => f.feature)).toEqual(['x', 'y']);
    for (const f of j.features) expect([f.psi, f.ks, f.wasserstein]).toEqual([0, 0, 0]);
    expect(j.gates).toEqual([
      {
        name: 'ari',
        value: 1,
        at: null,
        kind: 'min',
        threshold: 0.8,
        pass: true,
        enabled: true,
        applicable: true,
      },
      expect.objectContaining({ name: 'jaccard', value: 1, threshold: 0.7, pass: true }),
      expect.objectContaining({ name: 'psi', value: 0, threshold: 0.25, pass: true }),
      expect.objectContaining({ name: 'ks', value: 0, threshold: 0.1, pass: true }),
    ]);
    expect(j.pass).toBe(true);
    expect(j.psi.epsilon).toBe(1e-4);
  });

  it('fails a perturbed file with exit 1, naming the gate on one stderr line; none disables it', async () => {
    const perturbed = rows().map((r, i) =>
      i % 3 === 0 && r.segment >= 0 ? { ...r, segment: (r.segment + 1) % 3 } : r,
    );
    const c = write('c.csv', perturbed);
    const r = await runCli(['stability', a, c, '--id', 'id']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ari .* FAIL/);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^segment: stability gate failed: ari -?0\.\d+ < 0\.8/);
    const off = await runCli(['stability', a, c, '--id', 'id', '--min-ari', 'none', '--min-jaccard', 'none']);
    expect(off.code, off.stderr).toBe(0);
    const json = await runCli(['stability', a, c, '--id', 'id', '--json']);
    expect(json.code).toBe(1);
    const j = JSON.parse(json.stdout);
    expect(j.pass).toBe(false);
    expect(j.gates[0].pass).toBe(false);
  });

  it('fails the drift gates when a feature shifts', async () => {
    const shifted = write(
      'd.csv',
      rows().map((r) => ({ ...r, y: r.y + 5 })),
    );
    const r = await runCli(['stability', a, shifted, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ari).toBe(1);
    expect(j.gates.filter((g: { pass: boolean }) => !g.pass).map((g: { name: string }) => g.name)).toEqual([
      'psi',
      'ks',
    ]);
    expect(r.stderr).toMatch(/psi .* > 0\.25 \(y\); ks .* > 0\.1 \(y\)/);
    const only = await runCli(['stability', a, shifted, '--features', 'x']);
    expect(only.code, only.stderr).toBe(0);
  });

  it('exits 2 on bad flags', async () => {
    for (const args of [
      ['--min-ari', 'abc'],
      ['--min-jaccard', '1.5'],
      ['--max-psi', '-1'],
      ['--max-ks', ''],
      ['--no-such-flag'],
      ['--features', 'segment'],
    ]) {
      const r = await runCli(['stability', a, a, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const one = await runCli(['stability', a]);
    expect(one.code).toBe(2);
  });

  it('exits 3 on a missing segment column, unequal row counts, duplicate or missing ids', async () => {
    const noSeg = join(tmp.dir, 'noseg.csv');
    writeFileSync(noSeg, 'id,x\n1,2\n2,3\n');
    const r = await runCli(['stability', a, noSeg]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/noseg\.csv: no column 'segment'/);
    const short = write('short.csv', rows().slice(0, 50));
    const s = await runCli(['stability', a, short]);
    expect(s.code).toBe(3);
    expect(s.stderr).toMatch(/--id/);
    const dup = write('dup.csv', [...rows(), rows()[0]!]);
    expect((await runCli(['stability', a, dup, '--id', 'id'])).code).toBe(3);
    expect((await runCli(['stability', a, a, '--id', 'nope'])).code).toBe(3);
    expect((await runCli(['stability', a, join(tmp.dir, 'missing.csv')])).code).toBe(3);
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, 'id,segment\n1,0.5\n');
    expect((await runCli(['stability', bad, bad])).code).toBe(3);
  });
});

/** Cluster blobs.csv into `dir` (segments.parquet + model.json), as a run folder. */
async function runFolder(dir: string, args: string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const r = await runCli([
    'cluster',
    blobs,
    '--features',
    'x0,x1,x2,x3',
    ...args,
    '-o',
    join(dir, 'segments.parquet'),
    '--model',
    join(dir, 'model.json'),
    '-q',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('segment stability --bootstrap (built CLI)', () => {
  it('blobs with the true k: every mean Jaccard >= 0.95, identical JSON whatever --threads', async () => {
    const dir = await runFolder(join(tmp.dir, 'run4'), ['--k', '4']);
    const r = await runCli(['--threads', '1', 'stability', dir, '--bootstrap', '25', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.mode).toBe('bootstrap');
    expect(j.replicates).toBe(25);
    expect(j.inputs.model.path).toBe(join(dir, 'model.json'));
    expect(j.refit).toMatchObject({ algorithm: 'kmeans', nClusters: 4 });
    expect(j.segments).toHaveLength(4);
    for (const s of j.segments) {
      expect(s.meanJaccard).toBeGreaterThanOrEqual(0.95);
      expect(s.computed).toBe(25);
      expect(s.dissolved).toBe(0);
    }
    expect(j.ari.mean).toBeGreaterThan(0.95);
    expect(
      j.gates.map((g: { name: string; applicable: boolean; pass: boolean }) => [
        g.name,
        g.applicable,
        g.pass,
      ]),
    ).toEqual([
      ['ari', true, true],
      ['jaccard', true, true],
      ['psi', false, true],
      ['ks', false, true],
    ]);
    expect(r.stderr).toMatch(/bootstrap: 25\/25 replicates/);
    const t3 = await runCli(['--threads', '3', 'stability', dir, '--bootstrap', '25', '--json']);
    expect(t3.code, t3.stderr).toBe(0);
    expect(t3.stdout).toBe(r.stdout);
    const table = await runCli([
      'stability',
      join(dir, 'segments.parquet'),
      '--model',
      join(dir, 'model.json'),
      '--bootstrap',
      '5',
      '-q',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^bootstrap 5 replicates {2}rows 600/);
    expect(table.stdout).toMatch(/psi +— +<= 0\.25 +n\/a/);
    expect(table.stdout).toMatch(/stability: pass\n$/);
  });

  it('k-means with k too large on one Gaussian blob fails the Jaccard gate (exit 1, named on stderr)', async () => {
    const rng = new Random(11);
    const lines = ['a,b'];
    for (let i = 0; i < 300; i++) lines.push(`${rng.normal().toFixed(6)},${rng.normal().toFixed(6)}`);
    const data = join(tmp.dir, 'one_blob.csv');
    writeFileSync(data, lines.join('\n') + '\n');
    const dir = join(tmp.dir, 'blob6');
    mkdirSync(dir);
    const fit = await runCli([
      'cluster',
      data,
      '--k',
      '6',
      '-o',
      join(dir, 'segments.parquet'),
      '--model',
      join(dir, 'model.json'),
      '-q',
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const r = await runCli([
      'stability',
      dir,
      '--bootstrap',
      '20',
      '--min-jaccard',
      '0.75',
      '--min-ari',
      'none',
      '--json',
      '-q',
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Math.min(...j.segments.map((s: { meanJaccard: number }) => s.meanJaccard))).toBeLessThan(0.75);
    expect(j.pass).toBe(false);
    const lines2 = r.stderr.trim().split('\n');
    expect(lines2).toHaveLength(1);
    expect(lines2[0]).toMatch(/^segment: stability gate failed: jaccard 0\.\d+ < 0\.75 \(segment \d\)$/);
  });

  it('exits 2 on --bootstrap out of range, two inputs, or no model; 3 on a folder missing a file', async () => {
    const dir = await runFolder(join(tmp.dir, 'run3'), ['--k', '3']);
    for (const args of [
      [dir, '--bootstrap', '1'],
      [dir, '--bootstrap', '10001'],
      [dir, '--bootstrap', 'many'],
      [dir, dir, '--bootstrap', '5'],
      [join(dir, 'segments.parquet'), '--bootstrap', '5'],
      [join(dir, 'model.json'), '--bootstrap', '5'],
    ]) {
      const r = await runCli(['stability', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const noModel = await runCli(['stability', join(dir, 'segments.parquet'), '--bootstrap', '5']);
    expect(noModel.stderr).toMatch(/--bootstrap needs the fitted model/);
    const empty = join(tmp.dir, 'empty_run');
    mkdirSync(empty);
    const e = await runCli(['stability', empty, '--bootstrap', '5']);
    expect(e.code).toBe(3);
    expect(e.stderr).toContain(join(empty, 'segments.parquet'));
    const e2 = await runCli(['stability', empty, dir]);
    expect(e2.code).toBe(3);
    expect(e2.stderr).toContain(join(empty, 'segments.parquet'));
    const noJson = join(tmp.dir, 'no_model_json');
    await runFolder(noJson, ['--k', '3']);
    rmSync(join(noJson, 'model.json'));
    const m = await runCli(['stability', noJson, '--bootstrap', '5']);
    expect(m.code).toBe(3);
    expect(m.stderr).toContain(join(noJson, 'model.json'));
  });
});

describe('segment stability with run folders and models (built CLI)', () => {
  it('compares two run folders by their segments.parquet', async () => {
    const r1 = await runFolder(join(tmp.dir, 'f1'), ['--k', '4']);
    const r2 = await runFolder(join(tmp.dir, 'f2'), ['--k', '4', '--n-init', '3']);
    const r = await runCli(['stability', r1, r2, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.mode).toBe('compare');
    expect(j.inputs.a).toEqual({ path: join(r1, 'segments.parquet'), kind: 'segments', rows: 600 });
    expect(j.ari).toBe(1);
    expect(j.gates.every((g: { applicable: boolean }) => g.applicable)).toBe(true);
  });

  it('scores the same rows with two models (--data): agreement only, drift not applicable', async () => {
    const k4 = await runFolder(join(tmp.dir, 'm4'), ['--k', '4']);
    const k3 = await runFolder(join(tmp.dir, 'm3'), ['--k', '3']);
    const same = await runCli([
      'stability',
      join(k4, 'model.json'),
      join(k4, 'model.json'),
      '--data',
      blobs,
      '--json',
      '-q',
    ]);
    expect(same.code, same.stderr).toBe(0);
    const s = JSON.parse(same.stdout);
    expect(s.inputs.a).toMatchObject({ kind: 'model', algorithm: 'kmeans', scored: blobs, rows: 600 });
    expect(s.inputs.matchedBy).toBe('same rows');
    expect([s.ari, s.features]).toEqual([1, []]);
    expect(
      s.gates
        .slice(2)
        .map((g: { name: string; applicable: boolean; value: null }) => [g.name, g.applicable, g.value]),
    ).toEqual([
      ['psi', false, null],
      ['ks', false, null],
    ]);
    const diff = await runCli([
      'stability',
      join(k4, 'model.json'),
      join(k3, 'model.json'),
      '--data',
      blobs,
      '--json',
      '-q',
    ]);
    expect(diff.code).toBe(1);
    const d = JSON.parse(diff.stdout);
    expect(d.segments.vanished).toHaveLength(1);
    expect(d.ari).toBeLessThan(1);
    expect(d.gates.filter((g: { pass: boolean }) => !g.pass).map((g: { name: string }) => g.name)).toContain(
      'jaccard',
    );
    expect(diff.stderr).not.toMatch(/psi|ks/);
    // A segments file and a model: the model scores the file's own rows (its own fit → ARI 1).
    const mixed = await runCli(['stability', k4, join(k4, 'model.json'), '--json', '-q']);
    expect(mixed.code, mixed.stderr).toBe(0);
    const m = JSON.parse(mixed.stdout);
    expect([m.ari, m.inputs.b.kind, m.inputs.b.scored]).toEqual([1, 'model', join(k4, 'segments.parquet')]);
    // With --data the model scores those rows, paired with the segments file by --id or position.
    const mixedData = await runCli([
      'stability',
      k3,
      join(k4, 'model.json'),
      '--data',
      blobs,
      '--json',
      '-q',
    ]);
    expect(mixedData.code).toBe(1);
    expect(JSON.parse(mixedData.stdout).inputs.matchedBy).toBe('position');
  });

  it('exits 2 for models without --data, --data without a model, --model without --bootstrap', async () => {
    const k4 = join(tmp.dir, 'm4');
    const model = join(k4, 'model.json');
    for (const args of [
      [model, model],
      [k4, k4, '--data', blobs],
      [k4, k4, '--model', model],
      [model, k4, '--features', 'x0'],
    ]) {
      const r = await runCli(['stability', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const r = await runCli(['stability', model, model]);
    expect(r.stderr).toMatch(/are models: comparing them needs --data/);
  });
});
