import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { goodImages } from './images.ts';

const open = pagePerTest();

describe('nothing leaves the machine', () => {
  it('a whole session (load, upload, train, export) requests nothing from another origin, under a strict CSP', async () => {
    const base = inject('baseUrl');
    const session = await open(`${base}/?backend=wasm&dataset=none&autostart=0&res=16&width=8&batch=4`);
    const { page, context } = session;
    const origins = new Set<string>();
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol.startsWith('http')) origins.add(url.origin);
    });
    await page.reload();
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
    expect(csp).toMatch(/default-src 'self'/);
    await page.getByTestId('dataset-input').setInputFiles(goodImages());
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n === 6,
      30_000,
      'images',
    );
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      30_000,
      'ready',
    );
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 10,
      60_000,
      'training',
    );
    await page.getByTestId('train-toggle').click();
    await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);
    expect([...origins]).toEqual([new URL(base).origin]);
    expect(session.errors).toEqual([]);
  });
});

describe('offline after load', () => {
  it('trains, saves and switches to a drawn set with no network; a set it cannot fetch is refused and the data kept', async () => {
    const { page, context } = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&autostart=0&res=16&width=8&batch=4`);
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      60_000,
      'faces ready',
    );
    await context.setOffline(true);
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 10,
      60_000,
      'training offline',
    );
    await page.getByTestId('train-toggle').click();
    await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);

    // The emoji animals are a file on the server: offline, the page says so and keeps the faces.
    await page.getByTestId('dataset-builtin').selectOption('animals');
    await waitFor(
      () => textOf(page, 'notices'),
      (t) => /offline/.test(t),
      30_000,
      'an offline notice',
    );
    expect(await numberIn(page, 'dataset-count')).toBe(110);
    expect(await textOf(page, 'status')).toMatch(/^paused/);
    // Shapes are drawn by code: they load offline.
    await page.getByTestId('dataset-builtin').selectOption('shapes');
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n !== 110,
      30_000,
      'shapes offline',
    );
  });
});
