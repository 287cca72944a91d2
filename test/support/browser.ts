// The browser tests' stage: the system Chromium through playwright-core (never a downloaded browser), a
// client's redirect URI served on loopback, and the local gateway with that client registered. Without
// the binary a test may skip locally, but under CI=true it must fail.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';

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

/** A page in a fresh browser context (a person with no cookies yet), closed once `use` is done. */
export async function withPage<T>(
  browser: Browser,
  use: (page: Page) => Promise<T>,
  options: BrowserContextOptions = {},
): Promise<T> {
  const context = await browser.newContext(options);
  try {
    return await use(await context.newPage());
  } finally {
    await context.close();
  }
}

export interface CallbackPage {
  redirectUri: string;
  close(): Promise<void>;
}

/** A client's redirect URI: a tiny page on a free loopback port. */
export async function startCallbackPage(): Promise<CallbackPage> {
  const port = await freePort();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
    res.end('<!doctype html><title>Callback</title><p>Back at the client.</p>');
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** What a browser test signs in against, ready from its suite's beforeAll on. */
export interface BrowserStage {
  readonly gateway: TestGateway;
  readonly browser: Browser;
  /** The callback page's URI, to register as the client's redirect URI. */
  readonly redirectUri: string;
  /** A page in a fresh browser context, closed once `use` is done. */
  page<T>(use: (page: Page) => Promise<T>, options?: BrowserContextOptions): Promise<T>;
}

/**
 * Called in a describe: before its tests, the callback page, then the local gateway with the overrides
 * `envFor(redirectUri)` gives (a client registered with that URI) and Chromium side by side; after
 * them, all three closed.
 */
export function useBrowserStage(
  envFor: (redirectUri: string) => Record<string, string> | Promise<Record<string, string>>,
): BrowserStage {
  let gateway: TestGateway | undefined;
  let browser: Browser | undefined;
  let callback: CallbackPage | undefined;
  beforeAll(async () => {
    callback = await startCallbackPage();
    const env = await envFor(callback.redirectUri);
    [gateway, browser] = await Promise.all([startTestGateway(env), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await callback?.close();
  });
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`the browser stage's ${name} is not started`);
    return value;
  };
  return {
    get gateway() {
      return ready(gateway, 'gateway');
    },
    get browser() {
      return ready(browser, 'browser');
    },
    get redirectUri() {
      return ready(callback, 'callback page').redirectUri;
    },
    page(use, options) {
      return withPage(ready(browser, 'browser'), use, options);
    },
  };
}
