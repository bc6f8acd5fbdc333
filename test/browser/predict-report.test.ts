import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const artifacts = resolve(new URL('.', import.meta.url).pathname, '../../test-artifacts');
const tmp = tempDir('segment-predict-report-');
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

/** Churn data whose target, feature names and class values try to inject markup and script. */
function hostileChurn(): string {
  const { csv } = makeChurn(600, 5);
  const lines = csv.trimEnd().split('\n');
  const header = lines[0]!.split(',');
  header[2] = '"<img src=x onerror=""window.__xss=1"">"'; // income
  header[9] = '"</script><script>window.__xss=2</script>"'; // the target
  const out = [header.join(',')];
  for (const l of lines.slice(1)) out.push(l.replace(/,1$/, ",<b>O'Left & co</b>").replace(/,0$/, ',stayed'));
  const path = join(tmp.dir, 'hostile.csv');
  writeFileSync(path, out.join('\n') + '\n');
  return path;
}

interface ChartState {
  id: string;
  axes: number;
  lines: number;
  rules: number;
  rects: number;
  symbols: number;
  texts: number;
}

/** Open a page, wait for its charts, and count what each one drew. */
async function inspect(
  html: string,
  shot: string,
): Promise<{
  charts: { total: number; rendered: number; failed: number };
  perChart: ChartState[];
  svgs: number;
  xss: number | null;
  scripts: number;
  images: number;
  title: string;
  positive: string;
  target: string;
  errors: string[];
  requests: string[];
}> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const url = pathToFileURL(html).href;
  page.on('request', (req) => {
    if (req.url() !== url) requests.push(req.url());
  });
  await page.goto(url);
  // Page-side code as strings: this file is type-checked without the DOM library.
  await page.waitForFunction(
    'window.segmentCharts && window.segmentCharts.rendered + window.segmentCharts.failed === window.segmentCharts.total',
    undefined,
    { timeout: 30_000 },
  );
  const state = (await page.evaluate(`({
    charts: window.segmentCharts,
    svgs: document.querySelectorAll('.vega svg.marks').length,
    perChart: [...document.querySelectorAll('.vega')].map((el) => ({
      id: el.id.replace(/^chart-/, ''),
      axes: el.querySelectorAll('g.role-axis-domain').length,
      lines: el.querySelectorAll('.mark-line.role-mark path').length,
      rules: el.querySelectorAll('.mark-rule.role-mark line').length,
      rects: el.querySelectorAll('.mark-rect.role-mark path').length,
      symbols: el.querySelectorAll('.mark-symbol.role-mark path').length,
      texts: el.querySelectorAll('.mark-text.role-mark text').length,
    })),
    xss: window.__xss ?? null,
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    title: document.querySelector('h1').textContent,
    positive: document.querySelector('#confusion thead th:last-child').textContent,
    target: document.querySelector('#summary code').textContent,
  })`)) as Omit<Awaited<ReturnType<typeof inspect>>, 'errors' | 'requests'>;
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return { ...state, errors, requests };
}

describe('the propensity report in headless Chromium', () => {
  it('random forest: ROC, PR, calibration and both importances render with the expected marks, no error, no request, no injected script', async () => {
    const csv = hostileChurn();
    const target = '</script><script>window.__xss=2</script>';
    const t = await runCli(
      [
        'predict',
        'train',
        csv,
        '--target',
        target,
        '--positive',
        "<b>O'Left & co</b>",
        '--id',
        'customer_id',
        '--n-estimators',
        '30',
        '--model',
        join(tmp.dir, 'rf.json'),
      ],
      { cwd: tmp.dir },
    );
    expect(t.code, t.stderr).toBe(0);
    const html = join(tmp.dir, 'rf.html');
    const r = await runCli(['predict', 'report', '--model', join(tmp.dir, 'rf.json'), '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(join(tmp.dir, 'rf.json'), 'utf8')) as {
      evaluation: { metrics: { calibration: { bin: number[] } }; curves: { roc: { fpr: number[] } } };
    };
    const bins = model.evaluation.metrics.calibration.bin.length;

    const shot = join(artifacts, 'predict-report-rf.png');
    const s = await inspect(html, shot);
    expect(s.errors).toEqual([]);
    expect(s.requests).toEqual([]);
    expect(s.xss).toBeNull();
    expect(s.images).toBe(0);
    expect(s.scripts).toBe(3); // the chart data (JSON), the Vega runtime, the renderer — nothing injected
    expect(s.title).toBe('Propensity model report');
    expect(s.positive).toBe("<b>O'Left & co</b>"); // shown as text, not markup
    expect(s.target).toBe(target);
    expect(s.charts).toEqual({ total: 5, rendered: 5, failed: 0 });
    expect(s.svgs).toBe(5);
    const by = Object.fromEntries(s.perChart.map((c) => [c.id, c]));
    expect(Object.keys(by)).toEqual([
      'roc',
      'pr',
      'calibration',
      'importance-permutation',
      'importance-impurity',
    ]);
    // ROC: the curve and the chance diagonal.
    expect(by['roc']).toMatchObject({ axes: 2, lines: 2, rules: 0 });
    // PR: the step curve, the base-rate rule and its label.
    expect(by['pr']).toMatchObject({ axes: 2, lines: 1, rules: 1, texts: 1 });
    // Reliability diagram over the bin counts: diagonal + curve with one point per non-empty bin, one bar per bin.
    expect(by['calibration']).toMatchObject({ axes: 4, lines: 2, symbols: bins, rects: bins });
    // Importances: one bar per feature (8), ± std rules on the permutation bars.
    expect(by['importance-permutation']).toMatchObject({ axes: 2, rects: 8, rules: 8 });
    expect(by['importance-impurity']).toMatchObject({ axes: 2, rects: 8, rules: 0 });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(model.evaluation.curves.roc.fpr.length).toBeGreaterThan(2);
  }, 120_000);

  it('logistic with cross-validation, from train --html: no impurity chart, every other chart drawn', async () => {
    writeFileSync(join(tmp.dir, 'churn.csv'), makeChurn(800, 9).csv);
    const html = join(tmp.dir, 'lr.html');
    const t = await runCli(
      [
        'predict',
        'train',
        'churn.csv',
        '--target',
        'churned',
        '--algo',
        'logistic',
        '--cv',
        '4',
        '--html',
        html,
      ],
      { cwd: tmp.dir },
    );
    expect(t.code, t.stderr).toBe(0);
    const s = await inspect(html, join(artifacts, 'predict-report-logistic.png'));
    expect(s.errors).toEqual([]);
    expect(s.requests).toEqual([]);
    expect(s.charts).toEqual({ total: 4, rendered: 4, failed: 0 });
    expect(s.perChart.map((c) => c.id)).toEqual(['roc', 'pr', 'calibration', 'importance-permutation']);
    expect(s.perChart[0]).toMatchObject({ axes: 2, lines: 2 });
    expect(s.perChart[3]).toMatchObject({ axes: 2, rects: 8 });
  }, 120_000);
});
