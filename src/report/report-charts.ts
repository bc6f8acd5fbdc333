import { formatValue } from '../core/format.js';
import { tuneChartSpecs } from '../tune/plots.js';
import {
  legendBelow,
  numberFormat,
  vegaLiteSchema,
  type ReportChart,
  type VegaLiteSpec,
} from '../render/charts.js';
import type { DendrogramTop, Report } from './build.js';

/** Every chart of a report, in page order. Data-derived strings only ever travel as data, never as markup. */
export function reportCharts(r: Report): ReportChart[] {
  const charts: ReportChart[] = [];
  const names = new Map(r.segments.map((s) => [s.segment, s.name]));
  const nameOf = (s: number) => (s < 0 ? 'Noise' : (names.get(s) ?? `Segment ${s}`));
  const order = r.segments.map((s) => s.name);

  charts.push({
    id: 'sizes',
    title: 'Segment sizes',
    spec: {
      $schema: vegaLiteSchema,
      width: 520,
      height: { step: 22 },
      data: { values: r.segments.map((s) => ({ name: s.name, size: s.size, share: s.share })) },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'name', type: 'nominal', sort: order, title: null },
        x: { field: 'size', type: 'quantitative', title: 'rows' },
        color: { field: 'name', type: 'nominal', sort: order, legend: null },
        tooltip: [
          { field: 'name', title: 'segment' },
          { field: 'size', title: 'rows' },
          { field: 'share', title: 'share', format: '.1%' },
        ],
      },
    },
  });

  // Means and medians as text for people, read against the feature's overall standard deviation.
  const sd = new Map(r.overall.map((p) => [p.feature, p.std]));
  const cells = r.segments.flatMap((s) =>
    s.profile.map((p) => ({
      name: s.name,
      feature: p.feature,
      diffSd: p.diffSd,
      // One decimal, never −0.0; the tooltip's with 2 significant digits.
      diffText: formatValue(Math.round(p.diffSd * 10) / 10, { digits: 3, sign: true }),
      diffTip: formatValue(p.diffSd, { digits: 2, sign: true, scale: 1 }),
      mean: formatValue(p.mean, { scale: sd.get(p.feature) }),
      median: formatValue(p.median, { scale: sd.get(p.feature) }),
    })),
  );
  const maxAbs = Math.max(0.5, ...cells.map((c) => Math.abs(c.diffSd)));
  charts.push({
    id: 'profiles',
    title: 'Profiles: segment mean minus overall mean, in standard deviations',
    spec: {
      $schema: vegaLiteSchema,
      data: { values: cells },
      // A fixed width (not one per band), so the page can narrow it to fit its block.
      width:
        r.dataset.features.length *
        Math.max(24, Math.min(60, Math.floor(700 / Math.max(1, r.dataset.features.length)))),
      height: { step: 26 },
      layer: [
        {
          mark: { type: 'rect', tooltip: true },
          encoding: {
            x: {
              field: 'feature',
              type: 'nominal',
              sort: r.dataset.features,
              title: null,
              axis: { labelAngle: -40 },
            },
            y: { field: 'name', type: 'nominal', sort: order, title: null },
            color: {
              field: 'diffSd',
              type: 'quantitative',
              title: 'SD from overall',
              scale: { scheme: 'redblue', reverse: true, domain: [-maxAbs, maxAbs] },
            },
            tooltip: [
              { field: 'name', title: 'segment' },
              { field: 'feature' },
              { field: 'mean' },
              { field: 'median' },
              { field: 'diffTip', title: 'SD from overall' },
            ],
          },
        },
        {
          // Differences written in the cells only when the cells are wide enough for them.
          mark: { type: 'text', fontSize: 10, opacity: { expr: "bandwidth('x') >= 22 ? 1 : 0" } },
          encoding: {
            x: { field: 'feature', type: 'nominal', sort: r.dataset.features },
            y: { field: 'name', type: 'nominal', sort: order },
            text: { field: 'diffText', type: 'nominal' },
          },
        },
      ],
    },
  });

  r.distributions.forEach((dist, i) => {
    const values = dist.counts.flatMap((c) => {
      const total = c.counts.reduce((a, b) => a + b, 0) || 1;
      return c.counts.map((count, b) => ({
        name: nameOf(c.segment),
        lo: dist.edges[b]!,
        hi: dist.edges[b + 1]!,
        mid: (dist.edges[b]! + dist.edges[b + 1]!) / 2,
        share: count / total,
      }));
    });
    charts.push({
      id: `distribution-${i + 1}`,
      title: `Distribution of ${dist.feature} by segment`,
      spec: {
        $schema: vegaLiteSchema,
        width: 480,
        height: 220,
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', tooltip: true },
        encoding: {
          x: { field: 'mid', type: 'quantitative', title: dist.feature, scale: { zero: false } },
          y: { field: 'share', type: 'quantitative', title: 'share of the segment', axis: { format: '%' } },
          color: {
            field: 'name',
            type: 'nominal',
            sort: order,
            title: 'segment',
            legend: legendBelow([...order, 'Noise']),
          },
          tooltip: [
            { field: 'name', title: 'segment' },
            { field: 'lo', title: 'from', format: numberFormat },
            { field: 'hi', title: 'to', format: numberFormat },
            { field: 'share', format: '.1%' },
          ],
        },
      },
    });
  });

  const [ex, ey] = r.projection.explainedRatio;
  charts.push({
    id: 'projection',
    title: `2-D projection (PCA, ${r.projection.sampled.toLocaleString('en-US')} rows drawn)`,
    spec: {
      $schema: vegaLiteSchema,
      width: 520,
      height: 400,
      data: { values: r.projection.points.map((p) => ({ x: p.x, y: p.y, name: nameOf(p.segment) })) },
      mark: { type: 'circle', size: 14, opacity: 0.6 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: `PC1 (${(ex * 100).toFixed(1)} % of variance)` },
        y: { field: 'y', type: 'quantitative', title: `PC2 (${(ey * 100).toFixed(1)} % of variance)` },
        color: { field: 'name', type: 'nominal', sort: [...order, 'Noise'], title: 'segment' },
      },
    },
  });

  if (r.tuning) {
    for (const [name, spec] of tuneChartSpecs(r.tuning))
      charts.push({ id: `tune-${name}`, title: String(spec['title'] ?? name), spec });
  }
  if (r.dendrogram)
    charts.push({ id: 'dendrogram', title: 'Dendrogram (top merges)', spec: dendrogramSpec(r.dendrogram) });
  return charts;
}

/** Lines of a dendrogram of the top merges: clusters formed below them are drawn as leaves at height 0. */
export function dendrogramSpec(t: DendrogramTop): VegaLiteSpec {
  const byId = new Map(t.merges.map((m) => [m.id, m]));
  const x = new Map<number, number>();
  let next = 0;
  const place = (node: number): number => {
    const m = byId.get(node);
    if (!m) {
      x.set(node, next++);
      return x.get(node)!;
    }
    const xl = place(m.left);
    const xr = place(m.right);
    x.set(node, (xl + xr) / 2);
    return x.get(node)!;
  };
  const root = t.merges.at(-1);
  if (root) place(root.id);
  const h = (node: number) => byId.get(node)?.height ?? 0;
  const lines: { x: number; y: number; x2: number; y2: number }[] = [];
  for (const m of t.merges) {
    const xl = x.get(m.left)!;
    const xr = x.get(m.right)!;
    lines.push({ x: xl, y: h(m.left), x2: xl, y2: m.height });
    lines.push({ x: xr, y: h(m.right), x2: xr, y2: m.height });
    lines.push({ x: xl, y: m.height, x2: xr, y2: m.height });
  }
  return {
    $schema: vegaLiteSchema,
    width: 560,
    height: 300,
    data: { values: lines },
    mark: { type: 'rule', color: '#34495e' },
    encoding: {
      x: { field: 'x', type: 'quantitative', axis: null },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', title: 'merge height' },
      y2: { field: 'y2' },
    },
  };
}
