import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
      { name: 'ari', value: 1, at: null, kind: 'min', threshold: 0.8, pass: true, enabled: true },
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
