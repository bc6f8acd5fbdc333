import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { ari } from '../helpers/ari.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function csv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, j) => [cols[j]!, v])));
}

describe('the chain on the bundled event log (built CLI)', () => {
  it('features → clean --scale zscore → cluster recovers the planted segments (ARI ≥ 0.9), and assign scores raw features', async () => {
    const features = join(tmp.dir, 'features.parquet');
    const clean = join(tmp.dir, 'clean.parquet');
    const seg = join(tmp.dir, 'segments.csv');
    const model = join(tmp.dir, 'model.json');
    const F = 'recency_days,tenure_days,sessions,mean_session_minutes,monetary';
    const steps: string[][] = [
      [
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
        '--session',
        'session_id',
        '-o',
        features,
      ],
      [
        'clean',
        features,
        '--id',
        'customer_id',
        '--features',
        F,
        '--impute',
        'median',
        '--scale',
        'zscore',
        '-o',
        clean,
      ],
      ['cluster', clean, '--id', 'customer_id', '--features', F, '--k', '5', '-o', seg, '--model', model],
    ];
    for (const s of steps) {
      const r = await runCli(s);
      expect(r.code, `${s[0]}: ${r.stderr}`).toBe(0);
    }
    const truth = new Map(
      csv(readFileSync(join(fixtures, 'events_truth.csv'), 'utf8')).map((r) => [
        r['customer_id']!,
        r['planted_segment']!,
      ]),
    );
    const rows = csv(readFileSync(seg, 'utf8'));
    expect(rows).toHaveLength(600);
    const score = ari(
      rows.map((r) => r['segment']!),
      rows.map((r) => truth.get(r['customer_id']!)!),
    );
    expect(score).toBeGreaterThanOrEqual(0.9);
    const a = await runCli(['assign', features, '--model', model, '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(csv(a.stdout).map((r) => r['segment'])).toEqual(rows.map((r) => r['segment']));
  });
  it('features → clean → select --pca → cluster: assign replays clean and select on raw features', async () => {
    const features = join(tmp.dir, 'f2.parquet');
    const clean = join(tmp.dir, 'c2.parquet');
    const pcs = join(tmp.dir, 'p2.parquet');
    const seg = join(tmp.dir, 's2.csv');
    const model = join(tmp.dir, 'm2.json');
    const F = 'recency_days,tenure_days,sessions,mean_session_minutes,monetary';
    const steps: string[][] = [
      [
        'features',
        join(fixtures, 'events.csv'),
        '--id',
        'customer_id',
        '--time',
        'ts',
        '--amount',
        'amount',
        '-o',
        features,
      ],
      [
        'clean',
        features,
        '--id',
        'customer_id',
        '--features',
        F,
        '--impute',
        'median',
        '--scale',
        'zscore',
        '-o',
        clean,
      ],
      ['select', clean, '--id', 'customer_id', '--features', F, '--pca', '3', '-o', pcs],
      [
        'cluster',
        pcs,
        '--id',
        'customer_id',
        '--features',
        'pc1,pc2,pc3',
        '--k',
        '4',
        '-o',
        seg,
        '--model',
        model,
      ],
    ];
    for (const s of steps) {
      const r = await runCli(s);
      expect(r.code, `${s[0]}: ${r.stderr}`).toBe(0);
    }
    const chain = JSON.parse(readFileSync(model, 'utf8')).chain.map((e: { stage: string }) => e.stage);
    expect(chain).toEqual(['clean', 'select']);
    const fitted = csv(readFileSync(seg, 'utf8')).map((r) => r['segment']);
    const a = await runCli([
      'assign',
      features,
      '--model',
      model,
      '--json',
      '-o',
      join(tmp.dir, 'scored.csv'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).replayed).toEqual(['clean', 'select']);
    expect(csv(readFileSync(join(tmp.dir, 'scored.csv'), 'utf8')).map((r) => r['segment'])).toEqual(fitted);
  });
});
