import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

describe('perceptual path length', () => {
  it('is measured in W on demand from the explorer while a StyleGAN keeps training', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&model=stylegan&res=16&width=8&wDim=32&batch=4&lang=en`);
    const { page } = session;
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training'),
      60_000,
      'training',
    );
    expect(await textOf(page, 'ppl-value')).not.toMatch(/\d/);
    await page.getByTestId('ppl-measure').click();
    const value = await waitFor(
      () => numberIn(page, 'ppl-value'),
      (v) => Number.isFinite(v),
      60_000,
      'a path length',
    );
    expect(value).toBeGreaterThan(0);
    expect(await page.locator('.ppl').textContent()).toMatch(/in W · step \d+ · median [\d.e+-]+, 90th percentile [\d.e+-]+ over 256 pairs/);
    const step = await numberIn(page, 'step-count');
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > step + 3,
      60_000,
      'training to go on',
    );
    expect(session.errors).toEqual([]);
  });
});
