import { cellText, type Column, type Dataset } from '../core/dataset.js';
import { quantileSorted } from '../core/stats.js';
import type { ReadNote } from '../io/infer.js';

/** Summary statistics of one column. */
export interface ColumnProfile {
  name: string;
  kind: Column['kind'];
  /** Logical type: double, integer, boolean, timestamp, date, categorical or string. */
  type: string;
  count: number;
  missing: number;
  /** Numeric columns: how many values are +∞ or −∞ (counted in `count`, left out of mean, std and quantiles). */
  infinite?: number;
  /** What the reader noticed (text that is mostly numbers, dates it could read with a flag …). */
  notes?: string[];
  missingPct: number;
  distinct: number;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  std?: number | null;
  /** Quantiles by linear interpolation (numpy/pandas default): p05, p25, p50, p75, p95. */
  quantiles?: Record<string, number | string> | null;
  /** Most frequent values of text columns (value, count), most frequent first, ties by value. */
  top?: { value: string; count: number }[];
}

/** The profile of a dataset. */
export interface DatasetProfile {
  rows: number;
  columns: number;
  profiles: ColumnProfile[];
}

const QUANTILES: [string, number][] = [
  ['p05', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
];

/** Profile every column: types, missing share, distinct count, range, mean, std, quantiles, top values. O(n log n) per numeric column. */
export function profileDataset(ds: Dataset, notes: readonly ReadNote[] = []): DatasetProfile {
  const profiles = ds.columns.map((c) => {
    const p = profileColumn(c, ds.nRows);
    const said = notes
      .filter((n) => n.column === c.name)
      .map((n) => (n.hint ? `${n.message} (hint: ${n.hint})` : n.message));
    return said.length > 0 ? { ...p, notes: said } : p;
  });
  return { rows: ds.nRows, columns: ds.nCols, profiles };
}

export { quantileSorted };

function profileColumn(c: Column, n: number): ColumnProfile {
  if (c.kind === 'numeric') {
    const finite = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = c.values[i]!;
      if (!Number.isNaN(v)) finite[m++] = v;
    }
    const all = finite.subarray(0, m).sort();
    let distinct = 0;
    for (let i = 0; i < m; i++) if (i === 0 || all[i] !== all[i - 1]) distinct++;
    // Infinities sort to the ends: the statistics below are over the finite values.
    let lo = 0;
    let hi = m;
    while (lo < hi && all[lo] === -Infinity) lo++;
    while (hi > lo && all[hi - 1] === Infinity) hi--;
    const infinite = m - (hi - lo);
    const sorted = all.subarray(lo, hi);
    const f = sorted.length;
    // Two-pass mean and sample standard deviation (ddof = 1, as pandas' describe).
    let sum = 0;
    for (let i = 0; i < f; i++) sum += sorted[i]!;
    const mean = f > 0 ? sum / f : Number.NaN;
    let ss = 0;
    for (let i = 0; i < f; i++) ss += (sorted[i]! - mean) ** 2;
    const std = f > 1 ? Math.sqrt(ss / (f - 1)) : Number.NaN;
    const asOut = (v: number): number | string =>
      c.type === 'timestamp'
        ? new Date(v).toISOString()
        : c.type === 'date'
          ? new Date(v).toISOString().slice(0, 10)
          : v;
    const isTime = c.type === 'timestamp' || c.type === 'date';
    return {
      name: c.name,
      kind: c.kind,
      type: c.type,
      count: m,
      missing: n - m,
      missingPct: pct(n - m, n),
      distinct,
      ...(infinite > 0 ? { infinite } : {}),
      min: m > 0 ? asOut(all[0]!) : null,
      max: m > 0 ? asOut(all[m - 1]!) : null,
      mean: f > 0 && !isTime ? mean : null,
      std: f > 1 && !isTime ? std : null,
      quantiles:
        f > 0 ? Object.fromEntries(QUANTILES.map(([k, q]) => [k, asOut(quantileSorted(sorted, q))])) : null,
    };
  }
  const { missing, distinct, top, min, max } =
    c.kind === 'string' ? sortedTextCounts(c, n) : mappedTextCounts(c, n);
  return {
    name: c.name,
    kind: c.kind,
    type: c.kind,
    count: n - missing,
    missing,
    missingPct: pct(missing, n),
    distinct,
    min,
    max,
    top,
  };
}

interface TextCounts {
  missing: number;
  distinct: number;
  /** The five most frequent values, ties by value. */
  top: { value: string; count: number }[];
  min: string | null;
  max: string | null;
}

/** Before `b` among the most frequent values: more often, then the smaller value. */
function moreFrequent(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** Text counts through a map of the distinct values: for categorical columns (few levels). */
function mappedTextCounts(c: Column, n: number): TextCounts {
  const counts = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const t = cellText(c, i);
    if (t === null) missing++;
    else counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const top = [...counts.entries()]
    .sort(moreFrequent)
    .slice(0, 5)
    .map(([value, count]) => ({ value, count }));
  let min: string | null = null;
  let max: string | null = null;
  for (const k of counts.keys()) {
    if (min === null || k < min) min = k;
    if (max === null || k > max) max = k;
  }
  return { missing, distinct: counts.size, top, min, max };
}

/**
 * Text counts of a string column (often one distinct value a row, such as ids) by sorting the values and
 * counting runs: one array of references instead of a map entry per distinct value. O(n log n).
 */
function sortedTextCounts(c: Column, n: number): TextCounts {
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = cellText(c, i);
    if (t !== null) values.push(t);
  }
  const missing = n - values.length;
  // The default order compares UTF-16 code units, as `<` does on strings.
  values.sort();
  const top: [string, number][] = [];
  let distinct = 0;
  for (let i = 0; i < values.length;) {
    const v = values[i]!;
    let j = i + 1;
    while (j < values.length && values[j] === v) j++;
    distinct++;
    const run: [string, number] = [v, j - i];
    if (top.length < 5 || moreFrequent(run, top[top.length - 1]!) < 0) {
      top.push(run);
      top.sort(moreFrequent);
      if (top.length > 5) top.pop();
    }
    i = j;
  }
  return {
    missing,
    distinct,
    top: top.map(([value, count]) => ({ value, count })),
    min: values.length > 0 ? values[0]! : null,
    max: values.length > 0 ? values[values.length - 1]! : null,
  };
}

function pct(a: number, n: number): number {
  return n === 0 ? 0 : Math.round((a / n) * 1e6) / 1e4;
}
