import { readFile, writeFile } from 'node:fs/promises';
import type * as ExcelJS from 'exceljs';
import { Dataset, cellText, numericColumn, type Column, type NumericType } from '../core/dataset.js';
import { DataError, UsageError } from '../core/errors.js';
import { writeAtomic } from './atomic.js';
import { utcMs } from './text-values.js';
import type { TypeOverride } from './read.js';
import { textColumn } from './text-column.js';

/** Options of {@link readXlsx}. */
export interface XlsxReadOptions {
  /** A sheet name, or a 1-based position given as digits ("2"); default the first worksheet. */
  sheet?: string | undefined;
  /** Text cells exactly equal to one of these (no trimming) are missing. */
  naTokens: ReadonlySet<string>;
  /** Text columns with at most this many distinct values (and at most half the rows) become categorical. */
  maxLevels: number;
  /** Forced column types. */
  types?: Readonly<Record<string, TypeOverride>> | undefined;
}

/** The most rows and columns an Excel worksheet holds. */
const maxSheetRows = 1_048_576;
const maxSheetCols = 16_384;
/** The longest text an Excel cell holds. */
const maxCellText = 32_767;

const MS_PER_DAY = 86_400_000;
/** Excel's serial day 0 (1899-12-30) as Unix epoch days. */
const EXCEL_EPOCH_DAYS = 25_569;

/** ExcelJS is loaded on first use: most commands never touch a workbook. */
async function loadExcel(): Promise<typeof ExcelJS> {
  return ((await import('exceljs')) as unknown as { default: typeof ExcelJS }).default;
}

/** A cell's value once formulas, rich text and hyperlinks are resolved; null when empty or an error. */
type Cell = number | string | boolean | Date | null;

/**
 * Read one worksheet of an .xlsx workbook into a Dataset. The first non-empty row is the header, from its first to
 * its last non-empty cell (empty margin columns on the left are skipped); later rows are data (blank rows in the
 * middle are all-missing rows, blank rows at the end are dropped, as pandas' read_excel does). Columns take their
 * type from their cells: numbers → double (integer when all whole), booleans → boolean, dates → timestamp (date
 * when all at midnight), anything else or a mix → text (numbers in shortest form, dates ISO-8601). Formulas count by their cached
 * result; error results (#N/A, #DIV/0!…), formulas without a cached result, empty cells and text equal to an NA
 * token are missing. A sheet is picked by name first, then by 1-based position.
 * The whole workbook is held in memory (ExcelJS): O(cells) time and memory.
 * @throws DataError for a damaged, password-protected or legacy .xls file, an unknown or empty sheet, a header
 * with an empty or duplicate name, a value beyond the header's columns, or a cell that does not fit a forced type;
 * UsageError for a `types` column the sheet does not have.
 */
export async function readXlsx(path: string, name: string, opts: XlsxReadOptions): Promise<Dataset> {
  const ws = pickSheet(await loadWorkbook(path, name), name, opts.sheet);
  const ref = (row: number, col: number) => `${sheetRef(ws.name)}!${columnLetter(col)}${row}`;

  // Sparse rows as ExcelJS keeps them: row number → [column number, value] pairs of non-empty cells.
  const rows: { row: number; cells: [number, Cell][] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: [number, Cell][] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      // Only the top-left cell of a merged range holds the value (as openpyxl reads it).
      if (cell.isMerged && cell.master !== cell) return;
      const v = resolve(cell.value);
      if (v !== null && v !== '') cells.push([col, v]);
    });
    if (cells.length > 0) rows.push({ row: rowNumber, cells });
  });
  const header = rows[0];
  if (!header) {
    throw new DataError(`${name}: sheet '${ws.name}' is empty`, `expected a header row with column names`);
  }

  // The table spans the header's first to last non-empty cell: empty margin columns on the left are not part of it.
  const left = header.cells[0]![0];
  const right = header.cells[header.cells.length - 1]![0];
  const width = right - left + 1;
  const unnamed = (col: number) =>
    new DataError(
      `${name}: column ${columnLetter(col)} of sheet '${ws.name}' has no name in the header (${ref(header.row, col)})`,
      'give every column a name in the header row, or delete the column',
    );
  const names = new Array<string>(width).fill('');
  for (const [col, v] of header.cells) names[col - left] = headerText(v).trim();
  const seen = new Set<string>();
  names.forEach((n, j) => {
    if (n === '') throw unnamed(left + j);
    if (seen.has(n)) {
      throw new DataError(
        `${name}: duplicate column name '${n}' in the header of sheet '${ws.name}'`,
        'rename one of them',
      );
    }
    seen.add(n);
  });
  for (const col of Object.keys(opts.types ?? {})) {
    if (!seen.has(col)) {
      throw new UsageError(
        `--types names column '${col}', which ${name} (sheet '${ws.name}') does not have`,
        `columns: ${names.join(', ')}`,
      );
    }
  }

  const data = rows.slice(1);
  const last = data[data.length - 1];
  if (!last) {
    throw new DataError(`${name}: has a header but no data rows`, 'expected at least one row of data');
  }
  const first = header.row + 1;
  const nRows = last.row - header.row;
  const cells: Cell[][] = names.map(() => new Array<Cell>(nRows).fill(null));
  for (const { row, cells: rowCells } of data) {
    for (const [col, v] of rowCells) {
      if (col < left) throw unnamed(col);
      if (col > right) {
        throw new DataError(
          `${name}: ${ref(row, col)}: a value beyond the header's ${width} columns`,
          'name the column in the header row, or delete the stray value',
        );
      }
      cells[col - left]![row - first] = typeof v === 'string' && opts.naTokens.has(v) ? null : v;
    }
  }

  const columns = names.map((col, j) =>
    buildColumn(col, cells[j]!, opts.types?.[col], opts.maxLevels, (i) => ref(first + i, left + j), name),
  );
  return Dataset.of(columns, {}, nRows);
}

async function loadWorkbook(path: string, name: string): Promise<ExcelJS.Workbook> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${name}: file not found`, 'check the path');
    if (code === 'EACCES') throw new DataError(`${name}: permission denied`);
    if (code === 'EISDIR') throw new DataError(`${name}: is a directory, not a data file`);
    throw new DataError(`${name}: cannot read (${(e as Error).message})`);
  }
  const damaged = (why: string) =>
    new DataError(`${name}: not a valid .xlsx workbook (${why})`, 're-save it from Excel, or export CSV');
  if (bytes.length === 0) throw damaged('the file is empty');
  if (isOle(bytes)) {
    // Excel saves an encrypted workbook as an OLE compound file holding an "EncryptionInfo" stream
    // (MS-OFFCRYPTO); any other OLE file with this extension is a binary .xls workbook.
    if (bytes.includes(Buffer.from('EncryptionInfo', 'utf16le'))) {
      throw new DataError(`${name}: the workbook is password-protected`, 'save an unprotected copy');
    }
    throw new DataError(
      `${name}: looks like a legacy .xls (binary) workbook, not .xlsx`,
      'save it as .xlsx or CSV',
    );
  }
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) throw damaged('not a zip archive');
  const Excel = await loadExcel();
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as Parameters<ExcelJS.Xlsx['load']>[0]);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
    throw damaged(why.length > 100 ? `${why.slice(0, 97)}…` : why || 'unreadable');
  }
  if (wb.worksheets.length === 0) throw damaged('it has no worksheets');
  return wb;
}

function isOle(bytes: Buffer): boolean {
  const magic = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function pickSheet(wb: ExcelJS.Workbook, name: string, sheet: string | undefined): ExcelJS.Worksheet {
  const sheets = wb.worksheets;
  if (sheet === undefined) return sheets[0]!;
  const byName = sheets.find((s) => s.name === sheet);
  if (byName) return byName;
  if (/^\d+$/.test(sheet)) {
    const byIndex = sheets[Number(sheet) - 1];
    if (byIndex) return byIndex;
  }
  throw new DataError(
    `${name}: has no sheet '${sheet}'`,
    `sheets: ${sheets.map((s, i) => `${i + 1} '${s.name}'`).join(', ')} (pass --sheet NAME or a 1-based number)`,
  );
}

/** The value a cell shows: cached formula results, plain text of rich text and hyperlinks; errors are null. */
function resolve(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('hyperlink' in v) return resolve(v.text as ExcelJS.CellValue);
  if ('formula' in v || 'sharedFormula' in v) return resolve(v.result as ExcelJS.CellValue);
  // { error: '#N/A' } and anything ExcelJS may add later.
  return null;
}

function headerText(v: Cell): string {
  return v === null ? '' : typeof v === 'string' ? v : renderText(v);
}

/** A non-text cell as text: shortest round-trip numbers, true/false, ISO-8601 dates (date only at midnight). */
function renderText(v: number | boolean | Date): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const ms = v.getTime();
  return ms % MS_PER_DAY === 0 ? v.toISOString().slice(0, 10) : v.toISOString();
}

function buildColumn(
  col: string,
  cells: readonly Cell[],
  forced: TypeOverride | undefined,
  maxLevels: number,
  ref: (i: number) => string,
  file: string,
): Column {
  const n = cells.length;
  if (forced === 'string' || forced === 'categorical') {
    return textColumn(col, cells.map(asText), forced, maxLevels);
  }
  if (forced !== undefined) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = cells[i]!;
      const x = v === null ? Number.NaN : convert(v, forced);
      if (x === undefined) {
        throw new DataError(
          `${file}: ${ref(i)}: ${JSON.stringify(asText(v))} in column '${col}' does not fit the type ${forced} forced by --types`,
          'fix the cell, or force another type',
        );
      }
      out[i] = x;
    }
    return numericColumn(col, out, forced);
  }
  let numbers = 0;
  let booleans = 0;
  let dates = 0;
  let present = 0;
  for (const v of cells) {
    if (v === null) continue;
    present++;
    if (typeof v === 'number') numbers++;
    else if (typeof v === 'boolean') booleans++;
    else if (v instanceof Date) dates++;
  }
  // A column with no values at all is numeric, as pandas reads it (all NaN).
  let type: NumericType | undefined;
  if (numbers === present) {
    type = cells.every((v) => v === null || Number.isSafeInteger(v)) ? 'integer' : 'double';
  } else if (booleans === present) type = 'boolean';
  else if (dates === present) {
    type = cells.every((v) => v === null || (v as Date).getTime() % MS_PER_DAY === 0) ? 'date' : 'timestamp';
  }
  if (type === undefined) return textColumn(col, cells.map(asText), undefined, maxLevels);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cells[i]!;
    out[i] = v === null ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : +v;
  }
  return numericColumn(col, out, type === 'integer' && present === 0 ? 'double' : type);
}

function asText(v: Cell): string | null {
  return v === null ? null : typeof v === 'string' ? v : renderText(v);
}

const booleanWords: Readonly<Record<string, number>> = {
  true: 1,
  false: 0,
  t: 1,
  f: 0,
  yes: 1,
  no: 0,
  y: 1,
  n: 0,
  '1': 1,
  '0': 0,
};

/** One cell under a forced numeric type; undefined when it does not fit. */
function convert(v: number | string | boolean | Date, type: NumericType): number | undefined {
  switch (type) {
    case 'double':
    case 'integer': {
      const x =
        typeof v === 'number'
          ? v
          : typeof v === 'boolean'
            ? Number(v)
            : typeof v === 'string' && v.trim() !== ''
              ? Number(v.trim())
              : Number.NaN;
      if (Number.isNaN(x)) return undefined;
      return type === 'integer' && !Number.isInteger(x) ? undefined : x;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return v === 0 || v === 1 ? v : undefined;
      if (typeof v === 'string') return booleanWords[v.trim().toLowerCase()];
      return undefined;
    case 'timestamp':
    case 'date': {
      // A plain number under a date type is an Excel serial day (a date cell without a date format).
      const ms =
        v instanceof Date
          ? v.getTime()
          : typeof v === 'number'
            ? Math.round((v - EXCEL_EPOCH_DAYS) * MS_PER_DAY)
            : typeof v === 'string'
              ? parseIsoUtc(v.trim())
              : undefined;
      if (ms === undefined || !Number.isFinite(ms)) return undefined;
      return type === 'date' ? Math.floor(ms / MS_PER_DAY) * MS_PER_DAY : ms;
    }
  }
}

const isoDateTime =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms of an ISO-8601 date or date-time (UTC unless an offset is given); undefined otherwise. */
function parseIsoUtc(s: string): number | undefined {
  const m = isoDateTime.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = utcMs(
    Number(y),
    Number(mo),
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(sec ?? 0),
    Number((frac ?? '0').padEnd(3, '0')),
  );
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  if (zone === undefined || zone === 'Z') return ms;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  return z[1] === '+' ? ms - offset : ms + offset;
}

/** Column letters of a 1-based column number: 1 → A, 27 → AA. */
function columnLetter(col: number): string {
  let s = '';
  for (let c = col; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}

/** A sheet name as Excel writes it in a cell reference ('My sheet'!A1). */
function sheetRef(sheet: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) ? sheet : `'${sheet.replaceAll("'", "''")}'`;
}

/** The fixed creation time written into workbooks (and their zip entries) so output bytes do not depend on the clock. */
const FIXED_TIME = new Date(Date.UTC(1980, 0, 1));

/**
 * Write a dataset as an .xlsx workbook with one sheet "data": a header row, then one row per record — numbers,
 * integers and booleans as such, timestamps and dates as date cells (yyyy-mm-dd hh:mm:ss / yyyy-mm-dd), text as
 * text (never a formula), missing values as empty cells. Metadata is not kept. Written atomically; the same
 * dataset gives the same bytes. The whole workbook is built in memory (ExcelJS): O(cells) time and memory.
 * Control characters XML cannot hold are dropped from text (ExcelJS does).
 * @throws DataError when the dataset exceeds Excel's 1,048,576 rows or 16,384 columns, a text is longer than
 * 32,767 characters, or the file cannot be written.
 */
export async function writeXlsx(ds: Dataset, path: string): Promise<void> {
  await writeAtomic(path, (tmp) => writeXlsxFile(ds, tmp, path));
}

/**
 * Write a dataset as a workbook to `file` as it is (not atomically: callers write a temporary file they rename);
 * `shown` names the destination in errors. See {@link writeXlsx}.
 * @throws DataError as {@link writeXlsx}.
 */
export async function writeXlsxFile(ds: Dataset, file: string, shown: string = file): Promise<void> {
  const path = shown;
  if (ds.nRows + 1 > maxSheetRows || ds.nCols > maxSheetCols) {
    throw new DataError(
      `cannot write ${path}: ${ds.nRows} rows × ${ds.nCols} columns do not fit an Excel sheet (at most ${maxSheetRows - 1} rows and ${maxSheetCols} columns)`,
      'write Parquet or CSV instead',
    );
  }
  const Excel = await loadExcel();
  const wb = new Excel.Workbook();
  wb.creator = 'segment';
  wb.lastModifiedBy = 'segment';
  wb.created = FIXED_TIME;
  wb.modified = FIXED_TIME;
  const ws = wb.addWorksheet('data');
  ds.columns.forEach((c, j) => {
    if (c.kind !== 'numeric') return;
    if (c.type === 'timestamp') ws.getColumn(j + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    else if (c.type === 'date') ws.getColumn(j + 1).numFmt = 'yyyy-mm-dd';
  });
  ws.addRow(ds.names);
  const row = new Array<ExcelJS.CellValue>(ds.nCols);
  for (let i = 0; i < ds.nRows; i++) {
    for (let j = 0; j < ds.nCols; j++) {
      const v = xlsxValue(ds.columns[j]!, i);
      if (typeof v === 'string' && v.length > maxCellText) {
        throw new DataError(
          `cannot write ${path}: the text in column '${ds.columns[j]!.name}', row ${i + 1} is longer than Excel's ${maxCellText} characters`,
          'write Parquet or CSV instead',
        );
      }
      row[j] = v;
    }
    ws.addRow(row);
  }
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  await writeFile(file, fixZipTimes(bytes, FIXED_TIME));
}

function xlsxValue(c: Column, i: number): ExcelJS.CellValue {
  if (c.kind !== 'numeric') return cellText(c, i);
  const v = c.values[i]!;
  // Excel has no NaN or infinity: both are empty cells.
  if (!Number.isFinite(v)) return null;
  if (c.type === 'boolean') return v !== 0;
  if (c.type === 'timestamp' || c.type === 'date') return new Date(v);
  return v;
}

/**
 * Set every entry's modification time in a zip archive (local headers and central directory) to `time`, so the
 * bytes do not depend on when it was written (the zip library stamps each entry with the current time).
 */
function fixZipTimes(zip: Buffer, time: Date): Buffer {
  const dosTime = (time.getUTCHours() << 11) | (time.getUTCMinutes() << 5) | (time.getUTCSeconds() >> 1);
  const dosDate = ((time.getUTCFullYear() - 1980) << 9) | ((time.getUTCMonth() + 1) << 5) | time.getUTCDate();
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) return zip;
  const entries = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  for (let k = 0; k < entries && zip.readUInt32LE(p) === 0x02014b50; k++) {
    zip.writeUInt16LE(dosTime, p + 12);
    zip.writeUInt16LE(dosDate, p + 14);
    const local = zip.readUInt32LE(p + 42);
    if (zip.readUInt32LE(local) === 0x04034b50) {
      zip.writeUInt16LE(dosTime, local + 10);
      zip.writeUInt16LE(dosDate, local + 12);
    }
    p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return zip;
}
