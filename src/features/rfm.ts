import { UsageError } from '../core/errors.js';
import type { ColumnCondition, ScoreRange, SegmentRules } from './rules.js';
import { doubleType, identOf, stringOf, type SqlDialect } from './dialect.js';

/**
 * SQL of a quintile score 1–5 over all rows of the query: `1 + floor(5 · (rank − 1) / n)`, where rank is the
 * SQL `RANK()` of `orderExpr` ascending (ties share the lowest rank of their group). A tie group therefore
 * never straddles two scores and the result does not depend on row order; with few distinct values (purchase
 * counts) some scores go unused. Same arithmetic in every `dialect`. O(n log n) in the engine.
 */
export function quintileScoreSql(orderExpr: string, dialect: SqlDialect = 'duckdb'): string {
  return `1 + CAST(FLOOR(5 * CAST(RANK() OVER (ORDER BY ${orderExpr}) - 1 AS ${doubleType(dialect)}) / COUNT(*) OVER ()) AS INTEGER)`;
}

function rangeSql(column: string, r: ScoreRange): string {
  return r.lo === r.hi ? `${column} = ${r.lo}` : `${column} BETWEEN ${r.lo} AND ${r.hi}`;
}

function conditionSql(c: ColumnCondition, dialect: SqlDialect): string {
  const col = identOf(dialect, c.column);
  if (c.op === 'between') return `${col} BETWEEN ${c.value} AND ${c.value2}`;
  return `${col} ${c.op === '!=' ? '<>' : c.op} ${c.value}`;
}

/**
 * SQL `CASE` naming each row's RFM segment: the first rule whose conditions all hold, else `rules.other`.
 * Scores are read from the columns `r_score`, `f_score`, `m_score`; `where` conditions from the named columns
 * (a condition on a missing value is false). O(rules) to build.
 * @throws UsageError `file:line` when a rule uses the monetary score without an amount column or names a
 *   column the features do not have.
 */
export function segmentCaseSql(
  rules: SegmentRules,
  columns: readonly string[],
  hasMonetary: boolean,
  dialect: SqlDialect = 'duckdb',
): string {
  const sqlString = (text: string) => stringOf(dialect, text);
  const known = new Set(columns);
  const whens = rules.rules.map((rule) => {
    if (rule.m !== undefined && !hasMonetary) {
      throw new UsageError(
        `${rules.source}:${rule.keyLines.m ?? rule.line}: rule '${rule.name}' uses the monetary score m, but there is no amount column`,
        'add --amount COL, or remove m from the rule',
      );
    }
    for (const c of rule.where) {
      if (!known.has(c.column)) {
        throw new UsageError(
          `${rules.source}:${c.line}: rule '${rule.name}' uses column '${c.column}', which the features do not have`,
          `columns: ${columns.join(', ')}`,
        );
      }
    }
    const parts = [
      rule.r && rangeSql('r_score', rule.r),
      rule.f && rangeSql('f_score', rule.f),
      rule.m && rangeSql('m_score', rule.m),
      ...rule.where.map((c) => conditionSql(c, dialect)),
    ].filter((p): p is string => typeof p === 'string');
    return `WHEN ${parts.length > 0 ? parts.join(' AND ') : 'TRUE'} THEN ${sqlString(rule.name)}`;
  });
  return `CASE ${whens.join(' ')} ELSE ${sqlString(rules.other)} END`;
}
