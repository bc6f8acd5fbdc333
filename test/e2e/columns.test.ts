import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

// No column disappears or is overwritten without a word: left-out features are named, output columns the input
// already has are refused (exit 3) with the flag that picks another name, repeated ids are warned about or refused.

const tmp = tempDir('segment-columns-');
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);
const run = (args: string[]) => runCli(args, { cwd: tmp.dir });

/** 40 customers in two planted groups; `region` is categorical, `note` free text, `t` a 0/1 target. */
function customers(extra?: { header: string; cell: (i: number) => string }): string {
  const head = 'id,spend,visits,region,note,t' + (extra ? `,${extra.header}` : '');
  const lines = Array.from({ length: 40 }, (_, i) => {
    const g = i % 2;
    const cells = [
      `c${i + 1}`,
      String(g * 50 + (i % 5)),
      String(g * 20 + ((i * 3) % 7)),
      g ? 'north' : 'south',
      `note number ${i}`,
      String(g),
    ];
    if (extra) cells.push(extra.cell(i));
    return cells.join(',');
  });
  return [head, ...lines].join('\n') + '\n';
}

function write(name: string, text: string): string {
  writeFileSync(at(name), text);
  return name;
}

describe('columns: nothing left out or written over silently (built CLI)', () => {
  it('cluster names the text and categorical columns it leaves out, and lists features and leftOut in --json', async () => {
    const data = write('cust.csv', customers());
    const r = await run(['cluster', data, '--id', 'id', '--k', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      features: string[];
      leftOut: { name: string; reason: string }[];
      segmentColumn: string;
    };
    expect(out.features).toEqual(['spend', 'visits', 't']);
    expect(out.leftOut).toEqual([
      { name: 'id', reason: 'id' },
      { name: 'region', reason: 'categorical' },
      { name: 'note', reason: 'text' },
    ]);
    expect(out.segmentColumn).toBe('segment');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("features: left out 'region' (categorical), 'note' (text)");
    // Named features or --exclude: nothing to warn about.
    const named = await run([
      'cluster',
      data,
      '--id',
      'id',
      '--k',
      '2',
      '--features',
      'spend,visits',
      '--json',
    ]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).not.toContain('warning:');
    const excluded = await run([
      'cluster',
      data,
      '--id',
      'id',
      '--k',
      '2',
      '--exclude',
      'region,note',
      '--json',
    ]);
    expect(excluded.stderr).not.toContain('warning:');
  });

  it('cluster refuses an input that already has `segment` (exit 3), and --segment-col keeps both columns', async () => {
    const seg = write('seg-in.csv', customers({ header: 'segment', cell: (i) => String(i % 3) }));
    const refused = await run(['cluster', seg, '--id', 'id', '--k', '2', '-o', 'seg-out.csv']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/^segment: seg-in\.csv: the input already has a column 'segment'/);
    expect(refused.stderr).toContain('--segment-col');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(at('seg-out.csv'))).toBe(false);

    const ok = await run([
      'cluster',
      seg,
      '--id',
      'id',
      '--k',
      '2',
      '--exclude',
      'region,note',
      '--segment-col',
      'segment2',
      '-o',
      'seg-out.csv',
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout) as { features: string[]; leftOut: { name: string; reason: string }[] };
    // The earlier labels are never a feature.
    expect(json.features).toEqual(['spend', 'visits', 't']);
    expect(json.leftOut).toContainEqual({ name: 'segment', reason: 'role' });
    const lines = readFileSync(at('seg-out.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,spend,visits,t,segment,segment2');
    expect(lines[1]!.split(',')[4]).toBe('0'); // the input's own label of c1, kept as it was
  });

  it('assign refuses a scored input without --segment-col', async () => {
    const data = write('cust-a.csv', customers());
    const fit = await run([
      'cluster',
      data,
      '--id',
      'id',
      '--k',
      '2',
      '--exclude',
      'region,note',
      '-o',
      'a-seg.csv',
      '--model',
      'a-model.json',
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const refused = await run(['assign', 'a-seg.csv', '--model', 'a-model.json', '-o', 'a-scored.csv']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain("column 'segment'");
    expect(refused.stderr).toContain('--segment-col');
    expect(existsSync(at('a-scored.csv'))).toBe(false);
    const ok = await run([
      'assign',
      'a-seg.csv',
      '--model',
      'a-model.json',
      '--segment-col',
      'again',
      '-o',
      'a-scored.csv',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const [head, ...rows] = readFileSync(at('a-scored.csv'), 'utf8').trim().split('\n');
    expect(head).toBe('id,spend,visits,t,segment,again');
    for (const row of rows) {
      const cells = row.split(',');
      expect(cells[5]).toBe(cells[4]);
    }
  });

  it('clean --encode onehot refuses a one-hot name the input already has', async () => {
    const data = write('onehot.csv', customers({ header: 'region_north', cell: (i) => String(i) }));
    const r = await run([
      'clean',
      data,
      '--id',
      'id',
      '--exclude',
      'note',
      '--encode',
      'onehot',
      '-o',
      'onehot-out.csv',
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("'region_north'");
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(at('onehot-out.csv'))).toBe(false);
  });

  it('clean --outlier-action flag refuses an `outlier` column, and --outlier-col names the flag otherwise', async () => {
    const data = write('outl.csv', customers({ header: 'outlier', cell: (i) => String(i % 2) }));
    const args = ['clean', data, '--id', 'id', '--features', 'spend,visits', '--outliers', 'iqr'];
    const r = await run([...args, '-o', 'outl-out.csv']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("column 'outlier'");
    expect(r.stderr).toContain('--outlier-col');
    expect(existsSync(at('outl-out.csv'))).toBe(false);
    const ok = await run([...args, '--outlier-col', 'is_outlier', '-o', 'outl-out.csv']);
    expect(ok.code, ok.stderr).toBe(0);
    const head = readFileSync(at('outl-out.csv'), 'utf8').split('\n')[0]!;
    expect(head.split(',')).toEqual(expect.arrayContaining(['outlier', 'is_outlier']));
  });

  it('predict score refuses an input with a `probability` column, and --probability-col names it otherwise', async () => {
    const data = write('p.csv', customers({ header: 'probability', cell: (i) => String((i % 10) / 10) }));
    const train = await run([
      'predict',
      'train',
      data,
      '--id',
      'id',
      '--target',
      't',
      '--features',
      'spend,visits',
      '--model',
      'p-model.json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const r = await run(['predict', 'score', data, '--model', 'p-model.json', '-o', 'p-out.csv']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^segment: p\.csv: the input already has a column 'probability'/);
    expect(r.stderr).toContain('--probability-col');
    expect(existsSync(at('p-out.csv'))).toBe(false);
    const ok = await run([
      'predict',
      'score',
      data,
      '--model',
      'p-model.json',
      '--probability-col',
      'p_churn',
      '-o',
      'p-out.csv',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(at('p-out.csv'), 'utf8').split('\n')[0]).toBe('id,p_churn,predicted,tier');
  });

  it('predict train lists the left-out columns (the target as a role) and warns about text ones', async () => {
    const data = write('pt.csv', customers());
    const r = await run(['predict', 'train', data, '--id', 'id', '--target', 't', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { features: string[]; leftOut: { name: string; reason: string }[] };
    expect(out.features).toEqual(['spend', 'visits']);
    expect(out.leftOut).toContainEqual({ name: 't', reason: 'role' });
    expect(r.stderr).toContain("features: left out 'region' (categorical), 'note' (text)");
  });

  it('repeated ids: a warning in cluster, an error in stability (pairing by id)', async () => {
    const text = customers();
    const lines = text.trim().split('\n');
    // c1 appears again at the end, and c2 twice more.
    const dup = [...lines, lines[1]!, lines[2]!, lines[2]!].join('\n') + '\n';
    write('dup.csv', dup);
    const r = await run([
      'cluster',
      'dup.csv',
      '--id',
      'id',
      '--k',
      '2',
      '--exclude',
      'region,note',
      '-o',
      'dup-seg.csv',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "warning: dup.csv: id column 'id' has 2 id(s) on more than one row (5 rows): 'c1' (rows 1, 41), 'c2' (rows 2, 42, 43)",
    );
    expect((JSON.parse(r.stdout) as { duplicateIds: unknown }).duplicateIds).toEqual({
      ids: 2,
      rows: 5,
      examples: [
        { id: 'c1', rows: [1, 41] },
        { id: 'c2', rows: [2, 42, 43] },
      ],
    });
    const s = await run(['stability', 'dup-seg.csv', 'dup-seg.csv', '--id', 'id']);
    expect(s.code, s.stderr).toBe(3);
    expect(s.stderr).toMatch(/^segment: dup-seg\.csv: id column 'id' has 2 id\(s\) on more than one row/);
    expect(s.stderr).toContain('rows are paired by id');
    expect(s.stderr.trim().split('\n')).toHaveLength(1);
  });
});
