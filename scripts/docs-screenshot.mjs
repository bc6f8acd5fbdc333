#!/usr/bin/env node
// Screenshot of the top of an HTML report for the docs (docs/img/report.png), in the headless Chromium the browser
// tests use (SEGMENT_CHROMIUM, default /usr/bin/chromium, installed by scripts/setup-system.sh chromium).
// Usage: node scripts/docs-screenshot.mjs out/report.html docs/img/report.png [width height]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [html, png, width = '1000', height = '1140'] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: node scripts/docs-screenshot.mjs REPORT.html OUT.png [WIDTH HEIGHT]');
  process.exit(2);
}
const executablePath = process.env['SEGMENT_CHROMIUM'] ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`${executablePath} is missing: run bash scripts/setup-system.sh chromium`);
  process.exit(3);
}
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(pathToFileURL(resolve(html)).href);
  await page.waitForLoadState('load');
  await page.waitForTimeout(1000); // the charts render after load
  await page.screenshot({ path: png });
} finally {
  await browser.close();
}
