/**
 * The Worker's decoder: the browser's own image codecs through `createImageBitmap`, read back
 * with an OffscreenCanvas. EXIF orientation is applied by the browser (`from-image`).
 * Runs only in the Worker, never on the main thread.
 */
import type { Decoder } from '../load.ts';
import type { RgbaImage } from '../types.ts';

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' };

export const browserDecoder: Decoder = async (nb, format) => {
  const blob = new Blob([nb.bytes as Uint8Array<ArrayBuffer>], { type: MIME[format] });
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  try {
    return bitmapToRgba(bitmap);
  } finally {
    bitmap.close();
  }
};

export function bitmapToRgba(bitmap: ImageBitmap): RgbaImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in this Worker');
  ctx.drawImage(bitmap, 0, 0);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}
