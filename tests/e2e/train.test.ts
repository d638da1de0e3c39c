import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor, type Session } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { goodImages, notAnImage } from './images.ts';

const open = pagePerTest();

/** The grid's pixels as a data URL, to compare two moments of training. */
const gridPixels = (s: Session) => s.page.getByTestId('sample-grid').evaluate((c) => (c as HTMLCanvasElement).toDataURL());

/** DiffAugment's three ops on: on WebGPU colour and cutout then run Ganvas's own WGSL kernels. */
const AUGMENT = 'augColor=1&augTranslation=1&augCutout=1';

describe.each(['webgl', 'webgpu', 'wasm'] as const)('training on %s', (backend) => {
  it('uploads images, rejects a bad file, trains with augmentation and shows live samples and losses', async () => {
    const session = await open(
      `${inject('baseUrl')}/?backend=${backend}&dataset=none&autostart=0&res=16&width=8&batch=4&reportEvery=1&sampleEveryMs=200&${AUGMENT}`,
    );
    const { page } = session;
    await waitFor(
      () => textOf(page, 'backend'),
      (t) => t.includes(backend),
      60_000,
      `backend ${backend}`,
    );
    // On WebGPU the fused kernels (ours, in WGSL) must pass their start-up check in Chromium's adapter and be the ones training.
    const kernels = page.getByTestId('backend-kernels');
    if (backend === 'webgpu') expect(await kernels.getAttribute('data-fused')).toBe('on');
    else expect(await kernels.count()).toBe(0);

    await page.getByTestId('dataset-input').setInputFiles([...goodImages(), notAnImage]);
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n === 6,
      30_000,
      'six images accepted',
    );
    const errors = page.getByTestId('dataset-errors').locator('> *');
    expect(await errors.count()).toBe(1);
    expect(await errors.first().textContent()).toMatch(/notes\.png.*not an image/i);

    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      30_000,
      'model ready',
    );
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training'),
      10_000,
      'status training',
    );
    const first = await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 2,
      120_000,
      'steps',
    );
    const before = await gridPixels(session);
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= first + 6,
      120_000,
      'more steps',
    );
    await waitFor(
      () => gridPixels(session),
      (after) => after !== before,
      30_000,
      'the grid to change',
    );
    const points = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
    expect(points).toBeGreaterThan(0);
    expect(await textOf(page, 'status')).toMatch(/^training/);
    expect(await textOf(page, 'backend')).toContain(backend);
    expect(session.errors).toEqual([]);
  });
});
