import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { duckRows, duckTable, withRowId } from '../export/helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const dir = tmp.dir;
const p = (name: string): string => join(dir, name);

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('segment export-sql (built CLI)', () => {
  const data = withRowId(dir, 'blobs.csv');

  beforeAll(async () => {
    await ok([
      'clean',
      data,
      '--id',
      'rid',
      '--exclude',
      'label',
      '--impute',
      'median',
      '--scale',
      'zscore',
      '-o',
      p('c.parquet'),
    ]);
    await ok([
      'cluster',
      p('c.parquet'),
      '--id',
      'rid',
      '--exclude',
      'label',
      '--k',
      '3',
      '--model',
      p('model.json'),
    ]);
    await ok(['clean', data, '--id', 'rid', '--exclude', 'label', '--impute', 'knn', '-o', p('knn.parquet')]);
    await ok([
      'cluster',
      p('knn.parquet'),
      '--id',
      'rid',
      '--exclude',
      'label',
      '--k',
      '3',
      '--model',
      p('knn.json'),
    ]);
  }, 120_000);

  it('writes the query to -o (atomically) or to stdout', async () => {
    const r = await runCli([
      'export-sql',
      '--model',
      p('model.json'),
      '--dialect',
      'postgres',
      '--table',
      'analytics.blobs',
      '-o',
      p('score.sql'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const sql = readFileSync(p('score.sql'), 'utf8');
    expect(sql).toMatch(/^-- segment export-sql \(postgres\)/);
    expect(sql).toContain('FROM "analytics"."blobs"');
    expect(sql).toContain('AS "segment"');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const out = await ok([
      'export-sql',
      '--model',
      p('model.json'),
      '--dialect',
      'postgres',
      '--table',
      'analytics.blobs',
    ]);
    expect(out).toBe(sql);
    const spark = await ok([
      'export-sql',
      '--model',
      p('model.json'),
      '--dialect',
      'spark',
      '--table',
      'db.blobs',
    ]);
    expect(spark).toContain('FROM `db`.`blobs`');
  });

  it('--segment-name returns the names cluster --names stored, and the query runs in DuckDB', async () => {
    const names = p('names.yaml');
    writeFileSync(names, `0: "O'Brien's \\\\ best"\n2: {name: Lapsed, description: no order this year}\n`);
    await ok([
      'cluster',
      p('c.parquet'),
      '--id',
      'rid',
      '--exclude',
      'label',
      '--k',
      '3',
      '--names',
      names,
      '--model',
      p('named.json'),
    ]);
    const sql = await ok([
      'export-sql',
      '--model',
      p('named.json'),
      '--dialect',
      'duckdb',
      '--table',
      'named_blobs',
      '--segment-name',
    ]);
    expect(sql).toContain(`WHEN 0 THEN 'O''Brien''s \\ best'`);
    await duckTable('named_blobs', data);
    const rows = await duckRows(sql);
    expect(rows).toHaveLength(600);
    // Segment 1 is not in the names file: cluster named it from its profile.
    const made = JSON.parse(readFileSync(p('named.json'), 'utf8')).segments[1].name as string;
    expect(made).toMatch(/^(High|Low) x\d/);
    const want: Record<number, string> = { 0: "O'Brien's \\ best", 1: made, 2: 'Lapsed' };
    for (const r of rows) expect(r['segment_name']).toBe(want[Number(r['segment'])]);
    expect(new Set(rows.map((r) => r['segment_name'])).size).toBe(3);
  });

  it('an unsupported dialect is a usage error (exit 2)', async () => {
    const r = await runCli([
      'export-sql',
      '--model',
      p('model.json'),
      '--dialect',
      'oracle',
      '--table',
      't',
      '-o',
      p('x.sql'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/oracle/);
    expect(existsSync(p('x.sql'))).toBe(false);
  });

  it('a missing model is a data error (exit 3)', async () => {
    const r = await runCli([
      'export-sql',
      '--model',
      p('nope.json'),
      '--dialect',
      'duckdb',
      '--table',
      't',
      '-o',
      p('y.sql'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nope\.json/);
    expect(existsSync(p('y.sql'))).toBe(false);
  });

  it('a step SQL cannot express is a usage error naming it, and -o is not written', async () => {
    const r = await runCli([
      'export-sql',
      '--model',
      p('knn.json'),
      '--dialect',
      'bigquery',
      '--table',
      'p.d.t',
      '-o',
      p('z.sql'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KNN imputation of 'x0'.*--impute median/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(p('z.sql'))).toBe(false);
  });
});
