import { UsageError } from '../core/errors.js';

/**
 * The cells pandas' `read_csv` reads as missing by default (`pandas._libs.parsers.STR_NA_VALUES`, with `None` as in
 * pandas ≥ 2). Compared exactly, without trimming, as pandas does.
 */
export const defaultNaTokens: readonly string[] = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

/** How text cells become values: missing-value tokens, number locale and date formats (the shared reader flags). */
export interface TextParsing {
  /** Cells read as missing. */
  naTokens: ReadonlySet<string>;
  /** Decimal mark of numbers in text: `.` (default) or `,`. */
  decimal: '.' | ',';
  /** Thousands separator allowed between groups of three digits, if any. */
  thousands: string | undefined;
  /** strptime formats tried in order on text columns (`--date-format`), compiled; empty: only ISO-8601 is a date. */
  dateFormats: readonly DateFormat[];
}

/** The missing-value tokens from `--na-values` and `--no-default-na`. */
export function naTokenSet(extra: readonly string[] = [], useDefaults = true): Set<string> {
  return new Set([...(useDefaults ? defaultNaTokens : []), ...extra]);
}

const thousandsNames: Record<string, string> = {
  space: ' ',
  nbsp: '\u00a0',
  'narrow-nbsp': '\u202f',
  apostrophe: "'",
  comma: ',',
  dot: '.',
  none: '',
};

/**
 * The `--decimal` and `--thousands` flags checked together: decimal `.` or `,`; thousands one of space, no-break
 * space (U+00A0), narrow no-break space (U+202F), `.`, `,`, `'` (or their names: space, nbsp, narrow-nbsp, dot,
 * comma, apostrophe), different from the decimal mark.
 * @throws UsageError for anything else.
 */
export function numberLocale(
  decimal: string | undefined,
  thousands: string | undefined,
): { decimal: '.' | ','; thousands: string | undefined } {
  const d = decimal ?? '.';
  if (d !== '.' && d !== ',') {
    throw new UsageError(`--decimal must be '.' or ',', got '${d}'`, 'e.g. --decimal , for 12,5');
  }
  let t: string | undefined;
  if (thousands !== undefined) {
    t = thousandsNames[thousands.toLowerCase()] ?? thousands;
    if (t === '') t = undefined;
    else if (![' ', '\u00a0', '\u202f', '.', ',', "'"].includes(t)) {
      throw new UsageError(
        `--thousands must be a space, a no-break space, '.', ',' or "'", got '${thousands}'`,
        'names work too: space, nbsp, narrow-nbsp, dot, comma, apostrophe',
      );
    }
  }
  if (t === d) {
    throw new UsageError(
      `--thousands '${t}' is also the decimal mark`,
      d === '.' ? 'pass --decimal , as well' : 'pick another --thousands',
    );
  }
  return { decimal: d, thousands: t };
}

/**
 * Epoch milliseconds of a UTC calendar date and time; unlike `Date.UTC`, years 0–99 are those years (0001-01-01,
 * a common "no date" value of SQL exports, is not 1901-01-01).
 */
export function utcMs(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const infRe = /^\s*([+-]?)(?:inf|infinity)\s*$/i;

/** Parses numbers written with a given decimal mark and thousands separator (pandas' float grammar). */
export class NumberParser {
  private readonly re: RegExp;
  private readonly intRe: RegExp;
  private readonly thousands: string | undefined;
  private readonly decimal: string;

  constructor(decimal: '.' | ',' = '.', thousands?: string) {
    const d = escapeRe(decimal);
    const int = thousands ? `(?:\\d{1,3}(?:${escapeRe(thousands)}\\d{3})+|\\d+)` : '\\d+';
    this.re = new RegExp(`^\\s*[+-]?(?:${int}(?:${d}\\d*)?|${d}\\d+)(?:[eE][+-]?\\d+)?\\s*$`);
    this.intRe = new RegExp(`^\\s*[+-]?${int}\\s*$`);
    this.thousands = thousands;
    this.decimal = decimal;
  }

  /** The number a cell holds (±Infinity for inf/infinity), or undefined when it is not a number. */
  parse(s: string): number | undefined {
    if (this.re.test(s)) {
      let t = s.trim();
      if (this.thousands) t = t.split(this.thousands).join('');
      if (this.decimal !== '.') t = t.replace(this.decimal, '.');
      return Number(t);
    }
    const inf = infRe.exec(s);
    if (inf) return inf[1] === '-' ? -Infinity : Infinity;
    return undefined;
  }

  /** Whether a cell is a whole number written without a decimal part or exponent. */
  isIntegerText(s: string): boolean {
    return this.intRe.test(s);
  }
}

const monthNames = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

type Field = 'Y' | 'y' | 'm' | 'd' | 'H' | 'I' | 'M' | 'S' | 'f' | 'p' | 'z' | 'b' | 'skip';

/**
 * A strptime format (the directives of C/Python/DuckDB strptime: %Y %y %m %d %e %H %I %p %M %S %f %z %Z %b %h %B
 * %a %A %j is not supported) compiled to one regular expression. Times without %z are UTC.
 */
export class DateFormat {
  readonly format: string;
  /** Whether the format has a time of day. */
  readonly hasTime: boolean;
  private readonly re: RegExp;
  private readonly fields: Field[];
  private readonly twelveHour: boolean;

  /** @throws UsageError for a directive it does not know. */
  constructor(format: string) {
    this.format = format;
    const fields: Field[] = [];
    let src = '^\\s*';
    for (let i = 0; i < format.length; i++) {
      const ch = format[i]!;
      if (ch !== '%') {
        src += /\s/.test(ch) ? '\\s+' : escapeRe(ch);
        continue;
      }
      const dir = format[++i];
      const add = (re: string, f: Field) => {
        src += `(${re})`;
        fields.push(f);
      };
      switch (dir) {
        case 'Y':
          add('\\d{4}', 'Y');
          break;
        case 'y':
          add('\\d{2}', 'y');
          break;
        case 'm':
          add('\\d{1,2}', 'm');
          break;
        case 'd':
        case 'e':
          add('\\d{1,2}', 'd');
          break;
        case 'H':
          add('\\d{1,2}', 'H');
          break;
        case 'I':
          add('\\d{1,2}', 'I');
          break;
        case 'M':
          add('\\d{2}', 'M');
          break;
        case 'S':
          add('\\d{2}', 'S');
          break;
        case 'f':
          add('\\d{1,9}', 'f');
          break;
        case 'p':
          add('[AaPp][Mm]', 'p');
          break;
        case 'z':
          add('Z|[+-]\\d{2}(?::?\\d{2})?', 'z');
          break;
        case 'Z':
          add('[A-Za-z]{1,5}', 'skip');
          break;
        case 'b':
        case 'h':
          add('[A-Za-z]{3}', 'b');
          break;
        case 'B':
          add('[A-Za-z]{3,9}', 'b');
          break;
        case 'a':
        case 'A':
          add('[A-Za-z]{3,9}', 'skip');
          break;
        case 'T':
          src += '(\\d{1,2}):(\\d{2}):(\\d{2})';
          fields.push('H', 'M', 'S');
          break;
        case 'F':
          src += '(\\d{4})-(\\d{1,2})-(\\d{1,2})';
          fields.push('Y', 'm', 'd');
          break;
        case '%':
          src += '%';
          break;
        default:
          throw new UsageError(
            `--date-format '${format}': unknown directive %${dir ?? ''}`,
            'use strptime directives such as %d/%m/%Y or %Y-%m-%d %H:%M:%S',
          );
      }
    }
    if (!fields.includes('Y') && !fields.includes('y')) {
      throw new UsageError(`--date-format '${format}' has no year (%Y or %y)`, 'e.g. %d/%m/%Y');
    }
    this.re = new RegExp(`${src}\\s*$`);
    this.fields = fields;
    this.hasTime = fields.includes('H') || fields.includes('I');
    this.twelveHour = fields.includes('I');
  }

  /** Epoch milliseconds (UTC) of a cell in this format, or undefined when it does not match or is no real date. */
  parse(s: string): number | undefined {
    const m = this.re.exec(s);
    if (!m) return undefined;
    let year = 1970;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let ms = 0;
    let pm: boolean | undefined;
    let offsetMin = 0;
    for (let k = 0; k < this.fields.length; k++) {
      const v = m[k + 1]!;
      switch (this.fields[k]!) {
        case 'Y':
          year = Number(v);
          break;
        case 'y': {
          const y = Number(v);
          year = y < 69 ? 2000 + y : 1900 + y; // POSIX pivot, as Python and DuckDB
          break;
        }
        case 'm':
          month = Number(v);
          break;
        case 'd':
          day = Number(v);
          break;
        case 'H':
        case 'I':
          hour = Number(v);
          break;
        case 'M':
          minute = Number(v);
          break;
        case 'S':
          second = Number(v);
          break;
        case 'f':
          ms = Number(`0.${v}`) * 1000;
          break;
        case 'p':
          pm = v.toLowerCase() === 'pm';
          break;
        case 'z': {
          if (v !== 'Z') {
            const sign = v[0] === '-' ? -1 : 1;
            const digits = v.slice(1).replace(':', '');
            offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
          }
          break;
        }
        case 'b': {
          const i = monthNames.findIndex((n) => n.startsWith(v.toLowerCase()) && v.length >= 3);
          if (i < 0 || (v.length > 3 && monthNames[i] !== v.toLowerCase())) return undefined;
          month = i + 1;
          break;
        }
        case 'skip':
          break;
      }
    }
    if (this.twelveHour) {
      // %I without %p is a morning hour, as Python's strptime reads it (12 → 0).
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (pm === true ? 12 : 0);
    }
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
    const t = utcMs(year, month, day, hour, minute, second) + ms;
    if (new Date(t).getUTCDate() !== day) return undefined; // 31 April, 29 February of a common year
    return t - offsetMin * 60000;
  }
}
