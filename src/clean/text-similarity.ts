/** String normalisation and similarity measures for fuzzy deduplication. */

/** Similarity measures `--fuzzy-method` accepts. */
export const similarityMethods = ['jaro-winkler', 'levenshtein'] as const;
export type SimilarityMethod = (typeof similarityMethods)[number];

/**
 * Normalise text before comparing: Unicode compatibility decomposition with accents (combining marks) removed,
 * lower case, runs of whitespace collapsed to one space, ends trimmed. `"  Chloé.ROSSI "` → `"chloe.rossi"`. O(length).
 */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Jaro-Winkler similarity in [0, 1] (Winkler 1990): the Jaro similarity (matches within half the longer length
 * minus one, transpositions halved) raised by 0.1 × the common prefix length (at most 4) × (1 − Jaro).
 * Compares UTF-16 code units; two empty strings are identical (1). O(la · lb) worst case, O(la + lb) memory.
 */
export function jaroWinkler(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  if (la === 0 && lb === 0) return 1;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  const matchedA = new Uint8Array(la);
  const matchedB = new Uint8Array(lb);
  let m = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const ch = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (matchedB[j] === 0 && b.charCodeAt(j) === ch) {
        matchedA[i] = 1;
        matchedB[j] = 1;
        m++;
        break;
      }
    }
  }
  if (m === 0) return 0;
  let outOfOrder = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (matchedA[i] === 0) continue;
    while (matchedB[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) outOfOrder++;
    j++;
  }
  const t = outOfOrder / 2;
  const jaro = (m / la + m / lb + (m - t) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * Levenshtein edit distance (insertions, deletions, substitutions of UTF-16 code units), giving up early and
 * returning `limit + 1` once every alignment costs more than `limit`. O(la · lb) time, O(lb) memory.
 */
export function levenshtein(a: string, b: string, limit = Infinity): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > limit) return limit + 1;
  if (la === 0) return lb;
  if (lb === 0) return la;
  let prev = new Int32Array(lb + 1);
  let cur = new Int32Array(lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const sub = prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      const v = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb]!;
}

/**
 * Similarity in [0, 1] of two (already normalised) strings: Jaro-Winkler, or 1 − Levenshtein distance / longer
 * length. With `atLeast`, a Levenshtein comparison stops early once the similarity is certainly below it (the
 * returned value is then some number below `atLeast`).
 */
export function similarity(a: string, b: string, method: SimilarityMethod, atLeast = 0): number {
  if (method === 'jaro-winkler') return jaroWinkler(a, b);
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  const limit = Math.floor((1 - atLeast) * longest + 1e-9);
  return 1 - levenshtein(a, b, limit) / longest;
}
