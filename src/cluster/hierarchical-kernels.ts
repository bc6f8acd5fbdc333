/**
 * Kernels of agglomerative clustering, run in process or in worker threads by `hierarchical.ts`.
 *
 * Each kernel follows SciPy's `scipy.cluster.hierarchy.linkage` step for step (same scan order, same strict
 * comparisons, same tie-breaking: the previous chain element first, then the lowest index). Complete, average and
 * single linkage compute SciPy's distances with its summation order and apply its updates, so their trees equal
 * SciPy's bit for bit, ties included. Ward works on centroids instead of SciPy's distance matrix: its heights agree
 * to rounding (~1e−15 relative), and the same tree results unless distances tie exactly, where rounding decides in
 * SciPy. Side-effect free on import.
 */

/** URL of this module, for `WorkerPool` tasks. */
export const kernelModule = import.meta.url;

/** Metric code of the euclidean distance, as passed to kernels. */
export const EUCLIDEAN = 0;
/** Metric code of the manhattan (cityblock) distance. */
export const MANHATTAN = 1;
/** Metric code of the cosine distance. */
export const COSINE = 2;

/**
 * Merges in the order an algorithm found them: merge k joined the clusters holding leaves `xs[k]` and `ys[k]`
 * (any leaf of each cluster) at height `h[k]`.
 */
export interface RawMerges {
  xs: Int32Array;
  ys: Int32Array;
  h: Float64Array;
}

/** Merge heights, children and sizes in SciPy's linkage-matrix layout (see `Dendrogram`). */
export interface LabelledMerges {
  a: Int32Array;
  b: Int32Array;
  heights: Float64Array;
  sizes: Int32Array;
}

/**
 * Dot product of `a[oa..oa+d)` and `b[ob..ob+d)` summed in two interleaved partial sums (even and odd terms,
 * then the odd last term), the order of SciPy's compiled cosine distance, so cosine distances match it bit for bit.
 * O(d).
 */
export function dot2(a: Float64Array, oa: number, b: Float64Array, ob: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  for (; k + 1 < d; k += 2) {
    s0 += a[oa + k]! * b[ob + k]!;
    s1 += a[oa + k + 1]! * b[ob + k + 1]!;
  }
  let s = s0 + s1;
  if (k < d) s += a[oa + k]! * b[ob + k]!;
  return s;
}

/** Euclidean row norms √(x·x) (SciPy's `_row_norms`, used by its cosine distance). O(n·d). */
export function rowNorms(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(dot2(x, i * d, x, i * d, d));
  return out;
}

/** Index of pair (i, j), i < j, in a condensed distance matrix of n rows (SciPy's `condensed_index`). */
export function condensedIndex(n: number, i: number, j: number): number {
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

/**
 * Fill rows [r0, r1) of the condensed distance matrix `out` (pairs (i, j), i < j, row-major as SciPy's `pdist`).
 * Euclidean and manhattan read `x` in the padded layout of `w` columns (see {@link padRows}); cosine reads the
 * original rows (`w` = d). O((r1 − r0)·n·d). Every entry depends only on its pair, so any split over threads gives
 * identical bytes.
 */
export function pdistRows(
  x: Float64Array,
  n: number,
  w: number,
  metric: number,
  norms: Float64Array,
  out: Float64Array,
  r0: number,
  r1: number,
): number {
  for (let i = r0; i < r1; i++) {
    const base = condensedIndex(n, i, i + 1) - (i + 1);
    const oi = i * w;
    if (metric === EUCLIDEAN && w === 8) {
      const x0 = x[oi]!;
      const x1 = x[oi + 1]!;
      const x2 = x[oi + 2]!;
      const x3 = x[oi + 3]!;
      const x4 = x[oi + 4]!;
      const x5 = x[oi + 5]!;
      const x6 = x[oi + 6]!;
      const x7 = x[oi + 7]!;
      for (let j = i + 1, o = oi + 8; j < n; j++, o += 8) {
        const t0 = x0 - x[o]!;
        const t1 = x1 - x[o + 1]!;
        const t2 = x2 - x[o + 2]!;
        const t3 = x3 - x[o + 3]!;
        const t4 = x4 - x[o + 4]!;
        const t5 = x5 - x[o + 5]!;
        const t6 = x6 - x[o + 6]!;
        const t7 = x7 - x[o + 7]!;
        out[base + j] = Math.sqrt(
          t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7,
        );
      }
    } else if (metric === EUCLIDEAN) {
      for (let j = i + 1, o = oi + w; j < n; j++, o += w) out[base + j] = Math.sqrt(sqDist(x, oi, x, o, w));
    } else if (metric === MANHATTAN) {
      for (let j = i + 1, o = oi + w; j < n; j++, o += w) out[base + j] = l1Dist(x, oi, x, o, w);
    } else {
      const ni = norms[i]!;
      for (let j = i + 1, o = oi + w; j < n; j++, o += w) {
        out[base + j] = 1 - clip1(dot2(x, oi, x, o, w) / (ni * norms[j]!));
      }
    }
  }
  return r1 - r0;
}

/**
 * NN-chain (Murtagh 1983; Müllner 2011) over a condensed distance matrix with the Lance–Williams update of
 * complete (max) or average (size-weighted mean) linkage, overwriting `dist`. A line-by-line equivalent of
 * SciPy's `_hierarchy.nn_chain`, except that the scans visit a list of active clusters instead of all n slots.
 * O(n²) time, no memory beyond `dist` and a few arrays of n.
 */
export function nnChainCondensed(
  dist: Float64Array,
  n: number,
  average: boolean,
  onMerge?: () => void,
): RawMerges {
  const xs = new Int32Array(Math.max(0, n - 1));
  const ys = new Int32Array(Math.max(0, n - 1));
  const h = new Float64Array(Math.max(0, n - 1));
  const size = new Float64Array(n).fill(1);
  // Pair (i, j), i < j, sits at rs[i] + j.
  const rs = new Float64Array(n);
  for (let i = 0; i < n; i++) rs[i] = condensedIndex(n, i, i + 1) - (i + 1);
  // Active slots in increasing order; merged slots are dropped lazily (size 0) and compacted now and then.
  const act = new Int32Array(n);
  for (let i = 0; i < n; i++) act[i] = i;
  let m = n;
  let dead = 0;
  let nActive = n;
  const chain = new Int32Array(n);
  let len = 0;
  for (let k = 0; k < n - 1; k++) {
    onMerge?.();
    if (len === 0) {
      let p = 0;
      while (size[act[p]!] === 0) p++;
      chain[0] = act[p]!;
      len = 1;
    }
    let x = 0;
    let y = 0;
    let best = 0;
    for (;;) {
      x = chain[len - 1]!;
      best = Infinity;
      if (len > 1) {
        y = chain[len - 2]!;
        best = dist[x < y ? rs[x]! + y : rs[y]! + x]!;
      }
      // Active slots below x read column x of their rows; those above x read along row x.
      let p = 0;
      for (; p < m; p++) {
        const i = act[p]!;
        if (i >= x) break;
        if (size[i] === 0) continue;
        const v = dist[rs[i]! + x]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      const rx = rs[x]!;
      for (; p < m; p++) {
        const i = act[p]!;
        if (i === x || size[i] === 0) continue;
        const v = dist[rx + i]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      if (len > 1 && y === chain[len - 2]) break;
      if (len >= nActive) {
        // Only reachable if rounding broke reducibility: merge the pair at hand rather than loop.
        len = 2;
        break;
      }
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    const nx = size[x]!;
    const ny = size[y]!;
    xs[k] = x;
    ys[k] = y;
    h[k] = best;
    size[x] = 0;
    size[y] = nx + ny;
    nActive--;
    dead++;
    const rx = rs[x]!;
    const ry = rs[y]!;
    for (let p = 0; p < m; p++) {
      const i = act[p]!;
      if (size[i] === 0 || i === y) continue;
      const ix = i < x ? rs[i]! + x : rx + i;
      const iy = i < y ? rs[i]! + y : ry + i;
      const dxi = dist[ix]!;
      const dyi = dist[iy]!;
      dist[iy] = average ? (nx * dxi + ny * dyi) / (nx + ny) : dxi > dyi ? dxi : dyi;
    }
    if (dead > (m >> 5) + 16) {
      let q = 0;
      for (let p = 0; p < m; p++) {
        const i = act[p]!;
        if (size[i] !== 0) act[q++] = i;
      }
      m = q;
      dead = 0;
    }
  }
  return { xs, ys, h };
}

/**
 * Row width of the padded layouts (rows of ward, single linkage and the distance matrix): d rounded up to a multiple
 * of 8, at least 8. O(1).
 */
export function paddedWidth(d: number): number {
  return Math.max(8, Math.ceil(d / 8) * 8);
}

/**
 * Copy n rows of d columns into rows of `w` columns (zeros after column d), on a SharedArrayBuffer when `shared`.
 * Zero columns add exact zeros at the end of every sum, so distances are unchanged bit for bit. O(n·w).
 */
export function padRows(x: Float64Array, n: number, d: number, w: number, shared: boolean): Float64Array {
  const out = shared
    ? new Float64Array(new SharedArrayBuffer(Math.max(8, n * w * 8)), 0, n * w)
    : new Float64Array(n * w);
  if (w === d) out.set(x.subarray(0, n * d));
  else for (let i = 0; i < n; i++) out.set(x.subarray(i * d, i * d + d), i * w);
  return out;
}

/** Squared euclidean distance of `u[ou..ou+w)` and `v[ov..ov+w)`, w a multiple of 8, summed in column order. */
function sqDist(u: Float64Array, ou: number, v: Float64Array, ov: number, w: number): number {
  let s = 0;
  for (let j = 0; j < w; j += 8) {
    const t0 = u[ou + j]! - v[ov + j]!;
    const t1 = u[ou + j + 1]! - v[ov + j + 1]!;
    const t2 = u[ou + j + 2]! - v[ov + j + 2]!;
    const t3 = u[ou + j + 3]! - v[ov + j + 3]!;
    const t4 = u[ou + j + 4]! - v[ov + j + 4]!;
    const t5 = u[ou + j + 5]! - v[ov + j + 5]!;
    const t6 = u[ou + j + 6]! - v[ov + j + 6]!;
    const t7 = u[ou + j + 7]! - v[ov + j + 7]!;
    s = s + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7;
  }
  return s;
}

/**
 * {@link sqDist}, stopping after a block of 8 columns once the partial sum is not below `bound` (partial sums of
 * non-negative terms never exceed the full sum, so the caller's `q < bound` test is unchanged).
 */
function sqDistBounded(
  u: Float64Array,
  ou: number,
  v: Float64Array,
  ov: number,
  w: number,
  bound: number,
): number {
  let s = 0;
  for (let j = 0; j < w; j += 8) {
    const t0 = u[ou + j]! - v[ov + j]!;
    const t1 = u[ou + j + 1]! - v[ov + j + 1]!;
    const t2 = u[ou + j + 2]! - v[ov + j + 2]!;
    const t3 = u[ou + j + 3]! - v[ov + j + 3]!;
    const t4 = u[ou + j + 4]! - v[ov + j + 4]!;
    const t5 = u[ou + j + 5]! - v[ov + j + 5]!;
    const t6 = u[ou + j + 6]! - v[ov + j + 6]!;
    const t7 = u[ou + j + 7]! - v[ov + j + 7]!;
    s = s + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7;
    if (!(s < bound)) return s;
  }
  return s;
}

/** Manhattan distance of `u[ou..ou+w)` and `v[ov..ov+w)`, w a multiple of 8, summed in column order. */
function l1Dist(u: Float64Array, ou: number, v: Float64Array, ov: number, w: number): number {
  let s = 0;
  for (let j = 0; j < w; j += 8) {
    s =
      s +
      Math.abs(u[ou + j]! - v[ov + j]!) +
      Math.abs(u[ou + j + 1]! - v[ov + j + 1]!) +
      Math.abs(u[ou + j + 2]! - v[ov + j + 2]!) +
      Math.abs(u[ou + j + 3]! - v[ov + j + 3]!) +
      Math.abs(u[ou + j + 4]! - v[ov + j + 4]!) +
      Math.abs(u[ou + j + 5]! - v[ov + j + 5]!) +
      Math.abs(u[ou + j + 6]! - v[ov + j + 6]!) +
      Math.abs(u[ou + j + 7]! - v[ov + j + 7]!);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Ward linkage.

/**
 * Working state of the ward NN-chain, in packed positions (active clusters in increasing slot order, merged ones
 * left in place until the next compaction): centroids `c` (rows of `w` columns), sizes `s` (0 = merged away) and
 * `inv` = 1/s (−∞ = merged away). With helpers, `ctrl`, `best0` and the per-block results coordinate the split
 * scans; all arrays are then on SharedArrayBuffers.
 */
export interface WardState {
  c: Float64Array;
  s: Float64Array;
  inv: Float64Array;
  w: number;
  /** [next block ticket, blocks done, scanned position, number of blocks, error flag, packed length]. */
  ctrl: Int32Array;
  /** [best value before the scan (distance to the previous chain element, or +∞)]. */
  best0: Float64Array;
  blockBest: Float64Array;
  blockPos: Int32Array;
}

const NEXT = 0;
const DONE = 1;
const PX = 2;
const NBLOCKS = 3;
const ERR = 4;
const MLEN = 5;
/** `ctrl[NEXT]` value telling helpers to return. */
const STOP = -1;
/** A ticket is (scan generation << IDX_BITS) | block index: claims of a finished scan can never succeed. */
const IDX_BITS = 20;
const IDX_MASK = (1 << IDX_BITS) - 1;
/** Packed positions per block of a split scan (fixed: results never depend on the thread count). */
export const SCAN_BLOCK = 2048;
/** Split a scan only when it has at least this many positions; shorter scans cost less than waking a thread. */
export const SPLIT_MIN = 3 * SCAN_BLOCK;
/** Busy-wait iterations before sleeping on a futex: most waits here are a few microseconds long. */
const SPIN = 4000;
/**
 * Slack of the scan's prefilter. The ward value is v = q·s_x·s_p/(s_x + s_p) with q the squared centroid distance;
 * v < best implies q < best·(1/s_x + 1/s_p)·(1 + 6u) in floating point (u = 2⁻⁵³), so testing
 * q < best·SLACK·(1/s_x + 1/s_p) (one multiply-add, no division) never rejects a position that would win; the
 * exact v is computed only for the few that pass.
 */
const SLACK = 1 + 1e-12;

/** Options of the split scans of {@link wardNnChain}. */
export interface SplitOptions {
  /** Split scans of at least this many positions. */
  min: number;
  /** Time split and single-thread scans now and then, and use whichever is faster. */
  adaptive: boolean;
}

/**
 * Adaptive splitting: of every CAL_PERIOD large scans, the first CAL_SCANS are split and the next CAL_SCANS are
 * not, all timed; the rest of the period uses the faster way. Two losses in a row end the calibration for good.
 * The first CAL_WARMUP large scans run in this thread only, so that compiled code is compared with compiled code.
 */
const CAL_WARMUP = 256;
const CAL_PERIOD = 2048;
const CAL_SCANS = 32;
/** Splitting is kept only when it takes less than this fraction of the single-thread time per position. */
const CAL_GAIN = 0.9;

/** Best value found by the last {@link wardScanRange} call. */
let scanBest = 0;

/** Allocate the ward state for n rows of d columns (shared arrays when helpers will read it). O(n·d). */
export function wardState(x: Float64Array, n: number, d: number, shared: boolean): WardState {
  const w = paddedWidth(d);
  const f64 = (len: number): Float64Array =>
    shared ? new Float64Array(new SharedArrayBuffer(Math.max(8, len * 8)), 0, len) : new Float64Array(len);
  const i32 = (len: number): Int32Array =>
    shared ? new Int32Array(new SharedArrayBuffer(Math.max(4, len * 4)), 0, len) : new Int32Array(len);
  const nBlocks = Math.ceil(n / SCAN_BLOCK) + 1;
  const st: WardState = {
    c: padRows(x, n, d, w, shared),
    s: f64(n).fill(1),
    inv: f64(n).fill(1),
    w,
    ctrl: i32(8),
    best0: f64(1),
    blockBest: f64(nBlocks),
    blockPos: i32(nBlocks),
  };
  return st;
}

/**
 * Scan packed positions [p0, p1) except `px` for the smallest ward value q·s_x·s_p/(s_x + s_p) strictly below
 * `best`; returns its position (the first on ties) or `bp` when none beats `best`, and leaves the value in
 * `scanBest`. Merged positions (inv = −∞) never pass the prefilter (its bound is NaN or −∞ for them). The value is
 * symmetric in x and p bit for bit, which keeps the chain free of cycles. O((p1 − p0)·w).
 */
function wardScanRange(st: WardState, p0: number, p1: number, px: number, best: number, bp: number): number {
  const { c, s, inv, w } = st;
  const ox = px * w;
  const sx = s[px]!;
  const ix = inv[px]!;
  let bb = best * SLACK;
  let ba = bb * ix;
  if (w === 8) {
    const x0 = c[ox]!;
    const x1 = c[ox + 1]!;
    const x2 = c[ox + 2]!;
    const x3 = c[ox + 3]!;
    const x4 = c[ox + 4]!;
    const x5 = c[ox + 5]!;
    const x6 = c[ox + 6]!;
    const x7 = c[ox + 7]!;
    for (let p = p0, o = p0 * 8; p < p1; p++, o += 8) {
      const bound = ba + bb * inv[p]!;
      const t0 = x0 - c[o]!;
      const t1 = x1 - c[o + 1]!;
      const t2 = x2 - c[o + 2]!;
      const t3 = x3 - c[o + 3]!;
      const q4 = t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3;
      // Partial sums never exceed the full sum (all terms are >= 0), so this skip is exact.
      if (!(q4 < bound)) continue;
      const t4 = x4 - c[o + 4]!;
      const t5 = x5 - c[o + 5]!;
      const t6 = x6 - c[o + 6]!;
      const t7 = x7 - c[o + 7]!;
      const q = q4 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7;
      if (q < bound && p !== px) {
        const si = s[p]!;
        const v = q * ((sx * si) / (sx + si));
        if (v < best) {
          best = v;
          bp = p;
          bb = best * SLACK;
          ba = bb * ix;
        }
      }
    }
  } else {
    for (let p = p0, o = p0 * w; p < p1; p++, o += w) {
      const bound = ba + bb * inv[p]!;
      const q = sqDistBounded(c, ox, c, o, w, bound);
      if (q < bound && p !== px) {
        const si = s[p]!;
        const v = q * ((sx * si) / (sx + si));
        if (v < best) {
          best = v;
          bp = p;
          bb = best * SLACK;
          ba = bb * ix;
        }
      }
    }
  }
  scanBest = best;
  return bp;
}

/** The ward value of {@link wardScanRange} between packed positions p and q. */
function wardValue(st: WardState, p: number, q: number): number {
  const sq = sqDist(st.c, p * st.w, st.c, q * st.w, st.w);
  const sp = st.s[p]!;
  const sr = st.s[q]!;
  return sq * ((sp * sr) / (sp + sr));
}

/** Scan one block of a split scan and publish its result. */
function wardBlock(st: WardState, b: number): void {
  const m = st.ctrl[MLEN]!;
  const p0 = b * SCAN_BLOCK;
  const p1 = Math.min(m, p0 + SCAN_BLOCK);
  const bp = wardScanRange(st, p0, p1, st.ctrl[PX]!, st.best0[0]!, -1);
  st.blockPos[b] = bp;
  st.blockBest[b] = bp < 0 ? Infinity : scanBest;
}

/** Claim and scan blocks of the current split scan until none is left. Returns how many this thread did. */
function claimBlocks(st: WardState): number {
  const { ctrl } = st;
  let done = 0;
  for (;;) {
    const cur = Atomics.load(ctrl, NEXT);
    if (cur === STOP) return done;
    const idx = cur & IDX_MASK;
    if (idx >= Atomics.load(ctrl, NBLOCKS)) return done;
    if (Atomics.compareExchange(ctrl, NEXT, cur, cur + 1) !== cur) continue;
    // A successful claim means this scan still has blocks out, so its parameters cannot change before DONE counts
    // this block.
    try {
      wardBlock(st, idx);
    } catch (e) {
      Atomics.store(ctrl, ERR, 1);
      throw e;
    } finally {
      Atomics.add(ctrl, DONE, 1);
      Atomics.notify(ctrl, DONE);
    }
    done++;
  }
}

/**
 * Helper thread of the split ward scans (run through `WorkerPool`): waits for each scan, claims blocks until none
 * is left, and returns when the chain is complete. Returns the number of blocks it scanned.
 */
export function wardHelper(st: WardState): number {
  const { ctrl } = st;
  let total = 0;
  for (;;) {
    total += claimBlocks(st);
    const cur = Atomics.load(ctrl, NEXT);
    if (cur === STOP) return total;
    if ((cur & IDX_MASK) < Atomics.load(ctrl, NBLOCKS)) continue;
    let spins = 0;
    while (Atomics.load(ctrl, NEXT) === cur && spins < SPIN) spins++;
    if (spins === SPIN) Atomics.wait(ctrl, NEXT, cur, 100);
  }
}

/** A task that does nothing (see `wardTree` in `hierarchical.ts`). */
export function noop(): number {
  return 0;
}

/** Tell helper threads that the chain is complete. */
export function wardStop(st: WardState): void {
  Atomics.store(st.ctrl, NEXT, STOP);
  Atomics.notify(st.ctrl, NEXT);
}

/**
 * Full scan for the chain element at position `px`, split over fixed blocks shared with helper threads and reduced in
 * block order (strictly smaller wins, so the first position on ties, exactly as one sequential scan).
 */
function wardScanSplit(st: WardState, m: number, px: number, best: number, bp: number, gen: number): number {
  const { ctrl } = st;
  const nb = Math.ceil(m / SCAN_BLOCK);
  st.best0[0] = best;
  ctrl[PX] = px;
  ctrl[MLEN] = m;
  Atomics.store(ctrl, NBLOCKS, nb);
  Atomics.store(ctrl, DONE, 0);
  Atomics.store(ctrl, NEXT, gen << IDX_BITS);
  Atomics.notify(ctrl, NEXT);
  claimBlocks(st);
  let spins = 0;
  for (;;) {
    const dn = Atomics.load(ctrl, DONE);
    if (dn >= nb) break;
    if (++spins > SPIN) Atomics.wait(ctrl, DONE, dn, 100);
  }
  if (Atomics.load(ctrl, ERR) !== 0) throw new Error('a ward scan failed in a worker thread');
  const { blockBest, blockPos } = st;
  for (let b = 0; b < nb; b++) {
    const v = blockBest[b]!;
    if (v < best) {
      best = v;
      bp = blockPos[b]!;
    }
  }
  scanBest = best;
  return bp;
}

/**
 * Ward linkage by NN-chain on cluster centroids and sizes: the ward distance of clusters A, B is
 * √(2·|A||B|/(|A|+|B|))·‖c_A − c_B‖ (SciPy's heights: the Lance–Williams ward recursion started from euclidean
 * distances). Same chain, scan order and tie rules as SciPy's `nn_chain`; merged clusters live at the larger slot.
 * With `split`, scans of at least `split.min` clusters are shared with helper threads running {@link wardHelper}
 * on the same (shared) state, with identical results; adaptive splitting times both ways now and then and keeps
 * the faster (machines whose "cores" do not run in parallel lose time to the hand-offs). O(n²·d) time, O(n·d) memory: no distance matrix.
 * @throws Error when a helper thread failed during a split scan (the helper's own task reports why).
 */
export function wardNnChain(
  st: WardState,
  n: number,
  d: number,
  split?: SplitOptions,
  onMerge?: () => void,
): RawMerges {
  const { c, s, inv, w } = st;
  const xs = new Int32Array(Math.max(0, n - 1));
  const ys = new Int32Array(Math.max(0, n - 1));
  const h = new Float64Array(Math.max(0, n - 1));
  const slotOf = new Int32Array(n);
  const posOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    slotOf[i] = i;
    posOf[i] = i;
  }
  let m = n;
  let dead = 0;
  let nActive = n;
  let gen = 0;
  // Adaptive splitting: timings (ms) and positions scanned per mode during calibration.
  let large = 0;
  let useSplit = false;
  let losses = 0; // consecutive calibrations lost by splitting; after two, stop trying
  let tSplit = 0;
  let pSplit = 0;
  let tSeq = 0;
  let pSeq = 0;
  const chain = new Int32Array(n);
  let len = 0;
  for (let k = 0; k < n - 1; k++) {
    onMerge?.();
    if (len === 0) {
      let p = 0;
      while (s[p] === 0) p++;
      chain[0] = slotOf[p]!;
      len = 1;
    }
    let x0 = 0;
    let y0 = 0;
    let best = 0;
    for (;;) {
      x0 = chain[len - 1]!;
      const px = posOf[x0]!;
      let bp = -1;
      best = Infinity;
      if (len > 1) {
        bp = posOf[chain[len - 2]!]!;
        best = wardValue(st, px, bp);
      }
      gen = gen === 2047 ? 1 : gen + 1;
      let doSplit = false;
      let timed = false;
      if (split !== undefined && m >= split.min) {
        if (!split.adaptive) doSplit = true;
        else {
          const phase = (large++ - CAL_WARMUP) % CAL_PERIOD;
          if (phase >= 0 && phase < 2 * CAL_SCANS && losses < 2) {
            doSplit = phase < CAL_SCANS;
            timed = true;
          } else {
            if (phase === 2 * CAL_SCANS && losses < 2) {
              useSplit = pSplit > 0 && pSeq > 0 && tSplit / pSplit < CAL_GAIN * (tSeq / pSeq);
              losses = useSplit ? 0 : losses + 1;
              tSplit = pSplit = tSeq = pSeq = 0;
            }
            doSplit = useSplit;
          }
        }
      }
      const t0 = timed ? performance.now() : 0;
      bp = doSplit ? wardScanSplit(st, m, px, best, bp, gen) : wardScanRange(st, 0, m, px, best, bp);
      if (timed) {
        const dt = performance.now() - t0;
        if (doSplit) {
          tSplit += dt;
          pSplit += m;
        } else {
          tSeq += dt;
          pSeq += m;
        }
      }
      best = scanBest;
      y0 = slotOf[bp]!;
      if (len > 1 && y0 === chain[len - 2]) break;
      if (len >= nActive) {
        // Only reachable if rounding broke reducibility: merge the pair at hand rather than loop.
        len = 2;
        break;
      }
      chain[len++] = y0;
    }
    len -= 2;
    const xa = x0 < y0 ? x0 : y0;
    const yb = x0 < y0 ? y0 : x0;
    const pa = posOf[xa]!;
    const pb = posOf[yb]!;
    const sa = s[pa]!;
    const sb = s[pb]!;
    xs[k] = xa;
    ys[k] = yb;
    h[k] = Math.sqrt(2 * best);
    const tot = sa + sb;
    // c_a + (c_b − c_a)·s_b/(s_a + s_b): identical centroids stay identical (SciPy keeps their distance exactly 0).
    const fb = sb / tot;
    for (let j = 0, oa = pa * w, ob = pb * w; j < d; j++) {
      const ca = c[oa + j]!;
      c[ob + j] = ca + (c[ob + j]! - ca) * fb;
    }
    s[pb] = tot;
    inv[pb] = 1 / tot;
    s[pa] = 0;
    inv[pa] = -Infinity;
    posOf[xa] = -1;
    nActive--;
    dead++;
    if (dead > (m >> 6) + 16) {
      let q = 0;
      for (let p = 0; p < m; p++) {
        if (s[p] === 0) continue;
        if (q !== p) {
          c.copyWithin(q * w, p * w, p * w + w);
          s[q] = s[p]!;
          inv[q] = inv[p]!;
          slotOf[q] = slotOf[p]!;
        }
        posOf[slotOf[q]!] = q;
        q++;
      }
      m = q;
      dead = 0;
    }
  }
  return { xs, ys, h };
}

// ---------------------------------------------------------------------------------------------------------------
// Single linkage.

/**
 * Single linkage by Prim's minimum spanning tree with distances computed on the fly (SciPy's `mst_single_linkage`
 * and scikit-learn's `mst_linkage_core`, same scan order and tie rule). Euclidean distances are compared squared
 * and rooted only for a position that beats the current minimum, with ties decided on the rooted values, so the
 * choices are SciPy's exactly. O(n²·d) time, O(n·d) memory.
 */
export function primSingle(
  x: Float64Array,
  n: number,
  d: number,
  metric: number,
  norms: Float64Array,
  onMerge?: () => void,
): RawMerges {
  const xs = new Int32Array(Math.max(0, n - 1));
  const ys = new Int32Array(Math.max(0, n - 1));
  const h = new Float64Array(Math.max(0, n - 1));
  // Rows not yet in the tree, packed in increasing row order (id −1 = joined the tree, compacted now and then).
  // Cosine keeps SciPy's summation order, so its rows are not padded.
  const w = metric === COSINE ? d : paddedWidth(d);
  const rows = padRows(x, n, d, w, false);
  const xr = new Float64Array(w);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  const pn = metric === COSINE ? norms.slice() : new Float64Array(0);
  // Distance of each row to the tree so far (euclidean: squared).
  const best = new Float64Array(n).fill(Infinity);
  let m = n;
  let dead = 0;
  let xp = 0; // packed position of the row joining the tree
  for (let k = 0; k < n - 1; k++) {
    onMerge?.();
    const xi = ids[xp]!;
    xr.set(rows.subarray(xp * w, xp * w + w));
    const nx = metric === COSINE ? pn[xp]! : 0;
    ids[xp] = -1;
    dead++;
    if (dead > (m >> 6) + 16) {
      let q = 0;
      for (let p = 0; p < m; p++) {
        if (ids[p] === -1) continue;
        if (q !== p) {
          rows.copyWithin(q * w, p * w, p * w + w);
          ids[q] = ids[p]!;
          best[q] = best[p]!;
          if (metric === COSINE) pn[q] = pn[p]!;
        }
        q++;
      }
      m = q;
      dead = 0;
    }
    let cur = Infinity;
    let yp = -1;
    if (metric === EUCLIDEAN) {
      let curRoot = Infinity;
      for (let p = 0, o = 0; p < m; p++, o += w) {
        if (ids[p] === -1) continue;
        let b = best[p]!;
        // Only a smaller distance changes anything: stop summing once the partial sum reaches b.
        const q = w === 8 ? sqDist8Bounded(xr, rows, o, b) : sqDistBounded(xr, 0, rows, o, w, b);
        if (q < b) {
          b = q;
          best[p] = q;
        }
        // Strictly smaller rooted value, as SciPy compares rooted distances: a smaller square can root to the
        // same value, which must not win.
        if (b < cur) {
          const r = Math.sqrt(b);
          if (r < curRoot) {
            cur = b;
            curRoot = r;
            yp = p;
          }
        }
      }
      cur = curRoot;
    } else {
      for (let p = 0, o = 0; p < m; p++, o += w) {
        if (ids[p] === -1) continue;
        const v =
          metric === MANHATTAN
            ? l1Dist(xr, 0, rows, o, w)
            : 1 - clip1(dot2(xr, 0, rows, o, w) / (nx * pn[p]!));
        let b = best[p]!;
        if (b > v) {
          b = v;
          best[p] = v;
        }
        if (b < cur) {
          cur = b;
          yp = p;
        }
      }
    }
    xs[k] = xi;
    ys[k] = ids[yp]!;
    h[k] = cur;
    xp = yp;
  }
  return { xs, ys, h };
}

/** {@link sqDistBounded} for rows of exactly 8 columns, `u` at offset 0, checking the bound after 4 columns. */
function sqDist8Bounded(u: Float64Array, v: Float64Array, o: number, bound: number): number {
  const t0 = u[0]! - v[o]!;
  const t1 = u[1]! - v[o + 1]!;
  const t2 = u[2]! - v[o + 2]!;
  const t3 = u[3]! - v[o + 3]!;
  const q4 = t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3;
  if (!(q4 < bound)) return q4;
  const t4 = u[4]! - v[o + 4]!;
  const t5 = u[5]! - v[o + 5]!;
  const t6 = u[6]! - v[o + 6]!;
  const t7 = u[7]! - v[o + 7]!;
  return q4 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7;
}

/** Clip a cosine similarity to [−1, 1] (rounding can leave it just outside), as SciPy does. */
function clip1(c: number): number {
  return Math.abs(c) > 1 ? (c > 0 ? 1 : -1) : c;
}

/**
 * Sort merges by height (stable, as SciPy's mergesort) and name their children as SciPy's `label` does: union-find
 * over leaves, node n + j for the cluster made by merge j, smaller id first, plus the size of each new cluster.
 * O(n log n).
 */
export function labelMerges(raw: RawMerges, n: number): LabelledMerges {
  const m = raw.h.length;
  const order = Array.from({ length: m }, (_, i) => i);
  const h = raw.h;
  order.sort((i, j) => h[i]! - h[j]! || i - j);
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  const heights = new Float64Array(m);
  const sizes = new Int32Array(m);
  const parent = new Int32Array(2 * n - 1);
  const size = new Int32Array(2 * n - 1).fill(1);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (v: number): number => {
    let r = v;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[v] !== r) {
      const nx = parent[v]!;
      parent[v] = r;
      v = nx;
    }
    return r;
  };
  for (let k = 0; k < m; k++) {
    const o = order[k]!;
    const rx = find(raw.xs[o]!);
    const ry = find(raw.ys[o]!);
    a[k] = rx < ry ? rx : ry;
    b[k] = rx < ry ? ry : rx;
    heights[k] = h[o]!;
    const node = n + k;
    parent[rx] = node;
    parent[ry] = node;
    size[node] = size[rx]! + size[ry]!;
    sizes[k] = size[node]!;
  }
  return { a, b, heights, sizes };
}
