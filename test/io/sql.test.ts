import { createServer, type Server, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column, Dataset } from '../../src/core/dataset.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { parseDateMs } from '../../src/io/sql-columns.js';
import { pgBatchRows } from '../../src/io/sql-postgres.js';
import { sqliteDeclaredType } from '../../src/io/sql-sqlite.js';
import { parseDbUrl, redactUrl, scrubSecrets, urlSecrets } from '../../src/io/sql-url.js';
import { readSql, sessionScript } from '../../src/io/sql.js';
import { tempDir } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';

const tmp = tempDir('segment-sql-');
afterAll(() => tmp.cleanup());

describe('redactUrl', () => {
  it('hides the password of user:password@', () => {
    expect(redactUrl('postgres://ann:s3cr3t@db.example.com:5432/shop')).toBe(
      'postgres://ann:***@db.example.com:5432/shop',
    );
    expect(redactUrl('postgresql://ann@db/shop')).toBe('postgresql://ann@db/shop');
    expect(redactUrl('postgres://db/shop')).toBe('postgres://db/shop');
  });

  it('hides passwords holding @, / and : in full', () => {
    expect(redactUrl('postgres://ann:p@ss/w:rd@db:5432/shop')).toBe('postgres://ann:***@db:5432/shop');
    expect(redactUrl('postgres://ann:p%40ss@db/shop')).toBe('postgres://ann:***@db/shop');
    expect(redactUrl('postgres://ann:@db/shop')).toBe('postgres://ann:***@db/shop');
  });

  it('hides password= and other secret query parameters, keeps the rest', () => {
    expect(redactUrl('postgres://db/shop?user=ann&password=hunter2&sslmode=require')).toBe(
      'postgres://db/shop?user=ann&password=***&sslmode=require',
    );
    expect(redactUrl('postgres://db/shop?sslpassword=k3y&PASSWORD=x')).toBe(
      'postgres://db/shop?sslpassword=***&PASSWORD=***',
    );
    expect(redactUrl("host=db user=ann password='a b' dbname=shop")).toBe(
      'host=db user=ann password=*** dbname=shop',
    );
  });

  it('leaves paths alone', () => {
    expect(redactUrl('sqlite:///data/shop.db')).toBe('sqlite:///data/shop.db');
    expect(redactUrl('/data/shop.duckdb')).toBe('/data/shop.duckdb');
  });

  it('scrubs secrets echoed inside driver messages', () => {
    const url = 'postgres://ann:p%40ss@db/shop?password=other';
    expect(urlSecrets(url).sort()).toEqual(['other', 'p%40ss', 'p@ss']);
    expect(scrubSecrets(`failed for ${url}: wrong p@ss, other`, url)).toBe(
      'failed for postgres://ann:***@db/shop?password=***: wrong ***, ***',
    );
  });
});

describe('parseDbUrl', () => {
  it('recognises URL schemes and file extensions', () => {
    expect(parseDbUrl('postgres://a:b@h/d')).toMatchObject({
      kind: 'postgres',
      shown: 'postgres://a:***@h/d',
    });
    expect(parseDbUrl('postgresql:///d').kind).toBe('postgres');
    expect(parseDbUrl('sqlite:///tmp/a.db')).toMatchObject({ kind: 'sqlite', target: '/tmp/a.db' });
    expect(parseDbUrl('sqlite://rel/a.db')).toMatchObject({ kind: 'sqlite', target: 'rel/a.db' });
    expect(parseDbUrl('duckdb:///tmp/w%20x.duckdb')).toMatchObject({
      kind: 'duckdb',
      target: '/tmp/w x.duckdb',
    });
    expect(parseDbUrl('shop.sqlite3').kind).toBe('sqlite');
    expect(parseDbUrl('data/shop.SQLITE').kind).toBe('sqlite');
    expect(parseDbUrl('shop.db').kind).toBe('sqlite');
    expect(parseDbUrl('./w.duckdb').kind).toBe('duckdb');
  });

  it('refuses unknown schemes and extensions with a usage error, password redacted', () => {
    expect(() => parseDbUrl('mysql://root:topsecret@h/d')).toThrow(UsageError);
    expect(() => parseDbUrl('mysql://root:topsecret@h/d')).toThrow(/unknown database URL scheme 'mysql:'/);
    expect(() => parseDbUrl('mysql://root:topsecret@h/d')).not.toThrow(/topsecret/);
    expect(() => parseDbUrl('data.csv')).toThrow(UsageError);
  });
});

describe('parseDateMs', () => {
  it('reads ISO dates and timestamps as UTC epoch milliseconds', () => {
    expect(parseDateMs('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseDateMs('2024-03-01 12:30:05.123456')).toBe(Date.UTC(2024, 2, 1, 12, 30, 5, 123));
    expect(parseDateMs('2024-03-01T12:30:05Z')).toBe(Date.UTC(2024, 2, 1, 12, 30, 5));
    expect(parseDateMs('2024-03-01 12:30:05+05:30')).toBe(Date.UTC(2024, 2, 1, 7, 0, 5));
    expect(parseDateMs('2024-03-01 12:30:05-08')).toBe(Date.UTC(2024, 2, 1, 20, 30, 5));
    expect(parseDateMs('0099-12-31')).toBe(new Date('0099-12-31T00:00:00Z').getTime());
    expect(parseDateMs('0001-01-01 BC')).toBe(new Date('0000-01-01T00:00:00Z').getTime());
    expect(parseDateMs('1969-12-31 23:59:59.9995')).toBe(0);
    expect(parseDateMs('1969-12-31 23:59:59.0015')).toBe(-998);
    expect(parseDateMs('2024-03-01T12:30:05.9999999Z')).toBe(Date.UTC(2024, 2, 1, 12, 30, 5, 999));
    expect(parseDateMs('2024-03-01 12:30:05.5+00:00')).toBe(Date.UTC(2024, 2, 1, 12, 30, 5, 500));
    expect(parseDateMs('0999-03-01 12:30:05')).toBe(new Date('0999-03-01T12:30:05Z').getTime());
    expect(parseDateMs('infinity')).toBeNaN();
    expect(parseDateMs('2024-13-01')).toBeNaN();
  });
});

describe('sqliteDeclaredType', () => {
  it('maps declared types like SQLite affinity, with dates and booleans', () => {
    expect(sqliteDeclaredType('INTEGER')).toBe('integer');
    expect(sqliteDeclaredType('BIGINT')).toBe('integer');
    expect(sqliteDeclaredType('NUMERIC(12,2)')).toBe('double');
    expect(sqliteDeclaredType('REAL')).toBe('double');
    expect(sqliteDeclaredType('BOOLEAN')).toBe('boolean');
    expect(sqliteDeclaredType('DATE')).toBe('date');
    expect(sqliteDeclaredType('DATETIME')).toBe('timestamp');
    expect(sqliteDeclaredType('TIMESTAMP')).toBe('timestamp');
    expect(sqliteDeclaredType('VARCHAR(20)')).toBe('text');
    expect(sqliteDeclaredType(null)).toBeUndefined();
    expect(sqliteDeclaredType('JSON')).toBeUndefined();
  });
});

/** Typed view of a column for comparisons: kind, type and plain values (NaN kept). */
function plain(c: Column): unknown {
  switch (c.kind) {
    case 'numeric':
      return { name: c.name, type: c.type, values: Array.from(c.values) };
    case 'categorical':
      return { name: c.name, kind: 'categorical', levels: c.levels, codes: Array.from(c.codes) };
    case 'string':
      return { name: c.name, kind: 'string', values: c.values };
  }
}
const plainAll = (ds: Dataset) => ds.columns.map(plain);

const numbers = (ds: Dataset, name: string): number[] => {
  const c = ds.column(name);
  if (c.kind !== 'numeric') throw new Error(`${name} is ${c.kind}`);
  return Array.from(c.values);
};

const catValues = (ds: Dataset, name: string): (string | null)[] => {
  const c = ds.column(name);
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? null : c.levels[k]!));
  if (c.kind === 'string') return [...c.values];
  throw new Error(`${name} is numeric`);
};

describe('PostgreSQL source', () => {
  let url = '';
  let client: pg.Client;
  const password = () => new URL(url).password;

  beforeAll(async () => {
    ({ url } = await startPostgres());
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`
      CREATE TABLE types (
        id integer, n numeric(12, 3), big bigint, small smallint, flag boolean, d date, ts timestamptz,
        tsn timestamp, note text, city varchar(20), r real, x double precision
      );
      INSERT INTO types VALUES
        (1, 1.250, 9007199254740993, 7, true, '2024-02-29', '2024-03-01 10:00:00.123+02', '2024-03-01 10:00:00.5',
         'first note', 'Paris', 0.1, 0.1),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, -0.001, -42, -7, false, '1969-07-20', '1969-07-20 20:17:40+00', '1999-12-31 23:59:59.999',
         'third', 'Oslo', 'NaN', 'Infinity');
      CREATE TABLE big AS
        SELECT i AS id, i * 0.5 AS half, (i % 3 = 0) AS third, 'c' || (i % 4) AS bucket
        FROM generate_series(1, 50000) AS i;
    `);
    await client.query('SELECT 1');
  });
  afterAll(async () => {
    await client?.end();
  });

  it('reads numeric, bigint, boolean, date, timestamptz, text and varchar into typed columns with NULLs', async () => {
    const { dataset: ds, source } = await readSql(url, 'SELECT * FROM types ORDER BY id;');
    expect(source).toEqual({ kind: 'postgres', shown: url.replace(`:${password()}@`, ':***@') });
    expect(ds.nRows).toBe(3);
    expect(ds.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind])).toEqual([
      ['id', 'integer'],
      ['n', 'double'],
      ['big', 'string'], // 9007199254740993 is past 2^53: the column keeps exact digits
      ['small', 'integer'],
      ['flag', 'boolean'],
      ['d', 'date'],
      ['ts', 'timestamp'],
      ['tsn', 'timestamp'],
      ['note', 'string'],
      ['city', 'string'], // 2 distinct values in 3 rows: free text, as file ingest decides
      ['r', 'double'],
      ['x', 'double'],
    ]);
    expect(numbers(ds, 'id')).toEqual([1, 2, 3]);
    expect(numbers(ds, 'n')).toEqual([1.25, NaN, -0.001]);
    const big = ds.column('big');
    expect(big.kind === 'string' && [big.values, big.integer]).toEqual([
      ['9007199254740993', null, '-42'],
      true,
    ]);
    expect(numbers(ds, 'small')).toEqual([7, NaN, -7]);
    expect(numbers(ds, 'flag')).toEqual([1, NaN, 0]);
    expect(numbers(ds, 'd')).toEqual([Date.UTC(2024, 1, 29), NaN, Date.UTC(1969, 6, 20)]);
    expect(numbers(ds, 'ts')).toEqual([
      Date.UTC(2024, 2, 1, 8, 0, 0, 123),
      NaN,
      Date.UTC(1969, 6, 20, 20, 17, 40),
    ]);
    expect(numbers(ds, 'tsn')).toEqual([
      Date.UTC(2024, 2, 1, 10, 0, 0, 500),
      NaN,
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    ]);
    expect(catValues(ds, 'note')).toEqual(['first note', null, 'third']);
    expect(catValues(ds, 'city')).toEqual(['Paris', null, 'Oslo']);
    // real is widened exactly from float32, as DuckDB does; double precision is exact.
    expect(numbers(ds, 'r')).toEqual([Math.fround(0.1), NaN, NaN]);
    expect(numbers(ds, 'x')).toEqual([0.1, NaN, Infinity]);
  });

  it('keeps doubles exact through the text protocol', async () => {
    const values = [Math.PI, Math.sqrt(2), 1e-300, -123456.789e200, 5e-324];
    const { dataset: ds } = await readSql(
      url,
      `SELECT x FROM unnest(ARRAY[${values.map((v) => `'${String(v)}'::float8`).join(',')}]) WITH ORDINALITY AS t(x, k) ORDER BY k`,
    );
    expect(numbers(ds, 'x')).toEqual(values);
  });

  it(`streams 50,000 rows through the cursor in batches of ${pgBatchRows}`, async () => {
    expect(pgBatchRows).toBeLessThan(50_000);
    const { dataset: ds } = await readSql(url, 'SELECT * FROM big ORDER BY id');
    expect(ds.nRows).toBe(50_000);
    const id = numbers(ds, 'id');
    expect(id[0]).toBe(1);
    expect(id[49_999]).toBe(50_000);
    expect(id.every((v, i) => v === i + 1)).toBe(true);
    expect(numbers(ds, 'half').reduce((a, b) => a + b, 0)).toBe((50_000 * 50_001) / 4);
    expect(numbers(ds, 'third').reduce((a, b) => a + b, 0)).toBe(16_666);
    const bucket = ds.column('bucket');
    expect(bucket.kind).toBe('categorical');
    if (bucket.kind === 'categorical') expect(bucket.levels).toEqual(['c0', 'c1', 'c2', 'c3']);
    // A batch boundary exactly at the row count.
    const exact = await readSql(url, `SELECT id FROM big WHERE id <= ${pgBatchRows * 2} ORDER BY id`);
    expect(exact.dataset.nRows).toBe(pgBatchRows * 2);
  });

  it('applies --sample like file ingest (seeded, in result order) and --types overrides', async () => {
    const a = await readSql(url, 'SELECT id, bucket FROM big ORDER BY id', { sample: 100, seed: 7 });
    const b = await readSql(url, 'SELECT id, bucket FROM big ORDER BY id', { sample: 100, seed: 7 });
    expect(a.dataset.nRows).toBe(100);
    expect(numbers(a.dataset, 'id')).toEqual(numbers(b.dataset, 'id'));
    const ids = numbers(a.dataset, 'id');
    expect(ids.every((v, i) => i === 0 || v > ids[i - 1]!)).toBe(true);
    const typed = await readSql(url, "SELECT id, '2024-01-0' || (id % 9 + 1) AS day FROM big WHERE id < 20", {
      types: { id: 'string', day: 'date' },
    });
    expect(typed.dataset.column('id').kind).toBe('string');
    expect(numbers(typed.dataset, 'day')[0]).toBe(Date.UTC(2024, 0, 2));
    await expect(readSql(url, 'SELECT id FROM big LIMIT 1', { types: { nope: 'string' } })).rejects.toThrow(
      UsageError,
    );
    await expect(readSql(url, "SELECT 'abc' AS v", { types: { v: 'double' } })).rejects.toThrow(
      /column 'v' \(forced to double by --types\) holds 'abc' in result row 1/,
    );
  });

  it('reads credentials from PGUSER / PGPASSWORD / PGHOST / PGPORT', async () => {
    const u = new URL(url);
    const saved = { ...process.env };
    Object.assign(process.env, {
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: decodeURIComponent(u.password),
      PGHOST: u.hostname,
      PGPORT: u.port,
    });
    try {
      const { dataset: ds, source } = await readSql('postgresql:///postgres', 'SELECT 41 + 1 AS answer');
      expect(numbers(ds, 'answer')).toEqual([42]);
      expect(source.shown).toBe('postgresql:///postgres');
    } finally {
      for (const k of ['PGUSER', 'PGPASSWORD', 'PGHOST', 'PGPORT']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('reads in a read-only session', async () => {
    await expect(readSql(url, 'CREATE TABLE oops (a int)')).rejects.toThrow(/read-only transaction/);
    await expect(readSql(url, 'DELETE FROM types RETURNING id')).rejects.toThrow(/read-only transaction/);
    const count = await client.query('SELECT count(*)::int AS n FROM types');
    expect(count.rows[0].n).toBe(3);
  });

  describe('errors', () => {
    const expectDataError = async (p: Promise<unknown>, pattern: RegExp, secret?: string) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(DataError);
      const msg = (e as Error).message;
      expect(msg).toMatch(pattern);
      expect(msg).not.toContain('\n');
      if (secret) {
        expect(msg).not.toContain(secret);
        expect(String((e as DataError).hint)).not.toContain(secret);
        expect((e as Error).stack ?? '').not.toContain(secret);
      }
    };

    it('unreachable server: host:port in the message, password redacted', async () => {
      const closed = await freePort();
      await expectDataError(
        readSql(`postgres://ann:Zq9-unreachable@127.0.0.1:${closed}/shop`, 'SELECT 1'),
        new RegExp(`cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${closed}: connection refused`),
        'Zq9-unreachable',
      );
    });

    it('a server that never answers times out (connect_timeout, at most 10 s by default)', async () => {
      const silent = await silentServer();
      try {
        const port = (silent.address() as { port: number }).port;
        const t0 = performance.now();
        await expectDataError(
          readSql(`postgres://ann:Zq9-silent@127.0.0.1:${port}/shop?connect_timeout=1`, 'SELECT 1'),
          new RegExp(`cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: no answer within 1 s`),
          'Zq9-silent',
        );
        expect(performance.now() - t0).toBeLessThan(5_000);
      } finally {
        silent.close();
      }
    });

    it('authentication failure', async () => {
      const bad = new URL(url);
      bad.password = 'Zq9-wrong-password';
      await expectDataError(
        readSql(bad.toString(), 'SELECT 1'),
        /authentication failed for user 'postgres'/,
        'Zq9-wrong-password',
      );
      const none = new URL(url);
      none.password = '';
      const saved = process.env['PGPASSWORD'];
      delete process.env['PGPASSWORD'];
      try {
        await expectDataError(readSql(none.toString(), 'SELECT 1'), /asks for a password and none was given/);
      } finally {
        if (saved !== undefined) process.env['PGPASSWORD'] = saved;
      }
    });

    it("SQL errors carry the database's own message", async () => {
      await expectDataError(readSql(url, 'SELEC 1'), /syntax error at or near "SELEC"/, password());
      await expectDataError(
        readSql(url, 'SELECT * FROM missing_table'),
        /relation "missing_table" does not exist/,
      );
      await expectDataError(readSql(url, 'SELECT 1/0 AS x'), /division by zero/);
    });

    it('a query returning no rows', async () => {
      await expectDataError(readSql(url, 'SELECT * FROM types WHERE false'), /the query returned no rows/);
    });

    it('a missing database', async () => {
      const other = new URL(url);
      other.pathname = '/no_such_db';
      await expectDataError(
        readSql(other.toString(), 'SELECT 1'),
        /database 'no_such_db' does not exist/,
        password(),
      );
    });

    it('duplicate result column names', async () => {
      await expectDataError(readSql(url, 'SELECT 1 AS a, 2 AS a'), /two columns named 'a'/);
    });
  });

  describe('the same data from PostgreSQL, SQLite and DuckDB', () => {
    const n = 600;
    const row = (i: number): string => {
      const nul = i % 17 === 0;
      const cells = [
        String(i),
        nul ? 'NULL' : `${((i * 37) % 1000) / 100}`,
        nul ? 'NULL' : String(i * 1_000_000_007),
        nul ? 'NULL' : i % 3 === 0 ? 'TRUE' : 'FALSE',
        nul ? 'NULL' : `'2024-01-${String((i % 28) + 1).padStart(2, '0')}'`,
        nul
          ? 'NULL'
          : `'2023-06-${String((i % 30) + 1).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:15:30.${String(i % 1000).padStart(3, '0')}'`,
        nul ? 'NULL' : `'customer ${i}'`,
        i % 13 === 0 ? 'NULL' : `'${['north', 'south', 'east', 'west'][i % 4]}'`,
        nul ? 'NULL' : `${((i * 7919) % 4096) / 64}`,
      ];
      return `(${cells.join(', ')})`;
    };
    const values = Array.from({ length: n }, (_, k) => row(k + 1)).join(',\n');
    const ddl = (num: string, ts: string, dbl: string) =>
      `CREATE TABLE shop (id INTEGER, amount ${num}, big BIGINT, vip BOOLEAN, day DATE, seen ${ts}, name TEXT, region VARCHAR(10), score ${dbl})`;
    const query = 'SELECT * FROM shop ORDER BY id';

    it('gives identical datasets', async () => {
      await client.query(ddl('NUMERIC(12,2)', 'TIMESTAMP', 'DOUBLE PRECISION'));
      await client.query(`INSERT INTO shop VALUES ${values}`);

      const sqlitePath = join(tmp.dir, 'shop.sqlite');
      const lite = new Database(sqlitePath);
      lite.exec(ddl('NUMERIC(12,2)', 'DATETIME', 'REAL'));
      lite.exec(`INSERT INTO shop VALUES ${values}`);
      lite.close();

      const duckPath = join(tmp.dir, 'shop.duckdb');
      const inst = await DuckDBInstance.create(duckPath);
      const conn = await inst.connect();
      await conn.run(ddl('DECIMAL(12,2)', 'TIMESTAMP', 'DOUBLE'));
      await conn.run(`INSERT INTO shop VALUES ${values}`);
      conn.closeSync();
      inst.closeSync();

      const fromPg = (await readSql(url, query)).dataset;
      const fromLite = (await readSql(`sqlite://${sqlitePath}`, query)).dataset;
      const fromLitePath = (await readSql(sqlitePath, query)).dataset;
      const fromDuck = (await readSql(`duckdb://${duckPath}`, query)).dataset;
      const fromDuckPath = (await readSql(duckPath, query)).dataset;

      expect(fromPg.nRows).toBe(n);
      expect(fromPg.columns.map((c) => [c.name, c.kind === 'numeric' ? c.type : c.kind])).toEqual([
        ['id', 'integer'],
        ['amount', 'double'],
        ['big', 'integer'],
        ['vip', 'boolean'],
        ['day', 'date'],
        ['seen', 'timestamp'],
        ['name', 'string'],
        ['region', 'categorical'],
        ['score', 'double'],
      ]);
      expect(numbers(fromPg, 'seen')[0]).toBe(Date.UTC(2023, 5, 2, 1, 15, 30, 1));
      expect(numbers(fromPg, 'amount').filter(Number.isNaN).length).toBe(Math.floor(n / 17));
      expect(plainAll(fromLite)).toEqual(plainAll(fromPg));
      expect(plainAll(fromLitePath)).toEqual(plainAll(fromPg));
      expect(plainAll(fromDuck)).toEqual(plainAll(fromPg));
      expect(plainAll(fromDuckPath)).toEqual(plainAll(fromPg));
    });
  });
});

describe('SQLite and DuckDB files', () => {
  let litePath = '';
  let duckPath = '';
  beforeAll(async () => {
    litePath = join(tmp.dir, 'small.db');
    const lite = new Database(litePath);
    lite.exec(`CREATE TABLE t (id INTEGER, qty INTEGER, note TEXT, at DATETIME, blob BLOB);
      INSERT INTO t VALUES (1, 5, 'a', '2024-01-01 00:00:00', x'00ff'), (2, 'many', 'b', 1700000000, NULL);`);
    lite.close();
    duckPath = join(tmp.dir, 'small.duckdb');
    const inst = await DuckDBInstance.create(duckPath);
    const conn = await inst.connect();
    await conn.run('CREATE TABLE t AS SELECT range AS id, range * 2 AS twice FROM range(5)');
    conn.closeSync();
    inst.closeSync();
  });

  it('types SQLite expressions by their values and reads DuckDB files read-only', async () => {
    const lite = await readSql(
      litePath,
      "SELECT id, id * 1.5 AS x, 'k' || id AS k, NULL AS empty FROM t ORDER BY id",
    );
    expect(plainAll(lite.dataset).slice(0, 2)).toEqual([
      { name: 'id', type: 'integer', values: [1, 2] },
      { name: 'x', type: 'double', values: [1.5, 3] },
    ]);
    expect(catValues(lite.dataset, 'k')).toEqual(['k1', 'k2']);
    expect(catValues(lite.dataset, 'empty')).toEqual([null, null]);
    const duck = await readSql(`duckdb://${duckPath}`, 'SELECT id, twice FROM t WHERE id > 2 ORDER BY id;');
    expect(plainAll(duck.dataset)).toEqual([
      { name: 'id', type: 'integer', values: [3, 4] },
      { name: 'twice', type: 'integer', values: [6, 8] },
    ]);
    // The file was attached read-only.
    await expect(readSql(duckPath, 'CREATE TABLE u AS SELECT 1 AS a')).rejects.toThrow(DataError);
  });

  it('keeps 64-bit ids past 2^53 exact from SQLite and DuckDB files', async () => {
    const path = join(tmp.dir, 'ids.db');
    const lite = new Database(path);
    lite.exec(`CREATE TABLE c (id INTEGER, x REAL);
      INSERT INTO c VALUES (9007199254740993, 1.5), (9007199254740995, 2), (-9223372036854775808, 3);`);
    lite.close();
    for (const q of ['SELECT id, x FROM c', 'SELECT id + 0 AS id, x FROM c']) {
      const ds = (await readSql(path, q)).dataset;
      const id = ds.column('id');
      expect(id.kind === 'string' && [id.values, id.integer]).toEqual([
        ['9007199254740993', '9007199254740995', '-9223372036854775808'],
        true,
      ]);
      expect(numbers(ds, 'x')).toEqual([1.5, 2, 3]);
    }
    const duck = await readSql(`duckdb://${duckPath}`, 'SELECT 9007199254740993::BIGINT AS id, 1 AS x');
    const id = duck.dataset.column('id');
    expect(id.kind === 'string' && id.values).toEqual(['9007199254740993']);
  });

  it('refuses values that do not fit the declared SQLite type, with a hint', async () => {
    await expect(readSql(litePath, 'SELECT qty FROM t')).rejects.toThrow(
      /column 'qty' \(declared INTEGER\) holds 'many' in result row 2/,
    );
    const asText = await readSql(litePath, 'SELECT qty FROM t', { types: { qty: 'string' } });
    expect(catValues(asText.dataset, 'qty')).toEqual(['5', 'many']);
    await expect(readSql(litePath, 'SELECT at FROM t')).rejects.toThrow(/dates are read as ISO-8601 text/);
    await expect(readSql(litePath, 'SELECT blob FROM t')).rejects.toThrow(/holds a BLOB/);
  });

  it('errors: missing files, syntax errors, empty results, not a database', async () => {
    await expect(readSql(join(tmp.dir, 'missing.sqlite'), 'SELECT 1')).rejects.toThrow(
      /database file not found/,
    );
    await expect(readSql(`duckdb://${join(tmp.dir, 'missing.duckdb')}`, 'SELECT 1')).rejects.toThrow(
      /database file not found/,
    );
    await expect(readSql(litePath, 'SELEC 1')).rejects.toThrow(/near "SELEC": syntax error/);
    await expect(readSql(duckPath, 'SELEC 1')).rejects.toThrow(/syntax error at or near "SELEC"/);
    await expect(readSql(litePath, 'SELECT * FROM t WHERE 0')).rejects.toThrow(/the query returned no rows/);
    await expect(readSql(duckPath, 'SELECT * FROM t WHERE false')).rejects.toThrow(
      /the query returned no rows/,
    );
    const junk = join(tmp.dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, just text '.repeat(200));
    await expect(readSql(junk, 'SELECT 1')).rejects.toThrow(/not a SQLite database|file is not a database/);
    const junkDuck = join(tmp.dir, 'junk.duckdb');
    writeFileSync(junkDuck, 'nope '.repeat(2000));
    await expect(readSql(junkDuck, 'SELECT 1')).rejects.toThrow(/cannot open as a DuckDB database/);
    await expect(readSql(litePath, '   ;  ')).rejects.toThrow(UsageError);
    await expect(readSql('oracle://scott:tiger@h/x', 'SELECT 1')).rejects.toThrow(UsageError);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A TCP server that accepts connections and never says a word. */
function silentServer(): Promise<Server> {
  return new Promise((resolve) => {
    const sockets: Socket[] = [];
    const s = createServer((sock) => sockets.push(sock));
    s.on('close', () => sockets.forEach((k) => k.destroy()));
    s.listen(0, '127.0.0.1', () => resolve(s));
    const close = s.close.bind(s);
    s.close = ((cb?: (err?: Error) => void) => {
      sockets.forEach((k) => k.destroy());
      return close(cb);
    }) as typeof s.close;
  });
}

describe('sessionScript', () => {
  it('splits SET statements from the query at top-level semicolons only', () => {
    expect(sessionScript("SET TimeZone = 'UTC';\n\nSELECT 1;")).toEqual({
      settings: ["SET TimeZone = 'UTC'"],
      query: 'SELECT 1',
    });
    const q = `SELECT 'a;b' AS "c;d", $$x;y$$ AS e -- trailing; comment\nFROM t /* ; */`;
    expect(sessionScript(q)).toEqual({ settings: [], query: q });
    expect(sessionScript("SELECT 'it''s; fine';;  ")).toEqual({
      settings: [],
      query: "SELECT 'it''s; fine'",
    });
    expect(sessionScript('-- only a comment;\n')).toEqual({ settings: [], query: '' });
    expect(sessionScript('/* set up */ SET search_path TO s; SELECT 1')).toEqual({
      settings: ['/* set up */ SET search_path TO s'],
      query: 'SELECT 1',
    });
  });

  it('refuses any other statement before the query', () => {
    expect(() => sessionScript('CREATE TABLE x (a int); SELECT 1')).toThrow(UsageError);
    expect(() => sessionScript('SELECT 1; SELECT 2')).toThrow(
      /only SET statements may come before the query/,
    );
  });
});
