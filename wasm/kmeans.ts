// k-means kernels in WebAssembly. AssemblyScript, not TypeScript: left out of tsc, ESLint and Prettier;
// `npm run build:wasm` compiles it into src/cluster/kmeans-wasm-bytes.ts. They are the JavaScript kernels of src/cluster/kmeans-kernels.ts over the
// same arrays, which live in one shared WebAssembly memory: same tests, same distances (each squared distance is
// summed in coordinate order, several of them side by side in the two lanes of a 128-bit vector), same order of
// every sum, so the results are bit-identical to the JavaScript kernels. Arguments are byte addresses in the
// memory; the scratch area of a call belongs to its task alone.

// ---------------------------------------------------------------------------------------------------------------
// Memory access

@inline function ldf(p: usize, i: i32): f64 {
  return load<f64>(p + ((<usize>i) << 3));
}
@inline function stf(p: usize, i: i32, v: f64): void {
  store<f64>(p + ((<usize>i) << 3), v);
}
@inline function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}
@inline function sti(p: usize, i: i32, v: i32): void {
  store<i32>(p + ((<usize>i) << 2), v);
}

/** Squared distance of row a (address) to row b (address) over d coordinates, in coordinate order. */
@inline function sq(a: usize, b: usize, d: i32): f64 {
  let s: f64 = 0;
  for (let t = 0; t < d; t++) {
    const e = load<f64>(a + ((<usize>t) << 3)) - load<f64>(b + ((<usize>t) << 3));
    s += e * e;
  }
  return s;
}

/** min(v, c) as the JavaScript kernels' branch-free select: v when v < c, else c. */
@inline function minSel(v: f64, c: f64): f64 {
  return select<f64>(v, c, v < c);
}

/** Lane-wise `minSel` of a vector and a scalar. */
@inline function minSel2(v: v128, c: f64): v128 {
  const cv = f64x2.splat(c);
  return v128.bitselect(v, cv, f64x2.lt(v, cv));
}

/**
 * Interleave two rows of `src` (addresses a, b) into `dst`: dst[2t] = a[t], dst[2t + 1] = b[t], so that one vector
 * load gives coordinate t of both.
 */
function interleave(dst: usize, a: usize, b: usize, d: i32): void {
  for (let t = 0; t < d; t++) {
    store<f64>(dst + ((<usize>t) << 4), load<f64>(a + ((<usize>t) << 3)));
    store<f64>(dst + ((<usize>t) << 4) + 8, load<f64>(b + ((<usize>t) << 3)));
  }
}

/** Squared distances of row x (address) to the interleaved pair at `cp`: the two lanes. */
@inline function sqPair(x: usize, cp: usize, d: i32): v128 {
  let acc = f64x2.splat(0);
  for (let t = 0; t < d; t++) {
    const e = f64x2.sub(v128.load64_splat(x + ((<usize>t) << 3)), v128.load(cp + ((<usize>t) << 4)));
    acc = f64x2.add(acc, f64x2.mul(e, e));
  }
  return acc;
}

/** Squared distances of rows x0 and x1 (addresses) to row c (address): the two lanes. */
@inline function sqRows2(x0: usize, x1: usize, c: usize, d: i32): v128 {
  let acc = f64x2.splat(0);
  for (let t = 0; t < d; t++) {
    const o = (<usize>t) << 3;
    const xv = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + o)), 1, load<f64>(x1 + o));
    const e = f64x2.sub(xv, f64x2.splat(load<f64>(c + o)));
    acc = f64x2.add(acc, f64x2.mul(e, e));
  }
  return acc;
}

/** Squared distances of the pairs (x0, c0) and (x1, c1) (addresses): the two lanes. */
@inline function sqPairs2(x0: usize, c0: usize, x1: usize, c1: usize, d: i32): v128 {
  let acc = f64x2.splat(0);
  for (let t = 0; t < d; t++) {
    const o = (<usize>t) << 3;
    const xv = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + o)), 1, load<f64>(x1 + o));
    const cv = f64x2.replace_lane(f64x2.splat(load<f64>(c0 + o)), 1, load<f64>(c1 + o));
    const e = f64x2.sub(xv, cv);
    acc = f64x2.add(acc, f64x2.mul(e, e));
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------------------------
// k-means++ seeding

/**
 * `ppFirst`: squared distances to the first centre (cands row 0) into closest, nearest 0, the bounds reset when
 * tracked, and each block's potential into pot[b · nTrials].
 */
export function first(
  x: usize,
  n: i32,
  d: i32,
  blockSize: i32,
  b0: i32,
  b1: i32,
  closest: usize,
  nearest: usize,
  cands: usize,
  nTrials: i32,
  pot: usize,
  second: usize,
  secondD: usize,
  rest: usize,
  track: i32,
): void {
  const rowBytes = (<usize>d) << 3;
  for (let b = b0; b < b1; b++) {
    const start = b * blockSize;
    const end = min(n, start + blockSize);
    let s: f64 = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      const v = sqRows2(x + (<usize>i) * rowBytes, x + (<usize>(i + 1)) * rowBytes, cands, d);
      const v0 = f64x2.extract_lane(v, 0);
      const v1 = f64x2.extract_lane(v, 1);
      stf(closest, i, v0);
      stf(closest, i + 1, v1);
      s += v0;
      s += v1;
    }
    for (; i < end; i++) {
      const v = sq(x + (<usize>i) * rowBytes, cands, d);
      stf(closest, i, v);
      s += v;
    }
    for (i = start; i < end; i++) sti(nearest, i, 0);
    if (track) {
      for (i = start; i < end; i++) {
        sti(second, i, 0);
        stf(secondD, i, f64.MAX_VALUE);
        stf(rest, i, f64.MAX_VALUE);
      }
    }
    stf(pot, b * nTrials, s);
  }
}

/** Scratch needed by `trials` for a block of `blockSize` rows in d coordinates: the row list, the candidates. */
export function trialsScratch(blockSize: i32, d: i32): i32 {
  return 4 * blockSize + 32 * d + 32;
}

/**
 * `trialsBlock`: potential of every candidate over block b into pot[b · nTrials + t], with the same pruning and the
 * same order of additions (pruned rows first in row order; then, for a full group of four, the other rows two at a
 * time, each pair's two terms added together first; a shorter group one row at a time). Scratch: blockSize i32
 * then 4·d f64 (16-byte aligned).
 */
export function trials(
  x: usize,
  n: i32,
  d: i32,
  blockSize: i32,
  b: i32,
  closest: usize,
  nearest: usize,
  cands: usize,
  nTrials: i32,
  candDist: usize,
  kMax: i32,
  pot: usize,
  scratch: usize,
): void {
  const rows = scratch;
  const ct01 = (scratch + ((<usize>blockSize) << 2) + 15) & ~(<usize>15);
  const ct23 = ct01 + ((<usize>d) << 4);
  const rowBytes = (<usize>d) << 3;
  const start = b * blockSize;
  const end = min(n, start + blockSize);
  for (let g = 0; g < nTrials; g += 4) {
    const m = min(4, nTrials - g);
    const t1 = m > 1 ? g + 1 : g;
    const t2 = m > 2 ? g + 2 : g;
    const t3 = m > 3 ? g + 3 : g;
    const k0 = candDist + ((<usize>(g * kMax)) << 3);
    const k1 = candDist + ((<usize>(t1 * kMax)) << 3);
    const k2 = candDist + ((<usize>(t2 * kMax)) << 3);
    const k3 = candDist + ((<usize>(t3 * kMax)) << 3);
    interleave(ct01, cands + <usize>g * rowBytes, cands + <usize>t1 * rowBytes, d);
    interleave(ct23, cands + <usize>t2 * rowBytes, cands + <usize>t3 * rowBytes, d);
    let a01 = f64x2.splat(0);
    let a23 = f64x2.splat(0);
    let count = 0;
    for (let i = start; i < end; i++) {
      const ci = ldf(closest, i);
      const lim = 4.00000001 * ci;
      const a = ldi(nearest, i);
      const pruned =
        (<i32>(ldf(k0, a) > lim)) &
        (<i32>(ldf(k1, a) > lim)) &
        (<i32>(ldf(k2, a) > lim)) &
        (<i32>(ldf(k3, a) > lim));
      const add = f64x2.splat(select<f64>(ci, 0, pruned !== 0));
      a01 = f64x2.add(a01, add);
      a23 = f64x2.add(a23, add);
      sti(rows, count, i);
      count += 1 - pruned;
    }
    let r = 0;
    if (m === 4) {
      for (; r + 1 < count; r += 2) {
        const i = ldi(rows, r);
        const j = ldi(rows, r + 1);
        const xi = x + <usize>i * rowBytes;
        const xj = x + <usize>j * rowBytes;
        const ci = ldf(closest, i);
        const cj = ldf(closest, j);
        // Both rows against the four candidates in one sweep of the coordinates: four independent sums.
        let v01 = f64x2.splat(0);
        let v23 = f64x2.splat(0);
        let w01 = f64x2.splat(0);
        let w23 = f64x2.splat(0);
        for (let t = 0; t < d; t++) {
          const o = (<usize>t) << 3;
          const p01 = v128.load(ct01 + (o << 1));
          const p23 = v128.load(ct23 + (o << 1));
          const xv = v128.load64_splat(xi + o);
          const yv = v128.load64_splat(xj + o);
          const e0 = f64x2.sub(xv, p01);
          const e1 = f64x2.sub(xv, p23);
          const e2 = f64x2.sub(yv, p01);
          const e3 = f64x2.sub(yv, p23);
          v01 = f64x2.add(v01, f64x2.mul(e0, e0));
          v23 = f64x2.add(v23, f64x2.mul(e1, e1));
          w01 = f64x2.add(w01, f64x2.mul(e2, e2));
          w23 = f64x2.add(w23, f64x2.mul(e3, e3));
        }
        a01 = f64x2.add(a01, f64x2.add(minSel2(v01, ci), minSel2(w01, cj)));
        a23 = f64x2.add(a23, f64x2.add(minSel2(v23, ci), minSel2(w23, cj)));
      }
    }
    for (; r < count; r++) {
      const i = ldi(rows, r);
      const xi = x + <usize>i * rowBytes;
      const ci = ldf(closest, i);
      let v01 = f64x2.splat(0);
      let v23 = f64x2.splat(0);
      for (let t = 0; t < d; t++) {
        const o = (<usize>t) << 3;
        const xv = v128.load64_splat(xi + o);
        const e0 = f64x2.sub(xv, v128.load(ct01 + (o << 1)));
        const e1 = f64x2.sub(xv, v128.load(ct23 + (o << 1)));
        v01 = f64x2.add(v01, f64x2.mul(e0, e0));
        v23 = f64x2.add(v23, f64x2.mul(e1, e1));
      }
      a01 = f64x2.add(a01, minSel2(v01, ci));
      a23 = f64x2.add(a23, minSel2(v23, ci));
    }
    const p = b * nTrials + g;
    stf(pot, p, f64x2.extract_lane(a01, 0));
    if (m > 1) stf(pot, p + 1, f64x2.extract_lane(a01, 1));
    if (m > 2) stf(pot, p + 2, f64x2.extract_lane(a23, 0));
    if (m > 3) stf(pot, p + 3, f64x2.extract_lane(a23, 1));
  }
}

/** `adoptTracked`: the displaced value moves down one place (nearest, second, rest). */
@inline function adoptTracked(
  closest: usize,
  nearest: usize,
  second: usize,
  secondD: usize,
  rest: usize,
  i: i32,
  v: f64,
  centre: i32,
): void {
  // The same values as the JavaScript kernel's branch-free update; stored only where they change (most rows
  // only lower their bound on the rest).
  const sd = ldf(secondD, i);
  if (v < sd) {
    const ci = ldf(closest, i);
    const a = ldi(nearest, i);
    if (sd < ldf(rest, i)) stf(rest, i, sd);
    if (v < ci) {
      stf(secondD, i, ci);
      sti(second, i, a);
      stf(closest, i, v);
      sti(nearest, i, centre);
    } else {
      stf(secondD, i, v);
      sti(second, i, centre);
    }
  } else if (v < ldf(rest, i)) stf(rest, i, v);
}

/** `adopt`: row i takes the new centre when strictly closer. */
@inline function adoptPlain(closest: usize, nearest: usize, i: i32, v: f64, centre: i32): void {
  if (v < ldf(closest, i)) {
    stf(closest, i, v);
    sti(nearest, i, centre);
  }
}

/** `adoptBlock`: adopt candidate row t as centre number `centre` over block b. Scratch: blockSize i32. */
export function adopt(
  x: usize,
  n: i32,
  d: i32,
  blockSize: i32,
  b: i32,
  closest: usize,
  nearest: usize,
  cands: usize,
  candDist: usize,
  kMax: i32,
  second: usize,
  secondD: usize,
  rest: usize,
  track: i32,
  t: i32,
  centre: i32,
  scratch: usize,
): void {
  const rows = scratch;
  const rowBytes = (<usize>d) << 3;
  const kt = candDist + ((<usize>(t * kMax)) << 3);
  const cb = cands + <usize>t * rowBytes;
  const start = b * blockSize;
  const end = min(n, start + blockSize);
  let count = 0;
  if (track) {
    for (let i = start; i < end; i++) {
      const ci = ldf(closest, i);
      const dc = ldf(kt, ldi(nearest, i));
      const pruned = dc > 4.00000001 * ci;
      const m = 0.25 * dc;
      if (pruned && m < ldf(rest, i)) stf(rest, i, m);
      sti(rows, count, i);
      count += 1 - <i32>pruned;
    }
  } else {
    for (let i = start; i < end; i++) {
      sti(rows, count, i);
      count += <i32>(ldf(kt, ldi(nearest, i)) <= 4.00000001 * ldf(closest, i));
    }
  }
  let r = 0;
  for (; r + 1 < count; r += 2) {
    const i = ldi(rows, r);
    const j = ldi(rows, r + 1);
    const v = sqRows2(x + <usize>i * rowBytes, x + <usize>j * rowBytes, cb, d);
    const vi = f64x2.extract_lane(v, 0);
    const vj = f64x2.extract_lane(v, 1);
    if (track) {
      adoptTracked(closest, nearest, second, secondD, rest, i, vi, centre);
      adoptTracked(closest, nearest, second, secondD, rest, j, vj, centre);
    } else {
      adoptPlain(closest, nearest, i, vi, centre);
      adoptPlain(closest, nearest, j, vj, centre);
    }
  }
  for (; r < count; r++) {
    const i = ldi(rows, r);
    const vi = sq(x + <usize>i * rowBytes, cb, d);
    if (track) adoptTracked(closest, nearest, second, secondD, rest, i, vi, centre);
    else adoptPlain(closest, nearest, i, vi, centre);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hamerly passes

/** `moveRow`: move row xr (address) from centre `from` (−1: none) to `to` in the block record at pb (address). */
@inline function moveRow(partials: usize, k: i32, d: i32, xr: usize, from: i32, to: i32): void {
  const kd = k * d;
  if (from >= 0) {
    stf(partials, kd + from, ldf(partials, kd + from) - 1);
    const q = partials + ((<usize>(from * d)) << 3);
    for (let t = 0; t < d; t++) stf(q, t, ldf(q, t) - load<f64>(xr + ((<usize>t) << 3)));
  }
  stf(partials, kd + to, ldf(partials, kd + to) + 1);
  const q = partials + ((<usize>(to * d)) << 3);
  for (let t = 0; t < d; t++) stf(q, t, ldf(q, t) + load<f64>(xr + ((<usize>t) << 3)));
}

/** Squared distances of the pairs (rows[r], cent[r]) for r < count into out[r], two at a time. */
function pairDists(x: usize, rows: usize, cent: usize, count: i32, c: usize, d: i32, out: usize): void {
  const rowBytes = (<usize>d) << 3;
  let r = 0;
  for (; r + 1 < count; r += 2) {
    const v = sqPairs2(
      x + <usize>ldi(rows, r) * rowBytes,
      c + <usize>ldi(cent, r) * rowBytes,
      x + <usize>ldi(rows, r + 1) * rowBytes,
      c + <usize>ldi(cent, r + 1) * rowBytes,
      d,
    );
    stf(out, r, f64x2.extract_lane(v, 0));
    stf(out, r + 1, f64x2.extract_lane(v, 1));
  }
  for (; r < count; r++)
    stf(out, r, sq(x + <usize>ldi(rows, r) * rowBytes, c + <usize>ldi(cent, r) * rowBytes, d));
}

// Best, second and third squared distances of the row being scanned, and the indices of the first two.
let best: f64 = 0;
let sec: f64 = 0;
let third: f64 = 0;
let ia: i32 = 0;
let ib: i32 = 0;

@inline function take(s: f64, j: i32): void {
  if (s < best) {
    third = sec;
    sec = best;
    ib = ia;
    best = s;
    ia = j;
  } else if (s < sec) {
    third = sec;
    sec = s;
    ib = j;
  } else if (s < third) third = s;
}

/** Best, second and third of row xr (address) over the k centres interleaved in pairs at cT (k rounded up). */
function scanAll(xr: usize, cT: usize, k: i32, d: i32): void {
  best = Infinity;
  sec = Infinity;
  third = Infinity;
  ia = 0;
  ib = 0;
  const pairBytes = (<usize>d) << 4;
  const np = k >> 1;
  let p = 0;
  for (; p + 3 < np; p += 4) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    const c0 = cT + <usize>p * pairBytes;
    const c1 = c0 + pairBytes;
    const c2 = c1 + pairBytes;
    const c3 = c2 + pairBytes;
    for (let t = 0; t < d; t++) {
      const xv = v128.load64_splat(xr + ((<usize>t) << 3));
      const o = (<usize>t) << 4;
      const e0 = f64x2.sub(xv, v128.load(c0 + o));
      const e1 = f64x2.sub(xv, v128.load(c1 + o));
      const e2 = f64x2.sub(xv, v128.load(c2 + o));
      const e3 = f64x2.sub(xv, v128.load(c3 + o));
      a0 = f64x2.add(a0, f64x2.mul(e0, e0));
      a1 = f64x2.add(a1, f64x2.mul(e1, e1));
      a2 = f64x2.add(a2, f64x2.mul(e2, e2));
      a3 = f64x2.add(a3, f64x2.mul(e3, e3));
    }
    const j = p << 1;
    take(f64x2.extract_lane(a0, 0), j);
    take(f64x2.extract_lane(a0, 1), j + 1);
    take(f64x2.extract_lane(a1, 0), j + 2);
    take(f64x2.extract_lane(a1, 1), j + 3);
    take(f64x2.extract_lane(a2, 0), j + 4);
    take(f64x2.extract_lane(a2, 1), j + 5);
    take(f64x2.extract_lane(a3, 0), j + 6);
    take(f64x2.extract_lane(a3, 1), j + 7);
  }
  for (; p < np; p++) {
    const v = sqPair(xr, cT + <usize>p * pairBytes, d);
    take(f64x2.extract_lane(v, 0), p << 1);
    take(f64x2.extract_lane(v, 1), (p << 1) + 1);
  }
  if (k & 1) take(f64x2.extract_lane(sqPair(xr, cT + <usize>np * pairBytes, d), 0), k - 1);
}

/**
 * Scratch needed by `hamerly` for a block of `blockSize` rows, k centres and d coordinates: seven i32 arrays, two
 * f64 arrays and the interleaved centres.
 */
export function hamerlyScratch(blockSize: i32, k: i32, d: i32): i32 {
  return 28 * blockSize + 24 * blockSize + 16 * ((k + 1) >> 1) * d + (k * k * d <= PAIR_TABLE_MAX ? 16 * k * k * d : 0) + 48;
}

/** Largest k² · d for which `hamerly` interleaves every pair of centres (16 · k² · d bytes of scratch). */
const PAIR_TABLE_MAX = 8192;

/**
 * `hamerlyFromSeeding` after the adoption: labels and bounds of blocks [b0, b1) from the seeding's nearest, second
 * and rest, and the block sums.
 */
export function handover(
  x: usize,
  n: i32,
  d: i32,
  k: i32,
  blockSize: i32,
  b0: i32,
  b1: i32,
  closest: usize,
  nearest: usize,
  ppSecond: usize,
  secondD: usize,
  rest: usize,
  labels: usize,
  upper: usize,
  lower: usize,
  second: usize,
  lowerSecond: usize,
  partials: usize,
): void {
  const stride = k * d + k + 2;
  const tail = k * d + k;
  const rowBytes = (<usize>d) << 3;
  for (let b = b0; b < b1; b++) {
    const pb = partials + ((<usize>(b * stride)) << 3);
    memory.fill(pb, 0, (<usize>(tail + 2)) << 3);
    const start = b * blockSize;
    const end = min(n, start + blockSize);
    for (let i = start; i < end; i++) {
      const a = ldi(nearest, i);
      sti(labels, i, a);
      stf(upper, i, Math.sqrt(ldf(closest, i)));
      sti(second, i, ldi(ppSecond, i));
      stf(lowerSecond, i, Math.sqrt(ldf(secondD, i)));
      stf(lower, i, Math.sqrt(ldf(rest, i)));
      moveRow(pb, k, d, x + (<usize>i) * rowBytes, -1, a);
    }
    stf(pb, tail, <f64>(end - start));
  }
}

/**
 * `hamerlyBlocks` over blocks [b0, b1): the bound tests, the tightening, the single-rival checks, the full scans,
 * then the label changes in row order (and, in the final pass, the exact inertia in row order). `aux` as
 * `auxLayout(k)`; mode 0 first pass, 1 step, 2 final.
 */
export function hamerly(
  x: usize,
  n: i32,
  d: i32,
  k: i32,
  blockSize: i32,
  C: usize,
  labels: usize,
  upper: usize,
  lower: usize,
  second: usize,
  lowerSecond: usize,
  aux: usize,
  partials: usize,
  b0: i32,
  b1: i32,
  mode: i32,
  scratch: usize,
): void {
  const stride = k * d + k + 2;
  const tail = k * d + k;
  const D = aux;
  const H = aux + ((<usize>k) << 3);
  const O = aux + ((<usize>(2 * k + k * k)) << 3);
  const slack = ldf(aux, 3 * k + k * k);
  const rowBytes = (<usize>d) << 3;
  const bs = <usize>blockSize;
  const tight = scratch;
  const rival = tight + (bs << 2);
  const full = rival + (bs << 2);
  const cent = full + (bs << 2);
  const movedRow = cent + (bs << 2); // rows the single-rival check moved, in row order
  const movedOld = movedRow + (bs << 2); // and their labels before
  const fullOld = movedOld + (bs << 2); // labels of the full scans' rows before
  const d2 = (fullOld + (bs << 2) + 7) & ~(<usize>7);
  const d2r = d2 + (bs << 3);
  const d2s = d2r + (bs << 3); // squared distances of the tightened rows to their second centre
  const cT = (d2s + (bs << 3) + 15) & ~(<usize>15);
  const pairs = cT + (<usize>((k + 1) >> 1)) * (rowBytes << 1); // (own, second) interleaved, k × k
  const table = k * k * d <= PAIR_TABLE_MAX;
  const final = mode === 2;
  const first = mode === 0;
  if (table && !first) {
    for (let a = 0; a < k; a++) {
      for (let j = 0; j < k; j++) {
        interleave(pairs + (<usize>(a * k + j)) * (rowBytes << 1), C + <usize>a * rowBytes, C + <usize>j * rowBytes, d);
      }
    }
  }
  // The centres interleaved in pairs (an odd last one paired with itself).
  for (let p = 0; p < (k + 1) >> 1; p++) {
    const j0 = p << 1;
    const j1 = min(j0 + 1, k - 1);
    interleave(cT + <usize>p * (rowBytes << 1), C + <usize>j0 * rowBytes, C + <usize>j1 * rowBytes, d);
  }
  for (let b = b0; b < b1; b++) {
    const pb = partials + ((<usize>(b * stride)) << 3);
    if (first) memory.fill(pb, 0, (<usize>tail) << 3);
    stf(pb, tail, 0);
    stf(pb, tail + 1, 0);
    const start = b * blockSize;
    const end = min(n, start + blockSize);
    let nFull = 0;
    let nMoved = 0;
    if (first) {
      for (let i = start; i < end; i++) sti(full, nFull++, i);
    } else {
      // Stage 1: bound tests; the rows that fail are listed.
      let nTight = 0;
      for (let i = start; i < end; i++) {
        const a = ldi(labels, i);
        const w = ldf(upper, i) + ldf(D, a) + slack;
        const ls = ldf(lowerSecond, i) - ldf(D, ldi(second, i));
        const lr = ldf(lower, i) - ldf(O, a);
        const pass = (<i32>(w < ldf(H, a))) | ((<i32>(w < ls)) & (<i32>(w < lr)));
        sti(tight, nTight, i);
        sti(cent, nTight, a);
        nTight += 1 - pass;
      }
      // Stage 2: exact distance to the own centre (with the pair table, to the second centre too, in the other
      // lane); retest.
      if (table) {
        for (let r = 0; r < nTight; r++) {
          const i = ldi(tight, r);
          const v = sqPair(x + <usize>i * rowBytes, pairs + (<usize>(ldi(cent, r) * k + ldi(second, i))) * (rowBytes << 1), d);
          stf(d2, r, f64x2.extract_lane(v, 0));
          stf(d2s, r, f64x2.extract_lane(v, 1));
        }
      } else pairDists(x, tight, cent, nTight, C, d, d2);
      let nRival = 0;
      for (let r = 0; r < nTight; r++) {
        const i = ldi(tight, r);
        const a = ldi(cent, r);
        const u = Math.sqrt(ldf(d2, r));
        const w = u + slack;
        const ls = ldf(lowerSecond, i) - ldf(D, ldi(second, i));
        const lr = ldf(lower, i) - ldf(O, a);
        const h = ldf(H, a);
        stf(upper, i, u - ldf(D, a));
        if (w < h || (w < ls && w < lr)) continue;
        if (w < lr) {
          sti(rival, nRival, i);
          stf(d2r, nRival, ldf(d2, r));
          if (table) stf(d2s, nRival, ldf(d2s, r)); // nRival ≤ r: never ahead of what is read
          nRival++;
        } else sti(full, nFull++, i);
      }
      // Stage 3: rows with a single rival: one more distance, compared exactly (ties: lowest index).
      for (let r = 0; r < nRival; r++) sti(cent, r, ldi(second, ldi(rival, r)));
      if (table) memory.copy(d2, d2s, (<usize>nRival) << 3);
      else pairDists(x, rival, cent, nRival, C, d, d2);
      for (let r = 0; r < nRival; r++) {
        const i = ldi(rival, r);
        const a = ldi(labels, i);
        const bi = ldi(cent, r);
        const d2a = ldf(d2r, r);
        const d2b = ldf(d2, r);
        const ub = Math.sqrt(d2b);
        if (d2b < d2a || (d2b === d2a && bi < a)) {
          const u = Math.sqrt(d2a);
          const lr = ldf(lower, i) - ldf(O, a);
          sti(movedRow, nMoved, i);
          sti(movedOld, nMoved, a);
          nMoved++;
          sti(labels, i, bi);
          sti(second, i, a);
          stf(upper, i, ub - ldf(D, bi));
          stf(lowerSecond, i, u + ldf(D, a));
          stf(lower, i, lr + ldf(O, bi));
        } else stf(lowerSecond, i, ub + ldf(D, bi));
      }
    }
    // Stage 4: all k distances.
    for (let r = 0; r < nFull; r++) {
      const i = ldi(full, r);
      scanAll(x + (<usize>i) * rowBytes, cT, k, d);
      sti(fullOld, r, ldi(labels, i));
      sti(labels, i, ia);
      sti(second, i, ib);
      stf(upper, i, Math.sqrt(best) - ldf(D, ia));
      stf(lowerSecond, i, Math.sqrt(sec) + ldf(D, ib));
      stf(lower, i, Math.sqrt(third) + ldf(O, ia));
    }
    // Label changes, in row order: the two lists (each in row order, no row in both) merged.
    let changed = 0;
    let p3 = 0;
    let p4 = 0;
    while (p3 < nMoved || p4 < nFull) {
      let i: i32;
      let old: i32;
      if (p4 >= nFull || (p3 < nMoved && ldi(movedRow, p3) < ldi(full, p4))) {
        i = ldi(movedRow, p3);
        old = ldi(movedOld, p3);
        p3++;
      } else {
        i = ldi(full, p4);
        old = ldi(fullOld, p4);
        p4++;
      }
      const a = ldi(labels, i);
      if (old !== a) {
        changed++;
        if (!final) moveRow(pb, k, d, x + (<usize>i) * rowBytes, old, a);
      }
    }
    let inertia: f64 = 0;
    if (final) {
      const len = end - start;
      for (let r = 0; r < len; r++) {
        sti(tight, r, start + r);
        sti(cent, r, ldi(labels, start + r));
      }
      pairDists(x, tight, cent, len, C, d, d2);
      for (let r = 0; r < len; r++) inertia += ldf(d2, r);
    }
    stf(pb, tail, <f64>changed);
    stf(pb, tail + 1, inertia);
  }
}
