import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);

interface Cell {
  from: number;
  to: number;
  count: number;
  rowShare: number;
}

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * Two runs over the customers of the event log: the baseline is k-means k=4 on a seeded sample of 560 of the 600
 * customers, the current one k=5 on another sample of 560 (seed 7), numbered like the baseline's model.
 */
beforeAll(async () => {
  const events = join(fixtures, 'events.csv');
  await ok([
    'features',
    events,
    '--id',
    'customer_id',
    '--time',
    'ts',
    '--event',
    'event',
    '--amount',
    'amount',
    '-o',
    at('feat.parquet'),
  ]);
  await ok([
    'clean',
    at('feat.parquet'),
    '--id',
    'customer_id',
    '--impute',
    'median',
    '--scale',
    'zscore',
    '-o',
    at('clean.parquet'),
  ]);
  await ok([
    'cluster',
    at('clean.parquet'),
    '--id',
    'customer_id',
    '--k',
    '4',
    '--sample',
    '560',
    '-o',
    at('base.csv'),
    '--model',
    at('base.json'),
  ]);
  await ok([
    '--seed',
    '7',
    'cluster',
    at('clean.parquet'),
    '--id',
    'customer_id',
    '--k',
    '5',
    '--sample',
    '560',
    '--baseline',
    at('base.json'),
    '-o',
    at('cur.csv'),
    '--model',
    at('cur.json'),
  ]);
}, 120_000);

describe('segment report --baseline-segments (built CLI)', () => {
  it('gives the transition matrix pandas gives for the same two segment files', async () => {
    const out = await ok([
      'report',
      at('cur.csv'),
      '--id',
      'customer_id',
      '--baseline-segments',
      at('base.csv'),
      '--json',
      at('r.json'),
      '--moves',
      at('moves.csv'),
      '--html',
      at('r.html'),
    ]);
    const rep = JSON.parse(readFileSync(at('r.json'), 'utf8'));
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(rep).at(-1)).toBe('migration');
    const m = rep.migration;
    // Reference: pandas, a.merge(b, on='customer_id') then pd.crosstab(segment_base, segment_cur) on base.csv and
    // cur.csv; new / lost = ids of one file missing from the other; value_counts() of each file's segment column.
    expect([m.paired, m.unchanged, m.changed, m.new, m.lost]).toEqual([523, 407, 116, 37, 37]);
    const crosstab = [
      [122, 0, 0, 0, 111],
      [2, 127, 0, 0, 0],
      [0, 0, 86, 0, 0],
      [3, 0, 0, 72, 0],
    ];
    const rows = [0, 1, 2, 3];
    const cols = [0, 1, 2, 3, 4];
    expect((m.matrix as Cell[]).map((c) => [c.from, c.to])).toEqual(
      rows.flatMap((f) => cols.map((t) => [f, t])),
    );
    expect((m.matrix as Cell[]).map((c) => c.count)).toEqual(crosstab.flat());
    for (const c of m.matrix as Cell[]) {
      const row = crosstab[rows.indexOf(c.from)]!;
      expect(c.rowShare).toBeCloseTo(c.count / row.reduce((a, b) => a + b, 0), 12);
    }
    const before = [251, 138, 94, 77, 0];
    const after = [139, 135, 92, 77, 117];
    expect(m.segments.map((s: { segment: number }) => s.segment)).toEqual(cols);
    m.segments.forEach((s: { before: number; after: number; shift: number }, k: number) => {
      expect(s.before).toBeCloseTo(before[k]! / 560, 12);
      expect(s.after).toBeCloseTo(after[k]! / 560, 12);
      expect(s.shift).toBeCloseTo(((after[k]! - before[k]!) / 560) * 100, 10);
    });
    expect(m.baseline).toMatchObject({ path: at('base.csv'), rows: 560 });
    expect(m.baseline.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rep.run.inputs.map((i: { role: string }) => i.role)).toEqual(['segments', 'baseline-segments']);
    expect(rep.warnings).toEqual([
      'the share of Recent customers (segment 0) moved from 44.8 % to 24.8 % (−20.0 points) since the baseline',
      'the share of High mean_session_minutes · low avg_basket (segment 4) moved from 0.0 % to 20.9 % (+20.9 points) since the baseline',
    ]);
    expect(out).toContain('523 paired, 407 unchanged, 116 changed, 37 new, 37 lost');
    const moves = readFileSync(at('moves.csv'), 'utf8').trim().split('\n');
    expect(moves[0]).toBe('id,from_segment,to_segment');
    expect(moves).toHaveLength(1 + 116 + 37 + 37);
    expect(moves.filter((l) => /,$/.test(l))).toHaveLength(37); // lost: no current segment
    expect(moves.filter((l) => /^[^,]+,,/.test(l))).toHaveLength(37); // new: no baseline segment
    expect(moves.filter((l) => l === `${l.split(',')[0]},0,4`)).toHaveLength(111);
    const html = readFileSync(at('r.html'), 'utf8');
    expect(html).toContain('<section id="migration">');
    expect(html).toContain('id="chart-migration"');
  }, 60_000);

  it("pairs by the model's id column; --max-shift raises the warning threshold", async () => {
    const r = await runCli([
      'report',
      at('cur.csv'),
      '--model',
      at('cur.json'),
      '--baseline-segments',
      at('base.csv'),
      '--max-shift',
      '20.5',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.migration.idColumn).toBe('customer_id');
    expect(rep.migration.maxShift).toBe(20.5);
    expect(rep.warnings.filter((w: string) => /since the baseline/.test(w))).toEqual([
      'the share of High mean_session_minutes · low avg_basket (segment 4) moved from 0.0 % to 20.9 % (+20.9 points) since the baseline',
    ]);
    const plain = await runCli(['report', at('cur.csv'), '--json']);
    expect(JSON.parse(plain.stdout).migration).toBeNull();
  }, 60_000);

  it('counts noise, new and lost ids, and neutralises formula ids in --moves', async () => {
    writeFileSync(at('old.csv'), 'id,x,segment\n=cmd,0,0\nb,1,0\nc,2,1\nd,3,1\ne,4,-1\nf,5,0\n');
    writeFileSync(at('new.csv'), 'id,x,segment\n=cmd,0,1\nb,1,0\nc,2,1\nd,3,-1\ne,4,-1\ng,5,1\n');
    const r = await runCli([
      'report',
      at('new.csv'),
      '--id',
      'id',
      '--baseline-segments',
      at('old.csv'),
      '--moves',
      at('toy-moves.csv'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout).migration;
    expect([m.paired, m.unchanged, m.changed, m.new, m.lost]).toEqual([5, 3, 2, 1, 1]);
    expect((m.matrix as Cell[]).map((c) => [c.from, c.to, c.count])).toEqual([
      [-1, -1, 1],
      [-1, 0, 0],
      [-1, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 1, 1],
      [1, -1, 1],
      [1, 0, 0],
      [1, 1, 1],
    ]);
    expect(readFileSync(at('toy-moves.csv'), 'utf8')).toBe(
      "id,from_segment,to_segment\n'=cmd,0,1\nd,1,-1\ng,,1\nf,0,\n",
    );
  });

  it.each([
    [
      'no id column',
      'cur.csv',
      ['--baseline-segments', 'base.csv'],
      2,
      /--baseline-segments pairs rows by id: give the id column with --id/,
    ],
    [
      '--max-shift 0',
      'cur.csv',
      ['--id', 'customer_id', '--baseline-segments', 'base.csv', '--max-shift', '0'],
      2,
      /--max-shift.*expected a number > 0/,
    ],
    [
      '--max-shift -3',
      'cur.csv',
      ['--id', 'customer_id', '--baseline-segments', 'base.csv', '--max-shift', '-3'],
      2,
      /--max-shift.*expected a number > 0/,
    ],
    [
      '--moves alone',
      'cur.csv',
      ['--id', 'customer_id', '--moves', 'm.csv'],
      2,
      /--moves needs --baseline-segments/,
    ],
    ['--max-shift alone', 'cur.csv', ['--max-shift', '3'], 2, /--max-shift needs --baseline-segments/],
    [
      '--moves over the baseline',
      'cur.csv',
      ['--id', 'customer_id', '--baseline-segments', 'base.csv', '--moves', 'base.csv'],
      2,
      /--moves names the --baseline-segments file/,
    ],
    [
      '--sample',
      'cur.csv',
      ['--id', 'customer_id', '--baseline-segments', 'base.csv', '--sample', '100'],
      2,
      /--sample cannot be used with --baseline-segments/,
    ],
    [
      'an id column the baseline lacks',
      'cur.csv',
      ['--id', 'customer_id', '--baseline-segments', 'old.csv'],
      3,
      /old\.csv: no id column 'customer_id'/,
    ],
  ])('refuses %s in one line', async (_name, input, args, code, re) => {
    const r = await runCli(['report', input, ...args], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  });

  it('refuses repeated ids in either file', async () => {
    writeFileSync(at('dup.csv'), 'id,x,segment\na,0,0\nb,1,1\na,2,1\n');
    writeFileSync(at('uniq.csv'), 'id,x,segment\na,0,0\nb,1,1\nc,2,1\n');
    for (const [cur, old, name] of [
      ['dup.csv', 'uniq.csv', 'dup.csv'],
      ['uniq.csv', 'dup.csv', 'dup.csv'],
    ] as const) {
      const r = await runCli(['report', cur, '--id', 'id', '--baseline-segments', old], { cwd: tmp.dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(
        `${name}: id column 'id' has 1 id(s) on more than one row (2 rows): 'a' (rows 1, 3)`,
      );
    }
  });
});
