import { describe, expect, it } from 'vitest';
import { inEnglish } from '../helpers/english.ts';
import { english } from '../../src/contract/messages.ts';
import jpeg from 'jpeg-js';
import { checkFile, detectFormat, formatSize, MAX_FILE_BYTES, MAX_IMAGE_PIXELS, readDimensions } from '../../src/data/sniff.ts';
import { pngOf } from '../../src/data/png.ts';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const bytes = (...parts: (number[] | string)[]): Uint8Array => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? ascii(p) : p)));
const le16 = (n: number): number[] => [n & 255, n >> 8];
const le32 = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];

function png(width: number, height: number): Uint8Array {
  return pngOf({ width, height, data: new Uint8Array(width * height * 4).fill(200) });
}
function jpg(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4).fill(120);
  const out = jpeg.encode({ width, height, data }, 90).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
const ftyp = (major: string, ...compat: string[]): Uint8Array =>
  bytes(be32(16 + 4 * compat.length), 'ftyp', major, [0, 0, 0, 0], ...compat, new Array(32).fill(0));
const gif = (w: number, h: number): Uint8Array => bytes('GIF89a', le16(w), le16(h), [0, 0, 0, 0x3b]);
const bmp = (w: number, h: number): Uint8Array => bytes('BM', new Array(12).fill(0), le32(40), le32(w), le32(h), new Array(20).fill(0));
const webp = (chunk: string, body: number[]): Uint8Array => bytes('RIFF', le32(100), 'WEBP', chunk, le32(body.length), body, new Array(16).fill(0));
const nb = (name: string, b: Uint8Array) => ({ name, bytes: b });

describe('detectFormat', () => {
  it('recognises image formats by magic bytes', () => {
    expect(detectFormat(png(2, 2))).toBe('png');
    expect(detectFormat(jpg(2, 2))).toBe('jpeg');
    expect(detectFormat(gif(1, 1))).toBe('gif');
    expect(detectFormat(bmp(1, 1))).toBe('bmp');
    expect(detectFormat(webp('VP8L', [0x2f, 0, 0, 0, 0]))).toBe('webp');
    expect(detectFormat(ftyp('heic', 'mif1', 'heic'))).toBe('heic');
    expect(detectFormat(ftyp('mif1', 'mif1', 'heic'))).toBe('heic');
    expect(detectFormat(ftyp('avif', 'mif1', 'avif'))).toBe('avif');
    expect(detectFormat(ftyp('mif1', 'mif1', 'avif'))).toBe('avif');
    expect(detectFormat(bytes('II*\0', [8, 0, 0, 0]))).toBe('tiff');
    expect(detectFormat(bytes('MM\0*', [0, 0, 0, 8]))).toBe('tiff');
    expect(detectFormat(bytes([0xef, 0xbb, 0xbf], '<?xml version="1.0"?>\n<svg xmlns="x"></svg>'))).toBe('svg');
    expect(detectFormat(bytes('  <SVG viewBox="0 0 1 1"/>'))).toBe('svg');
  });

  it('says unknown for other content', () => {
    expect(detectFormat(new Uint8Array(0))).toBe('unknown');
    expect(detectFormat(bytes('hello, this is a text file'))).toBe('unknown');
    expect(detectFormat(bytes('<html><body>no vector here</body></html>'))).toBe('unknown');
    expect(detectFormat(ftyp('isom', 'isom', 'mp41'))).toBe('unknown'); // an MP4 video
    expect(detectFormat(bytes([0x89, 0x50, 0x4e]))).toBe('unknown'); // too short to be a PNG
  });
});

describe('readDimensions', () => {
  it('reads PNG and JPEG headers', () => {
    expect(readDimensions(png(7, 5), 'png')).toEqual({ width: 7, height: 5 });
    expect(readDimensions(jpg(9, 4), 'jpeg')).toEqual({ width: 9, height: 4 });
  });

  it('reads GIF, BMP (bottom-up and top-down) and the three WebP flavours', () => {
    expect(readDimensions(gif(300, 200), 'gif')).toEqual({ width: 300, height: 200 });
    expect(readDimensions(bmp(640, 480), 'bmp')).toEqual({ width: 640, height: 480 });
    expect(readDimensions(bmp(640, -480), 'bmp')).toEqual({ width: 640, height: 480 });
    const vp8 = webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(320), ...le16(240)]);
    expect(readDimensions(vp8, 'webp')).toEqual({ width: 320, height: 240 });
    const bits = (320 - 1) | ((240 - 1) << 14);
    expect(readDimensions(webp('VP8L', [0x2f, ...le32(bits)]), 'webp')).toEqual({ width: 320, height: 240 });
    const vp8x = webp('VP8X', [0, 0, 0, 0, 319 & 255, 319 >> 8, 0, 239, 0, 0]);
    expect(readDimensions(vp8x, 'webp')).toEqual({ width: 320, height: 240 });
  });

  it('gives undefined for a header it cannot read', () => {
    expect(readDimensions(png(2, 2).subarray(0, 16), 'png')).toBeUndefined();
    expect(readDimensions(bytes([0xff, 0xd8, 0xff, 0xd9]), 'jpeg')).toBeUndefined();
  });
});

describe('checkFile', () => {
  it('accepts good PNG and JPEG files with their dimensions', () => {
    expect(checkFile(nb('a.png', png(3, 2)))).toEqual({ ok: true, format: 'png', width: 3, height: 2 });
    expect(checkFile(nb('b.jpg', jpg(5, 4)))).toEqual({ ok: true, format: 'jpeg', width: 5, height: 4 });
    expect(checkFile(nb('c.gif', gif(8, 8)))).toEqual({ ok: true, format: 'gif', width: 8, height: 8 });
  });

  it('gives a specific reason for each kind of bad file', () => {
    const reason = (b: Uint8Array): string | undefined => {
      const r = checkFile(nb('x', b));
      return r.ok ? undefined : english(r.reason);
    };
    expect(reason(new Uint8Array(0))).toBe('empty file (0 bytes)');
    expect(reason(bytes('just some text, named .png'))).toBe('not an image (unrecognised content)');
    expect(reason(ftyp('heic', 'mif1', 'heic'))).toBe('unsupported format: HEIC (convert it to JPEG or PNG)');
    expect(reason(ftyp('avif', 'avif'))).toMatch(/^unsupported format: AVIF/);
    expect(reason(bytes('II*\0', [8, 0, 0, 0]))).toMatch(/^unsupported format: TIFF/);
    expect(reason(bytes('<svg/>'))).toMatch(/^unsupported format: SVG/);
  });

  it('spots truncated PNGs, including one cut just before its end chunk', () => {
    const good = png(16, 16);
    expect(inEnglish(checkFile(nb('t.png', good.subarray(0, good.length >> 1))))).toEqual({ ok: false, reason: 'truncated PNG (no end chunk)' });
    expect(inEnglish(checkFile(nb('t.png', good.subarray(0, good.length - 12))))).toEqual({ ok: false, reason: 'truncated PNG (no end chunk)' });
  });

  it('spots truncated JPEGs, even when an embedded thumbnail carries its own end marker', () => {
    const good = jpg(32, 32);
    const cut = good.subarray(0, good.length - 40);
    expect(inEnglish(checkFile(nb('t.jpg', cut)))).toEqual({ ok: false, reason: 'truncated JPEG (no end-of-image marker)' });
    // APP1 segment holding a whole tiny JPEG (SOI … EOI) before the real image data.
    const thumb = [0xff, 0xd8, 0xff, 0xd9];
    const app1 = [0xff, 0xe1, 0, 2 + 6 + thumb.length, ...ascii('Exif\0\0'), ...thumb];
    const withThumb = (body: Uint8Array): Uint8Array => new Uint8Array([0xff, 0xd8, ...app1, ...body.subarray(2)]);
    expect(checkFile(nb('thumb.jpg', withThumb(good))).ok).toBe(true);
    expect(checkFile(nb('thumb.jpg', withThumb(cut))).ok).toBe(false);
  });

  it('accepts a JPEG with data appended after its end marker (as phones write them)', () => {
    const good = jpg(8, 8);
    const trailer = new Uint8Array(5000).fill(0x41);
    expect(checkFile(nb('motion.jpg', new Uint8Array([...good, ...trailer]))).ok).toBe(true);
  });

  it('refuses images whose header declares too many pixels, before decoding', () => {
    const big = png(4, 4).slice();
    big.set(be32(10000), 16);
    big.set(be32(8000), 20);
    expect(inEnglish(checkFile(nb('big.png', big)))).toEqual({
      ok: false,
      reason: `image too large: 10000×8000 pixels exceeds the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
    });
    expect(inEnglish(checkFile(nb('big.gif', gif(1, 0))))).toEqual({ ok: false, reason: 'corrupt GIF (zero width or height)' });
  });

  it('refuses files over the byte limit', () => {
    const r = checkFile(nb('a.png', png(8, 8)), { maxBytes: 20, maxPixels: MAX_IMAGE_PIXELS });
    expect(inEnglish(r)).toEqual({ ok: false, reason: expect.stringMatching(/^file too large: \d+ bytes exceeds the limit of 20 bytes$/) });
    expect(MAX_FILE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('formats sizes for people', () => {
    expect(formatSize(12)).toBe('12 bytes');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(64 * 1024 * 1024)).toBe('64 MB');
    expect(formatSize(70.2 * 1024 * 1024)).toBe('70 MB');
  });
});
