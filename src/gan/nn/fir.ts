import * as tf from '@tensorflow/tfjs';
import { firFilter, hasFirFilter } from '../backend/fir-filter.ts';

/**
 * StyleGAN2's [1, 3, 3, 1] FIR low-pass filter for ×2 resampling (Karras et al. 2020, after
 * Zhang 2019), laid out as NVlabs's conv2d_resample does it: the convolution at the coarse
 * resolution (a stride-2 transposed 3×3 for up, a stride-2 3×3 for down) and the filter as a
 * pass of its own on the channels next to it. (An earlier version folded the filter into the
 * convolution, a 6×6 kernel instead of 3×3: the same maths at 4× the multiply-adds.)
 *
 * The filter pass (`blur`) is separable: a 4×1 then a 1×4 depthwise convolution over the
 * zero-padded map. tfjs 4.22 has no second-order gradient for depthwise convolutions, and R1
 * differentiates D twice, so `blur` carries its own gradient: it is linear with a fixed
 * symmetric filter, so its adjoint is the same filter over the incoming gradient padded by
 * 3 − p instead of p, i.e. `blur` again, whose gradient is `blur` again, to any order.
 *
 * One axis, the 2-D filter being the outer product of two of these (f ⊗ f):
 *   f = [1, 3, 3, 1] / 8 (normalised to sum 1, so a constant image keeps its value);
 *   ×2 up: zeros between samples, then f with gain 2 per axis (each output pixel mixes its
 *     two nearest inputs 3:1, i.e. bilinear with half-pixel centres and zeros outside);
 *   ×2 down: f, then every second sample.
 * Padding follows NVlabs's conv2d_resample: outside the image is zero, output sides are exactly
 * 2× (up) or ½× (down) the input's.
 */

/** The filter taps, normalised (NVlabs setup_filter: f / Σf). */
export const FIR_TAPS: readonly number[] = [1 / 8, 3 / 8, 3 / 8, 1 / 8];
const TAPS = FIR_TAPS.length;

/** f ⊗ f · gain on the channel diagonal, [4, 4, c, c]: one upload, no kernel to build it. */
function fir2dDiagonal(c: number, gain: number): tf.Tensor4D {
  const v = new Float32Array(TAPS * TAPS * c * c);
  FIR_TAPS.forEach((a, i) =>
    FIR_TAPS.forEach((b, j) => {
      for (let ch = 0; ch < c; ch++) v[((i * TAPS + j) * c + ch) * c + ch] = a * b * gain;
    }),
  );
  return tf.tensor4d(v, [TAPS, TAPS, c, c]);
}

/** One axis of the filter, times √gain, for every channel: a depthwise kernel [4, 1, c, 1] or [1, 4, c, 1]. */
function depthwiseTaps(c: number, gain: number, axis: 'h' | 'w'): tf.Tensor4D {
  const v = new Float32Array(TAPS * c);
  const g = Math.sqrt(gain);
  FIR_TAPS.forEach((t, a) => v.fill(t * g, a * c, (a + 1) * c));
  return tf.tensor4d(v, axis === 'h' ? [TAPS, 1, c, 1] : [1, TAPS, c, 1]);
}

/**
 * The filter pass without a gradient of its own: (f ⊗ f) · gain over x zero-padded by p on every
 * side, as a 4×1 then a 1×4 valid depthwise convolution (f is symmetric, so correlation and
 * convolution agree), each padding only the axis it filters. Measured on tfjs-backend-wasm 4.22:
 * that padding is 1.5–2× faster than a Pad op before the pair, while a plain numeric padding
 * (both axes, p > the filter's width of 1) makes its depthwise kernel read out of bounds, and
 * one 4×4 depthwise pass is ~5× slower than the two 1-D ones. On WebGPU the pair is one kernel
 * of ours (backend/fir-filter.ts): one dispatch instead of two, the taps in its uniforms.
 */
function blurForward(x: tf.Tensor4D, p: number, gain: number): tf.Tensor4D {
  if (hasFirFilter()) {
    const axisTaps = FIR_TAPS.map((t) => t * Math.sqrt(gain));
    return firFilter(x, p, axisTaps);
  }
  return tf.tidy(() => {
    const c = x.shape[3];
    const rows = tf.depthwiseConv2d(x, depthwiseTaps(c, gain, 'h'), 1, [
      [0, 0],
      [p, p],
      [0, 0],
      [0, 0],
    ]);
    return tf.depthwiseConv2d(rows, depthwiseTaps(c, gain, 'w'), 1, [
      [0, 0],
      [0, 0],
      [p, p],
      [0, 0],
    ]);
  });
}

/** One differentiable `blur` per (padding, gain): made once, since the gradient refers to its partner. */
const blurOps = new Map<string, (x: tf.Tensor4D) => tf.Tensor4D>();

/**
 * (f ⊗ f) · gain over x zero-padded by p on every side: [B, H, W, C] → [B, H + 2p − 3, W + 2p − 3, C].
 * Differentiable to any order on every backend (see the file comment); p in 0…3.
 */
export function blur(x: tf.Tensor4D, p: number, gain = 1): tf.Tensor4D {
  if (!Number.isInteger(p) || p < 0 || p > TAPS - 1) throw new Error(`blur padding must be 0…${TAPS - 1} (got ${p})`);
  const key = `${p}:${gain}`;
  let op = blurOps.get(key);
  if (op === undefined) {
    op = tf.customGrad((input) => ({
      value: blurForward(input as tf.Tensor4D, p, gain),
      // The adjoint: out[i] = Σₐ f[a] x[i + a − p], so dx[j] = Σₐ f[a] dy[j + a − (3 − p)].
      gradFunc: (dy: tf.Tensor) => blur(dy as tf.Tensor4D, TAPS - 1 - p, gain),
    })) as (x: tf.Tensor4D) => tf.Tensor4D;
    blurOps.set(key, op);
  }
  return op(x);
}

/**
 * FIR then a 3×3 (any odd k×k) convolution with stride 2, as NVlabs's Conv2dLayer(down = 2):
 * pad (k − 1)/2 + 1 on each side, filter, convolve with stride 2 (the conv reads the filtered
 * map of side H + 2·pad − 3 without further padding).
 *   x [B, H, W, in], w [k, k, in, out] (already scaled) → [B, H/2, W/2, out]
 */
export function convDown(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(blur(x, (w.shape[0] + 1) / 2), w, 2, 'valid'));
}

/**
 * FIR-downsample then a 1×1 convolution (NVlabs's resnet skip, Conv2dLayer(k = 1, down = 2)):
 * pad 1, filter, keep every second pixel (the 1×1 convolution's stride), 1×1.
 *   x [B, H, W, in], w [1, 1, in, out] (already scaled) → [B, H/2, W/2, out]
 */
export function downThen1x1(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(blur(x, 1), w, 2, 'valid'));
}

/**
 * A k×k convolution with ×2 FIR upsampling, as NVlabs's modulated conv with up = 2: a stride-2
 * transposed convolution with the weight and no padding (side 2H + k − 2), then the filter with
 * gain 4 (2 per axis) over it padded by (k − 1)/2, which gives side 2H. Like NVlabs's
 * (flip_weight = False), the weight is applied as a true convolution on the upsampled grid (a
 * transposed convolution does not flip it).
 *   x [B, H, W, in], w [k, k, in, out] (already scaled) → [B, 2H, 2W, out]
 */
export function convUp(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, wd] = x.shape;
    const [k, , , cout] = w.shape;
    const kernel = tf.transpose(w, [0, 1, 3, 2]) as tf.Tensor4D; // [k, k, out, in]
    const y = tf.conv2dTranspose(x, kernel, [b, 2 * h + k - 2, 2 * wd + k - 2, cout], 2, 'valid');
    return blur(y, (k - 1) / 2, 4);
  });
}

/**
 * ×2 FIR upsampling of an image (NVlabs's upsample2d, used on G's RGB skip path): zeros
 * between pixels, pad 2 before and 1 after, filter with gain 4. As a transposed convolution
 * with f ⊗ f · 4 on the channel diagonal, cropping 1 on each side (3 channels: one small
 * convolution beats a transposed conv plus a filter pass here).
 *   x [B, H, W, C] → [B, 2H, 2W, C]
 */
export function upsample(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.conv2dTranspose(x, fir2dDiagonal(c, 4), [b, 2 * h, 2 * w, c], 2, 1);
  });
}
