/**
 * Does training go on in a background tab, and does the page recover after a laptop sleep?
 * Trains the production build (`npx vite build` first) on WASM in headless Chromium and prints
 * steps/s while the tab is visible, while another tab is in front of it (document.visibilityState
 * 'hidden'), across a freeze (Page.setWebLifecycleState frozen → active, what Chromium does to a
 * tab around a sleep), and after it.        npx tsx scripts/measure-background.ts [seconds per phase]
 *
 * Playwright makes every page it drives behave as a focused foreground tab (focus emulation), so
 * no page of its own ever turns hidden. This script starts Chromium itself and attaches over CDP
 * with `noDefaults`: then a second tab brought to the front really hides the first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM, FLAGS, numberIn, textOf, waitFor } from '../tests/e2e/browser.ts';

const PHASE_S = Number(process.argv[2] ?? 20);
const FREEZE_S = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chromium with a DevTools port, and its WebSocket address. */
async function startChromium(profile: string): Promise<{ endpoint: string; stop: () => Promise<unknown> }> {
  const proc = spawn(CHROMIUM, [...FLAGS, '--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    proc.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = seen.match(/DevTools listening on (ws:\S+)/);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${seen.slice(-500)}`)));
  });
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    endpoint,
    stop: async () => {
      proc.kill();
      await exited;
    },
  };
}

/** Steps per second over `seconds`, read from the page's step counter. */
async function rate(page: Page, seconds: number): Promise<number> {
  const s0 = await numberIn(page, 'step-count');
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return ((await numberIn(page, 'step-count')) - s0) / ((Date.now() - t0) / 1000);
}

/** The lowest and highest images/s the page shows over `seconds`. */
async function readoutRange(page: Page, seconds: number): Promise<string> {
  const seen: number[] = [];
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(200)) seen.push(await numberIn(page, 'images-per-sec'));
  return `${Math.min(...seen).toFixed(0)}–${Math.max(...seen).toFixed(0)}`;
}

const visibility = (page: Page) => page.evaluate(() => document.visibilityState);

const server = await preview({ preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
const profile = mkdtempSync(join(tmpdir(), 'ganvas-background-'));
const chrome = await startChromium(profile);
const browser = await chromium.connectOverCDP(chrome.endpoint, { noDefaults: true });
try {
  const context = browser.contexts()[0]!;
  const app = await context.newPage();
  await app.goto(`${server.resolvedUrls!.local[0]}?backend=wasm&dataset=faces&preset=tiny`);
  await waitFor(
    () => numberIn(app, 'step-count'),
    (n) => n > 20,
    120_000,
    'training to start',
  );
  await sleep(3000); // past the first grid, SWD and autosave
  const setup = `${await textOf(app, 'status')}`.replace(/^training: /, '');
  console.log(`Ganvas in headless Chromium, ${setup}; ${cpus().length} × ${cpus()[0]?.model.trim()}; ${PHASE_S} s per phase`);

  const visible = await rate(app, PHASE_S);
  console.log(`visible tab:            ${visible.toFixed(1)} steps/s (${await visibility(app)}); images/s shown over 10 s: ${await readoutRange(app, 10)}`);

  const other = await context.newPage();
  await other.goto('about:blank');
  await other.bringToFront();
  await sleep(300);
  const state = await visibility(app);
  if (state !== 'hidden') throw new Error(`the app tab did not turn hidden (${state})`);
  const hiddenFirst = await rate(app, PHASE_S / 2);
  const hiddenLater = await rate(app, PHASE_S / 2);
  console.log(`hidden tab (${state}):    ${hiddenFirst.toFixed(1)} steps/s, then ${hiddenLater.toFixed(1)} steps/s`);

  const cdp = await context.newCDPSession(app);
  const before = await numberIn(app, 'step-count');
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await sleep(FREEZE_S * 1000);
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await app.bringToFront();
  const resumed = Date.now();
  await sleep(500);
  const during = (await numberIn(app, 'step-count')) - before;
  console.log(`frozen ${FREEZE_S} s:             ${during} steps between freezing and 0.5 s after waking (${(during / (FREEZE_S + 0.5)).toFixed(1)} steps/s)`);

  // The images/s readout right after waking: a freeze must not show up as a collapse in speed.
  const readouts = await readoutRange(app, 10 - (Date.now() - resumed) / 1000);
  const after = await rate(app, PHASE_S);
  const status = await textOf(app, 'status');
  console.log(`after waking:           ${after.toFixed(1)} steps/s; images/s shown in the first 10 s: ${readouts}; status "${status.slice(0, 60)}"`);
  await other.bringToFront();
  await sleep(300);
  const hiddenAgain = await rate(app, PHASE_S);
  await app.bringToFront();
  const visibleAgain = await rate(app, PHASE_S);
  console.log(`hidden again: ${hiddenAgain.toFixed(1)} steps/s; visible again: ${visibleAgain.toFixed(1)} steps/s (the machine's noise between phases)`);
  const runs = await textOf(app, 'runs-list');
  console.log(`saved run after waking: ${runs.replace(/\s+/g, ' ').slice(0, 120)}`);
} finally {
  await browser.close().catch(() => {});
  await chrome.stop();
  await server.close();
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
