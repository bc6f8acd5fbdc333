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
    expect(pg.sql.replaceAll('DOUBLE PRECISION', 'DOUBLE').replace(' COLLATE "C"', '')).toBe(duck.sql);
    // Every derived table has an alias (PostgreSQL before 16 requires one).
    expect(pg.sql).toContain('FROM (SELECT * FROM parsed) AS ev');
  });

  it('orders numeric ids without a collation', () => {
    expect(featureQuery({ ...spec, dialect: 'postgres', idText: false }).sql).toMatch(/ORDER BY id$/);
  });
});
