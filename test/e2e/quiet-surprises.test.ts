import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

// Results that used to come back without a word: each now says what happened on stderr (a warning) and still
// succeeds, or fails with one line.

const tmp = tempDir('segment-surprises-');
afterAll(() => tmp.cleanup());
const file = (name: string, text: string): string => {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
};
const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('warning: '));

describe('warnings instead of silent results', () => {
  it('features: an --amount column without a single value is named', async () => {
    const ev = file('no-amount.csv', 'id,ts,amount\na,2026-01-01,\na,2026-01-02,\nb,2026-01-03,\n');
    const out = join(tmp.dir, 'no-amount.csv.out.csv');
    const r = await runCli(['features', ev, '--id', 'id', '--time', 'ts', '--amount', 'amount', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr).join('\n')).toMatch(
      /column 'amount' \(--amount\) has no values: monetary features/,
    );
    expect(readFileSync(out, 'utf8')).toMatch(/monetary/);
  });

  it('features: a default as-of date after today is named with --as-of; a given one is not', async () => {
    const ev = file('future.csv', 'id,ts,amount\na,2026-01-01,3\na,2099-01-02,4\nb,2026-01-03,5\n');
    const args = ['features', ev, '--id', 'id', '--time', 'ts', '--amount', 'amount'];
    const r = await runCli([...args, '-o', join(tmp.dir, 'future-1.csv')]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr).join('\n')).toMatch(/2099-01-03, which is later than today.*--as-of/);
    const given = await runCli([...args, '--as-of', '2099-02-01', '-o', join(tmp.dir, 'future-2.csv')]);
    expect(given.code, given.stderr).toBe(0);
    expect(warnings(given.stderr)).toEqual([]);
  });

  it('features: the fixture events (in the past) give no as-of warning', async () => {
    const r = await runCli([
      'features',
      join(fixtures, 'events.csv'),
      '--id',
      'customer_id',
      '--time',
      'ts',
      '--amount',
      'amount',
      '--event',
      'event',
      '-o',
      join(tmp.dir, 'fixture-features.parquet'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/later than today/);
  });

  it('cluster: k above the number of distinct points warns with both numbers, and the model loads', async () => {
    const same = file('same.csv', 'x,y\n' + '1,1\n'.repeat(6));
    const model = join(tmp.dir, 'same.json');
    const r = await runCli([
      'cluster',
      same,
      '--k',
      '3',
      '-o',
      join(tmp.dir, 'same-seg.csv'),
      '--model',
      model,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr).join('\n')).toMatch(
      /Number of distinct clusters \(1\) found smaller than n_clusters \(3\)/,
    );
    const m = JSON.parse(readFileSync(model, 'utf8')) as { centroids: number[][]; centroidSegment: number[] };
    expect(m.centroids).toHaveLength(m.centroidSegment.length);
    const a = await runCli(['assign', same, '--model', model, '-o', join(tmp.dir, 'same-assigned.csv')]);
    expect(a.code, a.stderr).toBe(0);
  });
});

describe('segment run checks its inputs first', () => {
  const pipeline = (extra: string) =>
    file(
      `p-${extra.length}.yaml`,
      `version: 1\nsource:\n  path: ${join(fixtures, 'blobs.csv')}\nsteps:\n  - step: clean\n    with: { scale: zscore }\n  - step: cluster\n    with: { k: 2${extra} }\n`,
    );

  it('a missing baseline named in a step is reported before any step runs, in one line', async () => {
    const out = join(tmp.dir, 'run-missing');
    const r = await runCli(['run', pipeline(', baseline: nowhere.json'), '--out-dir', out]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/nowhere\.json: file \(steps\[1\]\.with\.baseline in .*\) not found/);
    expect(existsSync(join(out, 'clean.parquet'))).toBe(false);
  });

  it('a successful run still logs every step', async () => {
    const r = await runCli(['run', pipeline(''), '--out-dir', join(tmp.dir, 'run-ok')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/step 1\/2 clean: segment clean/);
    expect(r.stderr).toMatch(/step 2\/2 cluster: segment cluster/);
  });
});
