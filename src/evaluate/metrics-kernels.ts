/**
 * Kernels of the cluster validity indices, run in worker threads (or in process) by `metrics.ts`.
 *
 * Every kernel reads a matrix whose rows are sorted by cluster (cluster c occupies the positions
 * `[start[c], start[c + 1])`, rows of a cluster in their original order). The silhouette kernels work on tiles of
 * fixed blocks (a block lies in one cluster) and write one partial sum per (row, block), each computed by exactly
 * one tile in a fixed order; the caller adds a row's partials in block order. The Dunn kernel returns exact minima
 * and maxima. Either way nothing depends on which thread ran what, so results are byte-identical for any thread
 * count. Side-effect free on import.
 */

/** URL of this module, for `WorkerPool` tasks. */
export const kernelModule = import.meta.url;

/** Distance codes of the kernels: the metric, and `SQEUCLIDEAN` for comparisons that need no square root. */
export const EUCLIDEAN = 0;
export const MANHATTAN = 1;
/** 1 − x·y on rows already scaled to unit length (zero rows left at zero), clipped to [0, 2] as scikit-learn. */
export const COSINE = 2;
export const SQEUCLIDEAN = 3;

/** Columns handled per distance fill: the scratch buffers stay in the L1 cache. */
const CHUNK = 1024;
/** Widest row whose distance loop is fully unrolled; wider rows use a loop over the columns. */
const UNROLL_MAX = 32;

/**
 * Writes into `out[q − q0]` the distance from the row at offset `po` of `x` to each row q in `[q0, q1)`.
 * Sums run over the columns in order (left to right), so a plain loop `a += u·u` gives the same bits.
 */
export type DistanceFill = (x: Float64Array, po: number, q0: number, q1: number, out: Float64Array) => void;

const fills = new Map<string, DistanceFill>();

/**
 * The distance-fill function for a distance code and a row width, compiled once per (code, width) and cached.
 *
 * The loop is generated with the columns unrolled and the query row held in locals: V8 runs that about three
 * times faster than a nested loop over a width known only at run time, and the pairwise distance is the whole
 * cost of the O(n²) indices. The generated source contains only arithmetic on the arguments.
 * O(d) compile work, once.
 */
export function distanceFill(kind: number, d: number): DistanceFill {
  const key = `${kind}:${d}`;
  let f = fills.get(key);
  if (!f) {
    f = compileFill(kind, d);
    fills.set(key, f);
  }
  return f;
}

function compileFill(kind: number, d: number): DistanceFill {
  // The statement that turns the accumulated value `v` into the distance stored in out[k].
  const store =
    kind === EUCLIDEAN
      ? 'out[k] = Math.sqrt(v);'
      : kind === COSINE
        ? 'v = 1 - v;\n  out[k] = v < 0 ? 0 : v > 2 ? 2 : v;'
        : 'out[k] = v;';
  let src: string;
  if (d <= UNROLL_MAX) {
    const load: string[] = [];
    const diff: string[] = [];
    const terms: string[] = [];
    for (let t = 0; t < d; t++) {
      load.push(`const c${t} = x[po + ${t}];`);
      if (kind === COSINE) terms.push(`x[o + ${t}] * c${t}`);
      else {
        diff.push(`const u${t} = x[o + ${t}] - c${t};`);
        terms.push(kind === MANHATTAN ? `Math.abs(u${t})` : `u${t} * u${t}`);
      }
    }
    src = `'use strict';
${load.join('\n')}
for (let o = q0 * ${d}, e = q1 * ${d}, k = 0; o < e; o += ${d}, k++) {
  ${diff.join('\n  ')}
  let v = ${terms.length > 0 ? terms.join(' + ') : '0'};
  ${store}
}`;
  } else {
    const term =
      kind === COSINE
        ? 'x[o + t] * x[po + t]'
        : kind === MANHATTAN
          ? 'Math.abs(x[o + t] - x[po + t])'
          : 'u * u';
    src = `'use strict';
for (let q = q0, k = 0; q < q1; q++, k++) {
  const o = q * ${d};
  let v = 0;
  for (let t = 0; t < ${d}; t++) {
    const u = x[o + t] - x[po + t];
    v += ${term};
  }
  ${store}
}`;
  }
  return new Function('x', 'po', 'q0', 'q1', 'out', src) as DistanceFill;
}

/** Shared state of the silhouette kernels (typed arrays on SharedArrayBuffers when threaded). */
export interface SilhouetteCtx {
  /** m × d rows sorted by cluster (unit rows for cosine). */
  readonly x: Float64Array;
  readonly m: number;
  readonly d: number;
  /** Number of clusters. */
  readonly k: number;
  /** k + 1 offsets: cluster c holds positions [start[c], start[c + 1]). */
  readonly start: Int32Array;
  /** m: cluster of each position. */
  readonly cl: Int32Array;
  /** Distance code (EUCLIDEAN, MANHATTAN or COSINE). */
  readonly kind: number;
  /** nb + 1 block boundaries; a block never spans two clusters. */
  readonly blockStart: Int32Array;
  /** nb: cluster of each block. */
  readonly blockCl: Int32Array;
  /** m × nb: partial[p · nb + J] = Σ of the distances from position p to the rows of block J (p itself excluded). */
  readonly partial: Float64Array;
  /** m: silhouette of each position (output). */
  readonly out: Float64Array;
  /** k × m cluster-major sums of distances (output when its length is k·m, else unused). */
  readonly sums: Float64Array;
  /** m: a (mean distance to the own cluster) and b (to the nearest other cluster), when `sums` is wanted. */
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** m: the cluster giving b, and the mean distance to the second nearest other cluster (∞ if none). */
  readonly best: Int32Array;
  readonly b2: Float64Array;
  /**
   * k × m cluster-major thresholds of the jackknife (kept with `sums`): removing a row of cluster c at distance
   * δ from row i cannot change i's silhouette when δ ≤ thr[c · m + i] (see {@link jackknifeTiles}).
   */
  readonly thr: Float64Array;
}

/**
 * Distance sums of the tiles (I, J), J ≥ I, for the block rows I in [i0, i1): each pair of rows is visited once,
 * and its distance goes both to the row-side partial of p for block J and the column-side partial of q for block
 * I. Every partial is written by exactly one tile, summed in a fixed order (row side: over q in order; column side:
 * over p in order; on a diagonal tile, the pairs with earlier rows then those with later ones), so the partials do
 * not depend on which thread ran which tile. O(Σ |I|·|J|·d) time, O(block) memory besides the partials.
 * Returns the number of tile rows done.
 */
export function silhouetteTiles(ctx: SilhouetteCtx, i0: number, i1: number): number {
  const { x, d, blockStart, partial } = ctx;
  const nb = blockStart.length - 1;
  const fill = distanceFill(ctx.kind, d);
  const buf = new Float64Array(CHUNK);
  let colAcc = new Float64Array(0);
  for (let I = i0; I < i1; I++) {
    const p0 = blockStart[I]!;
    const p1 = blockStart[I + 1]!;
    for (let J = I; J < nb; J++) {
      const q0 = blockStart[J]!;
      const q1 = blockStart[J + 1]!;
      if (colAcc.length < q1 - q0) colAcc = new Float64Array(q1 - q0);
      colAcc.fill(0, 0, q1 - q0);
      for (let p = p0; p < p1; p++) {
        const po = p * d;
        let acc = 0;
        // Diagonal tile: only the later rows (the earlier ones reached p through colAcc).
        for (let q = J === I ? p + 1 : q0; q < q1; q += CHUNK) {
          const qe = Math.min(q1, q + CHUNK);
          fill(x, po, q, qe, buf);
          for (let t = 0, c = q - q0, len = qe - q; t < len; t++, c++) {
            const v = buf[t]!;
            acc += v;
            colAcc[c] = colAcc[c]! + v;
          }
        }
        // On the diagonal colAcc[p − p0] is complete here: every earlier row of the block has been done.
        partial[p * nb + J] = J === I ? colAcc[p - p0]! + acc : acc;
      }
      if (J !== I) for (let q = q0; q < q1; q++) partial[q * nb + I] = colAcc[q - q0]!;
    }
  }
  return i1 - i0;
}

/**
 * Silhouette of positions [s, e) from the partials of {@link silhouetteTiles}: the sum to cluster c adds the
 * partials of c's blocks in block order; a = mean distance to the other rows of the own cluster, b = smallest mean
 * distance to another cluster, (b − a) / max(a, b); 0 for rows alone in their cluster and where a = b = 0
 * (scikit-learn's `nan_to_num`). Also keeps the sums, a, b, nearest and second nearest cluster when `sums` has
 * length k·m. O((e − s)·(nb + k)) time. Returns the number of rows done.
 */
export function silhouetteFinish(ctx: SilhouetteCtx, s: number, e: number): number {
  const { k, m, start, cl, blockCl, partial, out } = ctx;
  const nb = blockCl.length;
  const sums = new Float64Array(k);
  const keep = ctx.sums.length === k * m;
  for (let p = s; p < e; p++) {
    sums.fill(0);
    for (let J = 0, o = p * nb; J < nb; J++, o++) {
      const c = blockCl[J]!;
      sums[c] = sums[c]! + partial[o]!;
    }
    const own = cl[p]!;
    const nOwn = start[own + 1]! - start[own]!;
    let b = Infinity;
    let b2 = Infinity;
    let best = -1;
    for (let c = 0; c < k; c++) {
      if (c === own) continue;
      const v = sums[c]! / (start[c + 1]! - start[c]!);
      if (v < b) {
        b2 = b;
        b = v;
        best = c;
      } else if (v < b2) b2 = v;
    }
    const a = nOwn > 1 ? sums[own]! / (nOwn - 1) : 0;
    out[p] = nOwn > 1 ? silhouetteValue(a, b) : 0;
    if (keep) {
      for (let c = 0; c < k; c++) {
        ctx.sums[c * m + p] = sums[c]!;
        // Removing a row of c at distance δ leaves b unchanged iff (sum_c − δ)/(n_c − 1) ≥ b, i.e. δ ≤ thr;
        // never for the nearest cluster, always when it empties c.
        // A row alone in its cluster keeps silhouette 0 whatever is removed.
        const nLeft = start[c + 1]! - start[c]! - 1;
        ctx.thr[c * m + p] =
          nOwn < 2 || nLeft === 0 ? Infinity : c === best ? -Infinity : sums[c]! - b * nLeft;
      }
      ctx.a[p] = a;
      ctx.b[p] = b;
      ctx.best[p] = best;
      ctx.b2[p] = b2;
    }
  }
  return e - s;
}

/** (b − a) / max(a, b), with 0 where that is 0/0 or ∞/∞ (as scikit-learn's `nan_to_num` of the ratio). */
function silhouetteValue(a: number, b: number): number {
  const r = (b - a) / Math.max(a, b);
  return Number.isNaN(r) ? 0 : r;
}

/**
 * Delete-one jackknife of the mean silhouette, over the same tiles as {@link silhouetteTiles} and given the state
 * {@link silhouetteFinish} left with `sums` kept: for each pair (p, q) visited once, the change of q's silhouette
 * when p is removed goes to p's partial for q's block, and the change of p's when q is removed to q's partial for
 * p's block (overwriting `partial`; {@link jackknifeFinish} adds them up). Partials are summed in a fixed order as
 * in {@link silhouetteTiles}, so they do not depend on the thread count.
 *
 * Removing a row changes one cluster sum of every other row and that cluster's size, so each change costs O(1):
 * a row whose cluster shrinks to one row gets 0; otherwise the nearest other cluster is re-chosen from b, the
 * second-best mean b2 and the changed mean (a cluster emptied by the removal drops out). Pairs in different
 * clusters where the removed row's cluster is not the other's nearest and the distance is ≤ thr change nothing
 * and are skipped after one comparison. O(Σ |I|·|J|·d) time. Returns the number of tile rows done.
 */
export function jackknifeTiles(ctx: SilhouetteCtx, i0: number, i1: number): number {
  const { x, d, m, start, blockStart, blockCl, partial, thr } = ctx;
  const nb = blockStart.length - 1;
  const fill = distanceFill(ctx.kind, d);
  const buf = new Float64Array(CHUNK);
  let colAcc = new Float64Array(0);
  for (let I = i0; I < i1; I++) {
    const p0 = blockStart[I]!;
    const p1 = blockStart[I + 1]!;
    const cI = blockCl[I]!;
    for (let J = I; J < nb; J++) {
      const q0 = blockStart[J]!;
      const q1 = blockStart[J + 1]!;
      const cJ = blockCl[J]!;
      if (colAcc.length < q1 - q0) colAcc = new Float64Array(q1 - q0);
      colAcc.fill(0, 0, q1 - q0);
      const same = cI === cJ;
      // Sizes of the clusters of p and of q once the other row is removed.
      const nRowLeft = start[cI + 1]! - start[cI]! - 1;
      const nColLeft = start[cJ + 1]! - start[cJ]! - 1;
      const thrCol = cI * m; // q's threshold for losing a row of cI
      for (let p = p0; p < p1; p++) {
        const po = p * d;
        const thrP = thr[cJ * m + p]!; // p's threshold for losing a row of cJ
        let acc = 0;
        for (let q = J === I ? p + 1 : q0; q < q1; q += CHUNK) {
          const qe = Math.min(q1, q + CHUNK);
          fill(x, po, q, qe, buf);
          if (same) {
            for (let t = 0, c = q - q0, len = qe - q; t < len; t++, c++) {
              const v = buf[t]!;
              acc += sameEffect(ctx, q + t, nRowLeft, v);
              colAcc[c] = colAcc[c]! + sameEffect(ctx, p, nRowLeft, v);
            }
          } else {
            for (let t = 0, c = q - q0, len = qe - q; t < len; t++, c++) {
              const v = buf[t]!;
              if (v > thr[thrCol + q + t]!) acc += crossEffect(ctx, q + t, cI, nRowLeft, v);
              if (v > thrP) colAcc[c] = colAcc[c]! + crossEffect(ctx, p, cJ, nColLeft, v);
            }
          }
        }
        partial[p * nb + J] = J === I ? colAcc[p - p0]! + acc : acc;
      }
      if (J !== I) for (let q = q0; q < q1; q++) partial[q * nb + I] = colAcc[q - q0]!;
    }
  }
  return i1 - i0;
}

/** Change of row i's silhouette when a row of its own cluster at distance `dist` is removed (nLeft rows remain). */
function sameEffect(ctx: SilhouetteCtx, i: number, nLeft: number, dist: number): number {
  if (nLeft <= 1) return -ctx.out[i]!; // i is left alone: silhouette 0
  const own = ctx.cl[i]!;
  const ai = Math.max(0, ctx.sums[own * ctx.m + i]! - dist) / (nLeft - 1);
  return silhouetteValue(ai, ctx.b[i]!) - ctx.out[i]!;
}

/** Change of row i's silhouette when a row of cluster c (not i's) at distance `dist` is removed (nLeft remain). */
function crossEffect(ctx: SilhouetteCtx, i: number, c: number, nLeft: number, dist: number): number {
  const other = ctx.best[i] === c ? ctx.b2[i]! : ctx.b[i]!;
  const bi = nLeft > 0 ? Math.min(Math.max(0, ctx.sums[c * ctx.m + i]! - dist) / nLeft, other) : other;
  return silhouetteValue(ctx.a[i]!, bi) - ctx.out[i]!;
}

/** delta[l] for l in [s, e): the jackknife partials of {@link jackknifeTiles} added in block order. O((e − s)·nb). */
export function jackknifeFinish(ctx: SilhouetteCtx, s: number, e: number, delta: Float64Array): number {
  const { partial } = ctx;
  const nb = ctx.blockCl.length;
  for (let l = s; l < e; l++) {
    let acc = 0;
    for (let J = 0, o = l * nb; J < nb; J++, o++) acc += partial[o]!;
    delta[l] = acc;
  }
  return e - s;
}

/** Shared state of the Dunn kernel. */
export interface DunnCtx {
  readonly x: Float64Array;
  readonly m: number;
  readonly d: number;
  readonly start: Int32Array;
  readonly cl: Int32Array;
  /** SQEUCLIDEAN for euclidean (compared squared, rooted by the caller), MANHATTAN or COSINE. */
  readonly kind: number;
}

/**
 * For positions p in [s, e): the smallest distance to a row of a later cluster and the largest distance to a later
 * row of the same cluster (each pair once). Minima and maxima are exact, so any split gives the same result.
 * O((e − s)·m·d) time, O(1) memory. Returns [min inter-cluster, max intra-cluster] (∞ / −∞ when none).
 */
export function dunnBlock(ctx: DunnCtx, s: number, e: number): [number, number] {
  const { x, d, m, start, cl } = ctx;
  const fill = distanceFill(ctx.kind, d);
  const buf = new Float64Array(CHUNK);
  let minInter = Infinity;
  let maxIntra = -Infinity;
  for (let p = s; p < e; p++) {
    const po = p * d;
    const end = start[cl[p]! + 1]!;
    for (let q = p + 1; q < end; q += CHUNK) {
      const qe = Math.min(end, q + CHUNK);
      fill(x, po, q, qe, buf);
      for (let i = 0, len = qe - q; i < len; i++) if (buf[i]! > maxIntra) maxIntra = buf[i]!;
    }
    for (let q = end; q < m; q += CHUNK) {
      const qe = Math.min(m, q + CHUNK);
      fill(x, po, q, qe, buf);
      for (let i = 0, len = qe - q; i < len; i++) if (buf[i]! < minInter) minInter = buf[i]!;
    }
  }
  return [minInter, maxIntra];
}
