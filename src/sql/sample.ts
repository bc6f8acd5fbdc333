import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { byCodePoint } from '../core/text-order.js';
import { sqlDialect, type SqlDialectName } from './dialects.js';

/**
 * A seeded sample of ids that every engine draws the same way: the `n` ids whose hash — the first 32 bits of
 * MD5(id as text, `:`, seed), an unsigned integer — is smallest, ties broken by the id text in code point order,
 * with all the rows of each (a customer's whole history). With MD5 as a random function of the id this is a simple
 * random sample of `n` ids without replacement: means and shares are unbiased estimates of the whole table's, with
 * the standard error of a sample of `n` out of N (σ/√n · √(1 − n/N)). Rows without an id are never sampled.
 */
export interface IdSample {
  /** Column holding the id. */
  column: string;
  /** Ids kept. */
  n: number;
  seed: number;
}

/**
 * The first 32 bits of MD5 of `text`, as an unsigned integer, in `dialect`:
 * DuckDB `md5` and a hexadecimal cast (https://duckdb.org/docs/sql/functions/char#md5string), PostgreSQL `md5`
 * and `bit(32)` → bigint (https://www.postgresql.org/docs/current/functions-string.html), BigQuery `TO_HEX(MD5(…))`
 * and a `0x` cast to INT64 (https://cloud.google.com/bigquery/docs/reference/standard-sql/hash_functions#md5,
 * https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions#casting_hex_strings),
 * Snowflake `MD5` and `TO_NUMBER(…, 'XXXXXXXX')` (https://docs.snowflake.com/en/sql-reference/functions/md5,
 * https://docs.snowflake.com/en/sql-reference/sql-format-models#numeric-format-models), Spark `md5` and `conv`
 * (https://spark.apache.org/docs/latest/api/sql/index.html#md5, https://spark.apache.org/docs/latest/api/sql/index.html#conv).
 */
function hash32Sql(dialect: SqlDialectName, text: string): string {
  switch (dialect) {
    case 'duckdb':
      return `CAST(CONCAT('0x', substr(md5(${text}), 1, 8)) AS BIGINT)`;
    case 'postgres':
      return `CAST(CAST(CONCAT('x', substr(md5(${text}), 1, 8)) AS BIT(32)) AS BIGINT)`;
    case 'bigquery':
      return `CAST(CONCAT('0x', SUBSTR(TO_HEX(MD5(${text})), 1, 8)) AS INT64)`;
    case 'snowflake':
      return `TO_NUMBER(SUBSTR(UPPER(MD5(${text})), 1, 8), 'XXXXXXXX')`;
    case 'spark':
      return `CAST(conv(substr(md5(${text}), 1, 8), 16, 10) AS BIGINT)`;
  }
}

/**
 * `query` restricted to the rows of the sampled ids, in `dialect`: the distinct ids ranked by hash (then by text,
 * in code point order: PostgreSQL is told `COLLATE "C"`), the first `n` kept, the rows of those ids returned in the
 * query's order. The engine reads the query's rows once and sorts only its distinct ids. O(1) to build.
 */
export function sampleSql(dialect: SqlDialectName, query: string, sample: IdSample): string {
  if (!(Number.isInteger(sample.n) && sample.n >= 1))
    throw new UsageError(`--sample ${sample.n}: expected a whole number of ids ≥ 1`);
  const d = sqlDialect(dialect);
  const id = d.ident(sample.column);
  return (
    // On lines of its own, so that a query ending in a -- comment keeps its closing parenthesis.
    `WITH segment_q AS (\n${query.replace(/[\s;]+$/, '')}\n),\n` +
    `segment_ids AS (SELECT k FROM (SELECT DISTINCT ${id} AS k FROM segment_q WHERE ${id} IS NOT NULL) AS ids ` +
    `ORDER BY ${idRankOrder(dialect, 'k', sample.seed)} LIMIT ${sample.n})\n` +
    `SELECT * FROM segment_q WHERE ${id} IN (SELECT k FROM segment_ids)`
  );
}

/**
 * The ORDER BY list that ranks ids for the sample: the 32-bit hash of the id's text with the seed, then the text in
 * code point order (PostgreSQL is told `COLLATE "C"`). `key` is the id expression. Shared by `ingest --sample-by`
 * and `features --sample`, so both draw the same customers for the same seed. O(1).
 */
export function idRankOrder(dialect: SqlDialectName, key: string, seed: number): string {
  const d = sqlDialect(dialect);
  const text = `CAST(${key} AS ${d.text})`;
  const salted = `CONCAT(${text}, ${d.string(`:${seed}`)})`;
  const byText = dialect === 'postgres' ? `${text} COLLATE "C"` : text;
  return `${hash32Sql(dialect, salted)}, ${byText}`;
}

/** The first 32 bits of MD5(`text`:`seed`) as an unsigned integer: the rank key of {@link sampleSql}. O(length). */
function hash32(text: string, seed: number): number {
  return parseInt(createHash('md5').update(`${text}:${seed}`, 'utf8').digest('hex').slice(0, 8), 16);
}

/**
 * The ids of the sample among the distinct ids `texts` (as text): the rule of {@link sampleSql}, for rows read
 * from a file. O(ids log ids).
 */
export function sampledIds(texts: Iterable<string>, sample: IdSample): Set<string> {
  const ids = [...new Set(texts)].map((t) => ({ t, h: hash32(t, sample.seed) }));
  ids.sort((a, b) => a.h - b.h || byCodePoint(a.t, b.t));
  return new Set(ids.slice(0, sample.n).map((x) => x.t));
}
