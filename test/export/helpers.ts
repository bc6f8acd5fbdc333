import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { exportSql, type SqlDialectName } from '../../src/export/sql.js';
import type { ClusterModel } from '../../src/cluster/cluster-model.js';
import { withSegmentNames } from '../../src/cluster/segment-names.js';
import { bundleModel, bundleText, loadModel } from '../../src/model/bundle.js';
import { cellText } from '../../src/core/dataset.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { readDataset } from '../../src/io/read.js';
import { prepareForModel } from '../../src/model/score.js';
import { sqlIdent, sqlString, withConnection } from '../../src/io/duckdb.js';
import { fixtures, runCli } from '../helpers/cli.js';

/** Run the built CLI and fail the test with its stderr when it does not exit 0. */
export async function segment(args: string[], cwd?: string): Promise<string> {
  const r = await runCli(['--quiet', ...args], cwd ? { cwd } : {});
  expect(r.code, `segment ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** A fixture CSV with a leading `rid` column (1, 2, …) so rows can be matched by a unique id. */
export function withRowId(dir: string, fixture: string): string {
  const [head, ...rows] = readFileSync(join(fixtures, fixture), 'utf8').trim().split('\n');
  const path = join(dir, fixture.replace(/\.csv$/, '-rid.csv'));
  writeFileSync(path, [`rid,${head}`, ...rows.map((r, i) => `${i + 1},${r}`)].join('\n') + '\n');
  return path;
}

/** Segments `segment assign` gives each row of `data`, by id (as text). */
export async function assignLabels(
  data: string,
  model: string,
  id: string,
  dir: string,
): Promise<Map<string, number>> {
  const out = join(dir, `assigned-${Math.random().toString(36).slice(2)}.parquet`);
  await segment(['assign', data, '--model', model, '-o', out]);
  const rows = await withConnection(async (c) =>
    (
      await c.runAndReadAll(`SELECT ${sqlIdent(id)} AS id, segment FROM read_parquet(${sqlString(out)})`)
    ).getRowObjects(),
  );
  return new Map(rows.map((r) => [String(r['id']), Number(r['segment'])]));
}

/** Create (or replace) a DuckDB table holding a CSV file, read the way segment reads it. */
export async function duckTable(table: string, csv: string): Promise<void> {
  await withConnection(async (c) => {
    await c.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_csv(${sqlString(csv)})`);
  });
}

/** Rows of a query on the embedded DuckDB, as objects. */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  return withConnection(async (c) => (await c.runAndReadAll(sql)).getRowObjects());
}

/** The segment column of query rows, by id (as text); null segments stay null. */
export function labelsOf(rows: Record<string, unknown>[], id: string): Map<string, number | null> {
  return new Map(rows.map((r) => [String(r[id]), r['segment'] === null ? null : Number(r['segment'])]));
}

/** Load a model file. */
export function model(path: string): Promise<ClusterModel> {
  return loadModel(path);
}

/** Key of a feature vector, as the model's exceptions are matched (exact float64 values). */
export function rowKey(values: number[]): string {
  return values.map(String).join(',');
}

/**
 * Compare SQL segments with `segment assign`'s: equal for every row except rows that are training exceptions of the
 * model (their feature values, from the query's `withFeatures` columns, match a recorded exception). Returns how
 * many rows differed.
 */
export function expectSameSegments(
  sqlRows: Record<string, unknown>[],
  assigned: Map<string, number>,
  m: ClusterModel,
  id: string,
): number {
  expect(sqlRows.length).toBe(assigned.size);
  const exceptions = new Set(m.exceptions.map((e) => rowKey(e.values.map((v) => v ?? NaN))));
  let differ = 0;
  for (const r of sqlRows) {
    const key = String(r[id]);
    const want = assigned.get(key);
    expect(want, `row ${key} missing from segment assign`).toBeDefined();
    const got = r['segment'] === null ? null : Number(r['segment']);
    if (got === want) continue;
    differ++;
    const values = m.features.map((f) => Number(r[f]));
    expect(exceptions.has(rowKey(values)), `row ${key}: SQL ${got}, assign ${want}, not an exception`).toBe(
      true,
    );
  }
  return differ;
}

/** The model's features of every row of `data` after its chain, as `segment assign` computes them, by id. */
export async function preparedFeatures(
  m: ClusterModel,
  data: string,
  id: string,
): Promise<Map<string, number[]>> {
  const ds = await readDataset(data);
  const pool = new WorkerPool(1);
  try {
    const { prepared } = await prepareForModel(m, ds, { input: 'raw', pool, source: 'model', data });
    const cols = m.features.map((f) => prepared.numeric(f).values);
    const idCol = prepared.column(id);
    const out = new Map<string, number[]>();
    for (let i = 0; i < prepared.nRows; i++) {
      out.set(
        cellText(idCol, i) ?? '',
        cols.map((c) => c[i]!),
      );
    }
    return out;
  } finally {
    await pool.close();
  }
}

/**
 * Expect the query's feature columns to equal segment's prepared features: bit for bit, or within `relTol`
 * (relative to the feature's scale) when the chain takes a logarithm, whose last bit depends on the math library.
 */
export function expectSameFeatures(
  sqlRows: Record<string, unknown>[],
  prepared: Map<string, number[]>,
  m: ClusterModel,
  id: string,
  relTol = 0,
): void {
  let compared = 0;
  for (const r of sqlRows) {
    const want = prepared.get(String(r[id]));
    expect(want).toBeDefined();
    // The sign of a zero is the one difference allowed (it changes no distance and no exception key).
    const got = m.features.map((f) => (r[f] === null ? Number.NaN : Number(r[f]) + 0));
    if (relTol === 0) expect(got, `features of row ${String(r[id])}`).toEqual(want!.map((x) => x + 0));
    else {
      got.forEach((g, j) =>
        expect(
          Math.abs(g - want![j]!),
          `feature ${m.features[j]} of row ${String(r[id])}`,
        ).toBeLessThanOrEqual(relTol * Math.max(1, Math.abs(want![j]!))),
      );
    }
    compared++;
  }
  expect(compared).toBe(prepared.size);
}

/**
 * Export a model, run the query on `table` with `run`, and check it against segment assign on `data` (the same
 * rows): the same features (bit for bit unless the chain takes a logarithm), the same segment for every row but
 * the training exceptions, and the plain query (id and segment only) giving the same segments. Returns how many
 * rows differ (exceptions) and the query rows.
 */
export async function checkExport(
  dialect: SqlDialectName,
  run: (sql: string) => Promise<Record<string, unknown>[]>,
  o: { modelPath: string; data: string; table: string; id: string; dir: string },
): Promise<{ differ: number; rows: Record<string, unknown>[] }> {
  const { modelPath, data, table, id, dir } = o;
  const m = await model(modelPath);
  const { sql } = exportSql(m, { dialect, table, id, withFeatures: true });
  const rows = await run(sql);
  // log(1 + x) comes from the engine's math library: its last bit may differ from segment's.
  const logs = JSON.stringify(m.chain ?? []).includes('"step":"log1p"');
  expectSameFeatures(rows, await preparedFeatures(m, data, id), m, id, logs ? 1e-13 : 0);
  const differ = expectSameSegments(rows, await assignLabels(data, modelPath, id, dir), m, id);
  const plain = await run(exportSql(m, { dialect, table, id }).sql);
  expect(Object.keys(plain[0]!)).toEqual([id, 'segment']);
  expect(labelsOf(plain, id)).toEqual(labelsOf(rows, id));
  return { differ, rows };
}

/** Names whose quotes, backslashes and comment markers must survive as SQL string literals. */
export const awkwardNames = ['It\'s "big" \\ spenders -- ok; DROP TABLE x; /* */', "Ünïcødé 🎯 ''", "\\'"];

/**
 * Name a model's segments with {@link awkwardNames} (the last segment left unnamed), save it next to `dir`, export
 * it as a query returning `segment_name`, run it with `run`, and check every row: the segment equals the plain
 * query's, and the name is the model's name of that segment (`Segment N` without one), as
 * `segment assign --segment-name` gives it. Returns the query rows.
 */
export async function checkSegmentNames(
  dialect: SqlDialectName,
  run: (sql: string) => Promise<Record<string, unknown>[]>,
  o: { modelPath: string; data: string; table: string; id: string; dir: string },
): Promise<Record<string, unknown>[]> {
  const { modelPath, data, table, id, dir } = o;
  const m = await model(modelPath);
  const numbers = m.segments.map((s) => s.segment);
  const names = new Map(
    numbers
      .slice(0, -1)
      .map((s, k) => [s, { name: awkwardNames[k % awkwardNames.length]!, description: null }]),
  );
  const named = join(dir, `named-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(named, bundleText(bundleModel(withSegmentNames(m, names), m.chain ?? [])));
  const rows = await run(exportSql(await model(named), { dialect, table, id, segmentName: true }).sql);
  expect(Object.keys(rows[0]!)).toEqual([id, 'segment', 'segment_name']);
  expect(labelsOf(rows, id)).toEqual(labelsOf(await run(exportSql(m, { dialect, table, id }).sql), id));
  for (const r of rows) {
    const s = r['segment'] === null ? null : Number(r['segment']);
    const want = s === null ? null : (names.get(s)?.name ?? `Segment ${s}`);
    expect(r['segment_name'], String(r[id])).toBe(want);
  }
  expect(new Set(rows.map((r) => r['segment_name'])).size).toBe(numbers.length);
  // segment assign --segment-name gives the same names, row by row.
  const out = join(dir, `assigned-${Math.random().toString(36).slice(2)}.parquet`);
  await segment(['assign', data, '--model', named, '--segment-name', '-o', out]);
  const assigned = await duckRows(
    `SELECT CAST(${sqlIdent(id)} AS VARCHAR) AS id, segment_name FROM read_parquet(${sqlString(out)})`,
  );
  const byId = new Map(rows.map((r) => [String(r[id]), r['segment_name']]));
  for (const a of assigned) expect(byId.get(String(a['id'])), String(a['id'])).toBe(a['segment_name']);
  return rows;
}
