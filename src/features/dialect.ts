/**
 * The SQL dialect a query is written in: DuckDB (the embedded engine, files and DuckDB databases) or PostgreSQL
 * (push-down with `--db postgres://…`). The two differ only in a few spellings: the double type, and the
 * collation of the final ordering by a text id (PostgreSQL sorts by the database's collation unless told `C`).
 */
export type SqlDialect = 'duckdb' | 'postgres';

/** The name of the 64-bit float type in `dialect`. O(1). */
export function doubleType(dialect: SqlDialect = 'duckdb'): string {
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE';
}

/**
 * `expr` ordered by code point, as DuckDB orders text: PostgreSQL needs `COLLATE "C"` (its default collation is
 * the database's locale); numbers and DuckDB are left as they are. O(1).
 */
export function codePointOrder(expr: string, text: boolean, dialect: SqlDialect = 'duckdb'): string {
  return dialect === 'postgres' && text ? `${expr} COLLATE "C"` : expr;
}
