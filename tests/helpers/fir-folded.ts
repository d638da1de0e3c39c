import * as tf from '@tensorflow/tfjs';

/**
 * The FIR resampling as Ganvas computed it before 2026-12-02 (src/gan/nn/fir.ts at f92a67a): the
 * filter folded into the neighbouring convolution (a 3×3 kernel became 6×6), built only from
 * ops that tfjs differentiates twice. It was checked against NVlabs's upfirdn2d written out and
 * against the PyTorch peer; kept here as the reference the cheaper separate filter pass must
 * equal in forward, gradient and R1's double backward (tests/unit/fir.test.ts). Independent of
 * fir.ts (its own taps), so a test can swap fir.ts for it.
 */

const FIR_TAPS = [1, 3, 3, 1].map((t) => t / 8);

/** Pads axis `axis` (0 or 1) of a kernel by `before`/`after` zeros. */
function padAxis(k: tf.Tensor4D, axis: 0 | 1, before: number, after: number): tf.Tensor4D {
  const pads: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  pads[axis] = [before, after];
  return tf.pad(k, pads);
}

/** The full 2-D convolution (f · gain) ⊛ k of a [kh, kw, in, out] kernel: [kh + 3, kw + 3, in, out]. */
function blurKernel(k: tf.Tensor4D, gain = 1): tf.Tensor4D {
  const along = (x: tf.Tensor4D, axis: 0 | 1, scale: number) => tf.addN(FIR_TAPS.map((t, a) => tf.mul(padAxis(x, axis, a, 3 - a), t * scale))) as tf.Tensor4D;
  return along(along(k, 0, Math.sqrt(gain)), 1, Math.sqrt(gain));
}

const padHW = (x: tf.Tensor4D, p: number): tf.Tensor4D =>
  tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);

/** FIR + k×k stride-2 conv as one (k + 3)² stride-2 conv over x padded by (k + 1)/2. */
export function foldedConvDown(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(padHW(x, (w.shape[0] + 1) / 2), blurKernel(w), 2, 'valid');
}

/** FIR-downsample + 1×1 as one 4×4 stride-2 conv with taps (f ⊗ f)[a, b] · w over x padded by 1. */
export function foldedDownThen1x1(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const f = FIR_TAPS.flatMap((a) => FIR_TAPS.map((b) => a * b));
  return tf.conv2d(padHW(x, 1), tf.mul(tf.tensor4d(f, [4, 4, 1, 1]), w) as tf.Tensor4D, 2, 'valid');
}

/** k×k conv with ×2 FIR up as one transposed conv with kernel (f · 4) ⊛ w, cropping (k + 1)/2. */
export function foldedConvUp(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [b, h, wd] = x.shape;
  const [k, , , cout] = w.shape;
  const kernel = tf.transpose(blurKernel(w, 4), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2dTranspose(x, kernel, [b, 2 * h, 2 * wd, cout], 2, (k + 1) / 2);
}
