/**
 * Node's side of the data pipeline: a PNG/JPEG decoder for `loadImages`, a PNG encoder for writing
 * samples, and a folder reader for the CLI. The browser uses createImageBitmap instead, which also
 * applies EXIF orientation; `nodeDecoder` does the same for JPEGs so both see the same pixels.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import type { NamedBytes, Rejection, RgbaImage } from '../types.ts';
import { msg } from '../../contract/messages.ts';
import { FORMAT_LABEL, hasAscii, MAX_FILE_BYTES, MAX_IMAGE_PIXELS, tooLarge, walkJpeg } from '../sniff.ts';
import { isJunkPath, MAX_ARCHIVE_BYTES } from '../zip.ts';
import { UnsupportedByDecoder, type Decoder } from '../load.ts';

const { PNG } = pngjs;

/** jpeg-js's own guard against huge allocations; generous, since checkFile already bounds pixels. */
const JPEG_MAX_MEMORY_MB = 1024;

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Decodes PNG (any bit depth and colour type; pngjs expands to 8-bit RGBA) and JPEG. */
export const nodeDecoder: Decoder = async (nb, format) => {
  switch (format) {
    case 'png': {
      const png = PNG.sync.read(asBuffer(nb.bytes));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    case 'jpeg': {
      const img = jpeg.decode(nb.bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
        maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
      });
      return applyOrientation({ width: img.width, height: img.height, data: img.data }, readJpegOrientation(nb.bytes));
    }
    default:
      throw new UnsupportedByDecoder(msg('file.nodeCannotDecode', { format: FORMAT_LABEL[format] }));
  }
};

// ---- EXIF orientation -----------------------------------------------------------------------

/** The EXIF orientation tag (1–8) of a JPEG, or 1 when there is none. */
export function readJpegOrientation(bytes: Uint8Array): number {
  let orientation = 1;
  walkJpeg(bytes, (marker, at) => {
    if (marker === 0xda) return true; // EXIF comes before the image data
    if (marker !== 0xe1 || !hasAscii(bytes, at + 2, 'Exif\0\0')) return false;
    orientation = exifOrientation(bytes.subarray(at + 8, at + ((bytes[at] << 8) | bytes[at + 1])));
    return true;
  });
  return orientation;
}

/** Orientation from a TIFF structure (the body of an EXIF segment): IFD0, tag 0x0112. */
function exifOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const little = hasAscii(tiff, 0, 'II');
  const u16 = (p: number): number => (little ? tiff[p] | (tiff[p + 1] << 8) : (tiff[p] << 8) | tiff[p + 1]);
  const u32 = (p: number): number => (little ? u16(p) + u16(p + 2) * 65536 : u16(p) * 65536 + u16(p + 2));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= tiff.length; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * The image as it should be displayed, given its EXIF orientation: for output pixel (x, y), the
 * source pixel it comes from. 5–8 swap width and height.
 */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const source: Record<number, (x: number, y: number) => number> = {
    2: (x, y) => y * w + (w - 1 - x),
    3: (x, y) => (h - 1 - y) * w + (w - 1 - x),
    4: (x, y) => (h - 1 - y) * w + x,
    5: (x, y) => x * w + y,
    6: (x, y) => (h - 1 - x) * w + y,
    7: (x, y) => (h - 1 - x) * w + (w - 1 - y),
    8: (x, y) => x * w + (w - 1 - y),
  };
  const from = source[orientation];
  const out = new Uint8Array(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) out.set(data.subarray(from(x, y) * 4, from(x, y) * 4 + 4), (y * ow + x) * 4);
  }
  return { width: ow, height: oh, data: out };
}

// ---- folders --------------------------------------------------------------------------------

/**
 * Every file under `dir`, recursively, in a stable (sorted) order, named by its path relative to
 * `dir` with "/" separators. OS junk is skipped silently; files too large to be images (or zips
 * too large to open) are not read and are reported through `onSkip`. Symlinked folders are not
 * followed, so a link loop cannot trap it.
 */
export async function loadFolder(dir: string, onSkip?: (r: Rejection) => void): Promise<NamedBytes[]> {
  const files: NamedBytes[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!isJunkPath(`${name}/x`)) await visit(name);
      } else if (!isJunkPath(name) && (entry.isFile() || entry.isSymbolicLink())) {
        await readOne(dir, name, files, onSkip);
      }
    }
  };
  await visit('');
  return files;
}

async function readOne(dir: string, name: string, files: NamedBytes[], onSkip?: (r: Rejection) => void): Promise<void> {
  const path = join(dir, name);
  const info = await stat(path);
  if (!info.isFile()) return;
  const limit = /\.zip$/i.test(name) ? MAX_ARCHIVE_BYTES : MAX_FILE_BYTES;
  if (info.size > limit) {
    onSkip?.({ name, reason: tooLarge(info.size, limit) });
    return;
  }
  const buf = await readFile(path);
  files.push({ name, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) });
}
