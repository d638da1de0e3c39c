import { describe, expect, it } from 'vitest';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { buildIndex, nearest, NEAR_COPY_THRESHOLD, summarizeMatches, typicalGap, type NearestMatch } from '../../src/gan/metrics/nearest.ts';
import { Rng } from '../../src/gan/nn/random.ts';

const RES = 32;
const stride = RES * RES * 3;
const train = makeShapes({ res: RES, count: 256, seed: 11 });
const index = buildIndex(train);
/** Images from another seed: the same kind of picture, none of them in the training set. */
const unrelated = makeShapes({ res: RES, count: 64, seed: 12 });

const image = (i: number) => train.pixels.slice(i * stride, (i + 1) * stride);
function noisy(pixels: Float32Array, sigma: number, seed = 3): Float32Array {
  const rng = new Rng(seed);
  return pixels.map((v) => Math.max(-1, Math.min(1, v + sigma * rng.normal())));
}
function concat(...images: Float32Array[]): Float32Array {
  const out = new Float32Array(images.reduce((n, a) => n + a.length, 0));
  images.reduce((o, a) => (out.set(a, o), o + a.length), 0);
  return out;
}

describe('nearest training image', () => {
  it('finds a planted copy and a noisy copy among unrelated images, and flags only those', () => {
    const samples = concat(unrelated.pixels.slice(0, 10 * stride), image(17), unrelated.pixels.slice(10 * stride), noisy(image(42), 0.05));
    const m = nearest(index, samples, 66, RES);
    expect(m[10]).toEqual({ index: 17, distance: 0, nearCopy: true });
    expect(m[65].index).toBe(42);
    expect(m[65].distance).toBeGreaterThan(0);
    expect(m[65].distance).toBeLessThan(NEAR_COPY_THRESHOLD / 2);
    expect(m[65].nearCopy).toBe(true);
    const others = m.filter((_, i) => i !== 10 && i !== 65);
    expect(others.filter((x) => x.nearCopy)).toEqual([]);
    // Distinct images sit well above the threshold, not just above it.
    expect(Math.min(...others.map((x) => x.distance))).toBeGreaterThan(NEAR_COPY_THRESHOLD * 1.3);
  });

  it('finds copies damaged more, and separates by how much', () => {
    const damaged = [0.05, 0.1, 0.2].map((s) => nearest(index, noisy(image(100), s, 9), 1, RES)[0]);
    expect(damaged.map((x) => x.index)).toEqual([100, 100, 100]);
    expect(damaged[0].distance).toBeLessThan(damaged[1].distance);
    expect(damaged[1].distance).toBeLessThan(damaged[2].distance);
  });

  it('ignores brightness and contrast, but not colour layout', () => {
    const dimmed = image(5).map((v) => 0.5 * v - 0.2);
    const [m] = nearest(index, dimmed, 1, RES);
    expect(m.index).toBe(5);
    expect(m.distance).toBeLessThan(1e-3);
    const swapped = image(5).map((_, i, p) => p[i - (i % 3) + ((i + 1) % 3)]); // RGB → GBR
    expect(nearest(index, swapped, 1, RES)[0].distance).toBeGreaterThan(NEAR_COPY_THRESHOLD);
  });

  it('matches samples at another resolution and sizes that the thumbnail does not divide', () => {
    // A 16 px box-downsampled training image has the same 8×8 thumbnail as the 32 px original.
    const small = new Float32Array(16 * 16 * 3);
    const big = image(77);
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++)
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (const [dy, dx] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ])
            s += big[((2 * y + dy) * RES + 2 * x + dx) * 3 + c];
          small[(y * 16 + x) * 3 + c] = s / 4;
        }
    expect(nearest(index, small, 1, 16)[0]).toMatchObject({ index: 77, nearCopy: true });
    const odd = makeShapes({ res: 12, count: 20, seed: 4 });
    const oddIndex = buildIndex(odd);
    expect(nearest(oddIndex, odd.pixels.slice(7 * 432, 8 * 432), 1, 12)[0]).toEqual({ index: 7, distance: 0, nearCopy: true });
  });

  it('reports flat and diverged samples as matches of nothing', () => {
    const flat = new Float32Array(stride).fill(0.4);
    const nan = image(3);
    nan[10] = NaN;
    const [f, n] = nearest(index, concat(flat, nan), 2, RES);
    expect(f.distance).toBeCloseTo(1, 6);
    expect(f.nearCopy).toBe(false);
    expect(n.distance).toBeNaN();
    expect(n.nearCopy).toBe(false);
  });

  it('summarises: fraction of near copies and median distance', () => {
    const m = (distance: number): NearestMatch => ({ index: 0, distance, nearCopy: distance < NEAR_COPY_THRESHOLD });
    expect(summarizeMatches([m(0.1), m(0.5), m(0.9), m(0.05)])).toEqual({ samples: 4, nearCopyFraction: 0.5, medianDistance: 0.3 });
    expect(summarizeMatches([m(0.7), m(0.1), m(0.4)])).toEqual({ samples: 3, nearCopyFraction: 1 / 3, medianDistance: 0.4 });
    expect(summarizeMatches([]).nearCopyFraction).toBe(0);
  });

  it('measures how close the training set comes to itself', () => {
    expect(typicalGap(index)).toBeGreaterThan(0.5);
    const doubled = buildIndex({ res: RES, count: 40, pixels: concat(train.pixels.slice(0, 20 * stride), train.pixels.slice(0, 20 * stride)) });
    expect(typicalGap(doubled)).toBe(0);
  });

  it('rejects malformed input with the sizes in the message', () => {
    expect(() => buildIndex({ res: RES, count: 2, pixels: new Float32Array(5) })).toThrow(/2 images of 32×32×3/);
    expect(() => nearest(index, new Float32Array(10), 1, RES)).toThrow(RangeError);
    expect(() => nearest(index, new Float32Array(4 * 4 * 3), 1, 4)).toThrow(/smaller than/);
    expect(() => buildIndex(train, { size: 0 })).toThrow(RangeError);
  });
});
