/** The page shell every HTML report of segment shares: escaping, the chart figures and the self-contained page. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportChart } from './charts.js';

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * JSON safe to place inside a `<script>` element: `<`, `>`, `&` and the JavaScript line separators are written as
 * \u escapes, so no data string can close the element or start a comment.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Inline script body: never contains a closing script tag. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

/** A figure holding one chart of the page: its caption and the element the chart renders into. */
export function chartBlock(c: ReportChart): string {
  const e = escapeHtml;
  return `<figure class="chart"><figcaption>${e(c.title)}</figcaption><div class="vega" id="chart-${e(c.id)}"></div></figure>`;
}

/** What {@link renderPage} lays out. */
export interface PageParts {
  /** Page title (escaped here). */
  title: string;
  toolVersion: string;
  /** The page body as trusted, already escaped HTML; every chart needs its {@link chartBlock}. */
  body: string;
  /** Charts compiled from Vega-Lite in Node and rendered as SVG in the page. */
  charts: ReportChart[];
}

/**
 * A self-contained HTML page: head with the Content-Security-Policy that forbids every network request and the
 * shared style, the given body, then the charts as escaped JSON, the inlined Vega runtime and the renderer (which
 * sets `window.segmentCharts` to the rendered / failed counts). Deterministic. O(size of the page).
 */
export async function renderPage(p: PageParts): Promise<string> {
  const vegaLite = await import('vega-lite');
  const require = createRequire(import.meta.url);
  const vegaJs = await readFile(require.resolve('vega/build/vega.min.js'), 'utf8');
  const compiled = p.charts.map((c) => ({
    id: c.id,
    spec: vegaLite.compile(c.spec as unknown as TopLevelSpec).spec,
  }));
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'">
<meta name="generator" content="segment ${e(p.toolVersion)}">
<title>${e(p.title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #dde3ea; padding-bottom: 4px; }
.meta { color: #5b6b7c; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e6eaef; padding: 4px 10px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } th { background: #f5f7fa; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 14px; break-inside: avoid; }
.card h3 { margin: 0 0 4px; font-size: 15px; }
.warn { background: #fff6e5; border-left: 4px solid #e6a23c; padding: 6px 10px; margin: 4px 0; }
figure.chart { margin: 12px 0; break-inside: avoid; } figcaption { font-weight: 600; margin-bottom: 4px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 8px; }
.scroll { overflow-x: auto; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } .scroll { overflow: visible; } }
</style>
</head>
<body>
${p.body}<script type="application/json" id="segment-charts">${scriptJson(compiled)}</script>
<script>${inlineScript(vegaJs)}</script>
<script>
(function () {
  var charts = JSON.parse(document.getElementById('segment-charts').textContent);
  var done = 0, failed = 0;
  window.segmentCharts = { total: charts.length, rendered: 0, failed: 0 };
  charts.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    new vega.View(vega.parse(c.spec), { renderer: 'svg', container: el, hover: true })
      .runAsync()
      .then(function () { window.segmentCharts.rendered = ++done; })
      .catch(function (err) { window.segmentCharts.failed = ++failed; console.error('chart ' + c.id + ': ' + err); });
  });
})();
</script>
</body>
</html>
`;
}
