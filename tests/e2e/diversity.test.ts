import { mkdirSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { numberIn, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
const SHOTS = 'tmp/e2e-screenshots';

/** The diversity shown and whether the collapse warning is there, read in one go (the panel may update between reads). */
function reading(page: Page): Promise<{ diversity: string; warning: string | null; status: string }> {
  return page.evaluate(() => ({
    // Not checked: says in a timeout's message how far training got.
    status: `${document.querySelector('[data-testid="status"]')?.textContent ?? ''} at step ${document.querySelector('[data-testid="step-count"]')?.textContent ?? ''}`,
    diversity: document.querySelector('[data-testid="sample-diversity"]')?.textContent ?? '',
    warning: document.querySelector('[data-testid="collapse-warning"]')?.textContent ?? null,
  }));
}

describe('the collapse signal', () => {
  it('shows the samples’ diversity beside SWD, with its explanation, and no warning while it is at or above 0.5', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&res=16&width=8&batch=8&qualityEveryMs=1500`);
    const { page } = session;
    await waitFor(
      () => numberIn(page, 'quality-metric'),
      (v) => Number.isFinite(v),
      60_000,
      'a first SWD',
    );
    const { diversity, warning } = await reading(page);
    expect(diversity).toMatch(/^\d+\.\d\d$/);
    // The warning follows the number shown (an untrained or healthy G reads ≈ 1 at this size; a dip below 0.5 warns).
    expect(warning !== null).toBe(Number(diversity) < 0.5);
    expect(await page.locator('[data-help="explain.diversity"]').count()).toBe(1);
    expect(session.errors).toEqual([]);
  });

  it('warns in plain words, in both languages, when the samples collapse to a few images', async () => {
    // D frozen (dSteps 0) and a fast G: G climbs to the few images the untrained D likes best, the textbook mode
    // collapse (in Node, this setup read diversity 0.42 at step 100 and 0.13 at 300).
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&res=16&width=8&batch=8&dSteps=0&lrG=0.01&qualityEveryMs=1000`);
    const { page } = session;
    const seen = await waitFor(
      () => reading(page),
      (r) => r.warning !== null,
      150_000,
      'the collapse warning',
    );
    expect(Number(seen.diversity)).toBeLessThan(0.5);
    expect(seen.warning).toMatch(/samples look alike .*collapsing/);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('.quality').screenshot({ path: `${SHOTS}/collapse-warning.png` });
    await page.getByTestId('lang-switch').click();
    await waitFor(
      () => reading(page),
      (r) => r.warning !== null && r.warning.includes('模式崩溃'),
      10_000,
      'the warning in Chinese',
    );
    expect(session.errors).toEqual([]);
  });
});
