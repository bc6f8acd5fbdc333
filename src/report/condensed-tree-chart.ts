import type { CondensedTreeRecord } from '../cluster/cluster-model.js';
import { numberFormat, vegaLiteSchema, type VegaLiteSpec } from '../render/charts.js';

/** Steps per cluster in {@link CondensedTreeRecord.curve}. */
const STEPS = 8;

/** Most clusters drawn: smaller unchosen clusters are left out past it (chosen ones and their ancestors never). */
const MAX_DRAWN = 400;

/**
 * The condensed tree as an icicle, as the hdbscan library's `condensed_tree_.plot()`: each cluster a bar centred
 * under its parent, as wide as the rows still in it and spanning λ = 1 / distance from its birth (top) to its death;
 * children side by side under their parent. Chosen clusters take their segment's colour (the colour scale's domain
 * is `order`, the segment names in page order, as every other chart), the others are grey.
 * @param name the display name of a segment (as `order` holds it).
 */
export function condensedTreeSpec(
  t: CondensedTreeRecord,
  name: (segment: number) => string,
  order: readonly string[],
): VegaLiteSpec {
  const m = t.parent.length;
  // Which clusters to draw: chosen ones, their ancestors, and the largest others up to MAX_DRAWN.
  const drawn = new Uint8Array(m);
  const bySize = Array.from({ length: m }, (_, c) => c).sort((a, b) => t.size[b]! - t.size[a]! || a - b);
  let count = 0;
  const mark = (c: number): void => {
    for (let x = c; x >= 0 && !drawn[x]; x = t.parent[x]!) {
      drawn[x] = 1;
      count++;
    }
  };
  for (let c = 0; c < m; c++) if (t.segment[c]! >= 0) mark(c);
  for (const c of bySize) {
    if (count >= MAX_DRAWN) break;
    mark(c);
  }
  // Horizontal placement: a cluster spans [x0, x0 + size]; its children sit side by side, centred in it.
  const x0 = new Float64Array(m);
  const cursor = new Float64Array(m);
  const childRows = new Float64Array(m);
  for (let c = 1; c < m; c++) childRows[t.parent[c]!]! += t.size[c]!;
  for (let c = 0; c < m; c++) {
    if (c > 0) {
      const p = t.parent[c]!;
      x0[c] = cursor[p]!;
      cursor[p]! += t.size[c]!;
    }
    cursor[c] = x0[c]! + (t.size[c]! - childRows[c]!) / 2;
  }
  const chosen: Record<string, unknown>[] = [];
  const other: Record<string, unknown>[] = [];
  for (let c = 0; c < m; c++) {
    if (!drawn[c]) continue;
    const lb = t.lambdaBirth[c]!;
    const step = (t.lambdaDeath[c]! - lb) / STEPS;
    const centre = x0[c]! + t.size[c]! / 2;
    const seg = t.segment[c]!;
    for (let s = 0; s < STEPS; s++) {
      const w = t.curve[c * STEPS + s]!;
      if (w <= 0 || step <= 0) continue;
      const row = {
        x: centre - w / 2,
        x2: centre + w / 2,
        y: lb + s * step,
        y2: lb + (s + 1) * step,
        cluster: c,
        rows: w,
        stability: t.stability[c] ?? null,
        segment: seg >= 0 ? name(seg) : 'not chosen',
      };
      (seg >= 0 ? chosen : other).push(row);
    }
  }
  const tooltip = [
    { field: 'segment', title: 'segment' },
    { field: 'cluster', title: 'cluster' },
    { field: 'rows', title: 'rows', format: ',d' },
    { field: 'y', title: 'λ from', format: numberFormat },
    { field: 'stability', title: 'stability', format: numberFormat },
  ];
  const position = {
    x: { field: 'x', type: 'quantitative', axis: null },
    x2: { field: 'x2' },
    y: { field: 'y', type: 'quantitative', title: 'λ = 1 / distance', scale: { reverse: true } },
    y2: { field: 'y2' },
  };
  return {
    $schema: vegaLiteSchema,
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: other },
        mark: { type: 'rect', color: '#c8ced6', tooltip: true },
        encoding: { ...position, tooltip },
      },
      {
        data: { values: chosen },
        mark: { type: 'rect', stroke: '#1d2733', strokeWidth: 0.5, tooltip: true },
        encoding: {
          ...position,
          color: { field: 'segment', type: 'nominal', scale: { domain: [...order] }, legend: null },
          tooltip,
        },
      },
    ],
  };
}
