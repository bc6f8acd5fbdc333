import { cellText, unmadeText, type Dataset } from './dataset.js';
import { DataError } from './errors.js';
import type { Logger } from './logger.js';
import type { Utf8Text } from './utf8-text.js';

/** Ids of a column that occur on more than one row. */
export interface DuplicateIds {
  /** Distinct ids that occur more than once. */
  ids: number;
  /** Rows that hold a duplicated id (every occurrence counted). */
  rows: number;
  /** Up to `maxExamples` duplicated ids, in order of first occurrence, with their 1-based row numbers (at most 5). */
  examples: { id: string; rows: number[] }[];
}

/**
 * Find the ids of column `col` that occur more than once. Ids compare by their exact text ({@link cellText}:
 * strings as they are, numbers in shortest round-trip form), whatever the column's kind; missing ids are skipped.
 * Returns null when every id is unique. O(n) time and memory.
 * @throws DataError when the column does not exist.
 */
export function findDuplicateIds(ds: Dataset, col: string, maxExamples = 3): DuplicateIds | null {
  const c = ds.column(col);
  const text = unmadeText(c);
  if (text) return summarise(repeatedIdsOfBytes(text), maxExamples);
  const first = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  for (let i = 0; i < ds.nRows; i++) {
    const t = cellText(c, i);
    if (t === null) continue;
    const j = first.get(t);
    if (j === undefined) {
      first.set(t, i);
      continue;
    }
    const rows = repeated.get(t);
    if (rows) rows.push(i + 1);
    else repeated.set(t, [j + 1, i + 1]);
  }
  return summarise(repeated, maxExamples);
}

/**
 * The repeated ids of text kept as UTF-8 bytes (each with its 1-based rows, in order), found by hashing the bytes
 * into an open-addressing table: no string is made but for the repeated ids. O(n) time, 12 to 20 bytes a row.
 */
function repeatedIdsOfBytes(text: Utf8Text): Map<string, number[]> {
  const n = text.length;
  let size = 16;
  while (size < 2 * n) size *= 2;
  const table = new Int32Array(size);
  const hashes = new Int32Array(n);
  // Row → its group's rows (only for ids seen twice), keyed by the id's first row.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (text.isMissing(i)) continue;
    const h = text.hash(i);
    hashes[i] = h;
    for (let slot = (h ^ (h >>> 15)) & (size - 1); ; slot = (slot + 1) & (size - 1)) {
      const at = table[slot]!;
      if (at === 0) {
        table[slot] = i + 1;
        break;
      }
      const j = at - 1;
      if (hashes[j] === h && text.same(i, j)) {
        const g = groups.get(j);
        if (g) g.push(i + 1);
        else groups.set(j, [j + 1, i + 1]);
        break;
      }
    }
  }
  return new Map([...groups].map(([j, rows]) => [text.at(j)!, rows]));
}

function summarise(repeated: ReadonlyMap<string, number[]>, maxExamples: number): DuplicateIds | null {
  if (repeated.size === 0) return null;
  let rows = 0;
  for (const r of repeated.values()) rows += r.length;
  const examples = [...repeated.entries()]
    .sort((a, b) => a[1][0]! - b[1][0]!)
    .slice(0, maxExamples)
    .map(([id, r]) => ({ id, rows: r.slice(0, 5) }));
  return { ids: repeated.size, rows, examples };
}

/** One line describing duplicated ids: `id column 'x' has 2 id(s) on more than one row (5 rows): '7' (rows 2, 9), …`. */
export function describeDuplicateIds(d: DuplicateIds, col: string): string {
  const shown = d.examples
    .map((e) => `'${e.id}' (rows ${e.rows.join(', ')}${e.rows.length === 5 ? ', …' : ''})`)
    .join(', ');
  return (
    `id column '${col}' has ${d.ids} id(s) on more than one row (${d.rows} rows): ${shown}` +
    (d.ids > d.examples.length ? ', …' : '')
  );
}

/** The warning about repeated values of the id column `col` (none without an id column or repeats). O(n). */
export function duplicateIdWarning(ds: Dataset, col: string | undefined): string | null {
  if (col === undefined) return null;
  const d = findDuplicateIds(ds, col);
  return d ? describeDuplicateIds(d, col) : null;
}

/**
 * Warn through `logger` when ids of `col` repeat (the rows are kept: nothing pairs them here). Returns what was found.
 * O(n).
 */
export function warnDuplicateIds(
  ds: Dataset,
  col: string,
  logger: Logger,
  source?: string,
): DuplicateIds | null {
  const d = findDuplicateIds(ds, col);
  if (d) logger.log('warn', `${source ? `${source}: ` : ''}${describeDuplicateIds(d, col)}`);
  return d;
}

/**
 * Refuse repeated ids where rows are paired by id (two runs, a baseline input). O(n).
 * @throws DataError naming `source`, the column, the count and examples with their rows.
 */
export function assertUniqueIds(
  ds: Dataset,
  col: string,
  source: string,
  why = 'rows are paired by id',
): void {
  const d = findDuplicateIds(ds, col);
  if (d)
    throw new DataError(
      `${source}: ${describeDuplicateIds(d, col)}; ${why}`,
      'make the ids unique (segment clean --dedupe COL), or pick another --id',
    );
}

/**
 * The row of every id of column `col` (ids as {@link cellText} writes them). O(n).
 * @throws DataError naming `name` when ids repeat (count and examples, as {@link assertUniqueIds}), or for a row
 *   without id unless `skipMissing` (such rows are then left out).
 */
export function rowsById(ds: Dataset, col: string, name: string, skipMissing = false): Map<string, number> {
  const c = ds.column(col);
  const out = new Map<string, number>();
  for (let i = 0; i < ds.nRows; i++) {
    const t = cellText(c, i);
    if (t === null) {
      if (skipMissing) continue;
      throw new DataError(`${name}: row ${i + 1} has no id in '${col}'`);
    }
    if (out.has(t)) assertUniqueIds(ds, col, name);
    out.set(t, i);
  }
  return out;
}

/**
 * The rows of `other` in the order of `ds`, paired by the id column `id`; rows of `ds` whose id `other` lacks get a
 * stand-in row (the first of `other`) and are flagged in `unpaired`. Rows of `other` without id are skipped. O(n).
 * @throws DataError naming `name` when `other` holds an id twice.
 * @example
 * const { data, unpaired } = alignById(cleaned, raw, 'customer_id', 'raw.csv');
 */
export function alignById(
  ds: Dataset,
  other: Dataset,
  id: string,
  name: string,
): { data: Dataset; unpaired: Uint8Array } {
  const index = rowsById(other, id, name, true);
  const mine = ds.column(id);
  const rows = new Int32Array(ds.nRows);
  const unpaired = new Uint8Array(ds.nRows);
  for (let i = 0; i < ds.nRows; i++) {
    const key = cellText(mine, i);
    const j = key === null ? undefined : index.get(key);
    if (j === undefined) unpaired[i] = 1;
    else rows[i] = j;
  }
  return { data: other.take(rows), unpaired };
}
