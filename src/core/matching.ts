/** Label pairing shared by stability and segment identity: contingency tables and the Hungarian assignment. */
import { InternalError } from './errors.js';

/** Label of noise rows (DBSCAN): kept as its own label by the agreement indices, never matched as a segment. */
export const NOISE = -1;

/** Contingency table of two labelings: `table[i * cols.length + j]` counts rows with label `rows[i]` in a and `cols[j]` in b. */
export interface Contingency {
  /** Distinct labels of a, ascending. */
  rows: number[];
  /** Distinct labels of b, ascending. */
  cols: number[];
  /** Row-major counts, rows.length × cols.length. */
  table: Float64Array;
  /** Rows per label of a (same order as `rows`). */
  rowSums: Float64Array;
  /** Rows per label of b (same order as `cols`). */
  colSums: Float64Array;
  /** Number of rows. */
  n: number;
}

/**
 * Cross-tabulate two labelings of the same rows. O(n + r·c).
 * @throws InternalError when the labelings differ in length.
 */
export function contingency(a: Int32Array, b: Int32Array): Contingency {
  if (a.length !== b.length)
    throw new InternalError(`labelings differ in length: ${a.length} vs ${b.length}`);
  const rows = [...new Set(a)].sort((x, y) => x - y);
  const cols = [...new Set(b)].sort((x, y) => x - y);
  const ri = new Map(rows.map((l, i) => [l, i]));
  const ci = new Map(cols.map((l, j) => [l, j]));
  const table = new Float64Array(rows.length * cols.length);
  const rowSums = new Float64Array(rows.length);
  const colSums = new Float64Array(cols.length);
  for (let k = 0; k < a.length; k++) {
    const i = ri.get(a[k]!)!;
    const j = ci.get(b[k]!)!;
    table[i * cols.length + j]! += 1;
    rowSums[i]! += 1;
    colSums[j]! += 1;
  }
  return { rows, cols, table, rowSums, colSums, n: a.length };
}

/**
 * Minimum-cost assignment of a rectangular cost matrix (Hungarian algorithm with potentials, Kuhn–Munkres /
 * Jonker–Volgenant style). Every row is assigned when rows ≤ cols, else every column. O(min(r,c)²·max(r,c)).
 * @returns pairs [row, col] sorted by row.
 */
export function linearSumAssignment(cost: Float64Array, nRows: number, nCols: number): [number, number][] {
  const transpose = nRows > nCols;
  const n = transpose ? nCols : nRows;
  const m = transpose ? nRows : nCols;
  const at = (i: number, j: number) => (transpose ? cost[j * nCols + i]! : cost[i * nCols + j]!);
  // 1-based arrays, index 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    out.push(transpose ? [j - 1, p[j]! - 1] : [p[j]! - 1, j - 1]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/** One segment of a paired with one of b. */
export interface SegmentMatch {
  /** Label in a. */
  a: number;
  /** Label in b. */
  b: number;
  /** Rows in both. */
  overlap: number;
  /** |A ∩ B| / |A ∪ B|. */
  jaccard: number;
  /** Share of all rows in the segment of a. */
  shareA: number;
  /** Share of all rows in the segment of b. */
  shareB: number;
  /** shareB − shareA. */
  shift: number;
}

/** Segments of a matched to segments of b; unmatched ones are vanished (a only) or new (b only). */
export interface Matching {
  matches: SegmentMatch[];
  /** Segments of a with no partner in b, with their share of rows. */
  vanished: { segment: number; share: number }[];
  /** Segments of b with no partner in a, with their share of rows. */
  appeared: { segment: number; share: number }[];
}

/**
 * Pair the segments of a and b so that the total overlap is largest (Hungarian algorithm on the contingency table,
 * noise excluded). A pair with no common row is no match: both sides count as vanished / new. O(r·c·min(r,c)).
 */
export function matchSegments(c: Contingency): Matching {
  const ri = c.rows.map((l, i) => [l, i] as const).filter(([l]) => l !== NOISE);
  const ci = c.cols.map((l, j) => [l, j] as const).filter(([l]) => l !== NOISE);
  const k = c.cols.length;
  const cost = new Float64Array(ri.length * ci.length);
  for (let x = 0; x < ri.length; x++)
    for (let y = 0; y < ci.length; y++) cost[x * ci.length + y] = -c.table[ri[x]![1] * k + ci[y]![1]]!;
  const pairs = ri.length > 0 && ci.length > 0 ? linearSumAssignment(cost, ri.length, ci.length) : [];
  const matchedA = new Set<number>();
  const matchedB = new Set<number>();
  const matches: SegmentMatch[] = [];
  for (const [x, y] of pairs) {
    const [la, i] = ri[x]!;
    const [lb, j] = ci[y]!;
    const overlap = c.table[i * k + j]!;
    if (overlap === 0) continue;
    const sa = c.rowSums[i]!;
    const sb = c.colSums[j]!;
    matchedA.add(la);
    matchedB.add(lb);
    matches.push({
      a: la,
      b: lb,
      overlap,
      jaccard: overlap / (sa + sb - overlap),
      shareA: sa / c.n,
      shareB: sb / c.n,
      shift: sb / c.n - sa / c.n,
    });
  }
  return {
    matches,
    vanished: ri
      .filter(([l]) => !matchedA.has(l))
      .map(([l, i]) => ({ segment: l, share: c.rowSums[i]! / c.n })),
    appeared: ci
      .filter(([l]) => !matchedB.has(l))
      .map(([l, j]) => ({ segment: l, share: c.colSums[j]! / c.n })),
  };
}
