import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { cellText, isMissing, type Column, type Dataset } from '../core/dataset.js';
import { CheckFailedError, DataError, UsageError } from '../core/errors.js';

// The YAML parser is loaded when a rules file is read, not with the clean command.
const require = createRequire(import.meta.url);

/** The value types a `type` rule can demand. */
export const ruleTypes = ['numeric', 'integer', 'date', 'boolean'] as const;
export type RuleType = (typeof ruleTypes)[number];

/** What to do with rows that break a rule: list them, drop them, or stop the run (exit 1). */
export const invalidActions = ['report', 'drop', 'fail'] as const;
export type InvalidAction = (typeof invalidActions)[number];

/** One check of a validation rule; missing values pass every check but `required`. */
export type RuleCheck =
  | { check: 'required' }
  | { check: 'type'; type: RuleType }
  /** Lower bound (inclusive); a string bound is a date for date columns. */
  | { check: 'min'; value: number | string }
  /** Upper bound (inclusive); a string bound is a date for date columns. */
  | { check: 'max'; value: number | string }
  /** Regular expression the whole value (as text) must match. */
  | { check: 'pattern'; pattern: string }
  /** The allowed values (exact text). */
  | { check: 'in'; values: string[] }
  /** A date not after the run's as-of date. */
  | { check: 'past' };

/** A validation rule: one check on one column (serialised as is in the clean model). */
export type ValidationRule = RuleCheck & { column: string };

/** One rule's result: how many rows break it and a few examples (1-based input row numbers). */
export interface RuleResult {
  rule: string;
  column: string;
  check: RuleCheck['check'];
  failing: number;
  examples: { row: number; value: string | null }[];
}

/** The validation summary of a dataset. */
export interface ValidationSummary {
  rules: RuleResult[];
  /** Rows breaking at least one rule. */
  rowsFailing: number;
  action: InvalidAction;
  /** Rows removed (`drop`), else 0. */
  rowsDropped: number;
}

const MAX_EXAMPLES = 5;

/** Human-readable form of a rule, e.g. `age: min 18`, `zip: pattern ^\d{5}$`. */
export function describeRule(r: ValidationRule): string {
  switch (r.check) {
    case 'required':
      return `${r.column}: required`;
    case 'type':
      return `${r.column}: type ${r.type}`;
    case 'min':
    case 'max':
      return `${r.column}: ${r.check} ${r.value}`;
    case 'pattern':
      return `${r.column}: pattern ${r.pattern}`;
    case 'in':
      return `${r.column}: in [${r.values.join(', ')}]`;
    case 'past':
      return `${r.column}: past`;
  }
}

function isTemporal(c: Column): boolean {
  return c.kind === 'numeric' && (c.type === 'date' || c.type === 'timestamp');
}

const numberText = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Parse a date as written in data files: `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by a time
 * (`T` or a space, `HH:MM[:SS[.fff]]`, `Z` or `±HH:MM`; UTC when no zone is given). Epoch milliseconds, or NaN
 * for anything else, including dates that do not exist (2024-02-31).
 */
export function parseDate(text: string): number {
  const m =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = Date.UTC(y, mo - 1, d);
  const check = new Date(day);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    return Number.NaN;
  }
  if (m[4] === undefined) return day;
  const [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || sec > 59) return Number.NaN;
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  const frac = m[7] === undefined ? 0 : Math.round(Number(m[7]) * 1000);
  return day + ((h * 60 + mi) * 60 + sec) * 1000 + frac - offset * 60_000;
}

/** Row i as a number for range checks: numbers as stored, text parsed (dates too for date-like bounds). */
function numberAt(c: Column, i: number, dates: boolean): number {
  if (c.kind === 'numeric') return c.values[i]!;
  const t = cellText(c, i);
  if (t === null) return Number.NaN;
  if (dates) return parseDate(t);
  return numberText.test(t.trim()) ? Number(t.trim()) : Number.NaN;
}

function boundOf(rule: ValidationRule & { check: 'min' | 'max' }, c: Column): number {
  if (typeof rule.value === 'number') return rule.value;
  const ms = parseDate(rule.value);
  if (Number.isNaN(ms) || (c.kind === 'numeric' && !isTemporal(c))) {
    throw new UsageError(
      `rule '${describeRule(rule)}': the bound must be a number${isTemporal(c) ? ' or a date' : ''}`,
    );
  }
  return ms;
}

/** A predicate telling whether present row i passes the rule. */
function checker(rule: ValidationRule, c: Column, asOf: number): (i: number) => boolean {
  switch (rule.check) {
    case 'required':
      return () => true;
    case 'type': {
      const type = rule.type;
      if (c.kind === 'numeric') {
        const v = c.values;
        if (type === 'date') return () => isTemporal(c);
        if (isTemporal(c)) return () => false;
        if (type === 'numeric') return () => true;
        if (type === 'integer') return (i) => Number.isInteger(v[i]!);
        return (i) => c.type === 'boolean' || v[i] === 0 || v[i] === 1;
      }
      return (i) => {
        const t = (cellText(c, i) ?? '').trim();
        if (type === 'date') return !Number.isNaN(parseDate(t));
        if (type === 'boolean') return /^(true|false|0|1|yes|no)$/i.test(t);
        if (!numberText.test(t)) return false;
        return type === 'numeric' || Number.isInteger(Number(t));
      };
    }
    case 'min':
    case 'max': {
      const dates = typeof rule.value === 'string' || isTemporal(c);
      const bound = boundOf(rule, c);
      return rule.check === 'min'
        ? (i) => numberAt(c, i, dates) >= bound
        : (i) => numberAt(c, i, dates) <= bound;
    }
    case 'pattern': {
      const re = compilePattern(rule.pattern, rule.column);
      return (i) => re.test(cellText(c, i) ?? '');
    }
    case 'in': {
      const allowed = new Set(rule.values);
      return (i) => allowed.has(cellText(c, i) ?? '');
    }
    case 'past': {
      if (c.kind === 'numeric' && !isTemporal(c)) {
        throw new DataError(
          `rule '${describeRule(rule)}': column '${rule.column}' holds numbers, not dates`,
          'read it as a date with --types COL=date',
        );
      }
      return (i) => numberAt(c, i, true) <= asOf;
    }
  }
}

function compilePattern(pattern: string, column: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (e) {
    throw new UsageError(
      `pattern rule on '${column}' is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}

/**
 * Check every rule on every row. `rowNumber(i)` maps a row to the 1-based number reported in examples (its row in
 * the original input). Rules are checked on the data as read (before any cleaning). O(rows × rules) time.
 * @returns the per-rule results and a mask of the rows breaking at least one rule.
 * @throws DataError when a rule names a column the data does not have, or `past` is asked of a numeric column;
 *   UsageError for an invalid pattern or bound.
 */
export function checkRules(
  ds: Dataset,
  rules: readonly ValidationRule[],
  asOf: number,
  rowNumber: (i: number) => number = (i) => i + 1,
): { results: RuleResult[]; failing: Uint8Array } {
  const failing = new Uint8Array(ds.nRows);
  const results: RuleResult[] = [];
  for (const rule of rules) {
    if (!ds.has(rule.column)) {
      throw new DataError(
        `validation rule '${describeRule(rule)}' names column '${rule.column}', which the data does not have`,
        `columns: ${ds.names.join(', ')}`,
      );
    }
    const c = ds.column(rule.column);
    const pass = checker(rule, c, asOf);
    const result: RuleResult = {
      rule: describeRule(rule),
      column: rule.column,
      check: rule.check,
      failing: 0,
      examples: [],
    };
    for (let i = 0; i < ds.nRows; i++) {
      const missing = isMissing(c, i);
      const ok = missing ? rule.check !== 'required' : pass(i);
      if (ok) continue;
      failing[i] = 1;
      result.failing++;
      if (result.examples.length < MAX_EXAMPLES)
        result.examples.push({ row: rowNumber(i), value: cellText(c, i) });
    }
    results.push(result);
  }
  return { results, failing };
}

/**
 * Validate and act: keep every row (`report`), drop the rows breaking a rule (`drop`), or stop (`fail`).
 * @returns the rows kept (indices into `ds`, ascending) and the summary.
 * @throws CheckFailedError (exit 1) for `fail` when a row breaks a rule; the errors of {@link checkRules}.
 */
export function validateRows(
  ds: Dataset,
  rules: readonly ValidationRule[],
  action: InvalidAction,
  asOf: number,
  rowNumber?: (i: number) => number,
): { keep: Int32Array | null; summary: ValidationSummary } {
  const { results, failing } = checkRules(ds, rules, asOf, rowNumber);
  let rowsFailing = 0;
  for (let i = 0; i < failing.length; i++) rowsFailing += failing[i]!;
  const summary: ValidationSummary = { rules: results, rowsFailing, action, rowsDropped: 0 };
  if (rowsFailing > 0 && action === 'fail') {
    const worst = results.filter((r) => r.failing > 0).sort((a, b) => b.failing - a.failing)[0]!;
    const ex = worst.examples[0]!;
    throw new CheckFailedError(
      `validation failed: ${rowsFailing} row(s) break a rule; '${worst.rule}' fails on ${worst.failing} row(s), first row ${ex.row} (value ${ex.value === null ? 'missing' : JSON.stringify(ex.value)})`,
      'see --json for every rule, or pass --on-invalid report|drop',
    );
  }
  if (rowsFailing === 0 || action !== 'drop') return { keep: null, summary };
  const keep = new Int32Array(ds.nRows - rowsFailing);
  for (let i = 0, k = 0; i < ds.nRows; i++) if (failing[i] === 0) keep[k++] = i;
  summary.rowsDropped = rowsFailing;
  return { keep, summary };
}

const ruleKeys = new Set(['required', 'type', 'min', 'max', 'pattern', 'in', 'past']);

/**
 * Parse rules from YAML text:
 * ```yaml
 * columns:
 *   age: { type: integer, min: 18, max: 110 }
 *   signup_date: { type: date, past: true, min: 2000-01-01 }
 *   zip: { pattern: '\d{5}' }
 *   country: { required: true, in: [DE, FR, ES] }
 * ```
 * @throws UsageError naming the file and the offending entry.
 */
export function parseRulesYaml(text: string, file: string): ValidationRule[] {
  let doc: unknown;
  try {
    doc = (require('yaml') as typeof Yaml).parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const bad = (what: string): UsageError =>
    new UsageError(
      `${file}: ${what}`,
      'expected `columns:` mapping each column to checks among required, type, min, max, pattern, in, past',
    );
  if (!isRecord(doc) || !isRecord(doc['columns'])) throw bad('no `columns:` mapping');
  for (const k of Object.keys(doc)) if (k !== 'columns') throw bad(`unknown top-level key '${k}'`);
  const rules: ValidationRule[] = [];
  for (const [column, spec] of Object.entries(doc['columns'])) {
    if (!isRecord(spec)) throw bad(`the checks of column '${column}' are not a mapping`);
    for (const [key, v] of Object.entries(spec)) {
      if (!ruleKeys.has(key)) throw bad(`unknown check '${key}' for column '${column}'`);
      const where = `${column}.${key}`;
      switch (key) {
        case 'required':
        case 'past':
          if (typeof v !== 'boolean') throw bad(`${where} must be true or false`);
          if (v) rules.push({ column, check: key });
          break;
        case 'type':
          if (typeof v !== 'string' || !(ruleTypes as readonly string[]).includes(v)) {
            throw bad(`${where} must be one of ${ruleTypes.join(', ')}`);
          }
          rules.push({ column, check: 'type', type: v as RuleType });
          break;
        case 'min':
        case 'max':
          if (typeof v === 'number' && Number.isFinite(v)) rules.push({ column, check: key, value: v });
          else if (typeof v === 'string' && !Number.isNaN(parseDate(v)))
            rules.push({ column, check: key, value: v });
          else throw bad(`${where} must be a number or a date (YYYY-MM-DD)`);
          break;
        case 'pattern':
          if (typeof v !== 'string') throw bad(`${where} must be a string (a regular expression)`);
          compilePattern(v, column);
          rules.push({ column, check: 'pattern', pattern: v });
          break;
        case 'in':
          if (!Array.isArray(v) || v.length === 0) throw bad(`${where} must be a non-empty list`);
          rules.push({ column, check: 'in', values: v.map((x) => String(x)) });
          break;
      }
    }
  }
  return rules;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse a range flag value `MIN..MAX` (either side may be empty) into min/max rules for `column`.
 * @throws UsageError when neither side is a number or a date.
 */
export function rangeRules(column: string, spec: string): ValidationRule[] {
  const m = /^(.*?)\.\.(.*)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--range ${column}=${spec}: expected MIN..MAX (either side may be empty)`);
  const out: ValidationRule[] = [];
  for (const [check, raw] of [
    ['min', m[1]!.trim()],
    ['max', m[2]!.trim()],
  ] as const) {
    if (raw === '') continue;
    if (numberText.test(raw)) out.push({ column, check, value: Number(raw) });
    else if (!Number.isNaN(parseDate(raw))) out.push({ column, check, value: raw });
    else throw new UsageError(`--range ${column}=${spec}: '${raw}' is neither a number nor a date`);
  }
  if (out.length === 0) throw new UsageError(`--range ${column}=${spec}: give at least one bound`);
  return out;
}

/**
 * A pattern rule from `COL=REGEX`.
 * @throws UsageError for a missing '=' or an invalid expression.
 */
export function patternRule(spec: string): ValidationRule {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--pattern expects COL=REGEX, got '${spec}'`);
  const column = spec.slice(0, eq).trim();
  const pattern = spec.slice(eq + 1);
  compilePattern(pattern, column);
  return { column, check: 'pattern', pattern };
}

/**
 * An allowed-values rule from `COL=A|B|C`.
 * @throws UsageError for a missing '='.
 */
export function allowedRule(spec: string): ValidationRule {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--allowed expects COL=A|B|C, got '${spec}'`);
  return { column: spec.slice(0, eq).trim(), check: 'in', values: spec.slice(eq + 1).split('|') };
}

/** Where validation rules come from: a YAML rules file and the rule flags of `segment clean`. */
export interface RuleSources {
  /** Path of a YAML rules file ({@link parseRulesYaml}). */
  rules?: string | undefined;
  /** Columns that must not be missing. */
  require?: readonly string[] | undefined;
  /** `COL=MIN..MAX` entries, comma-separated within one entry. */
  range?: readonly string[] | undefined;
  /** `COL=REGEX` entries. */
  pattern?: readonly string[] | undefined;
  /** `COL=A|B|C` entries. */
  allowed?: readonly string[] | undefined;
  /** Date columns not after the as-of date. */
  past?: readonly string[] | undefined;
}

/**
 * The validation rules of a rules file and rule flags, in this order: file, required, range, pattern, allowed,
 * past.
 * @throws UsageError for an unreadable rules file or a malformed entry.
 */
export async function loadValidationRules(src: RuleSources): Promise<ValidationRule[]> {
  const rules: ValidationRule[] = [];
  if (src.rules) {
    let text: string;
    try {
      text = await readFile(src.rules, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `${src.rules}: ${code === 'ENOENT' ? 'rules file not found' : 'cannot read the rules file'}`,
      );
    }
    rules.push(...parseRulesYaml(text, src.rules));
  }
  for (const column of src.require ?? []) rules.push({ column, check: 'required' });
  for (const spec of src.range ?? []) {
    for (const part of spec.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`--range expects COL=MIN..MAX, got '${part}'`);
      rules.push(...rangeRules(part.slice(0, eq).trim(), part.slice(eq + 1)));
    }
  }
  for (const spec of src.pattern ?? []) rules.push(patternRule(spec));
  for (const spec of src.allowed ?? []) rules.push(allowedRule(spec));
  for (const column of src.past ?? []) rules.push({ column, check: 'past' });
  return rules;
}

/**
 * The as-of date of `past` rules (`--as-of`), epoch ms; undefined when not given (now).
 * @throws UsageError when it is not a date.
 */
export function parseAsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDate(text);
  if (Number.isNaN(ms))
    throw new UsageError(`--as-of '${text}' is not a date`, 'use YYYY-MM-DD or an ISO-8601 timestamp');
  return ms;
}
