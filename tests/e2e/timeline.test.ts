import { readFileSync } from 'node:fs';
import { GifReader } from 'omggif';
import { describe, expect, inject, it } from 'vitest';
import { numberIn, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

describe('timeline', () => {
  it('keeps grid snapshots, scrubs back to the start, and downloads the timelapse as a GIF', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&sampleEveryMs=100`);
    const { page } = session;
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 120,
      60_000,
      'training',
    );
    // Snapshots follow the pictures, whose pace follows the machine's speed: wait for three.
    await waitFor(
      async () => Number(await page.getByTestId('timeline-scrubber').getAttribute('max')),
      (max) => max >= 2,
      60_000,
      'three snapshots',
    );
    await page.getByTestId('train-toggle').click();
    await page.getByTestId('timeline-scrubber').fill('0');
    expect(await numberIn(page, 'timeline-step')).toBe(0);
    const snapshots = Number(await page.getByTestId('timeline-scrubber').getAttribute('max')) + 1;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-gif').click()]);
    expect(download.suggestedFilename()).toMatch(/\.gif$/);
    const gif = new GifReader(readFileSync((await download.path())!));
    expect(gif.numFrames()).toBeGreaterThanOrEqual(3);
    expect(gif.numFrames()).toBe(snapshots);

    const [webm] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-webm').click()]);
    const video = readFileSync((await webm.path())!);
    expect(Array.from(video.subarray(0, 4))).toEqual([0x1a, 0x45, 0xdf, 0xa3]); // EBML: a WebM container
    expect(video.length).toBeGreaterThan(1000);
    expect(session.errors).toEqual([]);
  });
});
