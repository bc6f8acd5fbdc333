import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { defaultSegmentRules, defaultSegmentRulesYaml } from '../../src/features/default-rfm-rules.js';
import { segmentCaseSql, quintileScoreSql } from '../../src/features/rfm.js';
import { parseScoringRules, parseSegmentRules, type SegmentRules } from '../../src/features/rules.js';
import { eventPointsSql, tierCaseSql } from '../../src/features/scoring.js';

/** The segment of scores (r, f, m) by first match, as the generated CASE evaluates it. */
function segmentOf(rules: SegmentRules, r: number, f: number, m = 3): string {
  const inside = (x: number, range?: { lo: number; hi: number }) =>
    !range || (x >= range.lo && x <= range.hi);
  const hit = rules.rules.find((rule) => inside(r, rule.r) && inside(f, rule.f) && inside(m, rule.m));
  return hit ? hit.name : rules.other;
}

function fails(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('default RFM rules', () => {
  const rules = defaultSegmentRules();

  it('parse, and give every (r, f) pair exactly the segment of the classic grid', () => {
    expect(rules.source).toBe('default');
    expect(rules.other).toBe('Other');
    const grid: Record<number, string[]> = {
      // f = 1 … 5
      5: ['New', 'Potential loyalist', 'Potential loyalist', 'Champions', 'Champions'],
      4: ['Promising', 'Potential loyalist', 'Potential loyalist', 'Loyal', 'Loyal'],
      3: ['About to sleep', 'About to sleep', 'Need attention', 'Loyal', 'Loyal'],
      2: ['Hibernating', 'Hibernating', 'At risk', 'At risk', "Can't lose them"],
      1: ['Lost', 'Lost', 'At risk', 'At risk', "Can't lose them"],
    };
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) expect(segmentOf(rules, r, f), `r=${r} f=${f}`).toBe(grid[r]![f - 1]);
    }
  });

  it('keep the comment lines a user edits from', () => {
    expect(defaultSegmentRulesYaml).toMatch(/FIRST rule whose conditions all\s*# hold/);
    expect(rules.rules[0]!.line).toBe(12);
  });
});

describe('parseSegmentRules', () => {
  it('reads scores, ranges, lists and where conditions, with their lines', () => {
    const rules = parseSegmentRules(
      `other: Rest
segments:
  - name: Big new
    r: [4, 5]
    m: 5
    where:
      tenure_days: "<= 30"
      frequency: [1, 3]
      avg_basket: 100
  - name: Anyone recent
    r: 4-5
`,
      'rules.yaml',
    );
    expect(rules.other).toBe('Rest');
    expect(rules.rules).toEqual([
      {
        name: 'Big new',
        r: { lo: 4, hi: 5 },
        m: { lo: 5, hi: 5 },
        where: [
          { column: 'tenure_days', op: '<=', value: 30, line: 7 },
          { column: 'frequency', op: 'between', value: 1, value2: 3, line: 8 },
          { column: 'avg_basket', op: '=', value: 100, line: 9 },
        ],
        line: 3,
        keyLines: { r: 4, m: 5 },
      },
      { name: 'Anyone recent', r: { lo: 4, hi: 5 }, where: [], line: 10, keyLines: { r: 11 } },
    ]);
    const sql = segmentCaseSql(
      rules,
      ['tenure_days', 'frequency', 'avg_basket', 'r_score', 'f_score', 'm_score'],
      true,
    );
    expect(sql).toBe(
      `CASE WHEN r_score BETWEEN 4 AND 5 AND m_score = 5 AND "tenure_days" <= 30 AND "frequency" BETWEEN 1 AND 3 ` +
        `AND "avg_basket" = 100 THEN 'Big new' WHEN r_score BETWEEN 4 AND 5 THEN 'Anyone recent' ELSE 'Rest' END`,
    );
  });

  it('names the file and line of every mistake', () => {
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n    r: 6\n', 'x.yaml'))).toMatch(
      /^x\.yaml:3: r of 'A' must be a score 1-5 or a range like 2-4, got 6$/,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n    rr: 5\n', 'x.yaml'))).toMatch(
      /^x\.yaml:3: unknown key 'rr' in a segment rule$/,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n    f: 4-2\n', 'x.yaml'))).toMatch(
      /^x\.yaml:3:/,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - r: 5\n', 'x.yaml'))).toMatch(
      /^x\.yaml:2: a segment rule needs a name/,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n  - name: A\n', 'x.yaml'))).toMatch(
      /^x\.yaml:3: segment name 'A' is used twice/,
    );
    expect(fails(() => parseSegmentRules('segments: []\n', 'x.yaml'))).toMatch(/non-empty list/);
    expect(
      fails(() => parseSegmentRules('segments:\n  - name: A\n    where:\n      x: "about 3"\n', 'x.yaml')),
    ).toMatch(/^x\.yaml:4: condition on 'x' in 'A' must be like "<= 30"/);
    expect(
      fails(() => parseSegmentRules('segments:\n  - name: A\n  - name: B\n    r: 5\n', 'x.yaml')),
    ).toMatch(/^x\.yaml:3: rule 'B' can never apply: 'A' above has no condition/);
    expect(fails(() => parseSegmentRules('version: 2\nsegments:\n  - name: A\n', 'x.yaml'))).toMatch(
      /^x\.yaml:1: unsupported version 2/,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n   r: [1\n', 'bad.yaml'))).toMatch(
      /^bad\.yaml:\d+: invalid YAML: /,
    );
    expect(fails(() => parseSegmentRules('segments:\n  - name: A\n    r: 5\n    r: 4\n', 'x.yaml'))).toMatch(
      /^x\.yaml:4: invalid YAML: Map keys must be unique/,
    );
  });

  it('checks columns and the monetary score against the features when compiled', () => {
    const rules = parseSegmentRules(
      'segments:\n  - name: A\n    m: 5\n  - name: B\n    where: { nope: "> 1" }\n',
      'r.yaml',
    );
    expect(fails(() => segmentCaseSql(rules, ['r_score', 'f_score'], false))).toMatch(
      /^r\.yaml:3: rule 'A' uses the monetary score m, but there is no amount column$/,
    );
    expect(fails(() => segmentCaseSql(rules, ['r_score', 'f_score', 'm_score'], true))).toMatch(
      /^r\.yaml:5: rule 'B' uses column 'nope', which the features do not have$/,
    );
  });
});

describe('parseScoringRules', () => {
  it('reads points, decay and tiers', () => {
    const rules = parseScoringRules(
      `version: 1
points:
  open: 10
  click: 20
  unsubscribe: -15
decay:
  half_life: 30d
tiers:
  - { name: high, above: 50 }
  - { name: medium, min: 20 }
  - { name: low }
`,
      's.yaml',
    );
    expect(rules.points).toEqual([
      { event: 'open', points: 10, line: 3 },
      { event: 'click', points: 20, line: 4 },
      { event: 'unsubscribe', points: -15, line: 5 },
    ]);
    expect(rules.halfLifeSeconds).toBe(30 * 86_400);
    expect(rules.tiers).toEqual([
      { name: 'high', above: 50, line: 9 },
      { name: 'medium', min: 20, line: 10 },
      { name: 'low', line: 11 },
    ]);
    expect(tierCaseSql(rules, 's')).toBe(
      "CASE WHEN s > 50 THEN 'high' WHEN s >= 20 THEN 'medium' ELSE 'low' END",
    );
    expect(eventPointsSql(rules, 'e', 't', 1000)).toBe(
      "CAST(CASE e WHEN 'open' THEN 10 WHEN 'click' THEN 20 WHEN 'unsubscribe' THEN -15 ELSE 0 END * " +
        'POWER(0.5, CAST(1000 - t AS DOUBLE) / 2592000000000) AS DECIMAL(38, 9))',
    );
  });

  it('takes a bare number of days as half-life, and no decay or tiers at all', () => {
    expect(parseScoringRules('points: {a: 1}\ndecay: {half_life: 7}\n', 's.yaml').halfLifeSeconds).toBe(
      7 * 86_400,
    );
    const plain = parseScoringRules('points: {a: 1.5}\n', 's.yaml');
    expect(plain).toEqual({
      source: 's.yaml',
      points: [{ event: 'a', points: 1.5, line: 1 }],
      halfLifeSeconds: undefined,
      tiers: [],
    });
    expect(tierCaseSql(plain, 's')).toBe('NULL');
  });

  it('names the file and line of every mistake', () => {
    expect(fails(() => parseScoringRules('points:\n  open: ten\n', 's.yaml'))).toMatch(
      /^s\.yaml:2: points of 'open' must be a number, got "ten"$/,
    );
    expect(fails(() => parseScoringRules('points: {}\n', 's.yaml'))).toMatch(
      /^s\.yaml:1: 'points' must map event types/,
    );
    expect(fails(() => parseScoringRules('points: {a: 1}\ndecay:\n  half_life: 3m\n', 's.yaml'))).toMatch(
      /^s\.yaml:3: half_life: cannot read '3m' as a duration/,
    );
    expect(fails(() => parseScoringRules('points: {a: 1}\ndecay: {}\n', 's.yaml'))).toMatch(
      /needs half_life/,
    );
    expect(
      fails(() =>
        parseScoringRules(
          'points: {a: 1}\ntiers:\n  - {name: low, min: 1}\n  - {name: high, min: 5}\n',
          's.yaml',
        ),
      ),
    ).toMatch(/^s\.yaml:4: the last tier 'high' must have no threshold/);
    expect(
      fails(() =>
        parseScoringRules(
          'points: {a: 1}\ntiers:\n  - {name: low, min: 1}\n  - {name: high, min: 5}\n  - {name: x}\n',
          's.yaml',
        ),
      ),
    ).toMatch(/^s\.yaml:4: tier 'high' starts above 'low' before it; list tiers from the highest down$/);
    expect(
      fails(() =>
        parseScoringRules(
          'points: {a: 1}\ntiers:\n  - {name: a, min: 1, above: 2}\n  - {name: b}\n',
          's.yaml',
        ),
      ),
    ).toMatch(/^s\.yaml:3: tier 'a' has both/);
    expect(
      fails(() => parseScoringRules('points: {a: 1}\ntiers:\n  - {name: a}\n  - {name: b}\n', 's.yaml')),
    ).toMatch(/^s\.yaml:3: tier 'a' has no threshold/);
    expect(fails(() => parseScoringRules('point: {a: 1}\n', 's.yaml'))).toMatch(
      /^s\.yaml:1: unknown key 'point'/,
    );
    expect(fails(() => parseScoringRules('- a\n- b\n', 's.yaml'))).toMatch(
      /^s\.yaml:1: the scoring rules file must be a mapping/,
    );
  });
});

describe('quintileScoreSql', () => {
  it('ranks with ties on the lowest rank of their group', () => {
    expect(quintileScoreSql('x')).toBe(
      '1 + CAST(FLOOR(5 * CAST(RANK() OVER (ORDER BY x) - 1 AS DOUBLE) / COUNT(*) OVER ()) AS INTEGER)',
    );
  });
});
