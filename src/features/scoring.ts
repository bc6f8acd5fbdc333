import type { ScoringRules } from './rules.js';
import { decimalType, doubleType, stringOf, type SqlDialect } from './dialect.js';

/**
 * SQL of the points of one event row: the points of its type (0 for types the rules do not list), times
 * 0.5^(age / half-life) when the rules decay, with age = as-of − event time. Each event's points are rounded
 * to 1e-9 (DECIMAL) so that their sum is exact and does not depend on the order the engine adds them in.
 * `event` and `t` (epoch microseconds) are column expressions; `dialect` spells the double type (PostgreSQL
 * rounds a double to DECIMAL from its 15 significant digits, so the two engines may differ in the 9th decimal
 * of a decayed point). O(event types) to build.
 */
export function eventPointsSql(
  rules: ScoringRules,
  event: string,
  t: string,
  asOfUs: number | string,
  dialect: SqlDialect = 'duckdb',
): string {
  const DOUBLE = doubleType(dialect);
  const sqlString = (text: string) => stringOf(dialect, text);
  // PostgreSQL reads 0.5 as NUMERIC; the explicit double keeps POWER in floating point as in DuckDB.
  const half = dialect === 'postgres' ? `CAST(0.5 AS ${DOUBLE})` : '0.5';
  const byType = rules.points.map((p) => `WHEN ${sqlString(p.event)} THEN ${p.points}`).join(' ');
  const points = `CASE ${event} ${byType} ELSE 0 END`;
  const weighted =
    rules.halfLifeSeconds === undefined
      ? points
      : `${points} * POWER(${half}, CAST(${asOfUs} - ${t} AS ${DOUBLE}) / ${rules.halfLifeSeconds * 1e6})`;
  return `CAST(${weighted} AS ${decimalType(dialect)})`;
}

/**
 * SQL `CASE` giving the tier of a score: the first tier whose threshold the score meets (`above`: strictly
 * greater, `min`: greater or equal), else the last tier. O(tiers) to build.
 */
export function tierCaseSql(rules: ScoringRules, score: string, dialect: SqlDialect = 'duckdb'): string {
  const sqlString = (text: string) => stringOf(dialect, text);
  const last = rules.tiers[rules.tiers.length - 1];
  if (!last) return 'NULL';
  const whens = rules.tiers
    .slice(0, -1)
    .map(
      (t) =>
        `WHEN ${score} ${t.above !== undefined ? '>' : '>='} ${t.above ?? t.min} THEN ${sqlString(t.name)}`,
    );
  return `CASE ${whens.join(' ')} ELSE ${sqlString(last.name)} END`;
}
