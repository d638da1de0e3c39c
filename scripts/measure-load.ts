/**
 * How long a 1,000-image folder takes to load in the page: generates N distinct PNGs (and a
 * few bad files), hands them to the file input of the production build in headless Chromium,
 * and times until the dataset count shows them.   npx tsx scripts/measure-load.ts [N] [side]
 */
import { PNG } from 'pngjs';
import { preview } from 'vite';
import { numberIn, openPage, textOf, waitFor } from '../tests/e2e/browser.ts';

const n = Number(process.argv[2] ?? 1000);
const side = Number(process.argv[3] ?? 128);

function image(i: number): Buffer {
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) png.data.set([(x * 7 + i * 13) % 256, (y * 5 + i * 31) % 256, (x * y + i) % 256, 255], (y * side + x) * 4);
  png.data.set([i & 255, i >> 8, 7, 255], 0); // pixel 0 encodes i, so no two files are duplicates
  return PNG.sync.write(png);
}

const files = Array.from({ length: n }, (_, i) => ({ name: `photos/img-${i}.png`, mimeType: 'image/png', buffer: image(i) }));
const bytes = files.reduce((s, f) => s + f.buffer.length, 0);
const server = await preview({ preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
try {
  const s = await openPage(`${server.resolvedUrls!.local[0]}?dataset=none&autostart=0&backend=wasm&res=32`);
  await waitFor(
    () => textOf(s.page, 'status'),
    (t) => t.startsWith('idle'),
    60_000,
    'ready',
  );
  const t0 = Date.now();
  await s.page.getByTestId('dataset-input').setInputFiles(files);
  await waitFor(
    () => numberIn(s.page, 'dataset-count'),
    (c) => c === n,
    600_000,
    `${n} images`,
  );
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `${n} PNGs of ${side}×${side} (${(bytes / 2 ** 20).toFixed(1)} MB) loaded and prepared at 32×32 in ${secs.toFixed(1)} s (${(n / secs).toFixed(0)} images/s), headless Chromium, wasm backend`,
  );
  await s.close();
} finally {
  await server.close();
}
