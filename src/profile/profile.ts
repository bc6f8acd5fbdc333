import { quantilesUnsorted } from '../core/stats.js';
import type {
  CategoricalProfileColumn,
  NumericProfileColumn,
  ProfileColumn,
  ProfileOrigin,
} from './source.js';

/** Statistics of a numeric column within a segment (or overall), in the column's own units. */
export interface NumericProfile {
  column: string;
  kind: 'numeric';
  /** A 0/1 flag: `mean` is the rate of 1s. */
  binary: boolean;
  /** Rows with a value, and rows without. */
  count: number;
  missing: number;
  mean: number | null;
  median: number | null;
  /** 25th and 75th percentiles (numpy's linear interpolation, as pandas' `quantile`). */
  q1: number | null;
  q3: number | null;
  /** Population standard deviation. */
  std: number | null;
  /** (segment mean − overall mean) / overall standard deviation; 0 overall and for a constant column. */
  diffSd: number;
  /**
   * segment mean / overall mean, only for a quantity that is never negative with a positive overall mean (counts,
   * amounts, days); null otherwise: a ratio of means of a centred or signed column means nothing.
   */
  lift: number | null;
}

/** One level of a categorical column: rows and share within the segment, and its share over all rows. */
export interface LevelShare {
  level: string;
  count: number;
  share: number;
  overallShare: number;
}

/**
 * Shares of the levels of a categorical column within a segment (or overall): the most frequent levels overall
 * first, the rest summed as "(other)"; shares are of the rows with a value.
 */
export interface CategoricalProfile {
  column: string;
  kind: 'categorical';
  count: number;
  missing: number;
  levels: LevelShare[];
}

export type ColumnProfile = NumericProfile | CategoricalProfile;

/** How a profiled column was obtained, for the report's readers. */
export interface ProfiledColumn {
  name: string;
  kind: 'numeric' | 'binary' | 'categorical';
  origin: ProfileOrigin;
  note: string | null;
}

/** Levels shown per categorical column; the others are summed as "(other)". */
export const MAX_LEVELS_SHOWN = 10;
export const OTHER_LEVEL = '(other)';

/** Code-unit order of two texts: the same on every machine (no locale). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The rows of every segment (noise −1 left out), segments in ascending order. O(n). */
export function segmentMembers(labels: Int32Array): Map<number, Int32Array> {
  const counts = new Map<number, number>();
  for (const l of labels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  const out = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const s of [...counts.keys()].sort((a, b) => a - b)) {
    out.set(s, new Int32Array(counts.get(s)!));
    fill.set(s, 0);
  }
  labels.forEach((l, i) => {
    if (l < 0) return;
    const k = fill.get(l)!;
    out.get(l)![k] = i;
    fill.set(l, k + 1);
  });
  return out;
}

/**
 * Profiles of one column: overall (every row, noise included) and per segment. O(n log n) (quantiles).
 * @returns the overall profile and one per segment, in the order of `members`.
 */
export function profileColumn(
  c: ProfileColumn,
  members: Map<number, Int32Array>,
  quantiles = true,
): { overall: ColumnProfile; segments: ColumnProfile[] } {
  return c.kind === 'numeric' ? numericProfiles(c, members, quantiles) : categoricalProfiles(c, members);
}

function numericProfiles(
  c: NumericProfileColumn,
  members: Map<number, Int32Array>,
  quantiles: boolean,
): { overall: NumericProfile; segments: NumericProfile[] } {
  const all = numericStats(c.values, null, quantiles);
  let min = Infinity;
  const values = c.values;
  for (let i = 0; i < values.length; i++) if (values[i]! < min) min = values[i]!;
  const liftable = min >= 0 && all.mean !== null && all.mean > 0;
  const overall: NumericProfile = {
    column: c.name,
    kind: 'numeric',
    binary: c.binary,
    ...all,
    diffSd: 0,
    lift: liftable ? 1 : null,
  };
  const groups = [...members.values()];
  const moments = quantiles ? null : segmentMoments(values, groups);
  // (null also when the segments overlap or list rows out of order: then one segment at a time.)
  const segments = groups.map((rows, g): NumericProfile => {
    const st = moments ? moments[g]! : numericStats(values, rows, quantiles);
    return {
      column: c.name,
      kind: 'numeric',
      binary: c.binary,
      ...st,
      diffSd:
        st.mean !== null && all.mean !== null && all.std !== null && all.std > 0
          ? (st.mean - all.mean) / all.std
          : 0,
      lift: liftable && st.mean !== null ? st.mean / all.mean! : null,
    };
  });
  return { overall, segments };
}

/**
 * {@link numericStats} without quantiles for every segment at once: two passes over the column (sums, then squared
 * deviations from each segment's mean), each segment's rows visited in their order, so the figures are the same
 * bits as numericStats over the segment's rows. Null when a row is in two segments or a segment's rows are not
 * ascending. O(n + segments).
 */
function segmentMoments(
  values: Float64Array,
  groups: readonly Int32Array[],
): Pick<NumericProfile, 'count' | 'missing' | 'mean' | 'median' | 'q1' | 'q3' | 'std'>[] | null {
  const G = groups.length;
  const of = new Int32Array(values.length).fill(-1);
  for (let g = 0; g < G; g++) {
    const rows = groups[g]!;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      // Rows in two segments, or out of order: the per-segment passes would not reproduce numericStats.
      if (of[r] !== -1 || (i > 0 && r <= rows[i - 1]!)) return null;
      of[r] = g;
    }
  }
  const count = new Float64Array(G);
  const sum = new Float64Array(G);
  for (let i = 0; i < values.length; i++) {
    const g = of[i]!;
    const x = values[i]!;
    if (g >= 0 && x === x) {
      count[g]!++;
      sum[g]! += x;
    }
  }
  const mean = Float64Array.from(sum, (t, g) => t / count[g]!);
  const ss = new Float64Array(G);
  for (let i = 0; i < values.length; i++) {
    const g = of[i]!;
    const x = values[i]!;
    if (g >= 0 && x === x) ss[g]! += (x - mean[g]!) ** 2;
  }
  return groups.map((rows, g) => {
    const m = count[g]!;
    const missing = rows.length - m;
    if (m === 0) return { count: 0, missing, mean: null, median: null, q1: null, q3: null, std: null };
    return {
      count: m,
      missing,
      mean: mean[g]!,
      median: null,
      q1: null,
      q3: null,
      std: Math.sqrt(ss[g]! / m),
    };
  });
}

/**
 * Count, missing, mean, population std and (unless `quantiles` is false: O(n) instead of O(n log n)) median and
 * quartiles of the present values (of `rows`, or of all).
 */
export function numericStats(
  values: Float64Array,
  rows: Int32Array | null,
  quantiles = true,
): Pick<NumericProfile, 'count' | 'missing' | 'mean' | 'median' | 'q1' | 'q3' | 'std'> {
  const n = rows ? rows.length : values.length;
  const present = new Float64Array(n);
  let m = 0;
  if (rows) {
    for (let i = 0; i < n; i++) {
      const x = values[rows[i]!]!;
      present[m] = x;
      m += +(x === x);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      present[m] = x;
      m += +(x === x);
    }
  }
  if (m === 0) return { count: 0, missing: n, mean: null, median: null, q1: null, q3: null, std: null };
  const v = present.subarray(0, m);
  let s = 0;
  for (let i = 0; i < m; i++) s += v[i]!;
  const mean = s / m;
  let ss = 0;
  for (let i = 0; i < m; i++) ss += (v[i]! - mean) ** 2;
  if (!quantiles)
    return { count: m, missing: n - m, mean, median: null, q1: null, q3: null, std: Math.sqrt(ss / m) };
  const [q1, median, q3] = quantilesUnsorted(v, [0.25, 0.5, 0.75]);
  return { count: m, missing: n - m, mean, median: median!, q1: q1!, q3: q3!, std: Math.sqrt(ss / m) };
}

function categoricalProfiles(
  c: CategoricalProfileColumn,
  members: Map<number, Int32Array>,
): { overall: CategoricalProfile; segments: CategoricalProfile[] } {
  const L = c.levels.length;
  const tally = (rows: Int32Array | null) => {
    const counts = new Float64Array(L);
    let missing = 0;
    const n = rows ? rows.length : c.codes.length;
    for (let i = 0; i < n; i++) {
      const k = c.codes[rows ? rows[i]! : i]!;
      if (k < 0) missing++;
      else counts[k]!++;
    }
    return { counts, missing, count: n - missing };
  };
  const all = tally(null);
  // Most frequent levels first (ties by name); the rest fold into "(other)".
  const order = Array.from({ length: L }, (_, k) => k)
    .filter((k) => all.counts[k]! > 0)
    .sort((a, b) => all.counts[b]! - all.counts[a]! || byText(c.levels[a]!, c.levels[b]!));
  const shown = order.length > MAX_LEVELS_SHOWN ? order.slice(0, MAX_LEVELS_SHOWN - 1) : order;
  const rest = order.slice(shown.length);
  const overallShare = (k: number) => (all.count > 0 ? all.counts[k]! / all.count : 0);
  const restOverall = rest.reduce((a, k) => a + all.counts[k]!, 0);
  const profile = (t: ReturnType<typeof tally>): CategoricalProfile => {
    const levels: LevelShare[] = shown.map((k) => ({
      level: c.levels[k]!,
      count: t.counts[k]!,
      share: t.count > 0 ? t.counts[k]! / t.count : 0,
      overallShare: overallShare(k),
    }));
    if (rest.length > 0) {
      const count = rest.reduce((a, k) => a + t.counts[k]!, 0);
      levels.push({
        level: OTHER_LEVEL,
        count,
        share: t.count > 0 ? count / t.count : 0,
        overallShare: all.count > 0 ? restOverall / all.count : 0,
      });
    }
    return { column: c.name, kind: 'categorical', count: t.count, missing: t.missing, levels };
  };
  return { overall: profile(all), segments: [...members.values()].map((rows) => profile(tally(rows))) };
}

/**
 * How far a segment stands from the whole on a column, in standard units: the numeric difference in overall
 * standard deviations, or for a categorical column the level whose share differs most, as a difference of
 * proportions over the overall proportion's standard deviation √(p(1 − p)). Used to rank descriptions.
 */
export function distinction(p: ColumnProfile): { score: number; level: string | null } {
  if (p.kind === 'numeric') return { score: p.diffSd, level: null };
  let best = { score: 0, level: null as string | null };
  for (const l of p.levels) {
    if (l.level === OTHER_LEVEL || l.overallShare <= 0 || l.overallShare >= 1) continue;
    const z = (l.share - l.overallShare) / Math.sqrt(l.overallShare * (1 - l.overallShare));
    if (Math.abs(z) > Math.abs(best.score)) best = { score: z, level: l.level };
  }
  return best;
}
