import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from '../../src/io/read.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';

const tmp = tempDir('segment-clean-');
afterAll(() => tmp.cleanup());
const customers = join(fixtures, 'customers.csv');
const at = (name: string): string => join(tmp.dir, name);

/** The rows of a CSV file (header excluded), as lines. */
const csvRows = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n').slice(1);

/** Column `name` of a CSV text without quoted commas in earlier columns. */
function csvColumn(text: string, name: string): string[] {
  const [head, ...rows] = text.trim().split('\n');
  const j = head!.split(',').indexOf(name);
  return rows.map((r) => r.split(',')[j]!);
}

/** True when a model file's `hash` is the SHA-256 of its JSON without that field. */
function hashVerifies(text: string): boolean {
  const { hash, ...rest } = JSON.parse(text) as { hash?: string };
  return hash === 'sha256:' + createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

const FULL = [
  '--id',
  'customer_id',
  '--drop',
  'name,email',
  '--log',
  'spend',
  '--outliers',
  'iqr',
  '--outlier-action',
  'clip',
  '--impute',
  'median,age=knn',
  '--knn-k',
  '5',
  '--missing-indicators',
  '--scale',
  'zscore',
  '--encode',
  'onehot',
];

describe('segment clean (built CLI)', () => {
  it('exact + fuzzy dedupe finds the fixture duplicates and says why', async () => {
    const out = at('dedup.csv');
    const r = await runCli([
      'clean',
      customers,
      '--id',
      'customer_id',
      '--dedupe-rows',
      '--fuzzy-dedupe',
      'email',
      '--similarity',
      '0.92',
      '-o',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.nRowsIn).toBe(530);
    expect(report.nRowsOut).toBe(500);
    const [exact, fuzzy] = report.dedupe.passes;
    expect(exact).toMatchObject({ kind: 'row', reason: 'identical rows', rowsRemoved: 15 });
    expect(fuzzy).toMatchObject({
      kind: 'fuzzy',
      reason: 'email: jaro-winkler similarity >= 0.92 after normalisation, same digits',
      rowsRemoved: 15,
      groups: 15,
    });
    expect(fuzzy.examples[0].removedValue).toMatch(/^ {2}[A-Z.\d]+@EXAMPLE\.COM $/);
    expect(fuzzy.examples[0].similarity).toBe(1);
    // every customer once
    const ids = csvColumn(readFileSync(out, 'utf8'), 'customer_id');
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(r.stderr).toMatch(/530 -> 500 rows, 30 duplicate\(s\) removed/);
  });

  it('exact dedupe on a key column, keeping the most complete row', async () => {
    const r = await runCli([
      'clean',
      customers,
      '--dedupe',
      'customer_id',
      '--keep',
      'most-complete',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).dedupe.passes[0]).toMatchObject({
      kind: 'key',
      reason: 'same customer_id',
      groups: 28, // two customers were duplicated twice
      rowsRemoved: 30,
    });
  });

  it('--apply replays the saved model on the raw input byte for byte, for any thread count', async () => {
    const fit1 = await runCli([
      '--threads',
      '1',
      'clean',
      customers,
      ...FULL,
      '-o',
      at('fit1.csv'),
      '--model',
      at('m1.json'),
    ]);
    expect(fit1.code, fit1.stderr).toBe(0);
    const fit4 = await runCli([
      '--threads',
      '4',
      'clean',
      customers,
      ...FULL,
      '-o',
      at('fit4.csv'),
      '--model',
      at('m4.json'),
    ]);
    expect(fit4.code, fit4.stderr).toBe(0);
    expect(readFileSync(at('fit4.csv'))).toEqual(readFileSync(at('fit1.csv')));
    expect(readFileSync(at('m4.json'))).toEqual(readFileSync(at('m1.json')));

    const model = JSON.parse(readFileSync(at('m1.json'), 'utf8'));
    expect(model.format).toBe('segment.clean-model');
    expect(model.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashVerifies(readFileSync(at('m1.json'), 'utf8'))).toBe(true);
    expect(model.steps.map((s: { step: string }) => s.step)).toEqual([
      'drop',
      'log1p',
      'outliers',
      'impute',
      'scale',
      'encode',
    ]);
    const applied = await runCli([
      'clean',
      customers,
      '--apply',
      at('m1.json'),
      '-o',
      at('applied.csv'),
      '--json',
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ nRowsIn: 530, nRowsOut: 530 });
    expect(readFileSync(at('applied.csv'), 'utf8')).toBe(readFileSync(at('fit1.csv'), 'utf8'));
  });

  it('--apply checks the content hash: an edited model is refused, one without a hash still applies', async () => {
    const fit = await runCli([
      'clean',
      customers,
      ...FULL,
      '-o',
      at('h-fit.parquet'),
      '--model',
      at('h.json'),
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const text = readFileSync(at('h.json'), 'utf8');
    expect(hashVerifies(text)).toBe(true);
    // The Parquet round trip is byte for byte too: the hash stays out of the chain in the metadata.
    const again = await runCli(['clean', customers, '--apply', at('h.json'), '-o', at('h-again.parquet')]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(at('h-again.parquet'))).toEqual(readFileSync(at('h-fit.parquet')));
    expect((await parquetMetadata(at('h-fit.parquet')))['segment.chain']).not.toContain('"hash"');

    // One number edited (first decimal of the first scaling centre): exit 3, one line naming the file, nothing written.
    const edited = text.replace(
      /("center":-?\d+\.)(\d)/,
      (_, head: string, d: string) => head + ((+d + 1) % 10),
    );
    expect(edited).not.toBe(text);
    writeFileSync(at('h-edited.json'), edited);
    const bad = await runCli(['clean', customers, '--apply', at('h-edited.json'), '-o', at('h-bad.parquet')]);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /^segment: \S*h-edited\.json: content hash does not match \(the model was edited or damaged after it was written\) \(hint: write it again with segment clean --model\)$/m,
    );
    expect(existsSync(at('h-bad.parquet'))).toBe(false);

    // Without the hash (a model from an earlier release): applies, same bytes as the fit.
    const { hash: _h, ...older } = JSON.parse(text) as Record<string, unknown>;
    writeFileSync(at('h-older.json'), JSON.stringify(older) + '\n');
    const old = await runCli([
      'clean',
      customers,
      '--apply',
      at('h-older.json'),
      '-o',
      at('h-older.parquet'),
    ]);
    expect(old.code, old.stderr).toBe(0);
    expect(readFileSync(at('h-older.parquet'))).toEqual(readFileSync(at('h-fit.parquet')));
  });

  it('with dedupe, every cleaned row is reproduced by --apply; Parquet output carries the fitted chain', async () => {
    const fit = await runCli([
      'clean',
      customers,
      ...FULL,
      '--dedupe-rows',
      '--fuzzy-dedupe',
      'email',
      '-o',
      at('fit.parquet'),
      '--model',
      at('m.json'),
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const meta = await parquetMetadata(at('fit.parquet'));
    const chain = JSON.parse(meta['segment.chain']!);
    expect(chain.map((e: { stage: string }) => e.stage)).toEqual(['clean']);
    expect(chain[0].model.steps).toEqual(JSON.parse(readFileSync(at('m.json'), 'utf8')).steps);

    const asCsv = await runCli(['ingest', at('fit.parquet'), '-o', at('fit-dedup.csv')]);
    expect(asCsv.code, asCsv.stderr).toBe(0);
    const applied = await runCli(['clean', customers, '--apply', at('m.json'), '-o', at('applied-all.csv')]);
    expect(applied.code, applied.stderr).toBe(0);
    const all = new Set(csvRows(at('applied-all.csv')));
    const kept = csvRows(at('fit-dedup.csv'));
    expect(kept).toHaveLength(500);
    for (const row of kept) expect(all.has(row), row).toBe(true);
  });

  it('validation from a rules file and flags: summary with examples in --json, failing rows dropped', async () => {
    const rules = at('rules.yaml');
    writeFileSync(
      rules,
      `columns:
  age: { type: integer, min: 18, max: 110 }
  signup_date: { past: true }
  country: { pattern: '[A-Z]{2}' }
`,
    );
    const r = await runCli([
      'clean',
      customers,
      '--rules',
      rules,
      '--require',
      'income',
      '--as-of',
      '2026-11-01',
      '--on-invalid',
      'drop',
      '-o',
      at('valid.csv'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout).validation;
    const byRule = Object.fromEntries(
      v.rules.map((x: { rule: string; failing: number }) => [x.rule, x.failing]),
    );
    expect(Object.keys(byRule)).toEqual([
      'age: type integer',
      'age: min 18',
      'age: max 110',
      'signup_date: past',
      'country: pattern [A-Z]{2}',
      'income: required',
    ]);
    expect(byRule['signup_date: past']).toBe(0);
    expect(byRule['income: required']).toBe(61);
    const country = v.rules.find((x: { rule: string }) => x.rule === 'country: pattern [A-Z]{2}');
    expect(country.failing).toBeGreaterThan(0);
    expect(country.examples[0]).toEqual({ row: 2, value: 'Germany' });
    expect(v.rowsDropped).toBe(v.rowsFailing);
    expect(csvRows(at('valid.csv'))).toHaveLength(530 - v.rowsFailing);
    expect(r.stderr).toMatch(/row\(s\) break a validation rule \(dropped\)/);
  });

  it('isolation forest flags with a seed: same flags for the same seed', async () => {
    const run = (seed: string) =>
      runCli([
        '--seed',
        seed,
        'clean',
        customers,
        '--outliers',
        'iforest',
        '--contamination',
        '0.05',
        '--impute',
        'median',
        '-o',
        '-',
      ]);
    const a = await run('7');
    const b = await run('7');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const flags = csvColumn(a.stdout, 'outlier').map(Number);
    expect(flags).toHaveLength(530);
    const share = flags.reduce((x, y) => x + y, 0) / flags.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
  });

  describe('bad input: one line, the right exit code, nothing written', () => {
    const allGone = at('gone.csv');
    writeFileSync(allGone, 'id,x,gone\na,1,\nb,,\nc,3,\n');
    const textIncome = at('text-income.csv');
    writeFileSync(textIncome, 'id,income\na,100\nb,unknown\nc,300\n');
    const goodModel = at('good-model.json');

    const cases: [string[], number, RegExp][] = [
      [['--impute', 'average'], 2, /--impute: unknown strategy 'average' \(hint: use one of: mean, median/],
      [['--impute', 'income=foo'], 2, /unknown strategy 'foo' for column 'income'/],
      [['--scale', 'unit'], 2, /argument 'unit' is invalid/],
      [['--impute', 'knn', '--knn-k', '0'], 2, /--knn-k.*expected a whole number >= 1/],
      [['--impute', 'knn', '--knn-k', '530'], 3, /--knn-k 530 needs more than 530 rows/],
      [
        ['--dedupe', 'customer', '--id', 'customer_id'],
        3,
        /column 'customer' not found \(hint: available columns/,
      ],
      [['--fuzzy-dedupe', 'age'], 3, /--fuzzy-dedupe column 'age' holds numbers, not text/],
      [['--features', 'email', '--scale', 'zscore'], 3, /column 'email' is string text, not numeric: cannot/],
      [['--outliers', 'iforest', '--outlier-action', 'clip'], 2, /clip needs per-column bounds/],
      [['--contamination', '0.9', '--outliers', 'iforest'], 2, /--contamination must be auto or a number/],
      [['--range', 'age=18-99'], 2, /expected MIN..MAX/],
      [['--rules', at('no-rules.yaml')], 2, /rules file not found/],
      [['--range', 'age=21..', '--on-invalid', 'fail'], 1, /validation failed: \d+ row\(s\) break a rule/],
      [['--log', 'customer_id'], 3, /column 'customer_id' is string text, not numeric/],
      [['--drop', 'customer_id', '--id', 'customer_id'], 2, /--drop names the id column/],
    ];
    for (const [args, code, re] of cases) {
      it(`${args.join(' ')} → exit ${code}`, async () => {
        const out = at(`bad-${code}-${args[0]!.slice(2)}.csv`);
        const model = `${out}.json`;
        const r = await runCli(['clean', customers, ...args, '-o', out, '--model', model]);
        expect(r.code, r.stderr).toBe(code);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(re);
        expect(existsSync(out)).toBe(false);
        expect(existsSync(model)).toBe(false);
      });
    }

    it('an entirely missing column cannot be imputed; text in a numeric column cannot be scaled', async () => {
      const a = await runCli([
        'clean',
        allGone,
        '--types',
        'gone=double',
        '--impute',
        'mean',
        '-o',
        at('gone-out.csv'),
      ]);
      expect(a.code).toBe(3);
      expect(a.stderr).toMatch(
        /column 'gone' is entirely missing: cannot impute it \(mean\) \(hint: drop it with --drop gone/,
      );
      const b = await runCli([
        'clean',
        textIncome,
        '--features',
        'income',
        '--scale',
        'zscore',
        '-o',
        at('ti-out.csv'),
      ]);
      expect(b.code).toBe(3);
      expect(b.stderr).toMatch(
        /column 'income' was read as text, not numbers \(row 2: "unknown" is not a number\)/,
      );
      expect(existsSync(at('gone-out.csv')) || existsSync(at('ti-out.csv'))).toBe(false);
    });

    it('--apply: refuses fitting flags, missing or foreign models, and unseen levels when strict', async () => {
      const fit = await runCli(['clean', customers, '--encode', 'onehot', '--model', goodModel]);
      expect(fit.code, fit.stderr).toBe(0);
      const other = at('new-country.csv');
      writeFileSync(other, readFileSync(customers, 'utf8').replace(',DE,', ',Atlantis,'));
      const cases: [string[], number, RegExp][] = [
        [
          [customers, '--apply', goodModel, '--impute', 'mean'],
          2,
          /--impute cannot be combined with --apply/,
        ],
        [[customers, '--apply', at('none.json')], 3, /clean model file not found/],
        [[customers, '--apply', customers], 3, /not a JSON clean model file/],
        [[other, '--apply', goodModel, '--unseen', 'error'], 3, /level "Atlantis" \(row \d+\), unseen/],
      ];
      for (const [args, code, re] of cases) {
        const out = at('apply-out.csv');
        const r = await runCli(['clean', ...args, '-o', out]);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(re);
        expect(existsSync(out)).toBe(false);
      }
      // by default an unseen level is encoded as no level and counted
      const ok = await runCli(['clean', other, '--apply', goodModel, '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).encoding.unseen).toEqual({ country: 1 });
      expect(ok.stderr).toMatch(/1 value\(s\) of categorical levels unseen at fit time/);
    });

    it('writes nothing and says so without -o, --model or --json', async () => {
      const r = await runCli(['clean', customers, '--impute', 'mean']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/clean writes nothing without -o, --model or --json/);
    });
  });
});
