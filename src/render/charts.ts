/** Charts of every report: the Vega-Lite spec type, the shared line chart and Vega-Lite → SVG rendering in Node. */
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite v5 specification (kept loose: the specs are built here, not by users). */
export type VegaLiteSpec = Record<string, unknown>;

/** The `$schema` of every Vega-Lite spec segment writes. */
export const vegaLiteSchema = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A chart of a report: a stable id (also the SVG file name), a heading and its Vega-Lite spec. */
export interface ReportChart {
  id: string;
  title: string;
  spec: VegaLiteSpec;
}

/**
 * The d3 format of numbers in tooltips and text marks: grouped thousands, 4 significant digits, trailing zeros
 * dropped, and never exponent notation (`r`, where `g` would write 1.235e+6). Axes and legends keep Vega's tick
 * format, which is grouped and fixed-point already.
 */
export const numberFormat = ',.4~r';

/** Plot width a chart in the page's narrowest grid column is sure to get: legends below it are laid out for it. */
export const SMALL_PLOT_WIDTH = 360;
/** Estimated width of one character of a legend label (10 px sans-serif), in pixels. */
const LEGEND_CHAR_WIDTH = 6.5;
/** Width of a legend entry besides its label: the symbol, its offset and the padding between columns. */
const LEGEND_ENTRY_EXTRA = 30;
/** Narrowest a label is cut to when several columns would not fit otherwise (Vega's default limit). */
const LEGEND_LABEL_MIN = 160;

/**
 * A colour legend placed under the plot, for the charts set side by side (small multiples): its entries wrap into
 * as many columns as fit in `width` pixels (labels estimated at 6.5 px a character), and each label is cut to its
 * column's width, so the legend never widens the chart. O(labels).
 */
export function legendBelow(labels: readonly string[], width = SMALL_PLOT_WIDTH): Record<string, unknown> {
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const entry = LEGEND_ENTRY_EXTRA + Math.min(LEGEND_LABEL_MIN, longest * LEGEND_CHAR_WIDTH);
  const columns = Math.max(1, Math.min(labels.length, Math.floor(width / entry)));
  const labelLimit = Math.floor(width / columns) - LEGEND_ENTRY_EXTRA;
  return { orient: 'bottom', direction: 'horizontal', columns, labelLimit };
}

/** True for a single or layered view of a fixed numeric width: one the page can narrow to fit its block. */
export function canFitWidth(spec: VegaLiteSpec): boolean {
  const composite = ['hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in spec);
  return !composite && typeof spec['width'] === 'number';
}

/**
 * The spec with the configuration every chart of segment shares: numbers in tooltips formatted with
 * {@link numberFormat}, and, for a chart that can be narrowed, axis titles cut to the plot's size (so a long feature
 * name never widens it). The spec's own `config` wins.
 */
export function withChartConfig(spec: VegaLiteSpec): VegaLiteSpec {
  const own = (spec['config'] ?? {}) as Record<string, unknown>;
  const limits = canFitWidth(spec)
    ? { axisX: { titleLimit: { expr: 'width' } }, axisY: { titleLimit: { expr: 'height' } } }
    : {};
  return { ...spec, config: { tooltipFormat: { numberFormat }, ...limits, ...own } };
}

/**
 * Render a Vega-Lite specification to a standalone SVG string in Node (no browser, no canvas: text widths are
 * estimated, so the same spec gives the same bytes on every machine).
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // Loaded on first use: the two libraries take about a second to import, which no other command should pay.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(withChartConfig(spec) as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One point of a line chart; `series` splits the data into coloured lines. */
export interface LinePoint {
  x: number;
  y: number;
  series?: string;
  /** Optional interval drawn as an error bar (e.g. a confidence interval). */
  lower?: number;
  upper?: number;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** x of a vertical rule (e.g. the knee or the recommended k), with its label. */
  rule?: { x: number; label: string } | undefined;
  /** y of a horizontal rule (e.g. the suggested eps), with its label. */
  hrule?: { y: number; label: string } | undefined;
  /** Draw points on the line (default true; off for long curves). */
  points?: boolean;
  /** Integer x axis ticks (k). */
  integerX?: boolean;
}

/** A line chart (with optional error bars, a vertical and a horizontal marker) as a Vega-Lite spec. */
export function lineChartSpec(data: readonly LinePoint[], o: LineChartOptions): VegaLiteSpec {
  const hasSeries = data.some((p) => p.series !== undefined);
  const x = {
    field: 'x',
    type: 'quantitative',
    title: o.xTitle,
    scale: { zero: false },
    ...(o.integerX ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
  };
  const y = { field: 'y', type: 'quantitative', title: o.yTitle, scale: { zero: false } };
  const series = [...new Set(data.flatMap((p) => (p.series === undefined ? [] : [p.series])))];
  const color = hasSeries
    ? { color: { field: 'series', type: 'nominal', title: null, legend: legendBelow(series) } }
    : {};
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'line', point: o.points ?? true }, encoding: { x, y, ...color } },
  ];
  if (data.some((p) => p.lower !== undefined && p.upper !== undefined)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.lower) && isValid(datum.upper)' }],
      mark: { type: 'errorbar', ticks: true },
      encoding: {
        x,
        y: { field: 'lower', type: 'quantitative', title: o.yTitle },
        y2: { field: 'upper' },
        ...color,
      },
    });
  }
  if (o.rule) {
    layers.push({
      data: { values: [o.rule] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#c0392b' },
      encoding: { x: { field: 'x', type: 'quantitative' } },
    });
    layers.push({
      data: { values: [o.rule] },
      mark: { type: 'text', align: 'left', dx: 4, dy: -4, baseline: 'bottom', color: '#c0392b' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 12 }, text: { field: 'label' } },
    });
  }
  if (o.hrule) {
    layers.push({
      data: { values: [o.hrule] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#c0392b' },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
    layers.push({
      data: { values: [o.hrule] },
      mark: { type: 'text', align: 'left', dx: 4, dy: -4, color: '#c0392b' },
      encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 4 }, text: { field: 'label' } },
    });
  }
  return {
    $schema: vegaLiteSchema,
    title: o.title,
    width: 480,
    height: 300,
    data: { values: data.map((p) => ({ ...p })) },
    layer: layers,
  };
}
