import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

describe('saved runs and project files', () => {
  it('autosaves on pause, survives a reload, resumes at the saved step, and round-trips a project file', async () => {
    const url = `${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4`;
    const session = await open(url);
    const { page } = session;
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 30,
      60_000,
      'some training',
    );
    await page.getByTestId('train-toggle').click(); // pause → autosave
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('paused'),
      10_000,
      'paused',
    );
    const saved = await numberIn(page, 'step-count');
    const runs = page.getByTestId('runs-list').locator('> *');
    await waitFor(
      () => runs.count(),
      (n) => n === 1,
      10_000,
      'one saved run',
    );
    expect(await runs.first().textContent()).toContain(`step ${saved}`);

    // A project file, exported and broken: refused with a reason, the current run untouched.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);
    const bytes = readFileSync((await download.path())!);
    expect(download.suggestedFilename()).toMatch(/\.ganvas$/);
    await page
      .getByTestId('import-project')
      .setInputFiles({ name: 'broken.ganvas', mimeType: 'application/zip', buffer: bytes.subarray(0, bytes.length >> 1) });
    await waitFor(
      () => textOf(page, 'notices'),
      (t) => /could not open broken\.ganvas: /.test(t),
      10_000,
      'a refusal',
    );
    expect(await numberIn(page, 'step-count')).toBe(saved);

    // The generator alone, as a tfjs model archive.
    const [generator] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-generator').click()]);
    expect(generator.suggestedFilename()).toMatch(/^ganvas-generator-step\d+\.zip$/);

    // Reload mid-run: the run is offered and resumes where it was.
    await page.goto(url.replace('dataset=shapes', 'dataset=none'));
    await waitFor(
      () => runs.count(),
      (n) => n === 1,
      30_000,
      'the run listed after reload',
    );
    await runs.first().getByRole('button', { name: 'Resume' }).click();
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('paused: opened'),
      30_000,
      'run opened',
    );
    expect(await numberIn(page, 'step-count')).toBe(saved);
    expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThan(0);
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > saved + 10,
      60_000,
      'training past the saved step',
    );

    // Duplicating a run adds a copy beside it.
    await runs.first().getByRole('button', { name: 'duplicate' }).click();
    await waitFor(
      () => runs.count(),
      (n) => n === 2,
      10_000,
      'a copy',
    );
    expect(await page.getByTestId('runs-list').textContent()).toContain('(copy)');

    // The exported file opens too.
    await page.getByTestId('train-toggle').click();
    await page.getByTestId('import-project').setInputFiles({ name: 'good.ganvas', mimeType: 'application/zip', buffer: bytes });
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.includes('opened'),
      30_000,
      'project opened',
    );
    expect(await numberIn(page, 'step-count')).toBe(saved);
    expect(session.errors).toEqual([]);
  });
});
