/**
 * Takes the README's screenshots from a real run: serves the production build (run
 * `npm run build` first), trains on the built-in faces in headless Chromium, and saves PNGs
 * under docs/.   npx tsx scripts/screenshots.ts [seconds]
 */
import { preview } from 'vite';
import { numberIn, openPage, textOf, waitFor } from '../tests/e2e/browser.ts';

const seconds = Number(process.argv[2] ?? 60);
const server = await preview({ preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
const base = server.resolvedUrls!.local[0]!;
try {
  const s = await openPage(`${base}?dataset=faces`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await s.page.getByTestId('train-toggle').click();
  await s.page.waitForTimeout(500);
  // The autoencoder beside it, for as many steps as the GAN had.
  await s.page.getByTestId('baseline-autoencoder').click();
  await waitFor(
    () => textOf(s.page, 'baseline-caption'),
    (t) => /The GAN/.test(t),
    300_000,
    'the baseline',
  );
  console.log(await textOf(s.page, 'baseline-caption'));
  await s.page.screenshot({ path: 'docs/screenshot.png', fullPage: true });
  console.log(`step ${await numberIn(s.page, 'step-count')} · ${await textOf(s.page, 'backend')} · ${await textOf(s.page, 'status')}`);
  // The timelapse of this run, as the page exports it.
  const [gif] = await Promise.all([s.page.waitForEvent('download'), s.page.getByTestId('export-gif').click()]);
  await gif.saveAs('docs/timelapse.gif');
  await s.page.getByTestId('lang-switch').click();
  await s.page.screenshot({ path: 'docs/screenshot-zh.png', fullPage: true });
  await s.page.getByTestId('lang-switch').click();
  await s.page.setViewportSize({ width: 390, height: 844 });
  await s.page.screenshot({ path: 'docs/screenshot-phone.png', fullPage: true });
  await s.page.setViewportSize({ width: 1280, height: 900 });
  await s.page.getByTestId('how-open').click();
  await s.page.getByTestId('how-it-works').waitFor();
  await s.page.screenshot({ path: 'docs/how-it-works.png' });
  await s.close();

  // StyleGAN with the explorer: mixing grid, truncation, interpolation.
  const g = await openPage(`${base}?dataset=faces&model=stylegan&res=16&width=16&wDim=64`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await g.page.getByTestId('train-toggle').click();
  await g.page.waitForTimeout(1500);
  await g.page.screenshot({ path: 'docs/stylegan.png', fullPage: true });
  console.log(`stylegan: step ${await numberIn(g.page, 'step-count')} · ${await textOf(g.page, 'status')}`);
  await g.close();
} finally {
  await server.close();
}
