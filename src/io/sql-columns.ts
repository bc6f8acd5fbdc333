import { Dataset, numericColumn, type Column, type NumericType } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { exactIntegerColumn, type ReadNote } from './infer.js';
import { textColumn, type ReadOptions, type TypeOverride } from './read.js';

/** How one result column is stored: a typed numeric column or text (categorical or string, decided at the end). */
export type ColumnPlan =
  | { name: string; kind: 'numeric'; type: NumericType }
  | { name: string; kind: 'text'; forced?: 'categorical' | 'string' | undefined };

/** The plan of a column, with a `--types` override applied on top of the type the database reported. */
export function planColumn(
  name: string,
  natural: NumericType | 'text',
  overrides: Readonly<Record<string, TypeOverride>> | undefined,
): ColumnPlan {
  const forced = overrides?.[name];
  if (forced === 'string' || forced === 'categorical') return { name, kind: 'text', forced };
  if (forced !== undefined) return { name, kind: 'numeric', type: forced };
  return natural === 'text' ? { name, kind: 'text' } : { name, kind: 'numeric', type: natural };
}

/**
 * Check a query result's column names: every one distinct, and every `--types` column present.
 * @throws DataError for a duplicate name; UsageError for a `--types` column the result does not have.
 */
export function checkColumnNames(
  names: readonly string[],
  source: string,
  overrides: Readonly<Record<string, TypeOverride>> | undefined,
): void {
  if (names.length === 0)
    throw new DataError(`${source}: the query returns no columns`, 'use a SELECT query');
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      throw new DataError(
        `${source}: the query returns two columns named '${n}'`,
        `give them distinct names: SELECT a.${n} AS a_${n}, b.${n} AS b_${n} …`,
      );
    }
    seen.add(n);
  }
  for (const col of Object.keys(overrides ?? {})) {
    if (!seen.has(col)) {
      throw new UsageError(
        `--types names column '${col}', which the query does not return`,
        `columns: ${names.join(', ')}`,
      );
    }
  }
}

/** A growable Float64Array: amortised O(1) push, one copy at the end. */
export class NumericBuilder {
  private data = new Float64Array(16_384);
  length = 0;
  /** Exact digits of whole numbers past 2^53 (float64 would round them), by row. */
  exact: Map<number, string> | undefined;

  /** Append a whole number given as text, keeping its digits when float64 cannot hold it exactly. */
  pushInteger(v: number, text: string): void {
    if (Math.abs(v) >= 2 ** 53 && /^[+-]?\d+$/.test(text.trim())) {
      (this.exact ??= new Map()).set(this.length, text.trim().replace(/^\+/, ''));
    }
    this.push(v);
  }

  /** Append one value. */
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The values pushed so far, in a right-sized array. */
  finish(): Float64Array {
    return this.data.length === this.length ? this.data : this.data.slice(0, this.length);
  }
}

/** A numeric or text column under construction, filled row by row from a database cursor. */
export type ColumnBuilder =
  | { plan: ColumnPlan & { kind: 'numeric' }; num: NumericBuilder; text?: undefined }
  | { plan: ColumnPlan & { kind: 'text' }; text: (string | null)[]; num?: undefined };

/** An empty builder for a plan. */
export function builderFor(plan: ColumnPlan): ColumnBuilder {
  return plan.kind === 'numeric' ? { plan, num: new NumericBuilder() } : { plan, text: [] };
}

/**
 * The Dataset of finished builders: numeric columns as Float64Array, text columns categorical or string exactly as
 * file ingest decides ({@link textColumn}); then `--sample` as file ingest does it. O(rows × columns).
 * @throws DataError when the query returned no rows.
 */
export function finishDataset(
  builders: readonly ColumnBuilder[],
  rows: number,
  source: string,
  opts: ReadOptions,
): Dataset {
  if (rows === 0) {
    throw new DataError(
      `${source}: the query returned no rows`,
      'check its WHERE clause and the table contents',
    );
  }
  const maxLevels = opts.maxLevels ?? 1000;
  const columns: Column[] = builders.map((b) => {
    if (!b.num) return textColumn(b.plan.name, b.text, b.plan.forced, maxLevels);
    const values = b.num.finish();
    const exact = b.num.exact;
    if (!exact) return numericColumn(b.plan.name, values, b.plan.type);
    // Ids past 2^53 keep their digits: the column becomes exact integer text.
    const digits = Array.from(values, (v, i) => (Number.isNaN(v) ? null : (exact.get(i) ?? String(v))));
    const notes: ReadNote[] = [];
    const column = exactIntegerColumn(b.plan.name, digits, notes);
    for (const n of notes) opts.logger?.log('info', `${source}: ${n.message}`);
    return column;
  });
  let ds = Dataset.of(columns, {}, rows);
  if (opts.sample !== undefined && opts.sample < ds.nRows) {
    ds = ds.take(new Random(opts.seed ?? 42).sampleIndices(ds.nRows, opts.sample));
  }
  return ds;
}

const trueWords = new Set(['t', 'true', '1', 'y', 'yes', 'on']);
const falseWords = new Set(['f', 'false', '0', 'n', 'no', 'off']);

const dateTime =
  /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)?(\s+BC)?$/i;

/** Two or four ASCII digits at `i` as a number, or -1. */
function digitsAt(s: string, i: number, n: 2 | 4): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The common shapes `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS[.ffffff][Z|+00]` (years 1000–9999) without a regular
 * expression; undefined for anything else, which the general parser handles.
 */
function fastIso(s: string): number | undefined {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  if (n === 10) return Date.UTC(y, mo - 1, d);
  const sep = s.charCodeAt(10);
  if ((sep !== 32 && sep !== 84) || n < 19 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return undefined;
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const se = digitsAt(s, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return undefined;
  let i = 19;
  let micros = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100_000;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      micros += c * scale;
      scale = scale / 10;
    }
    micros = Math.floor(micros);
  }
  const rest = i === n ? '' : s.slice(i);
  if (rest !== '' && rest !== 'Z' && rest !== '+00' && rest !== '+00:00') return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  return micros === 0 ? ms : Math.trunc((ms * 1000 + micros) / 1000) || 0;
}

/**
 * Epoch milliseconds (UTC) of an ISO-8601 date or timestamp text as databases print it: `2024-03-01`,
 * `2024-03-01 12:30:00.123456`, `…+05:30`, `…Z`, `0044-03-15 BC`. A value without an offset is taken as UTC
 * (like DuckDB's epoch_ms); sub-millisecond digits are truncated toward zero. NaN when the text is not a date
 * (`infinity` included). O(length).
 */
export function parseDateMs(s: string): number {
  const fast = fastIso(s);
  if (fast !== undefined) return fast;
  const m = dateTime.exec(s.trim());
  if (!m) return Number.NaN;
  let year = Number(m[1]);
  if (m[9]) year = 1 - year;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] ? Number(m[4]) : 0;
  const minute = m[5] ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60)
    return Number.NaN;
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  let ms = d.getTime();
  const tz = m[8];
  if (tz && tz.toUpperCase() !== 'Z') {
    const o = /^([+-])(\d{1,2}):?(\d{2})?:?(\d{2})?$/.exec(tz);
    if (!o) return Number.NaN;
    const offset = (Number(o[2]) * 60 + Number(o[3] ?? 0)) * 60 + Number(o[4] ?? 0);
    ms -= (o[1] === '-' ? -1 : 1) * offset * 1000;
  }
  if (m[7]) {
    const micros = Number(m[7].slice(0, 6).padEnd(6, '0'));
    const total = ms * 1000 + micros;
    return Math.trunc(total / 1000) || 0; // no -0
  }
  return ms;
}

/**
 * A text value as a number of the given storage type: numbers for double/integer, 1/0 for boolean (t/f,
 * true/false, yes/no, on/off, 1/0), epoch milliseconds for date/timestamp. NaN when it does not parse.
 */
export function parseTyped(type: NumericType, s: string): number {
  switch (type) {
    case 'double':
    case 'integer': {
      const t = s.trim();
      return t === '' ? Number.NaN : Number(t);
    }
    case 'boolean': {
      const t = s.trim().toLowerCase();
      if (trueWords.has(t)) return 1;
      if (falseWords.has(t)) return 0;
      return Number.NaN;
    }
    case 'date':
    case 'timestamp':
      return parseDateMs(s);
  }
}

/** Whether a NaN from {@link parseTyped} is a genuine not-a-number value rather than a parse failure. */
export function isNaNText(type: NumericType, s: string): boolean {
  const t = s.trim().toLowerCase();
  if (type === 'date' || type === 'timestamp') return t === 'infinity' || t === '-infinity';
  return (type === 'double' || type === 'integer') && t === 'nan';
}

/** The one-line error for a value that does not fit its column's type. */
export function badValue(
  source: string,
  plan: ColumnPlan & { kind: 'numeric' },
  row: number,
  value: unknown,
  declared: string,
  overridden: boolean,
): DataError {
  const shown =
    typeof value === 'string' ? `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'` : String(value);
  const why = overridden ? `forced to ${plan.type} by --types` : `declared ${declared}`;
  return new DataError(
    `${source}: column '${plan.name}' (${why}) holds ${shown} in result row ${row}, which is not a ${plan.type}`,
    overridden
      ? `drop the --types entry or fix the value`
      : `CAST it in the query, or pass --types ${plan.name}=string`,
  );
}
