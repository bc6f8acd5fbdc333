import { UsageError } from '../core/errors.js';

/** SQL dialects `segment export-sql` writes. */
export const sqlDialects = ['duckdb', 'postgres', 'bigquery', 'snowflake', 'spark'] as const;
export type SqlDialectName = (typeof sqlDialects)[number];

/**
 * How one SQL engine spells what the exported query needs: quoted identifiers, string literals, exact float64
 * constants, the float64 and text types, a NaN test and log(1 + x).
 */
export interface SqlDialect {
  name: SqlDialectName;
  /** A quoted identifier (column, table part): any name, reserved words and quotes included. */
  ident(name: string): string;
  /** A string literal holding exactly `s`. */
  string(s: string): string;
  /** The float64 type, as written in CAST. */
  double: string;
  /** The text type, as written in CAST. */
  text: string;
  /** True when the float64 expression is NaN (null stays null). */
  isNan(expr: string): string;
  /** log(1 + x) of a float64 expression. */
  log1p(expr: string): string;
}

/**
 * A float64 constant written so that every engine reads back the same double: the shortest round-trip decimal
 * (JavaScript's `String(x)`, at most 17 significant digits) parsed from a string by a cast, never a DECIMAL or
 * NUMERIC literal that the engine could convert with a second rounding. O(1).
 * @throws UsageError for a non-finite value (a damaged model: fitted statistics are always finite).
 */
export function float64(d: SqlDialect, x: number): string {
  if (!Number.isFinite(x)) {
    throw new UsageError(
      `the model holds a non-finite number (${String(x)}), which SQL cannot carry`,
      'refit the model',
    );
  }
  const text = Object.is(x, -0) ? '-0' : String(x);
  return `CAST('${text}' AS ${d.double})`;
}

/** "x" with embedded double quotes doubled (SQL standard; DuckDB, PostgreSQL, Snowflake). */
function doubleQuoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** 'x' with embedded single quotes doubled; backslashes are plain characters (DuckDB, PostgreSQL). */
function standardString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * Backslash-escaped body of a quoted literal for engines whose quoted strings interpret backslash escapes
 * (BigQuery, Snowflake, Spark): backslash, the quote characters and control characters are escaped.
 */
function backslashEscaped(s: string, quote: string, quoteEscape = '\\' + quote): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += quoteEscape;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out;
}

const duckdb: SqlDialect = {
  name: 'duckdb',
  ident: doubleQuoted,
  string: standardString,
  double: 'DOUBLE',
  text: 'VARCHAR',
  isNan: (e) => `isnan(${e})`,
  log1p: (e) => `LN(1 + ${e})`,
};

const postgres: SqlDialect = {
  name: 'postgres',
  ident: doubleQuoted,
  // With standard_conforming_strings on (the default since PostgreSQL 9.1) backslashes are plain characters.
  string: standardString,
  double: 'DOUBLE PRECISION',
  text: 'TEXT',
  // PostgreSQL orders NaN above every number and equal to itself, so equality finds it.
  isNan: (e) => `${e} = CAST('NaN' AS DOUBLE PRECISION)`,
  log1p: (e) => `LN(1 + ${e})`,
};

const bigquery: SqlDialect = {
  name: 'bigquery',
  // Quoted identifiers take the same escape sequences as string literals.
  ident: (n) => '`' + backslashEscaped(n, '`') + '`',
  string: (s) => `'${backslashEscaped(s, "'")}'`,
  double: 'FLOAT64',
  text: 'STRING',
  isNan: (e) => `IS_NAN(${e})`,
  log1p: (e) => `LN(1 + ${e})`,
};

const snowflake: SqlDialect = {
  name: 'snowflake',
  ident: doubleQuoted,
  // Single-quoted constants interpret backslash escapes; a quote is doubled.
  string: (s) => `'${backslashEscaped(s, "'", "''")}'`,
  double: 'DOUBLE',
  text: 'VARCHAR',
  // True for NaN whether the engine compares NaN as equal to itself or as IEEE 754 unordered.
  isNan: (e) => `(${e} = CAST('NaN' AS DOUBLE) OR ${e} <> ${e})`,
  log1p: (e) => `LN(1 + ${e})`,
};

const spark: SqlDialect = {
  name: 'spark',
  // Delimited identifiers escape a backtick by doubling it; backslashes are plain characters.
  ident: (n) => '`' + n.replaceAll('`', '``') + '`',
  string: (s) => `'${backslashEscaped(s, "'")}'`,
  double: 'DOUBLE',
  text: 'STRING',
  isNan: (e) => `isnan(${e})`,
  log1p: (e) => `LOG1P(${e})`,
};

const byName: Record<SqlDialectName, SqlDialect> = { duckdb, postgres, bigquery, snowflake, spark };

/**
 * The dialect of this name.
 * @throws UsageError for an unknown dialect.
 */
export function sqlDialect(name: string): SqlDialect {
  if (!(sqlDialects as readonly string[]).includes(name)) {
    throw new UsageError(`unknown SQL dialect '${name}'`, `use one of ${sqlDialects.join(', ')}`);
  }
  return byName[name as SqlDialectName];
}

/**
 * Split a table name into its parts: `schema.table`, `project.dataset.table`; a part holding a dot or quotes is
 * written in double quotes or backticks (`"my.schema".t`), with the quote doubled inside. O(length).
 * @throws UsageError for an empty name or part, or an unclosed quote.
 */
export function parseTableName(name: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const bad = (why: string): UsageError =>
    new UsageError(`--table '${name}': ${why}`, 'write it as table, schema.table or "odd.part".table');
  while (i <= name.length) {
    let part = '';
    const q = name[i];
    if (q === '"' || q === '`') {
      i++;
      for (;;) {
        if (i >= name.length) throw bad('unclosed quote');
        if (name[i] === q) {
          if (name[i + 1] === q) {
            part += q;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += name[i++];
      }
      if (i < name.length && name[i] !== '.') throw bad('text after a quoted part');
    } else {
      while (i < name.length && name[i] !== '.') part += name[i++];
      part = part.trim();
    }
    if (part === '') throw bad('empty name part');
    parts.push(part);
    i++;
  }
  return parts;
}
