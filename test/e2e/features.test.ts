import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string, text: string) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
};
const events = join(fixtures, 'events.csv');
const cols = ['--id', 'customer_id', '--time', 'ts', '--amount', 'amount', '--event', 'event'];

/** Exactly one non-empty line on stderr, starting with "segment:", and no stack trace. */
function expectOneLineError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim().length > 0);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^segment: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** Nothing written: neither the output nor a temporary file next to it. */
function expectNothingWritten(out: string): void {
  expect(existsSync(out)).toBe(false);
  expect(tmp.files().filter((f) => f.includes('.tmp-'))).toEqual([]);
}

const log = `cid,ts,event,amount
A,2026-01-01T10:00:00Z,product_view,
A,2026-01-01T10:20:00Z,purchase,30
B,2026-01-02T08:00:00Z,product_view,
C,2026-01-04T23:30:00Z,purchase,20
`;

describe('segment features (built CLI)', () => {
  it('writes one row per customer of the event-log fixture, with a JSON summary', async () => {
    const out = join(tmp.dir, 'features.parquet');
    const r = await runCli(['features', events, ...cols, '--session', 'session_id', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      input: events,
      rowsIn: 42_550,
      rowsOut: 600,
      rowsUsed: 42_550,
      customers: 600,
      dropped: [],
      asOf: '2026-11-01T00:00:00.000Z',
      timezone: 'UTC',
      window: { end: '2026-11-01T00:00:00.000Z', length: 'all' },
      sessions: 'column session_id',
      output: out,
    });
    expect(Object.keys(s.timings)).toEqual([
      'parseSeconds',
      'featuresSeconds',
      'writeSeconds',
      'totalSeconds',
    ]);
    expect(s.columns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining([
        'customer_id',
        'recency_days',
        'frequency',
        'monetary',
        'rfm_segment',
        'events_add_to_cart',
      ]),
    );
    const i = await runCli(['inspect', out, '--json']);
    expect(i.code, i.stderr).toBe(0);
    const profile = JSON.parse(i.stdout);
    expect(profile.profiles.map((p: { name: string }) => p.name)).toEqual(
      s.columns.map((c: { name: string }) => c.name),
    );
    const seg = profile.profiles.find((p: { name: string }) => p.name === 'rfm_segment');
    expect(seg.type).toBe('categorical');
  });

  it('gives the same bytes whatever --threads is, and writes CSV to stdout', async () => {
    const a = await runCli(['--threads', '1', 'features', events, ...cols, '--window', '120d', '-o', '-']);
    const b = await runCli(['--threads', '2', 'features', events, ...cols, '--window', '120d', '-o', '-']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.split('\n')[0]).toMatch(
      /^customer_id,recency_days,recency_purchase_days,tenure_days,events,frequency,/,
    );
    expect(a.stdout.trim().split('\n')).toHaveLength(601);
    expect(b.stdout).toBe(a.stdout);
  });

  it('reads CSV on stdin and takes --as-of, --window and --timezone', async () => {
    const r = await runCli(
      [
        'features',
        '-',
        '--id',
        'cid',
        '--time',
        'ts',
        '--amount',
        'amount',
        '--event',
        'event',
        '--as-of',
        '2026-01-05',
        '--window',
        '3d',
        '--timezone',
        'Europe/Paris',
        '-o',
        '-',
      ],
      { input: log },
    );
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    const names = head!.split(',');
    const get = (id: string, col: string) =>
      rows.find((l) => l.startsWith(id + ','))!.split(',')[names.indexOf(col)];
    // As of 2026-01-05 00:00 in Paris = 2026-01-04T23:00Z: C's event at 23:30Z is left out.
    expect(rows.map((l) => l.split(',')[0])).toEqual(['A', 'B']);
    expect(get('A', 'events')).toBe('0');
    expect(Number(get('B', 'recency_days'))).toBeCloseTo(2 + 15 / 24, 12);
  });

  it('prints the built-in RFM rules, which read back as the same segments', async () => {
    const p = await runCli(['features', '--print-rfm-rules']);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^# RFM segment rules/);
    const rules = file('rfm.yaml', p.stdout);
    const a = await runCli(['features', events, ...cols, '-o', '-']);
    const b = await runCli(['features', events, ...cols, '--rfm-rules', rules, '-o', '-']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('scores points per event type with tiers from a rules file', async () => {
    const rules = file(
      'scoring.yaml',
      'points:\n  product_view: 1\n  add_to_cart: 5\n  purchase: 20\ndecay:\n  half_life: 30d\ntiers:\n  - { name: high, above: 50 }\n  - { name: medium, min: 20 }\n  - { name: low }\n',
    );
    const r = await runCli(['features', events, ...cols, '--rules', rules, '-o', '-']);
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    expect(head!.split(',').slice(-2)).toEqual(['score', 'tier']);
    const tiers = new Set(rows.map((l) => l.split(',').pop()));
    expect([...tiers].sort()).toEqual(['high', 'low', 'medium']);
  });

  it('drops unparseable timestamps with a warning, or fails with --strict', async () => {
    const bad = file('bad-ts.csv', log + 'D,next tuesday,product_view,\n');
    const out = join(tmp.dir, 'bad-ts.csv.out.csv');
    const r = await runCli([
      'features',
      bad,
      '--id',
      'cid',
      '--time',
      'ts',
      '--event',
      'event',
      '--amount',
      'amount',
      '-o',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: .*dropped 1 timestamp\(s\) in column 'ts' cannot be parsed, e\.g\. 'next tuesday' on row 5 \(line 6\)/,
    );
    expect(JSON.parse(r.stdout).dropped).toEqual([
      { reason: 'unparseable_time', rows: 1, example: { row: 5, value: 'next tuesday' } },
    ]);
    const strictOut = join(tmp.dir, 'strict.parquet');
    const s = await runCli([
      'features',
      bad,
      '--id',
      'cid',
      '--time',
      'ts',
      '--event',
      'event',
      '--strict',
      '-o',
      strictOut,
    ]);
    expect(s.code).toBe(3);
    expect(expectOneLineError(s.stderr)).toMatch(
      /bad-ts\.csv: 1 timestamp\(s\) in column 'ts' cannot be parsed, e\.g\. 'next tuesday' on row 5 \(line 6\) \(hint: pass --time-format/,
    );
    expectNothingWritten(strictOut);
  });

  describe('bad input: exit 2 or 3, one line, nothing written', () => {
    const out = join(tmp.dir, 'never.parquet');
    const cases: [string, string[], number, RegExp, string?][] = [
      [
        'missing id and time columns',
        ['--id', 'customer', '--time', 'when', '--event', 'event'],
        3,
        /no column 'customer' \(--id\), 'when' \(--time\) \(hint: columns: cid, ts, event, amount\)/,
      ],
      [
        'a non-numeric amount',
        ['--id', 'cid', '--time', 'ts', '--amount', 'amount'],
        3,
        /1 amount\(s\) in column 'amount' are not numbers, e\.g\. '€12' on row 5 \(line 6\)/,
        'D,2026-01-03T00:00:00Z,purchase,€12\n',
      ],
      [
        'a negative amount',
        ['--id', 'cid', '--time', 'ts', '--amount', 'amount'],
        3,
        /1 negative amount\(s\) in column 'amount', e\.g\. -5 on row 5 \(line 6\) \(hint: refunds/,
        'D,2026-01-03T00:00:00Z,purchase,-5\n',
      ],
      [
        'an empty window',
        ['--id', 'cid', '--time', 'ts', '--event', 'event', '--as-of', '2026-06-01', '--window', '30d'],
        3,
        /the window 2026-05-02T00:00:00\.000Z – 2026-06-01T00:00:00\.000Z holds no events .* \(hint: widen --window or move --as-of\)/,
      ],
      [
        'an as-of before every event',
        ['--id', 'cid', '--time', 'ts', '--event', 'event', '--as-of', '2020-01-01'],
        3,
        /no events before the as-of moment 2020-01-01/,
      ],
      [
        'an unreadable --as-of',
        ['--id', 'cid', '--time', 'ts', '--event', 'event', '--as-of', 'someday'],
        2,
        /--as-of: cannot read 'someday' as a date or timestamp/,
      ],
      [
        'a window in months',
        ['--id', 'cid', '--time', 'ts', '--event', 'event', '--window', '3m'],
        2,
        /--window: cannot read '3m' as a duration \(hint: use 'min' for minutes/,
      ],
      [
        'an unknown time zone',
        ['--id', 'cid', '--time', 'ts', '--event', 'event', '--timezone', 'Mars/Olympus'],
        2,
        /unknown time zone 'Mars\/Olympus'/,
      ],
      ['no id flag', ['--time', 'ts', '--event', 'event'], 2, /features needs --id/],
      ['neither event nor amount', ['--id', 'cid', '--time', 'ts'], 2, /cannot tell purchases apart/],
      [
        'an event column that is not one',
        ['--id', 'cid', '--time', 'ts', '--event', 'ts', '--amount', 'amount'],
        2,
        /column 'ts' is given for two roles/,
      ],
    ];
    for (const [what, args, code, message, extra] of cases) {
      it(what, async () => {
        const input = file(`in-${what.replace(/\W+/g, '-')}.csv`, log + (extra ?? ''));
        const r = await runCli(['features', input, ...args, '-o', out]);
        expect(r.code, r.stderr).toBe(code);
        expect(expectOneLineError(r.stderr)).toMatch(message);
        expectNothingWritten(out);
      });
    }

    it('an invalid rules file, named with its line', async () => {
      const input = file('rules-in.csv', log);
      const rules = file('broken.yaml', 'points:\n  product_view: 1\n  purchase: lots\n');
      const r = await runCli([
        'features',
        input,
        '--id',
        'cid',
        '--time',
        'ts',
        '--event',
        'event',
        '--rules',
        rules,
        '-o',
        out,
      ]);
      expect(r.code).toBe(2);
      expect(expectOneLineError(r.stderr)).toBe(
        `segment: ${rules}:3: points of 'purchase' must be a number, got "lots"`,
      );
      const rfm = file('broken-rfm.yaml', 'segments:\n  - name: A\n    r: 9\n');
      const s = await runCli([
        'features',
        input,
        '--id',
        'cid',
        '--time',
        'ts',
        '--event',
        'event',
        '--rfm-rules',
        rfm,
        '-o',
        out,
      ]);
      expect(s.code).toBe(2);
      expect(expectOneLineError(s.stderr)).toMatch(
        new RegExp(
          `^segment: ${rfm.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: r of 'A' must be a score 1-5`,
        ),
      );
      const yaml = file('not-yaml.yaml', 'points: [1, 2\n');
      const y = await runCli([
        'features',
        input,
        '--id',
        'cid',
        '--time',
        'ts',
        '--event',
        'event',
        '--rules',
        yaml,
        '-o',
        out,
      ]);
      expect(y.code).toBe(2);
      expect(expectOneLineError(y.stderr)).toMatch(/not-yaml\.yaml:\d+: invalid YAML/);
      const gone = await runCli([
        'features',
        input,
        '--id',
        'cid',
        '--time',
        'ts',
        '--event',
        'event',
        '--rules',
        join(tmp.dir, 'nope.yaml'),
        '-o',
        out,
      ]);
      expect(gone.code).toBe(2);
      expect(expectOneLineError(gone.stderr)).toMatch(/--rules .*nope\.yaml: file not found/);
      expectNothingWritten(out);
    });

    it('a missing input file, and nothing asked for', async () => {
      const r = await runCli([
        'features',
        join(tmp.dir, 'nope.csv'),
        '--id',
        'cid',
        '--time',
        'ts',
        '--event',
        'event',
        '-o',
        out,
      ]);
      expect(r.code).toBe(3);
      expect(expectOneLineError(r.stderr)).toMatch(/nope\.csv: file not found/);
      const n = await runCli(['features', events, ...cols]);
      expect(n.code).toBe(2);
      expect(expectOneLineError(n.stderr)).toMatch(/writes nothing without -o or --json/);
      expectNothingWritten(out);
    });
  });

  it('keeps the previous output when a rerun fails', async () => {
    const out = join(tmp.dir, 'kept.csv');
    const input = file('kept-in.csv', log);
    const ok = await runCli([
      'features',
      input,
      '--id',
      'cid',
      '--time',
      'ts',
      '--event',
      'event',
      '-o',
      out,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const before = readFileSync(out, 'utf8');
    const bad = await runCli([
      'features',
      input,
      '--id',
      'cid',
      '--time',
      'ts',
      '--event',
      'event',
      '--as-of',
      '2019-01-01',
      '-o',
      out,
    ]);
    expect(bad.code).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(before);
  });
});
