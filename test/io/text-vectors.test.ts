import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellText, unmadeText } from '../../src/core/dataset.js';
import { readDataset, readSource } from '../../src/io/read.js';
import { withConnection } from '../../src/io/duckdb.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// Text comes out of DuckDB's vectors without a native call per cell: short strings from their inline bytes (made
// once per distinct value in a low-cardinality column), long ASCII strings cut from one string per chunk, anything
// else decoded. Each path must give back exactly DuckDB's own strings, NULL as missing, in order.
async function readBoth(
  select: string,
  sampleBytes?: ReadonlyMap<string, number>,
): Promise<{ got: (string | null)[][]; want: (string | null)[][] }> {
  return withConnection(async (conn) => {
    const source = `(${select})`;
    const ds = await readSource(conn, source, 'test', {}, {}, { mode: 'none', sampleBytes });
    const rows = (await conn.runAndReadAll(`SELECT * FROM ${source}`)).getRows();
    const got = ds.columns.map((c) => Array.from({ length: ds.nRows }, (_, i) => cellText(c, i)));
    const want = ds.columns.map((_, j) => rows.map((r) => (r[j] === null ? null : String(r[j]))));
    return { got, want };
  });
}

describe('text read from DuckDB vectors', () => {
  it('gives back every kind of string exactly, across chunks, with NULLs and empty strings', async () => {
    // 10,000 rows (five chunks): lengths 0 to 60, ASCII and not (é is 2 bytes, 😀 is 4 and two UTF-16 units),
    // cut at every piece boundary (12, 24, 36 bytes).
    const { got, want } = await readBoth(`
      SELECT
        CASE WHEN i % 11 = 0 THEN NULL ELSE repeat('abcdefghij', 6)[1:(i % 61)] END AS ascii,
        CASE WHEN i % 13 = 0 THEN NULL ELSE repeat('aé😀z', 12)[1:(i % 49)] || i::VARCHAR END AS mixed,
        CASE WHEN i % 7 = 0 THEN '' ELSE 'x' || (i % 3)::VARCHAR END AS few,
        'customer-' || lpad(i::VARCHAR, 8, '0') || '@example.com' AS email
      FROM range(10000) t(i) ORDER BY i`);
    expect(got.length).toBe(4);
    for (let j = 0; j < 4; j++) expect(got[j]).toEqual(want[j]);
    expect(got[2]!.slice(0, 4)).toEqual(['', 'x1', 'x2', 'x0']);
  });

  it('gives back strings longer than a sample suggested: one or two pieces, the last holding the rest', async () => {
    const select = `
      SELECT
        CASE WHEN i % 11 = 0 THEN NULL ELSE repeat('abcdefghij', 6)[1:(i % 61)] END AS ascii,
        CASE WHEN i % 13 = 0 THEN NULL ELSE repeat('aé😀z', 12)[1:(i % 49)] || i::VARCHAR END AS mixed,
        'n' || i::VARCHAR AS id
      FROM range(6000) t(i) ORDER BY i`;
    for (const bytes of [0, 5, 12, 13, 24, 25]) {
      const sample = new Map([
        ['ascii', bytes],
        ['mixed', bytes],
        ['id', bytes],
      ]);
      const { got, want } = await readBoth(select, sample);
      for (let j = 0; j < 3; j++) expect(got[j]).toEqual(want[j]);
    }
  });

  it('keeps short strings exact past the point where a column is taken for free text', async () => {
    // 3,000 distinct short values (more than the table of recent strings holds), each repeated: the values made
    // before and after the table stops being used are the same strings.
    const { got, want } = await readBoth(`
      SELECT 'v' || ((i * 7919) % 3000)::VARCHAR AS v, 'é' || (i % 5)::VARCHAR AS accented
      FROM range(30000) t(i) ORDER BY i`);
    expect(got[0]).toEqual(want[0]);
    expect(got[1]).toEqual(want[1]);
    expect(new Set(got[0]).size).toBe(3000);
  });
});

describe('numbers read in blocks', () => {
  it('reads past a block (65,536 rows) and a slab (80 blocks) of an unknown row count whole and in order', async () => {
    const n = 80 * 65536 + 70000;
    const ds = await withConnection((conn) =>
      readSource(
        conn,
        `(SELECT CASE WHEN i % 7 = 3 THEN NULL ELSE i * 0.5 END AS x FROM range(${n}) t(i) ORDER BY i)`,
        'range',
        {},
        {},
      ),
    );
    const x = ds.numeric('x').values;
    expect(x.length).toBe(n);
    expect(x.buffer.byteLength).toBe(n * 8);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (!Object.is(x[i], i % 7 === 3 ? Number.NaN : i * 0.5)) wrong++;
    expect(wrong).toBe(0);
  });
});

describe('text of many distinct values', () => {
  it('is kept as bytes until used, with missing-value tokens and numbers found in it as in strings', () => {
    // 12,000 rows of distinct values; past the first 64 KiB, an 'N/A' (a token DuckDB is not told of) among the
    // amounts. The ids and notes stay text (kept as bytes), the amounts become numbers with one missing value.
    const lines = ['id,amount,note'];
    const notes: (string | null)[] = [];
    for (let i = 0; i < 12000; i++) {
      const note = i % 10 === 0 ? null : `${i % 3 === 0 ? 'Zoë é ' : ''}note ${i}${i % 7 === 0 ? ' 😀' : ''}`;
      notes.push(note);
      lines.push(
        `C${String(i).padStart(6, '0')},${i === 9000 ? 'N/A' : (i * 0.25).toFixed(2)},${note ?? ''}`,
      );
    }
    const p = join(tmp.dir, 'distinct.csv');
    writeFileSync(p, lines.join('\n') + '\n');
    return readDataset(p).then((ds) => {
      const id = ds.column('id');
      const amount = ds.column('amount');
      const note = ds.column('note');
      expect([id.kind, amount.kind, note.kind]).toEqual(['string', 'numeric', 'string']);
      expect(unmadeText(id)).toBeDefined();
      expect(unmadeText(note)).toBeDefined();
      const x = ds.numeric('amount').values;
      expect(Number.isNaN(x[9000])).toBe(true);
      expect(x[8999]).toBe(2249.75);
      expect(cellText(id, 11999)).toBe('C011999');
      expect(Array.from({ length: ds.nRows }, (_, i) => cellText(note, i))).toEqual(notes);
    });
  });
});

describe('empty text in JSON', () => {
  it('is missing in a column kept as bytes, as in a column of strings', async () => {
    // 5,000 distinct e-mail addresses (kept as bytes), every 7th one empty: the empty string is a missing value.
    const p = join(tmp.dir, 'blank.ndjson');
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      email: i % 7 === 0 ? '' : `user${i}@example.com`,
    }));
    writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ds = await readDataset(p);
    const email = ds.column('email');
    expect(email.kind).toBe('string');
    const cells = Array.from({ length: ds.nRows }, (_, i) => cellText(email, i));
    expect(cells).toEqual(rows.map((r) => (r.email === '' ? null : r.email)));
  });
});
