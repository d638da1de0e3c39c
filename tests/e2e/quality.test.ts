import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

describe('quality', () => {
  it('measures SWD as it trains, keeps the best snapshot, finds nearest training images, and goes back to the best', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=8&qualityEveryMs=1500`);
    const { page } = session;
    const first = await waitFor(
      () => numberIn(page, 'quality-metric'),
      (v) => Number.isFinite(v),
      60_000,
      'a first SWD',
    );
    await waitFor(
      () => numberIn(page, 'quality-metric'),
      (v) => v !== first,
      60_000,
      'a second SWD',
    );
    const best = await page.getByTestId('back-to-best').textContent();
    expect(Number(best!.match(/SWD ([\d.]+)/)![1])).toBeLessThanOrEqual(first);

    await page.getByTestId('check-nearest').click();
    await waitFor(
      () => page.getByTestId('nearest-grid').evaluate((c) => (c as HTMLCanvasElement).width),
      (w) => w > 16,
      20_000,
      'nearest grid',
    );

    await page.getByTestId('back-to-best').click();
    const status = await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('paused: back at step'),
      20_000,
      'back to best',
    );
    expect(await numberIn(page, 'step-count')).toBe(Number(status.match(/step (\d+)/)![1]));
    expect(session.errors).toEqual([]);
  });
});

describe('the autoencoder baseline', () => {
  it('trains beside the GAN and shows its blurry samples with an SWD measured like the GAN’s', async () => {
    const { page } = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&autostart=0&res=16&width=8&batch=8&sampleEveryMs=300`);
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      60_000,
      'idle',
    );
    await page.getByTestId('train-step').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 1,
      30_000,
      'a GAN step',
    );
    await page.getByTestId('baseline-autoencoder').click();
    const caption = await waitFor(
      () => textOf(page, 'baseline-caption'),
      (t) => /SWD [\d.]+\. The GAN: SWD [\d.]+/.test(t),
      120_000,
      'the baseline done and scored',
    );
    expect(caption).toMatch(/^Autoencoder after 50 steps/);
    expect(await page.getByTestId('baseline-grid').evaluate((c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(16);
  });
});

describe('the VAE as the main model', () => {
  it('trains from ?model=vae with its own losses on the chart and no game controls', async () => {
    const { page } = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&model=vae&res=16&width=8&batch=8&qualityEveryMs=1500`);
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 20,
      60_000,
      'VAE steps',
    );
    expect(await textOf(page, 'readout')).toMatch(/reconstruction error \d/);
    expect(await page.getByTestId('game-controls').count()).toBe(0);
    expect(await page.getByTestId('loss-chart').textContent()).toMatch(/reconstruction/);
    await waitFor(
      () => numberIn(page, 'quality-metric'),
      (v) => Number.isFinite(v),
      60_000,
      'an SWD for the VAE',
    );
  });
});
