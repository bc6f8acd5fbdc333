import { chartBlock, escapeHtml, renderPage } from '../render/page.js';
import type { ReportChart } from '../render/charts.js';
import { formatPercent, formatValue } from '../core/format.js';
import type { Report } from './build.js';

/**
 * The report as one self-contained HTML page: the Vega runtime is inlined, the charts are compiled from Vega-Lite
 * in Node and rendered as SVG in the page, the data travels as escaped JSON, and a Content-Security-Policy forbids
 * every network request. Tables and summaries are static, escaped HTML, so the page reads (and prints) even with
 * scripts off. Deterministic: the same report gives the same bytes.
 */
export async function renderHtml(r: Report, charts: ReportChart[]): Promise<string> {
  const e = escapeHtml;
  const num = (x: number | null | undefined, digits = 4, scale?: number) => formatValue(x, { digits, scale });
  const pct = (x: number) => formatPercent(x);
  /** A feature's value is read against its overall standard deviation. */
  const sd = new Map(r.overall.map((p) => [p.feature, p.std]));

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
    indexRows[0]![2] += ` (sample of ${num(s.sampleSize)}, ${Math.round(s.confidence * 100)} % interval ${num(s.lower)} – ${num(s.upper)})`;
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
            `<td title="median ${e(num(p.median, 4, sd.get(p.feature)))}, ${e(formatValue(p.diffSd, { digits: 2, sign: true, scale: 1 }))} SD from overall">${e(num(p.mean, 4, sd.get(p.feature)))}</td>`,
        )
        .join('')}</tr>`,
  )
  .join('\n')}
<tr><td><b>All rows</b></td><td>${r.dataset.rows.toLocaleString('en-US')}</td><td>100&nbsp;%</td>${r.overall
    .slice(0, shown.length)
    .map((p) => `<td>${e(num(p.mean, 4, p.std))}</td>`)
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
