import { describe, expect, it } from 'vitest';
import { Dataset, numericColumn } from '../../src/core/dataset.js';
import { REACHABILITY_BARS, reachabilityChart } from '../../src/report/reachability.js';

type Bar = { position: number; end: number; reachability: number | null; name: string };
const bars = (c: ReturnType<typeof reachabilityChart>): Bar[] =>
  (c!.spec['data'] as { values: Bar[] }).values;

describe('reachabilityChart', () => {
  // Rows 0..4 in file order; the ordering visits them as 2, 0, 4, 1, 3.
  const order = Float64Array.from([1, 3, 0, 4, 2]);
  const reach = Float64Array.from([0.5, 2, NaN, 3, 0.4]);
  const labels = Int32Array.from([0, -1, 0, 1, 0]);
  const ds = Dataset.of([numericColumn('optics_order', order), numericColumn('reachability', reach)]);

  it('draws one bar per row in the ordering, noise named and grey, a missing reachability as a gap', () => {
    const c = reachabilityChart(ds, labels, new Map([[0, 'Dense']]));
    expect(c!.id).toBe('reachability');
    expect(bars(c)).toEqual([
      { position: 0, end: 1, reachability: null, name: 'Dense' },
      { position: 1, end: 2, reachability: 0.5, name: 'Dense' },
      { position: 2, end: 3, reachability: 0.4, name: 'Dense' },
      { position: 3, end: 4, reachability: 2, name: 'Noise' },
      { position: 4, end: 5, reachability: 3, name: 'Segment 1' },
    ]);
    const color = (c!.spec['encoding'] as { color: { scale: { domain: string[]; range: string[] } } }).color;
    expect(color.scale.domain).toEqual(['Dense', 'Segment 1', 'Noise']);
    expect(color.scale.range.at(-1)).toBe('#c3c8ce');
  });

  it('is null without the OPTICS columns or when the ordering is not a permutation of the rows', () => {
    expect(
      reachabilityChart(Dataset.of([numericColumn('reachability', reach)]), labels, new Map()),
    ).toBeNull();
    const broken = Dataset.of([
      numericColumn('optics_order', Float64Array.from([0, 0, 1, 2, 3])),
      numericColumn('reachability', reach),
    ]);
    expect(reachabilityChart(broken, labels, new Map())).toBeNull();
  });

  it(`keeps at most ${REACHABILITY_BARS} bars: a bar per run of rows, at the run's highest reachability`, () => {
    const n = 2 * REACHABILITY_BARS + 1;
    const big = Dataset.of([
      numericColumn(
        'optics_order',
        Float64Array.from({ length: n }, (_, i) => i),
      ),
      numericColumn(
        'reachability',
        Float64Array.from({ length: n }, (_, i) => (i === 4 ? 9 : i % 3)),
      ),
    ]);
    const b = bars(reachabilityChart(big, new Int32Array(n), new Map()));
    expect(b.length).toBeLessThanOrEqual(REACHABILITY_BARS);
    expect(b[0]).toEqual({ position: 0, end: 3, reachability: 2, name: 'Segment 0' });
    expect(b[1]).toEqual({ position: 3, end: 6, reachability: 9, name: 'Segment 0' });
    expect(b.at(-1)!.end).toBe(n);
  });
});
