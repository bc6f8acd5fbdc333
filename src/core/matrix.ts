import type { Dataset } from './dataset.js';
import { DataError, UsageError } from './errors.js';
import { WasmArena } from './wasm-memory.js';

/** A dense row-major matrix: element (i, j) is `data[i * nCols + j]`. */
export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
}

/**
 * Room a shared matrix's memory may grow by, per row, for the work arrays of the WebAssembly kernels that run on
 * it in place (k-means: about 70 bytes a row), and in all.
 */
const KERNEL_BYTES_PER_ROW = 96;
const KERNEL_BYTES_FIXED = 64 * 1024 * 1024;

/**
 * Allocate a zero matrix. When `shared`, on shared memory so worker threads can read it without a copy: a shared
 * WebAssembly memory when it fits one (so the WebAssembly kernels run on it in place), else a SharedArrayBuffer.
 */
export function allocMatrix(nRows: number, nCols: number, shared = false): Matrix {
  const len = nRows * nCols;
  if (!shared) return { data: new Float64Array(len), nRows, nCols };
  const arena = WasmArena.create(len * 8, len * 8 + nRows * KERNEL_BYTES_PER_ROW + KERNEL_BYTES_FIXED);
  const data = arena !== undefined ? arena.f64(len) : new Float64Array(new SharedArrayBuffer(len * 8));
  return { data, nRows, nCols };
}

/**
 * Copy numeric columns into a row-major matrix. O(n·d) time and memory.
 * @throws DataError when a column is not numeric.
 */
export function toMatrix(ds: Dataset, names: readonly string[], shared = false): Matrix {
  const d = names.length;
  const n = ds.nRows;
  const m = allocMatrix(n, d, shared);
  const cols = names.map((name) => ds.numeric(name).values);
  const out = m.data;
  // A block of rows at a time, so that the rows being written stay in cache while every column visits them.
  const B = 4096;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j = 0; j < d; j++) {
      const col = cols[j]!;
      for (let i = i0, k = i0 * d + j; i < i1; i++, k += d) out[k] = col[i]!;
    }
  }
  return m;
}

/**
 * The columns of a matrix without a second copy: its data is rearranged in place into column-major order and column
 * `j` is a view of it. The last columns are peeled off into a buffer a few at a time (at most an eighth of the
 * columns, at least one), the rest of each row moved forward over them, and the buffer written where those columns
 * end up: sequential copies only. The matrix itself is no longer valid afterwards. O(n·d·min(d, 8)) time for n rows
 * and d columns, O(n·⌈d / 8⌉) extra memory (or none, in room a WebAssembly memory already has above the matrix).
 */
export function takeColumns(m: Matrix): Float64Array[] {
  const { data, nRows: n, nCols: d } = m;
  if (n > 1 && d > 1) {
    let p = Math.max(1, Math.ceil(d / 8));
    // A matrix in a WebAssembly memory may have room above it that a computation used and gave back (k-means'
    // work arrays): a wider buffer there costs no new memory and fewer passes.
    const arena = WasmArena.of(data);
    const wide = arena === undefined ? 0 : Math.min(d - 1, Math.floor(arena.spare / (8 * n)));
    const mark = wide > p ? arena?.claim() : undefined;
    if (mark !== undefined) p = wide;
    const buf = mark !== undefined ? arena!.f64(n * p) : new Float64Array(n * p);
    for (let w = d; w > 1;) {
      const q = Math.min(p, w - 1);
      const keep = w - q;
      // Columns keep … w − 1 of the n × w matrix into the buffer, column by column.
      for (let c = 0; c < q; c++) {
        for (let i = 0, k = keep + c, o = c * n; i < n; i++, k += w, o++) buf[o] = data[k]!;
      }
      // The first `keep` columns of every row moved forward: an n × keep matrix at the front (targets never pass
      // their sources).
      for (let i = 1, to = keep, from = w; i < n; i++, from += w - keep) {
        for (let t = 0; t < keep; t++) data[to++] = data[from++]!;
      }
      data.set(buf.subarray(0, q * n), keep * n);
      w = keep;
    }
    if (mark !== undefined) arena!.release(mark);
  }
  return Array.from({ length: d }, (_, j) => data.subarray(j * n, (j + 1) * n));
}

/** Column `j` of a matrix as a new array. */
export function matrixColumn(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let i = 0, k = j; i < m.nRows; i++, k += m.nCols) out[i] = m.data[k]!;
  return out;
}

/**
 * Refuse missing or infinite values in a matrix about to reach an algorithm that cannot take them; with `squares`
 * (distances, variances) also finite values so large that their squared differences overflow.
 * @throws DataError naming the column, the row and how many values are affected (or the too large value).
 */
export function assertFinite(
  m: Matrix,
  names: readonly string[],
  what = 'this algorithm',
  squares = true,
): void {
  const { data, nRows, nCols } = m;
  // Squared differences of values up to this size, summed over every column, stay finite.
  const limit = Math.sqrt(Number.MAX_VALUE / (4 * Math.max(1, nCols)));
  // One sequential pass finds whether anything is wrong (NaN fails every comparison); the column-wise pass below
  // only runs to word the error.
  const bound = squares ? limit : Number.MAX_VALUE;
  const len = nRows * nCols;
  let bad = -1;
  for (let i = 0; i < len; i++) {
    if (!(Math.abs(data[i]!) <= bound)) {
      bad = i;
      break;
    }
  }
  if (bad < 0) return;
  for (let j = 0; j < nCols; j++) {
    let count = 0;
    let first = -1;
    let sawNaN = false;
    let large = -1;
    for (let i = 0, k = j; i < nRows; i++, k += nCols) {
      const v = data[k]!;
      if (!Number.isFinite(v)) {
        if (first < 0) first = i;
        if (Number.isNaN(v)) sawNaN = true;
        count++;
      } else if (squares && large < 0 && Math.abs(v) > limit) large = i;
    }
    const name = names[j] ?? `#${j}`;
    if (count > 0) {
      throw new DataError(
        sawNaN
          ? `column '${name}' has ${count} missing value(s) (first at row ${first + 1}); ${what} cannot use missing values`
          : `column '${name}' has ${count} infinite value(s) (first at row ${first + 1})`,
        sawNaN ? 'impute them first: segment clean --impute median' : 'remove or clip them first',
      );
    }
    if (large >= 0) {
      throw new DataError(
        `values too large to compute distances (${String(data[large * nCols + j])} in column '${name}', row ${large + 1}): ${what} would overflow`,
        'rescale the column (divide it by a power of ten) or remove the value',
      );
    }
  }
}

/**
 * Refuse ±∞ in one column (missing values are allowed), for computations that skip missing values but cannot take
 * infinities (drift statistics). O(n).
 * @throws DataError naming the source, the column, the count and the first row.
 */
export function assertNoInfinite(values: Float64Array, column: string, source: string): void {
  let count = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count > 0) {
    throw new DataError(
      `${source}: column '${column}' has ${count} infinite value(s) (first at row ${first + 1})`,
      'make them missing or clip them first (segment clean --inf missing|clip), or leave the column out with --exclude',
    );
  }
}

/** Options shared by every command that models numeric columns (`--id`, `--features`, `--exclude`). */
export interface FeatureChoice {
  id?: string | undefined;
  features?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

/**
 * Why a column is not among the features. Deliberate reasons (the user or the command chose it): `id` (the --id
 * column), `exclude` (named by --exclude), `unlisted` (an explicit --features list does not name it), `role` (the
 * command reads it for something else: segment labels, a predict target). Kind reasons (the default choice could not
 * use it, and says so): `text`, `categorical`, `date`, `timestamp`, and `unpaired` (a numeric column the other
 * input lacks, or holds as text).
 */
export type LeftOutReason =
  'id' | 'exclude' | 'unlisted' | 'role' | 'text' | 'categorical' | 'date' | 'timestamp' | 'unpaired';

/** A column of the input that is not a feature, and why. */
export interface LeftOutColumn {
  name: string;
  reason: LeftOutReason;
}

/** The features chosen, and every other column of the input with the reason it was left out (input order). */
export interface FeatureSelection {
  features: string[];
  leftOut: LeftOutColumn[];
}

/** Options of {@link chooseFeatures}. */
export interface ChooseOptions {
  /** Columns the command reads for something else (segment labels, a target): never features, reason `role`. */
  roles?: readonly string[];
  /** Leave dates and timestamps out of the default choice (reason `date` / `timestamp`); named ones are kept. */
  skipTemporal?: boolean;
  /** Return an empty choice instead of refusing it (for commands with work besides the features). */
  allowEmpty?: boolean;
  /** Categorical columns are features too (Gower's distance takes them), by default and when named. */
  categorical?: boolean;
}

const deliberate: ReadonlySet<LeftOutReason> = new Set(['id', 'exclude', 'unlisted', 'role']);

/**
 * Choose the feature columns: `features` when given (each must exist and be numeric), otherwise every numeric column
 * except the id, `exclude`d ones and `roles` (and dates and timestamps with `skipTemporal`). Every other column is
 * listed in `leftOut` with its reason. O(columns).
 * @throws DataError for a missing or non-numeric column; UsageError when nothing is left (unless `allowEmpty`).
 */
export function chooseFeatures(
  ds: Dataset,
  choice: FeatureChoice,
  opts: ChooseOptions = {},
): FeatureSelection {
  for (const name of choice.exclude ?? []) ds.column(name);
  if (choice.id !== undefined) ds.column(choice.id);
  const exclude = new Set(choice.exclude ?? []);
  const roles = new Set(opts.roles ?? []);
  const explicit = choice.features !== undefined && choice.features.length > 0;
  const reasonOf = (name: string): LeftOutReason | null => {
    if (name === choice.id) return 'id';
    if (roles.has(name)) return 'role';
    if (exclude.has(name)) return 'exclude';
    return null;
  };
  let names: string[];
  if (explicit) {
    names = choice.features!.filter((n) => reasonOf(n) === null);
    for (const n of names) {
      const c = ds.column(n);
      if (c.kind !== 'numeric' && !(opts.categorical && c.kind === 'categorical')) {
        throw new DataError(
          `feature column '${n}' is ${c.kind}, not numeric`,
          'encode it first (segment clean --encode onehot) or leave it out of --features',
        );
      }
    }
  } else {
    names = [];
    for (const c of ds.columns) {
      if (reasonOf(c.name) !== null) continue;
      if (c.kind !== 'numeric' && !(opts.categorical && c.kind === 'categorical')) continue;
      if (opts.skipTemporal && c.kind === 'numeric' && (c.type === 'date' || c.type === 'timestamp'))
        continue;
      names.push(c.name);
    }
  }
  if (names.length === 0 && !opts.allowEmpty) {
    throw new UsageError(
      'no numeric feature columns to use',
      `columns: ${ds.names.join(', ') || '(none)'}; name them with --features`,
    );
  }
  const chosen = new Set(names);
  const leftOut: LeftOutColumn[] = [];
  for (const c of ds.columns) {
    if (chosen.has(c.name)) continue;
    const why = reasonOf(c.name);
    if (why !== null) leftOut.push({ name: c.name, reason: why });
    else if (explicit) leftOut.push({ name: c.name, reason: 'unlisted' });
    else if (c.kind === 'string') leftOut.push({ name: c.name, reason: 'text' });
    else if (c.kind === 'categorical') leftOut.push({ name: c.name, reason: 'categorical' });
    else leftOut.push({ name: c.name, reason: c.type === 'date' ? 'date' : 'timestamp' });
  }
  return { features: names, leftOut };
}

/** Whether a left-out column is one the user did not ask to leave out (the default choice could not use it). */
export function isUnasked(c: LeftOutColumn): boolean {
  return !deliberate.has(c.reason);
}

const reasonWords: Record<LeftOutReason, string> = {
  id: 'the id',
  exclude: '--exclude',
  unlisted: 'not in --features',
  role: 'not a feature here',
  text: 'text',
  categorical: 'categorical',
  date: 'date',
  timestamp: 'timestamp',
  unpaired: 'not numeric in both inputs',
};

/**
 * The one warning naming the columns the default feature choice left out that nobody asked to leave out (text,
 * categorical, dates…), or null when there are none; at most `max` names, then a count. O(columns).
 */
export function leftOutWarning(leftOut: readonly LeftOutColumn[], max = 10): string | null {
  const unasked = leftOut.filter(isUnasked);
  if (unasked.length === 0) return null;
  const shown = unasked.slice(0, max).map((c) => `'${c.name}' (${reasonWords[c.reason]})`);
  const more = unasked.length > max ? `, and ${unasked.length - max} more` : '';
  return (
    `features: left out ${shown.join(', ')}${more}; ` +
    'name the features with --features, or leave columns out with --exclude to silence this'
  );
}

/**
 * Resolve the model's feature columns (see {@link chooseFeatures}): `features` when given, otherwise every numeric
 * column except the id, `exclude`d ones and `alsoExclude`.
 * @throws DataError for a missing or non-numeric column; UsageError when nothing is left.
 */
export function resolveFeatures(
  ds: Dataset,
  choice: FeatureChoice,
  alsoExclude: readonly string[] = [],
): string[] {
  return chooseFeatures(ds, choice, { roles: alsoExclude }).features;
}
