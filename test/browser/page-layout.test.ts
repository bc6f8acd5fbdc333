import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { fixtures, runCli, tempDir } from '../helpers/cli.js';
import { makeChurn } from '../predict/churn-data.js';

const artifacts = resolve(new URL('.', import.meta.url).pathname, '../../test-artifacts');
const tmp = tempDir('segment-page-layout-');
const viewports = [
  { width: 1024, height: 800 },
  { width: 1440, height: 900 },
];
let browser: Browser;
let reportHtml: string;
let predictHtml: string;
let businessHtml: string;

/**
 * A wide customer table: 30 features with long names (amounts in the hundreds of thousands next to rates below 1),
 * five planted groups, so the profile heatmap is wide and the legends carry long segment names.
 */
function wideCustomers(): string {
  const rng = new Random(11);
  const stems = [
    'total_spend_last_12_months',
    'orders_last_12_months',
    'days_since_last_order',
    'average_basket_value',
    'share_of_orders_discounted',
    'support_tickets_opened',
  ];
  const features = Array.from(
    { length: 30 },
    (_, j) => `${stems[j % stems.length]}_${Math.floor(j / 6) + 1}`,
  );
  const scale = features.map((_, j) => [250_000, 12, 95, 80, 0.3, 2][j % stems.length]!);
  const lines = ['customer_id,' + features.join(',')];
  for (let i = 0; i < 600; i++) {
    const g = i % 5;
    const row = features.map((_, j) => {
      const centre = ((((g + 1) * (j + 3)) % 7) / 3) * scale[j]!;
      return (centre + scale[j]! * 0.4 * (rng.next() - 0.5)).toFixed(4);
    });
    lines.push(`C${String(i + 1).padStart(5, '0')},${row.join(',')}`);
  }
  const path = join(tmp.dir, 'wide.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

beforeAll(async () => {
  browser = await launchChromium();

  const csv = wideCustomers();
  const at = (f: string) => join(tmp.dir, f);
  const ok = async (args: string[]) => {
    const r = await runCli(args, { cwd: tmp.dir });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  await ok([
    'tune',
    csv,
    '--id',
    'customer_id',
    '--algo',
    'hierarchical',
    '--k',
    '2..8',
    '--linkage',
    'ward,average',
    '-o',
    at('tune.json'),
  ]);
  await ok([
    'cluster',
    csv,
    '--id',
    'customer_id',
    '--algo',
    'hierarchical',
    '--k',
    '5',
    '-o',
    at('seg.parquet'),
    '--model',
    at('model.json'),
  ]);
  writeFileSync(
    at('names.yaml'),
    [
      '0: Loyal big spenders with frequent orders',
      '1: Bargain hunters waiting for discounts',
      '2: Lapsed customers not seen for months',
      '3: New customers still finding their way',
      '4: Occasional buyers of small baskets',
    ].join('\n') + '\n',
  );
  reportHtml = at('report.html');
  await ok([
    'report',
    at('seg.parquet'),
    '--id',
    'customer_id',
    '--model',
    at('model.json'),
    '--tune',
    at('tune.json'),
    '--names',
    at('names.yaml'),
    '--html',
    reportHtml,
  ]);

  // A business report: profiles of a raw table (categorical plans, flags), KPIs, migration since another run.
  const subscribers = join(fixtures, 'subscribers.csv');
  await ok([
    'clean', subscribers, '--id', 'customer_id', '--features', 'recency_days,frequency,revenue,tenure_days',
    '--log', 'revenue', '--impute', 'median', '--scale', 'zscore',
    '--encode', 'onehot', '--encode-cols', 'internet_service,contract', '-o', at('subs-clean.parquet'),
  ]); // prettier-ignore
  for (const [k, seed, name] of [['4', '42', 'subs-old'], ['5', '7', 'subs-new']] as const)
    await ok([
      '--seed', seed, 'cluster', at('subs-clean.parquet'), '--id', 'customer_id', '--exclude', 'churned,newsletter',
      '--k', k, '-o', at(`${name}.parquet`), '--model', at(`${name}.json`),
    ]); // prettier-ignore
  businessHtml = at('business.html');
  await ok([
    'report', at('subs-new.parquet'), '--model', at('subs-new.json'), '--profile-input', subscribers,
    '--kpi', 'churned:mean,revenue:share,newsletter:mean', '--units', 'revenue=€',
    '--baseline-segments', at('subs-old.parquet'), '--html', businessHtml,
  ]); // prettier-ignore

  // Long feature names: the importance charts' axis labels take much of their width.
  const churn = makeChurn(600, 5).csv.split('\n');
  churn[0] = churn[0]!
    .split(',')
    .map((h, j) => (j === 0 || h === 'churned' ? h : `${h}_measured_over_the_last_twelve_months`))
    .join(',');
  writeFileSync(at('churn.csv'), churn.join('\n'));
  predictHtml = at('predict.html');
  await ok([
    'predict',
    'train',
    'churn.csv',
    '--target',
    'churned',
    '--id',
    'customer_id',
    '--n-estimators',
    '30',
    '--html',
    predictHtml,
  ]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Layout {
  viewport: number;
  scrollWidth: number;
  charts: { id: string; block: Box; svg: Box | null }[];
  charted: { total: number; rendered: number; failed: number };
  exponents: string[];
}

/** Open a page at a viewport, wait for its charts, take a full-page screenshot, and measure every chart block. */
async function layout(
  html: string,
  viewport: { width: number; height: number },
  shot: string,
): Promise<Layout> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // The page is self-contained: nothing but the file itself (and data: URLs) may be fetched.
  const requests: string[] = [];
  page.on('request', (r) => {
    const url = r.url();
    if (url !== pathToFileURL(html).href && !url.startsWith('data:')) requests.push(url);
  });
  await page.goto(pathToFileURL(html).href);
  // Page-side code as strings: this file is type-checked without the DOM library.
  await page.waitForFunction(
    'window.segmentCharts && window.segmentCharts.rendered + window.segmentCharts.failed === window.segmentCharts.total',
    undefined,
    { timeout: 30_000 },
  );
  // Let any layout pass that follows the first render settle.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const state = (await page.evaluate(`(() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top + scrollY, right: r.right, bottom: r.bottom + scrollY }; };
    return {
      viewport: document.documentElement.clientWidth,
      scrollWidth: document.scrollingElement.scrollWidth,
      charted: window.segmentCharts,
      charts: [...document.querySelectorAll('.chart')].map((el) => {
        const svg = el.querySelector('.vega svg');
        return { id: el.querySelector('.vega').id, block: box(el), svg: svg ? box(svg) : null };
      }),
      // A number in exponent notation (not a hash such as 5e55c0…, which has letters or digits around it).
      exponents: [...document.querySelectorAll('td, th, p, caption, figcaption, .vega svg text')]
        .map((el) => el.textContent)
        .filter((t) => /(?<![\\w.])\\d+(\\.\\d+)?e[-+\\u2212]?\\d+(?!\\w)/.test(t)),
    };
  })()`)) as Layout;
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  expect(errors).toEqual([]);
  expect(requests, 'network requests').toEqual([]);
  return state;
}

const intersect = (a: Box, b: Box) =>
  Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
  Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

/** Every chart's svg inside its block and the page, no two blocks overlapping, no horizontal scroll of the page. */
function expectNoOverlap(l: Layout): void {
  expect(l.charted.failed).toBe(0);
  expect(l.charts.length).toBe(l.charted.total);
  const tol = 0.5;
  for (const c of l.charts) {
    expect(c.svg, `${c.id} has no svg`).not.toBeNull();
    const s = c.svg!;
    expect(s.right - s.left, `${c.id}: drawn`).toBeGreaterThan(50);
    expect({ id: c.id, left: s.left >= c.block.left - tol, right: s.right <= c.block.right + tol }).toEqual({
      id: c.id,
      left: true,
      right: true,
    });
    expect(s.bottom, `${c.id}: svg bottom within its block`).toBeLessThanOrEqual(c.block.bottom + tol);
    expect(s.left, `${c.id}: svg within the page`).toBeGreaterThanOrEqual(-tol);
    expect(s.right, `${c.id}: svg within the page`).toBeLessThanOrEqual(l.viewport + tol);
  }
  for (let i = 0; i < l.charts.length; i++)
    for (let j = i + 1; j < l.charts.length; j++) {
      const a = l.charts[i]!;
      const b = l.charts[j]!;
      expect(intersect(a.block, b.block), `${a.id} and ${b.id} intersect`).toBe(false);
      // A block may be as wide as its column while its svg spills: compare the drawn extents too.
      expect(intersect(a.svg!, b.svg!), `the svgs of ${a.id} and ${b.id} intersect`).toBe(false);
    }
  expect(l.scrollWidth, 'the page scrolls horizontally').toBeLessThanOrEqual(l.viewport);
  expect(l.exponents, 'numbers in exponent notation').toEqual([]);
}

describe('report and predict pages: every chart fits its block, no block overlaps another, no horizontal scroll', () => {
  for (const vp of viewports) {
    it(`segment report with tuning evidence and 30 features at ${vp.width}×${vp.height}`, async () => {
      const l = await layout(reportHtml, vp, join(artifacts, `layout-report-${vp.width}.png`));
      expect(l.charts.map((c) => c.id)).toEqual(
        expect.arrayContaining([
          'chart-sizes',
          'chart-profiles',
          'chart-distribution-1',
          'chart-projection',
          'chart-tune-silhouette',
          'chart-dendrogram',
        ]),
      );
      expectNoOverlap(l);
    }, 120_000);

    it(`business report (KPIs, level shares, migration) at ${vp.width}×${vp.height}`, async () => {
      const l = await layout(businessHtml, vp, join(artifacts, `layout-business-${vp.width}.png`));
      expect(l.charts.map((c) => c.id)).toEqual(
        expect.arrayContaining([
          'chart-kpi-1',
          'chart-kpi-3',
          'chart-shares-5',
          'chart-shares-8',
          'chart-distribution-1',
          'chart-profiles',
          'chart-migration',
        ]),
      );
      expectNoOverlap(l);
    }, 120_000);

    it(`predict report at ${vp.width}×${vp.height}`, async () => {
      const l = await layout(predictHtml, vp, join(artifacts, `layout-predict-${vp.width}.png`));
      expect(l.charts.map((c) => c.id)).toEqual(
        expect.arrayContaining([
          'chart-roc',
          'chart-pr',
          'chart-calibration',
          'chart-importance-permutation',
        ]),
      );
      expectNoOverlap(l);
    }, 120_000);
  }
});
