import { chartBlock, escapeHtml, renderPage } from '../render/page.js';
import type { ReportChart } from '../render/charts.js';
import type { ColumnProfile, NumericProfile } from '../profile/profile.js';
import { formatPercent, formatValue } from '../core/format.js';
import type { Report } from './build.js';
import { kpiCell, kpiTitle, profileCell, withUnit } from './cells.js';
import { migrationSection } from './migration.js';

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
  const columns = r.dataset.profile.columns;
  const shown = columns.slice(0, 12);
  const cell = (p: ColumnProfile, j: number) => {
    const c = columns[j]!;
    if (p.kind === 'categorical') return e(profileCell(p, null));
    const sd = (r.overall[j] as NumericProfile).std;
    const title =
      p.binary || p.mean === null
        ? `${p.count.toLocaleString('en-US')} rows with a value`
        : `median ${withUnit(p.median, c.unit, sd)}, quartiles ${withUnit(p.q1, c.unit, sd)} – ${withUnit(p.q3, c.unit, sd)}; ${formatValue(p.diffSd, { digits: 2, sign: true, scale: 1 })} SD from overall`;
    return `<span title="${e(title)}">${e(profileCell(p, c.unit, sd))}</span>`;
  };
  const origin =
    r.dataset.profile.source === 'profile-input'
      ? 'Profiles on the columns of the profile input, joined to the segments by id.'
      : columns.some((c) => c.origin === 'inverted' || c.origin === 'folded')
        ? 'Profiles in original units: the scaling and log recorded by clean are undone, encoded columns folded back into their categories.'
        : 'Profiles on the columns of the segments file as they are.';
  const notes = columns.filter((c) => c.note !== null).map((c) => `${c.name}: ${c.note}`);

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
${r.segments
  .map(
    (s) =>
      `<div class="card"><h3>${e(s.name)}</h3>${s.description ? `<p><i>${e(s.description)}</i></p>` : ''}<p>${e(s.summary)}</p>${
        r.kpis.length > 0
          ? `<p class="meta">${r.kpis.map((k, i) => `${e(kpiTitle(k))}: <b>${e(kpiCell(s.kpis[i]!.value, k))}</b> (all ${e(kpiCell(k.overall, k))})`).join(' · ')}</p>`
          : ''
      }</div>`,
  )
  .join('\n')}
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
${
  r.kpis.length > 0
    ? `<section id="kpis">
<h2>KPIs</h2>
<div class="scroll"><table><thead><tr><th>Segment</th>${r.kpis.map((k) => `<th>${e(kpiTitle(k))}</th>`).join('')}</tr></thead><tbody>
${r.segments.map((s) => `<tr><td>${e(s.name)}</td>${r.kpis.map((k, i) => `<td>${e(kpiCell(s.kpis[i]!.value, k))}</td>`).join('')}</tr>`).join('\n')}
<tr><td><b>All rows</b></td>${r.kpis.map((k) => `<td>${e(kpiCell(k.overall, k))}</td>`).join('')}</tr>
</tbody></table></div>
<div class="grid2">${byPrefix('kpi-').map(chartBlock).join('\n')}</div>
</section>`
    : ''
}
<section id="profiles">
<h2>Profiles</h2>
<p class="meta">${e(origin)}</p>
<div class="scroll"><table><thead><tr><th>Segment</th><th>Rows</th><th>Share</th>${shown.map((c) => `<th>${e(c.name)}<br><span class="meta">${c.kind === 'numeric' ? `mean${c.unit ? ` (${e(c.unit)})` : ''}` : c.kind === 'binary' ? 'rate' : 'top level'}</span></th>`).join('')}</tr></thead><tbody>
${r.segments
  .map(
    (s) =>
      `<tr><td>${e(s.name)}</td><td>${s.size.toLocaleString('en-US')}</td><td>${pct(s.share)}</td>${s.profile
        .slice(0, shown.length)
        .map((p, j) => `<td>${cell(p, j)}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
<tr><td><b>All rows</b></td><td>${r.dataset.rows.toLocaleString('en-US')}</td><td>100&nbsp;%</td>${r.overall
    .slice(0, shown.length)
    .map((p, j) => `<td>${cell(p, j)}</td>`)
    .join('')}</tr>
</tbody></table></div>
${columns.length > shown.length ? `<p class="meta">The first ${shown.length} of ${columns.length} profiled columns; the JSON report has all.</p>` : ''}
${notes.map((n) => `<p class="meta">${e(n)}</p>`).join('\n')}
</section>
${byPrefix('shares-').length > 0 ? `<section id="categories"><h2>Categories and flags</h2><div class="grid2">${byPrefix('shares-').map(chartBlock).join('\n')}</div></section>` : ''}
<section id="distributions">
<h2>Distributions of the most distinguishing columns</h2>
<div class="grid2">${byPrefix('distribution-').map(chartBlock).join('\n')}</div>
</section>
<section id="differences">
<h2>Standardised differences</h2>
<div class="scroll">${byPrefix('profiles').map(chartBlock).join('\n')}</div>
</section>
<section id="projection">
<h2>Projection</h2>
${byPrefix('projection').map(chartBlock).join('\n')}
</section>
${migrationSection(r.migration, byPrefix('migration'))}
${byPrefix('tune-').length > 0 ? `<section id="tuning"><h2>Tuning evidence</h2>${r.tuning ? `<p>${e(`Recommended by ${r.tuning.score}: ${r.tuning.recommendation.reason}`)}</p>` : ''}<div class="grid2">${byPrefix('tune-').map(chartBlock).join('\n')}</div></section>` : ''}
${byPrefix('dendrogram').length > 0 ? `<section id="dendrogram"><h2>Hierarchy</h2>${byPrefix('dendrogram').map(chartBlock).join('\n')}</section>` : ''}
${byPrefix('reachability').length > 0 ? `<section id="reachability"><h2>Density ordering (OPTICS)</h2><p>Each bar is a row in the OPTICS cluster ordering, as high as its reachability distance: valleys are dense segments, peaks the gaps between them.</p>${byPrefix('reachability').map(chartBlock).join('\n')}</section>` : ''}
${byPrefix('condensed-tree').length > 0 ? `<section id="condensed-tree"><h2>HDBSCAN condensed tree</h2>${byPrefix('condensed-tree').map(chartBlock).join('\n')}</section>` : ''}
`;
  return renderPage({ title: 'Segmentation report', toolVersion: r.run.toolVersion, body, charts });
}
