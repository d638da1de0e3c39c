/**
 * Differentiable augmentation (src/gan/train/augment.ts): each op against a plain-JS reference on
 * explicit draws, identity at p = 0, determinism per seed and across backends, gradients by
 * finite differences, and no leaked tensors. Fast backend (WASM with our kernels), CPU backend
 * as the reference where backends are compared.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyAugment,
  augment,
  cutoutSize,
  DIFF_AUGMENT,
  drawAugment,
  flipHorizontal,
  maxShift,
  type AugmentDraws,
  type AugmentPolicy,
} from '../../src/gan/train/augment.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useCpuBackend, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const NONE: AugmentPolicy = { color: false, translation: false, cutout: false };
const POLICIES: Record<string, AugmentPolicy> = {
  color: { ...NONE, color: true },
  translation: { ...NONE, translation: true },
  cutout: { ...NONE, cutout: true },
  all: DIFF_AUGMENT,
};

/** Values uniform in [lo, hi), from a seed. */
function images(shape: [number, number, number, number], seed: number, lo = -1, hi = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()),
    shape,
  );
}

function read(t: tf.Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/** x[b, y, x, c] of a flat NHWC array; 0 outside the image (the zero padding). */
function at(x: Float32Array, [, h, w, c]: number[], b: number, y: number, xx: number, ch: number): number {
  return y < 0 || y >= h! || xx < 0 || xx >= w! ? 0 : x[((b * h! + y) * w! + xx) * c! + ch]!;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('augment', () => {
  it('keeps shape and dtype under every policy and p', () => {
    const x = images([3, 8, 8, 3], 1);
    for (const policy of Object.values(POLICIES)) {
      for (const p of [0, 0.5, 1]) {
        const y = augment(x, policy, p, new Rng(2));
        expect(y.shape).toEqual([3, 8, 8, 3]);
        expect(y.dtype).toBe('float32');
        y.dispose();
      }
    }
    x.dispose();
  });

  it('is the identity, bit for bit, at p = 0 (and returns a tensor the caller owns)', () => {
    const x = images([4, 16, 16, 3], 3);
    const original = x.dataSync().slice();
    for (const policy of Object.values(POLICIES)) {
      const y = augment(x, policy, 0, new Rng(5));
      expect(y).not.toBe(x);
      expect(Array.from(read(y))).toEqual(Array.from(original));
    }
    x.dispose();
  });

  it('leaves the images that every op skipped bit-exact at 0 < p < 1', () => {
    const [n, side] = [64, 8];
    const x = images([n, side, side, 3], 71);
    const xs = x.dataSync() as Float32Array;
    const d = drawAugment(DIFF_AUGMENT, 0.3, new Rng(73), n, side);
    const y = read(augment(x, DIFF_AUGMENT, 0.3, new Rng(73)));
    const per = side * side * 3;
    let clean = 0;
    for (let b = 0; b < n; b++) {
      const skipped =
        d.color!.brightness[b] === 0 &&
        d.color!.saturation[b] === 1 &&
        d.color!.contrast[b] === 1 &&
        d.translation!.dy[b] === 0 &&
        d.translation!.dx[b] === 0 &&
        d.cutout!.size[b] === 0;
      if (!skipped) continue;
      clean++;
      expect(Array.from(y.subarray(b * per, (b + 1) * per))).toEqual(Array.from(xs.subarray(b * per, (b + 1) * per)));
    }
    expect(clean).toBeGreaterThan(3); // 0.7⁵ of 64 ≈ 11 expected
    x.dispose();
  });

  it('shifts with zero fill exactly as the reference, per image', () => {
    const shape: [number, number, number, number] = [3, 8, 8, 3];
    const x = images(shape, 7);
    const xs = x.dataSync() as Float32Array;
    const draws: AugmentDraws = { translation: { dy: Int32Array.of(1, -2, 0), dx: Int32Array.of(-1, 0, 2) } };
    const y = read(applyAugment(x, draws));
    const expected = y.map((_, i) => {
      const [b, r, col, ch] = [Math.floor(i / 192), Math.floor(i / 24) % 8, Math.floor(i / 3) % 8, i % 3];
      return at(xs, shape, b, r - draws.translation!.dy[b]!, col - draws.translation!.dx[b]!, ch);
    });
    expect(Array.from(y)).toEqual(Array.from(expected));
    x.dispose();
  });

  it('zeroes exactly the cutout square (clipped at the edges) and leaves the rest alone', () => {
    const shape: [number, number, number, number] = [3, 8, 8, 3];
    const x = images(shape, 11, 0.1, 1); // no zeros in the input: every zero comes from cutout
    const xs = x.dataSync() as Float32Array;
    const cut = { top: Int32Array.of(2, -2, 6), left: Int32Array.of(1, 5, -1), size: Int32Array.of(4, 4, 0) };
    const y = read(applyAugment(x, { cutout: cut }));
    const inside = (b: number, r: number, c: number): boolean =>
      r >= cut.top[b]! && r < cut.top[b]! + cut.size[b]! && c >= cut.left[b]! && c < cut.left[b]! + cut.size[b]!;
    let zeros = 0;
    y.forEach((v, i) => {
      const [b, r, col] = [Math.floor(i / 192), Math.floor(i / 24) % 8, Math.floor(i / 3) % 8];
      expect(v).toBe(inside(b, r, col) ? 0 : xs[i]);
      if (v === 0) zeros++;
    });
    // 4×4 inside, 2×3 over the top-right corner, none for the third image: ×3 channels.
    expect(zeros).toBe((16 + 6) * 3);
    x.dispose();
  });

  it('applies brightness, saturation and contrast as the reference formulas', () => {
    const shape: [number, number, number, number] = [2, 4, 4, 3];
    const x = images(shape, 13);
    const xs = x.dataSync() as Float32Array;
    const color = { brightness: Float32Array.of(0.3, -0.2), saturation: Float32Array.of(1.7, 0.2), contrast: Float32Array.of(0.6, 1.4) };
    const y = read(applyAugment(x, { color }));
    const expected = new Float32Array(xs.length);
    for (let b = 0; b < 2; b++) {
      const img = Array.from(xs.subarray(b * 48, (b + 1) * 48), (v) => v + color.brightness[b]!);
      for (let px = 0; px < 16; px++) {
        const m = (img[px * 3]! + img[px * 3 + 1]! + img[px * 3 + 2]!) / 3;
        for (let c = 0; c < 3; c++) img[px * 3 + c] = (img[px * 3 + c]! - m) * color.saturation[b]! + m;
      }
      const mean = img.reduce((a, v) => a + v, 0) / 48;
      img.forEach((v, i) => (expected[b * 48 + i] = (v - mean) * color.contrast[b]! + mean));
    }
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    x.dispose();
  });

  it('keeps values finite, and translation and cutout keep them within the input range or 0', () => {
    const x = images([8, 16, 16, 3], 17, 0.1, 0.9);
    for (const [name, policy] of Object.entries(POLICIES)) {
      const y = read(augment(x, policy, 1, new Rng(19)));
      expect(y.every(Number.isFinite), name).toBe(true);
      if (name === 'translation' || name === 'cutout') {
        expect(
          y.every((v) => v === 0 || (v >= 0.1 && v <= 0.9)),
          name,
        ).toBe(true);
        expect(
          y.some((v) => v === 0),
          name,
        ).toBe(true);
      }
    }
    x.dispose();
  });

  it('draws DiffAugment-sized ops, each image gated with probability p, same stream for any p', () => {
    expect([maxShift(16), maxShift(32), maxShift(64), cutoutSize(32)]).toEqual([2, 4, 8, 16]);
    const n = 4000;
    const a = new Rng(23);
    const b = new Rng(23);
    const low = drawAugment(DIFF_AUGMENT, 0.25, a, n, 32);
    const high = drawAugment(DIFF_AUGMENT, 0.75, b, n, 32);
    expect(a.next()).toBe(b.next()); // p does not change how many numbers were drawn
    const rate = (d: AugmentDraws): number => d.cutout!.size.filter((s) => s > 0).length / n;
    expect(rate(low)).toBeGreaterThan(0.22);
    expect(rate(low)).toBeLessThan(0.28);
    expect(rate(high)).toBeGreaterThan(0.72);
    const shifts = Array.from(high.translation!.dx);
    expect(Math.min(...shifts)).toBe(-4);
    expect(Math.max(...shifts)).toBe(4);
    expect(Math.min(...high.color!.saturation)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...high.color!.contrast)).toBeLessThan(1.5);
  });

  it('is deterministic for a seed, differs across seeds, and agrees between WASM and CPU', async () => {
    const run = (seed: number): Float32Array => tf.tidy(() => read(augment(images([4, 8, 8, 3], 29), DIFF_AUGMENT, 0.8, new Rng(seed))));
    const wasm = run(31);
    expect(Array.from(run(31))).toEqual(Array.from(wasm));
    expect(maxAbsDiff(run(32), wasm)).toBeGreaterThan(0.1);
    await useCpuBackend();
    const cpu = run(31);
    await useFastBackend();
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('has the same gradient on WASM and CPU', async () => {
    const grad = (): Float32Array =>
      tf.tidy(() => {
        const w = images([4, 8, 8, 3], 37);
        const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(w, augment(x as tf.Tensor4D, DIFF_AUGMENT, 0.8, new Rng(39))));
        return read(tf.grad(f)(images([4, 8, 8, 3], 38)));
      });
    const wasm = grad();
    await useCpuBackend();
    const cpu = grad();
    await useFastBackend();
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
    expect(maxAbsDiff(cpu, new Float32Array(cpu.length))).toBeGreaterThan(0.1);
  });
});

const SMALL: [number, number, number, number] = [2, 4, 4, 3];

/**
 * tf.grad(f) at x0 against central differences, as the largest error over the largest
 * numeric derivative. f must draw the same augmentation on every call (a fresh Rng with a fixed
 * seed); every op is affine in x for fixed draws, so the differences are exact up to rounding.
 */
function gradientError(f: (x: tf.Tensor) => tf.Scalar, x0: tf.Tensor4D): { err: number; scale: number } {
  const analytic = read(tf.grad(f)(x0));
  const base = x0.dataSync() as Float32Array;
  const probe = (i: number, d: number): number =>
    tf.tidy(() => {
      const v = base.slice();
      v[i]! += d;
      return f(tf.tensor4d(v, x0.shape)).dataSync()[0]!;
    });
  let [err, scale] = [0, 0];
  for (let i = 0; i < base.length; i++) {
    const numeric = (probe(i, 0.25) - probe(i, -0.25)) / 0.5;
    err = Math.max(err, Math.abs(numeric - analytic[i]!));
    scale = Math.max(scale, Math.abs(numeric));
  }
  return { err, scale };
}

describe('augment gradients', () => {
  for (const [name, policy] of Object.entries(POLICIES)) {
    it(`flow through ${name} and match finite differences of Σ w ⊙ augment(x)`, () => {
      for (const seed of [41, 43]) {
        const [x0, w] = [images(SMALL, seed), images(SMALL, seed + 1)];
        const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(w, augment(x as tf.Tensor4D, policy, 1, new Rng(seed + 2))));
        const { err, scale } = gradientError(f, x0);
        expect(scale).toBeGreaterThan(0.1);
        expect(err / scale).toBeLessThan(1e-3);
        tf.dispose([x0, w]);
      }
    });
  }

  it('differ from the identity gradient (the check can see the augmentation)', () => {
    const [x, w] = [images(SMALL, 47), images(SMALL, 48)];
    const g = read(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(w, augment(v as tf.Tensor4D, DIFF_AUGMENT, 1, new Rng(49)))))(x));
    expect(maxAbsDiff(g, w.dataSync() as Float32Array)).toBeGreaterThan(0.1);
    tf.dispose([x, w]);
  });

  it('of second order (R1 through the augmentation) match finite differences of the first', () => {
    const [x0, c, v] = [images(SMALL, 79), images(SMALL, 83), images(SMALL, 89)];
    const aug = (x: tf.Tensor): tf.Tensor => augment(x as tf.Tensor4D, DIFF_AUGMENT, 1, new Rng(97));
    // h(x) = <v, ∇ₓ Σ c ⊙ aug(x)²>: its gradient needs the gradient of aug's gradient.
    const h = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(v, tf.grad((y: tf.Tensor) => tf.sum(tf.mul(c, tf.square(aug(y)))))(x)));
    const { err, scale } = gradientError(h, x0);
    expect(scale).toBeGreaterThan(0.1);
    expect(err / scale).toBeLessThan(1e-3);
    tf.dispose([x0, c, v]);
  });
});

describe('flipHorizontal', () => {
  it('mirrors exactly at p = 1, leaves images alone at p = 0, and mixes per image between', () => {
    const x = images([16, 8, 8, 3], 53);
    const mirrored = read(tf.reverse(x, 2));
    const xs = x.dataSync() as Float32Array;
    expect(Array.from(read(flipHorizontal(x, new Rng(1), 1)))).toEqual(Array.from(mirrored));
    expect(Array.from(read(flipHorizontal(x, new Rng(1), 0)))).toEqual(Array.from(xs));
    const half = read(flipHorizontal(x, new Rng(59), 0.5));
    let flipped = 0;
    for (let b = 0; b < 16; b++) {
      const [lo, hi] = [b * 192, (b + 1) * 192];
      const img = Array.from(half.subarray(lo, hi));
      const isMirror = img.every((v, i) => v === mirrored[lo + i]);
      expect(isMirror || img.every((v, i) => v === xs[lo + i])).toBe(true);
      if (isMirror) flipped++;
    }
    expect(flipped).toBeGreaterThan(2);
    expect(flipped).toBeLessThan(14);
    x.dispose();
  });
});

describe('memory', () => {
  it('leaks no tensors over repeated augment and flip calls', () => {
    const x = images([4, 16, 16, 3], 61);
    const rng = new Rng(67);
    const once = (): void => {
      tf.dispose([augment(x, DIFF_AUGMENT, 1, rng), augment(x, DIFF_AUGMENT, 0.3, rng), augment(x, DIFF_AUGMENT, 0, rng), flipHorizontal(x, rng, 0.5)]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(augment(v as tf.Tensor4D, DIFF_AUGMENT, 1, rng)))(x);
      g.dispose();
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
