import * as tf from '@tensorflow/tfjs';
import { convDown, convUp, downThen1x1 } from '../fir.ts';
import type { Params } from '../params.ts';
import { biasLeakyRelu, hasBiasLeakyRelu } from '../../backend/bias-leaky-relu.ts';
import { demodCoefficients, hasDemod, hasModulate, hasStyleAct, modulate as modulateFused, styleAct, type LayerNoiseInput } from '../../backend/style-ops.ts';

/**
 * Building blocks shared by the StyleGAN generator and its discriminator.
 *
 * Equalised learning rate (Karras et al. 2018): every weight is stored N(0, 1) (N(0, 1/lrMul²)
 * for a layer with a learning-rate multiplier) and scaled at run time by lrMul/√fan_in. Adam's
 * step is about lr in *stored* units whatever the layer's size, so one learning rate suits
 * every layer, and lrMul = 0.01 slows the mapping network by 100× without a second optimizer.
 */

export const LRELU_SLOPE = 0.2;
/** StyleGAN2's activation gain: √2 keeps the second moment of a leaky-ReLU'd unit-variance signal near 1. */
export const LRELU_GAIN = Math.SQRT2;

/**
 * Leaky ReLU whose gradient can itself be differentiated (R1 needs D's double backward).
 * tfjs's own LeakyRelu gradient builds its mask with `Greater`, which has no gradient, so a
 * second backward pass through it throws. Here the gradient is dy · step(x, α), and Step's
 * gradient is defined (zero almost everywhere, which is exact for a piecewise-linear function).
 */
const leakyReluTwiceDifferentiable = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  (save as tf.GradSaveFunc)([input]);
  return {
    value: tf.leakyRelu(input, LRELU_SLOPE),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.step(saved[0]!, LRELU_SLOPE)),
  };
});

/** Leaky ReLU 0.2 times √2 (StyleGAN2's "lrelu" with its default gain). */
export function act<T extends tf.Tensor>(x: T): T {
  return tf.mul(leakyReluTwiceDifferentiable(x), LRELU_GAIN) as T;
}

/**
 * act(x + b): one fused kernel where the backend has it (WebGPU, bias-leaky-relu.ts, its gradient
 * twice differentiable for R1), the tf ops above elsewhere.
 */
export function biasAct<T extends tf.Tensor>(x: T, b: tf.Tensor): T {
  return (hasBiasLeakyRelu() ? biasLeakyRelu(x, b, LRELU_SLOPE, LRELU_GAIN) : act(tf.add(x, b))) as T;
}

/** Run-time weight scale of an equalised-lr layer. */
export function eqGain(fanIn: number, lrMul = 1): number {
  return lrMul / Math.sqrt(fanIn);
}

/**
 * Equalised-lr dense layer `${name}.w` [in, out], optional `${name}.b` [out]. The gain goes on
 * the product (B·out numbers), not the weight (in·out): cheaper at our batch sizes. Where the
 * backend has the fused bias op (WebGPU) the gain and lrMul ride on it (slope 1: no activation).
 */
export function eqDense(p: Params, name: string, x: tf.Tensor2D, lrMul = 1): tf.Tensor2D {
  const w = p[`${name}.w`] as tf.Tensor2D;
  const gain = eqGain(w.shape[0], lrMul);
  const b = p[`${name}.b`];
  if (b !== undefined && hasBiasLeakyRelu()) return biasLeakyRelu(tf.matMul(x, w), b, 1, 1, gain, lrMul) as tf.Tensor2D;
  const y = tf.mul(tf.matMul(x, w), gain);
  return (b === undefined ? y : tf.add(y, lrMul === 1 ? b : tf.mul(b, lrMul))) as tf.Tensor2D;
}

/** act(eqDense(…)) for a layer with a bias: on WebGPU one fused kernel after the product, gain and lrMul included. */
export function eqDenseAct(p: Params, name: string, x: tf.Tensor2D, lrMul = 1): tf.Tensor2D {
  const w = p[`${name}.w`] as tf.Tensor2D;
  const b = p[`${name}.b`]!;
  const gain = eqGain(w.shape[0], lrMul);
  if (hasBiasLeakyRelu()) return biasLeakyRelu(tf.matMul(x, w), b, LRELU_SLOPE, LRELU_GAIN, gain, lrMul) as tf.Tensor2D;
  return biasAct(tf.mul(tf.matMul(x, w), gain) as tf.Tensor2D, lrMul === 1 ? b : tf.mul(b, lrMul));
}

/** The equalised-lr gain of a conv weight [kh, kw, in, out]: 1/√(kh·kw·in). */
const convGain = (w: tf.Tensor4D) => eqGain(w.shape[0] * w.shape[1] * w.shape[2]);

/** The stored weight times its equalised-lr gain; the conv weights are small, the activations are not. */
export function scaledConvWeight(w: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(w, convGain(w)) as tf.Tensor4D;
}

/**
 * act(conv(x, w·g) + b)·outGain for a conv taking the weight as stored: on WebGPU the gain g and
 * outGain ride on the fused bias op (conv(x, w·g) = g·conv(x, w)), elsewhere on the weight and
 * a Multiply as before.
 */
function eqConvBiasAct(conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor, outGain = 1): tf.Tensor4D {
  if (hasBiasLeakyRelu()) return biasLeakyRelu(conv(x, w), b, LRELU_SLOPE, LRELU_GAIN * outGain, convGain(w)) as tf.Tensor4D;
  const y = biasAct(conv(x, scaledConvWeight(w)), b);
  return outGain === 1 ? y : tf.mul(y, outGain);
}

/**
 * StyleGAN2 modulated convolution, stride 1 with "same" padding, or with ×2 FIR upsampling.
 *
 * Modulating the weight per sample (w'[b] = w · s[b] over input channels) and convolving each
 * sample with its own weight is the same as scaling the *input* by s and convolving with the
 * shared weight, because the convolution is linear in the input channels (NVlabs's
 * fused_modconv = False, its training path). Demodulation scales each sample's output channel o
 * by d[b, o] = 1/√(Σ_{k,i} (w[k, i, o] · s[b, i])² + ε), which is (s²)·(Σ_k w²) as one small
 * matrix product. So one batched conv does the work of B convs.
 * With `up`, the conv is NVlabs's up = 2 layer (fir.ts convUp): transposed, then [1, 3, 3, 1].
 *
 *   x [B, H, W, in], w [k, k, in, out] (stored), styles [B, in] → [B, H, W, out] (×2 with up)
 */
export function modulatedConv(x: tf.Tensor4D, w: tf.Tensor4D, styles: tf.Tensor2D, demodulate: boolean, up = false): tf.Tensor4D {
  const m = modulate(x, w, styles, up);
  if (!demodulate) return m.y;
  return tf.mul(m.y, tf.reshape(demodulation(m, styles), [x.shape[0], 1, 1, w.shape[3]]));
}

/** A modulated conv's output before demodulation, the weight it convolved with, and the gain still to apply to that weight. */
interface Modulated {
  y: tf.Tensor4D;
  weight: tf.Tensor4D;
  weightGain: number;
}

/**
 * The convolution of the style-scaled input with the scaled shared weight (not demodulated).
 * Where the backend has the fused modulation the weight's gain rides on the input's scale
 * (style-ops.ts), so the weight is convolved as stored.
 */
function modulate(x: tf.Tensor4D, w: tf.Tensor4D, styles: tf.Tensor2D, up: boolean): Modulated {
  const conv = (input: tf.Tensor4D, weight: tf.Tensor4D) => (up ? convUp(input, weight) : tf.conv2d(input, weight, 1, 'same'));
  if (hasModulate()) {
    const gain = convGain(w);
    return { y: conv(modulateFused(x, styles, gain), w), weight: w, weightGain: gain };
  }
  const weight = scaledConvWeight(w);
  const modulated = tf.mul(x, tf.reshape(styles, [x.shape[0], 1, 1, w.shape[2]])) as tf.Tensor4D;
  return { y: conv(modulated, weight), weight, weightGain: 1 };
}

/** d [B, out] = 1/√((s²)·(Σ_k (g·w)²) + ε), as one kernel where the backend has it (style-ops.ts). */
function demodulation({ weight, weightGain }: Modulated, styles: tf.Tensor2D): tf.Tensor2D {
  if (hasDemod()) return demodCoefficients(weight, styles, { epsilon: 1e-8, gain: weightGain });
  const scaled = weightGain === 1 ? weight : tf.mul(weight, weightGain);
  const energy = tf.sum(tf.square(scaled), [0, 1]) as tf.Tensor2D; // [in, out]
  return tf.rsqrt(tf.add(tf.matMul(tf.square(styles), energy), 1e-8)) as tf.Tensor2D; // [B, out]
}

/**
 * A whole synthesis layer: demodulated modulatedConv, + noise·strength, + bias, act. Where the
 * backend has the fused kernels (WebGPU) the part after the convolution is one of them
 * (style-ops.ts); elsewhere the same tf ops as modulatedConv and then the adds and act, in that order.
 *   x [B, H, W, in], w [k, k, in, out], styles [B, in], bias [out], noise [B, H', W', 1] → [B, H', W', out]
 */
export function styledConvAct(x: tf.Tensor4D, w: tf.Tensor4D, styles: tf.Tensor2D, bias: tf.Tensor, noise: LayerNoiseInput | null, up: boolean): tf.Tensor4D {
  const m = modulate(x, w, styles, up);
  const d = demodulation(m, styles);
  if (hasStyleAct()) return styleAct(m.y, d, bias, noise, { alpha: LRELU_SLOPE, gain: LRELU_GAIN });
  let out = tf.mul(m.y, tf.reshape(d, [x.shape[0], 1, 1, w.shape[3]])) as tf.Tensor4D;
  if (noise !== null) out = tf.add(out, tf.mul(noise.noise, noise.strength));
  return act(tf.add(out, bias));
}

/**
 * D's downsampling convolutions (NVlabs's Conv2dLayer with down = 2): the [1, 3, 3, 1] filter
 * then a stride-2 3×3 convolution with bias and act (the main path), or (the resnet skip)
 * filter, subsample, 1×1 (fir.ts), twice differentiable for R1. Both outputs are scaled by
 * `outGain`, which the residual block uses for its 1/√2 so that the sum needs no Multiply.
 *   x [B, H, W, in], w [3, 3, in, out] or [1, 1, in, out] (stored) → [B, H/2, W/2, out]
 */
export function convThenHalveAct(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor, outGain = 1): tf.Tensor4D {
  return eqConvBiasAct(convDown, x, w, b, outGain);
}

export function halveThen1x1(x: tf.Tensor4D, w: tf.Tensor4D, outGain = 1): tf.Tensor4D {
  return downThen1x1(x, tf.mul(w, convGain(w) * outGain) as tf.Tensor4D);
}

/** Plain equalised-lr convolution, stride 1, "same" padding, plus bias when `${name}.b` exists. */
export function eqConv(p: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const y = tf.conv2d(x, scaledConvWeight(p[`${name}.w`] as tf.Tensor4D), 1, 'same');
  const b = p[`${name}.b`];
  return b === undefined ? y : tf.add(y, b);
}

/** act(eqConv(…)) for a layer with a bias, the bias and activation through `biasAct`. */
export function eqConvAct(p: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return eqConvBiasAct((input, w) => tf.conv2d(input, w, 1, 'same'), x, p[`${name}.w`] as tf.Tensor4D, p[`${name}.b`]!);
}

/** Normalises each row to unit root-mean-square ("pixel norm" of z in StyleGAN). */
export function normaliseRms(z: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(z, tf.rsqrt(tf.add(tf.mean(tf.square(z), 1, true), 1e-8)));
}

/** Sizes shared by the generator and the discriminator (see buildStylegan). */
export interface StyleGanOptions {
  /** Image side: 4·2^n, n ≥ 1. */
  res: number;
  /** Channels at full resolution; channels double at every halving, up to maxChannels. */
  width: number;
  zDim: number;
  wDim: number;
  /** Dense layers in the mapping network (StyleGAN uses 8; 4 is cheaper and enough at this scale). */
  mappingLayers: number;
  /** Channel cap at coarse resolutions; default 2·width, which keeps 32 px at width 32 near 300k parameters per network. */
  maxChannels?: number;
  /** Minibatch-stddev group size in D; 0 turns the layer off; default 4 (StyleGAN2). */
  mbstdGroup?: number;
  /**
   * The training batch B. It fixes D's minibatch-stddev group (mbstdGroupSize in contract/mbstd.ts)
   * so that D's main step ([reals; fakes], 2B images), the G step and R1 (B images each) group
   * alike. Without it the group is chosen per call from the batch D sees.
   */
  batch?: number;
}

/** Resolutions of the blocks, coarse to fine: 4, 8, …, res. */
export function blockResolutions(res: number): number[] {
  const n = Math.log2(res / 4);
  if (!Number.isInteger(n) || n < 1) throw new Error(`StyleGAN resolution must be 4·2^n with n ≥ 1 (got ${res})`);
  return Array.from({ length: n + 1 }, (_, i) => 4 * 2 ** i);
}

/** Channels at resolution r (G and D mirror each other). */
export function channelsAt(opts: StyleGanOptions, r: number): number {
  return Math.min((opts.width * opts.res) / r, opts.maxChannels ?? 2 * opts.width);
}
