/**
 * The product as people meet it: the plain URL (no test parameters), a first visit that trains on
 * the built-in faces by itself, and the person's own images added while it trains — by file
 * picker, folder, zip, drop, and by switching the built-in set — then while paused and during
 * the start-up size test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { ownImages } from './images.ts';

const open = pagePerTest();

const status = (page: Page) => textOf(page, 'status');
const runName = (page: Page) =>
  page
    .getByTestId('run-name')
    .textContent()
    .then((t) => t ?? '');
const gridStep = (page: Page) => page.getByTestId('sample-grid').getAttribute('data-step').then(Number);
const runsText = (page: Page) => textOf(page, 'runs-list');

/**
 * After new data: within seconds the loop trains again, on a fresh model named `name` whose own
 * grid is shown (its step restarted below where the old model was), and the old run is saved.
 */
async function trainsFresh(page: Page, name: RegExp, before: { step: number; run: string }) {
  await waitFor(
    () => runName(page),
    (r) => name.test(r),
    30_000,
    `a run named ${name}`,
  );
  await waitFor(
    () => status(page),
    (t) => t.startsWith('training'),
    20_000,
    'training again',
  );
  const grid = await waitFor(
    () => gridStep(page),
    (s) => s < before.step,
    10_000,
    'the fresh model’s grid',
  );
  expect(grid).toBeLessThan(before.step);
  expect(await page.getByTestId('data-change').getAttribute('data-change')).toBe('fresh');
  await waitFor(
    () => runsText(page),
    (t) => t.includes(before.run),
    10_000,
    `the previous run "${before.run}" saved`,
  );
  // The fresh model really learns: steps go on and the grid follows them.
  const from = await numberIn(page, 'step-count');
  await waitFor(
    () => numberIn(page, 'step-count'),
    (n) => n >= from + 5,
    30_000,
    'steps on the new data',
  );
  await waitFor(
    () => gridStep(page),
    (s) => s > 0,
    10_000,
    'a grid from the trained model',
  );
}

/** Where the run stands now, to compare after the next change. */
async function here(page: Page) {
  await waitFor(
    () => numberIn(page, 'step-count'),
    (n) => n >= 10,
    60_000,
    'a few steps',
  );
  return { step: await numberIn(page, 'step-count'), run: await runName(page) };
}

/** A drop as the browser makes one: files in a DataTransfer, dropped on the drop zone. */
async function drop(page: Page, files: { name: string; buffer: Buffer }[]) {
  const payload = files.map((f) => ({ name: f.name, bytes: [...f.buffer] }));
  await page.evaluate((items) => {
    const data = new DataTransfer();
    for (const f of items) data.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: 'image/png' }));
    const zone = document.querySelector('.dropzone')!;
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, payload);
}

describe('first visit: open the page, add your images, watch it learn', () => {
  it('every way of adding data while it trains starts a fresh model on that data, keeps the old run, and Pause works', async () => {
    const session = await open(`${inject('baseUrl')}/`);
    const { page } = session;
    await waitFor(
      () => status(page),
      (t) => t.startsWith('training'),
      120_000,
      'the first visit training by itself',
    );
    expect(await runName(page)).toMatch(/^faces · \d+$/);

    // 1. Files from the picker.
    let before = await here(page);
    await page.getByTestId('dataset-input').setInputFiles(ownImages(24));
    await trainsFresh(page, /^my images · 24$/, before);
    expect(await numberIn(page, 'dataset-count')).toBe(24);
    expect(await textOf(page, 'data-change')).toContain(before.run);

    // Pause works, and so does Resume.
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => status(page),
      (t) => t.startsWith('paused'),
      15_000,
      'paused',
    );
    const paused = await numberIn(page, 'step-count');
    await new Promise((r) => setTimeout(r, 500));
    expect(await numberIn(page, 'step-count')).toBe(paused);
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => status(page),
      (t) => t.startsWith('training'),
      15_000,
      'training again',
    );

    // 2. Another built-in set.
    before = await here(page);
    await page.getByTestId('dataset-builtin').selectOption('shapes');
    await trainsFresh(page, /^shapes · \d+$/, before);

    // 3. A zip, named after itself.
    before = await here(page);
    const zip = zipSync(Object.fromEntries(ownImages(8, 'trip').map((f) => [`holiday/${f.name}`, new Uint8Array(f.buffer)])));
    await page.getByTestId('dataset-input').setInputFiles({ name: 'holiday.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await trainsFresh(page, /^holiday · 8$/, before);

    // 4. A folder, named after itself (from a built-in set again, so it is new data).
    await page.getByTestId('dataset-builtin').selectOption('animals');
    await waitFor(
      () => runName(page),
      (r) => r.startsWith('animals'),
      30_000,
      'animals',
    );
    before = await here(page);
    const dir = mkdtempSync(join(tmpdir(), 'ganvas-folder-'));
    mkdirSync(join(dir, 'pets'));
    for (const f of ownImages(10, 'pet')) writeFileSync(join(dir, 'pets', f.name), f.buffer);
    await page.getByTestId('dataset-folder').setInputFiles(join(dir, 'pets'));
    await trainsFresh(page, /^pets · 10$/, before);
    rmSync(dir, { recursive: true, force: true });

    // 5. A drop onto the page.
    await page.getByTestId('dataset-builtin').selectOption('shapes');
    await waitFor(
      () => runName(page),
      (r) => r.startsWith('shapes'),
      30_000,
      'shapes',
    );
    before = await here(page);
    await drop(page, ownImages(6, 'dropped'));
    await trainsFresh(page, /^my images · 6$/, before);

    // 6. More of the person's own images: the same model continues on all of them, and a fresh
    //    start is one click away.
    before = await here(page);
    await page.getByTestId('dataset-input').setInputFiles(ownImages(4, 'more', 100));
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n === 10,
      30_000,
      'appended',
    );
    await waitFor(
      () => page.getByTestId('data-change').getAttribute('data-change'),
      (c) => c === 'appended',
      10_000,
      'the continue notice',
    );
    await waitFor(
      () => status(page),
      (t) => t.startsWith('training'),
      20_000,
      'still training',
    );
    expect(await runName(page)).toBe(before.run);
    expect(await numberIn(page, 'step-count')).toBeGreaterThanOrEqual(before.step); // continued, not restarted
    await page.getByTestId('data-start-fresh').click();
    await waitFor(
      () => gridStep(page),
      (s) => s < before.step,
      20_000,
      'a fresh model on all ten',
    );
    await waitFor(
      () => status(page),
      (t) => t.startsWith('training'),
      20_000,
      'training the fresh model',
    );

    // Every earlier run is there to go back to.
    const saved = await runsText(page);
    for (const name of [/faces · \d+/, /my images · 24/, /shapes · \d+/, /holiday · 8/, /animals · \d+/, /pets · 10/]) expect(saved).toMatch(name);
    expect(session.errors).toEqual([]);
  });

  it('takes images during the start-up size test and while paused, and speaks the browser’s language', async () => {
    const session = await open(`${inject('baseUrl')}/`, { locale: 'zh-CN' });
    const { page } = session;
    // Straight away, while the Worker is still starting and timing the sizes.
    await waitFor(
      () => page.getByTestId('dataset-input').count(),
      (n) => n === 1,
      30_000,
      'the file input',
    );
    expect(await status(page)).toMatch(/^loading/);
    await page.getByTestId('dataset-input').setInputFiles(ownImages(12));
    await waitFor(
      () => runName(page),
      (r) => r === '我的图片 · 12',
      120_000,
      'a run on the person’s images',
    );
    await waitFor(
      () => status(page),
      (t) => t.startsWith('training'),
      30_000,
      'training on them',
    );
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 10,
      60_000,
      'a few steps',
    );

    // Paused, then another built-in set: a fresh model that waits for Train; the run is kept.
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => status(page),
      (t) => t.startsWith('paused'),
      15_000,
      'paused',
    );
    await page.getByTestId('dataset-builtin').selectOption('shapes');
    await waitFor(
      () => runName(page),
      (r) => r.startsWith('shapes'),
      30_000,
      'the shapes run',
    );
    await waitFor(
      () => status(page),
      (t) => t.startsWith('idle'),
      20_000,
      'a fresh model, waiting',
    );
    expect(await numberIn(page, 'step-count')).toBe(0);
    const notice = await textOf(page, 'data-change');
    expect(notice).toContain('我的图片 · 12'); // the saved run, named in the sentence
    expect(notice).toMatch(/新模型/); // in Chinese, as the browser asked
    await waitFor(
      () => runsText(page),
      (t) => t.includes('我的图片 · 12'),
      10_000,
      'the paused run saved',
    );
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 5,
      60_000,
      'training the new set',
    );
    expect(session.errors).toEqual([]);
  });
});
