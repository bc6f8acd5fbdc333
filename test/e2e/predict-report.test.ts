import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/core/content-hash.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const tmp = tempDir('segment-predict-report-e2e-');
afterAll(() => tmp.cleanup());
const at = (name: string): string => join(tmp.dir, name);
const read = (name: string): string => readFileSync(at(name), 'utf8');

writeFileSync(at('churn.csv'), makeChurn(900, 13).csv);
const trainArgs = [
  'predict',
  'train',
  'churn.csv',
  '--target',
  'churned',
  '--id',
  'customer_id',
  '--n-estimators',
  '30',
];

interface ReportJson {
  format: string;
  model: { path: string | null; target: string; algorithm: string };
  evaluation: { rows: number; rocAuc: number; baseRate: number; positives: number };
  roc: { fpr: number; tpr: number }[] | null;
  pr: { recall: number; precision: number }[] | null;
  calibration: { count: number }[];
  notes: string[];
}

describe('segment predict report (built CLI)', () => {
  it('train --html --report-json writes the page and the JSON; predict report gives the same bytes from the model alone', async () => {
    const t = await runCli(
      [...trainArgs, '--model', 'rf.json', '--html', 'train.html', '--report-json', 'train.json'],
      {
        cwd: tmp.dir,
      },
    );
    expect(t.code, t.stderr).toBe(0);
    const model = JSON.parse(read('rf.json')) as {
      evaluation: { metrics: { rocAuc: number; n: number }; curves: { roc: { fpr: number[] } } };
    };
    const report = JSON.parse(read('train.json')) as ReportJson;
    expect(report.format).toBe('segment.predict-report');
    expect(report.model).toMatchObject({ path: 'rf.json', target: 'churned', algorithm: 'rf' });
    expect(report.evaluation.rows).toBe(225);
    expect(report.evaluation.rocAuc).toBe(model.evaluation.metrics.rocAuc);
    expect(report.roc!.map((p) => p.fpr)).toEqual(model.evaluation.curves.roc.fpr);
    expect(report.roc!.length).toBeLessThanOrEqual(200);
    expect(report.roc![0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(report.roc!.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(report.pr!.at(-1)!.recall).toBe(1);
    expect(report.calibration.reduce((a, b) => a + b.count, 0)).toBe(225);

    const html = read('train.html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain("connect-src 'none'");
    for (const id of ['roc', 'pr', 'calibration', 'importance-permutation', 'importance-impurity'])
      expect(html).toContain(`id="chart-${id}"`);
    expect(html).toContain('<section id="metrics">');
    expect(html).toContain('stratified hold-out of 25 % of the rows');

    const r = await runCli(
      ['predict', 'report', '--model', 'rf.json', '--html', 'report.html', '--json', 'report.json'],
      {
        cwd: tmp.dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(read('report.html')).toBe(html);
    expect(read('report.json')).toBe(read('train.json'));

    const s = await runCli(['predict', 'report', '--model', 'rf.json', '--json'], { cwd: tmp.dir });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toBe(read('train.json'));
  });

  it('train --html alone (no --model) writes the page', async () => {
    const t = await runCli(
      [...trainArgs.slice(0, -2), '--algo', 'logistic', '--cv', '3', '--html', 'lr.html'],
      {
        cwd: tmp.dir,
      },
    );
    expect(t.code, t.stderr).toBe(0);
    const html = read('lr.html');
    expect(html).toContain('3-fold stratified cross-validation');
    expect(html).toContain('<table id="folds">');
    expect(html).not.toContain('id="chart-importance-impurity"');
  });

  it('a model from before the curves were stored: the page without ROC and PR, with a note', async () => {
    const m = JSON.parse(read('rf.json')) as Record<string, unknown> & {
      evaluation: Record<string, unknown>;
    };
    delete m.evaluation['curves'];
    delete m['hash'];
    writeFileSync(at('old.json'), JSON.stringify({ ...m, hash: contentHash(m) }) + '\n');
    const r = await runCli(['predict', 'report', '--model', 'old.json', '--html', 'old.html', '--json'], {
      cwd: tmp.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ReportJson;
    expect(report.roc).toBeNull();
    expect(report.pr).toBeNull();
    expect(report.notes.join(' ')).toMatch(/train it again/);
    const html = read('old.html');
    expect(html).not.toContain('id="chart-roc"');
    expect(html).toContain('id="chart-calibration"');
  });

  it('usage and data errors', async () => {
    const noModel = await runCli(['predict', 'report', '--html', 'x.html'], { cwd: tmp.dir });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/needs --model/);
    const noOutput = await runCli(['predict', 'report', '--model', 'rf.json'], { cwd: tmp.dir });
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toMatch(/writes nothing/);
    writeFileSync(at('edited.json'), read('rf.json').replace('"threshold":0.5', '"threshold":0.4'));
    const edited = await runCli(['predict', 'report', '--model', 'edited.json', '--html', 'e.html'], {
      cwd: tmp.dir,
    });
    expect(edited.code).toBe(3);
    expect(edited.stderr).toMatch(/content hash/);
    expect(existsSync(at('e.html'))).toBe(false);
    const missing = await runCli(['predict', 'report', '--model', 'nope.json', '--json'], { cwd: tmp.dir });
    expect(missing.code).toBe(3);
  });
});
