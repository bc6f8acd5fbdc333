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
