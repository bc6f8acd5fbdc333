import { DataError, InternalError } from './errors.js';
import type { Utf8Text } from './utf8-text.js';

/** Logical type of a numeric column; all are stored as float64 with NaN for missing. */
export type NumericType = 'double' | 'integer' | 'boolean' | 'timestamp' | 'date';

/** Numbers (and booleans, and dates as epoch milliseconds) in a `Float64Array`; NaN marks a missing value. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly type: NumericType;
  readonly values: Float64Array;
}

/** Low-cardinality text stored as integer codes into `levels`; code −1 marks a missing value. */
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}

/** Free text or identifiers, one string (or null) per row. */
export interface StringColumn {
  readonly kind: 'string';
  readonly name: string;
  readonly values: readonly (string | null)[];
  /**
   * The strings are the exact digits of 64-bit whole numbers (identifiers past 2^53, which float64 would round):
   * written back as integers.
   */
  readonly integer?: boolean;
  /**
   * The text as UTF-8 bytes, on a column read that way ({@link lazyStringColumn}) until `values` are first read
   * (which makes the strings and lets the bytes go). Not enumerable, so a copy of the column (`{ ...c }`) is a
   * plain string column.
   */
  readonly utf8?: Utf8Text;
}

export type Column = NumericColumn | CategoricalColumn | StringColumn;
export type ColumnKind = Column['kind'];

/** Build a numeric column. */
export function numericColumn(
  name: string,
  values: Float64Array,
  type: NumericType = 'double',
): NumericColumn {
  return { kind: 'numeric', name, type, values };
}

/** Build a categorical column from codes and levels. */
export function categoricalColumn(
  name: string,
  codes: Int32Array,
  levels: readonly string[],
): CategoricalColumn {
  return { kind: 'categorical', name, codes, levels };
}

/** Build a string column (`integer`: the strings are exact 64-bit whole numbers). */
export function stringColumn(
  name: string,
  values: readonly (string | null)[],
  opts?: { integer?: boolean },
): StringColumn {
  return opts?.integer ? { kind: 'string', name, values, integer: true } : { kind: 'string', name, values };
}

/**
 * A string column over UTF-8 bytes: its strings are made, all at once, the first time `values` is read, and the
 * bytes are then let go (`utf8` becomes undefined). Code that can work on the bytes (hashing, row selection) reads
 * `utf8` and never makes them.
 */
export function lazyStringColumn(name: string, text: Utf8Text): StringColumn {
  let bytes: Utf8Text | undefined = text;
  let strings: (string | null)[] | undefined;
  const c = { kind: 'string', name };
  Object.defineProperty(c, 'values', {
    enumerable: true,
    get: () => {
      if (strings === undefined) {
        strings = bytes!.strings();
        bytes = undefined;
      }
      return strings;
    },
  });
  Object.defineProperty(c, 'utf8', { enumerable: false, get: () => bytes });
  return c as StringColumn;
}

/** The bytes of a string column whose strings have not been made (see {@link lazyStringColumn}). */
export function unmadeText(c: Column): Utf8Text | undefined {
  return c.kind === 'string' ? c.utf8 : undefined;
}

/** Number of rows a column holds. */
export function columnLength(c: Column): number {
  switch (c.kind) {
    case 'numeric':
      return c.values.length;
    case 'categorical':
      return c.codes.length;
    case 'string':
      return c.utf8?.length ?? c.values.length;
  }
}

/** Whether row `i` of the column is missing. */
export function isMissing(c: Column, i: number): boolean {
  switch (c.kind) {
    case 'numeric':
      return Number.isNaN(c.values[i]);
    case 'categorical':
      return (c.codes[i] ?? -1) < 0;
    case 'string':
      return c.utf8 ? c.utf8.isMissing(i) : c.values[i] == null;
  }
}

/** Row `i` of the column as text (null when missing); numbers in shortest round-trip form. */
export function cellText(c: Column, i: number): string | null {
  switch (c.kind) {
    case 'numeric': {
      const v = c.values[i] ?? Number.NaN;
      if (Number.isNaN(v)) return null;
      if (c.type === 'timestamp') return new Date(v).toISOString();
      if (c.type === 'date') return new Date(v).toISOString().slice(0, 10);
      if (c.type === 'boolean') return v !== 0 ? 'true' : 'false';
      return String(v);
    }
    case 'categorical': {
      const code = c.codes[i] ?? -1;
      return code < 0 ? null : (c.levels[code] ?? null);
    }
    case 'string':
      return c.values[i] ?? null;
  }
}

/** The row indices 0 … n − 1. */
export function rowRange(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** `indices` at the positions `keep` (`indices[keep[i]]`): row indices after a second selection of rows. */
export function takeIndices(indices: Int32Array, keep: Int32Array): Int32Array {
  const out = new Int32Array(keep.length);
  for (let i = 0; i < keep.length; i++) out[i] = indices[keep[i]!]!;
  return out;
}

/** Copy of rows `indices` (in that order) of a column. */
export function takeColumn(c: Column, indices: Int32Array): Column {
  const n = indices.length;
  switch (c.kind) {
    case 'numeric': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = c.values[indices[i]!]!;
      return { ...c, values: out };
    }
    case 'categorical': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = c.codes[indices[i]!]!;
      return { ...c, codes: out };
    }
    case 'string': {
      const text = unmadeText(c);
      if (text) return lazyStringColumn(c.name, text.take(indices));
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = c.values[indices[i]!] ?? null;
      return { ...c, values: out };
    }
  }
}

/**
 * An immutable columnar table. Derived tables share column arrays with their source
 * (select/drop/withColumn copy nothing); `take` copies the chosen rows.
 * `metadata` holds string key–value pairs that travel with the data (Parquet key-value metadata).
 */
export class Dataset {
  readonly columns: readonly Column[];
  readonly nRows: number;
  readonly metadata: Readonly<Record<string, string>>;
  private readonly byName: ReadonlyMap<string, Column>;

  private constructor(columns: readonly Column[], nRows: number, metadata: Readonly<Record<string, string>>) {
    this.columns = columns;
    this.nRows = nRows;
    this.metadata = metadata;
    this.byName = new Map(columns.map((c) => [c.name, c]));
  }

  /**
   * Build a dataset; all columns must have the same length and distinct names.
   * @throws InternalError on unequal lengths or duplicate names (a programming error, not bad input).
   */
  static of(
    columns: readonly Column[],
    metadata: Readonly<Record<string, string>> = {},
    nRows?: number,
  ): Dataset {
    const n = nRows ?? (columns[0] ? columnLength(columns[0]) : 0);
    const seen = new Set<string>();
    for (const c of columns) {
      if (columnLength(c) !== n) {
        throw new InternalError(`column '${c.name}' has ${columnLength(c)} rows, expected ${n}`);
      }
      if (seen.has(c.name)) throw new InternalError(`duplicate column name '${c.name}'`);
      seen.add(c.name);
    }
    return new Dataset(columns, n, metadata);
  }

  /** Column names in order. */
  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Number of columns. */
  get nCols(): number {
    return this.columns.length;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The column called `name`.
   * @throws DataError naming the available columns when there is none.
   */
  column(name: string): Column {
    const c = this.byName.get(name);
    if (!c) throw missingColumn(name, this.names);
    return c;
  }

  /**
   * The numeric column called `name`.
   * @throws DataError when it is missing or not numeric.
   */
  numeric(name: string): NumericColumn {
    const c = this.column(name);
    if (c.kind !== 'numeric') {
      throw new DataError(
        `column '${name}' is ${c.kind}, not numeric`,
        'pick numeric columns with --features',
      );
    }
    return c;
  }

  /** A dataset with only the named columns, in that order. */
  select(names: readonly string[]): Dataset {
    return new Dataset(
      names.map((n) => this.column(n)),
      this.nRows,
      this.metadata,
    );
  }

  /** A dataset without the named columns (names that do not exist are ignored). */
  drop(names: readonly string[]): Dataset {
    const gone = new Set(names);
    return new Dataset(
      this.columns.filter((c) => !gone.has(c.name)),
      this.nRows,
      this.metadata,
    );
  }

  /** A dataset with `column` replacing the one of the same name, or appended. */
  withColumn(column: Column): Dataset {
    if (columnLength(column) !== this.nRows) {
      throw new InternalError(
        `column '${column.name}' has ${columnLength(column)} rows, expected ${this.nRows}`,
      );
    }
    const idx = this.columns.findIndex((c) => c.name === column.name);
    const cols = [...this.columns];
    if (idx >= 0) cols[idx] = column;
    else cols.push(column);
    return new Dataset(cols, this.nRows, this.metadata);
  }

  /** The rows at `indices`, in that order (copies). */
  take(indices: Int32Array): Dataset {
    return new Dataset(
      this.columns.map((c) => takeColumn(c, indices)),
      indices.length,
      this.metadata,
    );
  }

  /** The same data with different metadata. */
  withMetadata(metadata: Readonly<Record<string, string>>): Dataset {
    return new Dataset(this.columns, this.nRows, metadata);
  }
}

/** The error raised when a named column does not exist. */
export function missingColumn(name: string, available: readonly string[]): DataError {
  const shown = available.slice(0, 12).join(', ') + (available.length > 12 ? ', …' : '');
  return new DataError(`column '${name}' not found`, `available columns: ${shown || '(none)'}`);
}
