import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { sniffEncoding } from '../../src/io/encoding.js';
import { inferTextColumn } from '../../src/io/infer.js';
import {
  DateFormat,
  NumberParser,
  defaultNaTokens,
  naTokenSet,
  numberLocale,
  type TextParsing,
} from '../../src/io/text-values.js';

type ParsingFlags = Partial<Omit<TextParsing, 'dateFormats'>> & { dateFormats?: string[] };
const parsing = ({ dateFormats = [], ...over }: ParsingFlags = {}): TextParsing => ({
  naTokens: naTokenSet(),
  decimal: '.',
  thousands: undefined,
  dateFormats: dateFormats.map((f) => new DateFormat(f)),
  ...over,
});

describe('missing-value tokens', () => {
  it("holds pandas' default list (read_csv STR_NA_VALUES plus None)", () => {
    for (const t of [
      '',
      'NA',
      'N/A',
      'n/a',
      'NULL',
      'null',
      'NaN',
      'nan',
      '-nan',
      '-NaN',
      '#N/A',
      '#N/A N/A',
      '#NA',
      'None',
      '<NA>',
      '1.#IND',
      '-1.#QNAN',
    ]) {
      expect(defaultNaTokens).toContain(t);
    }
    expect(defaultNaTokens).not.toContain('inf');
    expect(defaultNaTokens).not.toContain('-');
    expect(naTokenSet(['?'], false)).toEqual(new Set(['?']));
  });
});

describe('NumberParser', () => {
  it('reads the float grammar pandas reads, infinities included', () => {
    const p = new NumberParser();
    expect(p.parse('12')).toBe(12);
    expect(p.parse(' -1.5e3 ')).toBe(-1500);
    expect(p.parse('.5')).toBe(0.5);
    expect(p.parse('5.')).toBe(5);
    expect(p.parse('inf')).toBe(Infinity);
    expect(p.parse('-Infinity')).toBe(-Infinity);
    expect(p.parse('+INF')).toBe(Infinity);
    expect(p.parse('12,5')).toBeUndefined();
    expect(p.parse('1 234')).toBeUndefined();
    expect(p.parse('abc')).toBeUndefined();
    expect(p.parse('0x10')).toBeUndefined();
    expect(p.isIntegerText('-42')).toBe(true);
    expect(p.isIntegerText('4.0')).toBe(false);
  });

  it('reads decimal commas and thousands separators in groups of three', () => {
    const fr = new NumberParser(',', '\u202f');
    expect(fr.parse('1\u202f234,50')).toBe(1234.5);
    expect(fr.parse('12,5')).toBe(12.5);
    expect(fr.parse('1\u202f23,5')).toBeUndefined();
    const de = new NumberParser(',', '.');
    expect(de.parse('1.234.567,89')).toBe(1234567.89);
    expect(de.parse('2.000')).toBe(2000);
    const us = new NumberParser('.', ',');
    expect(us.parse('1,234.5')).toBe(1234.5);
    const ch = new NumberParser('.', "'");
    expect(ch.parse("1'234.50")).toBe(1234.5);
  });

  it('checks --decimal and --thousands together', () => {
    expect(numberLocale(',', 'space')).toEqual({ decimal: ',', thousands: ' ' });
    expect(numberLocale(undefined, 'nbsp')).toEqual({ decimal: '.', thousands: '\u00a0' });
    expect(() => numberLocale(';', undefined)).toThrow(UsageError);
    expect(() => numberLocale(undefined, '.')).toThrow(/also the decimal mark/);
    expect(() => numberLocale(',', '_')).toThrow(UsageError);
  });
});

describe('DateFormat (strptime)', () => {
  it('parses day-first, month-first, times, names and offsets', () => {
    expect(new DateFormat('%d/%m/%Y').parse('13/01/2026')).toBe(Date.UTC(2026, 0, 13));
    expect(new DateFormat('%m/%d/%Y').parse('01/13/2026')).toBe(Date.UTC(2026, 0, 13));
    expect(new DateFormat('%d.%m.%y').parse('5.3.26')).toBe(Date.UTC(2026, 2, 5));
    expect(new DateFormat('%d/%m/%Y %H:%M').parse('13/01/2026 09:30')).toBe(Date.UTC(2026, 0, 13, 9, 30));
    expect(new DateFormat('%Y-%m-%dT%H:%M:%S.%f%z').parse('2026-01-13T10:00:00.250+01:00')).toBe(
      Date.UTC(2026, 0, 13, 9, 0, 0, 250),
    );
    expect(new DateFormat('%d %b %Y').parse('7 Mar 2025')).toBe(Date.UTC(2025, 2, 7));
    expect(new DateFormat('%B %d, %Y').parse('March 7, 2025')).toBe(Date.UTC(2025, 2, 7));
    expect(new DateFormat('%m/%d/%Y %I:%M %p').parse('01/13/2026 12:15 AM')).toBe(
      Date.UTC(2026, 0, 13, 0, 15),
    );
    expect(new DateFormat('%m/%d/%Y %I:%M %p').parse('01/13/2026 1:15 PM')).toBe(
      Date.UTC(2026, 0, 13, 13, 15),
    );
  });

  it('reads years as written and %I without %p as a morning hour', () => {
    expect(new Date(new DateFormat('%d/%m/%Y').parse('01/01/0001')!).toISOString()).toBe(
      '0001-01-01T00:00:00.000Z',
    );
    expect(new Date(new DateFormat('%Y-%m-%d').parse('0099-01-15')!).toISOString()).toBe(
      '0099-01-15T00:00:00.000Z',
    );
    expect(new DateFormat('%d/%m/%Y %I:%M').parse('13/01/2026 12:30')).toBe(Date.UTC(2026, 0, 13, 0, 30));
  });

  it('refuses impossible dates and unknown directives', () => {
    const f = new DateFormat('%d/%m/%Y');
    expect(f.parse('31/04/2026')).toBeUndefined();
    expect(f.parse('29/02/2025')).toBeUndefined();
    expect(f.parse('29/02/2024')).toBe(Date.UTC(2024, 1, 29));
    expect(f.parse('13/13/2026')).toBeUndefined();
    expect(f.parse('2026-01-13')).toBeUndefined();
    expect(() => new DateFormat('%d/%m/%Q')).toThrow(UsageError);
    expect(() => new DateFormat('%d/%m')).toThrow(/no year/);
    expect(new DateFormat('%d/%m/%Y').hasTime).toBe(false);
    expect(new DateFormat('%Y-%m-%d %H:%M').hasTime).toBe(true);
  });
});

describe('inferTextColumn', () => {
  const col = (values: (string | null)[], over: ParsingFlags = {}) =>
    inferTextColumn('c', values, { parsing: parsing(over), convert: true, maxLevels: 1000 });

  it('turns all-number text (NA tokens and infinities included) into a numeric column', () => {
    const { column, notes } = col(['1.5', 'N/A', 'inf', '-2', 'NULL', '']);
    expect(column.kind).toBe('numeric');
    expect(column.kind === 'numeric' && Array.from(column.values)).toEqual([
      1.5,
      NaN,
      Infinity,
      -2,
      NaN,
      NaN,
    ]);
    expect(notes).toEqual([]);
    const ints = col(['1', '2', 'NA']).column;
    expect(ints.kind === 'numeric' && ints.type).toBe('integer');
  });

  it('keeps a mostly-number column as text and says which cells, with row numbers', () => {
    const values = Array.from({ length: 40 }, (_, i) => String(i));
    values[16] = 'abc';
    const { column, notes } = col(values);
    expect(column.kind).not.toBe('numeric');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      kind: 'text-with-numbers',
      count: 1,
      examples: [{ row: 17, value: 'abc' }],
    });
    expect(notes[0]!.message).toContain("1 of 40 values are not numbers (row 17: 'abc')");
  });

  it('keeps typed text (JSON strings, Excel text cells) as text, but reads --date-format dates', () => {
    const typed = (values: string[], over: ParsingFlags = {}) =>
      inferTextColumn('c', values, {
        parsing: parsing(over),
        convert: false,
        convertDates: true,
        maxLevels: 1000,
      });
    expect(typed(['01234', '99999']).column.kind).not.toBe('numeric');
    const d = typed(['13/01/2026', '02/03/2026'], { dateFormats: ['%d/%m/%Y'] }).column;
    expect(d.kind === 'numeric' && d.type).toBe('date');
  });

  it('says nothing about real text columns', () => {
    expect(col(['north', 'south', '12', 'east']).notes).toEqual([]);
  });

  it('writes exact integers in canonical form', () => {
    const { column } = col(['007', '-0', '9007199254740993']);
    expect(column.kind === 'string' && column.values).toEqual(['7', '0', '9007199254740993']);
  });

  it('keeps whole numbers past 2^53 exact, as integer text', () => {
    const { column, notes } = col(['9007199254740993', '9007199254740995', 'NA']);
    expect(column.kind).toBe('string');
    expect(column.kind === 'string' && [column.values, column.integer]).toEqual([
      ['9007199254740993', '9007199254740995', null],
      true,
    ]);
    expect(notes[0]!.kind).toBe('exact-integers');
  });

  it('hints at --decimal and --date-format, and reads them when given', () => {
    const money = ['1\u202f234,50', '12,5', '3,0'];
    expect(col(money).notes[0]).toMatchObject({
      kind: 'decimal-comma',
      hint: 'pass --decimal , --thousands narrow-nbsp to read them as numbers',
    });
    const read = col(money, { decimal: ',', thousands: '\u202f' }).column;
    expect(read.kind === 'numeric' && Array.from(read.values)).toEqual([1234.5, 12.5, 3]);
    expect(col(['13/01/2026', '02/03/2026']).notes[0]!.hint).toBe(
      "pass --date-format '%d/%m/%Y' to read them as dates",
    );
    expect(col(['01/13/2026', '02/03/2026']).notes[0]!.hint).toBe(
      "pass --date-format '%m/%d/%Y' to read them as dates",
    );
    expect(col(['01/02/2026', '02/03/2026']).notes[0]!.message).toContain(
      'ambiguous between day-first and month-first',
    );
    const dates = col(['13/01/2026', '02/03/2026', 'NA'], { dateFormats: ['%d/%m/%Y'] }).column;
    expect(dates.kind === 'numeric' && [dates.type, Array.from(dates.values)]).toEqual([
      'date',
      [Date.UTC(2026, 0, 13), Date.UTC(2026, 2, 2), NaN],
    ]);
    const two = col(['13/01/2026', '2026-03-02'], { dateFormats: ['%d/%m/%Y', '%Y-%m-%d'] }).column;
    expect(two.kind).toBe('numeric');
    // Some cells match, some do not: text, and a note naming the first that does not.
    const some = col(['13/01/2026', '14/01/2026', 'garbage'], { dateFormats: ['%d/%m/%Y'] });
    expect(some.column.kind).not.toBe('numeric');
    expect(some.notes[0]).toMatchObject({ kind: 'date-mismatch', examples: [{ row: 3, value: 'garbage' }] });
    // Thousands separators only between groups of three digits: 1.5 is not 15.
    const strict = col(['1.5', '2.000,25', '7,5'], { decimal: ',', thousands: '.' }).column;
    expect(strict.kind).not.toBe('numeric');
  });
});

describe('sniffEncoding', () => {
  it('tells UTF-8, UTF-16 and Windows-1252 apart, and gives up on binary', () => {
    expect(sniffEncoding(Buffer.from('a,b\nÎle,1\n', 'utf8'), true)).toBe('utf-8');
    expect(sniffEncoding(Buffer.from('a,b\nÎle,1\n', 'latin1'), true)).toBe('windows-1252');
    expect(sniffEncoding(Buffer.from('\ufeffa,b\n', 'utf16le'), true)).toBe('utf-16le');
    expect(sniffEncoding(Buffer.from('a,b\n1,2\n', 'utf16le'), true)).toBe('utf-16le');
    expect(sniffEncoding(Buffer.from([0x81, 0x00, 0x02, 0x03, 0x8d]), true)).toBeUndefined();
    // A prefix cut inside a multi-byte character is still UTF-8.
    expect(sniffEncoding(Buffer.from('a,é', 'utf8').subarray(0, 3), false)).toBe('utf-8');
  });
});
