import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Dataset,
  categoricalColumn,
  cellText,
  columnLength,
  numericColumn,
  stringColumn,
  type Column,
} from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { inputFormatOf, outputFormatOf } from '../../src/io/format.js';
import { readDataset } from '../../src/io/read.js';
import { writeDataset } from '../../src/io/write.js';
import { readXlsx, writeXlsx, type XlsxReadOptions } from '../../src/io/xlsx.js';
import { fixtures, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const fixture = join(fixtures, 'customers.xlsx');
const opts = (extra: Partial<XlsxReadOptions> = {}): XlsxReadOptions => ({
  naTokens: new Set(['NA']),
  maxLevels: 1000,
  ...extra,
});
const texts = (c: Column) => Array.from({ length: columnLength(c) }, (_, i) => cellText(c, i));
const kinds = (ds: Dataset) => ds.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind]);

/** Write a workbook built by `build` to the temp folder and return its path. */
async function workbook(name: string, build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const p = join(tmp.dir, name);
  await wb.xlsx.writeFile(p);
  return p;
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { hint?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { hint?: string };
  }
  throw new Error('expected a rejection');
}

describe('readXlsx on the fixture', () => {
  it('types each column from its cells', async () => {
    const ds = await readXlsx(fixture, 'customers.xlsx', opts());
    expect(ds.nRows).toBe(60);
    expect(kinds(ds)).toEqual([
      ['id', 'string'],
      ['spend', 'double'],
      ['visits', 'integer'],
      ['signup', 'date'],
      ['newsletter', 'boolean'],
      ['region', 'categorical'],
      ['spend_per_visit', 'double'],
    ]);
    expect(texts(ds.column('id')).slice(0, 3)).toEqual(['C001', 'C002', 'C003']);
    const newsletter = Array.from(ds.numeric('newsletter').values);
    expect(new Set(newsletter)).toEqual(new Set([0, 1]));
    for (const v of ds.numeric('signup').values) expect(v % 86_400_000).toBe(0);
    expect(ds.numeric('signup').values[0]).toBeGreaterThanOrEqual(Date.UTC(2022, 0, 1));
    const region = ds.column('region');
    expect(region.kind === 'categorical' && region.levels).toEqual(['East', 'North', 'South', 'West']);
  });

  it('takes formulas by their cached result; an error result is missing', async () => {
    const ds = await readXlsx(fixture, 'customers.xlsx', opts());
    const spend = ds.numeric('spend').values;
    const visits = ds.numeric('visits').values;
    const perVisit = ds.numeric('spend_per_visit').values;
    for (let i = 0; i < ds.nRows; i++) {
      if (visits[i] === 0) expect(perVisit[i]).toBeNaN();
      else expect(perVisit[i]).toBe(spend[i]! / visits[i]!);
    }
    expect(visits[16]).toBe(0);
    expect(perVisit[16]).toBeNaN();
  });

  it('treats text equal to an NA token as missing, and only then', async () => {
    const withNa = await readXlsx(fixture, 'customers.xlsx', opts());
    expect(cellText(withNa.column('region'), 22)).toBeNull();
    const without = await readXlsx(fixture, 'customers.xlsx', opts({ naTokens: new Set() }));
    expect(cellText(without.column('region'), 22)).toBe('NA');
  });

  it('picks a sheet by name or by 1-based position; rich text and hyperlinks read as their text', async () => {
    const byName = await readXlsx(fixture, 'customers.xlsx', opts({ sheet: 'notes' }));
    const byIndex = await readXlsx(fixture, 'customers.xlsx', opts({ sheet: '2' }));
    expect(byIndex).toEqual(byName);
    expect(byName.names).toEqual(['topic', 'owner', 'link', 'due']);
    expect(texts(byName.column('topic'))).toEqual(['Spring campaign', 'Churn review', 'Loyalty tiers']);
    expect(texts(byName.column('link'))).toEqual(['brief', null, 'deck']);
    expect(kinds(byName)[3]).toEqual(['due', 'timestamp']);
    expect(byName.numeric('due').values[0]).toBe(Date.UTC(2026, 2, 1, 9, 30));
    const first = await readXlsx(fixture, 'customers.xlsx', opts({ sheet: '1' }));
    expect(first.nRows).toBe(60);
  });

  it('names the sheets when the one asked for does not exist', async () => {
    for (const sheet of ['orders', '3', '0']) {
      const e = await failure(readXlsx(fixture, 'customers.xlsx', opts({ sheet })));
      expect(e).toBeInstanceOf(DataError);
      expect(e.message).toBe(`customers.xlsx: has no sheet '${sheet}'`);
      expect(e.hint).toContain("1 'customers', 2 'notes'");
    }
  });

  it('applies --types overrides, and names the cell that does not fit', async () => {
    const ds = await readXlsx(
      fixture,
      'customers.xlsx',
      opts({ types: { visits: 'string', region: 'string', newsletter: 'integer' } }),
    );
    expect(ds.column('visits').kind).toBe('string');
    expect(cellText(ds.column('visits'), 16)).toBe('0');
    expect(ds.column('region').kind).toBe('string');
    expect(kinds(ds)[4]).toEqual(['newsletter', 'integer']);
    const e = await failure(readXlsx(fixture, 'customers.xlsx', opts({ types: { spend: 'integer' } })));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(
      /^customers\.xlsx: customers!B2: "222\.86" in column 'spend' does not fit the type integer/,
    );
    const u = await failure(readXlsx(fixture, 'customers.xlsx', opts({ types: { nope: 'double' } })));
    expect(u).toBeInstanceOf(UsageError);
    expect(u.message).toContain("--types names column 'nope'");
  });
});

describe('readXlsx on crafted workbooks', () => {
  it('finds the header after blank rows, keeps blank rows in the middle and drops them at the end', async () => {
    const p = await workbook('blank-rows.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.getCell('A2').value = '  a ';
      ws.getCell('B2').value = 'b';
      ws.getCell('A3').value = 1;
      ws.getCell('B3').value = 'x';
      ws.getCell('A5').value = 2;
      ws.getCell('B5').value = 'y';
      ws.getCell('A7').value = 3;
      ws.getCell('B7').value = 'NA';
      // A formatted but empty cell after the data is not a row.
      ws.getCell('A9').numFmt = '0.00';
    });
    const ds = await readXlsx(p, 'blank-rows.xlsx', opts());
    expect(ds.names).toEqual(['a', 'b']);
    expect(ds.nRows).toBe(5);
    expect(Array.from(ds.numeric('a').values)).toEqual([1, NaN, 2, NaN, 3]);
    expect(texts(ds.column('b'))).toEqual(['x', null, 'y', null, null]);
  });

  it('skips empty margin columns left of the header, but not values in them', async () => {
    const p = await workbook('margin.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.getCell('C3').value = 'a';
      ws.getCell('D3').value = 'b';
      ws.getCell('C4').value = 1;
      ws.getCell('D5').value = 'x';
    });
    const ds = await readXlsx(p, 'margin.xlsx', opts());
    expect(ds.names).toEqual(['a', 'b']);
    expect(Array.from(ds.numeric('a').values)).toEqual([1, NaN]);
    expect(texts(ds.column('b'))).toEqual([null, 'x']);
    const q = await workbook('margin-value.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.getCell('B1').value = 'a';
      ws.getCell('B2').value = 1;
      ws.getCell('A3').value = 'note';
    });
    const e = await failure(readXlsx(q, 'margin-value.xlsx', opts()));
    expect(e.message).toBe(
      "margin-value.xlsx: column A of sheet 'Sheet1' has no name in the header (Sheet1!A1)",
    );
  });

  it('reads a mixed column as text and leaves NA look-alikes alone', async () => {
    const p = await workbook('mixed.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(['mixed', 'text', 'formula', 'merged']);
      ws.addRow([1.5, ' NA', { formula: '1+1' }, 'top']);
      ws.addRow(['a', '', { formula: 'A1', result: 'ok' }, null]);
      ws.addRow([true, 'na', { sharedFormula: 'C3', result: 7 } as ExcelJS.CellValue, 'z']);
      ws.addRow([new Date(Date.UTC(2026, 0, 2)), 'n/a', { error: '#N/A' } as ExcelJS.CellValue, 'w']);
      ws.addRow([new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), 'NA', null, 'v']);
      ws.mergeCells('D2:D3');
    });
    const ds = await readXlsx(p, 'mixed.xlsx', opts({ types: { text: 'string', merged: 'string' } }));
    expect(texts(ds.column('mixed'))).toEqual(['1.5', 'a', 'true', '2026-01-02', '2026-01-02T03:04:05.000Z']);
    expect(texts(ds.column('text'))).toEqual([' NA', null, 'na', 'n/a', null]);
    expect(texts(ds.column('formula'))).toEqual([null, 'ok', '7', null, null]);
    expect(texts(ds.column('merged'))).toEqual(['top', null, 'z', 'w', 'v']);
  });

  it('reads whole numbers as integer and all-missing columns as double', async () => {
    const p = await workbook('numbers.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(['whole', 'big', 'empty', 'flag']);
      ws.addRow([1, 2 ** 53, null, true]);
      ws.addRow([-4, 1, 'NA', false]);
    });
    const ds = await readXlsx(p, 'numbers.xlsx', opts());
    expect(kinds(ds)).toEqual([
      ['whole', 'integer'],
      ['big', 'double'],
      ['empty', 'double'],
      ['flag', 'boolean'],
    ]);
  });

  it('converts text and serial numbers under forced numeric types', async () => {
    const p = await workbook('forced.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(['amount', 'when', 'serial', 'yes']);
      ws.addRow(['1.25', '2026-01-02', 46024, 'Yes']);
      ws.addRow([' 3 ', '2026-01-02T10:00:00+01:00', 46024.5, 'no']);
    });
    const ds = await readXlsx(
      p,
      'forced.xlsx',
      opts({ types: { amount: 'double', when: 'timestamp', serial: 'date', yes: 'boolean' } }),
    );
    expect(Array.from(ds.numeric('amount').values)).toEqual([1.25, 3]);
    expect(Array.from(ds.numeric('when').values)).toEqual([Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 2, 9)]);
    expect(Array.from(ds.numeric('serial').values)).toEqual([Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 2)]);
    expect(Array.from(ds.numeric('yes').values)).toEqual([1, 0]);
    const e = await failure(readXlsx(p, 'forced.xlsx', opts({ types: { yes: 'date' } })));
    expect(e.message).toMatch(/^forced\.xlsx: Sheet1!D2: "Yes" in column 'yes' does not fit the type date/);
  });

  it('refuses an empty header cell, a duplicate name and a value beyond the header', async () => {
    const gap = await workbook('gap.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(['a', null, 'c']);
      ws.addRow([1, 2, 3]);
    });
    const e1 = await failure(readXlsx(gap, 'gap.xlsx', opts()));
    expect(e1).toBeInstanceOf(DataError);
    expect(e1.message).toBe("gap.xlsx: column B of sheet 'Sheet1' has no name in the header (Sheet1!B1)");

    const dup = await workbook('dup.xlsx', (wb) => {
      const ws = wb.addWorksheet('My data');
      ws.addRow(['x', 'y ', ' y']);
      ws.addRow([1, 2, 3]);
    });
    const e2 = await failure(readXlsx(dup, 'dup.xlsx', opts()));
    expect(e2.message).toBe("dup.xlsx: duplicate column name 'y' in the header of sheet 'My data'");

    const wide = await workbook('wide.xlsx', (wb) => {
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(['a', 'b', 'c', 'd', 'e']);
      for (let i = 0; i < 10; i++) ws.addRow([i, i, i, i, i]);
      ws.getCell('F12').value = 'stray';
    });
    const e3 = await failure(readXlsx(wide, 'wide.xlsx', opts()));
    expect(e3.message).toBe("wide.xlsx: Sheet1!F12: a value beyond the header's 5 columns");

    const quoted = await workbook('quoted.xlsx', (wb) => {
      const ws = wb.addWorksheet("Bob's sheet");
      ws.addRow(['a']);
      ws.addRow([1, 2]);
    });
    const e4 = await failure(readXlsx(quoted, 'quoted.xlsx', opts()));
    expect(e4.message).toBe("quoted.xlsx: 'Bob''s sheet'!B2: a value beyond the header's 1 columns");
  });

  it('refuses an empty sheet and a header without rows', async () => {
    const p = await workbook('empty.xlsx', (wb) => {
      wb.addWorksheet('Data').addRow(['a', 'b']);
      wb.addWorksheet('Empty');
    });
    const e1 = await failure(readXlsx(p, 'empty.xlsx', opts({ sheet: 'Empty' })));
    expect(e1).toBeInstanceOf(DataError);
    expect(e1.message).toBe("empty.xlsx: sheet 'Empty' is empty");
    const e2 = await failure(readXlsx(p, 'empty.xlsx', opts()));
    expect(e2.message).toBe('empty.xlsx: has a header but no data rows');
  });
});

describe('readXlsx on files that are not workbooks', () => {
  const bytes = readFileSync(fixture);
  const file = (name: string, data: Buffer | string) => {
    const p = join(tmp.dir, name);
    writeFileSync(p, data);
    return p;
  };
  const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

  it('reports a truncated workbook, a non-zip file and an empty file in one line', async () => {
    for (const [name, data, why] of [
      ['truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2)), /\(.+\)$/],
      ['text.xlsx', 'id,x\n1,2\n', /\(not a zip archive\)$/],
      ['tiny.xlsx', 'PK', /\(not a zip archive\)$/],
      ['empty.xlsx', '', /\(the file is empty\)$/],
    ] as const) {
      const e = await failure(readXlsx(file(name, data), name, opts()));
      expect(e).toBeInstanceOf(DataError);
      expect(e.message).toMatch(new RegExp(`^${name.replace('.', '\\.')}: not a valid \\.xlsx workbook \\(`));
      expect(e.message).toMatch(why);
      expect(e.message).not.toContain('\n');
      expect(e.hint).toBe('re-save it from Excel, or export CSV');
    }
  });

  it('recognises password-protected and legacy binary workbooks', async () => {
    const encrypted = Buffer.concat([ole, Buffer.alloc(504), Buffer.from('EncryptionInfo', 'utf16le')]);
    const e1 = await failure(readXlsx(file('locked.xlsx', encrypted), 'locked.xlsx', opts()));
    expect(e1).toBeInstanceOf(DataError);
    expect(e1.message).toBe('locked.xlsx: the workbook is password-protected');
    expect(e1.hint).toBe('save an unprotected copy');
    const legacy = Buffer.concat([ole, Buffer.alloc(504), Buffer.from('Workbook', 'utf16le')]);
    const e2 = await failure(readXlsx(file('old.xlsx', legacy), 'old.xlsx', opts()));
    expect(e2.message).toBe('old.xlsx: looks like a legacy .xls (binary) workbook, not .xlsx');
  });

  it('reports a missing file', async () => {
    const e = await failure(readXlsx(join(tmp.dir, 'none.xlsx'), 'none.xlsx', opts()));
    expect(e.message).toBe('none.xlsx: file not found');
  });
});

describe('writeXlsx', () => {
  it('round-trips the fixture: read(write(ds)) equals ds', async () => {
    const ds = await readXlsx(fixture, 'customers.xlsx', opts());
    const out = join(tmp.dir, 'roundtrip.xlsx');
    await writeXlsx(ds, out);
    const back = await readXlsx(out, 'roundtrip.xlsx', opts({ sheet: 'data' }));
    expect(back.columns).toEqual(ds.columns);
    expect(back.nRows).toBe(ds.nRows);
  });

  it('round-trips the CSV fixture through writeDataset, with the same bytes on every write', async () => {
    const ds = await readDataset(join(fixtures, 'customers.csv'));
    const a = join(tmp.dir, 'a.xlsx');
    const b = join(tmp.dir, 'b.xlsx');
    await writeDataset(ds, a);
    await new Promise((r) => setTimeout(r, 2100));
    await writeDataset(ds, b);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const back = await readXlsx(a, 'a.xlsx', opts({ naTokens: new Set() }));
    expect(back.columns).toEqual(ds.columns);
  });

  it('refuses text longer than an Excel cell holds, and writes nothing', async () => {
    const out = join(tmp.dir, 'long.xlsx');
    const ds = Dataset.of([stringColumn('note', ['ok', 'x'.repeat(32_768)])]);
    const e = await failure(writeXlsx(ds, out));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(
      `cannot write ${out}: the text in column 'note', row 2 is longer than Excel's 32767 characters`,
    );
    expect(tmp.files().filter((f) => f.includes('long.xlsx'))).toEqual([]);
  });

  it('writes typed cells: numbers, booleans, dates with a date format, text never as a formula', async () => {
    const ds = Dataset.of([
      stringColumn('s', ['=1+1', null]),
      categoricalColumn('c', Int32Array.from([1, -1]), ['a', 'b']),
      numericColumn('x', Float64Array.from([1.5, NaN])),
      numericColumn('n', Float64Array.from([3, Infinity]), 'integer'),
      numericColumn('flag', Float64Array.from([1, 0]), 'boolean'),
      numericColumn('day', Float64Array.from([Date.UTC(2026, 0, 2), NaN]), 'date'),
      numericColumn('ts', Float64Array.from([Date.UTC(2026, 0, 2, 3, 4, 5, 6), NaN]), 'timestamp'),
    ]);
    const out = join(tmp.dir, 'typed.xlsx');
    await writeXlsx(ds, out);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['data']);
    const ws = wb.getWorksheet('data')!;
    expect(ws.getRow(1).values).toEqual([undefined, 's', 'c', 'x', 'n', 'flag', 'day', 'ts']);
    const row2 = ws.getRow(2);
    expect(row2.getCell(1).value).toBe('=1+1');
    expect(row2.getCell(1).type).toBe(ExcelJS.ValueType.String);
    expect(row2.getCell(2).value).toBe('b');
    expect(row2.getCell(3).value).toBe(1.5);
    expect(row2.getCell(5).value).toBe(true);
    expect(row2.getCell(6).value).toEqual(new Date(Date.UTC(2026, 0, 2)));
    expect(row2.getCell(6).numFmt).toBe('yyyy-mm-dd');
    expect(row2.getCell(7).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    const row3 = ws.getRow(3);
    for (let j = 1; j <= 7; j++) if (j !== 5) expect(row3.getCell(j).value ?? null).toBeNull();
    const back = await readXlsx(out, 'typed.xlsx', opts());
    // Text kinds follow the reader's rule (few distinct values → categorical); unused levels are not kept.
    expect(kinds(back)).toEqual([
      ['s', 'categorical'],
      ['c', 'categorical'],
      ['x', 'double'],
      ['n', 'integer'],
      ['flag', 'boolean'],
      ['day', 'date'],
      ['ts', 'timestamp'],
    ]);
    expect(back.numeric('ts').values[0]).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
  });
});

describe('formats', () => {
  it('reads .xlsx and .xlsm, refuses legacy .xls', () => {
    expect(inputFormatOf('a.xlsx')).toBe('xlsx');
    expect(inputFormatOf('A.XLSM')).toBe('xlsx');
    expect(() => inputFormatOf('a.xls')).toThrow(UsageError);
    expect(() => inputFormatOf('a.xls')).toThrow(/cannot read legacy \.xls workbooks/);
  });

  it('writes .xlsx, refuses extensions that are not data segment writes, keeps Parquet otherwise', () => {
    expect(outputFormatOf('out.xlsx')).toBe('xlsx');
    for (const p of ['out.xls', 'out.xlsm', 'out.html', 'out.yaml', 'out.yml']) {
      expect(() => outputFormatOf(p)).toThrow(UsageError);
    }
    expect(() => outputFormatOf('out.xls')).toThrow(/segment does not write \.xls files/);
    for (const p of ['out.parquet', 'out.pq', 'out', 'out.data']) expect(outputFormatOf(p)).toBe('parquet');
  });
});
