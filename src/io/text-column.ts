import { categoricalColumn, lazyStringColumn, stringColumn, type Column } from '../core/dataset.js';
import { Utf8Text } from '../core/utf8-text.js';

/**
 * Dictionary-encode a text column when it has few distinct values, else keep the strings (or, for text read as
 * UTF-8 bytes, the bytes, whose strings are made only when used).
 */
export function textColumn(
  name: string,
  cells: readonly (string | null)[] | Utf8Text,
  forced: 'categorical' | 'string' | undefined,
  maxLevels: number,
): Column {
  const limit =
    forced === 'categorical' ? Infinity : Math.min(maxLevels, Math.max(1, Math.floor(cells.length / 2)));
  let values: readonly (string | null)[];
  if (cells instanceof Utf8Text && forced === 'categorical') values = cells.strings();
  else if (cells instanceof Utf8Text) {
    if (forced === 'string') return lazyStringColumn(name, cells);
    // Too many distinct values are usually found in the first rows: only those are made into strings.
    const seen = new Set<string>();
    for (let i = 0; i < cells.length; i++) {
      const v = cells.at(i);
      if (v == null) continue;
      seen.add(v);
      if (seen.size > limit) return lazyStringColumn(name, cells);
    }
    values = cells.strings();
  } else {
    values = cells;
    if (forced === 'string') return stringColumn(name, values);
  }
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      if (index.size >= limit) return stringColumn(name, values);
      code = index.size;
      index.set(v, code);
    }
    codes[i] = code;
  }
  // Levels in sorted order so codes do not depend on row order.
  const levels = [...index.keys()].sort();
  const remap = new Int32Array(levels.length);
  levels.forEach((l, k) => (remap[index.get(l)!] = k));
  for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) codes[i] = remap[codes[i]!]!;
  return categoricalColumn(name, codes, levels);
}
