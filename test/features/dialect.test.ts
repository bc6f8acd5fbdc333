import { describe, expect, it } from 'vitest';
import { defaultSegmentRules } from '../../src/features/default-rfm-rules.js';
import { featureQuery, type FeatureQuerySpec } from '../../src/features/sql.js';

const spec: FeatureQuerySpec = {
  events: '(SELECT * FROM parsed)',
  idName: 'customer_id',
  idText: true,
  asOfUs: 1_000_000_000,
  startUs: 0,
  windowed: false,
  hasEvent: true,
  hasAmount: true,
  hasSession: false,
  purchaseEvent: 'purchase',
  sessionGapUs: 1_800_000_000,
  pivot: [{ value: 'purchase', column: 'events_purchase' }],
  segmentRules: defaultSegmentRules(),
};

describe('featureQuery dialects', () => {
  it('spells the double type and the id ordering for PostgreSQL, and nothing else differs', () => {
    const duck = featureQuery(spec);
    const pg = featureQuery({ ...spec, dialect: 'postgres' });
    expect(pg.columns).toEqual(duck.columns);
    expect(duck.sql).not.toContain('DOUBLE PRECISION');
    expect(duck.sql).not.toContain('COLLATE');
    expect(pg.sql).not.toMatch(/AS DOUBLE\)/);
    expect(pg.sql).toMatch(/ORDER BY id COLLATE "C"$/);
    expect(
      pg.sql
        .replaceAll('DOUBLE PRECISION', 'DOUBLE')
        .replaceAll('AS TEXT)', 'AS VARCHAR)')
        .replace(' COLLATE "C"', ''),
    ).toBe(duck.sql);
    // Every derived table has an alias (PostgreSQL before 16 requires one).
    expect(pg.sql).toContain('FROM (SELECT * FROM parsed) AS ev');
  });

  it('writes the warehouse spellings: identifiers, string escapes, types; one definition for all', () => {
    const withQuote = { ...spec, purchaseEvent: "it's\\on", idName: 'customer id' };
    const duck = featureQuery(withQuote);
    const bq = featureQuery({ ...withQuote, dialect: 'bigquery' });
    const spark = featureQuery({ ...withQuote, dialect: 'spark' });
    const sf = featureQuery({ ...withQuote, dialect: 'snowflake' });
    expect(duck.sql).toContain(`event = 'it''s\\on'`);
    expect(bq.sql).toContain(`event = 'it\\'s\\\\on'`);
    expect(sf.sql).toContain(`event = 'it''s\\\\on'`);
    expect(bq.sql).toContain('AS `customer id`');
    expect(spark.sql).toContain('AS `customer id`');
    expect(sf.sql).toContain('AS "customer id"');
    expect(bq.sql).toContain('NUMERIC(38, 9)');
    expect(bq.sql).toContain('FLOAT64');
    expect(bq.sql).not.toMatch(/\bDOUBLE\b|VARCHAR/);
    expect(spark.sql).toContain('CAST(r_score AS STRING)');
    // The columns are the same whatever the dialect.
    for (const q of [bq, spark, sf]) expect(q.columns).toEqual(duck.columns);
  });

  it('reads the as-of and window from the events relation with momentColumns', () => {
    const q = featureQuery({
      ...spec,
      windowed: true,
      momentColumns: true,
      preamble: ['params AS (SELECT 1)'],
    });
    expect(q.sql.startsWith('WITH params AS (SELECT 1),\nagg AS')).toBe(true);
    expect(q.sql).not.toContain(String(spec.asOfUs));
    expect(q.sql).toContain('t >= start_us');
    expect(q.sql).toContain('a.as_of_us - a.last_t');
    expect(q.sql).toContain('(a.window_days / 7)');
  });

  it('orders numeric ids without a collation', () => {
    expect(featureQuery({ ...spec, dialect: 'postgres', idText: false }).sql).toMatch(/ORDER BY id$/);
  });
});
