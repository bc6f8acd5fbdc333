/**
 * Rich outputs for notebooks: any chart segment draws as SVG, any dataset or list of rows as an HTML table, shown
 * through the notebook runtime's display hook (the tslab kernel, or a runner's hook) with a text fallback.
 * Everything is offline (inline SVG, plain HTML, no scripts) and deterministic: the same input gives the same bytes.
 */
import { createRequire } from 'node:module';
import { cellText, Dataset } from '../core/dataset.js';
import { formatValue } from '../core/format.js';
import { renderSvg, type ReportChart, type VegaLiteSpec } from './charts.js';

/** A Jupyter MIME bundle: a text fallback and, for a chart or a table, its SVG or HTML. */
export interface MimeBundle {
  'text/plain': string;
  'image/svg+xml'?: string;
  'text/html'?: string;
}

/** One row of a table given as objects: values are written as they read (numbers through `formatValue`). */
export type TableRow = Readonly<Record<string, unknown>>;

/** What {@link display} shows: a chart, a list of charts, a spec, a dataset, rows, or a ready bundle. */
export type Displayable =
  | ReportChart
  | readonly ReportChart[]
  | VegaLiteSpec
  | Dataset
  | readonly TableRow[]
  | { svg: string; text?: string }
  | { html: string; text?: string };

/** Options of {@link toHtmlTable}. */
export interface HtmlTableOptions {
  /** Columns to show, in order (default: every column, or the keys of the first rows in order of appearance). */
  columns?: readonly string[];
  /** Rows shown at most (default 20); a last line says how many more there are. */
  maxRows?: number;
  /** A caption above the table. */
  caption?: string;
  /** Significant digits of numbers (default 4). */
  digits?: number;
}

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** True for a {@link ReportChart}: an id, a title and a spec. */
function isChart(x: unknown): x is ReportChart {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as ReportChart).id === 'string' &&
    typeof (x as ReportChart).spec === 'object'
  );
}

/** True for a Vega-Lite spec: an object with a `$schema` or a mark, layer or composition. */
function isSpec(x: unknown): x is VegaLiteSpec {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Dataset) return false;
  return ['$schema', 'mark', 'layer', 'hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in x);
}

/**
 * A chart (a {@link ReportChart} or a Vega-Lite spec) as a standalone SVG string, rendered in Node with the
 * configuration of every report chart. Deterministic: text widths are estimated, no fonts or canvas are read.
 */
export async function toSvg(chart: ReportChart | VegaLiteSpec): Promise<string> {
  return renderSvg(isChart(chart) ? chart.spec : chart);
}

/** A cell value as text: numbers through `formatValue` (NaN and null as empty), the rest as strings. */
function valueText(v: unknown, digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatValue(v, { digits, missing: '' });
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | boolean);
}

/** The columns of rows given as objects: keys in order of first appearance. */
function keysOf(rows: readonly TableRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** A table's cells, as text, with whether each column is numeric (right-aligned). */
interface TableText {
  columns: string[];
  numeric: boolean[];
  cells: string[][];
  total: number;
}

function tableText(data: Dataset | readonly TableRow[], o: HtmlTableOptions): TableText {
  const maxRows = Math.max(0, Math.floor(o.maxRows ?? 20));
  const digits = o.digits ?? 4;
  if (data instanceof Dataset) {
    const columns = [...(o.columns ?? data.names)];
    const cols = columns.map((c) => data.column(c));
    const n = Math.min(maxRows, data.nRows);
    const cells: string[][] = [];
    for (let i = 0; i < n; i++) {
      cells.push(
        cols.map((c) => {
          if (c.kind === 'numeric' && c.type !== 'timestamp' && c.type !== 'date' && c.type !== 'boolean')
            return formatValue(c.values[i], { digits, missing: '' });
          return cellText(c, i) ?? '';
        }),
      );
    }
    const numeric = cols.map((c) => c.kind === 'numeric' && c.type !== 'timestamp' && c.type !== 'date');
    return { columns, numeric, cells, total: data.nRows };
  }
  const columns = [...(o.columns ?? keysOf(data))];
  const shown = data.slice(0, maxRows);
  const cells = shown.map((r) => columns.map((c) => valueText(r[c], digits)));
  const numeric = columns.map(
    (c) =>
      shown.some((r) => typeof r[c] === 'number') &&
      shown.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  return { columns, numeric, cells, total: data.length };
}

/**
 * A dataset or rows as an HTML table: header, at most `maxRows` rows, numbers right-aligned and written as people
 * read them, every text escaped, inline styles only (no scripts, no classes to resolve). Deterministic. O(rows ×
 * columns shown).
 */
export function toHtmlTable(data: Dataset | readonly TableRow[], o: HtmlTableOptions = {}): string {
  const t = tableText(data, o);
  const align = (j: number): string => (t.numeric[j] ? ' style="text-align:right"' : '');
  const out: string[] = ['<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">'];
  if (o.caption !== undefined)
    out.push(`<caption style="text-align:left;font-weight:bold">${escapeHtml(o.caption)}</caption>`);
  out.push(
    '<thead><tr>' +
      t.columns.map((c, j) => `<th${align(j)}>${escapeHtml(c)}</th>`).join('') +
      '</tr></thead>',
  );
  out.push('<tbody>');
  for (const row of t.cells)
    out.push('<tr>' + row.map((v, j) => `<td${align(j)}>${escapeHtml(v)}</td>`).join('') + '</tr>');
  out.push('</tbody>');
  const more = t.total - t.cells.length;
  if (more > 0)
    out.push(
      `<tfoot><tr><td colspan="${t.columns.length}">… ${formatValue(more)} more row${more === 1 ? '' : 's'} (${formatValue(t.total)} in all)</td></tr></tfoot>`,
    );
  out.push('</table>');
  return out.join('\n');
}

/** The same table as aligned plain text (the fallback where HTML cannot be shown). */
export function toTextTable(data: Dataset | readonly TableRow[], o: HtmlTableOptions = {}): string {
  const t = tableText(data, o);
  const width = t.columns.map((c, j) => Math.max(c.length, ...t.cells.map((r) => r[j]!.length)));
  const line = (r: string[]): string =>
    r
      .map((v, j) => (t.numeric[j] ? v.padStart(width[j]!) : v.padEnd(width[j]!)))
      .join('  ')
      .trimEnd();
  const lines = [...(o.caption !== undefined ? [o.caption] : []), line(t.columns), ...t.cells.map(line)];
  const more = t.total - t.cells.length;
  if (more > 0)
    lines.push(`… ${formatValue(more)} more row${more === 1 ? '' : 's'} (${formatValue(t.total)} in all)`);
  return lines.join('\n');
}

/** The title of a spec, for the text fallback of its SVG. */
function specTitle(spec: VegaLiteSpec): string {
  const t = spec['title'];
  if (typeof t === 'string') return t;
  if (typeof t === 'object' && t !== null && typeof (t as { text?: unknown }).text === 'string')
    return (t as { text: string }).text;
  return 'chart';
}

/**
 * The MIME bundle of what {@link display} shows: SVG for a chart (several charts side by side in one HTML block),
 * an HTML table for a dataset or rows, each with a text fallback. Deterministic.
 */
export async function richOutput(x: Displayable, o: HtmlTableOptions = {}): Promise<MimeBundle> {
  if (x instanceof Dataset) return { 'text/plain': toTextTable(x, o), 'text/html': toHtmlTable(x, o) };
  if (Array.isArray(x)) {
    const list = x as readonly unknown[];
    if (list.length > 0 && list.every(isChart)) {
      const charts = list as readonly ReportChart[];
      const svgs = await Promise.all(charts.map((c) => toSvg(c)));
      const html =
        '<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">\n' +
        svgs.map((s) => `<div>${s}</div>`).join('\n') +
        '\n</div>';
      return { 'text/plain': charts.map((c) => `[chart: ${c.title}]`).join('\n'), 'text/html': html };
    }
    const rows = list as readonly TableRow[];
    return { 'text/plain': toTextTable(rows, o), 'text/html': toHtmlTable(rows, o) };
  }
  if (isChart(x)) return { 'text/plain': `[chart: ${x.title}]`, 'image/svg+xml': await toSvg(x) };
  if ('svg' in x && typeof x.svg === 'string')
    return { 'text/plain': typeof x.text === 'string' ? x.text : '[chart]', 'image/svg+xml': x.svg };
  if ('html' in x && typeof x.html === 'string')
    return { 'text/plain': typeof x.text === 'string' ? x.text : '[html]', 'text/html': x.html };
  if (isSpec(x)) return { 'text/plain': `[chart: ${specTitle(x)}]`, 'image/svg+xml': await toSvg(x) };
  throw new TypeError('display: not a chart, a Vega-Lite spec, a dataset or a list of rows');
}

/**
 * The hook a notebook runner installs to receive rich outputs: `globalThis[Symbol.for('segment.display')]`, a
 * function taking a {@link MimeBundle}. `scripts/run-notebook.mjs` sets it and saves what it receives as the cell's
 * `display_data` outputs.
 */
export const displayHookKey = Symbol.for('segment.display');

type Sender = (bundle: MimeBundle) => void;

/** The tslab kernel's display channel, when this process is a tslab kernel running a cell; else undefined. */
function tslabSender(): Sender | undefined {
  const g = globalThis as { __tslab__?: { require?: (id: string) => unknown } };
  if (typeof g.__tslab__?.require !== 'function') return undefined;
  // The kernel's jupyter module holds the channel of the running cell (`lastWriteDisplayData`); it sends a whole
  // MIME bundle, so the text fallback travels with the SVG or HTML, as in any Jupyter kernel.
  const cache = createRequire(import.meta.url).cache;
  for (const [id, mod] of Object.entries(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(id)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof write === 'function')
      return (bundle) =>
        (write as (d: unknown, update: boolean) => void)(
          { data: bundle, metadata: {}, transient: {} },
          false,
        );
  }
  // Otherwise tslab's public display, one MIME type per call: the rich one.
  const tslab = g.__tslab__.require('tslab') as {
    display?: { raw?: (type: string, data: string) => void };
  };
  const raw = tslab.display?.raw?.bind(tslab.display);
  if (raw === undefined) return undefined;
  return (bundle) => {
    const rich = bundle['image/svg+xml'] ?? bundle['text/html'];
    if (rich !== undefined) raw(bundle['image/svg+xml'] !== undefined ? 'image/svg+xml' : 'text/html', rich);
    else raw('text/plain', bundle['text/plain']);
  };
}

/** Where rich outputs go: a runner's hook, the tslab kernel, or none (plain Node). */
function sender(): Sender | undefined {
  const hook = (globalThis as Record<symbol, unknown>)[displayHookKey];
  if (typeof hook === 'function') return hook as Sender;
  return tslabSender();
}

/**
 * Show a chart, charts, a Vega-Lite spec, a dataset or rows in a notebook: as SVG or an HTML table through the
 * notebook runtime (the tslab kernel or `scripts/run-notebook.mjs`), or, in plain Node, as its text fallback on
 * stdout. Table options apply to datasets and rows. Resolves to nothing, so that a cell ending with
 * `await display(…)` shows no value besides the display ({@link richOutput} gives the bundle itself).
 */
export async function display(x: Displayable, o: HtmlTableOptions = {}): Promise<void> {
  const bundle = await richOutput(x, o);
  const send = sender();
  if (send) send(bundle);
  else process.stdout.write(bundle['text/plain'] + '\n');
}
