import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD } from './leaky-relu-grad.ts';

/**
 * StyleGAN's per-layer chains as single kernels where a backend has them (WebGPU:
 * webgpu-style-kernels.ts); the callers (nn/models/stylegan-layers.ts) keep their tf ops
 * everywhere else, so the CPU and WASM paths compute exactly what they did.
 *
 * - `GanvasStyleAct` / `GanvasStyleActNoise`: a synthesis layer's tail,
 *   y = lrelu(x·d[b, c] + noise[b, h, w]·strength + bias[c], α)·gain, with d the demodulation
 *   coefficients. tfjs's chain was Reshape, Multiply, Multiply, Add, Add, the leaky ReLU and the
 *   gain's Multiply (5 dispatches) forward and ~15 kernels back; fused it is one dispatch forward
 *   and two back (`GanvasStyleActGrad`: per-channel sums, then dx) plus a Sum for the strength.
 * - `GanvasDemod`: d[b, o] = 1/√(g²·Σᵢ s[b, i]²·Σₖ w[k, i, o]² + ε), g the weight's
 *   equalised-lr gain (was Square, Sum, Square, BatchMatMul, Add, Rsqrt forward and ~14 kernels
 *   back); `GanvasDemodGrad` its gradient in two dispatches, one per input.
 * - `GanvasModulate`: x·s[b, c]·g, the style scale of the conv's input with the weight's gain
 *   moved onto it (conv(x·s, w·g) = conv(x·s·g, w)), so the weight's own Multiply goes too (was
 *   Reshape, Multiply and the weight's Multiply forward, ~9 kernels back); `GanvasModulateGrad`
 *   dx and ds in two dispatches.
 *
 * Both gradients are first-order only (their own gradients are not defined): they sit in G,
 * which nothing differentiates twice (R1 is D's, on reals). D's activations go through
 * `GanvasBiasLeakyRelu` with a gain, whose gradient can be differentiated again.
 */
export const STYLE_ACT = 'GanvasStyleAct';
export const STYLE_ACT_NOISE = 'GanvasStyleActNoise';
export const STYLE_ACT_GRAD = 'GanvasStyleActGrad';
export const DEMOD = 'GanvasDemod';
export const DEMOD_GRAD = 'GanvasDemodGrad';
export const MODULATE = 'GanvasModulate';
export const MODULATE_GRAD = 'GanvasModulateGrad';

/** Leaky ReLU's slope α ≥ 0 and the gain after it (> 0), as the kernels take them. */
export interface StyleActAttrs {
  alpha: number;
  gain: number;
}

/** ε inside the square root, and the gain g the stored weight is scaled by. */
export interface DemodAttrs {
  epsilon: number;
  gain: number;
}

const has = (...names: string[]) => names.every((n) => tf.getKernel(n, tf.getBackend()) !== undefined);

/** True when the running backend has the fused synthesis-layer tail and its gradient. */
export const hasStyleAct = () => has(STYLE_ACT, STYLE_ACT_NOISE, STYLE_ACT_GRAD, LEAKY_RELU_GRAD);
/** True when the running backend has the fused demodulation coefficients and their gradient. */
export const hasDemod = () => has(DEMOD, DEMOD_GRAD);
/** True when the running backend has the fused modulation and its gradient. */
export const hasModulate = () => has(MODULATE, MODULATE_GRAD);

/** Per-pixel noise [B, H, W, 1] and its learned strength [1]. */
export interface LayerNoiseInput {
  noise: tf.Tensor4D;
  strength: tf.Tensor;
}

/**
 * lrelu(x·d + noise·strength + bias, α)·gain for x [B, H, W, C], d [B, C], bias [C], with the
 * fused kernel (call only where `hasStyleAct()`).
 */
export function styleAct(x: tf.Tensor4D, d: tf.Tensor2D, bias: tf.Tensor, noise: LayerNoiseInput | null, attrs: StyleActAttrs): tf.Tensor4D {
  if (!(attrs.alpha >= 0 && attrs.gain > 0)) throw new Error(`${STYLE_ACT}: slope ${attrs.alpha} and gain ${attrs.gain} must be ≥ 0 and > 0`);
  const inputs: tf.NamedTensorMap = noise === null ? { x, d, bias } : { x, d, bias, noise: noise.noise, strength: noise.strength };
  return tf.engine().runKernel(noise === null ? STYLE_ACT : STYLE_ACT_NOISE, inputs, { ...attrs }) as tf.Tensor4D;
}

/** d[b, o] = 1/√(g²·Σᵢ styles[b, i]²·Σₖ weight[k, i, o]² + ε) for weight [kh, kw, in, out], styles [B, in]. */
export function demodCoefficients(weight: tf.Tensor4D, styles: tf.Tensor2D, attrs: DemodAttrs): tf.Tensor2D {
  return tf.engine().runKernel(DEMOD, { weight, styles }, { ...attrs }) as tf.Tensor2D;
}

/** x·styles[b, c]·gain for x [B, H, W, C], styles [B, C]. */
export function modulate(x: tf.Tensor4D, styles: tf.Tensor2D, gain: number): tf.Tensor4D {
  return tf.engine().runKernel(MODULATE, { x, s: styles }, { gain }) as tf.Tensor4D;
}

let installed = false;

/** Registers the fused ops' gradients (once per process). */
export function installStyleGradients(): void {
  if (installed) return;
  installed = true;
  for (const withNoise of [false, true]) {
    tf.registerGradient({
      kernelName: withNoise ? STYLE_ACT_NOISE : STYLE_ACT,
      inputsToSave: withNoise ? ['x', 'd', 'noise', 'strength'] : ['x', 'd'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => styleActGrad(dy as tf.Tensor4D, saved, attrs as unknown as StyleActAttrs, withNoise),
    });
  }
  tf.registerGradient({
    kernelName: DEMOD,
    inputsToSave: ['weight', 'styles'],
    outputsToSave: [true],
    gradFunc: (dd, saved, attrs) => {
      const [weight, styles, d] = saved as [tf.Tensor4D, tf.Tensor2D, tf.Tensor2D];
      const [dWeight, dStyles] = tf.engine().runKernel(DEMOD_GRAD, { dd: dd as tf.Tensor, d, weight, styles }, attrs) as tf.Tensor[];
      return { weight: () => dWeight!, styles: () => dStyles! };
    },
  });
  tf.registerGradient({
    kernelName: MODULATE,
    inputsToSave: ['x', 's'],
    gradFunc: (dy, saved, attrs) => {
      const [x, s] = saved as [tf.Tensor4D, tf.Tensor2D];
      const [dx, ds] = tf.engine().runKernel(MODULATE_GRAD, { dy: dy as tf.Tensor, x, s }, attrs) as tf.Tensor[];
      return { x: () => dx!, s: () => ds! };
    },
  });
}

/** Saved: x, d[, noise, strength], y. The kernel gives dx, dd, db and Σ g·noise per channel. */
function styleActGrad(dy: tf.Tensor4D, saved: tf.Tensor[], attrs: StyleActAttrs, withNoise: boolean): Record<string, () => tf.Tensor> {
  const [x, d] = saved as [tf.Tensor4D, tf.Tensor2D];
  const y = saved[saved.length - 1]!;
  const noise = withNoise ? saved[2]! : undefined;
  const inputs: tf.NamedTensorMap = noise ? { dy, y, x, d, noise } : { dy, y, x, d };
  const [dx, dd, db, noiseSums] = tf.engine().runKernel(STYLE_ACT_GRAD, inputs, { ...attrs }) as tf.Tensor[];
  const grads: Record<string, () => tf.Tensor> = { x: () => dx!, d: () => dd!, bias: () => db! };
  if (noise) {
    const strength = saved[3]!;
    grads.strength = () => tf.reshape(tf.sum(noiseSums!), strength.shape);
    // Only a projection (noise maps optimised) asks for this one.
    grads.noise = () => {
      const g = tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x: y }, { ...attrs }) as tf.Tensor;
      return tf.mul(tf.sum(g, 3, true), strength);
    };
  }
  return grads;
}
