import { numericColumn, stringColumn, type Column } from '../core/dataset.js';
import { Utf8Text } from '../core/utf8-text.js';
import { textColumn } from './text-column.js';
import { NumberParser, type DateFormat, type TextParsing } from './text-values.js';

/** Something the reader noticed about a column and told the user (also shown by `segment inspect`). */
export interface ReadNote {
  column: string;
  kind:
    | 'text-with-numbers'
    | 'decimal-comma'
    | 'thousands'
    | 'date-like'
    | 'date-mismatch'
    | 'exact-integers'
    | 'rounded-integers';
  message: string;
  hint?: string | undefined;
  /** Cells concerned (e.g. the cells that are not numbers). */
  count?: number | undefined;
  /** Up to three of them, with their 1-based data row numbers. */
  examples?: { row: number; value: string }[] | undefined;
}

/** A column read as text: whether the reader may turn it into numbers or dates. */
export interface TextInference {
  parsing: TextParsing;
  /** Turn all-number (or all-date) text into numeric columns; false keeps text and only warns. */
  convert: boolean;
  /** Still turn text matching `--date-format` into dates when `convert` is false (typed sources: JSON, Excel). */
  convertDates?: boolean | undefined;
  maxLevels: number;
  /** Forced kind (`--types`, or the kinds a segment Parquet file records): no inference at all. */
  forced?: 'categorical' | 'string' | undefined;
}

/** Share of non-missing cells that must parse before a text column is called "mostly numbers" (or dates). */
export const mostlyShare = 0.95;

const maxSafe = 2 ** 53;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

const looseDate = /^\s*(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/;

/**
 * Build a column from cells read as text: missing-value tokens become missing; a column whose every cell is a number
 * (with the locale's decimal mark and thousands separator, `inf` included) becomes numeric, whole numbers beyond
 * 2^53 staying exact text; with date formats, a column whose every cell matches one becomes a timestamp (or date)
 * column. Anything else stays text, with notes when it looks like numbers or dates that the flags would read.
 * O(rows) time; stops checking a kind once more than 5 % of the cells fail it.
 */
export function inferTextColumn(
  name: string,
  raw: readonly (string | null)[] | Utf8Text,
  inf: TextInference,
): { column: Column; notes: ReadNote[] } {
  const { parsing } = inf;
  let present = 0;
  // A cell longer than every missing-value token is not one: no need to hash it for the lookup.
  let longestToken = 0;
  for (const t of parsing.naTokens) longestToken = Math.max(longestToken, t.length);
  const isToken = (v: string | null | undefined): boolean =>
    v != null && v.length <= longestToken && parsing.naTokens.has(v);
  // The cells themselves when no token is among them (no copy of a large column), else a copy with nulls.
  let values: Cells;
  if (raw instanceof Utf8Text) {
    values = hasTokenBytes(raw, parsing.naTokens) ? raw.strings().map((c) => (isToken(c) ? null : c)) : raw;
    present = values === raw ? raw.length - raw.missingCount() : countPresent(values);
  } else {
    values = raw;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (v === undefined || isToken(v)) {
        values = raw.map((c) => (c === undefined || isToken(c) ? null : c));
        break;
      }
    }
    present = countPresent(values);
  }
  if (inf.forced) return { column: textColumn(name, values, inf.forced, inf.maxLevels), notes: [] };
  // Bytes whose every cell will be read (dates by --date-format, or cells that look like numbers) are made into
  // strings once, rather than one cell at a time by each scan.
  if (values instanceof Utf8Text && (parsing.dateFormats.length > 0 || leadsWithNumbers(values)))
    values = values.strings();
  const notes: ReadNote[] = [];
  const allowedFails = Math.floor(present * (1 - mostlyShare));
  if (present > 0) {
    // With --date-format, a column whose every cell is a date is dates, even when they are digits (20240105);
    // scanned to the end, so a column where only some cells match is reported below.
    const formats = parsing.dateFormats;
    const dates = formats.length > 0 ? scanCells(values, Infinity, (s) => firstDate(formats, s)) : undefined;
    if (dates && dates.fails.length === 0 && (inf.convert || inf.convertDates === true)) {
      const type = formats.some((f) => f.hasTime) ? 'timestamp' : 'date';
      return { column: numericColumn(name, dates.parsed!, type), notes };
    }
    const numbers = new NumberParser(parsing.decimal, parsing.thousands);
    const scan = scanCells(values, allowedFails, (s) => numbers.parse(s));
    if (scan.fails.length === 0 && inf.convert) {
      return { column: numberColumn(name, values, numbers, scan.parsed!, notes), notes };
    }
    if (scan.fails.length === 0 && parsing.dateFormats.length === 0) {
      // Typed text (a JSON string, an Excel text cell) that is all numbers stays text: say so.
      notes.push({
        column: name,
        kind: 'text-with-numbers',
        count: 0,
        message: `column '${name}' holds numbers stored as text (row ${firstPresent(values) + 1}: '${values.at(firstPresent(values))}'); it is read as text`,
        hint: `pass --types ${name}=double to read them as numbers`,
      });
    }
    if (scan.fails.length > 0 && scan.complete) {
      notes.push({
        column: name,
        kind: 'text-with-numbers',
        count: scan.failCount,
        examples: scan.fails,
        message: `column '${name}' is read as text: ${scan.failCount} of ${present} values are not numbers (${examplesText(scan.fails)})`,
        hint: `fix those cells, or list them with --na-values if they mean "missing"`,
      });
    }
    if (dates) {
      if (dates.fails.length > 0 && dates.failCount < present) {
        notes.push({
          column: name,
          kind: 'date-mismatch',
          count: dates.failCount,
          examples: dates.fails,
          message: `column '${name}' is read as text: ${dates.failCount} of ${present} values do not match --date-format ${formats.map((f) => f.format).join(' or ')} (${examplesText(dates.fails)})`,
          hint: 'add a --date-format for them (tried in order), or fix those cells',
        });
      }
    } else {
      const d = dateHint(name, values, allowedFails);
      if (d) notes.push(d);
    }
    if (parsing.decimal === '.' && notes.length === 0) {
      const l = localeHint(name, values, allowedFails);
      if (l) notes.push(l);
    }
  }
  return { column: textColumn(name, values, undefined, inf.maxLevels), notes };
}

/** Cells of a text column: strings, or UTF-8 bytes made into strings one at a time. */
type Cells = readonly (string | null)[] | Utf8Text;

/** Whether the first 20 present cells are all shaped like numbers (in some locale). */
function leadsWithNumbers(values: Cells): boolean {
  let seen = 0;
  for (let i = 0; i < values.length && seen < 20; i++) {
    const s = values.at(i);
    if (s == null) continue;
    if (!numberShaped.test(s)) return false;
    seen++;
  }
  return seen > 0;
}

function countPresent(values: Cells): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values.at(i) != null) n++;
  return n;
}

function firstPresent(values: Cells): number {
  for (let i = 0; i < values.length; i++) if (values.at(i) != null) return i;
  return -1;
}

/** Whether a cell of `text` is one of `tokens` (compared as bytes: no string is made). O(rows). */
function hasTokenBytes(text: Utf8Text, tokens: ReadonlySet<string>): boolean {
  const byLength = new Map<number, Uint8Array[]>();
  for (const t of tokens) {
    const b = Buffer.from(t, 'utf8');
    const list = byLength.get(b.length);
    if (list) list.push(b);
    else byLength.set(b.length, [b]);
  }
  if (byLength.size === 0) return false;
  const { bytes, offsets } = text;
  for (let i = 0; i < text.length; i++) {
    const a = offsets[i]!;
    const list = byLength.get(offsets[i + 1]! - a);
    if (!list || text.isMissing(i)) continue;
    for (const t of list) {
      let q = 0;
      while (q < t.length && t[q] === bytes[a + q]) q++;
      if (q === t.length) return true;
    }
  }
  return false;
}

function firstDate(formats: readonly DateFormat[], s: string): number | undefined {
  for (const f of formats) {
    const t = f.parse(s);
    if (t !== undefined) return t;
  }
  return undefined;
}

function examplesText(ex: { row: number; value: string }[]): string {
  return ex
    .map((e) => `row ${e.row}: '${e.value.length > 40 ? `${e.value.slice(0, 40)}…` : e.value}'`)
    .join(', ');
}

interface Scan {
  /** Parsed values (NaN for missing) when every cell parsed. */
  parsed?: Float64Array;
  /** Up to three failing cells. */
  fails: { row: number; value: string }[];
  failCount: number;
  /** Whether the whole column was scanned (false: stopped after too many failures). */
  complete: boolean;
}

function scanCells(values: Cells, allowedFails: number, parse: (s: string) => number | undefined): Scan {
  const out = new Float64Array(values.length);
  const fails: { row: number; value: string }[] = [];
  let failCount = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values.at(i);
    if (s == null) {
      out[i] = Number.NaN;
      continue;
    }
    const v = parse(s);
    if (v === undefined) {
      failCount++;
      if (fails.length < 3) fails.push({ row: i + 1, value: s });
      if (failCount > allowedFails) return { fails, failCount, complete: false };
    } else out[i] = v;
  }
  return failCount === 0
    ? { parsed: out, fails, failCount, complete: true }
    : { fails, failCount, complete: true };
}

function numberColumn(
  name: string,
  values: Cells,
  numbers: NumberParser,
  parsed: Float64Array,
  notes: ReadNote[],
): Column {
  let integers = true;
  let unsafe = false;
  for (let i = 0; i < values.length; i++) {
    const s = values.at(i);
    if (s == null) continue;
    if (integers && !numbers.isIntegerText(s)) integers = false;
    if (Math.abs(parsed[i]!) >= maxSafe) unsafe = true;
  }
  if (integers && unsafe) {
    // Canonical digits (007 → 7, -0 → 0, separators dropped), as a 64-bit integer column holds them.
    const digits = Array.from({ length: values.length }, (_, i) => {
      const s = values.at(i);
      return s == null ? null : BigInt(s.trim().replace(/[^\d+-]/g, '')).toString();
    });
    return exactIntegerColumn(name, digits, notes);
  }
  return numericColumn(name, parsed, integers ? 'integer' : 'double');
}

/**
 * A column of whole numbers past 2^53 (identifiers: float64 would merge neighbours) as their exact canonical digits,
 * flagged `integer` (written back as 64-bit integers) when every value fits int64; the note says so. O(rows).
 */
export function exactIntegerColumn(name: string, digits: (string | null)[], notes?: ReadNote[]): Column {
  const fits = digits.every((s) => s == null || (BigInt(s) >= int64Min && BigInt(s) <= int64Max));
  notes?.push({
    column: name,
    kind: 'exact-integers',
    message: `column '${name}' holds whole numbers beyond 2^53: kept as exact text (an identifier, not a feature)`,
  });
  return stringColumn(name, digits, fits ? { integer: true } : undefined);
}

/** The characters a number may be written with in any locale {@link localeHint} tries. */
const numberShaped = /^[\s\d+\-.,'eE]*$/;
const infText = /^\s*[+-]?(?:inf|infinity)\s*$/i;

/** A note when most cells look like numbers written with a decimal comma or a thousands separator. */
function localeHint(name: string, values: Cells, allowedFails: number): ReadNote | undefined {
  const candidates: { decimal: '.' | ','; thousands?: string; flags: string }[] = [
    { decimal: ',', flags: '--decimal ,' },
    { decimal: ',', thousands: ' ', flags: "--decimal , --thousands ' '" },
    { decimal: ',', thousands: '\u00a0', flags: '--decimal , --thousands nbsp' },
    { decimal: ',', thousands: '\u202f', flags: '--decimal , --thousands narrow-nbsp' },
    { decimal: ',', thousands: '.', flags: '--decimal , --thousands .' },
    { decimal: '.', thousands: ',', flags: '--thousands ,' },
    { decimal: '.', thousands: "'", flags: '--thousands "\'"' },
  ];
  // A cell of other characters than digits, signs, marks, separators, exponents and spaces (or inf) is a number
  // in no locale: when more of them than allowed are found, no candidate is tried.
  let shapeless = 0;
  for (let i = 0; i < values.length && shapeless <= allowedFails; i++) {
    const s = values.at(i);
    if (s != null && !numberShaped.test(s) && !infText.test(s)) shapeless++;
  }
  if (shapeless > allowedFails) return undefined;
  for (const c of candidates) {
    const p = new NumberParser(c.decimal, c.thousands);
    const scan = scanCells(values, allowedFails, (s) => p.parse(s));
    if (!scan.complete) continue;
    let example = -1;
    for (let i = 0; i < values.length && example < 0; i++) {
      const s = values.at(i);
      if (s != null && (s.includes(',') || (c.thousands !== undefined && s.includes(c.thousands))))
        example = i;
    }
    if (example < 0) continue;
    return {
      column: name,
      kind: c.decimal === ',' ? 'decimal-comma' : 'thousands',
      message: `column '${name}' is read as text but looks like numbers written ${c.decimal === ',' ? 'with a decimal comma' : `with '${c.thousands}' between thousands`} (row ${example + 1}: '${values.at(example)}')`,
      hint: `pass ${c.flags} to read them as numbers`,
    };
  }
  return undefined;
}

/** A note when most cells look like day/month/year dates, saying which order the data proves (or that it cannot). */
function dateHint(name: string, values: Cells, allowedFails: number): ReadNote | undefined {
  let fails = 0;
  let dayFirst = false;
  let monthFirst = false;
  let yearFirst = true;
  let example = -1;
  let sep = '/';
  let yearDigits = 4;
  let time: '' | ' %H:%M' | ' %H:%M:%S' = '';
  for (let i = 0; i < values.length; i++) {
    const s = values.at(i);
    if (s == null) continue;
    const m = looseDate.exec(s);
    if (!m) {
      if (++fails > allowedFails) return undefined;
      continue;
    }
    if (example < 0) {
      example = i;
      sep = m[2]!;
      yearDigits = m[4]!.length;
      time = m[5] === undefined ? '' : m[7] === undefined ? ' %H:%M' : ' %H:%M:%S';
    }
    if (m[1]!.length === 4) continue;
    yearFirst = false;
    const a = Number(m[1]);
    const b = Number(m[3]);
    if (a > 12) dayFirst = true;
    if (b > 12) monthFirst = true;
  }
  if (example < 0 || yearFirst || (dayFirst && monthFirst)) return undefined;
  const y = yearDigits === 4 ? '%Y' : '%y';
  const dmy = `%d${sep}%m${sep}${y}${time}`;
  const mdy = `%m${sep}%d${sep}${y}${time}`;
  const shown = `row ${example + 1}: '${values.at(example)}'`;
  if (dayFirst || monthFirst) {
    return {
      column: name,
      kind: 'date-like',
      message: `column '${name}' is read as text but looks like ${dayFirst ? 'day-first' : 'month-first'} dates (${shown})`,
      hint: `pass --date-format '${dayFirst ? dmy : mdy}' to read them as dates`,
    };
  }
  return {
    column: name,
    kind: 'date-like',
    message: `column '${name}' is read as text but looks like dates that are ambiguous between day-first and month-first (${shown})`,
    hint: `pass --date-format '${dmy}' (day first) or '${mdy}' (month first)`,
  };
}
