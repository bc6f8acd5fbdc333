import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultNaTokens } from '../../src/io/text-values.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

// Real-world exports: the committed fixtures made by scripts/make-fixtures.mjs (a French CRM export, a file with
// pandas' NA tokens and a stray text cell, a Latin-1 file) read through the built CLI.

const tmp = tempDir('segment-real-world-');
afterAll(() => tmp.cleanup());
const fx = (name: string) => join(fixtures, name);

interface Profile {
  name: string;
  type: string;
  count: number;
  missing: number;
  infinite?: number;
  min?: unknown;
  max?: unknown;
  mean?: number | null;
  notes?: string[];
}
async function inspect(args: string[]): Promise<{ byName: Map<string, Profile>; stderr: string }> {
  const r = await runCli(['inspect', ...args, '--json'], { cwd: tmp.dir });
  expect(r.code, r.stderr).toBe(0);
  const profiles = (JSON.parse(r.stdout) as { profiles: Profile[] }).profiles;
  return { byName: new Map(profiles.map((p) => [p.name, p])), stderr: r.stderr };
}

/** An independent reading of export_na.csv: split lines and compare cells with the default token list. */
function naCounts(): Map<string, { missing: number; numbers: number[] }> {
  const [header, ...lines] = readFileSync(fx('export_na.csv'), 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  const out = new Map(names.map((n) => [n, { missing: 0, numbers: [] as number[] }]));
  for (const line of lines) {
    line.split(',').forEach((cell, j) => {
      const o = out.get(names[j]!)!;
      if (defaultNaTokens.includes(cell)) o.missing++;
      else if (cell !== 'abc') o.numbers.push(cell === 'inf' ? Infinity : Number(cell));
    });
  }
  return out;
}

describe('real-world exports (built CLI)', () => {
  it("reads pandas' NA tokens as missing, inf as infinity, and names a stray text cell", async () => {
    const expected = naCounts();
    const { byName, stderr } = await inspect([fx('export_na.csv')]);
    const spend = byName.get('spend')!;
    expect(spend.type).toBe('double');
    expect(spend.missing).toBe(expected.get('spend')!.missing);
    expect(spend.missing).toBeGreaterThan(5);
    const score = byName.get('score')!;
    expect(score.type).toBe('double');
    expect(score.infinite).toBe(1);
    expect(score.max).toBe(null); // JSON has no Infinity
    const finite = expected.get('score')!.numbers.filter(Number.isFinite);
    expect(score.mean).toBeCloseTo(finite.reduce((a, b) => a + b, 0) / finite.length, 12);
    const visits = byName.get('visits')!;
    expect(visits.type).not.toBe('integer');
    expect(visits.notes?.[0]).toContain("1 of 286 values are not numbers (row 138: 'abc')");
    expect(stderr).toContain(
      "column 'visits' is read as text: 1 of 286 values are not numbers (row 138: 'abc')",
    );
    // --na-values makes the stray cell missing: the column is numeric again.
    const again = await inspect([fx('export_na.csv'), '--na-values', 'abc']);
    expect(again.byName.get('visits')!.type).toBe('integer');
    expect(again.byName.get('visits')!.missing).toBe(expected.get('visits')!.missing + 1);
    // --no-default-na: the tokens are text again, so spend is no longer numeric.
    const raw = await inspect([fx('export_na.csv'), '--no-default-na']);
    expect(raw.byName.get('spend')!.type).not.toBe('double');
  });

  it('numeric commands refuse infinite values naming the column and row; clean --inf handles them', async () => {
    const c = await runCli(
      [
        'cluster',
        fx('export_na.csv'),
        '--id',
        'id',
        '--features',
        'spend,score',
        '--k',
        '2',
        '-o',
        'x.parquet',
      ],
      { cwd: tmp.dir },
    );
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/column '(spend|score)' has \d+ (missing|infinite) value/);
    const refuse = await runCli(
      [
        'clean',
        fx('export_na.csv'),
        '--id',
        'id',
        '--features',
        'score',
        '--impute',
        'median',
        '-o',
        'c.parquet',
      ],
      { cwd: tmp.dir },
    );
    expect(refuse.code).toBe(3);
    expect(refuse.stderr.trim().split('\n').at(-1)).toBe(
      "segment: column 'score' has 1 infinite value(s) (first at row 43) (hint: pass --inf missing (then impute them) or --inf clip, or fix the data)",
    );
    const clip = await runCli(
      [
        'clean',
        fx('export_na.csv'),
        '--id',
        'id',
        '--features',
        'spend,score',
        '--inf',
        'clip',
        '--impute',
        'median',
        '-o',
        'clip.csv',
        '--model',
        'clip.json',
      ],
      { cwd: tmp.dir },
    );
    expect(clip.code, clip.stderr).toBe(0);
    const rows = readFileSync(join(tmp.dir, 'clip.csv'), 'utf8').trim().split('\n');
    const col = rows[0]!.split(',').indexOf('score');
    const scores = rows.slice(1).map((l) => Number(l.split(',')[col]));
    expect(scores[42]).toBe(Math.max(...naCounts().get('score')!.numbers.filter(Number.isFinite)));
    expect(scores.every(Number.isFinite)).toBe(true);
    const missing = await runCli(
      [
        'clean',
        fx('export_na.csv'),
        '--id',
        'id',
        '--features',
        'spend,score',
        '--inf',
        'missing',
        '--impute',
        'median',
        '-o',
        'miss.parquet',
      ],
      { cwd: tmp.dir },
    );
    expect(missing.code, missing.stderr).toBe(0);
    const k = await runCli(
      [
        'cluster',
        'miss.parquet',
        '--id',
        'id',
        '--k',
        '2',
        '-o',
        'seg.parquet',
        '--model',
        'm.json',
        '--quiet',
      ],
      { cwd: tmp.dir },
    );
    expect(k.code, k.stderr).toBe(0);
    // The model replays --inf missing on raw rows: assign scores the raw export, infinity included.
    const a = await runCli(['assign', fx('export_na.csv'), '--model', 'm.json', '-o', '-'], { cwd: tmp.dir });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trim().split('\n')).toHaveLength(301);
  });

  it('reads a French export with --decimal , --thousands and --date-format, and hints at them without', async () => {
    const plain = await inspect([fx('export_fr.csv')]);
    expect(plain.byName.get('montant_total')!.type).toBe('string');
    expect(plain.stderr).toContain('pass --decimal , --thousands narrow-nbsp to read them as numbers');
    expect(plain.stderr).toContain(
      "looks like day-first dates (row 1: '22/10/2024') (hint: pass --date-format '%d/%m/%Y'",
    );
    const { byName, stderr } = await inspect([
      fx('export_fr.csv'),
      '--decimal',
      ',',
      '--thousands',
      'narrow-nbsp',
      '--date-format',
      '%d/%m/%Y',
    ]);
    expect(stderr).toBe('');
    expect(byName.get('montant_total')!.type).toBe('double');
    expect(byName.get('panier_moyen')!.type).toBe('double');
    expect(byName.get('date_inscription')!.type).toBe('date');
    expect(byName.get('region')!.type).toBe('categorical');
    // Values checked against the file's own text.
    const lines = readFileSync(fx('export_fr.csv'), 'utf8').trim().split('\n').slice(1);
    const totals = lines.map((l) =>
      Number(
        l
          .split(';')[2]!
          .replace(/\u202f/g, '')
          .replace(',', '.'),
      ),
    );
    expect(byName.get('montant_total')!.max).toBe(Math.max(...totals));
    const out = await runCli(
      [
        'ingest',
        fx('export_fr.csv'),
        '--decimal',
        ',',
        '--thousands',
        'narrow-nbsp',
        '--date-format',
        '%d/%m/%Y',
        '-o',
        '-',
      ],
      { cwd: tmp.dir },
    );
    expect(out.stdout.split('\n')[1]).toBe('C0001,2024-10-22,516.24,21,24.58,Bretagne');
    // The same flags from a pipeline (they are shared input options).
    writeFileSync(
      join(tmp.dir, 'fr.yaml'),
      `version: 1\nid: client_id\nsource:\n  path: ${fx('export_fr.csv')}\n  decimal: ","\n  thousands: narrow-nbsp\n  date-format: "%d/%m/%Y"\n` +
        `steps:\n  - step: cluster\n    with:\n      features: [montant_total, nb_commandes, panier_moyen]\n      k: 3\n`,
    );
    const run = await runCli(['run', 'fr.yaml', '--out-dir', 'fr-run', '--quiet'], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    const seg = await runCli(['ingest', 'fr-run/segments.parquet', '-o', '-'], { cwd: tmp.dir });
    expect(seg.stdout.trim().split('\n')).toHaveLength(201);
    expect(seg.stdout.split('\n')[1]).toMatch(/^C0001,516\.24,21,24\.58,\d$/);
  });

  it('decodes a Windows-1252 / Latin-1 file, or refuses the wrong --encoding', async () => {
    const r = await runCli(['ingest', fx('export_latin1.csv'), '-o', '-'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('not UTF-8; read as Windows-1252');
    const utf8Regions = new Set(
      readFileSync(fx('export_fr.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(';')[5]),
    );
    const regions = new Set(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => /^C\d+,(".*"|[^,]*),/.exec(l)![1]!.replace(/^"|"$/g, '')),
    );
    expect(regions).toEqual(utf8Regions);
    expect([...regions].some((x) => x.includes('Île'))).toBe(true);
    const explicit = await runCli(['ingest', fx('export_latin1.csv'), '--encoding', 'latin-1', '-o', '-'], {
      cwd: tmp.dir,
    });
    expect(explicit.stdout).toBe(r.stdout);
    const wrong = await runCli(['ingest', fx('export_latin1.csv'), '--encoding', 'utf-8', '-o', 'x.csv'], {
      cwd: tmp.dir,
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^segment: .*export_latin1\.csv: not valid utf-8 text .*--encoding/);
  });

  it('decodes a file that turns Latin-1 after its first 64 KiB, in ingest and features, and says so', async () => {
    const ascii = Array.from({ length: 4000 }, (_, i) => `C${i},2026-01-01T10:00:00Z,view,,s${i}`).join('\n');
    writeFileSync(
      join(tmp.dir, 'late.csv'),
      Buffer.concat([
        Buffer.from(`customer_id,ts,event,amount,city\n${ascii}\n`),
        Buffer.from('C1,2026-01-02T10:00:00Z,purchase,12.5,Orléans\n', 'latin1'),
      ]),
    );
    const r = await runCli(['ingest', 'late.csv', '-o', '-'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('not UTF-8 past its first 64 KiB; read as Windows-1252');
    expect(r.stdout).toContain('Orléans');
    const f = await runCli(
      [
        'features',
        'late.csv',
        '--id',
        'customer_id',
        '--time',
        'ts',
        '--amount',
        'amount',
        '--event',
        'event',
        '--json',
      ],
      { cwd: tmp.dir },
    );
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toContain('not UTF-8; read as Windows-1252');
  });

  it('reads NA tokens and infinities that first appear far down the file', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => `${i + 1},${i + 1}.5,north`).join('\n');
    writeFileSync(join(tmp.dir, 'late-na.csv'), `id,x,t\n${rows}\n6001,N/A,NA\n6002,inf,south\n`);
    const { byName } = await inspect(['late-na.csv']);
    expect(byName.get('x')).toMatchObject({ type: 'double', missing: 1, infinite: 1 });
    expect(byName.get('t')).toMatchObject({ type: 'categorical', missing: 1 });
  });

  it('reads all-digit dates, year 1, and refuses a header without a name', async () => {
    writeFileSync(join(tmp.dir, 'ymd.csv'), 'id,d\n1,20240105\n2,00010101\n');
    const r = await runCli(['ingest', 'ymd.csv', '--date-format', '%Y%m%d', '-o', '-'], { cwd: tmp.dir });
    expect(r.stdout).toBe('id,d\n1,2024-01-05\n2,0001-01-01\n');
    writeFileSync(join(tmp.dir, 'noname.csv'), 'id,,v\n1,2,3\n');
    const e = await runCli(['ingest', 'noname.csv', '-o', 'noname.parquet'], { cwd: tmp.dir });
    expect(e.code).toBe(3);
    expect(e.stderr).toContain('noname.csv: column 2 of the header has no name');
  });

  it('keeps 16- to 19-digit ids exact through cluster, Parquet and JSON', async () => {
    writeFileSync(
      join(tmp.dir, 'big.csv'),
      'id,x\n9007199254740993,1\n9007199254740995,3\n9007199254740997,5\n1234567890123456789,7\n',
    );
    const r = await runCli(['cluster', 'big.csv', '--id', 'id', '--k', '1', '-o', '-'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['id', '9007199254740993', '9007199254740995', '9007199254740997', '1234567890123456789']);
    expect((await runCli(['ingest', 'big.csv', '-o', 'big.parquet'], { cwd: tmp.dir })).code).toBe(0);
    expect((await runCli(['ingest', 'big.parquet', '-o', 'big.json'], { cwd: tmp.dir })).code).toBe(0);
    expect(readFileSync(join(tmp.dir, 'big.json'), 'utf8')).toContain('{"id":9007199254740995,"x":3}');
    const back = await runCli(['ingest', 'big.json', '-o', '-'], { cwd: tmp.dir });
    expect(back.stdout).toContain('\n9007199254740997,5\n');
    // Past 64 bits a JSON number is rounded by the JSON reader: said, not silent.
    writeFileSync(
      join(tmp.dir, 'huge.json'),
      '[{"id":12345678901234567890123,"v":1},{"id":9007199254740993,"v":2}]',
    );
    const huge = await runCli(['ingest', 'huge.json', '-o', '-'], { cwd: tmp.dir });
    expect(huge.stderr).toContain("column 'id' holds whole numbers too large for 64 bits");
  });

  it('reads a quoted line break in a header and mixed NDJSON types without their quotes', async () => {
    writeFileSync(join(tmp.dir, 'qn.csv'), '"id","first\nname",x\n1,Ann,3\n2,Bob,4\n');
    const q = await runCli(['ingest', 'qn.csv', '-o', '-'], { cwd: tmp.dir });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toBe('id,"first\nname",x\n1,Ann,3\n2,Bob,4\n');
    writeFileSync(join(tmp.dir, 'mix.ndjson'), '{"a":1,"b":"x"}\n{"a":"two","b":"y"}\n');
    const m = await runCli(['ingest', 'mix.ndjson', '-o', '-'], { cwd: tmp.dir });
    expect(m.stdout).toBe('a,b\n1,x\ntwo,y\n');
  });
});
