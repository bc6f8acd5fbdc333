/**
 * Knee of an increasing curve by the Kneedle method (Satopää et al., 2011): normalise x and y to [0, 1] and take
 * the point farthest below the diagonal for a convex curve (`curve: 'convex'`, e.g. a sorted k-distance plot) or
 * above it for a concave one (e.g. explained variance). Decreasing curves (an elbow of inertia) are flipped first.
 * Returns the index of the knee, or -1 when the curve is flat or too short (fewer than 3 points).
 * O(n) time.
 */
export function kneeIndex(
  y: ArrayLike<number>,
  opts: { curve: 'convex' | 'concave'; direction: 'increasing' | 'decreasing' },
  x?: ArrayLike<number>,
): number {
  const n = y.length;
  if (n < 3) return -1;
  const xs = (i: number) => (x ? x[i]! : i);
  const x0 = xs(0);
  const x1 = xs(n - 1);
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < n; i++) {
    yMin = Math.min(yMin, y[i]!);
    yMax = Math.max(yMax, y[i]!);
  }
  if (!(yMax > yMin) || !(x1 > x0)) return -1;
  let best = -1;
  let bestGap = 0;
  for (let i = 0; i < n; i++) {
    const xn = (xs(i) - x0) / (x1 - x0);
    let yn = (y[i]! - yMin) / (yMax - yMin);
    // A decreasing curve flipped upside down is increasing, and convex becomes concave.
    let concave = opts.curve === 'concave';
    if (opts.direction === 'decreasing') {
      yn = 1 - yn;
      concave = !concave;
    }
    // For an increasing convex curve the knee lies farthest below the diagonal; concave: farthest above.
    const gap = concave ? yn - xn : xn - yn;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}
