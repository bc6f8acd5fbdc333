import { quintileScoreSql, segmentCaseSql } from './rfm.js';
import type { ScoringRules, SegmentRules } from './rules.js';
import { eventPointsSql, tierCaseSql } from './scoring.js';
import {
  codePointOrder,
  concatText,
  decimalType,
  doubleType,
  identOf,
  stringOf,
  type SqlDialect,
} from './dialect.js';

export { codePointOrder, doubleType, type SqlDialect } from './dialect.js';

/** How one output column is typed in the features table. */
export type OutputType = 'integer' | 'double' | 'text';

/** One column of the features table, with the definition docs/methods.md documents. */
export interface OutputColumn {
  name: string;
  type: OutputType;
  description: string;
}

/** An event type and the `events_<type>` column that counts it. */
export interface PivotColumn {
  value: string;
  column: string;
}

/**
 * Everything the feature query depends on. Times are integers: epoch microseconds (`t`), so that sums and
 * ranks are exact and the output does not depend on the engine's parallelism.
 */
export interface FeatureQuerySpec {
  /** SQL dialect of the query (default `duckdb`). */
  dialect?: SqlDialect | undefined;
  /** Whether `id` is text (PostgreSQL then orders it by code point, as DuckDB does). */
  idText?: boolean | undefined;
  /**
   * Relation of the clean events, one row per event before the as-of moment, with columns `id` (never
   * NULL), `t` (BIGINT epoch microseconds), `d` (DATE, the calendar day in the chosen time zone), and when
   * present `event` (text), `amount` (DOUBLE, NULL = none), `session` (text). A table name or a parenthesised
   * subquery; the query gives it an alias.
   */
  events: string;
  /** Output name of the id column. */
  idName: string;
  asOfUs: number;
  /** Window start (inclusive), epoch microseconds. */
  startUs: number;
  /** Whether some events lie before the window start (else the window filters are left out). */
  windowed: boolean;
  hasEvent: boolean;
  hasAmount: boolean;
  hasSession: boolean;
  /** Event type of purchases (with an event column); without one, purchases are rows with an amount. */
  purchaseEvent: string;
  /** Inactivity gap that starts an inferred session, microseconds. */
  sessionGapUs: number;
  pivot: readonly PivotColumn[];
  funnel?: readonly string[] | undefined;
  cartEvent?: string | undefined;
  segmentRules: SegmentRules;
  scoring?: ScoringRules | undefined;
  /**
   * Read the as-of moment and the window from columns of the events relation instead of writing them as
   * literals: `as_of_us` and `start_us` (epoch microseconds), `mid_us` (the middle of the window, for the trend)
   * and `window_days` (DOUBLE), the same on every row (a one-row parameters relation cross-joined to the
   * events). `asOfUs`, `startUs` and `windowed` are then ignored. The query printed for a warehouse table uses
   * this, so that a scheduler changes the as-of in one place.
   */
  momentColumns?: boolean | undefined;
  /** Common table expressions written before the query's own (the events relation may name them). */
  preamble?: readonly string[] | undefined;
}

/** The generated query and the columns it returns, in order. */
export interface FeatureQuery {
  sql: string;
  columns: OutputColumn[];
}

/** Microseconds in a day. */
export const DAY_US = 86_400_000_000;

/**
 * Names of the fixed output columns (pivoted `events_<type>` columns must avoid them). O(1).
 */
export const fixedColumnNames: readonly string[] = [
  'recency_days',
  'recency_purchase_days',
  'tenure_days',
  'events',
  'frequency',
  'active_days',
  'sessions',
  'visits_per_week',
  'mean_session_minutes',
  'conversion_rate',
  'monetary',
  'avg_basket',
  'max_basket',
  'mean_days_between_purchases',
  'funnel_stage',
  'funnel_stage_name',
  'cart_abandonment_rate',
  'activity_trend',
  'r_score',
  'f_score',
  'm_score',
  'rfm_score',
  'rfm_segment',
  'score',
  'tier',
];

/**
 * Build the feature query: one row per customer, ordered by id. The SQL keeps to constructs most engines share
 * (CTEs, `CASE` inside aggregates, `LAG`, `RANK`, `COUNT(DISTINCT …)`, `DECIMAL` sums), so it runs where the
 * events live once the `events` relation exists there; `spec.dialect` picks the spellings that differ (the
 * double type, the collation of a text id). Times are integer microseconds and days are precomputed in `d`, so
 * no date function, time-zone or interval arithmetic is needed in the query. O(columns) to build; the engine's cost is
 * O(n log n) for the per-customer sort that infers sessions, and O(n) hash aggregation otherwise.
 * @throws UsageError when the RFM rules name a column the features do not have.
 */
export function featureQuery(spec: FeatureQuerySpec): FeatureQuery {
  const dialect = spec.dialect ?? 'duckdb';
  const DOUBLE = doubleType(dialect);
  const DECIMAL = decimalType(dialect);
  const sqlIdent = (name: string) => identOf(dialect, name);
  const sqlString = (text: string) => stringOf(dialect, text);
  const byColumns = spec.momentColumns === true;
  const source = `${spec.events} AS ev`;
  const cols: OutputColumn[] = [];
  const out: string[] = [];
  const add = (name: string, type: OutputType, expr: string, description: string) => {
    cols.push({ name, type, description });
    out.push(`${expr} AS ${sqlIdent(name)}`);
  };
  const W = byColumns ? 't >= start_us' : spec.windowed ? `t >= ${spec.startUs}` : 'TRUE';
  // The as-of moment on an event row and on an aggregated row, the middle of the window, its length in days.
  const asOfRow = byColumns ? 'as_of_us' : String(spec.asOfUs);
  const asOfAgg = byColumns ? 'a.as_of_us' : String(spec.asOfUs);
  // `when(a, b)`: the conjunction of the conditions given, without the always-true window test of a run
  // without a window.
  const when = (...conds: string[]) => conds.filter((x) => x !== 'TRUE').join(' AND ') || 'TRUE';
  const count = (...conds: string[]) => {
    const c = when(...conds);
    return c === 'TRUE' ? 'COUNT(*)' : `SUM(CASE WHEN ${c} THEN 1 ELSE 0 END)`;
  };
  const P = spec.hasEvent ? `event = ${sqlString(spec.purchaseEvent)}` : 'amount IS NOT NULL';
  const midUs = byColumns ? 'mid_us' : String(spec.startUs + Math.floor((spec.asOfUs - spec.startUs) / 2));
  const weeks = byColumns ? '(a.window_days / 7)' : String((spec.asOfUs - spec.startUs) / DAY_US / 7);
  const days = (expr: string) => `CAST(${expr} AS ${DOUBLE}) / ${DAY_US}`;
  const ratio = (num: string, den: string) =>
    `CASE WHEN ${den} > 0 THEN CAST(${num} AS ${DOUBLE}) / ${den} END`;

  const aggs = [
    'MIN(t) AS first_t',
    'MAX(t) AS last_t',
    `MAX(CASE WHEN ${P} THEN t END) AS last_purchase_t`,
    `${count(W)} AS n_events`,
    `${count(W, P)} AS n_purchases`,
    `COUNT(DISTINCT ${W === 'TRUE' ? 'd' : `CASE WHEN ${W} THEN d END`}) AS n_days`,
    `MIN(CASE WHEN ${when(W, P)} THEN t END) AS first_wp_t`,
    `MAX(CASE WHEN ${when(W, P)} THEN t END) AS last_wp_t`,
    `SUM(CASE WHEN t >= ${midUs} THEN 1 ELSE 0 END) AS n_recent`,
    ...(byColumns ? ['MAX(as_of_us) AS as_of_us', 'MAX(window_days) AS window_days'] : []),
  ];
  if (spec.hasAmount) {
    aggs.push(
      `SUM(CASE WHEN ${when(W, P)} THEN CAST(amount AS ${DECIMAL}) END) AS amount_sum`,
      `${count(W, P, 'amount IS NOT NULL')} AS n_priced`,
      `MAX(CASE WHEN ${when(W, P)} THEN amount END) AS amount_max`,
    );
  }
  spec.pivot.forEach((p, k) => aggs.push(`${count(W, `event = ${sqlString(p.value)}`)} AS pivot_${k}`));
  if (spec.funnel) {
    const stages = spec.funnel.map((s, k) => `WHEN ${sqlString(s)} THEN ${k + 1}`).join(' ');
    const stage = `CASE event ${stages} ELSE 0 END`;
    aggs.push(`MAX(${W === 'TRUE' ? stage : `CASE WHEN ${W} THEN ${stage} ELSE 0 END`}) AS stage`);
  }
  if (spec.scoring) {
    const points = eventPointsSql(spec.scoring, 'event', 't', asOfRow, dialect);
    aggs.push(`SUM(${W === 'TRUE' ? points : `CASE WHEN ${W} THEN ${points} ELSE 0 END`}) AS points`);
  }

  const isCart =
    spec.cartEvent !== undefined ? `CASE WHEN event = ${sqlString(spec.cartEvent)} THEN 1 ELSE 0 END` : '0';
  const flags = `CASE WHEN ${P} THEN 1 ELSE 0 END AS is_purchase, ${isCart} AS is_cart`;
  const ctes: string[] = [
    ...(spec.preamble ?? []),
    `agg AS (SELECT id, ${aggs.join(', ')} FROM ${source} GROUP BY id)`,
  ];
  if (spec.hasSession) {
    ctes.push(
      `marks AS (SELECT id, t, session AS session_key, ${flags} FROM ${source} WHERE ${when(W, 'session IS NOT NULL')})`,
    );
  } else {
    // Ties in t: LAG gives 0 to all but one tied row, and the RANGE frame lets every tied row see that row's
    // session start, so the partition into sessions does not depend on how the engine orders ties.
    ctes.push(
      `gaps AS (SELECT id, t, ${flags}, t - LAG(t) OVER (PARTITION BY id ORDER BY t) AS gap FROM ${source}${W === 'TRUE' ? '' : ` WHERE ${W}`})`,
      `marks AS (SELECT id, t, is_purchase, is_cart, SUM(CASE WHEN gap IS NULL OR gap > ${spec.sessionGapUs} THEN 1 ELSE 0 END) ` +
        `OVER (PARTITION BY id ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_key FROM gaps)`,
    );
  }
  ctes.push(
    `sess AS (SELECT id, session_key, MAX(t) - MIN(t) AS dur, MAX(is_purchase) AS has_purchase, MAX(is_cart) AS has_cart FROM marks GROUP BY id, session_key)`,
    `sess_agg AS (SELECT id, COUNT(*) AS n_sessions, SUM(dur) AS dur_sum, SUM(has_purchase) AS n_buy_sessions, ` +
      `SUM(has_cart) AS n_cart_sessions, SUM(has_cart * (1 - has_purchase)) AS n_abandoned FROM sess GROUP BY id)`,
  );

  const sessions = 'COALESCE(s.n_sessions, 0)';
  const purchases = 'a.n_purchases';
  add(
    'recency_days',
    'double',
    days(`${asOfAgg} - a.last_t`),
    'days from the last event to the as-of moment (all history)',
  );
  add(
    'recency_purchase_days',
    'double',
    days(`${asOfAgg} - a.last_purchase_t`),
    'days from the last purchase to the as-of moment (all history); missing when the customer never bought',
  );
  add(
    'tenure_days',
    'double',
    days(`${asOfAgg} - a.first_t`),
    'days from the first event to the as-of moment (all history)',
  );
  add('events', 'integer', 'CAST(a.n_events AS BIGINT)', 'events in the window');
  add('frequency', 'integer', `CAST(${purchases} AS BIGINT)`, 'purchases in the window');
  add(
    'active_days',
    'integer',
    'CAST(a.n_days AS BIGINT)',
    'distinct calendar days with an event in the window',
  );
  add('sessions', 'integer', `CAST(${sessions} AS BIGINT)`, 'sessions (visits) in the window');
  add(
    'visits_per_week',
    'double',
    `CAST(${sessions} AS ${DOUBLE}) / ${weeks}`,
    'sessions in the window divided by the window length in weeks',
  );
  add(
    'mean_session_minutes',
    'double',
    `CASE WHEN ${sessions} > 0 THEN CAST(s.dur_sum AS ${DOUBLE}) / ${sessions} / 60000000 END`,
    'mean time from the first to the last event of a session, in minutes (a one-event session lasts 0)',
  );
  add(
    'conversion_rate',
    'double',
    ratio('COALESCE(s.n_buy_sessions, 0)', sessions),
    'share of the sessions in the window with a purchase; missing without sessions',
  );
  if (spec.hasAmount) {
    add(
      'monetary',
      'double',
      `CAST(COALESCE(a.amount_sum, 0) AS ${DOUBLE})`,
      'total purchase amount in the window',
    );
    add(
      'avg_basket',
      'double',
      `CASE WHEN a.n_priced > 0 THEN CAST(a.amount_sum AS ${DOUBLE}) / a.n_priced END`,
      'mean amount of the purchases in the window; missing without purchases',
    );
    add(
      'max_basket',
      'double',
      'a.amount_max',
      'largest purchase amount in the window; missing without purchases',
    );
  }
  add(
    'mean_days_between_purchases',
    'double',
    `CASE WHEN ${purchases} >= 2 THEN CAST(a.last_wp_t - a.first_wp_t AS ${DOUBLE}) / (${purchases} - 1) / ${DAY_US} END`,
    'mean time between consecutive purchases in the window, in days; missing with fewer than two purchases',
  );
  spec.pivot.forEach((p, k) =>
    add(p.column, 'integer', `CAST(a.pivot_${k} AS BIGINT)`, `events of type '${p.value}' in the window`),
  );
  if (spec.funnel) {
    const funnel = spec.funnel;
    add(
      'funnel_stage',
      'integer',
      'CAST(a.stage AS BIGINT)',
      `deepest funnel stage reached in the window: 0 none, ${funnel.map((s, k) => `${k + 1} ${s}`).join(', ')}`,
    );
    const names = funnel.map((s, k) => `WHEN ${k + 1} THEN ${sqlString(s)}`).join(' ');
    add(
      'funnel_stage_name',
      'text',
      `CASE a.stage ${names} ELSE 'none' END`,
      "the event type of funnel_stage ('none' for 0)",
    );
  }
  if (spec.cartEvent !== undefined) {
    add(
      'cart_abandonment_rate',
      'double',
      ratio('s.n_abandoned', 'COALESCE(s.n_cart_sessions, 0)'),
      `share of the sessions with a '${spec.cartEvent}' that have no purchase; missing without such sessions`,
    );
  }
  add(
    'activity_trend',
    'double',
    ratio('a.n_recent - (a.n_events - a.n_recent)', 'a.n_events'),
    '(events in the recent half of the window − events in the earlier half) / events in the window, from −1 to 1',
  );
  const hidden = ['a.last_t AS _last_t', ...(spec.scoring ? ['a.points AS _points'] : [])];
  const features = `features AS (SELECT a.id, ${hidden.join(', ')}, ${out.join(', ')} FROM agg a LEFT JOIN sess_agg s ON s.id = a.id)`;
  ctes.push(features);

  // Scores are computed over every customer in the output.
  const scoreCols = [
    `${quintileScoreSql('_last_t', dialect)} AS r_score`,
    `${quintileScoreSql('frequency', dialect)} AS f_score`,
    ...(spec.hasAmount ? [`${quintileScoreSql(`CAST(monetary AS ${DECIMAL})`, dialect)} AS m_score`] : []),
  ];
  ctes.push(`scored AS (SELECT *, ${scoreCols.join(', ')} FROM features)`);
  const finalCols = [`id AS ${sqlIdent(spec.idName)}`, ...cols.map((c) => sqlIdent(c.name))];
  const featureNames = cols.map((c) => c.name);
  cols.push(
    {
      name: 'r_score',
      type: 'integer',
      description: 'recency quintile score 1–5 (5 = most recent last event)',
    },
    { name: 'f_score', type: 'integer', description: 'frequency quintile score 1–5 (5 = most purchases)' },
  );
  finalCols.push('r_score', 'f_score');
  if (spec.hasAmount) {
    cols.push({
      name: 'm_score',
      type: 'integer',
      description: 'monetary quintile score 1–5 (5 = highest spend)',
    });
    finalCols.push('m_score');
  }
  const cell = concatText(
    dialect,
    spec.hasAmount ? ['r_score', 'f_score', 'm_score'] : ['r_score', 'f_score'],
  );
  cols.push({
    name: 'rfm_score',
    type: 'text',
    description: `the scores side by side, e.g. '${spec.hasAmount ? '545' : '54'}'`,
  });
  finalCols.push(`${cell} AS rfm_score`);
  const scoreNames = ['r_score', 'f_score', ...(spec.hasAmount ? ['m_score'] : [])];
  cols.push({
    name: 'rfm_segment',
    type: 'text',
    description: `named RFM segment from the rules (${spec.segmentRules.source}); '${spec.segmentRules.other}' when none matches`,
  });
  finalCols.push(
    `${segmentCaseSql(spec.segmentRules, [...featureNames, ...scoreNames], spec.hasAmount, dialect)} AS rfm_segment`,
  );
  if (spec.scoring) {
    const score = `CAST(COALESCE(_points, 0) AS ${DOUBLE})`;
    cols.push({
      name: 'score',
      type: 'double',
      description: `sum of the points of the events in the window (${spec.scoring.source})${spec.scoring.halfLifeSeconds ? ', each halved every half-life of age' : ''}`,
    });
    finalCols.push(`${score} AS score`);
    if (spec.scoring.tiers.length > 0) {
      cols.push({ name: 'tier', type: 'text', description: 'tier of the score from the rules thresholds' });
      finalCols.push(`${tierCaseSql(spec.scoring, score, dialect)} AS tier`);
    }
  }
  const sql = `WITH ${ctes.join(',\n')}\nSELECT ${finalCols.join(', ')} FROM scored ORDER BY ${codePointOrder('id', spec.idText === true, dialect)}`;
  return { sql, columns: cols };
}
