import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CleanModel } from '../../src/clean/clean-model.js';
import type { ClusterModel } from '../../src/cluster/cluster-model.js';
import { UsageError } from '../../src/core/errors.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { exportSql, parseTableName, sqlDialect, sqlDialects } from '../../src/export/sql.js';
import { readDataset } from '../../src/io/read.js';
import { bundleModel } from '../../src/model/bundle.js';
import { scoreDataset } from '../../src/model/score.js';
import { tempDir } from '../helpers/cli.js';
import { withSegmentNames } from '../../src/cluster/segment-names.js';
import { awkwardNames, duckRows, duckTable, labelsOf } from './helpers.js';
import { cosineModel, inputCsv, kmeansModel } from './models.js';

const golden = new URL('./golden/', import.meta.url).pathname;
const update = process.env['UPDATE_GOLDEN'] === '1';
const tmp = tempDir('segment-export-unit-');
afterAll(() => tmp.cleanup());

describe('dialects', () => {
  it('quote identifiers so that reserved words, quotes, backticks and backslashes survive', () => {
    const name = 'it\'s "a`b\\c"';
    expect(sqlDialect('duckdb').ident('select')).toBe('"select"');
    expect(sqlDialect('postgres').ident(name)).toBe('"it\'s ""a`b\\c"""');
    expect(sqlDialect('snowflake').ident(name)).toBe('"it\'s ""a`b\\c"""');
    expect(sqlDialect('spark').ident(name)).toBe('`it\'s "a``b\\c"`');
    expect(sqlDialect('bigquery').ident(name)).toBe('`it\'s "a\\`b\\\\c"`');
  });

  it('write string literals per dialect (quotes doubled or escaped, backslashes where they escape)', () => {
    const s = "it's a\\b\nc";
    expect(sqlDialect('duckdb').string(s)).toBe("'it''s a\\b\nc'");
    expect(sqlDialect('postgres').string(s)).toBe("'it''s a\\b\nc'");
    expect(sqlDialect('snowflake').string(s)).toBe("'it''s a\\\\b\\nc'");
    expect(sqlDialect('bigquery').string(s)).toBe("'it\\'s a\\\\b\\nc'");
    expect(sqlDialect('spark').string(s)).toBe("'it\\'s a\\\\b\\nc'");
    expect(sqlDialect('bigquery').string('\u0001')).toBe("'\\u0001'");
  });

  it('split table names into quoted parts', () => {
    expect(parseTableName('t')).toEqual(['t']);
    expect(parseTableName('a.b.c')).toEqual(['a', 'b', 'c']);
    expect(parseTableName('"my.schema"."t""x"')).toEqual(['my.schema', 't"x']);
    expect(parseTableName('`p-1`.d.t')).toEqual(['p-1', 'd', 't']);
    for (const bad of ['', 'a..b', 'a.', '"open', '"a"b.c'])
      expect(() => parseTableName(bad)).toThrow(UsageError);
  });

  it('write float64 constants as the shortest round-trip decimal, read through a cast', async () => {
    const values = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324, 123456789.12345679, -0];
    const d = sqlDialect('duckdb');
    const m = kmeansModel();
    expect(exportSql(m, { dialect: 'duckdb', table: 't' }).sql).toContain("CAST('0.5' AS DOUBLE)");
    const rows = await duckRows(
      `SELECT ${values.map((v, i) => `CAST('${Object.is(v, -0) ? '-0' : String(v)}' AS ${d.double}) AS v${i}`).join(', ')}`,
    );
    values.forEach((v, i) => expect(Object.is(rows[0]![`v${i}`], v)).toBe(true));
  });
});

describe('golden queries', () => {
  const models: [string, () => ClusterModel][] = [
    ['kmeans-chain', kmeansModel],
    ['hierarchical-cosine', cosineModel],
  ];
  for (const [name, make] of models) {
    for (const dialect of sqlDialects) {
      it(`${name} for ${dialect} equals test/export/golden/${name}.${dialect}.sql`, () => {
        const { sql } = exportSql(make(), { dialect, table: 'proj.analytics.customers', id: 'id' });
        expect(exportSql(make(), { dialect, table: 'proj.analytics.customers', id: 'id' }).sql).toBe(sql);
        const file = join(golden, `${name}.${dialect}.sql`);
        if (update || !existsSync(file)) {
          mkdirSync(golden, { recursive: true });
          writeFileSync(file, sql);
        }
        expect(sql).toBe(readFileSync(file, 'utf8'));
      });
    }
  }

  it('--segment-name: a CASE over the segment, names as string literals of each dialect', () => {
    const km = kmeansModel();
    const [first, second] = km.segments.map((seg) => seg.segment);
    const named = withSegmentNames(km, new Map([[first!, { name: awkwardNames[0]!, description: null }]]));
    for (const dialect of sqlDialects) {
      const d = sqlDialect(dialect);
      const plain = exportSql(named, { dialect, table: 't', id: 'id' }).sql;
      expect(plain).not.toContain('segment_name');
      const { sql } = exportSql(named, { dialect, table: 't', id: 'id', segmentName: true });
      expect(sql, dialect).toContain(`WHEN ${first} THEN ${d.string(awkwardNames[0]!)}`);
      expect(sql, dialect).toContain(`WHEN ${second} THEN ${d.string(`Segment ${second}`)}`);
      expect(sql, dialect).toContain(`END AS ${d.ident('segment_name')}`);
      // Every CTE of the plain query, to the character (then one more CTE for the segment).
      const ctes = (q: string): string =>
        q.slice(q.indexOf('WITH'), q.indexOf('-- the segment of the nearest centre')).replace(/,\n$/, '\n');
      expect(ctes(sql)).toBe(ctes(plain));
    }
    expect(() =>
      exportSql(named, { dialect: 'duckdb', table: 't', id: 'segment_name', segmentName: true }),
    ).toThrow(/the id column is named 'segment_name'/);
  });

  it('the hand-made models score like segment assign on DuckDB', async () => {
    const csv = join(tmp.dir, 'input.csv');
    writeFileSync(csv, inputCsv());
    await duckRows('CREATE SCHEMA IF NOT EXISTS analytics');
    await duckTable('analytics.customers', csv);
    const ds = await readDataset(csv);
    const pool = new WorkerPool(1);
    try {
      // k-means: every row scores (missing country imputed, unseen level all zeros).
      const km = kmeansModel();
      const want = (await scoreDataset(km, ds, { pool, source: 'm', data: csv, input: 'raw' })).labels;
      const got = labelsOf(
        await duckRows(exportSql(km, { dialect: 'duckdb', table: 'analytics.customers' }).sql),
        'id',
      );
      const ids = ds.column('id');
      expect(got.size).toBe(ds.nRows);
      for (let i = 0; i < ds.nRows; i++) expect(got.get(`a${i + 1}`), `row ${i + 1}`).toBe(want[i]);
      expect(ids.name).toBe('id');
      // Cosine: a missing or unseen level is missing after the ordinal encoding: NULL in SQL (assign refuses it).
      const cos = cosineModel();
      const rows = labelsOf(
        await duckRows(exportSql(cos, { dialect: 'duckdb', table: 'analytics.customers' }).sql),
        'id',
      );
      expect(rows.get('a5')).toBeNull();
      expect(rows.get('a9')).toBeNull();
      const keep = Int32Array.from({ length: ds.nRows }, (_, i) => i).filter((i) => i !== 4 && i !== 8);
      const sub = ds.take(keep);
      const wantCos = (await scoreDataset(cos, sub, { pool, source: 'm', data: csv, input: 'raw' })).labels;
      keep.forEach((r, k) => expect(rows.get(`a${r + 1}`), `row ${r + 1}`).toBe(wantCos[k]));
      expect(new Set(wantCos).size).toBeGreaterThan(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

/** The one line the CLI would print for what `f` throws (message and hint), or '' when it does not throw. */
function failure(f: () => unknown): string {
  try {
    f();
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return `${(e as UsageError).message} (hint: ${(e as UsageError).hint ?? ''})`;
  }
}

describe('what SQL cannot express', () => {
  const withSteps = (steps: unknown[], features = ['pc1', 'pc2']): ClusterModel => {
    const km = kmeansModel();
    const clean = km.chain![0]!.model as CleanModel;
    const chain = [{ stage: 'clean', model: { ...clean, steps } }, km.chain![1]!];
    return bundleModel({ ...km, features } as ClusterModel, chain);
  };
  const clean = (kmeansModel().chain![0]!.model as CleanModel).steps;

  it('KNN imputation, naming the step and hinting at median', () => {
    const knn = clean.map((s) =>
      s.step === 'impute'
        ? {
            ...s,
            numeric: s.numeric.map((e) => (e.name === 'spend' ? { ...e, strategy: 'knn', value: null } : e)),
          }
        : s,
    );
    expect(failure(() => exportSql(withSteps(knn), { dialect: 'postgres', table: 't' }))).toMatch(
      /clean impute step \(KNN imputation of 'spend'\).*--impute median/s,
    );
  });

  it('an isolation-forest flag the model uses, but not one it never reads', () => {
    const forest = {
      step: 'outliers',
      method: 'iforest',
      action: 'flag',
      columns: ['spend'],
      fill: [1],
      contamination: 'auto',
      offset: -0.5,
      forest: {},
      flagColumn: 'outlier',
    };
    const m = withSteps([...clean, forest], ['pc1', 'outlier']);
    expect(failure(() => exportSql(m, { dialect: 'spark', table: 't' }))).toMatch(
      /isolation-forest.*--outliers iqr/s,
    );
    expect(exportSql(withSteps([...clean, forest]), { dialect: 'spark', table: 't' }).sql).toContain('pc1');
    const dropped = withSteps([...clean, { ...forest, action: 'drop' }], ['pc1', 'pc2']);
    expect(exportSql(dropped, { dialect: 'spark', table: 't' }).skipped.join()).toContain('isolation forest');
  });

  it('validation that fails the run; dates; no id; an unknown dialect', () => {
    const fail = clean.map((s) => (s.step === 'validate' ? { ...s, onInvalid: 'fail' } : s));
    expect(failure(() => exportSql(withSteps(fail), { dialect: 'duckdb', table: 't' }))).toMatch(
      /validate.*--on-invalid report/s,
    );
    const km = kmeansModel();
    const c = km.chain![0]!.model as CleanModel;
    const dated = {
      ...c,
      input: {
        ...c.input,
        columns: c.input.columns.map((x) => (x.name === 'spend' ? { ...x, type: 'timestamp' } : x)),
      },
    };
    expect(() =>
      exportSql(bundleModel(km, [{ stage: 'clean', model: dated }, km.chain![1]!]), {
        dialect: 'duckdb',
        table: 't',
      }),
    ).toThrow(/'spend' is a timestamp/);
    expect(failure(() => exportSql({ ...km, id: null }, { dialect: 'duckdb', table: 't' }))).toMatch(
      /--id COL/,
    );
    expect(() => exportSql(km, { dialect: 'oracle' as never, table: 't' })).toThrow(UsageError);
    expect(exportSql(km, { dialect: 'duckdb', table: 't' }).notReproduced.join()).toMatch(
      /1 training exception/,
    );
  });
});
