import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by scripts/setup-system.sh (run by `npm test` and .ci/run). */
export const chromiumPath = process.env['SEGMENT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Headless Chromium with nothing running in the background that could fetch from the network. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`${chromiumPath} is missing: run bash scripts/setup-system.sh chromium`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
