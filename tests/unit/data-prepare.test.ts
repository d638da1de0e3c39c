import { describe, expect, it } from 'vitest';
import { imageFromSet, isUpscaled, layout, prepareImage, rgbaFromFloat } from '../../src/data/prepare.ts';
import type { PrepareOptions, RgbaImage } from '../../src/data/types.ts';

type Rgba = [number, number, number, number];
const RED: Rgba = [255, 0, 0, 255];
const BLUE: Rgba = [0, 0, 255, 255];
const GREEN: Rgba = [0, 255, 0, 255];

/** An image whose pixel (x, y) is `paint(x, y)`. */
function image(width: number, height: number, paint: (x: number, y: number) => Rgba): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 4);
  return { width, height, data };
}

function prepare(img: RgbaImage, opts: Partial<PrepareOptions> & { res: number }): Float32Array {
  const full: PrepareOptions = { background: [255, 255, 255], fit: 'center', ...opts };
  const out = new Float32Array(full.res * full.res * 3);
  prepareImage(img, full, out, 0);
  return out;
}

/** Output pixel (x, y) as floats in [-1, 1], rounded for comparison. */
const at = (out: Float32Array, res: number, x: number, y: number): number[] =>
  [...out.subarray((y * res + x) * 3, (y * res + x) * 3 + 3)].map((v) => Math.round(v * 1000) / 1000);

const F_RED = [1, -1, -1];
const F_BLUE = [-1, -1, 1];
const F_GREEN = [-1, 1, -1];
const F_WHITE = [1, 1, 1];

describe('prepareImage geometry', () => {
  // 8×4: green | red | blue | green in 2-column bands; the centre square is exactly red | blue.
  const bands = image(8, 4, (x) => (x < 2 || x >= 6 ? GREEN : x < 4 ? RED : BLUE));

  it('centre-crops the largest square', () => {
    const out = prepare(bands, { res: 4, fit: 'center' });
    for (let y = 0; y < 4; y++) {
      expect([at(out, 4, 0, y), at(out, 4, 1, y), at(out, 4, 2, y), at(out, 4, 3, y)]).toEqual([F_RED, F_RED, F_BLUE, F_BLUE]);
    }
    const small = prepare(bands, { res: 2, fit: 'center' });
    expect([at(small, 2, 0, 0), at(small, 2, 1, 1)]).toEqual([F_RED, F_BLUE]);
  });

  it('letterboxes a wide image onto the background', () => {
    const half = image(8, 4, (x) => (x < 4 ? RED : BLUE));
    const out = prepare(half, { res: 8, fit: 'pad', background: [0, 255, 0] });
    for (let x = 0; x < 8; x++) {
      for (const y of [0, 1, 6, 7]) expect(at(out, 8, x, y)).toEqual(F_GREEN);
      for (const y of [2, 3, 4, 5]) expect(at(out, 8, x, y)).toEqual(x < 4 ? F_RED : F_BLUE);
    }
  });

  it('pillarboxes a tall image, rounding odd sizes sensibly', () => {
    expect(layout(2, 8, { res: 8, fit: 'pad' }).dst).toEqual({ x: 3, y: 0, w: 2, h: 8 });
    expect(layout(5, 3, { res: 4, fit: 'pad' }).dst).toEqual({ x: 0, y: 1, w: 4, h: 2 });
    expect(layout(5, 3, { res: 4, fit: 'center' }).src).toEqual({ x: 1, y: 0, w: 3, h: 3 });
    const out = prepare(
      image(2, 8, () => RED),
      { res: 8, fit: 'pad' },
    );
    expect(at(out, 8, 2, 4)).toEqual(F_WHITE);
    expect(at(out, 8, 3, 4)).toEqual(F_RED);
    expect(at(out, 8, 4, 0)).toEqual(F_RED);
    expect(at(out, 8, 5, 7)).toEqual(F_WHITE);
  });
});

describe('prepareImage colour and range', () => {
  it('composites alpha over the background', () => {
    const img = image(2, 1, (x) => (x === 0 ? [255, 0, 0, 0] : [0, 0, 0, 51]));
    const out = prepare(img, { res: 2, fit: 'pad' }); // a 2×1 image fills one row of the 2×2 output
    const { dst } = layout(2, 1, { res: 2, fit: 'pad' });
    expect(at(out, 2, 0, dst.y)).toEqual(F_WHITE); // fully transparent red vanishes into white
    const grey = (255 * (1 - 51 / 255)) / 127.5 - 1; // 20% black over white
    expect(at(out, 2, 1, dst.y)).toEqual([grey, grey, grey].map((v) => Math.round(v * 1000) / 1000));
    const overBlack = prepare(
      image(1, 1, () => [255, 255, 255, 0]),
      { res: 1, background: [0, 0, 0] },
    );
    expect([...overBlack]).toEqual([-1, -1, -1]);
  });

  it('averages areas when shrinking, so fine patterns do not alias', () => {
    const checker = image(64, 64, (x, y) => ((x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    for (const res of [8, 7, 5]) {
      const out = prepare(checker, { res });
      expect(Math.max(...out.map(Math.abs))).toBeLessThan(0.25);
    }
    // 1-pixel stripes, every third one white: a point sampler would see all-black or all-white columns.
    const stripes = image(96, 96, (x) => (x % 3 === 0 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const mean = 255 / 3 / 127.5 - 1;
    expect(prepare(stripes, { res: 32 }).every((v) => Math.abs(v - mean) < 1e-4)).toBe(true);
  });

  it('interpolates bilinearly when enlarging, staying inside the source range', () => {
    const ramp = image(2, 2, (x) => (x === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const out = prepare(ramp, { res: 8 });
    const row = Array.from({ length: 8 }, (_, x) => at(out, 8, x, 3)[0]);
    expect(row[0]).toBe(-1);
    expect(row[7]).toBe(1);
    for (let x = 1; x < 8; x++) expect(row[x]).toBeGreaterThanOrEqual(row[x - 1]);
    expect(row.some((v) => v > -1 && v < 1)).toBe(true);
  });

  it('writes exactly res*res*3 values in [-1, 1] at the offset and nothing else', () => {
    const noise = image(37, 23, (x, y) => [(x * 37) % 256, (y * 91) % 256, (x * y) % 256, (x * 13 + y) % 256]);
    const res = 16;
    const out = new Float32Array(3 * res * res * 3).fill(Number.NaN);
    const opts: PrepareOptions = { res, background: [10, 20, 30], fit: 'pad' };
    prepareImage(noise, opts, out, res * res * 3);
    const slot = out.subarray(res * res * 3, 2 * res * res * 3);
    expect(slot.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(out.subarray(0, res * res * 3).every(Number.isNaN)).toBe(true);
    expect(out.subarray(2 * res * res * 3).every(Number.isNaN)).toBe(true);
    expect(() => prepareImage(noise, opts, out, 2 * res * res * 3 + 1)).toThrow(RangeError);
    expect(() => prepareImage({ width: 4, height: 4, data: new Uint8Array(3) }, opts, out, 0)).toThrow(RangeError);
  });
});

describe('rgbaFromFloat and helpers', () => {
  it('round-trips an opaque image prepared at its own size', () => {
    const img = image(5, 5, (x, y) => [x * 50, y * 60, (x + y) * 20, 255]);
    const out = prepare(img, { res: 5 });
    expect([...rgbaFromFloat(out, 5)]).toEqual([...img.data]);
    const set = { res: 5, count: 2, pixels: new Float32Array([...new Float32Array(75).fill(-1), ...out]), names: ['a', 'b'] };
    expect([...imageFromSet(set, 1).data]).toEqual([...img.data]);
    expect([...imageFromSet(set, 0).data.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    expect(() => imageFromSet(set, 2)).toThrow(RangeError);
  });

  it('clamps out-of-range floats', () => {
    expect([...rgbaFromFloat(new Float32Array([2, -3, 0]), 1)]).toEqual([255, 0, 128, 255]);
  });

  it('says whether a source gets enlarged', () => {
    expect(isUpscaled({ width: 100, height: 20 }, { res: 32, fit: 'center' })).toBe(true);
    expect(isUpscaled({ width: 100, height: 20 }, { res: 32, fit: 'pad' })).toBe(false);
    expect(isUpscaled({ width: 32, height: 32 }, { res: 32, fit: 'center' })).toBe(false);
  });
});
