/**
 * What the dataset panel shows: the prepared images exactly as the model sees them (cropped,
 * resized, composited), as one contact sheet, and the mean image (a blurry mean says the set is
 * varied; a sharp one says the images are nearly aligned copies, which a GAN learns quickly).
 */
import { rgbaFromFloat } from './prepare.ts';
import type { PreparedSet, RgbaImage } from './types.ts';

/** At most this many thumbnails: enough to judge a crop, small enough to post every load. */
export const MAX_THUMBNAILS = 64;

/** A grid of the first `max` images with 1-pixel transparent gaps; `columns` per row. */
export function contactSheet(set: PreparedSet, max = MAX_THUMBNAILS, columns = 8): RgbaImage {
  const n = Math.min(set.count, max);
  const r = set.res;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.max(1, Math.ceil(n / cols));
  const width = cols * (r + 1) - 1;
  const height = rows * (r + 1) - 1;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < n; i++) {
    const tile = rgbaFromFloat(set.pixels, r, r, i * r * r * 3);
    const x0 = (i % cols) * (r + 1);
    const y0 = Math.floor(i / cols) * (r + 1);
    for (let y = 0; y < r; y++) data.set(tile.subarray(y * r * 4, (y + 1) * r * 4), ((y0 + y) * width + x0) * 4);
  }
  return { width, height, data };
}

/** The per-pixel mean of every image in the set. */
export function meanImage(set: PreparedSet): RgbaImage {
  const size = set.res * set.res * 3;
  const sum = new Float32Array(size);
  for (let i = 0; i < set.count; i++) {
    const base = i * size;
    for (let j = 0; j < size; j++) sum[j] += set.pixels[base + j];
  }
  if (set.count > 0) for (let j = 0; j < size; j++) sum[j] /= set.count;
  return { width: set.res, height: set.res, data: rgbaFromFloat(sum, set.res) };
}
