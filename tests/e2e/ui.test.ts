/**
 * The page as a person meets it: accessibility (axe-core, both languages, both themes),
 * keyboard-only use, the language switch, and layouts at phone and laptop widths.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Where the suite leaves its screenshots (ignored by git; CI may keep them as artifacts). */
const SHOTS = 'tmp/e2e-screenshots';

const quiet = 'backend=wasm&autostart=0&res=16&width=8&batch=8&sampleEveryMs=300';

/** axe-core's serious and critical findings on the page as it is now (run through CDP, so CSP does not block it). */
async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe;
    const r = await axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${v.where.join(', ')}`);
}

async function ready(page: Page): Promise<void> {
  await waitFor(
    () => numberIn(page, 'dataset-count'),
    (n) => n > 0,
    60_000,
    'the built-in set',
  );
  await waitFor(
    () => textOf(page, 'status'),
    (t) => t.startsWith('idle'),
    60_000,
    'idle',
  );
}

describe('accessibility and layout', () => {
  it('has no serious or critical axe findings, in English and Chinese, light and dark, dialogs open', async () => {
    const { page } = await open(`${inject('baseUrl')}/?${quiet}&dataset=faces&lang=en`);
    await ready(page);
    await page.getByTestId('train-step').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 1,
      30_000,
      'one step',
    );
    expect(await axeProblems(page)).toEqual([]);

    await page.getByTestId('theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await axeProblems(page)).toEqual([]);

    await page.getByTestId('lang-switch').click();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await axeProblems(page)).toEqual([]);

    await page.getByTestId('shortcuts-open').click();
    await page.getByTestId('shortcuts-help').waitFor();
    expect(await axeProblems(page)).toEqual([]);
    await page.keyboard.press('Escape');

    // How it works: a modal page of its own, whose "Show me" lands on the part it explains.
    await page.getByTestId('how-open').click();
    await page.getByTestId('how-it-works').waitFor();
    expect(await page.locator('#how-title').textContent()).toMatch(/原理|工作/);
    expect(await axeProblems(page)).toEqual([]);
    await page.getByTestId('how-go-explorer').click();
    await page.getByTestId('how-it-works').waitFor({ state: 'detached' });
    await waitFor(
      () => page.evaluate(() => document.activeElement?.id ?? ''),
      (id) => id === 'explore-heading',
      5_000,
      'focus on the explorer',
    );
  });

  it('fits a 390 px phone and a 1280 px laptop without horizontal scrolling', async () => {
    const { page } = await open(`${inject('baseUrl')}/?${quiet}&dataset=faces`);
    await ready(page);
    await page.getByTestId('train-step').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 1,
      30_000,
      'one step',
    );
    mkdirSync(SHOTS, { recursive: true });
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${SHOTS}/main-${width}.png`, fullPage: true });
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - window.innerWidth,
        wide: Array.from(document.querySelectorAll('body *'))
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map((e) => e.tagName + (e.getAttribute('data-testid') ? `[${e.getAttribute('data-testid')}]` : ''))
          .slice(0, 5),
      }));
      expect(overflow, `at ${width} px`).toEqual({ page: 0, wide: [] });
    }
  });
});

describe('keyboard and language', () => {
  it('picks the built-in set, starts and pauses training with the keyboard alone', async () => {
    const { page } = await open(`${inject('baseUrl')}/?${quiet}&dataset=none`);
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      60_000,
      'idle',
    );
    // Tab to the dataset picker and choose the first built-in set with the arrow key.
    for (let i = 0; i < 30 && !(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'dataset-builtin')); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n > 0,
      60_000,
      'images from the keyboard choice',
    );
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      60_000,
      'idle with data',
    );

    // Shortcuts act only when no control owns the key (a focused select would take Space), so leave the select first.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('s');
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n === 1,
      30_000,
      's = single step',
    );
    await page.keyboard.press(' ');
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training'),
      10_000,
      'space = train',
    );
    await page.keyboard.press(' ');
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('paused'),
      20_000,
      'space = pause',
    );
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts-help').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts-help').waitFor({ state: 'detached' });

    // The same start, through focus: Tab to the Train button and press Enter.
    for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'train-toggle')); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training'),
      10_000,
      'Enter on the focused Train button',
    );
  });

  it('renders in Chinese from ?lang=zh and switches to English and back', async () => {
    const { page } = await open(`${inject('baseUrl')}/?${quiet}&dataset=faces&lang=zh`);
    await ready(page);
    expect(await textOf(page, 'train-toggle')).toBe('开始训练');
    expect(await page.locator('#train-heading').textContent()).toBe('2 · 训练');
    await page.getByTestId('lang-switch').click();
    expect(await textOf(page, 'train-toggle')).toBe('Train');
    expect(await textOf(page, 'lang-switch')).toBe('简体中文');
    await page.getByTestId('lang-switch').click();
    expect(await textOf(page, 'train-toggle')).toBe('开始训练');
  });
});

describe('game controls', () => {
  it('changes D and G steps per round live and plays the game in slow motion, naming who learns', async () => {
    const { page } = await open(`${inject('baseUrl')}/?${quiet}&dataset=faces`);
    await ready(page);
    await page.getByTestId('d-steps').selectOption('3');
    await page.getByTestId('g-steps').selectOption('0');
    // Two quick changes build on each other (the second must not undo the first before the
    // Worker echoes it), and with G frozen nobody may set D to 0.
    expect(await page.getByTestId('d-steps').inputValue()).toBe('3');
    expect(await page.getByTestId('d-steps').locator('option[value="0"]').isDisabled()).toBe(true);
    await page.getByTestId('g-steps').selectOption('1');
    await page.getByTestId('slow-motion').check();
    await page.getByTestId('train-toggle').click();
    const phases = new Set<string>();
    const start = Date.now();
    while (Date.now() - start < 4_000) {
      const p = page.getByTestId('phase');
      if (await p.count()) phases.add((await p.getAttribute('data-phase')) ?? '');
      await page.waitForTimeout(100);
    }
    expect([...phases].sort()).toEqual(['d', 'g']);
    const steps = await numberIn(page, 'step-count');
    expect(steps).toBeGreaterThanOrEqual(2);
    expect(steps).toBeLessThanOrEqual(6); // one round a second, not full speed
    await page.getByTestId('slow-motion').uncheck();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > steps + 20,
      30_000,
      'full speed again',
    );
  });
});
