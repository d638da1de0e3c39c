import { mkdirSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { axeProblemsIn } from './axe.ts';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pngFile } from './images.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
/** Where the suite leaves its screenshots (as ui.test.ts). */
const SHOTS = 'tmp/e2e-screenshots';

/** A "photo": a warm disc on a cool background, not square, so the crop rule applies. */
const photo = () => pngFile('my-photo.png', 40, (x, y) => ((x - 20) ** 2 + (y - 18) ** 2 < 150 ? [230, 160, 90] : [40, 70, 120]));

const canvasUrl = (page: import('playwright-core').Page, testId: string) => page.getByTestId(testId).evaluate((c) => (c as HTMLCanvasElement).toDataURL());

describe('projection', () => {
  it('drops a photo, watches the distance go down, then style-mixes and interpolates it while training runs', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&model=stylegan&res=16&width=8&wDim=32&batch=4&sampleEveryMs=300`);
    const { page } = session;
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training') && t.includes('StyleGAN'),
      60_000,
      'StyleGAN training',
    );
    await page.getByTestId('explorer').waitFor();
    await waitFor(
      () => page.getByTestId('style-mix-grid').evaluate((c) => (c as HTMLCanvasElement).width),
      (w) => w > 1,
      30_000,
      'mixing grid drawn',
    );
    const mixBefore = await canvasUrl(page, 'style-mix-grid');
    const stepBefore = await numberIn(page, 'step-count');

    await page.getByTestId('projection-input').setInputFiles(photo());
    await page.locator('.projection').getByRole('spinbutton', { name: 'steps', exact: true }).fill('120');
    // Keyboard-reachable: focus the button and press Enter.
    await page.getByTestId('projection-start').focus();
    await page.keyboard.press('Enter');

    const seen: number[] = [];
    const distance = () => numberIn(page, 'projection-distance');
    await waitFor(
      async () => {
        const d = await distance();
        if (Number.isFinite(d) && d !== seen[seen.length - 1]) seen.push(d);
        return (await textOf(page, 'projection-distance')).startsWith('final');
      },
      (done) => done,
      90_000,
      'the projection to finish',
    );
    const final = await distance();
    // Streamed while running (several distinct values), and lower at the end than at the first report.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(final).toBeLessThan(seen[0]!);
    expect(await page.getByTestId('projection-view').evaluate((c) => (c as HTMLCanvasElement).width)).toBe(16);
    // The honest yardsticks: the mirror distance and the nearest training image.
    const verdict = (await page.locator('.projection-verdict').textContent()) ?? '';
    expect(verdict).toMatch(/mirror image is \d/);
    expect(verdict).toMatch(/Nearest training image|far from every training image/);
    // The finished panel (result, yardsticks, pin buttons) is as accessible as the rest of the page.
    expect(await axeProblemsIn(page, '.projection')).toEqual([]);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('.projection').screenshot({ path: `${SHOTS}/projection.png` });

    // The projected picture is now pin A: the explorer says so and redraws its mix and strip from it.
    await waitFor(
      () => page.locator('#explore-heading + .hint').textContent(),
      (t) => (t ?? '').includes('my-photo.png'),
      10_000,
      'the photo to be pin A',
    );
    await waitFor(
      () => canvasUrl(page, 'style-mix-grid'),
      (u) => u !== mixBefore,
      30_000,
      'the mixing grid to use the photo',
    );
    const strip = await canvasUrl(page, 'interpolation');
    // Pin B as the photo too: the interpolation from the photo to itself is one picture repeated.
    await page.getByRole('button', { name: 'Use as pin B' }).click();
    await waitFor(
      () => canvasUrl(page, 'interpolation'),
      (u) => u !== strip,
      30_000,
      'the strip to change with pin B',
    );
    expect(await numberIn(page, 'step-count')).toBeGreaterThan(stepBefore); // training went on throughout
    expect(session.errors).toEqual([]);
  });

  it('says in Chinese how close the fit is, for a training image, while paused', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&model=stylegan&res=16&width=8&wDim=32&batch=4&autostart=0&lang=zh`);
    const { page } = session;
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 3,
      60_000,
      'a few steps',
    );
    await page.getByTestId('train-toggle').click(); // pause
    await page.getByTestId('explorer').waitFor();
    const panel = page.locator('.projection');
    await panel.getByRole('spinbutton', { name: /^训练图片编号/ }).fill('2');
    await panel.getByRole('spinbutton', { name: '步数', exact: true }).fill('40');
    await page.getByTestId('projection-start').click();
    await waitFor(
      () => textOf(page, 'projection-distance'),
      (t) => t.includes('最终距离'),
      60_000,
      'the projection to finish',
    );
    const verdict = (await page.locator('.projection-verdict').textContent()) ?? '';
    expect(verdict).toContain('镜像');
    expect(verdict).toMatch(/最近的训练图片|离所有训练图片都很远/);
    expect(await axeProblemsIn(page, '.projection')).toEqual([]);
    expect(session.errors).toEqual([]);
  });
});
