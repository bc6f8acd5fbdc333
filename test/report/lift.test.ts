import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.js';

describe('report lift: a ratio of means, only where one means something', () => {
  it('is segment mean / overall mean for a never-negative feature, null for a centred one', async () => {
    // spend: 10 in segment 0, 30 in segment 1 (overall 20); z: centred, overall mean −5e-8 (a ratio would be ~2e7).
    const n = 40;
    const data = new Float64Array(n * 2);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i < n / 2 ? 0 : 1;
      const wiggle = (i % 5) - 2; // −2..2, mean 0 within each segment
      data[i * 2] = (labels[i] === 0 ? 10 : 30) + wiggle;
      data[i * 2 + 1] = (labels[i] === 0 ? -1.0000001 : 1) + wiggle / 100;
    }
    const report = await buildReport({ data, nRows: n, nCols: 2 }, labels, {
      features: ['spend', 'z'],
      segmentColumn: 'segment',
      idColumn: null,
      distance: 'euclidean',
      model: null,
      tuning: null,
      names: new Map(),
      inputs: [],
      seed: 42,
      toolVersion: 'test',
      sampleSize: 1000,
      maxPoints: 100,
      maxDistributions: 2,
    });
    const lift = (s: number, f: string) => {
      const p = report.segments[s]!.profile.find((q) => q.column === f)!;
      return p.kind === 'numeric' ? p.lift : undefined;
    };
    expect(lift(0, 'spend')).toBeCloseTo(0.5, 12);
    expect(lift(1, 'spend')).toBeCloseTo(1.5, 12);
    expect(lift(0, 'z')).toBeNull();
    expect(lift(1, 'z')).toBeNull();
    expect(report.overall.map((p) => (p.kind === 'numeric' ? p.lift : undefined))).toEqual([1, null]);
  });
});
