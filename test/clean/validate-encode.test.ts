import { describe, expect, it } from 'vitest';
import { applyEncode, fitEncode } from '../../src/clean/encoder.js';
import {
  allowedRule,
  checkRules,
  parseDate,
  parseRulesYaml,
  patternRule,
  rangeRules,
  validateRows,
} from '../../src/clean/validate.js';
import { categoricalColumn, Dataset, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { CheckFailedError, DataError, UsageError } from '../../src/core/errors.js';

const day = (s: string): number => Date.parse(`${s}T00:00:00Z`);
const AS_OF = day('2026-11-01');

function people(): Dataset {
  return Dataset.of([
    stringColumn('id', ['a', 'b', 'c', 'd', 'e']),
    numericColumn('age', Float64Array.from([34, 17, NaN, 45.5, 130]), 'double'),
    numericColumn(
      'signup',
      Float64Array.from([day('2020-01-02'), day('2027-03-04'), day('2024-05-06'), NaN, day('2019-12-31')]),
      'date',
    ),
    stringColumn('zip', ['75001', '7500', null, '1234a', '10115']),
    categoricalColumn('country', Int32Array.from([0, 1, 2, 0, -1]), [' ES ', 'DE', 'france']),
    stringColumn('joined', ['2021-03-01', '2021/13/01', 'yesterday', null, '2022-02-28T10:00:00Z']),
  ]);
}

describe('validation rules', () => {
  it('parses dates as written in data files, refusing impossible ones', () => {
    expect(parseDate('2024-02-29')).toBe(day('2024-02-29'));
    expect(parseDate('2024/4/10')).toBe(day('2024-04-10'));
    expect(parseDate('2021-05-07T10:00:00Z')).toBe(Date.parse('2021-05-07T10:00:00Z'));
    expect(parseDate('2021-05-07 10:00:00+02:00')).toBe(Date.parse('2021-05-07T08:00:00Z'));
    expect(parseDate('2023-02-29')).toBeNaN();
    expect(parseDate('07/05/2021')).toBeNaN();
  });

  it('checks ranges, patterns, allowed values, past dates, types and required values, with examples', () => {
    const rules = [
      ...rangeRules('age', '18..120'),
      patternRule('zip=\\d{5}'),
      allowedRule('country=DE|FR|ES'),
      { column: 'signup', check: 'past' as const },
      { column: 'joined', check: 'type' as const, type: 'date' as const },
      { column: 'age', check: 'type' as const, type: 'integer' as const },
      { column: 'country', check: 'required' as const },
    ];
    const { results, failing } = checkRules(people(), rules, AS_OF);
    const byRule = Object.fromEntries(results.map((r) => [r.rule, r.failing]));
    expect(byRule).toEqual({
      'age: min 18': 1,
      'age: max 120': 1,
      'zip: pattern \\d{5}': 2,
      'country: in [DE, FR, ES]': 3, // ' ES ' (untrimmed) twice and 'france'
      'signup: past': 1,
      'joined: type date': 2,
      'age: type integer': 1,
      'country: required': 1,
    });
    expect(results.find((r) => r.rule === 'zip: pattern \\d{5}')!.examples).toEqual([
      { row: 2, value: '7500' },
      { row: 4, value: '1234a' },
    ]);
    expect(Array.from(failing)).toEqual([1, 1, 1, 1, 1]);
  });

  it('report keeps every row, drop removes failing rows, fail stops with exit 1', () => {
    const rules = rangeRules('age', '18..');
    const report = validateRows(people(), rules, 'report', AS_OF);
    expect(report.keep).toBeNull();
    expect(report.summary).toMatchObject({ rowsFailing: 1, action: 'report', rowsDropped: 0 });
    const drop = validateRows(people(), rules, 'drop', AS_OF);
    expect(Array.from(drop.keep!)).toEqual([0, 2, 3, 4]);
    expect(drop.summary.rowsDropped).toBe(1);
    expect(() => validateRows(people(), rules, 'fail', AS_OF)).toThrow(CheckFailedError);
    expect(() => validateRows(people(), rules, 'fail', AS_OF)).toThrow(
      'validation failed: 1 row(s) break a rule; \'age: min 18\' fails on 1 row(s), first row 2 (value "17")',
    );
    // date bounds on date columns
    const after = validateRows(people(), rangeRules('signup', '2020-01-01..'), 'report', AS_OF);
    expect(after.summary.rules[0]!.examples).toEqual([{ row: 5, value: '2019-12-31' }]);
  });

  it('reads a YAML rules file', () => {
    const rules = parseRulesYaml(
      `columns:
  age: { type: integer, min: 18, max: 110 }
  signup: { past: true, min: 2000-01-01 }
  zip: { required: true, pattern: '\\d{5}' }
  country: { in: [DE, FR, ES] }
`,
      'rules.yaml',
    );
    expect(rules).toEqual([
      { column: 'age', check: 'type', type: 'integer' },
      { column: 'age', check: 'min', value: 18 },
      { column: 'age', check: 'max', value: 110 },
      { column: 'signup', check: 'past' },
      { column: 'signup', check: 'min', value: '2000-01-01' },
      { column: 'zip', check: 'required' },
      { column: 'zip', check: 'pattern', pattern: '\\d{5}' },
      { column: 'country', check: 'in', values: ['DE', 'FR', 'ES'] },
    ]);
  });

  it('refuses bad rules files and flags with a usage error, unknown columns with a data error', () => {
    expect(() => parseRulesYaml('columns: [1, 2', 'r.yaml')).toThrow(/r.yaml: not valid YAML/);
    expect(() => parseRulesYaml('rules: {}', 'r.yaml')).toThrow(UsageError);
    expect(() => parseRulesYaml('columns: { age: { maximum: 3 } }', 'r.yaml')).toThrow(
      "r.yaml: unknown check 'maximum' for column 'age'",
    );
    expect(() => parseRulesYaml('columns: { age: { type: float } }', 'r.yaml')).toThrow(UsageError);
    expect(() => parseRulesYaml("columns: { zip: { pattern: '([' } }", 'r.yaml')).toThrow(
      /not a valid regular expression/,
    );
    expect(() => rangeRules('age', '18-120')).toThrow(UsageError);
    expect(() => rangeRules('age', 'x..')).toThrow(UsageError);
    expect(() => patternRule('zip')).toThrow(UsageError);
    expect(() => checkRules(people(), [{ column: 'nope', check: 'required' }], AS_OF)).toThrow(DataError);
    expect(() => checkRules(people(), [{ column: 'age', check: 'past' }], AS_OF)).toThrow(/holds numbers/);
  });
});

describe('encoding', () => {
  const train = (): Dataset =>
    Dataset.of([
      stringColumn('id', ['a', 'b', 'c', 'd']),
      categoricalColumn('country', Int32Array.from([1, 0, -1, 1]), ['DE', 'FR']),
      numericColumn('x', Float64Array.from([1, 2, 3, 4])),
    ]);
  /** New data read with its own level order, holding an unseen level. */
  const fresh = (): Dataset =>
    Dataset.of([
      stringColumn('id', ['e', 'f', 'g']),
      categoricalColumn('country', Int32Array.from([0, 1, 2]), ['DE', 'ES', 'FR']),
      numericColumn('x', Float64Array.from([5, 6, 7])),
    ]);

  it('one-hot replaces the column in place by sorted 0/1 columns; missing is all zeros', () => {
    const step = fitEncode(train(), ['country'], 'onehot', 'ignore');
    expect(step.columns).toEqual([
      { name: 'country', levels: ['DE', 'FR'], outputs: ['country_DE', 'country_FR'] },
    ]);
    const { data, report } = applyEncode(train(), step);
    expect(data.names).toEqual(['id', 'country_DE', 'country_FR', 'x']);
    expect(Array.from(data.numeric('country_DE').values)).toEqual([0, 1, 0, 0]);
    expect(Array.from(data.numeric('country_FR').values)).toEqual([1, 0, 0, 1]);
    expect(report.missing).toEqual({ country: 1 });
  });

  it('matches new data by level text; unseen levels are zeros and counted, or an error when strict', () => {
    const step = fitEncode(train(), ['country'], 'onehot', 'ignore');
    const { data, report } = applyEncode(fresh(), step);
    expect(Array.from(data.numeric('country_DE').values)).toEqual([1, 0, 0]);
    expect(Array.from(data.numeric('country_FR').values)).toEqual([0, 0, 1]);
    expect(report.unseen).toEqual({ country: 1 });
    expect(report.unseenExamples).toEqual({ country: ['ES'] });
    expect(() => applyEncode(fresh(), step, 'error')).toThrow(DataError);
    expect(() => applyEncode(fresh(), { ...step, unseen: 'error' })).toThrow(
      /level "ES" \(row 2\), unseen when the model was fitted/,
    );
  });

  it('ordinal codes are positions in the sorted levels; missing and unseen are missing', () => {
    const step = fitEncode(train(), ['country'], 'ordinal', 'ignore');
    const { data } = applyEncode(fresh(), step);
    expect(Array.from(data.numeric('country').values)).toEqual([0, NaN, 1]);
    expect(Array.from(applyEncode(train(), step).data.numeric('country').values)).toEqual([1, 0, NaN, 1]);
  });

  it('refuses numeric columns and output names that already exist', () => {
    expect(() => fitEncode(train(), ['x'], 'onehot', 'ignore')).toThrow(DataError);
    const clash = train().withColumn(numericColumn('country_DE', new Float64Array(4)));
    expect(() => fitEncode(clash, ['country'], 'onehot', 'ignore')).toThrow(/already exists/);
  });
});
