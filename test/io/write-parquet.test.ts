import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Dataset,
  categoricalColumn,
  cellText,
  lazyStringColumn,
  numericColumn,
  stringColumn,
  unmadeText,
} from '../../src/core/dataset.js';
import { Utf8TextBuilder } from '../../src/core/utf8-text.js';
import { readDataset } from '../../src/io/read.js';
import { sqlString, withConnection } from '../../src/io/duckdb.js';
import { writeDataset } from '../../src/io/write.js';
import { tempDir } from '../helpers/cli.js';

// Parquet is written through a table function that hands DuckDB each column in the cheapest form: categorical
// columns as codes looked up in their levels, text that is mostly 13 to 36 ASCII characters in three inline pieces
// joined by DuckDB. Every form must write the same values, NULL where a value is missing.
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('writeDataset to Parquet', () => {
  it('writes text sent as pieces, categorical codes and plain text exactly, across chunks', async () => {
    const n = 5000;
    const email = Array.from({ length: n }, (_, i) =>
      i % 17 === 0
        ? null
        : i % 29 === 0
          ? ''
          : i % 31 === 0
            ? `ünïcödé.${i}@exämple.org`
            : i % 37 === 0
              ? `a.very.long.address.of.more.than.36.characters.${i}@example.com`
              : `customer.${i}@example.com`,
    );
    const levels = ["O'Brien", 'Zoë', 'a,b', 'line\nbreak', 'x'.repeat(40)];
    const codes = Int32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? -1 : i % levels.length));
    // More levels than are listed in the SQL: written as text.
    const many = Array.from({ length: 5000 }, (_, i) => `level ${i}`);
    const manyCodes = Int32Array.from({ length: n }, (_, i) => (i * 7) % many.length);
    const short = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : `id${i}`));
    // The same text kept as UTF-8 bytes (as the reader keeps identifiers), and text of which few values are
    // ASCII of 13 to 36 bytes (one vector: short values inline, others whole).
    const bytes = (name: string, values: readonly (string | null)[]) => {
      const b = new Utf8TextBuilder();
      for (const v of values) b.push(v);
      return lazyStringColumn(name, b.finish());
    };
    const notes = Array.from({ length: n }, (_, i) =>
      i % 19 === 0 ? null : i % 2 === 0 ? `é${i % 100}` : `note ${'ü'.repeat(i % 9)} ${i}`,
    );
    const ds = Dataset.of([
      stringColumn('email', email),
      categoricalColumn('name', codes, levels),
      categoricalColumn('many', manyCodes, many),
      stringColumn('short', short),
      numericColumn(
        'x',
        Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? Number.NaN : i / 3)),
      ),
      bytes('email_b', email),
      bytes('short_b', short),
      bytes('note_b', notes),
    ]);
    for (const c of ['email_b', 'short_b', 'note_b']) expect(unmadeText(ds.column(c))).toBeDefined();
    const p = join(tmp.dir, 'pieces.parquet');
    await writeDataset(ds, p);
    for (const c of ['email_b', 'short_b', 'note_b']) expect(unmadeText(ds.column(c))).toBeDefined();
    // DuckDB's own reading of the file, cell by cell.
    const rows = await withConnection(async (conn) =>
      (
        await conn.runAndReadAll(
          `SELECT email, name, many, short, x, email_b, short_b, note_b FROM read_parquet(${sqlString(p)})`,
        )
      ).getRows(),
    );
    expect(rows.length).toBe(n);
    const wrong: number[] = [];
    for (let i = 0; i < n && wrong.length < 5; i++) {
      const r = rows[i]!;
      const ok =
        r[0] === email[i] &&
        r[1] === (codes[i]! < 0 ? null : levels[codes[i]!]) &&
        r[2] === many[manyCodes[i]!] &&
        r[3] === short[i] &&
        (i % 5 === 0 ? r[4] === null : r[4] === i / 3) &&
        r[5] === email[i] &&
        r[6] === short[i] &&
        r[7] === notes[i];
      if (!ok) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    // And segment's reading gives back the same columns and kinds.
    const back = await readDataset(p);
    expect(back.columns.map((c) => c.kind)).toEqual([
      'string',
      'categorical',
      'categorical',
      'string',
      'numeric',
      'string',
      'string',
      'string',
    ]);
    for (const c of ['email', 'name', 'short', 'email_b', 'note_b'])
      for (const i of [0, 1, 29, 31, 37, n - 1])
        expect(cellText(back.column(c), i)).toBe(cellText(ds.column(c), i));
  });
});
