/** The page shell every HTML report of segment shares: escaping, the chart figures and the self-contained page. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import { canFitWidth, withChartConfig, type ReportChart, type VegaLiteSpec } from './charts.js';

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

/** A chart's spec as the page draws it: the shared configuration, without a title its caption already shows. */
function pageSpec(c: ReportChart): VegaLiteSpec {
  const { title, ...rest } = c.spec;
  return withChartConfig(title === c.title ? rest : c.spec);
}

/**
 * A self-contained HTML page: head with the Content-Security-Policy that forbids every network request and the
 * shared style, the given body, then the charts as escaped JSON, the inlined Vega runtime and the renderer (which
 * sets `window.segmentCharts` to the rendered / failed counts). Deterministic. O(size of the page).
 *
 * Nothing overflows its block: a chart wider than its block (legends and axis titles included) is narrowed to fit
 * it when it is a single or layered view of a fixed width — its plot shrinks, its text keeps its size — and again
 * when the window is resized; any other chart (concatenated views, widths set per band) is scaled down. Grids
 * of charts hold as many columns of at least 460 px as fit, one below that.
 */
export async function renderPage(p: PageParts): Promise<string> {
  const vegaLite = await import('vega-lite');
  const require = createRequire(import.meta.url);
  const vegaJs = await readFile(require.resolve('vega/build/vega.min.js'), 'utf8');
  const compiled = p.charts.map((c) => ({
    id: c.id,
    fit: canFitWidth(c.spec),
    spec: vegaLite.compile(pageSpec(c) as unknown as TopLevelSpec).spec,
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
figure.chart { margin: 12px 0; min-width: 0; break-inside: avoid; } figcaption { font-weight: 600; margin-bottom: 4px; }
.vega svg { display: block; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); column-gap: 24px; }
.grid2 > * { min-width: 0; }
.scroll { overflow-x: auto; }
code { overflow-wrap: anywhere; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } .scroll { overflow: visible; } .vega svg { max-width: 100%; height: auto; } }
</style>
</head>
<body>
${p.body}<script type="application/json" id="segment-charts">${scriptJson(compiled)}</script>
<script>${inlineScript(vegaJs)}</script>
<script>
(function () {
  var charts = JSON.parse(document.getElementById('segment-charts').textContent);
  var done = 0, failed = 0, drawn = [];
  window.segmentCharts = { total: charts.length, rendered: 0, failed: 0 };
  function svgSize(el) {
    var svg = el.querySelector('svg');
    return { w: Number(svg.getAttribute('width')), h: Number(svg.getAttribute('height')) };
  }
  // Fit a chart to its block. One that can be narrowed is drawn again at the block's width when it is wider (its
  // plot shrinks, legends and titles keep their size) and at its own width when the block has room again; any other
  // is scaled down.
  function fit(d) {
    var room = Math.floor(d.el.clientWidth);
    if (!d.fit) {
      var svg = d.el.querySelector('svg'), k = Math.min(1, room / d.natural.w);
      svg.style.width = k < 1 ? d.natural.w * k + 'px' : '';
      svg.style.height = k < 1 ? d.natural.h * k + 'px' : '';
      return Promise.resolve();
    }
    if (d.natural.w <= room) {
      if (!d.narrowed) return Promise.resolve();
      d.narrowed = false;
      d.view.autosize(d.autosize).width(d.width);
    } else {
      if (d.narrowed === room) return Promise.resolve();
      d.narrowed = room;
      d.view.autosize({ type: 'fit-x', contains: 'padding' }).width(room);
    }
    return d.view.runAsync();
  }
  charts.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    var view = new vega.View(vega.parse(c.spec), { renderer: 'svg', container: el, hover: true });
    view
      .runAsync()
      .then(function () {
        var d = { el: el, view: view, fit: c.fit, natural: svgSize(el), width: view.width(), autosize: view.autosize(), narrowed: false };
        drawn.push(d);
        return fit(d);
      })
      .then(function () { window.segmentCharts.rendered = ++done; })
      .catch(function (err) { window.segmentCharts.failed = ++failed; console.error('chart ' + c.id + ': ' + err); });
  });
  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () { drawn.forEach(fit); });
  });
})();
</script>
</body>
</html>
`;
}
