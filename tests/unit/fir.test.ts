import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { blur, convDown, convUp, downThen1x1, FIR_TAPS, upsample } from '../../src/gan/nn/fir.ts';
import { foldedConvDown, foldedConvUp, foldedDownThen1x1 } from '../helpers/fir-folded.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

/** A [1, h, w, 1] image from rows. */
const image = (rows: number[][]) => tf.tensor4d(rows.flat(), [1, rows.length, rows[0]!.length, 1]);
/** A [k, k, 1, 1] kernel from rows. */
const kernel = (rows: number[][]) => tf.tensor4d(rows.flat(), [rows.length, rows[0]!.length, 1, 1]);
/** The outer product of two row profiles, divided by `d` (expected values below are worked by hand). */
const outer = (a: number[], b: number[], d: number) => a.map((x) => b.map((y) => (x * y) / d));

function expectImage(got: tf.Tensor4D, want: number[][]): void {
  expect(got.shape).toEqual([1, want.length, want[0]!.length, 1]);
  const v = got.dataSync();
  want.flat().forEach((w, i) => expect(v[i]!, `pixel ${i}`).toBeCloseTo(w, 6));
  got.dispose();
}

describe('the [1, 3, 3, 1] FIR filter, worked by hand', () => {
  it('has the taps [1, 3, 3, 1] / 8', () => {
    expect([...FIR_TAPS]).toEqual([0.125, 0.375, 0.375, 0.125]);
  });

  it('×2 up: a corner pixel spreads as [3, 3, 1, 0] / 4 per axis; a constant keeps its value inside, ¾ on the edge', () => {
    // One axis: out[2i] = (x[i−1] + 3 x[i]) / 4, out[2i+1] = (3 x[i] + x[i+1]) / 4, zeros outside.
    // x = [1, 0] → [3, 3, 1, 0] / 4;  x = [1, 1] → [3, 4, 4, 3] / 4.
    expectImage(
      upsample(
        image([
          [1, 0],
          [0, 0],
        ]),
      ),
      outer([3, 3, 1, 0], [3, 3, 1, 0], 16),
    );
    expectImage(
      upsample(
        image([
          [1, 1],
          [1, 1],
        ]),
      ),
      outer([3, 4, 4, 3], [3, 4, 4, 3], 16),
    );
  });

  it('×2 down then 1×1: y[i] = Σₐ f[a] x[2i + a − 1]', () => {
    // Rows: a 1 at row 2 → y[0] = f[3] = 1/8, y[1] = f[1] = 3/8.
    // Columns: a 1 at column 1 → y[0] = f[2] = 3/8, y[1] = f[0] = 1/8.
    const x = image([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    expectImage(downThen1x1(x, kernel([[2]])), outer([1, 3], [3, 1], 32)); // the 1×1 weight 2 scales it
  });

  it('FIR then a 3×3 stride-2 conv (NVlabs down = 2: pad 2, filter, conv)', () => {
    // One axis, ones kernel, a 1 at x[0]: padded [0, 0, 1, 0, 0, 0, 0, 0]; filtered
    // q = [3, 3, 1, 0, 0] / 8; y[i] = q[2i] + q[2i+1] + q[2i+2] = [7, 1] / 8.
    const ones = kernel([
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const corner = image([
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expectImage(convDown(corner, ones), outer([7, 1], [7, 1], 64));
    // All ones: padded [0, 0, 1, 1, 1, 1, 0, 0]; q = [4, 7, 8, 7, 4] / 8; y = [19, 19] / 8.
    expectImage(convDown(tf.ones([1, 4, 4, 1]), ones), outer([19, 19], [19, 19], 64));
    // The centre tap alone is the plain filtered downsampling (as the 1×1 path above).
    const centre = kernel([
      [0, 0, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    const x = image([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    expectImage(convDown(x, centre), outer([1, 3], [3, 1], 64));
  });

  it('a 3×3 conv with ×2 up (NVlabs up = 2: zeros between, pad 3 and 2, filter ×4, true convolution)', () => {
    // One axis, a 1 at x[0]: upsampled [1, 0, 0, 0], padded [0, 0, 0, 1, 0, 0, 0, 0, 0],
    // filtered with [1, 3, 3, 1] / 4: q = [1, 3, 3, 1, 0, 0] / 4.
    // Ones kernel: y[n] = q[n] + q[n+1] + q[n+2] = [7, 7, 4, 1] / 4.
    const corner = image([
      [1, 0],
      [0, 0],
    ]);
    const ones = kernel([
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expectImage(convUp(corner, ones), outer([7, 7, 4, 1], [7, 7, 4, 1], 16));
    // Only the first tap: a convolution reads y[n] = K[0] · q[n + 2] = [3, 1, 0, 0] / 4
    // (a correlation would read q[n] = [1, 3, 3, 1] / 4).
    const first = kernel([
      [1, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expectImage(convUp(corner, first), outer([3, 1, 0, 0], [3, 1, 0, 0], 16));
  });
});

/** NVlabs's upfirdn2d written out (zeros between samples, pad, depthwise filter, subsample): the long way. */
function upfirdn(x: tf.Tensor4D, up: number, down: number, pad: [number, number], gain: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    let y = x;
    if (up === 2) {
      const z = tf.zerosLike(x);
      y = tf.reshape(tf.stack([tf.stack([x, z], 3), tf.stack([z, z], 3)], 2), [b, 2 * h, 2 * w, c]);
    }
    y = tf.pad(y, [
      [0, 0],
      [pad[0], pad[1]],
      [pad[0], pad[1]],
      [0, 0],
    ]);
    const f = FIR_TAPS.flatMap((a) => FIR_TAPS.map((bb) => a * bb * gain));
    const filt = tf.tile(tf.tensor4d(f, [4, 4, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    y = tf.depthwiseConv2d(y, filt, 1, 'valid');
    return down === 2 ? (tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, 2, 2, 1]) as tf.Tensor4D) : y;
  });
}

describe('the folded FIR convolutions equal filter-then-convolve, written out', () => {
  const x = () => tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w3 = () => tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const w1 = () => tf.randomNormal([1, 1, 3, 5], 0, 1, 'float32', 3) as tf.Tensor4D;
  const gap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

  it('down: pad 2, filter, stride-2 conv; skip: pad 1, filter, subsample, 1×1', () => {
    tf.tidy(() => {
      const want = tf.conv2d(upfirdn(x(), 1, 1, [2, 2], 1), w3(), 2, 'valid');
      expect(gap(convDown(x(), w3()), want)).toBeLessThan(1e-5);
      const wantSkip = tf.conv2d(upfirdn(x(), 1, 2, [1, 1], 1), w1(), 1, 'valid');
      expect(gap(downThen1x1(x(), w1()), wantSkip)).toBeLessThan(1e-5);
    });
  });

  it('up: zeros between, pad 3 and 2, filter ×4, then the weight as a true convolution; the RGB skip: pad 2 and 1', () => {
    tf.tidy(() => {
      const flipped = tf.reverse(w3(), [0, 1]) as tf.Tensor4D;
      const want = tf.conv2d(upfirdn(x(), 2, 1, [3, 2], 4), flipped, 1, 'valid');
      const got = convUp(x(), w3());
      expect(got.shape).toEqual([2, 16, 16, 5]);
      expect(gap(got, want)).toBeLessThan(1e-5);
      expect(gap(upsample(x()), upfirdn(x(), 2, 1, [2, 1], 4))).toBeLessThan(1e-6);
    });
  });
});

describe('second-order gradients on the WASM backend (R1 differentiates D twice)', () => {
  /**
   * q(w) = Σ (∇ₓ Σ r · op(x, w))²: an R1 in miniature. op is linear in x, so ∇ₓ is linear in w
   * and q is quadratic in w: a central difference along any direction is exact up to rounding.
   */
  function checkTwiceDifferentiable(op: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, wShape: number[]): void {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal(wShape, 0, 1, 'float32', 5));
    const r = tf.tidy(() => tf.randomNormal(op(x, w as tf.Tensor as tf.Tensor4D).shape, 0, 1, 'float32', 6));
    const q = (wt: tf.Tensor) =>
      tf.tidy(() => {
        const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(op(xx as tf.Tensor4D, wt as tf.Tensor4D), r)))(x);
        return tf.sum(tf.square(g)) as tf.Scalar;
      });
    const { grads } = tf.variableGrads(() => q(w), [w]);
    const dir = tf.randomNormal(wShape, 0, 1, 'float32', 7);
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[w.name]!, dir)).dataSync()[0]!);
    const h = 1e-2;
    const at = (s: number) => tf.tidy(() => q(tf.add(w, tf.mul(dir, s))).dataSync()[0]!);
    const numeric = (at(h) - at(-h)) / (2 * h);
    expect(Math.abs(numeric)).toBeGreaterThan(1);
    expect(Math.abs(analytic - numeric)).toBeLessThan(1e-3 * Math.abs(numeric));
    tf.dispose([x, w, r, dir, ...Object.values(grads)]);
  }

  it('FIR + 3×3 stride-2 conv', () => {
    expect(tf.getBackend()).toBe('wasm');
    checkTwiceDifferentiable(convDown, [3, 3, 3, 4]);
  });

  it('FIR + subsample + 1×1 (the skip)', () => checkTwiceDifferentiable(downThen1x1, [1, 1, 3, 4]));
});

type Op = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/**
 * Everything R1 takes from an op, for x and w fixed: the output; the gradients of
 * f = Σ r · op(x, w)² (squared, so that ∇ₓf depends on x and its own gradient runs through
 * the ops' gradients along x as well as w, as in a deep D); and R1's double backward, the
 * gradients of q = Σ (∇ₓ f)² with respect to x and w.
 */
function r1Quantities(op: Op, x: tf.Tensor4D, w: tf.Tensor4D, r: tf.Tensor): Record<string, tf.Tensor> {
  const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.square(op(xx as tf.Tensor4D, ww as tf.Tensor4D)), r)) as tf.Scalar;
  const [dfdx, dfdw] = tf.grads(f)([x, w]);
  const q = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.grad((xi: tf.Tensor) => f(xi, ww))(xx))) as tf.Scalar;
  const [dqdx, dqdw] = tf.grads(q)([x, w]);
  return { forward: op(x, w), dfdx: dfdx!, dfdw: dfdw!, dqdx: dqdx!, dqdw: dqdw! };
}

/** max |a − b| / max |b|. */
const relativeGap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);

describe('the separate filter pass equals the filter folded into the convolution (Ganvas before 2026-12-02)', () => {
  const cases: [string, Op, Op, [number, number, number, number]][] = [
    ['FIR + 3×3 stride-2 conv', convDown, foldedConvDown, [3, 3, 3, 5]],
    ['FIR + subsample + 1×1 (the skip)', downThen1x1, foldedDownThen1x1, [1, 1, 3, 5]],
    ['3×3 transposed conv + FIR ×2 up', convUp, foldedConvUp, [3, 3, 3, 5]],
  ];
  for (const [name, op, folded, wShape] of cases) {
    for (const backend of ['wasm', 'cpu']) {
      it(`${name}: forward, gradient and R1's double backward to float32 rounding (${backend})`, async () => {
        await tf.setBackend(backend);
        try {
          const before = tf.memory().numTensors;
          tf.tidy(() => {
            const x = tf.randomNormal([2, 8, 6, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
            const w = tf.randomNormal(wShape, 0, 1, 'float32', 12) as tf.Tensor4D;
            const r = tf.randomNormal(op(x, w).shape, 0, 1, 'float32', 13);
            const got = r1Quantities(op, x, w, r);
            const want = r1Quantities(folded, x, w, r);
            for (const k of Object.keys(want)) {
              expect(got[k]!.shape, k).toEqual(want[k]!.shape);
              expect(relativeGap(got[k]!, want[k]!), k).toBeLessThan(2e-6);
            }
          });
          expect(tf.memory().numTensors).toBe(before);
        } finally {
          await tf.setBackend('wasm');
        }
      });
    }
  }

  it('the filter pass alone: its gradient is the adjoint (⟨blur x, y⟩ = ⟨x, blurᵀ y⟩), shapes for every padding', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 7, 9, 4], 0, 1, 'float32', 14) as tf.Tensor4D;
      for (const p of [0, 1, 2, 3]) {
        const y = tf.randomNormal([2, 7 + 2 * p - 3, 9 + 2 * p - 3, 4], 0, 1, 'float32', 15 + p);
        const bx = blur(x, p, 4);
        expect(bx.shape).toEqual(y.shape);
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(blur(xx as tf.Tensor4D, p, 4), y)))(x);
        // ⟨x, blurᵀ y⟩ from the gradient; ⟨blur x, y⟩ from the forward; the same number.
        const lhs = tf.sum(tf.mul(bx, y)).dataSync()[0]!;
        const rhs = tf.sum(tf.mul(x, dx)).dataSync()[0]!;
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * Math.abs(lhs) + 1e-5);
        // And the adjoint written out: the same filter over y padded by 3 − p.
        expect(relativeGap(dx, blur(y as tf.Tensor4D, 3 - p, 4))).toBeLessThan(1e-6);
      }
    });
    expect(() => tf.tidy(() => blur(tf.zeros([1, 4, 4, 1]), 4))).toThrow(/padding/);
  });
});
