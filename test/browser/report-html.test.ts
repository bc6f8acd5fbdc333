import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const artifacts = resolve(new URL('.', import.meta.url).pathname, '../../test-artifacts');
const tmp = tempDir();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

/** A segments file whose column names, ids and segment names try to inject markup and script. */
function hostileInput(): { csv: string; names: string } {
  const csv = join(tmp.dir, 'hostile.csv');
  const evilCol = '<img src=x onerror="window.__xss=1">';
  const lines = [
    `customer_id,"${evilCol.replace(/"/g, '""')}",spend</script><script>window.__xss=2</script>,segment`,
  ];
  let s = 7;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  for (let i = 0; i < 300; i++) {
    const seg = i % 3;
    const id = i === 0 ? '"</script><script>window.__xss=3</script>"' : `C${i}`;
    lines.push([id, (seg * 5 + u()).toFixed(4), (seg * 3 + u()).toFixed(4), seg].join(','));
  }
  writeFileSync(csv, lines.join('\n') + '\n');
  const names = join(tmp.dir, 'names.json');
  writeFileSync(
    names,
    JSON.stringify({ 0: '<script>window.__xss=4</script>', 1: "O'Brien & <b>Co</b>", 2: '\u2028line' }),
  );
  return { csv, names };
}

describe('the HTML report in headless Chromium', () => {
  it('renders every chart with no console error, no network request and no injected script', async () => {
    const { csv, names } = hostileInput();
    const html = join(tmp.dir, 'report.html');
    const r = await runCli(['report', csv, '--id', 'customer_id', '--names', names, '--html', html]);
    expect(r.code, r.stderr).toBe(0);

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
      {
        timeout: 30_000,
      },
    );
    const state = (await page.evaluate(`({
      charts: window.segmentCharts,
      svgs: document.querySelectorAll('.vega svg.marks').length,
      marks: document.querySelectorAll('.vega svg .mark-rect path, .vega svg .mark-symbol path, .vega svg .mark-line path').length,
      xss: window.__xss ?? null,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      headings: [...document.querySelectorAll('.card h3')].map((h) => h.textContent),
    })`)) as {
      charts: { total: number; rendered: number; failed: number };
      svgs: number;
      marks: number;
      xss: number | null;
      images: number;
      scripts: number;
      headings: string[];
    };
    expect(state.charts.failed).toBe(0);
    expect(state.charts.rendered).toBeGreaterThanOrEqual(5);
    expect(state.svgs).toBe(state.charts.total);
    expect(state.marks).toBeGreaterThan(10);
    expect(state.xss).toBeNull();
    expect(state.images).toBe(0);
    expect(state.scripts).toBe(3); // the chart data (JSON), the Vega runtime, the renderer — nothing injected
    expect(state.headings).toEqual(['<script>window.__xss=4</script>', "O'Brien & <b>Co</b>", 'line']); // names are trimmed
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    await page.close();
  }, 120_000);
});
