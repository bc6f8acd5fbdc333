/**
 * Order of two strings by Unicode code point, as DuckDB and PostgreSQL's "C" collation sort text. JavaScript's `<`
 * compares UTF-16 code units, which puts characters past U+FFFF (stored as surrogate pairs, 0xD800–0xDFFF) before
 * U+E000–U+FFFF; shifting the code units at the first difference restores code-point order. O(length), no copies.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 code unit's place in code-point order: surrogates after every other unit of the BMP. */
function unitRank(u: number): number {
  if (u < 0xd800) return u;
  return u >= 0xe000 ? u - 0x800 : u + 0x2000;
}
