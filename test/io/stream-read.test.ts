import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellText } from '../../src/core/dataset.js';
import { readDataset, readSource } from '../../src/io/read.js';
import { duckdbMemoryFloor, duckdbMemoryLimit, sqlString, withConnection } from '../../src/io/duckdb.js';
import { stepEnv } from '../../src/api/env.js';
import { tempDir } from '../helpers/cli.js';

// The reader streams DuckDB's result in vectors of 2048 rows into blocks of 65,536 values: row counts around
// both sizes, with missing values on either side of a boundary, must come back whole and in order.
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);

/** A Parquet file of `n` rows made by DuckDB: every type the reader maps, NULLs every 7th row. */
async function parquetRows(name: string, n: number): Promise<string> {
  const p = at(name);
  await withConnection(async (conn) => {
    await conn.run(
      `COPY (SELECT i::BIGINT AS id,
         CASE WHEN i % 7 = 3 THEN NULL ELSE i * 0.5 END AS x,
         CASE WHEN i % 7 = 4 THEN NULL ELSE (i % 100)::INTEGER END AS k,
         CASE WHEN i % 7 = 5 THEN NULL ELSE i % 2 = 0 END AS flag,
         CASE WHEN i % 7 = 6 THEN NULL ELSE TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i) END AS ts,
         CASE WHEN i % 7 = 2 THEN NULL ELSE 'r' || i END AS label,
         9007199254740993 + i AS big
       FROM range(${n}) t(i) ORDER BY i) TO ${sqlString(p)} (FORMAT parquet)`,
    );
  });
  return p;
}

function expectRows(ds: Awaited<ReturnType<typeof readDataset>>, n: number): void {
  expect(ds.nRows).toBe(n);
  const x = ds.numeric('x').values;
  const k = ds.numeric('k').values;
  const flag = ds.numeric('flag').values;
  const ts = ds.numeric('ts').values;
  const id = ds.numeric('id').values;
  expect(x.length).toBe(n);
  expect(x.buffer.byteLength).toBe(n * 8);
  const wrong: number[] = [];
  for (let i = 0; i < n && wrong.length < 5; i++) {
    const ok =
      Object.is(id[i], i) &&
      Object.is(x[i], i % 7 === 3 ? Number.NaN : i * 0.5) &&
      Object.is(k[i], i % 7 === 4 ? Number.NaN : i % 100) &&
      Object.is(flag[i], i % 7 === 5 ? Number.NaN : i % 2 === 0 ? 1 : 0) &&
      Object.is(ts[i], i % 7 === 6 ? Number.NaN : Date.UTC(2026, 0, 1) + i * 1000);
    if (!ok) wrong.push(i);
  }
  expect(wrong).toEqual([]);
  const label = ds.column('label');
  const big = ds.column('big');
  expect(cellText(label, 0)).toBe('r0');
  expect(cellText(label, n - 1)).toBe((n - 1) % 7 === 2 ? null : `r${n - 1}`);
  expect(cellText(label, 2)).toBe(n > 2 ? null : cellText(label, 2));
  // 2^53 + 1 + i is not a float64: every digit is kept.
  for (const i of [0, n >> 1, n - 1]) expect(cellText(big, i)).toBe(String(9007199254740993n + BigInt(i)));
}

describe('readDataset streams results in chunks', () => {
  for (const n of [1, 2047, 2048, 2049, 4096, 65535, 65536, 65537, 131073]) {
    it(`reads ${n} Parquet rows whole and in order`, async () => {
      const ds = await readDataset(await parquetRows(`rows_${n}.parquet`, n));
      expectRows(ds, n);
      expect(ds.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind])).toEqual([
        ['id', 'integer'],
        ['x', 'double'],
        ['k', 'integer'],
        ['flag', 'boolean'],
        ['ts', 'timestamp'],
        // few distinct labels make a categorical column, many a string column
        ['label', n <= 2 ? 'categorical' : 'string'],
        ['big', 'string'],
      ]);
    });
  }

  it('reads 0 rows: a source with no rows gives empty columns; a file with no rows is refused as before', async () => {
    const p = await parquetRows('rows_0.parquet', 0);
    const ds = await withConnection((conn) =>
      readSource(conn, `read_parquet(${sqlString(p)})`, 'rows_0.parquet', {}, {}),
    );
    expect(ds.nRows).toBe(0);
    expect(ds.nCols).toBe(7);
    expect(ds.numeric('x').values.length).toBe(0);
    await expect(readDataset(p)).rejects.toThrow(/has a header but no data rows/);
    const csv = at('empty.csv');
    writeFileSync(csv, 'a,b\n');
    await expect(readDataset(csv)).rejects.toThrow(/has a header but no data rows/);
  });

  for (const n of [2047, 2048, 2049]) {
    it(`reads ${n} CSV rows with missing cells, text, booleans, dates and big ids`, async () => {
      const lines = ['id,x,n,flag,day,name'];
      for (let i = 0; i < n; i++) {
        const day = `2026-01-${String((i % 28) + 1).padStart(2, '0')}`;
        lines.push(
          [
            String(9007199254740993n + BigInt(i)),
            i % 5 === 1 ? '' : String(i / 4),
            i % 5 === 2 ? '' : String(i),
            i % 5 === 3 ? '' : i % 3 === 0 ? 'true' : 'false',
            i % 5 === 4 ? '' : day,
            i === n - 1 ? '' : `name ${i}`,
          ].join(','),
        );
      }
      const p = at(`rows_${n}.csv`);
      writeFileSync(p, lines.join('\n') + '\n');
      const ds = await readDataset(p);
      expect(ds.nRows).toBe(n);
      const x = ds.numeric('x').values;
      const num = ds.numeric('n').values;
      const flag = ds.numeric('flag').values;
      const day = ds.numeric('day').values;
      const wrong: number[] = [];
      for (let i = 0; i < n && wrong.length < 5; i++) {
        const ok =
          Object.is(x[i], i % 5 === 1 ? Number.NaN : i / 4) &&
          Object.is(num[i], i % 5 === 2 ? Number.NaN : i) &&
          Object.is(flag[i], i % 5 === 3 ? Number.NaN : i % 3 === 0 ? 1 : 0) &&
          Object.is(day[i], i % 5 === 4 ? Number.NaN : Date.UTC(2026, 0, (i % 28) + 1));
        if (!ok) wrong.push(i);
      }
      expect(wrong).toEqual([]);
      const id = ds.column('id');
      for (const i of [0, 2047 % n, n - 1])
        expect(cellText(id, i)).toBe(String(9007199254740993n + BigInt(i)));
      const name = ds.column('name');
      expect(cellText(name, n - 2)).toBe(`name ${n - 2}`);
      expect(cellText(name, n - 1)).toBeNull();
    });
  }
});

describe('duckdbMemoryLimit', () => {
  it('gives DuckDB a quarter of --memory-limit, never less than 256 MB', () => {
    expect(duckdbMemoryLimit(4 * 1024 ** 3)).toBe(1024 ** 3);
    expect(duckdbMemoryLimit(2 * 1024 ** 3)).toBe(512 * 1024 ** 2);
    expect(duckdbMemoryLimit(1024)).toBe(duckdbMemoryFloor);
    expect(duckdbMemoryFloor).toBe(256 * 1024 ** 2);
  });
});

describe('stepEnv and DuckDB', () => {
  it("a library caller's memory budget reaches DuckDB (a quarter of it) on the next connection", async () => {
    const setting = () =>
      withConnection(async (c) =>
        String((await c.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRows()[0]![0]),
      );
    stepEnv({ memoryLimit: 8 * 1024 ** 3 });
    expect(await setting()).toMatch(/^2(\.0)? GiB$/);
    stepEnv({ memoryLimit: 2 * 1024 ** 3 });
    expect(await setting()).toMatch(/^512(\.0)? MiB$/);
    stepEnv({ seed: 7 }); // no budget given: DuckDB keeps the last one
    expect(await setting()).toMatch(/^512(\.0)? MiB$/);
  });
});
