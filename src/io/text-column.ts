import { categoricalColumn, stringColumn, type Column } from '../core/dataset.js';

/** Dictionary-encode a text column when it has few distinct values, else keep the strings. */
export function textColumn(
  name: string,
  values: (string | null)[],
  forced: 'categorical' | 'string' | undefined,
  maxLevels: number,
): Column {
  if (forced === 'string') return stringColumn(name, values);
  const limit =
    forced === 'categorical' ? Infinity : Math.min(maxLevels, Math.max(1, Math.floor(values.length / 2)));
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
