import { sqlDialect, type SqlDialectName } from '../sql/dialects.js';

/**
 * The SQL dialect a feature query is written in: DuckDB (the embedded engine, files and DuckDB databases),
 * PostgreSQL (push-down with `--db postgres://…`), or a warehouse the query is printed for (BigQuery, Snowflake,
 * Spark SQL). One definition of each feature drives every dialect; these helpers are the spellings that differ.
 */
export type SqlDialect = SqlDialectName;

/** The name of the 64-bit float type in `dialect`. O(1). */
export function doubleType(dialect: SqlDialect = 'duckdb'): string {
  return sqlDialect(dialect).double;
}

/** The text type of `dialect`, as written in CAST. O(1). */
export function textType(dialect: SqlDialect = 'duckdb'): string {
  return sqlDialect(dialect).text;
}

/**
 * The exact decimal type the features sum money and points in: 38 digits, 9 after the point. BigQuery spells it
 * as a parameterized NUMERIC (precision − scale ≤ 29, scale ≤ 9:
 * https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#parameterized_decimal_type);
 * Snowflake's DECIMAL is NUMBER(38, 9) (https://docs.snowflake.com/en/sql-reference/data-types-numeric);
 * Spark's DECIMAL(38, 9) is its widest (https://spark.apache.org/docs/latest/sql-ref-datatypes.html). O(1).
 */
export function decimalType(dialect: SqlDialect = 'duckdb'): string {
  return dialect === 'bigquery' ? 'NUMERIC(38, 9)' : 'DECIMAL(38, 9)';
}

/** A quoted identifier in `dialect` (double quotes; backticks in BigQuery and Spark). O(length). */
export function identOf(dialect: SqlDialect, name: string): string {
  return sqlDialect(dialect).ident(name);
}

/** A string literal holding exactly `s` in `dialect`. O(length). */
export function stringOf(dialect: SqlDialect, s: string): string {
  return sqlDialect(dialect).string(s);
}

/**
 * Integers written side by side as text, e.g. the scores 5, 4, 5 → '545': CONCAT of casts, which every engine
 * spells the same (BigQuery's `||` refuses integers). O(parts).
 */
export function concatText(dialect: SqlDialect, parts: readonly string[]): string {
  return `CONCAT(${parts.map((p) => `CAST(${p} AS ${textType(dialect)})`).join(', ')})`;
}

/**
 * `expr` ordered by code point, as DuckDB orders text: PostgreSQL needs `COLLATE "C"` (its default collation is
 * the database's locale). BigQuery and Spark compare strings by their UTF-8 bytes, which is code point order;
 * Snowflake does too when no collation is specified (https://docs.snowflake.com/en/sql-reference/collation).
 * Numbers and the other engines are left as they are. O(1).
 */
export function codePointOrder(expr: string, text: boolean, dialect: SqlDialect = 'duckdb'): string {
  return dialect === 'postgres' && text ? `${expr} COLLATE "C"` : expr;
}
