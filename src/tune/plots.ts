import { formatValue } from '../core/format.js';
import { lineChartSpec, renderSvg, type LinePoint, type VegaLiteSpec } from '../render/charts.js';
import type { Candidate, TuneMetric, TuneResult } from './tune.js';

/** Title and field of each index in charts. */
const INDEX: Record<TuneMetric, { title: string; get: (c: Candidate) => number | null }> = {
  silhouette: { title: 'silhouette (higher is better)', get: (c) => c.scores.silhouette },
  'davies-bouldin': { title: 'Davies-Bouldin (lower is better)', get: (c) => c.scores.daviesBouldin },
  'calinski-harabasz': {
    title: 'Calinski-Harabasz (higher is better)',
    get: (c) => c.scores.calinskiHarabasz,
  },
  dunn: { title: 'Dunn (higher is better)', get: (c) => c.scores.dunn },
};

/**
 * SVG charts of a tuning run, by file name: `elbow.svg` (k-means inertia or k-medoids objective by k, knee marked), `k-distance.svg`
 * (DBSCAN: sorted k-distance curves, suggested eps marked), and one `<index>.svg` per validity index (score by k or
 * eps or min-cluster-size; one line per linkage or min-samples; sampled silhouette with its interval).
 */
export async function tunePlots(r: TuneResult): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, spec] of tuneChartSpecs(r)) out.set(`${name}.svg`, await renderSvg(spec));
  return out;
}

/** The Vega-Lite specs behind {@link tunePlots}, by chart name (`elbow`, `k-distance`, `silhouette`, …). */
export function tuneChartSpecs(r: TuneResult): Map<string, VegaLiteSpec> {
  const out = new Map<string, VegaLiteSpec>();
  if (r.elbow) {
    const knee = r.elbow.kneeK;
    const medoids = r.elbow.objective !== undefined;
    const values = (medoids ? r.elbow.objective : r.elbow.inertia) ?? [];
    out.set(
      'elbow',
      lineChartSpec(
        r.elbow.k.map((k, i) => ({ x: k, y: values[i]! })),
        {
          title: medoids ? 'k-medoids elbow: objective by k' : 'k-means elbow: inertia by k',
          xTitle: 'k',
          yTitle: medoids
            ? `objective (mean ${r.distance} distance to the nearest medoid)`
            : 'inertia (within-cluster sum of squares)',
          integerX: true,
          rule: knee !== null ? { x: knee, label: `knee k=${knee}` } : undefined,
        },
      ),
    );
  }
  if (r.kDistance && r.kDistance.length > 0) {
    const pts: LinePoint[] = [];
    for (const kd of r.kDistance)
      for (const p of kd.curve)
        pts.push({ x: p.x, y: p.y, series: `min-samples ${kd.minSamples} (k=${kd.k})` });
    const first = r.kDistance[0]!;
    out.set(
      'k-distance',
      lineChartSpec(pts, {
        title: 'DBSCAN k-distance curve (sorted distance to the k-th neighbour)',
        xTitle: 'rows, sorted',
        yTitle: `${r.distance} distance`,
        points: false,
        hrule: { y: first.kneeEps, label: `knee eps=${formatValue(first.kneeEps)}` },
      }),
    );
  }
  const xKey = r.algorithm === 'dbscan' ? 'eps' : r.algorithm === 'hdbscan' ? 'minClusterSize' : 'k';
  // HDBSCAN: one line per min-samples when a grid of them was searched (by default each candidate has its own).
  const hdbscanGrid =
    r.algorithm === 'hdbscan' &&
    r.candidates.some((c) => c.params['minSamples'] !== c.params['minClusterSize']) &&
    new Set(r.candidates.map((c) => c.params['minSamples'])).size < r.candidates.length;
  const seriesKey =
    r.algorithm === 'dbscan' || hdbscanGrid
      ? 'minSamples'
      : r.algorithm === 'hierarchical'
        ? 'linkage'
        : null;
  for (const m of Object.keys(INDEX) as TuneMetric[]) {
    const pts: LinePoint[] = [];
    for (const c of r.candidates) {
      const y = INDEX[m].get(c);
      if (y === null || c.degenerate !== null) continue;
      const p: LinePoint = { x: Number(c.params[xKey]), y };
      if (seriesKey)
        p.series = `${seriesKey === 'minSamples' ? 'min-samples' : 'linkage'} ${c.params[seriesKey]}`;
      if (m === 'silhouette' && c.scores.silhouetteInterval) {
        p.lower = c.scores.silhouetteInterval.lower;
        p.upper = c.scores.silhouetteInterval.upper;
      }
      pts.push(p);
    }
    if (pts.length === 0) continue;
    const rec = r.recommendation.params[xKey];
    out.set(
      m,
      lineChartSpec(pts, {
        title: `${INDEX[m].title} by ${xKey}`,
        xTitle: xKey,
        yTitle: m,
        integerX: xKey !== 'eps',
        rule:
          m === r.score && rec !== undefined
            ? { x: Number(rec), label: `recommended ${xKey}=${rec}` }
            : undefined,
      }),
    );
  }
  return out;
}
