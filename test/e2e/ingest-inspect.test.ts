import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string, text: string | Buffer) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
};

/** Exactly one non-empty line on stderr, starting with "segment:", and no stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.split('\n').filter((l) => l.trim().length > 0);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^segment: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('segment ingest / inspect (built CLI)', () => {
  it('ingests the event-log fixture to Parquet and profiles it', async () => {
    const out = join(tmp.dir, 'events.parquet');
    const r = await runCli(['ingest', join(fixtures, 'events.csv'), '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(42_550);
    expect(summary.columns.map((c: { type: string }) => c.type)).toEqual([
      'categorical',
      'timestamp',
      'categorical',
      'double',
      'string',
    ]);
    const i = await runCli(['inspect', out, '--json']);
    expect(i.code, i.stderr).toBe(0);
    const profile = JSON.parse(i.stdout);
    const amount = profile.profiles.find((p: { name: string }) => p.name === 'amount');
    expect(amount.missing).toBe(42_550 - amount.count);
    expect(amount.count).toBe(3988);
    expect(tmp.files().filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('prints a readable table without --json', async () => {
    const r = await runCli(['inspect', join(fixtures, 'customers.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^530 rows × 9 columns/);
    expect(r.stdout).toMatch(/age\s+integer\s+6\.8/);
  });

  it('reads CSV on stdin and writes CSV to stdout', async () => {
    const r = await runCli(['ingest', '-', '-o', '-'], { input: 'a,b\n1,x\n2,=1+1\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("a,b\n1,x\n2,'=1+1\n");
    const raw = await runCli(['ingest', '-', '-o', '-', '--raw'], { input: 'a,b\n1,x\n2,=1+1\n' });
    expect(raw.stdout).toBe('a,b\n1,x\n2,=1+1\n');
  });

  it('is quiet about a closed pipe (segment … | head)', async () => {
    const r = await runCli(['ingest', join(fixtures, 'events.csv'), '-o', '-']);
    expect(r.code).toBe(0);
    // the same through a real pipe that closes early
    const { spawnSync } = await import('node:child_process');
    const p = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; node ${JSON.stringify(join(fixtures, '../bin/segment.js'))} ingest ${JSON.stringify(join(fixtures, 'events.csv'))} -o - | head -1`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(p.stdout).toBe('customer_id,ts,event,amount,session_id\n');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
  });

  it('samples with a seed: same seed, same rows', async () => {
    const a = await runCli([
      'ingest',
      join(fixtures, 'blobs.csv'),
      '--sample',
      '10',
      '--seed',
      '5',
      '-o',
      '-',
    ]);
    const b = await runCli([
      'ingest',
      join(fixtures, 'blobs.csv'),
      '--sample',
      '10',
      '--seed',
      '5',
      '-o',
      '-',
      '--threads',
      '1',
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n').length).toBe(12);
    expect(b.stdout).toBe(a.stdout);
  });

  it('writes byte-identical Parquet for 1 and 2 threads', async () => {
    const { readFileSync } = await import('node:fs');
    const p1 = join(tmp.dir, 't1.parquet');
    const p2 = join(tmp.dir, 't2.parquet');
    expect((await runCli(['ingest', join(fixtures, 'customers.csv'), '-o', p1, '--threads', '1'])).code).toBe(
      0,
    );
    expect((await runCli(['ingest', join(fixtures, 'customers.csv'), '-o', p2, '--threads', '2'])).code).toBe(
      0,
    );
    expect(readFileSync(p1).equals(readFileSync(p2))).toBe(true);
  });

  it('shows help with examples and the version', async () => {
    const h = await runCli(['ingest', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('logs JSON lines on stderr with --log-format json', async () => {
    const r = await runCli([
      '--log-format',
      'json',
      'ingest',
      join(fixtures, 'blobs.csv'),
      '-o',
      join(tmp.dir, 'b.parquet'),
    ]);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stderr.trim().split('\n')[0]!);
    expect(rec.level).toBe('info');
    expect(rec.msg).toMatch(/wrote 600 rows/);
    const q = await runCli([
      '--quiet',
      'ingest',
      join(fixtures, 'blobs.csv'),
      '-o',
      join(tmp.dir, 'b.parquet'),
    ]);
    expect(q.stderr).toBe('');
  });
});

describe('bad input: one line, the right exit code, no output file', () => {
  const cases: [string, string | Buffer | null, string[], number, RegExp][] = [
    ['missing file', null, [], 3, /nope\.csv: file not found/],
    ['empty file', '', [], 3, /file is empty/],
    ['header only', 'a,b\n', [], 3, /header but no data rows/],
    ['ragged rows', 'a,b,c\n1,2,3\n4,5\n', [], 3, /line 3 has 2 field/],
    ['unbalanced quotes', 'a,b\n1,"x\n2,y\n', [], 3, /never closed/],
    ['binary bytes', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2]), [], 3, /binary data/],
    // Latin-1 text is decoded (with a warning); bytes that are neither UTF-8 nor Windows-1252 are refused.
    [
      'non-UTF-8 bytes',
      Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x81, 0x9d, 0x0a]),
      [],
      3,
      /not valid UTF-8/,
    ],
    ['duplicate columns', 'a,a\n1,2\n', [], 3, /duplicate column name/],
    ['unknown flag', 'a\n1\n', ['--bogus'], 2, /unknown option '--bogus'/],
    ['bad --sample', 'a\n1\n', ['--sample', '0'], 2, /--sample/],
    ['bad --types', 'a\n1\n', ['--types', 'a=float128'], 2, /unknown type 'float128'/],
    ['unknown format', 'a\n1\n', ['--format', 'xls'], 2, /unknown --format 'xls'/],
  ];
  for (const [what, content, extra, code, re] of cases) {
    it(what, async () => {
      const input =
        content === null ? join(tmp.dir, 'nope.csv') : file(`${what.replace(/\W+/g, '_')}.csv`, content);
      const out = join(tmp.dir, `${what.replace(/\W+/g, '_')}.out.parquet`);
      const r = await runCli(['ingest', input, '-o', out, ...extra]);
      expect(r.code, r.stderr).toBe(code);
      expectOneLineError(r.stderr);
      expect(r.stderr).toMatch(re);
      expect(existsSync(out)).toBe(false);
      expect(r.stdout).toBe('');
    });
  }

  it('truncated Parquet and malformed JSON', async () => {
    const good = join(tmp.dir, 'good.parquet');
    expect((await runCli(['ingest', join(fixtures, 'blobs.csv'), '-o', good])).code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const trunc = file('trunc.parquet', readFileSync(good).subarray(0, 200));
    const r = await runCli(['inspect', trunc]);
    expect(r.code).toBe(3);
    expectOneLineError(r.stderr);
    expect(r.stderr).toMatch(/not a valid Parquet file/);
    const j = await runCli(['inspect', file('bad.json', '[{"a": 1}, {"a": ')]);
    expect(j.code).toBe(3);
    expectOneLineError(j.stderr);
    expect(j.stderr).toMatch(/malformed JSON/);
  });

  it('prints the stack only with --debug', async () => {
    const r = await runCli(['--debug', 'inspect', join(tmp.dir, 'nope.csv')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('usage errors for a missing output and an unwritable folder', async () => {
    const a = await runCli(['ingest', join(fixtures, 'blobs.csv')]);
    expect(a.code).toBe(2);
    expectOneLineError(a.stderr);
    const b = await runCli(['ingest', join(fixtures, 'blobs.csv'), '-o', join(tmp.dir, 'no/dir/x.parquet')]);
    expect(b.code).toBe(3);
    expectOneLineError(b.stderr);
    expect(b.stderr).toMatch(/does not exist/);
    const c = await runCli(['frobnicate']);
    expect(c.code).toBe(2);
    expectOneLineError(c.stderr);
  });
});
