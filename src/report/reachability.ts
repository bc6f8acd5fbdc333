import { noiseName, segmentLabel } from '../cluster/segment-names.js';
import type { Dataset } from '../core/dataset.js';
import { numberFormat, vegaLiteSchema, type ReportChart } from '../render/charts.js';

/** Bars drawn at most: past it, consecutive positions of the ordering share a bar (their highest reachability). */
export const REACHABILITY_BARS = 5000;

/** Colours of the segments (Tableau 10, cycled); noise is grey. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const NOISE_COLOUR = '#c3c8ce';

/**
 * The reachability plot of an OPTICS segments file (its `optics_order` and `reachability` columns, as
 * `segment cluster --algo optics` writes them): one bar per row in the cluster ordering, its height the row's
 * reachability distance, coloured by segment (noise grey). Valleys are clusters; a missing (infinite) reachability,
 * where the ordering starts a new component, leaves a gap. Above {@link REACHABILITY_BARS} rows, each bar covers
 * consecutive positions and shows their highest reachability and the segment of its first row. Null when the file
 * lacks the columns or its ordering is not a permutation of its rows (e.g. a sampled or edited file). O(n).
 * @param names segment → business name (segments without one are "Segment N").
 */
export function reachabilityChart(
  ds: Dataset,
  labels: Int32Array,
  names: ReadonlyMap<number, string>,
): ReportChart | null {
  if (!ds.has('optics_order') || !ds.has('reachability')) return null;
  const order = ds.numeric('optics_order').values;
  const reach = ds.numeric('reachability').values;
  const n = labels.length;
  const rowAt = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const p = order[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= n || rowAt[p] !== -1) return null;
    rowAt[p] = i;
  }
  const per = Math.ceil(n / REACHABILITY_BARS);
  const values: { position: number; end: number; reachability: number | null; name: string }[] = [];
  for (let start = 0; start < n; start += per) {
    let top = -Infinity;
    for (let p = start; p < Math.min(n, start + per); p++) {
      const v = reach[rowAt[p]!]!;
      if (Number.isFinite(v) && v > top) top = v;
    }
    const s = labels[rowAt[start]!]!;
    values.push({
      position: start,
      end: Math.min(n, start + per),
      reachability: top === -Infinity ? null : top,
      name: segmentLabel(s, names.get(s)),
    });
  }
  const segments = [...new Set(labels)].filter((s) => s >= 0).sort((a, b) => a - b);
  const domain = [...segments.map((s) => segmentLabel(s, names.get(s))), noiseName];
  const range = [...segments.map((_, k) => PALETTE[k % PALETTE.length]!), NOISE_COLOUR];
  return {
    id: 'reachability',
    title:
      per > 1
        ? `Reachability plot (OPTICS ordering; ${per} rows a bar, their highest reachability)`
        : 'Reachability plot (OPTICS ordering)',
    spec: {
      $schema: vegaLiteSchema,
      width: 560,
      height: 260,
      data: { values },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: {
          field: 'position',
          type: 'quantitative',
          title: 'position in the cluster ordering',
          scale: { domain: [0, n] },
        },
        x2: { field: 'end' },
        y: { field: 'reachability', type: 'quantitative', title: 'reachability distance' },
        color: { field: 'name', type: 'nominal', scale: { domain, range }, title: 'segment' },
        tooltip: [
          { field: 'position', title: 'position' },
          { field: 'reachability', title: 'reachability', format: numberFormat },
          { field: 'name', title: 'segment' },
        ],
      },
    },
  };
}
