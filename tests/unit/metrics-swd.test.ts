import { describe, expect, it } from 'vitest';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { laplacianPyramid, pyramidLevels, pyrDown, pyrUp } from '../../src/gan/metrics/pyramid.ts';
import {
  describeSet,
  radixSortFloats,
  randomDirections,
  swd,
  w1Sorted,
  type DescribeOptions,
  type Descriptors,
  type ImageSet,
  type SliceOptions,
} from '../../src/gan/metrics/swd.ts';
import { Rng } from '../../src/gan/nn/random.ts';

// Smaller than the defaults so the whole file stays within a few seconds on 2 shared cores;
// the default sizes are timed by bench/bench-metrics.ts.
const RES = 32;
const HALF = 128;
const D: Partial<DescribeOptions> = { perImage: 32 };
const S: Partial<SliceOptions> = { directions: 64 };

/** Two disjoint halves of one shapes set: the same distribution, different images. */
const all = makeShapes({ res: RES, count: 2 * HALF, seed: 7 });
const stride = RES * RES * 3;
const A: ImageSet = { res: RES, count: HALF, pixels: all.pixels.slice(0, HALF * stride) };
const B: ImageSet = { res: RES, count: HALF, pixels: all.pixels.slice(HALF * stride) };

const clip = (v: number) => Math.max(-1, Math.min(1, v));
function withNoise(set: ImageSet, sigma: number): ImageSet {
  const rng = new Rng(3);
  return { ...set, pixels: set.pixels.map((v) => clip(v + sigma * rng.normal())) };
}
/** A hue-like shift: each channel takes a fraction `a` of the next one. */
function mixColours(set: ImageSet, a: number): ImageSet {
  const p = set.pixels;
  return { ...set, pixels: p.map((v, i) => (1 - a) * v + a * p[i - (i % 3) + ((i + 1) % 3)]) };
}
/** A global tint: `d` added to the red channel. */
function tintRed(set: ImageSet, d: number): ImageSet {
  return { ...set, pixels: set.pixels.map((v, i) => (i % 3 === 0 ? clip(v + d) : v)) };
}

const dA = describeSet(A, D);
const dist = (b: ImageSet | Descriptors, slice: Partial<SliceOptions> = {}, describe: Partial<DescribeOptions> = {}) =>
  swd(dA, 'bands' in b ? b : describeSet(b, { ...D, seed: 5, ...describe }), { ...S, ...slice }).mean;
/** The floor: what two different samples of the same distribution score. */
const halves = dist(B);

describe('pyramid', () => {
  it('levels go from the image size down to minRes, 16 px by default', () => {
    expect(pyramidLevels(64, 16)).toEqual([64, 32, 16]);
    expect(pyramidLevels(32, 16)).toEqual([32, 16]);
    expect(pyramidLevels(16, 16)).toEqual([16]);
    expect(pyramidLevels(16, 8)).toEqual([16, 8]);
    expect(describeSet(A, D).levels).toEqual([32, 16]);
  });

  it('the binomial kernel keeps a constant and removes a checkerboard, borders included', () => {
    const tmp = new Float32Array(stride);
    const down = new Float32Array(16 * 16 * 3);
    const up = new Float32Array(stride);
    pyrDown(new Float32Array(stride).fill(0.7), 32, down, tmp);
    pyrUp(down, 16, up, tmp);
    for (const v of [...down, ...up]) expect(v).toBeCloseTo(0.7, 6);
    // [1 4 6 4 1] has zero gain at the Nyquist frequency; the mirror border keeps the parity.
    const checker = new Float32Array(stride).map((_, i) => (((Math.floor(i / 3) % 32) + Math.floor(i / 96)) % 2 ? 1 : -1));
    pyrDown(checker, 32, down, tmp);
    for (const v of down) expect(Math.abs(v)).toBeLessThan(1e-6);
  });

  it('the bands add back up to the image (Laplacian reconstruction)', () => {
    const levels = pyramidLevels(32, 8);
    const [b32, b16, g8] = laplacianPyramid(A.pixels.subarray(0, 2 * stride), 2, levels);
    const up16 = new Float32Array(16 * 16 * 3);
    const up32 = new Float32Array(stride);
    const tmp = new Float32Array(stride);
    for (let n = 0; n < 2; n++) {
      pyrUp(g8.subarray(n * 192, (n + 1) * 192), 8, up16, tmp);
      const g16 = up16.map((v, i) => v + b16[n * 768 + i]);
      pyrUp(g16, 16, up32, tmp);
      let worst = 0;
      for (let i = 0; i < stride; i++) worst = Math.max(worst, Math.abs(up32[i] + b32[n * stride + i] - A.pixels[n * stride + i]));
      expect(worst).toBeLessThan(1e-5);
    }
    // A band holds detail only: its mean is near 0 while the image's is not.
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(b32))).toBeLessThan(0.02);
    expect(mean(g8)).toBeGreaterThan(0.5);
  });
});

describe('sliced Wasserstein distance', () => {
  it('is exactly 0 for the same descriptors and within the noise floor for the same images', () => {
    expect(swd(dA, describeSet(A, D), S).perLevel).toEqual([0, 0]);
    const resampled = dist(A); // same images, other neighbourhoods
    expect(resampled).toBeGreaterThan(0);
    expect(resampled).toBeLessThan(halves);
    expect(halves).toBeLessThan(40);
  });

  it('grows with Gaussian pixel noise', () => {
    // Measured: halves 39, then 61, 90, 121.
    const values = [0.05, 0.1, 0.2].map((s) => dist(withNoise(B, s)));
    expect(values[0]).toBeGreaterThan(halves * 1.2);
    expect(values[1]).toBeGreaterThan(values[0] * 1.2);
    expect(values[2]).toBeGreaterThan(values[1] * 1.2);
  });

  it('grows with a colour shift', () => {
    // Measured: halves 39, then 44, 50, 58 (a hue change this small is hard to see by eye).
    const values = [0.2, 0.3, 0.45].map((a) => dist(mixColours(B, a)));
    expect(values[0]).toBeGreaterThan(halves * 1.05);
    expect(values[1]).toBeGreaterThan(values[0] * 1.05);
    expect(values[2]).toBeGreaterThan(values[1] * 1.05);
  });

  it('is blind to a global tint per set (paper), and sees it with normalize: reference', () => {
    const tinted = tintRed(B, 0.2);
    expect(dist(tinted)).toBeLessThan(halves * 1.15);
    const refHalves = dist(B, { normalize: 'reference' });
    const refTinted = [0.1, 0.2].map((d) => dist(tintRed(B, d), { normalize: 'reference' }));
    expect(refTinted[0]).toBeGreaterThan(refHalves * 1.2);
    expect(refTinted[1]).toBeGreaterThan(refTinted[0] * 1.2);
  });

  it('is symmetric, exactly, for equal and unequal set sizes', () => {
    const dB = describeSet(withNoise(B, 0.05), D);
    expect(swd(dA, dB, S)).toEqual(swd(dB, dA, S));
    const small = describeSet({ res: RES, count: 50, pixels: B.pixels.slice(0, 50 * stride) }, D);
    expect(swd(dA, small, S).mean).toBe(swd(small, dA, S).mean);
    expect(swd(dA, small, S).mean).toBeGreaterThan(0);
  });

  it('is deterministic for a seed; other seeds give close values', () => {
    const again = swd(describeSet(A, D), describeSet(B, { ...D, seed: 5 }), S);
    expect(again.mean).toBe(halves);
    const noisy = withNoise(B, 0.05);
    const values = [1, 2, 3, 4].map((seed) => swd(describeSet(A, { ...D, seed }), describeSet(noisy, { ...D, seed: seed + 100 }), { ...S, seed }).mean);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    for (const v of values) expect(Math.abs(v - mean) / mean).toBeLessThan(0.15);
    expect(new Set(values).size).toBe(values.length);
  });

  it('remembers the reference projections without changing the result', () => {
    const dB = describeSet(B, { ...D, seed: 5 });
    const dC = describeSet(withNoise(B, 0.1), D);
    const fresh = swd(describeSet(A, D), dC, S);
    swd(dA, dB, S); // fills dA's memo
    expect(swd(dA, dC, S)).toEqual(fresh);
    expect(swd(dA, dC, { ...S, seed: 9 })).not.toEqual(fresh); // another key, recomputed
  });

  it('matches a direct computation of the recipe', () => {
    // Odd sizes on purpose: 15 and 77 descriptors, 10 directions (the kernel pads to 2 × 4).
    const small = (count: number, perImage: number, seed: number): Descriptors =>
      describeSet({ res: 16, count, pixels: all.pixels.slice(0, count * 16 * 16 * 3).map((v) => v * 0.5) }, { perImage, seed });
    const [x, y] = [small(3, 5, 1), small(7, 11, 2)];
    expect(swd(x, y, { directions: 10 }).mean).toBeCloseTo(direct(x, y, 10), 3);
  });

  it('scores a collapsed generator high and a diverged one NaN', () => {
    const flat = describeSet({ ...B, pixels: new Float32Array(B.pixels.length).fill(0.3) }, D);
    const value = swd(dA, flat, S).mean;
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(halves * 10);
    const nan = B.pixels.slice();
    nan[100] = NaN;
    expect(swd(dA, describeSet({ ...B, pixels: nan }, D), S).mean).toBeNaN();
  });

  it('rejects sets it cannot compare', () => {
    expect(() => describeSet({ res: 32, count: 2, pixels: new Float32Array(10) })).toThrow(RangeError);
    expect(() => describeSet({ res: 4, count: 1, pixels: new Float32Array(48) })).toThrow(/7×7/);
    const d16 = describeSet({ res: 16, count: 2, pixels: all.pixels.slice(0, 2 * 768).map((v) => v) }, D);
    expect(() => swd(dA, d16)).toThrow(RangeError);
  });
});

describe('sorting and 1-D distances', () => {
  it('radix sort orders floats like a numeric sort, negatives and zeros included', () => {
    const rng = new Rng(1);
    const v = new Float32Array(5000).map((_, i) => (i % 7 === 0 ? -0 : rng.normal() * 10 ** Math.floor(rng.next() * 8 - 4)));
    const expected = v.slice().sort();
    radixSortFloats(v, new Uint32Array(v.length));
    expect(Array.from(v)).toEqual(Array.from(expected));
  });

  it('W1 between step quantile functions, equal and unequal sizes', () => {
    const f = (...xs: number[]) => Float32Array.from(xs);
    expect(w1Sorted(f(0, 1, 5), 0, 3, f(1, 2, 3), 0, 3)).toBeCloseTo((1 + 1 + 2) / 3, 6);
    // Qa: 0 on [0,.5), 1 on [.5,1); Qb: 0,1,2,3 on quarters → ∫|Qa−Qb| = .25·(0+1+1+2).
    expect(w1Sorted(f(0, 1), 0, 2, f(0, 1, 2, 3), 0, 4)).toBeCloseTo(1, 6);
    expect(w1Sorted(f(9, 0, 1), 1, 2, f(0, 1, 2, 3), 0, 4)).toBeCloseTo(1, 6);
  });

  it('directions are unit vectors, fixed by seed and level', () => {
    const d = randomDirections(1, 0, 147, 3);
    for (let k = 0; k < 3; k++) expect(Math.hypot(...d.subarray(k * 147, (k + 1) * 147))).toBeCloseTo(1, 5);
    expect(randomDirections(1, 0, 147, 3)).toEqual(d);
    expect(randomDirections(1, 1, 147, 3)).not.toEqual(d);
  });
});

/**
 * The recipe written out plainly from the stored bands and offsets: explicit descriptor matrix,
 * per-set per-channel standardisation computed here, projection, native sort, W1.
 */
function direct(a: Descriptors, b: Descriptors, directions: number): number {
  const perLevel = a.levels.map((r, l) => {
    const dirs = randomDirections(1, l, 147, directions);
    const [pa, pb] = [a, b].map((d) => {
      const rows = Array.from(d.offsets[l], (o) => Array.from({ length: 147 }, (_, i) => d.bands[l][o + Math.floor(i / 21) * r * 3 + (i % 21)]));
      const stats = [0, 1, 2].map((c) => {
        const vals = rows.flatMap((row) => row.filter((_, i) => i % 3 === c));
        const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
        return { mean, std: Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length) };
      });
      return Array.from({ length: directions }, (_, k) =>
        Float32Array.from(rows.map((row) => row.reduce((s, v, i) => s + dirs[k * 147 + i] * ((v - stats[i % 3].mean) / stats[i % 3].std), 0))).sort(),
      );
    });
    let total = 0;
    for (let k = 0; k < directions; k++) total += w1Sorted(pa[k], 0, pa[k].length, pb[k], 0, pb[k].length);
    return (total / directions) * 1e3;
  });
  return perLevel.reduce((s, v) => s + v, 0) / perLevel.length;
}
