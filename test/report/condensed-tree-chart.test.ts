import { describe, expect, it } from 'vitest';
import { condensedTreeSpec } from '../../src/report/condensed-tree-chart.js';
import { renderSvg } from '../../src/render/charts.js';

// Root (10 rows) splitting into a chosen cluster of 6 (segment 1) and an unchosen one of 4 splitting again.
const tree = {
  parent: [-1, 0, 0, 2, 2],
  lambdaBirth: [0, 1, 1, 2, 2],
  lambdaDeath: [1, 3, 2, 4, 4],
  size: [10, 6, 4, 2, 2],
  stability: [0, 5, 1, 1, null],
  segment: [-1, 1, -1, 0, -1],
  curve: [
    10,
    10,
    10,
    10,
    10,
    10,
    10,
    10,
    6,
    6,
    5,
    5,
    4,
    4,
    3,
    3,
    4,
    4,
    4,
    4,
    4,
    4,
    4,
    4,
    ...Array(16).fill(2),
  ],
};

describe('condensed tree icicle', () => {
  const spec = condensedTreeSpec(tree, (s) => `Segment ${s}`, ['Segment 0', 'Segment 1', 'Noise']);
  const layers = spec['layer'] as {
    data: { values: Record<string, number | string>[] };
    encoding: Record<string, unknown>;
  }[];
  const [other, chosen] = [layers[0]!.data.values, layers[1]!.data.values];

  it('draws one bar per step, as wide as the rows left, centred under the parent', () => {
    expect(chosen).toHaveLength(16);
    expect(other).toHaveLength(24);
    const c1 = chosen.filter((r) => r['cluster'] === 1);
    expect(c1.map((r) => r['rows'])).toEqual([6, 6, 5, 5, 4, 4, 3, 3]);
    // Cluster 1 spans x 0..6 (children of the root fill it exactly): centre 3.
    for (const r of c1) expect(((r['x'] as number) + (r['x2'] as number)) / 2).toBe(3);
    expect(c1[0]!['y']).toBe(1);
    expect(c1[7]!['y2']).toBe(3);
    // Cluster 3 (chosen, segment 0) sits in the left half of cluster 2 (x 6..10): centre 7.
    const c3 = chosen.filter((r) => r['cluster'] === 3);
    expect(c3[0]!['segment']).toBe('Segment 0');
    expect(((c3[0]!['x'] as number) + (c3[0]!['x2'] as number)) / 2).toBe(7);
    expect(other.every((r) => r['segment'] === 'not chosen')).toBe(true);
  });

  it('colours chosen clusters on the segment colour scale every chart shares', async () => {
    const color = layers[1]!.encoding['color'] as { scale: { domain: string[] } };
    expect(color.scale.domain).toEqual(['Segment 0', 'Segment 1', 'Noise']);
    const svg = await renderSvg(spec);
    // Vega's default category palette: Segment 0 blue, Segment 1 orange.
    expect(svg).toContain('#4c78a8');
    expect(svg).toContain('#f58518');
  });
});
