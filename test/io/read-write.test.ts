import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, categoricalColumn, cellText, numericColumn, stringColumn } from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { parquetMetadata, readDataset } from '../../src/io/read.js';
import { writeCsv, writeDataset } from '../../src/io/write.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string, text: string | Buffer) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readDataset', () => {
  it('reads CSV with LF, CRLF and CR line endings and quoted names alike (DuckDB sniffs the file once)', async () => {
    for (const [eol, tag] of [
      ['\n', 'lf'],
      ['\r\n', 'crlf'],
      ['\r', 'cr'],
    ] as const) {
      const p = file(
        `eol_${tag}.csv`,
        ['"it\'s",x,"a ""b"""', 'u1,1.5,é', 'u2,,ü', 'u3,2.5,z'].join(eol) + eol,
      );
      const ds = await readDataset(p);
      expect(ds.names).toEqual(["it's", 'x', 'a "b"']);
      expect(ds.nRows).toBe(3);
      expect(Array.from(ds.numeric('x').values)).toEqual([1.5, Number.NaN, 2.5]);
      expect([0, 1, 2].map((i) => cellText(ds.column('a "b"'), i))).toEqual(['é', 'ü', 'z']);
    }
  });

  it('reads CSV into typed columns with NaN for missing values', async () => {
    const p = file(
      'a.csv',
      'id,x,n,flag,day,city\nc1,1.5,3,true,2026-01-02,Paris\nc2,,4,false,2026-01-03,Paris\nc3,2.5,,true,,Oslo\nc4,3,1,false,2026-01-05,Oslo\n',
    );
    const ds = await readDataset(p);
    expect(ds.nRows).toBe(4);
    expect(ds.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind])).toEqual([
      ['id', 'string'],
      ['x', 'double'],
      ['n', 'integer'],
      ['flag', 'boolean'],
      ['day', 'date'],
      ['city', 'categorical'],
    ]);
    expect(Array.from(ds.numeric('x').values)).toEqual([1.5, Number.NaN, 2.5, 3]);
    expect(Array.from(ds.numeric('n').values)).toEqual([3, 4, Number.NaN, 1]);
    expect(Array.from(ds.numeric('flag').values)).toEqual([1, 0, 1, 0]);
    expect(ds.numeric('day').values[0]).toBe(Date.UTC(2026, 0, 2));
    const city = ds.column('city');
    expect(city.kind === 'categorical' && city.levels).toEqual(['Oslo', 'Paris']);
  });

  it('guesses ; and tab delimiters and honours --delimiter and --types', async () => {
    const semi = await readDataset(file('s.csv', 'a;b\n1;2\n3;4\n'));
    expect(semi.names).toEqual(['a', 'b']);
    const tsv = await readDataset(file('t.tsv', 'a\tb\n1\t2\n'));
    expect(tsv.numeric('b').values[0]).toBe(2);
    const forced = await readDataset(file('f.csv', 'zip,v\n01234,1\n99999,2\n'), {
      types: { zip: 'string', v: 'double' },
    });
    expect(forced.column('zip').kind).toBe('string');
    expect(cellText(forced.column('zip'), 0)).toBe('01234');
    const pipe = await readDataset(file('p.txt', 'a|b\n1|2\n'), { delimiter: '|' });
    expect(pipe.names).toEqual(['a', 'b']);
    await expect(readDataset(file('g.csv', 'a\n1\n'), { types: { nope: 'double' } })).rejects.toThrow(
      UsageError,
    );
  });

  it('reads a column as text when a value late in the file is not a number', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i / 2}`);
    lines.push('oops,1');
    const ds = await readDataset(file('late.csv', lines.join('\n') + '\n'));
    expect(ds.nRows).toBe(30_001);
    expect(ds.column('a').kind).toBe('string');
    expect(ds.numeric('b').values[30_000]).toBe(1);
  });

  it("reads values past DuckDB's first 2 MB buffer that change a column's type, and lines of up to 2 MB", async () => {
    // 3.5 MB of lines: a text value and a decimal far past the first 2 MB buffer and DuckDB's 20,480-row sample.
    const lines = ['a,b,c'];
    for (let i = 0; i < 200_000; i++)
      lines.push(`${i},${i === 190_000 ? '2.5' : i},${i === 195_000 ? 'late' : i % 100}`);
    lines.push(`200000,1,${'x'.repeat(1_500_000)}`);
    const ds = await readDataset(file('buffers.csv', lines.join('\n') + '\n'));
    expect(ds.nRows).toBe(200_001);
    expect(ds.column('a').kind).toBe('numeric');
    expect(ds.numeric('b').values[190_000]).toBe(2.5);
    expect(ds.numeric('b').values[189_999]).toBe(189_999);
    expect(ds.column('c').kind).not.toBe('numeric');
    expect(cellText(ds.column('c'), 195_000)).toBe('late');
    expect(cellText(ds.column('c'), 194_999)).toBe('99');
    expect(cellText(ds.column('c'), 200_000)?.length).toBe(1_500_000);
  });

  it('keeps the digits of whole numbers past 2^53 that first appear far down a column of small ones', async () => {
    const lines = ['id,x'];
    for (let i = 0; i < 5000; i++) lines.push(`${i < 3000 ? i : 1234567890123456789n + BigInt(i)},${i % 7}`);
    const ds = await readDataset(file('late-big-ids.csv', lines.join('\n') + '\n'));
    const id = ds.column('id');
    expect(id.kind).toBe('string');
    expect(cellText(id, 2999)).toBe('2999');
    expect(cellText(id, 4999)).toBe('1234567890123461788');
    expect(ds.column('x').kind).toBe('numeric');
  });

  it('refuses a malformed line far down a file instead of stopping there (DuckDB ends such a read as if complete)', async () => {
    const lines = ['a,b,c'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},${i},${i === 150_000 ? 'x,extra' : i % 100}`);
    const p = file('malformed-late.csv', lines.join('\n') + '\n');
    const err = await readDataset(p).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toMatch(
      /malformed CSV: line 150002 has 4 field\(s\) but the header has 3/,
    );
  });

  it('reads text of every length and script exactly, across chunks and missing cells', async () => {
    const parts = ['a', 'é', '😀', 'e\u0301', '日', ' ', 'x"y'];
    const texts: (string | null)[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 611 === 5) {
        texts.push(null);
        continue;
      }
      let s = '';
      for (let k = 0; k < i % 53; k++) s += parts[(i + k * 3) % parts.length]!;
      texts.push(`${i}:${s}`);
    }
    const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const p = file(
      'texts.csv',
      `id,t\n${texts.map((t, i) => `${i},${t === null ? '' : quote(t)}`).join('\n')}\n`,
    );
    const ds = await readDataset(p, { types: { t: 'string' } });
    const t = ds.column('t');
    expect(Array.from({ length: ds.nRows }, (_, i) => cellText(t, i))).toEqual(texts);
  });

  it('reads JSON arrays and NDJSON', async () => {
    const j = await readDataset(file('a.json', '[{"a":1,"b":"x"},{"a":2.5,"b":null}]'));
    expect(Array.from(j.numeric('a').values)).toEqual([1, 2.5]);
    const nd = await readDataset(file('a.ndjson', '{"a":1}\n{"a":null}\n'));
    expect(Array.from(nd.numeric('a').values)).toEqual([1, Number.NaN]);
  });

  it('reads CSV from a stream for -', async () => {
    const ds = await readDataset('-', { stdin: Readable.from(['x,y\n', '1,2\n3,4\n']) });
    expect(ds.nRows).toBe(2);
    expect(ds.numeric('y').values[1]).toBe(4);
  });

  it('samples deterministically', async () => {
    const lines = ['v'];
    for (let i = 0; i < 1000; i++) lines.push(String(i));
    const p = file('s1000.csv', lines.join('\n'));
    const a = await readDataset(p, { sample: 50, seed: 1 });
    const b = await readDataset(p, { sample: 50, seed: 1 });
    const c = await readDataset(p, { sample: 50, seed: 2 });
    expect(a.nRows).toBe(50);
    expect(a.numeric('v').values).toEqual(b.numeric('v').values);
    expect(a.numeric('v').values).not.toEqual(c.numeric('v').values);
    const v = a.numeric('v').values;
    for (let i = 1; i < v.length; i++) expect(v[i]!).toBeGreaterThan(v[i - 1]!);
  });

  it('explains bad files in one line with exit code 3', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['empty.csv', '', /file is empty/],
      ['header.csv', 'a,b\n', /header but no data rows/],
      ['ragged.csv', 'a,b,c\n1,2,3\n4,5\n', /line 3 has 2 field\(s\) but the header has 3/],
      ['quote.csv', 'a,b\n1,"x\n2,y\n', /quote opened on line 2 is never closed/],
      ['dup.csv', 'a,a\n1,2\n', /duplicate column name 'a'/],
      ['bin.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 1, 2, 3]), /binary data/],
      // Latin-1 text is decoded; bytes that are neither UTF-8 nor Windows-1252 are refused.
      ['latin.csv', Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x81, 0x9d, 0x0a]), /not valid UTF-8/],
      ['bad.json', '[{"a":1},{"a":', /malformed JSON/],
      ['bad.parquet', 'PAR1 not really', /not a valid Parquet file/],
    ];
    for (const [name, text, re] of cases) {
      const err = await readDataset(file(name, text)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(DataError);
      expect((err as Error).message, name).toMatch(re);
      expect((err as Error).message, name).not.toContain('\n');
    }
    await expect(readDataset(join(tmp.dir, 'missing.csv'))).rejects.toThrow(/file not found/);
    await expect(readDataset(file('x.xyz', 'a\n1\n'))).rejects.toThrow(UsageError);
    await expect(readDataset(tmp.dir + '/', { format: 'csv' })).rejects.toThrow(/directory/);
  });

  it('reads latin-1 when told', async () => {
    const ds = await readDataset(file('latin2.csv', Buffer.from('a,b\n1,caf\xe9\n2,th\xe9\n', 'latin1')), {
      encoding: 'latin-1',
      types: { b: 'string' },
    });
    expect(cellText(ds.column('b'), 0)).toBe('café');
  });
});

describe('writeDataset', () => {
  const ds = Dataset.of(
    [
      stringColumn('id', ['a', null, '=cmd()']),
      numericColumn('x', Float64Array.of(0.1, Number.NaN, -3)),
      numericColumn('n', Float64Array.of(1, 2, Number.NaN), 'integer'),
      numericColumn(
        'ts',
        Float64Array.of(Date.UTC(2026, 0, 1), Number.NaN, Date.UTC(2026, 5, 1, 12)),
        'timestamp',
      ),
      categoricalColumn('c', Int32Array.of(1, -1, 0), ['lo', 'hi']),
    ],
    { 'segment.lineage': '{"v":1}' },
  );

  it('round-trips text of every length and script through Parquet, across chunks and missing cells', async () => {
    const parts = ['a', 'é', '😀', 'e\u0301', '日', ' ', 'x"y'];
    const texts: (string | null)[] = [];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = 0; k < i % 41; k++) s += parts[(i + k * 5) % parts.length]!;
      // Missing cells in some chunks only, so a chunk after one with a missing cell has none.
      texts.push(i === 3 || i === 2100 ? null : s);
    }
    const p = join(tmp.dir, 'texts.parquet');
    await writeDataset(Dataset.of([stringColumn('t', texts)], {}), p);
    const back = await readDataset(p);
    const t = back.column('t');
    expect(Array.from({ length: back.nRows }, (_, i) => cellText(t, i))).toEqual(texts);
  });

  it('round-trips Parquet with types, missing values and metadata', async () => {
    const p = join(tmp.dir, 'rt.parquet');
    await writeDataset(ds, p);
    const back = await readDataset(p);
    expect(back.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind])).toEqual([
      ['id', 'string'],
      ['x', 'double'],
      ['n', 'integer'],
      ['ts', 'timestamp'],
      ['c', 'categorical'],
    ]);
    expect(Array.from(back.numeric('x').values)).toEqual([0.1, Number.NaN, -3]);
    expect(Array.from(back.numeric('ts').values)).toEqual(Array.from(ds.numeric('ts').values));
    expect(cellText(back.column('c'), 0)).toBe('hi');
    expect(cellText(back.column('id'), 1)).toBeNull();
    expect(back.metadata).toEqual({ 'segment.lineage': '{"v":1}' });
    expect(await parquetMetadata(p)).toMatchObject({
      'segment.lineage': '{"v":1}',
      'segment.text_columns': '{"id":"string","c":"categorical"}',
    });
    expect(tmp.files().filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes CSV with formula cells neutralised unless raw', async () => {
    let text = '';
    const sink = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    await writeCsv(ds, sink);
    expect(text.split('\n')[0]).toBe('id,x,n,ts,c');
    expect(text.split('\n')[1]).toBe('a,0.1,1,2026-01-01T00:00:00.000Z,hi');
    expect(text.split('\n')[2]).toBe(',,2,,');
    expect(text.split('\n')[3]).toBe("'=cmd(),-3,,2026-06-01T12:00:00.000Z,lo");
    text = '';
    await writeCsv(ds, sink, true);
    expect(text.split('\n')[3]!.startsWith('=cmd()')).toBe(true);
  });

  it('round-trips CSV and JSON files', async () => {
    for (const ext of ['csv', 'json']) {
      const p = join(tmp.dir, `rt.${ext}`);
      await writeDataset(ds.drop(['id']), p);
      const back = await readDataset(p);
      expect(Array.from(back.numeric('x').values), ext).toEqual([0.1, Number.NaN, -3]);
      expect(Array.from(back.numeric('n').values), ext).toEqual([1, 2, Number.NaN]);
    }
  });

  it('leaves no file behind when the folder does not exist', async () => {
    await expect(writeDataset(ds, join(tmp.dir, 'no/such/dir/out.parquet'))).rejects.toThrow(
      /folder .* does not exist/,
    );
  });
});
