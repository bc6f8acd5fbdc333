import { formatPercent, formatValue } from '../core/format.js';
import { tuneChartSpecs } from '../tune/plots.js';
import {
  legendBelow,
  numberFormat,
  vegaLiteSchema,
  type ReportChart,
  type VegaLiteSpec,
} from '../render/charts.js';
import type { ColumnProfile, NumericProfile } from '../profile/profile.js';
import type { DendrogramTop, Report } from './build.js';
import { noiseName, segmentLabel } from '../cluster/segment-names.js';
import { kpiTitle, withUnit } from './cells.js';
import { migrationChart } from './migration.js';
import { condensedTreeSpec } from './condensed-tree-chart.js';

/** Every chart of a report, in page order. Data-derived strings only ever travel as data, never as markup. */
export function reportCharts(r: Report): ReportChart[] {
  const charts: ReportChart[] = [];
  const names = new Map(r.segments.map((s) => [s.segment, s.name]));
  const nameOf = (s: number) => segmentLabel(s, names.get(s));
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

  r.kpis.forEach((k, i) => {
    const pct = k.rate || k.stat === 'share';
    const title = kpiTitle(k);
    charts.push({
      id: `kpi-${i + 1}`,
      title: `${title} by segment${k.stat === 'share' ? '' : ' (rule: all rows)'}`,
      spec: {
        $schema: vegaLiteSchema,
        width: 420,
        height: { step: 22 },
        layer: [
          {
            data: { values: r.segments.map((s) => ({ name: s.name, value: s.kpis[i]!.value })) },
            mark: { type: 'bar', tooltip: true },
            encoding: {
              y: { field: 'name', type: 'nominal', sort: order, title: null },
              x: { field: 'value', type: 'quantitative', title, ...(pct ? { axis: { format: '.0%' } } : {}) },
              color: { field: 'name', type: 'nominal', sort: order, legend: null },
              tooltip: [
                { field: 'name', title: 'segment' },
                { field: 'value', title, format: pct ? '.1%' : numberFormat },
              ],
            },
          },
          ...(k.overall === null || k.stat === 'share'
            ? []
            : [
                {
                  data: { values: [{ overall: k.overall }] },
                  mark: { type: 'rule', color: '#1d2733', strokeDash: [4, 3], strokeWidth: 1.5 },
                  encoding: { x: { field: 'overall', type: 'quantitative' } },
                },
              ]),
        ],
      },
    });
  });

  const columns = r.dataset.profile.columns;
  const numericCols = columns.map((c, j) => ({ c, j })).filter(({ c }) => c.kind !== 'categorical');
  const cells = r.segments.flatMap((s) =>
    numericCols.map(({ c, j }) => {
      const p = s.profile[j] as NumericProfile;
      const sd = (r.overall[j] as NumericProfile).std;
      return {
        name: s.name,
        column: c.name,
        diffSd: p.diffSd,
        // One decimal, never −0.0; the tooltip's with 2 significant digits; values as people read them.
        diffText: formatValue(Math.round(p.diffSd * 10) / 10, { digits: 3, sign: true }),
        diffTip: formatValue(p.diffSd, { digits: 2, sign: true, scale: 1 }),
        mean: c.kind === 'binary' ? formatPercent(p.mean) : withUnit(p.mean, c.unit, sd),
        median: c.kind === 'binary' ? '' : withUnit(p.median, c.unit, sd),
      };
    }),
  );
  if (numericCols.length > 0) {
    const maxAbs = Math.max(0.5, ...cells.map((c) => Math.abs(c.diffSd)));
    const sortCols = numericCols.map(({ c }) => c.name);
    charts.push({
      id: 'profiles',
      title: 'Standardised differences: segment mean minus overall mean, in standard deviations',
      spec: {
        $schema: vegaLiteSchema,
        data: { values: cells },
        // A fixed width (not one per band), so the page can narrow it to fit its block.
        width: sortCols.length * Math.max(24, Math.min(60, Math.floor(700 / Math.max(1, sortCols.length)))),
        height: { step: 26 },
        layer: [
          {
            mark: { type: 'rect', tooltip: true },
            encoding: {
              x: { field: 'column', type: 'nominal', sort: sortCols, title: null, axis: { labelAngle: -40 } },
              y: { field: 'name', type: 'nominal', sort: order, title: null },
              color: {
                field: 'diffSd',
                type: 'quantitative',
                title: 'SD from overall',
                scale: { scheme: 'redblue', reverse: true, domain: [-maxAbs, maxAbs] },
              },
              tooltip: [
                { field: 'name', title: 'segment' },
                { field: 'column' },
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
              x: { field: 'column', type: 'nominal', sort: sortCols },
              y: { field: 'name', type: 'nominal', sort: order },
              text: { field: 'diffText', type: 'nominal' },
            },
          },
        ],
      },
    });
  }

  // Level shares of categorical columns and rates of 0/1 flags: stacked shares per segment against all rows.
  const allRows = 'All rows';
  columns.forEach((c, j) => {
    if (c.kind === 'numeric') return;
    const rowsOf = (name: string, p: ColumnProfile) =>
      p.kind === 'categorical'
        ? p.levels.map((l) => ({ name, level: l.level, share: l.share }))
        : p.mean === null
          ? [] // no value of the flag in this segment: no bar rather than a made-up 0 %
          : [
              { name, level: `${c.name} = 1`, share: p.mean },
              { name, level: `${c.name} = 0`, share: 1 - p.mean },
            ];
    const values = [
      ...r.segments.flatMap((s) => rowsOf(s.name, s.profile[j]!)),
      ...rowsOf(allRows, r.overall[j]!),
    ];
    const levels = [...new Set(values.map((v) => v.level))];
    charts.push({
      id: `shares-${j + 1}`,
      title:
        c.kind === 'binary' ? `Rate of ${c.name} by segment` : `${c.name}: share of each level by segment`,
      spec: {
        $schema: vegaLiteSchema,
        width: 420,
        height: { step: 22 },
        data: { values: values.map((v) => ({ ...v, order: levels.indexOf(v.level) })) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'name', type: 'nominal', sort: [...order, allRows], title: null },
          x: {
            field: 'share',
            type: 'quantitative',
            stack: 'normalize',
            title: 'share of the segment',
            axis: { format: '%' },
          },
          color: {
            field: 'level',
            type: 'nominal',
            sort: levels,
            title: c.name,
            legend: legendBelow(levels),
          },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [
            { field: 'name', title: 'segment' },
            { field: 'level', title: c.name },
            { field: 'share', format: '.1%' },
          ],
        },
      },
    });
  });

  r.distributions.forEach((dist, i) => {
    const unit = columns.find((c) => c.name === dist.column)?.unit ?? null;
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
      title: `Distribution of ${dist.column} by segment`,
      spec: {
        $schema: vegaLiteSchema,
        width: 420,
        height: 220,
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', tooltip: true },
        encoding: {
          x: {
            field: 'mid',
            type: 'quantitative',
            title: unit ? `${dist.column} (${unit})` : dist.column,
            scale: { zero: false },
            axis: { format: ',~r' },
          },
          y: { field: 'share', type: 'quantitative', title: 'share of the segment', axis: { format: '%' } },
          color: {
            field: 'name',
            type: 'nominal',
            sort: order,
            title: 'segment',
            legend: legendBelow(order),
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

  const method = { pca: 'PCA', tsne: 't-SNE', umap: 'UMAP', 'gower-pca': 'PCA of the Gower coordinates' }[
    r.projection.method
  ];
  const ratio = r.projection.explainedRatio;
  const axis = (c: 0 | 1): string =>
    ratio ? `PC${c + 1} (${(ratio[c] * 100).toFixed(1)} % of variance)` : `${method} ${c + 1}`;
  charts.push({
    id: 'projection',
    title: `2-D projection (${method}, ${r.projection.sampled.toLocaleString('en-US')} rows drawn)`,
    spec: {
      $schema: vegaLiteSchema,
      width: 520,
      height: 400,
      data: { values: r.projection.points.map((p) => ({ x: p.x, y: p.y, name: nameOf(p.segment) })) },
      mark: { type: 'circle', size: 14, opacity: 0.6 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: axis(0) },
        y: { field: 'y', type: 'quantitative', title: axis(1) },
        color: { field: 'name', type: 'nominal', sort: [...order, noiseName], title: 'segment' },
      },
    },
  });

  if (r.migration) charts.push(migrationChart(r.migration));
  if (r.tuning) {
    for (const [name, spec] of tuneChartSpecs(r.tuning))
      charts.push({ id: `tune-${name}`, title: String(spec['title'] ?? name), spec });
  }
  if (r.dendrogram)
    charts.push({ id: 'dendrogram', title: 'Dendrogram (top merges)', spec: dendrogramSpec(r.dendrogram) });
  if (r.condensedTree) {
    charts.push({
      id: 'condensed-tree',
      title: 'HDBSCAN condensed tree (chosen clusters in their segment colour)',
      spec: condensedTreeSpec(r.condensedTree, (s) => names.get(s) ?? nameOf(s), order),
    });
  }
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
