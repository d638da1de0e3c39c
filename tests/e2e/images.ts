/** Small generated image files for upload tests. */
import { PNG } from 'pngjs';

export function pngFile(name: string, size: number, colour: (x: number, y: number) => [number, number, number]) {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const [r, g, b] = colour(x, y);
      png.data.set([r, g, b, 255], (y * size + x) * 4);
    }
  return { name, mimeType: 'image/png', buffer: PNG.sync.write(png) };
}

/** Six distinct images: stripes and blobs in a few colours. */
export function goodImages() {
  return Array.from({ length: 6 }, (_, i) =>
    pngFile(`face-${i}.png`, 24 + i * 4, (x, y) => {
      const on = (Math.floor(x / (3 + i)) + Math.floor(y / 4)) % 2 === 0;
      return on ? [40 * i, 200 - 20 * i, 120] : [250, 240 - 30 * i, 30 * i];
    }),
  );
}

export const notAnImage = { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not a picture') };
