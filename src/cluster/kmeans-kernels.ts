/**
 * Row-block kernels of k-means, run in worker threads (or in process) by `kmeans.ts`.
 *
 * Every kernel works on the fixed row blocks `[b · blockSize, min(n, (b + 1) · blockSize))` for `b` in
 * `[b0, b1)` and writes one partial result per block into a shared array; the caller reduces the partials in
 * block order. A block's partial depends only on the block, never on which thread computed it, so results are
 * byte-identical for any thread count. Side-effect free on import.
 *
 * When the context carries a `wasm` reference (every array in one shared WebAssembly memory), the seeding and
 * Hamerly kernels run their WebAssembly versions (src/cluster/kmeans-wasm.ts), which give the same bits.
 */
import { addr, kmeansWasm, taskScratch, type WasmRef } from './kmeans-wasm.js';

/** URL of this module, for `WorkerPool` tasks. */
export const kernelModule = import.meta.url;

/** Kernel modes of the assignment passes. */
export const MODE_FIRST = 0; // first pass of a run: all k distances, bounds and block sums built from scratch
// (Hamerly's first pass normally comes from the seeding instead: hamerlyFromSeeding)
export const MODE_STEP = 1; // later passes: assignment through the bounds; block sums follow the label changes
export const MODE_FINAL = 2; // assignment to the final centres + inertia; block sums no longer needed

/** Shared state of the k-means++ seeding (typed arrays on SharedArrayBuffers when threaded). */
export interface PlusPlusCtx {
  readonly x: Float64Array; // n × d data
  readonly n: number;
  readonly d: number;
  readonly blockSize: number;
  readonly closest: Float64Array; // n: squared distance to the nearest chosen centre
  readonly nearest: Int32Array; // n: index of that centre
  readonly cands: Float64Array; // (nTrials + 1) × d: candidates of this step, then the centre being adopted
  readonly nTrials: number;
  readonly candDist: Float64Array; // (nTrials + 1) × kMax: squared distance of those rows to the chosen centres
  readonly kMax: number;
  readonly pot: Float64Array; // nBlocks × nTrials: per-block potential of each candidate
  // Bounds for Hamerly's first pass (length n, or 0 when not wanted), squared distances:
  readonly second: Int32Array; // a second chosen centre
  readonly secondD: Float64Array; // lower bound on the squared distance to `second`
  readonly rest: Float64Array; // lower bound on the squared distance to every other chosen centre
  readonly wasm?: WasmRef | undefined; // set when every array above lives in that memory
}

/**
 * Shared state of the assignment passes (typed arrays on SharedArrayBuffers when threaded).
 *
 * Bounds are stored relative to drift accumulators so that a pass writes nothing for a row it skips: with D_j the
 * total distance centre j has moved since the run began and M_j the sum over iterations of the largest move among
 * the other centres, upper = upperStore + D[label], Hamerly's lower = lowerStore − M[label] (Hamerly 2010's
 * refinement; the label only changes when the bounds are recomputed), Elkan's lower to centre j =
 * lowerStore[j] − D_j (a centre that moved by δ changes any distance to it by at most δ).
 */
export interface StepCtx {
  readonly x: Float64Array; // n × d data
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly blockSize: number;
  readonly centroids: Float64Array; // k × d current centres
  readonly labels: Int32Array; // n: assignment (−1 before the first pass)
  readonly upper: Float64Array; // Hamerly, Elkan: n upper bounds (relative to D of the label)
  readonly lower: Float64Array; // n lower bounds on the other centres (Hamerly: other than label and second), relative to M
  readonly second: Int32Array; // Hamerly: n second-nearest centres of the last full computation
  readonly lowerSecond: Float64Array; // Hamerly: n lower bounds on the distance to `second` (relative to its D)
  readonly lowerK: Float64Array; // Elkan: n × k lower bounds (relative to D)
  readonly aux: Float64Array; // see auxLayout: drifts, half distances between centres, M, slack
  readonly partials: Float64Array; // nBlocks × stride: [sums k × d][counts k][changed][inertia]
  readonly wasm?: WasmRef | undefined; // set when every array above lives in that memory
}

/**
 * Layout of `StepCtx.aux` for k centres: offsets of D (k), half the distance to the nearest other centre (k), half
 * the centre–centre distances (k × k), M (k: M_j sums the largest move among the centres other than j) and the
 * slack (1): absolute safety margin of the bound tests over floating-point rounding.
 */
export function auxLayout(k: number): {
  drift: number;
  half: number;
  cc: number;
  otherDrift: number;
  slack: number;
  length: number;
} {
  return {
    drift: 0,
    half: k,
    cc: 2 * k,
    otherDrift: 2 * k + k * k,
    slack: 3 * k + k * k,
    length: 3 * k + k * k + 1,
  };
}

/**
 * Length of one block's partial record for `k` centres in `d` dimensions: the block's per-centre coordinate sums
 * and counts (kept up to date across the passes of a run), then the pass's label changes and inertia.
 */
export function partialStride(k: number, d: number): number {
  return k * d + k + 2;
}

/**
 * Squared Euclidean distance between row `xb` of `x` and row `cb` of `c` (offsets in elements), summed in
 * coordinate order. Every distance of the module goes through here, so equal inputs give equal bits whichever
 * variant asks (the bounded variants rely on that to reproduce Lloyd exactly). Unrolled by four: about 2× faster
 * than the plain loop on V8.
 */
export function sqDist(x: Float64Array, xb: number, c: Float64Array, cb: number, d: number): number {
  let s = 0;
  let t = 0;
  for (const d4 = d - 3; t < d4; t += 4) {
    let df = x[xb + t]! - c[cb + t]!;
    s += df * df;
    df = x[xb + t + 1]! - c[cb + t + 1]!;
    s += df * df;
    df = x[xb + t + 2]! - c[cb + t + 2]!;
    s += df * df;
    df = x[xb + t + 3]! - c[cb + t + 3]!;
    s += df * df;
  }
  for (; t < d; t++) {
    const df = x[xb + t]! - c[cb + t]!;
    s += df * df;
  }
  return s;
}

/**
 * Squared distances from row `xb` of `x` to the four consecutive rows of `c` starting at element `cb`, into
 * `out[o … o + 3]`. Four independent sums hide the latency of the floating-point adds (about 25 % faster than
 * four `sqDist` calls); each sum runs in coordinate order, so the values are bit-identical to `sqDist`.
 */
export function sqDist4(
  x: Float64Array,
  xb: number,
  c: Float64Array,
  cb: number,
  d: number,
  out: Float64Array,
  o: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const c1 = cb + d;
  const c2 = c1 + d;
  const c3 = c2 + d;
  for (let t = 0; t < d; t++) {
    const v = x[xb + t]!;
    const e0 = v - c[cb + t]!;
    const e1 = v - c[c1 + t]!;
    const e2 = v - c[c2 + t]!;
    const e3 = v - c[c3 + t]!;
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  out[o] = s0;
  out[o + 1] = s1;
  out[o + 2] = s2;
  out[o + 3] = s3;
}

/** Squared distances from row `xb` of `x` to the `m` rows of `c`, into `out[0 … m)` (bit-identical to `sqDist`). */
export function allDist(
  x: Float64Array,
  xb: number,
  c: Float64Array,
  m: number,
  d: number,
  out: Float64Array,
): void {
  let j = 0;
  for (const m4 = m - 3; j < m4; j += 4) sqDist4(x, xb, c, j * d, d, out, j);
  for (; j < m; j++) out[j] = sqDist(x, xb, c, j * d, d);
}

/**
 * `sqDist4` for two rows at once (eight independent sums: better use of the floating-point units than one row at a
 * time); row `xb` into `out[o … o + 3]`, row `yb` into `out[o + 4 … o + 7]`. Bit-identical to `sqDist`.
 */
export function sqDist4x2(
  x: Float64Array,
  xb: number,
  yb: number,
  c: Float64Array,
  cb: number,
  d: number,
  out: Float64Array,
  o: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  const c1 = cb + d;
  const c2 = c1 + d;
  const c3 = c2 + d;
  for (let t = 0; t < d; t++) {
    const v = x[xb + t]!;
    const w = x[yb + t]!;
    const q0 = c[cb + t]!;
    const q1 = c[c1 + t]!;
    const q2 = c[c2 + t]!;
    const q3 = c[c3 + t]!;
    let e = v - q0;
    s0 += e * e;
    e = v - q1;
    s1 += e * e;
    e = v - q2;
    s2 += e * e;
    e = v - q3;
    s3 += e * e;
    e = w - q0;
    r0 += e * e;
    e = w - q1;
    r1 += e * e;
    e = w - q2;
    r2 += e * e;
    e = w - q3;
    r3 += e * e;
  }
  out[o] = s0;
  out[o + 1] = s1;
  out[o + 2] = s2;
  out[o + 3] = s3;
  out[o + 4] = r0;
  out[o + 5] = r1;
  out[o + 6] = r2;
  out[o + 7] = r3;
}

/**
 * Squared distances of the four rows `rows[r … r + 3]` of `x` to row `cb` of `c`, into `out[0 … 3]`: four
 * independent sums, bit-identical to `sqDist`.
 */
export function sqDistRows4(
  x: Float64Array,
  rows: Int32Array,
  r: number,
  c: Float64Array,
  cb: number,
  d: number,
  out: Float64Array,
): void {
  const x0 = rows[r]! * d;
  const x1 = rows[r + 1]! * d;
  const x2 = rows[r + 2]! * d;
  const x3 = rows[r + 3]! * d;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let t = 0; t < d; t++) {
    const q = c[cb + t]!;
    const e0 = x[x0 + t]! - q;
    const e1 = x[x1 + t]! - q;
    const e2 = x[x2 + t]! - q;
    const e3 = x[x3 + t]! - q;
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** k-means++: distances to the first centre (`cands` row 0); per-block potential into `pot[b · nTrials]`. */
export function ppFirst(c: PlusPlusCtx, b0: number, b1: number): void {
  if (c.wasm !== undefined) {
    kmeansWasm(c.wasm).first(
      addr(c.x),
      c.n,
      c.d,
      c.blockSize,
      b0,
      b1,
      addr(c.closest),
      addr(c.nearest),
      addr(c.cands),
      c.nTrials,
      addr(c.pot),
      addr(c.second),
      addr(c.secondD),
      addr(c.rest),
      c.second.length > 0 ? 1 : 0,
    );
    return;
  }
  const { x, n, d, blockSize, closest, nearest, cands, nTrials, pot, second, secondD, rest } = c;
  const track = second.length > 0;
  for (let b = b0; b < b1; b++) {
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    let s = 0;
    for (let i = start; i < end; i++) {
      const v = sqDist(x, i * d, cands, 0, d);
      closest[i] = v;
      s += v;
    }
    nearest.fill(0, start, end);
    if (track) {
      second.fill(0, start, end);
      secondD.fill(FAR, start, end);
      rest.fill(FAR, start, end);
    }
    pot[b * nTrials] = s;
  }
}

/** Stands for "no bound yet" in the bound arrays: finite, so that 0 · FAR = 0 in the branch-free selects. */
export const FAR = Number.MAX_VALUE;

/** min(v, c) without a branch: both values finite, 0 · finite = 0, so the result is exactly v or c. */
function minNoBranch(v: number, c: number): number {
  // A data-dependent branch here is mispredicted for a good share of the rows; this costs less.
  const l = +(v < c);
  return l * v + (1 - l) * c;
}

/**
 * k-means++ step: first adopt the previous step's best candidate (`cands` row `t`, when t ≥ 0) as centre number
 * `centre`, then sum the potential Σ min(closest, ‖x − candidate‖²) of every candidate over each block — one
 * pass over the data per step. See `adoptBlock` and `trialsBlock`.
 */
export function ppTrials(c: PlusPlusCtx, b0: number, b1: number, t: number, centre: number, task = 0): void {
  if (c.wasm !== undefined) {
    const w = kmeansWasm(c.wasm);
    const scratch = taskScratch(c.wasm, task);
    for (let b = b0; b < b1; b++) {
      if (t >= 0) wasmAdopt(c, b, t, centre, scratch);
      w.trials(
        addr(c.x),
        c.n,
        c.d,
        c.blockSize,
        b,
        addr(c.closest),
        addr(c.nearest),
        addr(c.cands),
        c.nTrials,
        addr(c.candDist),
        c.kMax,
        addr(c.pot),
        scratch,
      );
    }
    return;
  }
  const rows = new Int32Array(c.blockSize);
  const v = new Float64Array(8);
  for (let b = b0; b < b1; b++) {
    if (t >= 0) adoptBlock(c, b, t, centre, rows, v);
    trialsBlock(c, b, rows, v);
  }
}

/**
 * Potential of the candidates over block b, four at a time. A point whose nearest chosen centre a has
 * ‖cand − a‖ ≥ 2‖x − a‖ for all four cannot get closer to any of them (triangle inequality), so its distances
 * are not computed (Raff 2021, "Exact acceleration of k-means++ and k-means||"). Two sweeps, the bound tests
 * then the distances of the rows that need them, keep data-dependent branches out of the loops (they are
 * mispredicted much of the time).
 */
function trialsBlock(c: PlusPlusCtx, b: number, rows: Int32Array, v: Float64Array): void {
  const { x, n, d, blockSize, closest, nearest, cands, nTrials, candDist, kMax, pot } = c;
  const start = b * blockSize;
  const end = Math.min(n, start + blockSize);
  for (let g = 0; g < nTrials; g += 4) {
    const m = Math.min(4, nTrials - g);
    // Pad a short group with its first candidate: same values, results of the padding ignored.
    const t1 = m > 1 ? g + 1 : g;
    const t2 = m > 2 ? g + 2 : g;
    const t3 = m > 3 ? g + 3 : g;
    const k0 = g * kMax;
    const k1 = t1 * kMax;
    const k2 = t2 * kMax;
    const k3 = t3 * kMax;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      const ci = closest[i]!;
      // Margin for rounding: a candidate is ruled out only when clearly no closer, so min(ci, v) = ci for it
      // whether or not v is computed (the adoption, which may skip it, keeps exactly the value summed here).
      const lim = 4.00000001 * ci;
      const a = nearest[i]!;
      const pruned =
        +(candDist[k0 + a]! > lim) &
        +(candDist[k1 + a]! > lim) &
        +(candDist[k2 + a]! > lim) &
        +(candDist[k3 + a]! > lim);
      const add = pruned * ci;
      a0 += add;
      a1 += add;
      a2 += add;
      a3 += add;
      rows[count] = i;
      count += 1 - pruned;
    }
    let r = 0;
    if (m === 4) {
      for (; r + 1 < count; r += 2) {
        const i = rows[r]!;
        const j = rows[r + 1]!;
        sqDist4x2(x, i * d, j * d, cands, g * d, d, v, 0);
        const ci = closest[i]!;
        const cj = closest[j]!;
        a0 += minNoBranch(v[0]!, ci) + minNoBranch(v[4]!, cj);
        a1 += minNoBranch(v[1]!, ci) + minNoBranch(v[5]!, cj);
        a2 += minNoBranch(v[2]!, ci) + minNoBranch(v[6]!, cj);
        a3 += minNoBranch(v[3]!, ci) + minNoBranch(v[7]!, cj);
      }
    }
    for (; r < count; r++) {
      const i = rows[r]!;
      const ci = closest[i]!;
      const xb = i * d;
      if (m === 4) sqDist4(x, xb, cands, g * d, d, v, 0);
      else {
        v[0] = sqDist(x, xb, cands, g * d, d);
        v[1] = sqDist(x, xb, cands, t1 * d, d);
        v[2] = sqDist(x, xb, cands, t2 * d, d);
        v[3] = sqDist(x, xb, cands, t3 * d, d);
      }
      a0 += minNoBranch(v[0]!, ci);
      a1 += minNoBranch(v[1]!, ci);
      a2 += minNoBranch(v[2]!, ci);
      a3 += minNoBranch(v[3]!, ci);
    }
    const p = b * nTrials + g;
    pot[p] = a0;
    if (m > 1) pot[p + 1] = a1;
    if (m > 2) pot[p + 2] = a2;
    if (m > 3) pot[p + 3] = a3;
  }
}

/**
 * Adopt `cands` row t as centre number `centre` over block b: a row takes it when strictly closer (same pruning
 * as `trialsBlock`, so the same values as the potential summed for it). When `second` is wanted, also keeps a
 * second centre and bounds, so that Hamerly's first pass needs no distance at all; rows the triangle inequality
 * rules out get the bound ‖x − cand‖² > ‖cand − a‖² / 4 for the new centre.
 */
function adoptBlock(
  c: PlusPlusCtx,
  b: number,
  t: number,
  centre: number,
  rows: Int32Array,
  v: Float64Array,
): void {
  const { x, n, d, blockSize, closest, nearest, cands, candDist, kMax, second, rest } = c;
  const track = second.length > 0;
  const kt = t * kMax;
  const cb = t * d;
  const start = b * blockSize;
  const end = Math.min(n, start + blockSize);
  let count = 0;
  if (track) {
    for (let i = start; i < end; i++) {
      const ci = closest[i]!;
      const dc = candDist[kt + nearest[i]!]!;
      const pruned = +(dc > 4.00000001 * ci);
      const re = rest[i]!;
      rest[i] = pruned * minNoBranch(0.25 * dc, re) + (1 - pruned) * re;
      rows[count] = i;
      count += 1 - pruned;
    }
  } else {
    for (let i = start; i < end; i++) {
      rows[count] = i;
      count += +(candDist[kt + nearest[i]!]! <= 4.00000001 * closest[i]!);
    }
  }
  let r = 0;
  for (; r + 3 < count; r += 4) {
    sqDistRows4(x, rows, r, cands, cb, d, v);
    for (let q = 0; q < 4; q++) {
      if (track) adoptTracked(c, rows[r + q]!, v[q]!, centre);
      else adopt(closest, nearest, rows[r + q]!, v[q]!, centre);
    }
  }
  for (; r < count; r++) {
    const i = rows[r]!;
    const vi = sqDist(x, i * d, cands, cb, d);
    if (track) adoptTracked(c, i, vi, centre);
    else adopt(closest, nearest, i, vi, centre);
  }
}

/** `adoptBlock` in WebAssembly (c.wasm set). */
function wasmAdopt(c: PlusPlusCtx, b: number, t: number, centre: number, scratch: number): void {
  kmeansWasm(c.wasm!).adopt(
    addr(c.x),
    c.n,
    c.d,
    c.blockSize,
    b,
    addr(c.closest),
    addr(c.nearest),
    addr(c.cands),
    addr(c.candDist),
    c.kMax,
    addr(c.second),
    addr(c.secondD),
    addr(c.rest),
    c.second.length > 0 ? 1 : 0,
    t,
    centre,
    scratch,
  );
}

/**
 * The value `adoptBlock` gives closest[i] when adopting `cands` row t: the same test and the same distance, so
 * the same bits (the main thread needs it to draw the next candidates before the adoption has run).
 */
export function adoptedClosest(c: PlusPlusCtx, i: number, t: number): number {
  const ci = c.closest[i]!;
  if (c.candDist[t * c.kMax + c.nearest[i]!]! > 4.00000001 * ci) return ci;
  return minNoBranch(sqDist(c.x, i * c.d, c.cands, t * c.d, c.d), ci);
}

/**
 * `adopt`, keeping the second centre and the bound on the rest: the displaced value moves down one place.
 * Branch-free (see `minNoBranch`); all values finite.
 */
function adoptTracked(c: PlusPlusCtx, i: number, v: number, centre: number): void {
  const { closest, nearest, second, secondD, rest } = c;
  const ci = closest[i]!;
  const sd = secondD[i]!;
  const a = nearest[i]!;
  const l1 = +(v < ci); // new nearest
  const l2 = (1 - l1) * +(v < sd); // new second
  const l3 = 1 - l1 - l2; // joins the rest
  rest[i] = minNoBranch(l3 * v + (1 - l3) * sd, rest[i]!);
  secondD[i] = l1 * ci + l2 * v + l3 * sd;
  second[i] = l1 * a + l2 * centre + l3 * second[i]!;
  closest[i] = l1 * v + (1 - l1) * ci;
  nearest[i] = a + l1 * (centre - a);
}

/** Row i takes the new centre when it is strictly closer (branch-free: see `minNoBranch`). */
function adopt(closest: Float64Array, nearest: Int32Array, i: number, v: number, centre: number): void {
  const ci = closest[i]!;
  const a = nearest[i]!;
  const l = +(v < ci);
  closest[i] = l * v + (1 - l) * ci;
  nearest[i] = a + l * (centre - a);
}

/**
 * Block sums of a run: the first pass sums every row of the block; later passes move a row from its old centre's
 * sum to its new one when its label changes, in row order. The label sequences of Lloyd, Hamerly and Elkan are
 * the same, so are their sums, bit for bit (the update costs O(d) per changed row instead of O(d) per row).
 */
function moveRow(
  partials: Float64Array,
  pb: number,
  k: number,
  d: number,
  x: Float64Array,
  xb: number,
  from: number,
  to: number,
): void {
  const kd = k * d;
  if (from >= 0) {
    partials[pb + kd + from] = partials[pb + kd + from]! - 1;
    for (let t = 0, q = pb + from * d; t < d; t++, q++) partials[q] = partials[q]! - x[xb + t]!;
  }
  partials[pb + kd + to] = partials[pb + kd + to]! + 1;
  for (let t = 0, q = pb + to * d; t < d; t++, q++) partials[q] = partials[q]! + x[xb + t]!;
}

/** Reset a block's record before its first pass (sums, counts) or any pass (changes, inertia). */
function startBlock(partials: Float64Array, pb: number, k: number, d: number, first: boolean): void {
  const tail = pb + k * d + k;
  if (first) partials.fill(0, pb, tail);
  partials[tail] = 0;
  partials[tail + 1] = 0;
}

/**
 * Squared distances of row `xb` to the k centres into `out[0 … k)` and of row `yb` into `out[k … 2k)`, two rows
 * at a time for the floating-point units (bit-identical to `sqDist`).
 */
export function allDist2(
  x: Float64Array,
  xb: number,
  yb: number,
  c: Float64Array,
  k: number,
  d: number,
  out: Float64Array,
): void {
  let j = 0;
  for (const k4 = k - 3; j < k4; j += 4) {
    sqDist4x2(x, xb, yb, c, j * d, d, out, 2 * k); // scratch tail: out has 2k + 8 slots
    out[j] = out[2 * k]!;
    out[j + 1] = out[2 * k + 1]!;
    out[j + 2] = out[2 * k + 2]!;
    out[j + 3] = out[2 * k + 3]!;
    out[k + j] = out[2 * k + 4]!;
    out[k + j + 1] = out[2 * k + 5]!;
    out[k + j + 2] = out[2 * k + 6]!;
    out[k + j + 3] = out[2 * k + 7]!;
  }
  for (; j < k; j++) {
    out[j] = sqDist(x, xb, c, j * d, d);
    out[k + j] = sqDist(x, yb, c, j * d, d);
  }
}

/**
 * Squared distances of four (row, centre) pairs, rows `rows[r … r + 3]` of `x` to the rows `cent[r … r + 3]` of
 * `c`, into `out[0 … 3]`: four independent sums, bit-identical to `sqDist`.
 */
function pairDist4(
  x: Float64Array,
  rows: Int32Array,
  cent: Int32Array,
  r: number,
  c: Float64Array,
  d: number,
  out: Float64Array,
): void {
  const x0 = rows[r]! * d;
  const x1 = rows[r + 1]! * d;
  const x2 = rows[r + 2]! * d;
  const x3 = rows[r + 3]! * d;
  const c0 = cent[r]! * d;
  const c1 = cent[r + 1]! * d;
  const c2 = cent[r + 2]! * d;
  const c3 = cent[r + 3]! * d;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let t = 0; t < d; t++) {
    const e0 = x[x0 + t]! - c[c0 + t]!;
    const e1 = x[x1 + t]! - c[c1 + t]!;
    const e2 = x[x2 + t]! - c[c2 + t]!;
    const e3 = x[x3 + t]! - c[c3 + t]!;
    s0 += e0 * e0;
    s1 += e1 * e1;
    s2 += e2 * e2;
    s3 += e3 * e3;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** Distances of the pairs (rows[r], cent[r]) for r in [0, count) into `out[r]`, four at a time. */
function pairDists(
  x: Float64Array,
  rows: Int32Array,
  cent: Int32Array,
  count: number,
  c: Float64Array,
  d: number,
  out: Float64Array,
  v: Float64Array,
): void {
  let r = 0;
  for (; r + 3 < count; r += 4) {
    pairDist4(x, rows, cent, r, c, d, v);
    out[r] = v[0]!;
    out[r + 1] = v[1]!;
    out[r + 2] = v[2]!;
    out[r + 3] = v[3]!;
  }
  for (; r < count; r++) out[r] = sqDist(x, rows[r]! * d, c, cent[r]! * d, d);
}

/** Index of the smallest of dist[o … o + k) (ties: the lowest index), as every exact assignment takes it. */
export function nearestIn(dist: Float64Array, o: number, k: number): number {
  let best = Infinity;
  let a = 0;
  for (let j = 0; j < k; j++) {
    const s = dist[o + j]!;
    if (s < best) {
      best = s;
      a = j;
    }
  }
  return a;
}

/** Lloyd: exact nearest centre of every row (ties: lowest index), block sums or inertia. O(n·k·d). */
export function lloydBlocks(c: StepCtx, b0: number, b1: number, mode: number): void {
  const { x, n, d, k, blockSize, centroids: C, labels, partials } = c;
  const stride = partialStride(k, d);
  const tail = k * d + k;
  const dist = new Float64Array(2 * k + 8);
  const final = mode === MODE_FINAL;
  for (let b = b0; b < b1; b++) {
    const pb = b * stride;
    startBlock(partials, pb, k, d, mode === MODE_FIRST);
    let changed = 0;
    let inertia = 0;
    const end = Math.min(n, (b + 1) * blockSize);
    for (let i = b * blockSize; i < end; i += 2) {
      const pair = i + 1 < end;
      // The second row of a pair past the end repeats the first; its result is not used.
      allDist2(x, i * d, (pair ? i + 1 : i) * d, C, k, d, dist);
      for (let q = 0, o = 0; q < (pair ? 2 : 1); q++, o += k) {
        const a = nearestIn(dist, o, k);
        const best = dist[o + a]!;
        const row = i + q;
        const old = labels[row]!;
        if (old !== a) {
          changed++;
          labels[row] = a;
          if (!final) moveRow(partials, pb, k, d, x, row * d, old, a);
        }
        inertia += best;
      }
    }
    partials[pb + tail] = changed;
    partials[pb + tail + 1] = inertia;
  }
}

/**
 * Hamerly (2010) with one explicit second centre (Drake & Hamerly 2012's adaptive bounds with b = 1): per row an
 * upper bound on the distance to its centre, a lower bound on the distance to the second-nearest centre of the
 * last full computation, and one lower bound for all the others. A row is skipped when its upper bound is below
 * both lower bounds (or half the distance from its centre to the nearest other centre); after tightening the
 * upper bound, a row that only the second centre can take computes that one distance; otherwise all k.
 * On overlapping clusters most rows near a boundary have a single rival, so this avoids most full computations.
 *
 * Each block is swept in stages (bound tests of every row, tightening of the rows that failed, second-centre
 * checks, full computations), each stage over a list of rows, so that the loops carry few unpredictable branches
 * and the distances of several rows are computed side by side. Label changes are then applied to the block sums
 * in row order, as Lloyd does. Bound tests keep a margin `slack` over rounding and ties always reach an exact
 * comparison (lowest index wins), so the labels are Lloyd's.
 */
export function hamerlyBlocks(c: StepCtx, b0: number, b1: number, mode: number, task = 0): void {
  if (c.wasm !== undefined) {
    kmeansWasm(c.wasm).hamerly(
      addr(c.x),
      c.n,
      c.d,
      c.k,
      c.blockSize,
      addr(c.centroids),
      addr(c.labels),
      addr(c.upper),
      addr(c.lower),
      addr(c.second),
      addr(c.lowerSecond),
      addr(c.aux),
      addr(c.partials),
      b0,
      b1,
      mode,
      taskScratch(c.wasm, task),
    );
    return;
  }
  const { x, n, d, k, blockSize, centroids: C, labels, upper, lower, second, lowerSecond, aux, partials } = c;
  const stride = partialStride(k, d);
  const tail = k * d + k;
  const L = auxLayout(k);
  const slack = aux[L.slack]!;
  const D = L.drift;
  const O = L.otherDrift;
  const H = L.half;
  const dist = new Float64Array(2 * k + 8);
  const v = new Float64Array(4);
  const prev = new Int32Array(blockSize);
  const tight = new Int32Array(blockSize); // rows whose bounds failed
  const rival = new Int32Array(blockSize); // rows only their second centre can take
  const full = new Int32Array(blockSize); // rows needing all k distances
  const cent = new Int32Array(blockSize);
  const d2 = new Float64Array(blockSize);
  const d2r = new Float64Array(blockSize);
  const final = mode === MODE_FINAL;
  const first = mode === MODE_FIRST;
  for (let b = b0; b < b1; b++) {
    const pb = b * stride;
    startBlock(partials, pb, k, d, first);
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    prev.set(labels.subarray(start, end));
    let nFull = 0;
    if (first) {
      for (let i = start; i < end; i++) full[nFull++] = i;
    } else {
      // Stage 1: bound tests, branch-free; the rows that fail are listed.
      let nTight = 0;
      for (let i = start; i < end; i++) {
        const a = labels[i]!;
        const w = upper[i]! + aux[D + a]! + slack;
        const ls = lowerSecond[i]! - aux[D + second[i]!]!;
        const lr = lower[i]! - aux[O + a]!;
        const pass = +(w < aux[H + a]!) | (+(w < ls) & +(w < lr));
        tight[nTight] = i;
        cent[nTight] = a;
        nTight += 1 - pass;
      }
      // Stage 2: exact distance to the own centre, four rows at a time; retest.
      pairDists(x, tight, cent, nTight, C, d, d2, v);
      let nRival = 0;
      for (let r = 0; r < nTight; r++) {
        const i = tight[r]!;
        const a = cent[r]!;
        const u = Math.sqrt(d2[r]!);
        const w = u + slack;
        const ls = lowerSecond[i]! - aux[D + second[i]!]!;
        const lr = lower[i]! - aux[O + a]!;
        const h = aux[H + a]!;
        upper[i] = u - aux[D + a]!;
        if (w < h || (w < ls && w < lr)) continue;
        if (w < lr) {
          rival[nRival] = i;
          d2r[nRival] = d2[r]!;
          nRival++;
        } else full[nFull++] = i;
      }
      // Stage 3: rows with a single rival: one more distance, compared exactly (ties: lowest index).
      for (let r = 0; r < nRival; r++) cent[r] = second[rival[r]!]!;
      pairDists(x, rival, cent, nRival, C, d, d2, v);
      for (let r = 0; r < nRival; r++) {
        const i = rival[r]!;
        const a = labels[i]!;
        const bi = cent[r]!;
        const d2a = d2r[r]!;
        const d2b = d2[r]!;
        const ub = Math.sqrt(d2b);
        if (d2b < d2a || (d2b === d2a && bi < a)) {
          const u = Math.sqrt(d2a);
          const lr = lower[i]! - aux[O + a]!;
          labels[i] = bi;
          second[i] = a;
          upper[i] = ub - aux[D + bi]!;
          lowerSecond[i] = u + aux[D + a]!;
          lower[i] = lr + aux[O + bi]!; // same set of other centres, re-anchored to the new label
        } else lowerSecond[i] = ub + aux[D + bi]!;
      }
    }
    // Stage 4: all k distances, two rows at a time.
    for (let r = 0; r < nFull; r += 2) {
      const pair = r + 1 < nFull;
      const i0 = full[r]!;
      allDist2(x, i0 * d, (pair ? full[r + 1]! : i0) * d, C, k, d, dist);
      for (let q = 0, o = 0; q < (pair ? 2 : 1); q++, o += k) {
        const i = full[r + q]!;
        let best = Infinity;
        let sec = Infinity;
        let third = Infinity;
        let a = 0;
        let bi = 0;
        for (let j = 0; j < k; j++) {
          const s = dist[o + j]!;
          if (s < best) {
            third = sec;
            sec = best;
            bi = a;
            best = s;
            a = j;
          } else if (s < sec) {
            third = sec;
            sec = s;
            bi = j;
          } else if (s < third) third = s;
        }
        labels[i] = a;
        second[i] = bi;
        upper[i] = Math.sqrt(best) - aux[D + a]!;
        lowerSecond[i] = Math.sqrt(sec) + aux[D + bi]!;
        lower[i] = Math.sqrt(third) + aux[O + a]!;
      }
    }
    // Label changes, in row order.
    let changed = 0;
    for (let i = start; i < end; i++) {
      const old = prev[i - start]!;
      const a = labels[i]!;
      if (old !== a) {
        changed++;
        if (!final) moveRow(partials, pb, k, d, x, i * d, old, a);
      }
    }
    let inertia = 0;
    if (final) {
      // Exact distances to the final centres, summed in row order as Lloyd does.
      const len = end - start;
      for (let r = 0; r < len; r++) {
        tight[r] = start + r;
        cent[r] = labels[start + r]!;
      }
      pairDists(x, tight, cent, len, C, d, d2, v);
      for (let r = 0; r < len; r++) inertia += d2[r]!;
    }
    partials[pb + tail] = changed;
    partials[pb + tail + 1] = inertia;
  }
}

/**
 * Hamerly's first pass without distances: the seeding's last adoption (`p.cands` row t as centre number `centre`,
 * when t ≥ 0), then labels and bounds handed over from the seeding (its nearest centres are Lloyd's first labels:
 * same distances, ties kept by the lower index) and the block sums.
 */
export function hamerlyFromSeeding(
  c: StepCtx,
  b0: number,
  b1: number,
  p: PlusPlusCtx,
  t: number,
  centre: number,
  task = 0,
): void {
  const { x, n, d, k, blockSize, labels, upper, lower, second, lowerSecond, partials } = c;
  const scratch = p.wasm === undefined ? 0 : taskScratch(p.wasm, task);
  const stride = partialStride(k, d);
  const tail = k * d + k;
  const rows = new Int32Array(blockSize);
  const v = new Float64Array(8);
  if (p.wasm !== undefined) {
    const w = kmeansWasm(p.wasm);
    for (let b = b0; b < b1; b++) {
      if (t >= 0) wasmAdopt(p, b, t, centre, scratch);
      w.handover(
        addr(x),
        n,
        d,
        k,
        blockSize,
        b,
        b + 1,
        addr(p.closest),
        addr(p.nearest),
        addr(p.second),
        addr(p.secondD),
        addr(p.rest),
        addr(labels),
        addr(upper),
        addr(lower),
        addr(second),
        addr(lowerSecond),
        addr(partials),
      );
    }
    return;
  }
  for (let b = b0; b < b1; b++) {
    if (t >= 0) adoptBlock(p, b, t, centre, rows, v);
    const pb = b * stride;
    startBlock(partials, pb, k, d, true);
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    for (let i = start; i < end; i++) {
      const a = p.nearest[i]!;
      labels[i] = a;
      upper[i] = Math.sqrt(p.closest[i]!);
      second[i] = p.second[i]!;
      lowerSecond[i] = Math.sqrt(p.secondD[i]!);
      lower[i] = Math.sqrt(p.rest[i]!);
      moveRow(partials, pb, k, d, x, i * d, -1, a);
    }
    partials[pb + tail] = end - start;
    partials[pb + tail + 1] = 0;
  }
}

/**
 * Elkan (2003) bounds behind Hamerly's test: a row failing Hamerly's single-bound test (after tightening) goes
 * through its k lower bounds and half the centre–centre distances, and only the centres no bound rules out get a
 * distance computed. Candidates are visited in index order and a tie replaces the current centre only when its
 * index is lower, so the labels are Lloyd's. O(n · k) memory.
 */
export function elkanBlocks(c: StepCtx, b0: number, b1: number, mode: number): void {
  const { x, n, d, k, blockSize, centroids: C, labels, upper, lower, lowerK, aux, partials } = c;
  const stride = partialStride(k, d);
  const tail = k * d + k;
  const L = auxLayout(k);
  const slack = aux[L.slack]!;
  const D = L.drift;
  const dist = new Float64Array(k);
  const final = mode === MODE_FINAL;
  const first = mode === MODE_FIRST;
  for (let b = b0; b < b1; b++) {
    const pb = b * stride;
    startBlock(partials, pb, k, d, first);
    let changed = 0;
    let inertia = 0;
    const end = Math.min(n, (b + 1) * blockSize);
    for (let i = b * blockSize; i < end; i++) {
      const xb = i * d;
      const lb = i * k;
      const old = labels[i]!;
      let a = old;
      let d2a = -1;
      if (first) {
        allDist(x, xb, C, k, d, dist);
        let best = Infinity;
        let second = Infinity;
        a = 0;
        for (let j = 0; j < k; j++) {
          const s = dist[j]!;
          lowerK[lb + j] = Math.sqrt(s) + aux[D + j]!;
          if (s < best) {
            second = best;
            best = s;
            a = j;
          } else if (s < second) second = s;
        }
        d2a = best;
        upper[i] = Math.sqrt(best) - aux[D + a]!;
        lower[i] = Math.sqrt(second) + aux[L.otherDrift + a]!;
      } else {
        const da = aux[D + a]!;
        let u = upper[i]! + da;
        const l = lower[i]! - aux[L.otherDrift + a]!;
        const h = aux[L.half + a]!;
        const m = (h > l ? h : l) - slack;
        if (!(u < m)) {
          d2a = sqDist(x, xb, C, a * d, d);
          u = Math.sqrt(d2a);
          lowerK[lb + a] = u + da;
          if (!(u < m)) {
            for (let j = 0; j < k; j++) {
              if (j === a) continue;
              const dj0 = aux[D + j]!;
              const lj = lowerK[lb + j]! - dj0;
              const hj = aux[L.cc + a * k + j]!;
              if (u < (lj > hj ? lj : hj) - slack) continue;
              const s = sqDist(x, xb, C, j * d, d);
              const dj = Math.sqrt(s);
              lowerK[lb + j] = dj + dj0;
              if (s < d2a || (s === d2a && j < a)) {
                a = j;
                d2a = s;
                u = dj;
              }
            }
            // Hamerly's bound from the refreshed per-centre bounds.
            let second = Infinity;
            for (let j = 0; j < k; j++) {
              if (j === a) continue;
              const lj = lowerK[lb + j]! - aux[D + j]!;
              if (lj < second) second = lj;
            }
            lower[i] = second + aux[L.otherDrift + a]!;
          }
          upper[i] = u - aux[D + a]!;
        }
      }
      if (old !== a) {
        changed++;
        labels[i] = a;
        if (!final) moveRow(partials, pb, k, d, x, xb, old, a);
      }
      if (final) inertia += d2a < 0 ? sqDist(x, xb, C, a * d, d) : d2a;
    }
    partials[pb + tail] = changed;
    partials[pb + tail + 1] = inertia;
  }
}

/** State of the column statistics passes (tolerance scale, bound margin, finiteness). */
export interface StatsCtx {
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly blockSize: number;
  readonly mean: Float64Array; // d: column means, set between the two passes
  readonly out: Float64Array; // nBlocks × (d + 2): per block [column sums or squared deviations][max ‖x‖²][first non-finite row]
}

/**
 * Column statistics of each block. Pass 0: column sums, largest squared row norm and the first row holding a
 * non-finite value (−1 if none); pass 1: column sums of squared deviations from `mean` (two-pass variance).
 */
export function statsBlocks(c: StatsCtx, b0: number, b1: number, pass: number): void {
  const { x, n, d, blockSize, mean, out } = c;
  const acc = new Float64Array(d);
  for (let b = b0; b < b1; b++) {
    acc.fill(0);
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    let maxSq = 0;
    let bad = -1;
    if (pass === 0) {
      for (let i = start; i < end; i++) {
        let sq = 0;
        for (let t = 0, q = i * d; t < d; t++, q++) {
          const v = x[q]!;
          acc[t] = acc[t]! + v;
          sq += v * v;
        }
        if (!(sq <= maxSq)) {
          if (!Number.isFinite(sq)) {
            bad = i;
            break;
          }
          maxSq = sq;
        }
      }
    } else {
      for (let i = start; i < end; i++) {
        for (let t = 0, q = i * d; t < d; t++, q++) {
          const v = x[q]! - mean[t]!;
          acc[t] = acc[t]! + v * v;
        }
      }
    }
    const o = b * (d + 2);
    out.set(acc, o);
    out[o + d] = maxSq;
    out[o + d + 1] = bad;
  }
}

/** Squared distance of every row to its assigned centre, into `out` (for relocating empty clusters). */
export function distToAssigned(c: StepCtx, b0: number, b1: number, out: Float64Array): void {
  const { x, n, d, blockSize, centroids: C, labels } = c;
  const end = Math.min(n, b1 * blockSize);
  for (let i = b0 * blockSize; i < end; i++) out[i] = sqDist(x, i * d, C, labels[i]! * d, d);
}
