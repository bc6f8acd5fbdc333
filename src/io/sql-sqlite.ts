import type DatabaseClass from 'better-sqlite3';
import type { Dataset, NumericType } from '../core/dataset.js';
import { DataError, SegmentError } from '../core/errors.js';
import type { ReadOptions } from './read.js';
import { checkDatabaseFile } from './sql-url.js';
import {
  badValue,
  builderFor,
  checkColumnNames,
  finishDataset,
  isNaNText,
  parseTyped,
  planColumn,
  type ColumnBuilder,
  type ColumnPlan,
} from './sql-columns.js';

/**
 * The storage type SQLite's declared column type implies (its affinity rules, plus BOOLEAN, DATE, DATETIME and
 * TIMESTAMP as commonly used); `undefined` when nothing is declared (an expression) or the name says nothing
 * numeric (BLOB, JSON, UUID…): then the values decide.
 */
export function sqliteDeclaredType(declared: string | null): NumericType | 'text' | undefined {
  const t = (declared ?? '').toUpperCase();
  if (t === '') return undefined;
  if (t.startsWith('BOOL')) return 'boolean';
  if (t.includes('DATETIME') || t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t.startsWith('DATE')) return 'date';
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL|NUMBER/.test(t)) return 'double';
  return undefined;
}

/** A column whose type comes from its values: numeric until a text value shows up, then text. */
interface Inferred {
  state: 'unknown' | 'numeric' | 'text';
  integral: boolean;
}

/**
 * Read the result of one query on a SQLite database file (opened read-only) into a Dataset, streaming rows with
 * better-sqlite3's `iterate()` straight into typed columns. Column types come from the declared types of the
 * selected table columns (INTEGER, REAL/NUMERIC, BOOLEAN, DATE, DATETIME/TIMESTAMP as ISO text, TEXT/VARCHAR);
 * expressions are typed by their values. O(rows × columns).
 * @throws DataError for a missing or non-SQLite file, an SQL error, an empty result, or a value that does not fit
 * its declared type.
 */
export async function readSqlite(path: string, sql: string, opts: ReadOptions = {}): Promise<Dataset> {
  const source = `SQLite ${path}`;
  await checkDatabaseFile(path, source);
  // The typings describe the CommonJS export; Node's ESM import gives it as default.
  const { default: Database } = (await import('better-sqlite3')) as unknown as {
    default: typeof DatabaseClass;
  };
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new DataError(`${source}: cannot open (${(e as Error).message})`);
  }
  try {
    let stmt: DatabaseClass.Statement<[], unknown[]>;
    try {
      stmt = db.prepare<[], unknown[]>(sql);
    } catch (e) {
      throw sqliteError(e, source);
    }
    if (!stmt.reader)
      throw new DataError(`${source}: the query returns no rows (not a SELECT)`, 'use a SELECT query');
    stmt.raw(true);
    // 64-bit integers as BigInt: ids past 2^53 keep their digits.
    stmt.safeIntegers(true);
    const cols = stmt.columns();
    checkColumnNames(
      cols.map((c) => c.name),
      source,
      opts.types,
    );
    const declared = cols.map((c) => c.type ?? 'no type');
    const natural = cols.map((c) => sqliteDeclaredType(c.type));
    const plans: (ColumnPlan | undefined)[] = cols.map((c, j) =>
      natural[j] === undefined && opts.types?.[c.name] === undefined
        ? undefined
        : planColumn(c.name, natural[j]!, opts.types),
    );
    // Declared (or forced) columns get their builder now; undeclared ones hold raw values until the end.
    const builders: (ColumnBuilder | undefined)[] = plans.map((p) => (p ? builderFor(p) : undefined));
    const raw: unknown[][] = cols.map(() => []);
    const inferred: Inferred[] = cols.map(() => ({ state: 'unknown', integral: true }));
    let rows = 0;
    try {
      for (const row of stmt.iterate()) {
        rows++;
        for (let j = 0; j < row.length; j++) {
          const v = row[j];
          const b = builders[j];
          if (!b) {
            note(inferred[j]!, v, source, cols[j]!.name, rows);
            raw[j]!.push(v);
          } else if (b.num) {
            const n = numberOf(v, b, rows, source, declared[j]!, opts);
            if (typeof v === 'bigint' && b.plan.type === 'integer') b.num.pushInteger(n, String(v));
            else b.num.push(n);
          } else b.text.push(textOf(v, source, cols[j]!.name, rows));
        }
      }
    } catch (e) {
      if (e instanceof SegmentError) throw e;
      throw sqliteError(e, source);
    }
    const done: ColumnBuilder[] = builders.map(
      (b, j) => b ?? fromInferred(cols[j]!.name, inferred[j]!, raw[j]!),
    );
    return finishDataset(done, rows, source, opts);
  } finally {
    db.close();
  }
}

function numberOf(
  v: unknown,
  b: ColumnBuilder & { num: object },
  row: number,
  source: string,
  declared: string,
  opts: ReadOptions,
): number {
  if (v === null || v === undefined) return Number.NaN;
  const type = b.plan.type;
  const overridden = opts.types?.[b.plan.name] !== undefined;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (type === 'date' || type === 'timestamp')
      throw new DataError(
        `${source}: column '${b.plan.name}' (declared ${declared}) holds the number ${String(v)} in result row ${row}; dates are read as ISO-8601 text`,
        `convert it in the query, e.g. datetime(${b.plan.name}, 'unixepoch'), or pass --types ${b.plan.name}=double`,
      );
    return Number(v);
  }
  if (typeof v === 'string') {
    const n = parseTyped(type, v);
    if (Number.isNaN(n) && !isNaNText(type, v)) throw badValue(source, b.plan, row, v, declared, overridden);
    return n;
  }
  throw badValue(source, b.plan, row, '<blob>', declared, overridden);
}

function textOf(v: unknown, source: string, name: string, row: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw blobError(source, name, row);
}

function blobError(source: string, name: string, row: number): DataError {
  return new DataError(
    `${source}: column '${name}' holds a BLOB in result row ${row}`,
    `select hex(${name}) or leave the column out`,
  );
}

function note(s: Inferred, v: unknown, source: string, name: string, row: number): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (s.state === 'unknown') s.state = 'numeric';
    if (typeof v === 'number' && !Number.isInteger(v)) s.integral = false;
  } else if (typeof v === 'string') s.state = 'text';
  else throw blobError(source, name, row);
}

function fromInferred(name: string, s: Inferred, values: unknown[]): ColumnBuilder {
  if (s.state === 'text' || s.state === 'unknown') {
    const b = builderFor({ name, kind: 'text' });
    for (const v of values) b.text!.push(v === null || v === undefined ? null : String(v));
    return b;
  }
  const b = builderFor({ name, kind: 'numeric', type: s.integral ? 'integer' : 'double' });
  for (const v of values) {
    if (typeof v === 'bigint') b.num!.pushInteger(Number(v), String(v));
    else b.num!.push(v === null || v === undefined ? Number.NaN : Number(v));
  }
  return b;
}

function sqliteError(e: unknown, source: string): DataError {
  const err = e as { message?: string; code?: string };
  const msg = err.message ?? String(e);
  if (err.code === 'SQLITE_NOTADB') return new DataError(`${source}: not a SQLite database (${msg})`);
  if (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED')
    return new DataError(`${source}: database is locked (${msg})`, 'retry when the writer is done');
  return new DataError(`${source}: query failed: ${msg}`, 'check the SQL (table and column names, syntax)');
}
