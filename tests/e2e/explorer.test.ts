import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor, type Session } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

/** Distinct 8-pixel-sampled tiles of a canvas: how many different images a grid shows. */
const distinctTiles = (s: Session, testId: string, rows: number, cols: number) =>
  s.page.getByTestId(testId).evaluate(
    (c, [rows, cols]) => {
      const canvas = c as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const tw = (canvas.width + 1) / cols - 1;
      const th = (canvas.height + 1) / rows - 1;
      const seen = new Set<string>();
      for (let r = 0; r < rows; r++)
        for (let q = 0; q < cols; q++) {
          if (r === 0 && q === 0) continue; // the blank corner
          seen.add(Array.from(ctx.getImageData(q * (tw + 1), r * (th + 1), tw, th).data.filter((_, i) => i % 97 === 0)).join(','));
        }
      return seen.size;
    },
    [rows, cols] as const,
  );

describe('explorer', () => {
  it('mixes styles, truncates and interpolates a StyleGAN while it keeps training', async () => {
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
    expect(await distinctTiles(session, 'style-mix-grid', 4, 5)).toBeGreaterThan(10);

    const stepBefore = await numberIn(page, 'step-count');
    const strip = () => page.getByTestId('interpolation').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const before = await strip();
    await page.getByTestId('truncation').fill('0');
    // ψ = 0: every image is the average one, so the whole strip collapses to one picture.
    await waitFor(
      () => distinctTiles(session, 'interpolation', 1, 8),
      (n) => n === 1,
      30_000,
      'ψ = 0 to collapse the strip',
    );
    expect(await strip()).not.toBe(before);
    await page.getByTestId('sample-grid').click({ position: { x: 5, y: 5 } });
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > stepBefore + 5,
      60_000,
      'training to continue',
    );
    expect(session.errors).toEqual([]);
  });

  it.each(['webgl', 'webgpu'] as const)('trains StyleGAN with lazy R1 (a double gradient) on %s', async (backend) => {
    const session = await open(
      `${inject('baseUrl')}/?backend=${backend}&dataset=shapes&model=stylegan&res=16&width=4&wDim=8&mappingLayers=1&batch=2&r1Every=2&reportEvery=1&sampleEveryMs=5000`,
    );
    const { page } = session;
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 3,
      200_000,
      'StyleGAN steps past an R1 step',
    );
    expect(await textOf(page, 'status')).toMatch(/^training: .*StyleGAN.*on /);
    expect(await textOf(page, 'backend')).toContain(backend);
    expect(await page.getByTestId('readout').textContent()).not.toMatch(/NaN/);
    expect(session.errors).toEqual([]);
  });
});
