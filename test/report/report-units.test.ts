import { describe, expect, it } from 'vitest';
import { escapeHtml, scriptJson } from '../../src/render/page.js';
import { pcaProjection, projectRows } from '../../src/report/projection.js';
import { umap } from '../../src/select/umap.js';
import { Random } from '../../src/core/random.js';
import { dendrogramSpec } from '../../src/report/report-charts.js';

describe('HTML escaping', () => {
  it('escapes markup characters and quotes', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
  });
  it('writes JSON that cannot close a script element and still parses to the same value', () => {
    const v = { name: '</script><script>alert(1)</script>', sep: '\u2028\u2029', amp: 'a&b<!--' };
    const text = scriptJson(v);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(v);
  });
});

describe('PCA projection', () => {
  it('puts the long axis first, signs it by its largest loading, and reports the variance shares', () => {
    // points on the line y = 2x plus a small orthogonal wiggle
    const rows: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = i - 24.5;
      const w = (i % 2 === 0 ? 1 : -1) * 0.1;
      rows.push(t - 2 * w, 2 * t + w);
    }
    const X = { data: Float64Array.from(rows), nRows: 50, nCols: 2 };
    const p = pcaProjection(X, new Int32Array(50), 10, 1);
    expect(p.sampled).toBe(10);
    expect(p.explainedRatio![0] + p.explainedRatio![1]).toBeCloseTo(1, 12);
    expect(p.explainedRatio![0]).toBeGreaterThan(0.999);
    const all = pcaProjection(X, new Int32Array(50), 100, 1);
    // the last point has the largest t; PC1's largest loading (on y) is positive, so its score is positive
    expect(all.points[49]!.x).toBeGreaterThan(0);
    expect(all.points[49]!.x).toBeCloseTo(Math.sqrt(5) * 24.5, 3); // the wiggle tilts the axis very slightly
  });
});

describe('UMAP projection', () => {
  it("embeds the PCA's seeded sample with UMAP, keeps each point's segment, and refuses too few rows", async () => {
    const n = 400;
    const d = 3;
    const data = new Float64Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let j = 0; j < d; j++) data[i * d + j] = (i % 2) * 20 + Math.sin(i * 7.3 + j * 1.7) * 3;
    }
    const X = { data, nRows: n, nCols: d };
    const pca = pcaProjection(X, labels, 120, 3);
    const p = await projectRows(X, labels, 120, 3, 'umap');
    expect(p.method).toBe('umap');
    expect(p.explainedRatio).toBeNull();
    expect(p.sampled).toBe(120);
    expect(p.points.map((q) => q.segment)).toEqual(pca.points.map((q) => q.segment));
    // The same rows as PCA draws (seeded sample, stream 13), embedded by umap() with the report's seed.
    const rows = new Random(3, 13).sampleIndices(n, 120);
    const columns = Array.from({ length: d }, (_, j) => Float64Array.from(rows, (i) => data[i * d + j]!));
    const u = umap({ columns, nRows: 120 }, { seed: 3 });
    expect(p.points.map((q) => q.x)).toEqual(Array.from(u.x));
    expect(p.points.map((q) => q.segment)).toEqual(Array.from(rows, (i) => labels[i]));
    await expect(
      projectRows({ data: data.slice(0, 10 * d), nRows: 10, nCols: d }, labels, 120, 3, 'umap'),
    ).rejects.toThrow(/--projection umap needs at least 16 rows; got 10/);
  });
});

describe('dendrogram layout', () => {
  it('draws three lines per merge, children at their own heights', () => {
    const spec = dendrogramSpec({
      nLeaves: 3,
      merges: [
        { id: 3, left: 0, right: 1, height: 1, size: 2 },
        { id: 4, left: 2, right: 3, height: 2.5, size: 3 },
      ],
    });
    const lines = (spec['data'] as { values: { x: number; y: number; x2: number; y2: number }[] }).values;
    expect(lines).toHaveLength(6);
    // the root joins leaf 2 (height 0) and node 3 (height 1) at 2.5
    expect(lines.slice(3)).toEqual([
      { x: 0, y: 0, x2: 0, y2: 2.5 },
      { x: 1.5, y: 1, x2: 1.5, y2: 2.5 },
      { x: 0, y: 2.5, x2: 1.5, y2: 2.5 },
    ]);
  });
});
