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

/** `n` distinct small pictures (a blob of a different colour and place in each), as a person's own set. */
export function ownImages(n: number, prefix = 'photo', first = 0) {
  return Array.from({ length: n }, (_, k) => k + first).map((i) =>
    pngFile(`${prefix}-${i}.png`, 32, (x, y) => {
      const cx = 8 + ((i * 7) % 16);
      const cy = 8 + ((i * 5) % 16);
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < 40 + (i % 5) * 12;
      return inside ? [(i * 53) % 256, (i * 97) % 256, 200 - ((i * 31) % 150)] : [230, 225, 210];
    }),
  );
}
