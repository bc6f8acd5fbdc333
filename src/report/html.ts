import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import type { Report } from './build.js';
import type { ReportChart } from './report-charts.js';

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

/**
 * The report as one self-contained HTML page: the Vega runtime is inlined, the charts are compiled from Vega-Lite
 * in Node and rendered as SVG in the page, the data travels as escaped JSON, and a Content-Security-Policy forbids
 * every network request. Tables and summaries are static, escaped HTML, so the page reads (and prints) even with
 * scripts off. Deterministic: the same report gives the same bytes.
 */
export async function renderHtml(r: Report, charts: ReportChart[]): Promise<string> {
  const e = escapeHtml;
  const num = (x: number | null | undefined, digits = 4) =>
    x === null || x === undefined || Number.isNaN(x)
      ? '—'
      : Math.abs(x) >= 1000
        ? x.toFixed(1)
        : x.toPrecision(digits);
  const pct = (x: number) => `${(x * 100).toFixed(1)}\u00a0%`;

  const ix = r.indices;
  const indexRows: [string, string, string][] = [
    ['Silhouette', num(ix.silhouette), 'from −1 to 1, higher is better'],
    ['Davies-Bouldin', num(ix.daviesBouldin), 'lower is better'],
    ['Calinski-Harabasz', num(ix.calinskiHarabasz), 'higher is better'],
    ['Dunn', num(ix.dunn), 'higher is better'],
    ['Inertia', num(ix.inertia), 'within-segment sum of squares'],
  ];
  if (ix.silhouetteSampled) {
    const s = ix.silhouetteSampled;
    indexRows[0]![2] += ` (sample of ${s.sampleSize}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)} – ${num(s.upper)})`;
  }
  const byPrefix = (p: string) => charts.filter((c) => c.id.startsWith(p));
  const features = r.dataset.features;
  const shown = features.slice(0, 12);

  const body = `<header>
<h1>Segmentation report</h1>
<p class="meta">${e(r.run.algorithm ?? 'segments')}${
    r.run.parameters
      ? ` · ${e(
          Object.entries(r.run.parameters)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
            .join(', '),
        )}`
      : ''
  } · ${r.dataset.rows.toLocaleString('en-US')} rows · ${features.length} features · ${r.segments.length} segments${r.noise.rows > 0 ? ` · ${r.noise.rows.toLocaleString('en-US')} noise rows (${pct(r.noise.share)})` : ''} · segment ${e(r.run.toolVersion)}, seed ${r.run.seed}</p>
<p class="meta">Inputs: ${r.run.inputs.map((i) => `${e(i.role)} <code>${e(i.path)}</code>${i.sha256 ? ` (sha256 ${e(i.sha256.slice(0, 12))}…)` : ''}`).join(' · ')}</p>
</header>
${r.warnings.length > 0 ? `<section id="warnings"><h2>Warnings</h2>${r.warnings.map((w) => `<div class="warn">${e(w)}</div>`).join('\n')}</section>` : ''}
<section id="summary">
<h2>Segments at a glance</h2>
<div class="cards">
${r.segments.map((s) => `<div class="card"><h3>${e(s.name)}</h3><p>${e(s.summary)}</p></div>`).join('\n')}
</div>
${byPrefix('sizes').map(chartBlock).join('\n')}
</section>
<section id="quality">
<h2>Quality</h2>
<table><thead><tr><th>Index</th><th>Value</th><th>Reading</th></tr></thead><tbody>
${indexRows.map(([a, b, c]) => `<tr><td>${e(a)}</td><td>${e(b)}</td><td>${e(c)}</td></tr>`).join('\n')}
</tbody></table>
${ix.notes.map((n) => `<p class="meta">${e(n)}</p>`).join('\n')}
</section>
<section id="profiles">
<h2>Profiles</h2>
<div class="scroll">${byPrefix('profiles').map(chartBlock).join('\n')}</div>
<div class="scroll"><table><thead><tr><th>Segment</th><th>Rows</th><th>Share</th>${shown.map((f) => `<th>${e(f)}<br><span class="meta">mean</span></th>`).join('')}</tr></thead><tbody>
${r.segments
  .map(
    (s) =>
      `<tr><td>${e(s.name)}</td><td>${s.size.toLocaleString('en-US')}</td><td>${pct(s.share)}</td>${s.profile
        .slice(0, shown.length)
        .map(
          (p) =>
            `<td title="median ${e(num(p.median))}, ${e(num(p.diffSd, 2))} SD from overall">${e(num(p.mean))}</td>`,
        )
        .join('')}</tr>`,
  )
  .join('\n')}
<tr><td><b>All rows</b></td><td>${r.dataset.rows.toLocaleString('en-US')}</td><td>100&nbsp;%</td>${r.overall
    .slice(0, shown.length)
    .map((p) => `<td>${e(num(p.mean))}</td>`)
    .join('')}</tr>
</tbody></table></div>
${features.length > shown.length ? `<p class="meta">Means of the first ${shown.length} of ${features.length} features; the JSON report has all.</p>` : ''}
</section>
<section id="distributions">
<h2>Distributions of the most distinguishing features</h2>
<div class="grid2">${byPrefix('distribution-').map(chartBlock).join('\n')}</div>
</section>
<section id="projection">
<h2>Projection</h2>
${byPrefix('projection').map(chartBlock).join('\n')}
</section>
${byPrefix('tune-').length > 0 ? `<section id="tuning"><h2>Tuning evidence</h2>${r.tuning ? `<p>${e(`Recommended by ${r.tuning.score}: ${r.tuning.recommendation.reason}`)}</p>` : ''}<div class="grid2">${byPrefix('tune-').map(chartBlock).join('\n')}</div></section>` : ''}
${byPrefix('dendrogram').length > 0 ? `<section id="dendrogram"><h2>Hierarchy</h2>${byPrefix('dendrogram').map(chartBlock).join('\n')}</section>` : ''}
`;
  return renderPage({ title: 'Segmentation report', toolVersion: r.run.toolVersion, body, charts });
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
