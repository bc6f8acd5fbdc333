/**
 * Adjusted Rand index of two labelings (Hubert & Arabie 1985), as scikit-learn's `adjusted_rand_score`: 1 for the
 * same partition whatever the label names, about 0 for independent ones. For permutation-invariant comparisons.
 */
export function ari(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`labelings differ in length: ${n} vs ${b.length}`);
  const count = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);
  const nij = new Map<string, number>();
  const ai = new Map<string | number, number>();
  const bj = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    count(nij, `${String(a[i])}\u0000${String(b[i])}`);
    count(ai, a[i]!);
    count(bj, b[i]!);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((s, v) => s + c2(v), 0);
  const expected = (sum(ai) * sum(bj)) / c2(n);
  const max = (sum(ai) + sum(bj)) / 2;
  return max === expected ? 1 : (sum(nij) - expected) / (max - expected);
}
