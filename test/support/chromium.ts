// Launches the system Chromium through playwright-core (never a downloaded browser). Without the
// binary a test may skip locally, but under CI=true it must fail.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL_HINT = 'install it with "sudo apt-get install chromium" (or set CHROMIUM_PATH)';

export function chromiumAvailable(): boolean {
  const found = existsSync(CHROMIUM_PATH);
  if (!found && process.env.CI === 'true') {
    throw new Error(`Chromium is required under CI but ${CHROMIUM_PATH} is missing: ${INSTALL_HINT}`);
  }
  if (!found)
    process.stderr.write(`Skipping the browser tests: ${CHROMIUM_PATH} not found; ${INSTALL_HINT}\n`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
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
