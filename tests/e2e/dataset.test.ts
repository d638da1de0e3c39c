import { zipSync } from 'fflate';
import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { goodImages, pngFile } from './images.ts';

const open = pagePerTest();

const HEIC = Uint8Array.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic'), 0, 0, 0, 0, ...Buffer.from('mif1heic')]);

/** A zip as people make them: nested folders, OS junk, and a few bad files among good ones. */
function messyZip() {
  const [a, b] = goodImages();
  return {
    name: 'holiday <photos>.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(
      zipSync({
        'trip/a.png': a!.buffer,
        'trip/day2/b.png': b!.buffer,
        '__MACOSX/trip/._a.png': new Uint8Array([0, 5, 22, 7]),
        'trip/.DS_Store': new Uint8Array([0, 0, 0, 1]),
        'trip/phone.heic': HEIC,
        'trip/empty.png': new Uint8Array(0),
      }),
    ),
  };
}

describe('dataset loading in the page', () => {
  it('takes a zip and loose files, keeps the good ones, explains the bad ones, and still trains', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=none&autostart=0&res=16&width=8&batch=4`);
    const { page } = session;
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      60_000,
      'worker ready',
    );
    const loose = pngFile('loose.png', 20, (x) => [x * 10, 100, 200]);
    const truncated = { ...pngFile('cut "off".png', 20, () => [1, 2, 3]), name: 'cut "off".png' };
    truncated.buffer = truncated.buffer.subarray(0, truncated.buffer.length - 30);
    await page.getByTestId('dataset-input').setInputFiles([messyZip(), loose, truncated]);

    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n === 3,
      30_000,
      'three images kept',
    );
    const errors = await page.getByTestId('dataset-errors').locator('> *').allTextContents();
    expect(errors).toHaveLength(3); // heic, empty, truncated; junk is ignored silently
    expect(errors.join('\n')).toMatch(/phone\.heic.*HEIC/);
    expect(errors.join('\n')).toMatch(/empty\.png.*empty/);
    expect(errors.join('\n')).toMatch(/cut "off"\.png.*truncated/i);
    expect(errors.join('\n')).not.toMatch(/DS_Store|MACOSX/);
    expect(
      await page
        .locator('.rejections li strong')
        .first()
        .evaluate((e) => e.children.length),
    ).toBe(0); // names are text

    // Letterboxing instead of cropping prepares the same images again.
    await page.getByTestId('dataset-fit').selectOption('pad');
    await waitFor(
      () => page.getByTestId('dataset-fit').inputValue(),
      (v) => v === 'pad',
      10_000,
      'fit applied',
    );
    expect(await numberIn(page, 'dataset-count')).toBe(3);

    // Removing one file keeps the rest.
    await page.getByText('3 image file(s)').click();
    await page.getByRole('button', { name: 'remove loose.png' }).click();
    await waitFor(
      () => numberIn(page, 'dataset-count'),
      (n) => n === 2,
      10_000,
      'one removed',
    );

    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      30_000,
      'model ready',
    );
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 5,
      60_000,
      'training steps',
    );
    expect(session.errors).toEqual([]);
  });
});
