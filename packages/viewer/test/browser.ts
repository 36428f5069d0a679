// Playwright-core driving the system Chromium: opens generated pages from disk and records console errors.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/viewer/', import.meta.url));

/**
 * Whether the browser tests can run. Without Chromium they fail loudly in CI and are skipped locally
 * with the reason printed.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`viewer browser tests cannot run in CI: ${reason}`);
  console.warn(`skipping viewer browser tests: ${reason}`);
  return false;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  profile: string;
}

export async function launch(): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), 'dagcache-viewer-chromium-'));
  // A persistent context is how playwright takes a fresh user-data-dir of our own.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
  });
  return { browser: context.browser()!, context, profile };
}

export async function close(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.context.close();
  rmSync(s.profile, { recursive: true, force: true });
}

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** Requests the page made that were not to file:// or data: (must stay empty: the page is offline). */
  network: string[];
}

/** Writes `html` under test-artifacts/viewer and opens it from disk. */
export async function openHtml(s: Session, name: string, html: string, hash = ''): Promise<OpenPage> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, html);
  return openUrl(s, `file://${file}${hash}`);
}

export async function openUrl(s: Session, url: string): Promise<OpenPage> {
  const page = await s.context.newPage();
  const errors: string[] = [];
  const network: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('http://127.0.0.1'))
      network.push(u);
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid="graph"]');
  return { page, errors, network };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
