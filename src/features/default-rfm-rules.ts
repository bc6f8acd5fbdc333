import { parseSegmentRules, type SegmentRules } from './rules.js';

/**
 * The built-in RFM segment rules as YAML (`segment features --print-rfm-rules` prints them to start an edited
 * copy). They follow the widely used grid on the recency and frequency scores, which gives every (r, f) pair
 * exactly one segment, so `Other` stays empty unless the rules are edited.
 */
export const defaultSegmentRulesYaml = `# RFM segment rules for \`segment features --rfm-rules FILE\`.
#
# r, f and m are the quintile scores 1-5 of recency_days (5 = most recent), frequency (5 = most purchases)
# and monetary (5 = highest spend). Rules are tried from the top and the FIRST rule whose conditions all
# hold names the customer's segment (explicit precedence); customers no rule matches get \`other\`.
#
# Conditions: a score (r: 5), a range (f: 2-3 or f: [2, 3]), and under \`where\` comparisons on any output
# column, e.g.  where: { tenure_days: "<= 30", frequency: ">= 1", monetary: [100, 500] }
version: 1
other: Other
segments:
  - name: Champions # bought recently and buy often
    r: 5
    f: 4-5
  - name: Loyal # buy often, fairly recently
    r: 3-4
    f: 4-5
  - name: Potential loyalist # recent, with a few purchases
    r: 4-5
    f: 2-3
  - name: New # very recent, no or one purchase yet
    r: 5
    f: 1
  - name: Promising # recent, no or one purchase yet
    r: 4
    f: 1
  - name: Need attention # middling recency and frequency
    r: 3
    f: 3
  - name: About to sleep # middling recency, few purchases
    r: 3
    f: 1-2
  - name: Can't lose them # bought the most often, but long ago
    r: 1-2
    f: 5
  - name: At risk # bought often, not lately
    r: 1-2
    f: 3-4
  - name: Hibernating # few purchases, long ago
    r: 2
    f: 1-2
  - name: Lost # fewest purchases, longest ago
    r: 1
    f: 1-2
`;

/** The built-in RFM segment rules, parsed. */
export function defaultSegmentRules(): SegmentRules {
  return parseSegmentRules(defaultSegmentRulesYaml, 'default');
}
