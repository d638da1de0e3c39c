/**
 * ADA's augmentation pipeline (src/gan/train/ada-pipeline.ts): identity at p = 0, no leak
 * (reflection, never a fill value; the dataset's mean brightness kept), the transforms'
 * probabilities and spreads against closed-form expectations (NVlabs's defaults), exact blits,
 * hand-computed bilinear values, gradients (finite differences, and a double backward), the JS
 * and device paths against each other, flat tensor counts, and equality with the PyTorch peer
 * (bench/peer/augment.py) on the same draws. Fast backend (WASM with our kernels).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA_RANGES, adaAugment, applyAdaPipeline, BGC, drawAdaPipeline, type AdaDraws, type AdaPipelineOptions } from '../../src/gan/train/ada-pipeline.ts';
import { resampleImages, type Interpolation } from '../../src/gan/train/ada/resample.ts';
import { colorRgb } from '../../src/gan/train/ada/color.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useCpuBackend, useFastBackend } from '../helpers/tf.ts';
import { dawnMissing, runDawnCheck } from '../helpers/dawn-check.ts';

beforeAll(useFastBackend);

type Shape = [number, number, number, number];

/** Only the named transforms on (multiplier 1), NVlabs's ranges otherwise. */
const only = (...names: (keyof AdaPipelineOptions)[]): AdaPipelineOptions => ({ ...ADA_RANGES, ...Object.fromEntries(names.map((n) => [n, 1])) });
const BLIT_AND_GEOM = only('xflip', 'rotate90', 'xint', 'scale', 'rotate', 'aniso', 'xfrac');

function uniform(shape: Shape, seed: number, lo = -1, hi = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.next()),
    shape,
  );
}

function read(t: tf.Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

/** Per-image pixel blocks of a flat NHWC array. */
function images(data: Float32Array, [b, h, w, c]: Shape): Float32Array[] {
  const n = h * w * c;
  return Array.from({ length: b }, (_, i) => data.subarray(i * n, (i + 1) * n));
}

/** Plain-JS reference: an exact pixel map of one [H, W, C] image, out(i, j) = in(src(i, j)). */
function remap(img: Float32Array, h: number, w: number, c: number, src: (i: number, j: number) => [number, number]): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const [si, sj] = src(i, j);
      for (let k = 0; k < c; k++) out[(i * w + j) * c + k] = img[(si * w + sj) * c + k]!;
    }
  }
  return out;
}

/** Explicit draws: every image through the same G⁻¹ and/or C. */
function draws(shape: Shape, geometric?: number[], color?: number[], interpolation: Interpolation = 'bilinear'): AdaDraws {
  const [batch, height, width, channels] = shape;
  const d: AdaDraws = { batch, height, width, channels, interpolation };
  const tile = (m: number[]): Float64Array => {
    const out = new Float64Array(batch * m.length);
    for (let b = 0; b < batch; b++) out.set(m, b * m.length);
    return out;
  };
  if (geometric) d.geometric = tile(geometric);
  if (color) d.color = tile(color);
  return d;
}

describe('ADA pipeline: identity and no leak', () => {
  it('is the identity, bit for bit, at p = 0, and draws no transform', () => {
    const shape: Shape = [6, 8, 8, 3];
    const x = uniform(shape, 1);
    const d = drawAdaPipeline(0, new Rng(2), shape);
    expect(d.geometric).toBeUndefined();
    expect(d.color).toBeUndefined();
    const y = adaAugment(x, 0, new Rng(2));
    expect(y).not.toBe(x);
    expect(Array.from(read(y))).toEqual(Array.from(x.dataSync()));
    x.dispose();
  });

  it('draws the same stream whatever p is, so ADA moving p never shifts later draws', () => {
    const states = [0, 0.3, 0.999].map((p) => {
      const rng = new Rng(7);
      drawAdaPipeline(p, rng, [5, 8, 8, 3]);
      return rng.save();
    });
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });

  it('never reads outside the image: a constant image stays that constant under every geometric transform, even extreme ones', () => {
    const shape: Shape = [32, 16, 16, 3];
    const c = 0.7;
    const x = tf.fill(shape, c) as tf.Tensor4D;
    // NVlabs's ranges at p = 0.8, and far wider ones at p = 1 (zoom-outs past one image width of padding).
    const wide: AdaPipelineOptions = { ...BLIT_AND_GEOM, scale_std: 1.5, aniso_std: 1, xfrac_std: 1, xint_max: 0.5 };
    const rng = new Rng(3);
    for (const [options, p] of [
      [BLIT_AND_GEOM, 0.8],
      [wide, 1],
    ] as const) {
      for (let round = 0; round < 4; round++) {
        const out = read(adaAugment(x, p, rng, options));
        expect(maxAbsDiff(out, new Float32Array(out.length).fill(c))).toBeLessThan(1e-5);
      }
    }
    x.dispose();
  });

  it("keeps a dataset's mean brightness under the geometric transforms (no zero-filled borders)", () => {
    // Smooth images about 0.5: zero fill at translated or rotated borders would pull the mean towards 0 by ~0.05.
    const shape: Shape = [8, 16, 16, 3];
    const rng = new Rng(4);
    const base = Array.from({ length: 8 }, () => [rng.next(), rng.next(), rng.next()]);
    const px = new Float32Array(8 * 16 * 16 * 3);
    for (let b = 0; b < 8; b++) {
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 16; j++) {
          for (let k = 0; k < 3; k++) px[((b * 16 + i) * 16 + j) * 3 + k] = 0.5 + 0.3 * Math.sin((i * base[b]![k]!) / 3 + (j * base[b]![(k + 1) % 3]!) / 4);
        }
      }
    }
    const x = tf.tensor4d(px, shape);
    const clean = mean(px);
    const augmented: number[] = [];
    for (let round = 0; round < 40; round++) augmented.push(mean(read(adaAugment(x, 0.8, rng, BLIT_AND_GEOM))));
    expect(Math.abs(mean(augmented) - clean)).toBeLessThan(0.01);
    x.dispose();
  });

  it('keeps the mean of a constant generator output under brightness (mean-preserving by design), within noise', () => {
    const colour = [0.5, -0.2, 0.1];
    const x = tf.tile(tf.tensor4d(colour, [1, 1, 1, 3]), [4000, 1, 1, 1]) as tf.Tensor4D;
    const out = read(adaAugment(x, 0.8, new Rng(5), only('brightness')));
    // Per image ±N(0, 0.2) on 80%: standard error 0.2·√0.8/√4000 ≈ 0.003.
    for (let k = 0; k < 3; k++) expect(Math.abs(mean(out.filter((_, i) => i % 3 === k)) - colour[k]!)).toBeLessThan(0.012);
    x.dispose();
  });
});

describe('ADA pipeline: the transforms as NVlabs draws them', () => {
  /** Luma (along (1,1,1)/√3) and chroma (the rest) of an RGB colour. */
  const split = (rgb: ArrayLike<number>): { luma: number; chroma: number[] } => {
    const l = (rgb[0]! + rgb[1]! + rgb[2]!) / 3;
    return { luma: l * Math.sqrt(3), chroma: [rgb[0]! - l, rgb[1]! - l, rgb[2]! - l] };
  };
  const colour = [0.6, 0.3, 0.4];
  const N = 4000;
  function colourRun(options: AdaPipelineOptions, p: number, seed: number): { luma: number[]; chroma: number[][] } {
    const x = tf.tile(tf.tensor4d(colour, [1, 1, 1, 3]), [N, 1, 1, 1]) as tf.Tensor4D;
    const out = read(adaAugment(x, p, new Rng(seed), options));
    x.dispose();
    const parts = Array.from({ length: N }, (_, b) => split(out.subarray(b * 3, b * 3 + 3)));
    return { luma: parts.map((q) => q.luma), chroma: parts.map((q) => q.chroma) };
  }
  const chromaMean = (chroma: number[][]): number[] => [0, 1, 2].map((k) => mean(chroma.map((c) => c[k]!)));
  const clean = split(colour);
  const lnMean = (sigma: number): number => Math.exp((sigma * Math.LN2) ** 2 / 2); // E[2^(σ·N(0,1))]

  it('contrast: E[x·2^(0.5·N)] over p of the images (contrast_std is a log2 std)', () => {
    const { luma } = colourRun(only('contrast'), 0.8, 11);
    // Without contrast the mean would stay at clean.luma, 0.037 away; a natural-log std would give +0.08.
    expect(Math.abs(mean(luma) - clean.luma * (0.2 + 0.8 * lnMean(0.5)))).toBeLessThan(0.012);
  });

  it('luma flip: half the picked images flipped along the luma axis, chroma untouched', () => {
    const { luma, chroma } = colourRun(only('lumaflip'), 0.8, 12);
    // Tolerances: 5 standard errors (0.012 for the mean luma, 0.008 for the share flipped).
    expect(Math.abs(mean(luma) - clean.luma * (1 - 0.8))).toBeLessThan(0.06);
    const flipped = luma.filter((l) => Math.abs(l + clean.luma) < 1e-5).length / N;
    expect(Math.abs(flipped - 0.4)).toBeLessThan(0.04);
    expect(maxAbsDiff(chromaMean(chroma), clean.chroma)).toBeLessThan(1e-5);
  });

  it('hue: a uniform rotation about the luma axis over the full circle (luma kept, mean chroma → (1 − p)·chroma)', () => {
    const { luma, chroma } = colourRun(only('hue'), 0.8, 13);
    expect(maxAbsDiff(luma, new Array(N).fill(clean.luma))).toBeLessThan(1e-5);
    const norms = chroma.map((c) => Math.hypot(...c));
    expect(maxAbsDiff(norms, new Array(N).fill(Math.hypot(...clean.chroma)))).toBeLessThan(1e-5);
    expect(
      maxAbsDiff(
        chromaMean(chroma),
        clean.chroma.map((v) => 0.2 * v),
      ),
    ).toBeLessThan(0.02);
  });

  it('saturation: chroma scaled by 2^N(0, 1) (saturation_std 1, log2), luma kept', () => {
    const { luma, chroma } = colourRun(only('saturation'), 0.8, 14);
    expect(maxAbsDiff(luma, new Array(N).fill(clean.luma))).toBeLessThan(1e-5);
    const expected = clean.chroma.map((v) => v * (0.2 + 0.8 * lnMean(1)));
    expect(maxAbsDiff(chromaMean(chroma), expected)).toBeLessThan(0.012);
  });

  it('x-flip and 90° rotations are exact copies, each image one of the flips / quarter turns, in NVlabs proportions', () => {
    const shape: Shape = [400, 6, 6, 1];
    const x = uniform(shape, 21);
    const src = images(x.dataSync() as Float32Array, shape);
    const rot =
      (q: number) =>
      (i: number, j: number): [number, number] =>
        // Output (i, j) reads the input rotated a quarter turn q times (all four candidates are checked).
        [
          [i, j],
          [j, 5 - i],
          [5 - i, 5 - j],
          [5 - j, i],
        ][q] as [number, number];
    for (const [options, candidates, expectedShare] of [
      [only('xflip'), [(i: number, j: number): [number, number] => [i, j], (i: number, j: number): [number, number] => [i, 5 - j]], [0.6, 0.4]],
      [only('rotate90'), [0, 1, 2, 3].map(rot), [0.2 + 0.2, 0.2, 0.2, 0.2]],
    ] as const) {
      const out = images(read(adaAugment(x, 0.8, new Rng(22), options)), shape);
      const counts = new Array(candidates.length).fill(0);
      out.forEach((img, b) => {
        const match = candidates.findIndex((m) => maxAbsDiff(img, remap(src[b]!, 6, 6, 1, m)) === 0);
        expect(match).toBeGreaterThanOrEqual(0);
        counts[match]++;
      });
      counts.forEach((n, k) => expect(Math.abs(n / 400 - expectedShare[k]!)).toBeLessThan(0.08));
    }
    x.dispose();
  });

  it('integer translation: exact shifts of at most xint_max·size, with reflection at the edges', () => {
    const shape: Shape = [800, 16, 16, 1];
    const x = uniform(shape, 31);
    const src = images(x.dataSync() as Float32Array, shape);
    const out = images(read(adaAugment(x, 1, new Rng(32), only('xint'))), shape);
    const reflect = (k: number): number => (k < 0 ? -k : k > 15 ? 30 - k : k);
    const seen = new Set<string>();
    out.forEach((img, b) => {
      let found = false;
      for (let dy = -2; dy <= 2 && !found; dy++) {
        for (let dx = -2; dx <= 2 && !found; dx++) {
          if (
            maxAbsDiff(
              img,
              remap(src[b]!, 16, 16, 1, (i, j) => [reflect(i - dy), reflect(j - dx)]),
            ) === 0
          ) {
            found = true;
            seen.add(`${dy},${dx}`);
          }
        }
      }
      expect(found).toBe(true);
    });
    // round(±0.125·16) reaches ±2: all 25 shifts occur.
    expect(seen.size).toBe(25);
    x.dispose();
  });

  it('rotation: P(pre or post) = p, the angle uniform over the full circle', () => {
    const batch = 4000;
    const d = drawAdaPipeline(0.6, new Rng(41), [batch, 8, 8, 3], only('rotate'));
    const g = d.geometric!;
    let rotated = 0;
    const angles: number[] = [];
    for (let b = 0; b < batch; b++) {
      const [a, , , c] = [g[b * 9]!, g[b * 9 + 1]!, g[b * 9 + 2]!, g[b * 9 + 3]!];
      if (a === 1 && c === 0) continue;
      rotated++;
      angles.push(Math.atan2(c, a));
    }
    expect(Math.abs(rotated / batch - 0.6)).toBeLessThan(0.03);
    // The sum of two uniform rotations (both gates open) is uniform too: |angle| has mean π/2.
    expect(Math.abs(mean(angles.map(Math.abs)) - Math.PI / 2)).toBeLessThan(0.06);
  });

  it('isotropic scaling: log2 of the scale has std scale_std (0.2), fractional translation std xfrac_std·size', () => {
    const batch = 4000;
    const scale = drawAdaPipeline(1, new Rng(51), [batch, 8, 8, 3], only('scale')).geometric!;
    const logs = Array.from({ length: batch }, (_, b) => Math.log2(scale[b * 9]!));
    expect(Math.abs(Math.sqrt(mean(logs.map((v) => v * v))) - 0.2)).toBeLessThan(0.008);
    const shift = drawAdaPipeline(1, new Rng(52), [batch, 8, 16, 3], only('xfrac')).geometric!;
    const tx = Array.from({ length: batch }, (_, b) => shift[b * 9 + 2]!);
    const ty = Array.from({ length: batch }, (_, b) => shift[b * 9 + 5]!);
    // x is scaled by the width (16), y by the height (8).
    expect(Math.abs(Math.sqrt(mean(tx.map((v) => v * v))) - 0.125 * 16)).toBeLessThan(0.08);
    expect(Math.abs(Math.sqrt(mean(ty.map((v) => v * v))) - 0.125 * 8)).toBeLessThan(0.04);
  });
});

describe('ADA pipeline: resampling and colour arithmetic', () => {
  it('a half-pixel shift is the mean of two neighbours, reflected at the edge (hand-computed)', () => {
    // One row [a, b, c, d]; G⁻¹ = translate(−0.5, 0): output j reads x(j − 0.5).
    const shape: Shape = [1, 1, 4, 1];
    const x = tf.tensor4d([1, 2, 4, 8], shape);
    const out = read(applyAdaPipeline(x, draws(shape, [1, 0, -0.5, 0, 1, 0, 0, 0, 1])));
    // x(−0.5) = (x[−1] + x[0])/2 with x[−1] = x[1] (reflection without repeating the edge).
    expect(Array.from(out)).toEqual([1.5, 1.5, 3, 6]);
    x.dispose();
  });

  it('bicubic (a = −0.75, as PyTorch): a half-pixel shift weighs the four nearest −3/32, 19/32, 19/32, −3/32 (hand-computed)', () => {
    const shape: Shape = [1, 1, 4, 1];
    const x = tf.tensor4d([1, 2, 4, 8], shape);
    const out = read(applyAdaPipeline(x, draws(shape, [1, 0, -0.5, 0, 1, 0, 0, 0, 1], undefined, 'bicubic')));
    // Output j reads x(j − 0.5): taps j−2 … j+1, reflected (x[−2] = x[2], x[−1] = x[1], x[4] = x[2]).
    const w = [-3 / 32, 19 / 32, 19 / 32, -3 / 32];
    const taps = [
      [4, 2, 1, 2],
      [2, 1, 2, 4],
      [1, 2, 4, 8],
      [2, 4, 8, 4],
    ];
    expect(Array.from(out)).toEqual(taps.map((t) => t.reduce((s, v, k) => s + v * w[k]!, 0)));
    x.dispose();
  });

  it('applies colour_out = C[:3,:3]·rgb + C[:3,3] per pixel', () => {
    const shape: Shape = [1, 1, 2, 3];
    const x = tf.tensor4d([0.1, 0.2, 0.3, -0.5, 0.25, 1], shape);
    // prettier-ignore
    const C = [1, 2, 0, 0.5,  0, 1, -1, 0,  0.5, 0, 2, -0.25,  0, 0, 0, 1];
    const out = read(applyAdaPipeline(x, draws(shape, undefined, C)));
    const want = [0.1 + 0.4 + 0.5, 0.2 - 0.3, 0.05 + 0.6 - 0.25, -0.5 + 0.5 + 0.5, 0.25 - 1, -0.25 + 2 - 0.25];
    expect(maxAbsDiff(out, want)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('the JS path (cpu/wasm) and the device path (webgl/webgpu) agree, forward and backward, on WASM and CPU kernels', async () => {
    const shape: Shape = [4, 9, 7, 3];
    const px = read(uniform(shape, 61));
    const dyPx = read(uniform(shape, 62));
    const d = drawAdaPipeline(1, new Rng(63), shape, BGC);
    const run = (path: 'js' | 'device'): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(px, shape);
        const f = (t: tf.Tensor): tf.Tensor => colorRgb(resampleImages(t as tf.Tensor4D, d.geometric!, d.interpolation, path), d.color!, path);
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor4d(dyPx, shape))))(x);
        return [f(x).dataSync() as Float32Array, grad.dataSync() as Float32Array];
      });
    const [vJs, gJs] = run('js');
    const results = [run('device')];
    await useCpuBackend();
    results.push(run('device'), run('js'));
    await useFastBackend();
    for (const [v, g] of results) {
      expect(maxAbsDiff(vJs!, v!)).toBeLessThan(1e-5);
      expect(maxAbsDiff(gJs!, g!)).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(gJs!, new Float32Array(gJs!.length))).toBeGreaterThan(0.1);
  });
});

describe('ADA pipeline: gradients and memory', () => {
  it('passes finite, non-zero gradients to the images, equal to finite differences', () => {
    const shape: Shape = [2, 4, 5, 3];
    const x = uniform(shape, 71);
    const w = uniform(shape, 72);
    const d = drawAdaPipeline(1, new Rng(73), shape, BGC);
    expect(d.geometric).toBeDefined();
    expect(d.color).toBeDefined();
    // A non-linear loss of the augmented images, so the check covers more than the map's linearity.
    const loss = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.square(applyAdaPipeline(t as tf.Tensor4D, d)), w));
    const grad = read(tf.grad(loss)(x));
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(grad.filter((g) => Math.abs(g) > 1e-3).length).toBeGreaterThan(grad.length / 2);
    const base = x.dataSync() as Float32Array;
    // For fixed draws the pipe is affine, so this loss is quadratic and central differences are
    // exact up to float32 rounding, which a wide step keeps small.
    const eps = 0.25;
    for (const i of [0, 7, 23, 41, 59, 88, 119]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd = (read(loss(tf.tensor4d(plus, shape)))[0]! - read(loss(tf.tensor4d(minus, shape)))[0]!) / (2 * eps);
      expect(Math.abs(fd - grad[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
    x.dispose();
    w.dispose();
  });

  it('supports a double backward (R1 through the pipe): the gradient of |∇ₓ L|² matches finite differences', () => {
    const shape: Shape = [2, 4, 4, 3];
    const x = uniform(shape, 81);
    const w = uniform(shape, 82);
    const d = drawAdaPipeline(1, new Rng(83), shape, BGC);
    const inner = (t: tf.Tensor): tf.Tensor => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.square(applyAdaPipeline(u as tf.Tensor4D, d)), w)))(t);
    const penalty = (t: tf.Tensor): tf.Scalar => tf.sum(tf.square(inner(t)));
    const grad = read(tf.grad(penalty)(x));
    expect(grad.every(Number.isFinite)).toBe(true);
    const base = x.dataSync() as Float32Array;
    // Quadratic in x again (∇ₓL is affine), so a wide central step is exact up to rounding (penalty ≈ 600).
    const eps = 0.5;
    for (const i of [0, 13, 50, 95]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd = (read(penalty(tf.tensor4d(plus, shape)))[0]! - read(penalty(tf.tensor4d(minus, shape)))[0]!) / (2 * eps);
      expect(Math.abs(fd - grad[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
    x.dispose();
    w.dispose();
  });

  it('keeps tf.memory().numTensors flat over forward and backward calls', () => {
    const shape: Shape = [4, 8, 8, 3];
    const x = uniform(shape, 91);
    const rng = new Rng(92);
    const step = (): void => {
      read(adaAugment(x, 0.7, rng));
      read(tf.grad((t: tf.Tensor) => tf.sum(tf.square(adaAugment(t as tf.Tensor4D, 0.7, rng))))(x));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe.skipIf(dawnMissing !== undefined)('ADA pipeline on WebGPU (Dawn for Node + SwiftShader)', () => {
  it("gives the CPU backend's images, gradients and double-backward gradients, and leaks no tensor", () => {
    const check = runDawnCheck<{ webgpu: number[][]; cpu: number[][]; leaked: number }>('tests/helpers/ada-webgpu-check.ts', 240_000);
    if (check instanceof Error) throw check;
    const relative = (a: number[], b: number[]): number => maxAbsDiff(a, b) / Math.max(...b.map(Math.abs));
    const [names, webgpu, cpu] = [['images', 'gradient', 'double backward'], check.webgpu, check.cpu];
    names.forEach((name, i) => expect(relative(webgpu[i]!, cpu[i]!), name).toBeLessThan(1e-5));
    expect(check.leaked).toBe(0);
  }, 300_000);
});

const PYTHON = '/usr/bin/python3';
/** A file's bytes as their own ArrayBuffer (small files come back as a view into Node's shared buffer pool). */
function readBytes(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
const readFloats = (path: string): Float32Array => new Float32Array(readBytes(path));
const readDoubles = (path: string): Float64Array => new Float64Array(readBytes(path));
const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!torchAvailable)('ADA pipeline: lockstep with the PyTorch peer (bench/peer/augment.py)', () => {
  interface Case {
    name: string;
    shape: Shape;
    dir: string;
    draws: AdaDraws;
    out: Float32Array;
    grad: Float32Array;
  }
  const cases: Case[] = [];

  /** Augments a batch (and dy back through the pipe) and writes what the peer needs into a fresh folder. */
  function prepare(name: string, shape: Shape, seed: number, interpolation: Interpolation): Case {
    const x = uniform(shape, seed);
    const dy = uniform(shape, seed + 1);
    // bgc at p = 1 with wide spreads, so every transform is drawn and the padding needs several reflections.
    const d = drawAdaPipeline(1, new Rng(seed + 2), shape, { ...BGC, scale_std: 0.6, xfrac_std: 0.3, interpolation });
    const out = read(applyAdaPipeline(x, d));
    const grad = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(applyAdaPipeline(t as tf.Tensor4D, d), dy)))(x));
    const dir = mkdtempSync(join(tmpdir(), 'ada-peer-'));
    const [batch, height, width, channels] = shape;
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ batch, height, width, channels, params: true, interpolation }));
    const params = Object.fromEntries(Object.entries(d.params!).map(([k, v]) => [k, Array.from(v as Float64Array)]));
    writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
    writeFileSync(join(dir, 'images.f32'), read(x));
    writeFileSync(join(dir, 'dy.f32'), read(dy));
    return { name, shape, dir, draws: d, out, grad };
  }

  beforeAll(() => {
    cases.push(
      prepare('RGB square, bicubic', [8, 16, 16, 3], 101, 'bicubic'),
      prepare('RGB non-square, bilinear', [6, 12, 20, 3], 102, 'bilinear'),
      prepare('RGB non-square, bicubic', [6, 20, 12, 3], 104, 'bicubic'),
      prepare('grey, bicubic', [4, 10, 10, 1], 103, 'bicubic'),
    );
    // One peer process for all cases (importing torch takes seconds here).
    const run = spawnSync(PYTHON, ['bench/peer/augment.py', ...cases.map((c) => c.dir)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the peer failed: ${run.stderr}`);
  }, 120_000);
  afterAll(() => cases.forEach((c) => rmSync(c.dir, { recursive: true, force: true })));

  it.each(['RGB square, bicubic', 'RGB non-square, bilinear', 'RGB non-square, bicubic', 'grey, bicubic'])(
    '%s: the peer rebuilds the same matrices from our draws, NVlabs-style, and gets the same images and gradients within 1e-5',
    (name) => {
      const { dir, draws: d, out, grad } = cases.find((c) => c.name === name)!;
      // NVlabs's cos(π/2) ≈ 6e-17 against our exact quarter turns: matrices agree to ~1e-15.
      expect(maxAbsDiff(readDoubles(join(dir, 'peer-geometric.f64')), d.geometric!)).toBeLessThan(1e-12);
      // Colour: rows 0–2 only. NVlabs's saturation step (vvᵀ + (I − vvᵀ)·s on 4×4, v = (1,1,1,0)/√3)
      // also scales the homogeneous row 3 by s; that row never reaches a pixel, ours keeps it (0,0,0,1).
      const colourRows = (m: Float64Array): number[] => Array.from(m).filter((_, k) => k % 16 < 12);
      expect(maxAbsDiff(colourRows(readDoubles(join(dir, 'peer-color.f64'))), colourRows(d.color!))).toBeLessThan(1e-12);
      expect(maxAbsDiff(out, readFloats(join(dir, 'out.f32')))).toBeLessThan(1e-5);
      expect(maxAbsDiff(grad, readFloats(join(dir, 'grad.f32')))).toBeLessThan(1e-5);
    },
  );
});
