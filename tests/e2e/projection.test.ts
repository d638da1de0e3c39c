import { mkdirSync, readFileSync } from 'node:fs';
import { GifReader } from 'omggif';
import { describe, expect, inject, it } from 'vitest';
import { axeProblemsIn } from './axe.ts';
import { numberIn, textOf, waitFor } from './browser.ts';
import { PNG } from 'pngjs';
import { pngFile } from './images.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
/** Where the suite leaves its screenshots (as ui.test.ts). */
const SHOTS = 'tmp/e2e-screenshots';

/** A "photo": a warm disc on a cool background, not square, so the crop rule applies. */
const photo = () => pngFile('my-photo.png', 40, (x, y) => ((x - 20) ** 2 + (y - 18) ** 2 < 150 ? [230, 160, 90] : [40, 70, 120]));

/** A wide picture: red on the left half, blue on the right. */
function wideFile() {
  const [w, h] = [64, 32];
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) png.data.set(x < w / 2 ? [220, 40, 40, 255] : [40, 60, 220, 255], (y * w + x) * 4);
  return { name: 'wide.png', mimeType: 'image/png', buffer: PNG.sync.write(png) };
}

/** Mean red and blue of a canvas's rows [from, to) (all rows when absent), 0–255. */
const meanColour = (page: import('playwright-core').Page, testId: string, rows?: [number, number]) =>
  page.getByTestId(testId).evaluate((el, rows) => {
    const c = el as HTMLCanvasElement;
    const [from, to] = rows ?? [0, c.height];
    const d = c.getContext('2d')!.getImageData(0, from, c.width, to - from).data;
    let [r, b] = [0, 0];
    for (let i = 0; i < d.length; i += 4) [r, b] = [r + d[i]!, b + d[i + 2]!];
    return { r: r / (d.length / 4), b: b / (d.length / 4), width: c.width };
  }, rows);

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
    // The interpolation saved as an animated GIF: the strip's frames there and back, by keyboard.
    await page.getByRole('button', { name: 'Save the interpolation (GIF)' }).focus();
    const [gifDownload] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(gifDownload.suggestedFilename()).toMatch(/\.gif$/);
    const gif = new GifReader(readFileSync((await gifDownload.path())!));
    expect(gif.numFrames()).toBe(14); // 8 frames forward, 6 back
    expect(gif.width).toBe(256); // 16 px frames, enlarged ×16
    expect(await numberIn(page, 'step-count')).toBeGreaterThan(stepBefore); // training went on throughout
    expect(session.errors).toEqual([]);
  });

  it('says in Chinese how close the fit is, for a training image, while paused, searching with the discriminator’s features', async () => {
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
    // The crop control and the noise-map box speak Chinese too.
    await page.getByTestId('projection-input').setInputFiles(wideFile());
    await page.getByTestId('projection-crop').waitFor();
    expect(await panel.locator('.projection-crop legend').textContent()).toBe('裁剪与缩放');
    await expect.poll(() => panel.getByRole('checkbox', { name: '同时拟合噪声图（NVlabs 的正则项）' }).count()).toBe(1);
    expect(await panel.getByRole('slider', { name: '缩放' }).getAttribute('aria-valuetext')).toBe('中心正方形的 1.00 倍');
    await panel.getByRole('spinbutton', { name: /^训练图片编号/ }).fill('2');
    await panel.getByRole('spinbutton', { name: '步数', exact: true }).fill('40');
    // The objective with the discriminator's features, chosen by keyboard; the page says what the distances shown are.
    const objective = page.getByTestId('projection-objective');
    expect(await objective.evaluate((el) => (el.closest('label')?.textContent ?? '').trim())).toMatch(/^最小化/);
    await objective.focus();
    await page.keyboard.press('ArrowDown');
    expect(await objective.inputValue()).toBe('pyramid+d');
    expect(await panel.textContent()).toContain('显示的距离和镜像尺子仍然只是金字塔距离');
    await page.getByTestId('projection-start').click();
    await waitFor(
      () => textOf(page, 'projection-distance'),
      (t) => t.includes('最终距离'),
      60_000,
      'the projection to finish',
    );
    const verdict = (await page.locator('.projection-verdict').textContent()) ?? '';
    expect(verdict).toContain('镜像');
    expect(verdict).toContain('通过最小化金字塔距离加判别器特征找到的');
    expect(verdict).toMatch(/最近的训练图片|离所有训练图片都很远/);
    expect(await axeProblemsIn(page, '.projection')).toEqual([]);
    expect(session.errors).toEqual([]);
  });
  it('squares a wide picture with the crop and zoom control, by keyboard, and projects the square chosen', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=faces&model=stylegan&res=16&width=8&wDim=32&batch=4&autostart=0`);
    const { page } = session;
    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 2,
      60_000,
      'a few steps',
    );
    await page.getByTestId('train-toggle').click(); // pause
    await page.getByTestId('explorer').waitFor();
    await page.getByTestId('projection-input').setInputFiles(wideFile());
    await page.getByTestId('projection-crop').waitFor();
    const preview = () => meanColour(page, 'projection-crop-preview');
    // The dataset's rule first (the faces: the centre square), half red, half blue, at the model's size.
    await waitFor(preview, (p) => p.width === 16 && p.r > 90 && p.b > 90, 10_000, 'the centre square previewed');
    // Zoomed all the way out: the whole picture, letterboxed; the rows above it are the dataset's background, not the picture.
    await page.getByTestId('projection-zoom').focus();
    await page.keyboard.press('Home');
    await waitFor(
      async () => [await meanColour(page, 'projection-crop-preview', [0, 2]), await meanColour(page, 'projection-crop-preview', [7, 9])] as const,
      ([top, middle]) => Math.abs(top.r - middle.r) + Math.abs(top.b - middle.b) > 60,
      10_000,
      'the letterbox previewed',
    );
    await page.getByRole('button', { name: 'Reset the square' }).click();
    // Slid to the left end: the left half, all red.
    await page.getByTestId('projection-pan-x').focus();
    await page.keyboard.press('Home');
    await waitFor(preview, (p) => p.r > 180 && p.b < 80, 10_000, 'the left square previewed');
    expect(await axeProblemsIn(page, '.projection')).toEqual([]);
    await page.locator('.projection').getByRole('spinbutton', { name: 'steps', exact: true }).fill('20');
    await page.getByTestId('projection-start').focus();
    await page.keyboard.press('Enter');
    // The Worker's target (the square as the model sees it) is that red square, not the centre one.
    await page.getByTestId('projection-target').waitFor();
    await waitFor(
      () => meanColour(page, 'projection-target'),
      (p) => p.width === 16,
      30_000,
      'the target drawn',
    );
    const target = await meanColour(page, 'projection-target');
    expect(target.r).toBeGreaterThan(180);
    expect(target.b).toBeLessThan(80);
    await waitFor(
      () => textOf(page, 'projection-distance'),
      (t) => t.startsWith('final'),
      60_000,
      'the projection to finish',
    );
    // With a pointer: dragging the square across the overview to the right takes the blue half.
    const box = (await page.getByTestId('projection-crop').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitFor(preview, (p) => p.b > 180 && p.r < 80, 10_000, 'the right square previewed after a drag');
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('.projection').screenshot({ path: `${SHOTS}/projection-crop.png` });
    expect(session.errors).toEqual([]);
  });
});
