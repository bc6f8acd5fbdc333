import { cellText, isMissing, rowRange, type Column, type Dataset } from '../core/dataset.js';
import { Utf8Text } from '../core/utf8-text.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { DataError, invalidParameter } from '../core/errors.js';
import { normaliseText, similarity, similarityMethods, type SimilarityMethod } from './text-similarity.js';

/** Which row of a group of duplicates survives: the first, the last, or the one with the fewest missing cells. */
export const keepPolicies = ['first', 'last', 'most-complete'] as const;
export type KeepPolicy = (typeof keepPolicies)[number];

/** Fuzzy deduplication of one text column. */
export interface FuzzyDedupeParams {
  column: string;
  /** Minimum similarity (in (0, 1]) of two normalised values to call the rows duplicates. */
  similarity: number;
  method: SimilarityMethod;
  /** Sorted-neighbourhood window: each value is compared with the next `window − 1` in sorted order. */
  window: number;
  /**
   * 'exact' (default): values whose digits differ (`anna.dubois26@…` vs `anna.dubois37@…`) are never duplicates,
   * since a different number usually means a different record; 'similar': digits are compared like letters.
   */
  digits?: 'exact' | 'similar' | undefined;
}

/** Parameters of {@link dedupe}; the three passes run in this order, each on the rows the previous kept. */
export interface DedupeParams {
  /** Exact duplicates on these key columns (composite key); rows missing a key value are never duplicates. */
  keys?: readonly string[] | undefined;
  /** Exact duplicates on every column (missing equals missing). */
  rows?: boolean | undefined;
  fuzzy?: FuzzyDedupeParams | undefined;
  keep: KeepPolicy;
}

/** One removed row and the row kept in its place (1-based input row numbers). */
export interface DedupeExample {
  kept: number;
  removed: number;
  keptValue?: string | null;
  removedValue?: string | null;
  similarity?: number;
}

/** What one pass removed and why. */
export interface DedupePass {
  kind: 'key' | 'row' | 'fuzzy';
  reason: string;
  /** Groups of two or more duplicates found. */
  groups: number;
  rowsRemoved: number;
  examples: DedupeExample[];
}

/** Summary of {@link dedupe}. */
export interface DedupeReport {
  nRowsIn: number;
  nRowsOut: number;
  rowsRemoved: number;
  keep: KeepPolicy;
  passes: DedupePass[];
}

const OWNER = 'clean.dedupe';
const MAX_EXAMPLES = 10;

/**
 * Remove duplicate rows: exact on key columns, then exact on whole rows, then fuzzy on a text column, keeping one
 * row per group by `keep`. Surviving rows stay in input order.
 *
 * Fuzzy pass: values are normalised ({@link normaliseText}); two rows are duplicates when their values reach
 * `similarity` and (by default) contain the same digits. Every row of a group is that similar to the group's first
 * row (a chain of pairwise-close values is split, not merged end to end).
 * Blocking by sorted neighbourhood (Hernández & Stolfo 1995): values are sorted, and each is compared with the next
 * `window − 1` values, once in that order and once sorted by reversed text (so a difference near the start of a
 * value still meets its neighbours). Identical normalised values are always adjacent, so they always merge. Pairs
 * further apart than the window in both orders are not compared: the cost is O(n log n + n · window · L²) for
 * values of length L instead of O(n² · L²).
 *
 * @param rowNumber maps a row of `ds` to the 1-based input row number shown in the report.
 * @returns the kept rows (indices into `ds`, ascending) and the report.
 * @throws DataError when a named column does not exist; UsageError (invalidParameter) for bad parameters.
 */
export function dedupe(
  ds: Dataset,
  params: DedupeParams,
  rowNumber: (i: number) => number = (i) => i + 1,
  logger: Logger = silentLogger,
): { keep: Int32Array; report: DedupeReport } {
  checkParams(params);
  for (const k of params.keys ?? []) ds.column(k);
  if (params.fuzzy) {
    const c = ds.column(params.fuzzy.column);
    if (c.kind === 'numeric') {
      throw new DataError(
        `--fuzzy-dedupe column '${c.name}' holds numbers, not text`,
        'use --dedupe for exact duplicates of numeric keys',
      );
    }
  }
  const missingCount = params.keep === 'most-complete' ? countMissing(ds) : null;
  const choose = (group: number[]): number => {
    if (params.keep === 'first') return group[0]!;
    if (params.keep === 'last') return group[group.length - 1]!;
    let best = group[0]!;
    for (const i of group) if (missingCount![i]! < missingCount![best]!) best = i;
    return best;
  };

  let alive = rowRange(ds.nRows);
  const passes: DedupePass[] = [];
  const runGroups = (
    groups: number[][],
    pass: DedupePass,
    describe?: (kept: number, removed: number) => DedupeExample,
  ) => {
    const removed = new Uint8Array(ds.nRows);
    for (const g of groups) {
      if (g.length < 2) continue;
      pass.groups++;
      const kept = choose(g);
      for (const i of g) {
        if (i === kept) continue;
        removed[i] = 1;
        pass.rowsRemoved++;
        if (pass.examples.length < MAX_EXAMPLES) {
          pass.examples.push(describe ? describe(kept, i) : { kept: rowNumber(kept), removed: rowNumber(i) });
        }
      }
    }
    if (pass.rowsRemoved > 0) {
      const from = alive;
      let k = 0;
      for (let r = 0; r < from.length; r++) if (removed[from[r]!] === 0) k++;
      const left = new Int32Array(k);
      k = 0;
      for (let r = 0; r < from.length; r++) if (removed[from[r]!] === 0) left[k++] = from[r]!;
      alive = left;
    }
    passes.push(pass);
  };

  const keys = params.keys ?? [];
  if (keys.length > 0) {
    const cols = keys.map((k) => ds.column(k));
    const groups = new Map<string, number[]>();
    for (const i of alive) {
      if (cols.some((c) => isMissing(c, i))) continue;
      const key = cols.map((c) => cellText(c, i)).join('\u001f');
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    }
    runGroups([...groups.values()], {
      kind: 'key',
      reason: `same ${keys.join(' + ')}`,
      groups: 0,
      rowsRemoved: 0,
      examples: [],
    });
  }
  if (params.rows) {
    runGroups(identicalRowGroups(ds, alive), {
      kind: 'row',
      reason: 'identical rows',
      groups: 0,
      rowsRemoved: 0,
      examples: [],
    });
  }
  if (params.fuzzy) {
    const f = params.fuzzy;
    const c = ds.column(f.column);
    const norm = new Map<number, string>();
    for (const i of alive) {
      const t = cellText(c, i);
      if (t === null) continue;
      const n = normaliseText(t);
      if (n.length > 0) norm.set(i, n);
    }
    const groups = fuzzyGroups(norm, f, logger);
    runGroups(
      groups,
      {
        kind: 'fuzzy',
        reason:
          `${f.column}: ${f.method} similarity >= ${f.similarity} after normalisation` +
          ((f.digits ?? 'exact') === 'exact' ? ', same digits' : ''),
        groups: 0,
        rowsRemoved: 0,
        examples: [],
      },
      (kept, removed) => ({
        kept: rowNumber(kept),
        removed: rowNumber(removed),
        keptValue: cellText(c, kept),
        removedValue: cellText(c, removed),
        similarity: round6(similarity(norm.get(kept)!, norm.get(removed)!, f.method)),
      }),
    );
  }
  const keep = alive;
  return {
    keep,
    report: {
      nRowsIn: ds.nRows,
      nRowsOut: keep.length,
      rowsRemoved: ds.nRows - keep.length,
      keep: params.keep,
      passes,
    },
  };
}

function checkParams(p: DedupeParams): void {
  if (!(keepPolicies as readonly string[]).includes(p.keep)) {
    throw invalidParameter(
      OWNER,
      'keep',
      `a str among {${keepPolicies.map((x) => `'${x}'`).join(', ')}}`,
      p.keep,
    );
  }
  const f = p.fuzzy;
  if (!f) return;
  if (!(f.similarity > 0 && f.similarity <= 1)) {
    throw invalidParameter(OWNER, 'similarity', 'a float in (0, 1]', f.similarity);
  }
  if (!(similarityMethods as readonly string[]).includes(f.method)) {
    throw invalidParameter(
      OWNER,
      'method',
      `a str among {${similarityMethods.map((x) => `'${x}'`).join(', ')}}`,
      f.method,
    );
  }
  if (f.digits !== undefined && f.digits !== 'exact' && f.digits !== 'similar') {
    throw invalidParameter(OWNER, 'digits', "a str among {'exact', 'similar'}", f.digits);
  }
  if (!Number.isInteger(f.window) || f.window < 2) {
    throw invalidParameter(OWNER, 'window', 'an int in [2, inf)', f.window);
  }
}

/** Missing cells per row over every column. */
function countMissing(ds: Dataset): Int32Array {
  const out = new Int32Array(ds.nRows);
  for (const c of ds.columns) for (let i = 0; i < ds.nRows; i++) if (isMissing(c, i)) out[i]!++;
  return out;
}

/** The digits of a string, in order. */
function digitsOf(s: string): string {
  return s.replace(/\D+/g, '');
}

/**
 * Groups (rows ascending, groups ordered by first row) of duplicates among the normalised values. Candidate pairs
 * come from the sorted-neighbourhood windows; pairs reaching the similarity link rows into components. A component
 * is then split around leaders so that a long chain of pairwise-close values does not merge values that are far
 * apart: rows in ascending order join the first group whose leader (first row) they are similar enough to, or lead
 * a new group. O(n log n + n · window · L²) plus O(c · g · L²) per component of c rows and g groups.
 */
function fuzzyGroups(norm: ReadonlyMap<number, string>, f: FuzzyDedupeParams, logger: Logger): number[][] {
  const rows = [...norm.keys()].sort((a, b) => a - b);
  const exactDigits = (f.digits ?? 'exact') === 'exact';
  const digits = new Map<number, string>(exactDigits ? rows.map((i) => [i, digitsOf(norm.get(i)!)]) : []);
  const close = (a: number, b: number): boolean => {
    if (exactDigits && digits.get(a) !== digits.get(b)) return false;
    const x = norm.get(a)!;
    const y = norm.get(b)!;
    return x === y || similarity(x, y, f.method, f.similarity) >= f.similarity;
  };
  const parent = new Map<number, number>(rows.map((i) => [i, i]));
  const find = (i: number): number => {
    let r = i;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    while (parent.get(i)! !== r) {
      const next = parent.get(i)!;
      parent.set(i, r);
      i = next;
    }
    return r;
  };
  const reversed = new Map<number, string>(rows.map((i) => [i, [...norm.get(i)!].reverse().join('')]));
  // Two passes (the values, then the values reversed), each over every row's window.
  const progress = logger.progress('fuzzy dedupe rows', 2 * rows.length);
  for (const text of [norm, reversed]) {
    const order = [...rows].sort((a, b) => {
      const x = text.get(a)!;
      const y = text.get(b)!;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    for (let p = 0; p < order.length; p++) {
      if ((p & 1023) === 1023) progress.tick(1024);
      const a = order[p]!;
      for (let q = p + 1; q < Math.min(order.length, p + f.window); q++) {
        const b = order[q]!;
        const ra = find(a);
        const rb = find(b);
        if (ra !== rb && close(a, b)) parent.set(Math.max(ra, rb), Math.min(ra, rb));
      }
    }
  }
  progress.done();
  const components = new Map<number, number[]>();
  for (const i of rows) {
    const r = find(i);
    const c = components.get(r);
    if (c) c.push(i);
    else components.set(r, [i]);
  }
  const groups: number[][] = [];
  for (const component of components.values()) {
    const local: number[][] = [];
    for (const i of component) {
      const g = local.find((grp) => close(grp[0]!, i));
      if (g) g.push(i);
      else local.push([i]);
    }
    groups.push(...local);
  }
  return groups.sort((a, b) => a[0]! - b[0]!);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * One column as comparison keys for {@link identicalRowGroups}: numbers where two cells have the same text
 * ({@link cellText}) exactly when their keys are equal (NaN for missing), or the cells' text (missing as null).
 */
function rowKeys(c: Column): Float64Array | Int32Array | readonly (string | null)[] | Utf8Text {
  switch (c.kind) {
    case 'numeric': {
      const v = c.values;
      if (c.type === 'double' || c.type === 'integer') return v;
      if (c.type === 'boolean') return v.map((x) => (x !== x ? x : x !== 0 ? 1 : 0));
      // A timestamp's text is that of its whole milliseconds (as Date truncates them).
      if (c.type === 'timestamp') {
        const out = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = Math.trunc(v[i]!);
        return out;
      }
      return Array.from({ length: v.length }, (_, i) => cellText(c, i) ?? '\u0000');
    }
    case 'categorical': {
      // Codes of levels with the same text share the first one's code.
      const first = new Map<string, number>();
      const canon = c.levels.map((l, k) => {
        const f = first.get(l);
        if (f !== undefined) return f;
        first.set(l, k);
        return k;
      });
      // Distinct levels (as a reader makes them): the codes themselves (−1 for missing).
      if (first.size === c.levels.length) return c.codes;
      const out = new Float64Array(c.codes.length);
      for (let i = 0; i < out.length; i++) {
        const k = c.codes[i]!;
        out[i] = k < 0 ? Number.NaN : canon[k]!;
      }
      return out;
    }
    case 'string':
      // Text read as UTF-8 bytes is compared as bytes (the same text is the same bytes): no string is made.
      return c.utf8 ?? c.values;
  }
}

/**
 * Groups of two or more identical rows among `rows` (ascending), in order of their first row, each ascending: rows whose every
 * cell has the same text (missing equals missing; 0 and −0 are the same number). Rows are hashed column by column
 * (numbers by their bits, text by its characters) into an open-addressing table, and rows of equal hash are
 * compared cell by cell, so no per-row text is built. O(n · d) expected time, O(n) memory.
 */
export function identicalRowGroups(ds: Dataset, rows: ArrayLike<number>): number[][] {
  const m = rows.length;
  const keys = ds.columns.map(rowKeys);
  const hash = new Int32Array(m).fill(0x2545f491);
  const scratch = new Float64Array(1);
  const bits = new Int32Array(scratch.buffer);
  const mix = (h: number, x: number): number => {
    const k = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    return Math.imul((h ^ k) + ((h << 5) | (h >>> 27)), 0x9e3779b1);
  };
  for (const key of keys) {
    if (key instanceof Float64Array) {
      for (let r = 0; r < m; r++) {
        const v = key[rows[r]!]!;
        let h = hash[r]!;
        if (v !== v) h = mix(h, 0x7ff80000);
        else if (v === 0) h = mix(h, 0);
        else {
          scratch[0] = v;
          h = mix(mix(h, bits[0]!), bits[1]!);
        }
        hash[r] = h;
      }
    } else if (key instanceof Int32Array) {
      for (let r = 0; r < m; r++) hash[r] = mix(hash[r]!, key[rows[r]!]!);
    } else if (key instanceof Utf8Text) {
      for (let r = 0; r < m; r++) hash[r] = mix(hash[r]!, key.hash(rows[r]!));
    } else {
      for (let r = 0; r < m; r++) {
        const t = key[rows[r]!] ?? null;
        if (t === null) {
          hash[r] = mix(hash[r]!, 0x5bd1e995);
          continue;
        }
        let x = 0x811c9dc5 ^ t.length;
        for (let q = 0; q < t.length; q++) x = Math.imul(x ^ t.charCodeAt(q), 0x01000193);
        hash[r] = mix(hash[r]!, x);
      }
    }
  }
  const same = (a: number, b: number): boolean => {
    for (const key of keys) {
      if (key instanceof Utf8Text) {
        if (!key.same(a, b)) return false;
        continue;
      }
      const x = key[a]!;
      const y = key[b]!;
      if (x !== y && !(typeof x === 'number' && x !== x && y !== y)) return false;
    }
    return true;
  };
  let size = 16;
  while (size < 2 * m) size *= 2;
  // Slot → position (in rows) of a group's first row, + 1 (0: empty).
  const table = new Int32Array(size);
  const groupOf = new Int32Array(m);
  const size1 = new Int32Array(m);
  let nGroups = 0;
  for (let r = 0; r < m; r++) {
    const h = hash[r]!;
    let slot = (h ^ (h >>> 13)) & (size - 1);
    for (;;) {
      const at = table[slot]!;
      if (at === 0) {
        table[slot] = r + 1;
        size1[nGroups] = 1;
        groupOf[r] = nGroups++;
        break;
      }
      if (hash[at - 1] === h && same(rows[at - 1]!, rows[r]!)) {
        const g = groupOf[at - 1]!;
        groupOf[r] = g;
        size1[g]!++;
        break;
      }
      slot = (slot + 1) & (size - 1);
    }
  }
  const index = new Int32Array(nGroups).fill(-1);
  const groups: number[][] = [];
  for (let g = 0; g < nGroups; g++) if (size1[g]! > 1) index[g] = groups.push([]) - 1;
  for (let r = 0; r < m; r++) {
    const k = index[groupOf[r]!]!;
    if (k >= 0) groups[k]!.push(rows[r]!);
  }
  return groups;
}
