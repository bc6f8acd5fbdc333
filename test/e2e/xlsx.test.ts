import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('segment -o .xlsx (built CLI)', () => {
  it('ingest writes a workbook with the header and every row', async () => {
    const out = join(tmp.dir, 'blobs.xlsx');
    const r = await runCli(['ingest', join(fixtures, 'blobs.csv'), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['data']);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'x0', 'x1', 'x2', 'x3', 'label']);
    expect(ws.actualRowCount).toBe(601);
    const first = readFileSync(join(fixtures, 'blobs.csv'), 'utf8').split('\n')[1]!.split(',');
    expect(ws.getRow(2).values).toEqual([undefined, ...first.map(Number)]);
    // A rerun gives the same bytes.
    const again = join(tmp.dir, 'blobs-again.xlsx');
    expect((await runCli(['ingest', join(fixtures, 'blobs.csv'), '-o', again])).code).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
  });

  it('refuses -o .xls with exit 2 and writes nothing', async () => {
    const r = await runCli(['ingest', join(fixtures, 'blobs.csv'), '-o', 'out.xls'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^segment: cannot write 'out\.xls': segment does not write \.xls files/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp.dir, 'out.xls'))).toBe(false);
    expect(tmp.files().filter((f) => f.includes('out.xls'))).toEqual([]);
  });
});

describe('reading .xlsx (built CLI)', () => {
  const xlsx = join(fixtures, 'customers.xlsx');

  it('inspect types every column of the first sheet; --sheet picks another by name or position', async () => {
    const r = await runCli(['inspect', xlsx, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as {
      rows: number;
      profiles: { name: string; type: string; missing: number }[];
    };
    expect(p.rows).toBe(60);
    expect(Object.fromEntries(p.profiles.map((c) => [c.name, c.type]))).toEqual({
      id: 'string',
      spend: 'double',
      visits: 'integer',
      signup: 'date',
      newsletter: 'boolean',
      region: 'categorical',
      spend_per_visit: 'double',
    });
    // One NA token in region, one #DIV/0! formula result: missing.
    expect(p.profiles.find((c) => c.name === 'region')!.missing).toBe(1);
    expect(p.profiles.find((c) => c.name === 'spend_per_visit')!.missing).toBe(1);
    const byName = await runCli(['ingest', xlsx, '--sheet', 'notes', '-o', '-']);
    const byIndex = await runCli(['ingest', xlsx, '--sheet', '2', '-o', '-']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byIndex.stdout).toBe(byName.stdout);
    expect(byName.stdout.split('\n')[0]).toBe('topic,owner,link,due');
  });

  it('leaves the date column out of the default features, and says so', async () => {
    const r = await runCli([
      'cluster',
      xlsx,
      '--id',
      'id',
      '--exclude',
      'spend_per_visit',
      '--k',
      '2',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { features: string[]; leftOut: { name: string; reason: string }[] };
    expect(out.features).toEqual(['spend', 'visits', 'newsletter']);
    expect(out.leftOut).toContainEqual({ name: 'signup', reason: 'date' });
    expect(r.stderr).toContain("'signup' (date)");
  });

  it('clusters a workbook, and features reads an event log saved as .xlsx like its CSV', async () => {
    const c = await runCli([
      'cluster',
      xlsx,
      '--id',
      'id',
      '--features',
      'spend,visits',
      '--k',
      '3',
      '-o',
      '-',
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toHaveLength(61);
    const events = join(tmp.dir, 'events.xlsx');
    expect((await runCli(['ingest', join(fixtures, 'events.csv'), '-o', events])).code).toBe(0);
    const args = ['--id', 'customer_id', '--time', 'ts', '--amount', 'amount', '--event', 'event', '-o', '-'];
    const fromCsv = await runCli(['features', join(fixtures, 'events.csv'), ...args]);
    const fromXlsx = await runCli(['features', events, ...args]);
    expect(fromXlsx.code, fromXlsx.stderr).toBe(0);
    expect(fromXlsx.stdout).toBe(fromCsv.stdout);
  }, 120_000);
});
