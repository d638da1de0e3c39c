import * as tf from '@tensorflow/tfjs';

/**
 * StyleGAN2's [1, 3, 3, 1] FIR low-pass filter for ×2 resampling (Karras et al. 2020, after
 * Zhang 2019), in the forms our generator and discriminator need. NVlabs's upfirdn2d pads,
 * filters and resamples in separate passes; here each filtered resampling is folded into the
 * convolution next to it, so it costs one (larger) convolution and is built only from ops
 * whose gradients tfjs can differentiate again on every backend (Pad, Mul, AddN, Conv2D,
 * Conv2DBackpropInput): R1 needs D's double backward, and AvgPool, ResizeBilinear and
 * depthwise convolutions have no second-order gradient in tfjs 4.22.
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

/** f ⊗ f · gain as a [4, 4, 1, 1] tensor (broadcasts over channels). */
function fir2d(gain: number): tf.Tensor4D {
  const v = FIR_TAPS.flatMap((a) => FIR_TAPS.map((b) => a * b * gain));
  return tf.tensor4d(v, [4, 4, 1, 1]);
}

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

/**
 * The full 2-D convolution (f · gain) ⊛ k of a [kh, kw, in, out] kernel with the FIR filter:
 * [kh + 3, kw + 3, in, out]. Separable: four shifted copies along each axis, weighted by the
 * taps (f is symmetric, so convolution and correlation agree). Differentiable in k, twice.
 */
export function blurKernel(k: tf.Tensor4D, gain = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const along = (x: tf.Tensor4D, axis: 0 | 1, scale: number) => tf.addN(FIR_TAPS.map((t, a) => tf.mul(padAxis(x, axis, a, 3 - a), t * scale))) as tf.Tensor4D;
    return along(along(k, 0, Math.sqrt(gain)), 1, Math.sqrt(gain));
  });
}

const padHW = (x: tf.Tensor4D, p: number): tf.Tensor4D =>
  tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);

/**
 * FIR then a 3×3 (any odd k×k) convolution with stride 2, as NVlabs's Conv2dLayer(down = 2):
 * pad (k − 1)/2 + 1 on each side, filter, convolve with stride 2. Folded: one (k + 3)² stride-2
 * convolution with kernel f ⊛ w over the input padded by (k + 1)/2.
 *   x [B, H, W, in], w [k, k, in, out] (already scaled) → [B, H/2, W/2, out]
 */
export function convDown(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(padHW(x, (w.shape[0] + 1) / 2), blurKernel(w), 2, 'valid'));
}

/**
 * FIR-downsample then a 1×1 convolution (NVlabs's resnet skip, Conv2dLayer(k = 1, down = 2)):
 * pad 1, filter, keep every second pixel, 1×1. Folded: one 4×4 stride-2 convolution whose taps
 * are (f ⊗ f)[a, b] · w over the input padded by 1.
 *   x [B, H, W, in], w [1, 1, in, out] (already scaled) → [B, H/2, W/2, out]
 */
export function downThen1x1(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(padHW(x, 1), tf.mul(fir2d(1), w) as tf.Tensor4D, 2, 'valid'));
}

/**
 * A k×k convolution with ×2 FIR upsampling, as NVlabs's modulated conv with up = 2: a stride-2
 * transposed convolution with the weight, then the filter with gain 4 (2 per axis). Like
 * NVlabs's (flip_weight = False), the weight is applied as a true convolution on the upsampled
 * grid (a transposed convolution does not flip it). Folded: one transposed convolution with
 * kernel (f · 4) ⊛ w, cropping (k + 1)/2 on each side.
 *   x [B, H, W, in], w [k, k, in, out] (already scaled) → [B, 2H, 2W, out]
 */
export function convUp(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, wd] = x.shape;
    const [k, , , cout] = w.shape;
    const kernel = tf.transpose(blurKernel(w, 4), [0, 1, 3, 2]) as tf.Tensor4D; // [k+3, k+3, out, in]
    return tf.conv2dTranspose(x, kernel, [b, 2 * h, 2 * wd, cout], 2, (k + 1) / 2);
  });
}

/**
 * ×2 FIR upsampling of an image (NVlabs's upsample2d, used on G's RGB skip path): zeros
 * between pixels, pad 2 before and 1 after, filter with gain 4. As a transposed convolution
 * with f ⊗ f · 4 on the channel diagonal, cropping 1 on each side.
 *   x [B, H, W, C] → [B, 2H, 2W, C]
 */
export function upsample(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const kernel = tf.mul(fir2d(4), tf.reshape(tf.eye(c), [1, 1, c, c])) as tf.Tensor4D;
    return tf.conv2dTranspose(x, kernel, [b, 2 * h, 2 * w, c], 2, 1);
  });
}
