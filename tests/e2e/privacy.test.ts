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
    await waitFor(() => numberIn(page, 'dataset-count'), (n) => n === 6, 30_000, 'images');
    await waitFor(() => textOf(page, 'status'), (t) => t.startsWith('idle'), 30_000, 'ready');
    await page.getByTestId('train-toggle').click();
    await waitFor(() => numberIn(page, 'step-count'), (n) => n > 10, 60_000, 'training');
    await page.getByTestId('train-toggle').click();
    await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);
    expect([...origins]).toEqual([new URL(base).origin]);
    expect(session.errors).toEqual([]);
  });
});
