/**
 * Quantile `q` in [0, 1] of sorted values with numpy's default 'linear' method, including numpy's two-sided
 * interpolation (from the upper neighbour when the fraction is ≥ 0.5), so results equal `np.percentile` bit for
 * bit. NaN for an empty input. O(1).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtual = (n - 1) * q;
  const lo = Math.floor(virtual);
  const t = virtual - lo;
  const a = sorted[lo]!;
  if (lo + 1 >= n) return a;
  const b = sorted[lo + 1]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Quantiles `qs` of the values of `a` as {@link quantileSorted} gives them on the sorted values, bit for bit (−0
 * before 0 included), by selection instead of a full sort. Rearranges `a`. O(n · qs.length) expected time.
 */
export function quantilesUnsorted(a: Float64Array, qs: readonly number[]): number[] {
  const n = a.length;
  if (n === 0) return qs.map(() => Number.NaN);
  // Ranks wanted, ascending: each selection runs right of the previous one (everything left of it is smaller).
  const ranks = new Set<number>();
  for (const q of qs) {
    const lo = Math.floor((n - 1) * q);
    ranks.add(lo);
    if (lo + 1 < n) ranks.add(lo + 1);
  }
  const value = new Map<number, number>();
  let from = 0;
  for (const k of [...ranks].sort((x, y) => x - y)) {
    selectRank(a, k, from);
    value.set(k, a[k]!);
    from = k + 1;
  }
  let zeros: number | undefined;
  const at = (k: number): number => {
    const v = value.get(k)!;
    if (v !== 0) return v;
    zeros ??= negativeCount(a);
    return k < zeros ? -0 : 0;
  };
  return qs.map((q) => {
    const virtual = (n - 1) * q;
    const lo = Math.floor(virtual);
    const t = virtual - lo;
    const x = at(lo);
    if (lo + 1 >= n) return x;
    const y = at(lo + 1);
    const diff = y - x;
    return t >= 0.5 ? y - diff * (1 - t) : x + diff * t;
  });
}

/**
 * Rearrange `a[from …]` so that a[k] holds the value of rank k, smaller-or-equal values before it, larger after
 * (introselect: median-of-three quickselect, sorting the remaining range after 2 · log₂ n rounds). Values left of
 * `from` must all be ≤ those right of it. O(n) expected time.
 */
export function selectRank(a: Float64Array, k: number, from = 0): void {
  let lo = from;
  let hi = a.length - 1;
  let budget = 2 * Math.ceil(Math.log2(a.length + 1)) + 4;
  while (hi > lo) {
    if (budget-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    // Median of three as the pivot, moved to lo.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    swap(a, lo, mid);
    const pivot = a[lo]!;
    let i = lo + 1;
    let j = hi;
    for (;;) {
      while (i <= j && a[i]! < pivot) i++;
      while (i <= j && a[j]! > pivot) j--;
      if (i >= j) break;
      swap(a, i, j);
      i++;
      j--;
    }
    swap(a, lo, j);
    if (j === k) return;
    if (j < k) lo = j + 1;
    else hi = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** How many values sort before +0: the negatives and the negative zeros. */
function negativeCount(a: Float64Array): number {
  let below = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x < 0 || (x === 0 && 1 / x < 0)) below++;
  }
  return below;
}

/** A selected zero's sign in sorted order (−0 sorts before 0): −0 when rank k falls among the negative zeros. */
export function signedZeroAt(a: Float64Array, k: number, v: number): number {
  if (v !== 0) return v;
  return k < negativeCount(a) ? -0 : 0;
}
