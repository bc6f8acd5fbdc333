import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const tmp = tempDir('segment-predict-');
afterAll(() => tmp.cleanup());
const at = (name: string): string => join(tmp.dir, name);

const { csv } = makeChurn(1200, 21);
writeFileSync(at('churn.csv'), csv);
const lines = csv.trimEnd().split('\n');
// A text target (left / stayed), a customer with a gap in spend, and a scoring file without the target.
writeFileSync(
  at('text.csv'),
  lines.map((l, i) => (i === 0 ? l : l.replace(/,1$/, ',left').replace(/,0$/, ',stayed'))).join('\n') + '\n',
);
writeFileSync(
  at('gap.csv'),
  lines.map((l, i) => (i === 5 ? l.replace(/^(C\d+,\d+,\d+),[\d.]+,/, '$1,,') : l)).join('\n') + '\n',
);
writeFileSync(at('new.csv'), lines.map((l) => l.replace(/,[^,]*$/, '')).join('\n') + '\n');
writeFileSync(
  at('nospend.csv'),
  lines
    .map((l) =>
      l
        .split(',')
        .filter((_, j) => j !== 3)
        .join(','),
    )
    .join('\n') + '\n',
);
writeFileSync(
  at('multi.csv'),
  lines.map((l, i) => (i > 0 && i % 3 === 0 ? l.replace(/,[01]$/, ',2') : l)).join('\n') + '\n',
);
writeFileSync(
  at('oneclass.csv'),
  lines.map((l, i) => (i > 0 ? l.replace(/,[01]$/, ',0') : l)).join('\n') + '\n',
);

function rows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
}

describe('segment predict (built CLI)', () => {
  it('train rf → model + JSON evaluation; score → id, probability, predicted, decile tier; same bytes for 1 and 2 threads', async () => {
    const t = await runCli(
      [
        'predict',
        'train',
        'churn.csv',
        '--target',
        'churned',
        '--id',
        'customer_id',
        '--n-estimators',
        '40',
        '--model',
        'rf.json',
        '--json',
      ],
      { cwd: tmp.dir },
    );
    expect(t.stderr).toMatch(/ROC AUC 0\.\d+/);
    expect(t.code).toBe(0);
    const out = JSON.parse(t.stdout) as {
      positiveClass: number;
      evaluation: {
        rocAuc: number;
        rows: number;
        confusion: number[][];
        calibrationCurve: { probTrue: number[] };
      };
      importance: { feature: string; impurity: number; permutationMean: number }[];
    };
    expect(out.positiveClass).toBe(1);
    expect(out.evaluation.rows).toBe(300);
    expect(out.evaluation.rocAuc).toBeGreaterThan(0.65);
    expect(out.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
    expect(out.importance).toHaveLength(8);
    const model = JSON.parse(readFileSync(at('rf.json'), 'utf8')) as { format: string; hash: string };
    expect(model.format).toBe('segment.predict-model');
    expect(model.hash).toMatch(/^sha256:[0-9a-f]{64}$/);

    const again = await runCli(
      [
        '--threads',
        '1',
        'predict',
        'train',
        'churn.csv',
        '--target',
        'churned',
        '--id',
        'customer_id',
        '--n-estimators',
        '40',
        '--model',
        'rf1.json',
      ],
      { cwd: tmp.dir },
    );
    expect(again.code).toBe(0);
    expect(readFileSync(at('rf1.json'), 'utf8')).toBe(readFileSync(at('rf.json'), 'utf8'));

    const s = await runCli(
      ['predict', 'score', 'new.csv', '--model', 'rf.json', '-o', 'scores.csv', '--json'],
      {
        cwd: tmp.dir,
      },
    );
    expect(s.code).toBe(0);
    const r = rows(readFileSync(at('scores.csv'), 'utf8'));
    expect(r[0]).toEqual(['customer_id', 'probability', 'predicted', 'tier']);
    expect(r).toHaveLength(1201);
    expect(r[1]![0]).toBe('C000001');
    for (const row of r.slice(1)) {
      const p = Number(row[1]);
      expect(p >= 0 && p <= 1).toBe(true);
      expect(row[2]).toBe(p >= 0.5 ? '1' : '0');
      expect(Number(row[3])).toBeGreaterThanOrEqual(1);
      expect(Number(row[3])).toBeLessThanOrEqual(10);
    }
    const summary = JSON.parse(s.stdout) as { tiers: string; tierSizes: number[]; rows: number };
    expect(summary.tiers).toBe('deciles');
    expect(summary.tierSizes.reduce((a, b) => a + b, 0)).toBe(1200);
  });

  it('logistic, 3-fold CV, Platt calibration, custom tiers; a text target predicts its values', async () => {
    const t = await runCli(
      [
        'predict',
        'train',
        'text.csv',
        '--target',
        'churned',
        '--positive',
        'left',
        '--id',
        'customer_id',
        '--algo',
        'logistic',
        '--cv',
        '3',
        '--calibrate',
        'platt',
        '--model',
        'lr.json',
        '--json',
      ],
      { cwd: tmp.dir },
    );
    expect(t.code).toBe(0);
    const out = JSON.parse(t.stdout) as {
      positiveClass: string;
      evaluation: { scheme: string; perFold: unknown[]; rocAucMean: number };
      coefficients: { standardised: Record<string, number>; original: Record<string, number> };
      calibration: { method: string; input: string };
    };
    expect(out.positiveClass).toBe('left');
    expect(out.evaluation.scheme).toBe('cv');
    expect(out.evaluation.perFold).toHaveLength(3);
    expect(out.coefficients.standardised.last_login_days).toBeGreaterThan(0);
    expect(out.calibration).toEqual({
      method: 'platt',
      a: expect.any(Number),
      b: expect.any(Number),
      input: 'decision',
    });
    const s = await runCli(
      ['predict', 'score', 'new.csv', '--model', 'lr.json', '--tiers', '0.2,0.5,0.8', '-o', '-'],
      {
        cwd: tmp.dir,
      },
    );
    expect(s.code).toBe(0);
    const r = rows(s.stdout);
    expect(r[0]).toEqual(['customer_id', 'probability', 'predicted', 'tier']);
    for (const row of r.slice(1)) {
      const p = Number(row[1]);
      expect(row[2]).toBe(p >= 0.5 ? 'left' : 'stayed');
      expect(Number(row[3])).toBe(1 + [0.2, 0.5, 0.8].filter((c) => p >= c).length);
    }
  });

  it('scores raw data through the fitted clean chain of its training input', async () => {
    const c = await runCli(
      [
        'clean',
        'gap.csv',
        '--id',
        'customer_id',
        '--exclude',
        'churned',
        '--impute',
        'median',
        '-o',
        'clean.parquet',
      ],
      { cwd: tmp.dir },
    );
    expect(c.code).toBe(0);
    const t = await runCli(
      [
        'predict',
        'train',
        'clean.parquet',
        '--target',
        'churned',
        '--id',
        'customer_id',
        '--algo',
        'logistic',
        '--model',
        'chain.json',
      ],
      { cwd: tmp.dir },
    );
    expect(t.code).toBe(0);
    const model = JSON.parse(readFileSync(at('chain.json'), 'utf8')) as { chain: { stage: string }[] };
    expect(model.chain.map((e) => e.stage)).toEqual(['clean']);
    // The raw file has a missing spend: the chain imputes it.
    const s = await runCli(
      ['predict', 'score', 'gap.csv', '--model', 'chain.json', '--json', '-o', 'chain.csv'],
      {
        cwd: tmp.dir,
      },
    );
    expect(s.code).toBe(0);
    expect((JSON.parse(s.stdout) as { replayed: string[] }).replayed).toEqual(['clean']);
  });

  it('bad input: one line, the right exit code, nothing written', async () => {
    const cases: [string[], number, RegExp][] = [
      [['predict', 'train', 'churn.csv', '--model', 'x.json'], 2, /needs --target/],
      [
        ['predict', 'train', 'churn.csv', '--target', 'gone', '--model', 'x.json'],
        3,
        /column 'gone' not found/,
      ],
      [
        ['predict', 'train', 'multi.csv', '--target', 'churned', '--model', 'x.json'],
        2,
        /multiclass targets are not supported/,
      ],
      [['predict', 'train', 'oneclass.csv', '--target', 'churned', '--model', 'x.json'], 3, /single class/],
      [
        ['predict', 'train', 'gap.csv', '--target', 'churned', '--id', 'customer_id', '--model', 'x.json'],
        3,
        /'spend' has 1 missing value.*segment clean --impute/,
      ],
      [
        [
          'predict',
          'train',
          'churn.csv',
          '--target',
          'churned',
          '--cv',
          '3',
          '--test-size',
          '0.2',
          '--model',
          'x.json',
        ],
        2,
        /exclusive/,
      ],
      [
        [
          'predict',
          'train',
          'churn.csv',
          '--target',
          'churned',
          '--algo',
          'logistic',
          '--n-estimators',
          '5',
          '--model',
          'x.json',
        ],
        2,
        /--n-estimators applies to --algo rf/,
      ],
      [
        ['predict', 'score', 'nospend.csv', '--model', 'rf.json', '-o', 'x.csv'],
        3,
        /missing column\(s\) the model needs: spend/,
      ],
      [
        ['predict', 'score', 'new.csv', '--model', 'rf.json', '--tiers', '0.5,0.2', '-o', 'x.csv'],
        2,
        /must increase/,
      ],
      [['predict', 'score', 'new.csv', '--model', 'churn.csv', '-o', 'x.csv'], 3, /not a JSON model file/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args, { cwd: tmp.dir });
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(at('x.json'))).toBe(false);
    expect(existsSync(at('x.csv'))).toBe(false);
    // A model edited after training is refused.
    const text = readFileSync(at('rf.json'), 'utf8').replace('"threshold":0.5', '"threshold":0.4');
    writeFileSync(at('edited.json'), text);
    const r = await runCli(['predict', 'score', 'new.csv', '--model', 'edited.json', '-o', 'x.csv'], {
      cwd: tmp.dir,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/content hash does not match/);
  });
});
