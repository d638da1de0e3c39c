/** Real headless Chromium (Debian's package) driven by playwright-core, with the flags that work here. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGPU headless needs this; with no GPU it runs on SwiftShader (a software adapter).
  '--enable-unsafe-webgpu',
];

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, page and Worker alike. */
  errors: string[];
  close(): Promise<void>;
}

export interface PageOptions {
  /** The browser's language, as a visitor's browser would send it (the page follows it). */
  locale?: string;
  /** Let the page honour `?fault=` (the switch only tests set, before the page loads). */
  testHooks?: boolean;
}

export async function openPage(url: string, { testHooks, ...options }: PageOptions = {}): Promise<Session> {
  const profile = mkdtempSync(join(tmpdir(), 'ganvas-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  if (testHooks) await context.addInitScript(() => localStorage.setItem('ganvas:test-hooks', '1'));
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`[worker] ${m.text()}`)));
  await page.goto(url);
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

export async function numberIn(page: Page, testId: string): Promise<number> {
  const m = (await textOf(page, testId)).match(/-?\d+(\.\d+)?/);
  return m ? Number(m[0]) : NaN;
}

/** Polls until `read()` satisfies `ok`, or fails with the last value seen. */
export async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}
