import { afterAll, describe, expect, it } from 'vitest';
import { inEnglish } from '../helpers/english.ts';
import { english } from '../../src/contract/messages.ts';
import { mkdtemp, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { appendSets, emptySet, fingerprint, loadImages, MAX_IMAGES, type Decoder, type LoadOptions } from '../../src/data/load.ts';
import { applyOrientation, loadFolder, nodeDecoder, readJpegOrientation } from '../../src/data/node/decode.ts';
import { pngOf } from '../../src/data/png.ts';
import type { NamedBytes, RgbaImage } from '../../src/data/types.ts';

const RES = 16;
const OPTS: LoadOptions = { res: RES, background: [255, 255, 255], fit: 'center' };

const fill = (w: number, h: number, px: (x: number, y: number) => number[]): RgbaImage => {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 4);
  return { width: w, height: h, data };
};
const rgbaPng = (w: number, h: number, shade: number): Uint8Array => pngOf(fill(w, h, (x) => [shade, x * 10, 50, x % 2 ? 128 : 255]));
const greyPng = (w: number, h: number): Uint8Array => {
  const { PNG } = pngjs;
  const png = new PNG({ width: w, height: h });
  png.data.set(fill(w, h, (x, y) => [x * 8, x * 8, x * 8, 255 - y]).data);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0 }));
};
const jpg = (img: RgbaImage): Uint8Array => new Uint8Array(jpeg.encode({ ...img, data: img.data }, 92).data);
const text = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
const nb = (name: string, bytes: Uint8Array): NamedBytes => ({ name, bytes });

/** A PNG whose structure is intact (so it passes the header checks) but whose image data is garbage. */
function corruptIdat(): Uint8Array {
  const bytes = rgbaPng(20, 20, 99).slice();
  const idat = bytes.findIndex((_, i) => bytes[i] === 0x49 && bytes[i + 1] === 0x44 && bytes[i + 2] === 0x41 && bytes[i + 3] === 0x54);
  bytes.fill(0x55, idat + 4, idat + 20);
  return bytes;
}

/** A JPEG carrying an EXIF orientation tag (big-endian TIFF, one IFD entry). */
function withOrientation(jpegBytes: Uint8Array, orientation: number): Uint8Array {
  const tiff = [...text('MM\0*'), 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const body = [...text('Exif\0\0'), ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  return new Uint8Array([0xff, 0xd8, ...app1, ...jpegBytes.subarray(2)]);
}

const goodA = rgbaPng(8, 6, 200);
const corpus: NamedBytes[] = [
  nb('a.png', goodA),
  nb('grey.png', greyPng(24, 20)),
  nb('b.jpg', jpg(fill(40, 30, (x) => [x * 6, 100, 200, 255]))),
  nb(
    'photos.zip',
    zipSync({
      cats: { 'c.png': rgbaPng(32, 32, 10), deep: { 'd.jpg': jpg(fill(20, 20, () => [255, 0, 0, 255])) } },
      '__MACOSX/cats/._c.png': text('junk'),
      'cats/.DS_Store': text('junk'),
      'inner.zip': zipSync({ 'x.png': rgbaPng(4, 4, 1) }),
      'copy-of-a.png': goodA,
    }),
  ),
  nb('copy.png', goodA.slice()),
  nb('empty.png', new Uint8Array(0)),
  nb('notes.png', text('this is a text file with an image name')),
  nb('trunc.png', rgbaPng(20, 20, 5).subarray(0, 60)),
  nb('trunc.jpg', jpg(fill(32, 32, (x, y) => [x * 8, y * 8, 0, 255])).subarray(0, 200)),
  nb('IMG_0001.HEIC', new Uint8Array([0, 0, 0, 24, ...text('ftypheic'), 0, 0, 0, 0, ...text('mif1heic'), ...new Array(16).fill(0)])),
  nb('<img src=x onerror=alert(1)>.png', rgbaPng(16, 16, 77)),
  nb('say "cheese".png', text('"not a picture"')),
  nb('../../etc/passwd.png', text('root:x:0:0')),
  nb('broken-data.png', corruptIdat()),
  nb('anim.gif', new Uint8Array([...text('GIF89a'), 16, 0, 16, 0, 0, 0, 0, 0x3b])),
  nb('.DS_Store', text('junk')),
];

describe('loadImages on a mixed corpus', async () => {
  const progress: [number, number][] = [];
  const result = await loadImages(corpus, nodeDecoder, OPTS, (d, t) => progress.push([d, t]));
  const reasons = Object.fromEntries(result.rejections.map((r) => [r.name, english(r.reason)]));

  it('keeps every good file beside the bad ones', () => {
    expect(result.set.names).toEqual(['a.png', 'grey.png', 'b.jpg', 'photos.zip/cats/c.png', 'photos.zip/cats/deep/d.jpg', '<img src=x onerror=alert(1)>.png']);
    expect(result.set.count).toBe(6);
    expect(result.set.res).toBe(RES);
  });

  it('gives each bad file a specific reason, names kept verbatim', () => {
    expect(reasons).toEqual({
      'photos.zip/inner.zip': 'nested archives are not opened',
      'empty.png': 'empty file (0 bytes)',
      'notes.png': 'not an image (unrecognised content)',
      'trunc.png': 'truncated PNG (no end chunk)',
      'trunc.jpg': 'truncated JPEG (no end-of-image marker)',
      'IMG_0001.HEIC': 'unsupported format: HEIC (convert it to JPEG or PNG)',
      'say "cheese".png': 'not an image (unrecognised content)',
      '../../etc/passwd.png': 'not an image (unrecognised content)',
      'broken-data.png': 'corrupt or unreadable PNG image',
      'anim.gif': 'cannot decode GIF in Node (convert it to PNG or JPEG)',
    });
  });

  it('drops exact duplicates and counts them', () => {
    expect(result.duplicates).toBe(2);
  });

  it('warns about upscaled small images', () => {
    expect(inEnglish(result.warnings)).toEqual([{ name: 'a.png', reason: `small image (8×6) was upscaled to ${RES}×${RES}` }]);
  });

  it('produces count×res×res×3 floats in [-1, 1]', () => {
    const { pixels, count } = result.set;
    expect(pixels).toBeInstanceOf(Float32Array);
    expect(pixels.length).toBe(count * RES * RES * 3);
    expect(pixels.every((v) => v >= -1 && v <= 1)).toBe(true);
    const red = pixels.subarray(4 * RES * RES * 3, 5 * RES * RES * 3); // the all-red JPEG
    expect(red[0]).toBeGreaterThan(0.9);
    expect(red[1]).toBeLessThan(-0.9);
  });

  it('reports progress up to the total of decoded candidates', () => {
    expect(progress.at(-1)).toEqual([8, 8]);
    expect(progress.map(([d]) => d)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('loadImages limits and failures', () => {
  const stub =
    (img: RgbaImage): Decoder =>
    async () =>
      img;
  const gif = (tag: number, size = 200_000): Uint8Array => {
    const b = new Uint8Array(size);
    b.set([...text('GIF89a'), 4, 0, 4, 0]);
    b[size >> 1] = tag; // differs only in the middle, beyond the fingerprint's head and tail
    return b;
  };

  it('confirms duplicates byte by byte, not by fingerprint alone', async () => {
    expect(fingerprint(gif(1))).toBe(fingerprint(gif(2)));
    const r = await loadImages([nb('1.gif', gif(1)), nb('2.gif', gif(2)), nb('3.gif', gif(1))], stub(fill(4, 4, () => [0, 0, 0, 255])), OPTS);
    expect(r.set.names).toEqual(['1.gif', '2.gif']);
    expect(r.duplicates).toBe(1);
  });

  it('caps the number of images and says why the rest were skipped', async () => {
    const files = [1, 2, 3, 4].map((i) => nb(`${i}.gif`, gif(i, 64)));
    const r = await loadImages(files, stub(fill(4, 4, () => [0, 0, 0, 255])), { ...OPTS, maxImages: 2 });
    expect(r.set.count).toBe(2);
    expect(r.set.pixels.length).toBe(2 * RES * RES * 3);
    expect(inEnglish(r.rejections)).toEqual([3, 4].map((i) => ({ name: `${i}.gif`, reason: 'skipped: the dataset already holds the maximum of 2 images' })));
    expect(MAX_IMAGES).toBe(5000);
  });

  it('never throws for bad decoder output, and gives an empty set when nothing is usable', async () => {
    const files = [nb('a.gif', gif(1, 64)), nb('b.gif', gif(2, 64))];
    const broken = await loadImages(files, stub({ width: 4, height: 4, data: new Uint8Array(3) }), OPTS);
    expect(broken.set).toEqual({ res: RES, count: 0, pixels: new Float32Array(0), names: [] });
    expect(english(broken.rejections[0].reason)).toBe('corrupt or unreadable image (the decoder returned no usable pixels)');
    const throwing = await loadImages(
      files,
      async () => {
        throw new Error('boom');
      },
      OPTS,
    );
    expect(throwing.rejections.map((r) => english(r.reason))).toEqual(['corrupt or unreadable GIF image', 'corrupt or unreadable GIF image']);
    expect((await loadImages([], nodeDecoder, OPTS)).set.count).toBe(0);
  });

  it("stops with the signal's reason when cancelled", async () => {
    const files = [1, 2, 3].map((i) => nb(`${i}.gif`, gif(i, 64)));
    const ac = new AbortController();
    const img = fill(4, 4, () => [0, 0, 0, 255]);
    const run = loadImages(files, stub(img), OPTS, (done) => done === 1 && ac.abort(new Error('cancelled by test')), ac.signal);
    await expect(run).rejects.toThrow('cancelled by test');
  });
});

describe('appendSets', () => {
  it('concatenates sets of the same resolution and refuses mixed ones', () => {
    const a = { res: 2, count: 1, pixels: new Float32Array(12).fill(0.5), names: ['a'] };
    const b = { res: 2, count: 2, pixels: new Float32Array(24).fill(-0.5), names: ['b', 'c'] };
    const ab = appendSets(appendSets(emptySet(2), a), b);
    expect(ab.count).toBe(3);
    expect(ab.names).toEqual(['a', 'b', 'c']);
    expect([ab.pixels[11], ab.pixels[12]]).toEqual([0.5, -0.5]);
    expect(() => appendSets(a, emptySet(4))).toThrow(RangeError);
  });
});

describe('Node decoder, encoder and folder reader', () => {
  it('round-trips RGBA through pngOf and nodeDecoder', async () => {
    const img = fill(3, 2, (x, y) => [x * 80, y * 100, 7, 255 - x]);
    const back = await nodeDecoder(nb('r.png', pngOf(img)), 'png');
    expect({ ...back, data: [...back.data] }).toEqual({ width: 3, height: 2, data: [...img.data] });
  });

  it('applies EXIF orientation to JPEGs, as browsers do', async () => {
    const src = fill(16, 8, (x) => (x < 8 ? [255, 0, 0, 255] : [0, 0, 255, 255])); // red | blue
    const rotated = withOrientation(jpg(src), 6);
    expect(readJpegOrientation(rotated)).toBe(6);
    const img = await nodeDecoder(nb('r.jpg', rotated), 'jpeg');
    expect([img.width, img.height]).toEqual([8, 16]);
    const px = (x: number, y: number): number[] => [...img.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 3)];
    expect(px(4, 2)[0]).toBeGreaterThan(200); // top: red
    expect(px(4, 13)[2]).toBeGreaterThan(200); // bottom: blue
  });

  it('maps all eight orientations', () => {
    const img = fill(2, 1, (x) => [x, 0, 0, 255]); // pixels "0 1"
    const firstRow = (o: number): number[] => {
      const r = applyOrientation(img, o);
      return [r.width, r.height, ...Array.from({ length: r.width * r.height }, (_, i) => r.data[i * 4])];
    };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(firstRow)).toEqual([
      [2, 1, 0, 1],
      [2, 1, 1, 0],
      [2, 1, 1, 0],
      [2, 1, 0, 1],
      [1, 2, 0, 1],
      [1, 2, 0, 1],
      [1, 2, 1, 0],
      [1, 2, 1, 0],
    ]);
  });

  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('reads a folder recursively, skipping junk and reporting files too large to read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ganvas-data-'));
    dirs.push(dir);
    await mkdir(join(dir, 'cats/deep'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'b.png'), goodA);
    await writeFile(join(dir, 'cats/a.png'), goodA);
    await writeFile(join(dir, 'cats/deep/c.txt'), 'hello');
    await writeFile(join(dir, 'cats/.DS_Store'), 'junk');
    await writeFile(join(dir, '.git/HEAD'), 'junk');
    await writeFile(join(dir, 'huge.png'), '');
    await truncate(join(dir, 'huge.png'), 65 * 1024 * 1024); // sparse: costs no disk
    const skipped: string[] = [];
    const files = await loadFolder(dir, (r) => skipped.push(`${r.name}: ${english(r.reason)}`));
    expect(files.map((f) => f.name)).toEqual(['b.png', 'cats/a.png', 'cats/deep/c.txt']);
    expect(files[0].bytes).toEqual(goodA);
    expect(skipped).toEqual(['huge.png: file too large: 65 MB exceeds the limit of 64 MB']);
  });
});
