import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD } from './leaky-relu-grad.ts';

/**
 * y = leakyRelu(x·scale + b·biasScale, α)·gain with b broadcast over the last axis (a layer's bias
 * and activation), as one kernel where a backend has it (WebGPU: webgpu-kernels.ts) and as tfjs's
 * `Add` + `LeakyRelu` elsewhere (the same ops, in the same order, as before). tfjs's pair is two
 * dispatches forward, saves x, b and x + b for their gradients, and takes Reshape, Sum, Reshape and
 * leaky ReLU's gradient back; fused it is one dispatch, saves y alone and takes leaky ReLU's
 * gradient (from y: for α ≥ 0, y > 0 exactly where the kernel's input was) and one column sum for
 * b (`GanvasColumnSum`, below).
 *
 * `scale` and `biasScale` carry StyleGAN's equalised-lr constants: a dense or convolution layer's
 * gain 1/√fan_in on its product (conv(x, w·g) = g·conv(x, w)) and the mapping network's lr ×0.01
 * on its bias. As tf ops each was a Multiply forward and another back; here they ride on the
 * kernels (the gradient kernel's gain and the column sum's factor). Slope α = 1 is the identity:
 * the linear layer x·scale + b·biasScale (StyleGAN's style affines and D's last dense layer).
 *
 * Its gradient uses `GanvasLeakyReluGrad`, whose own gradient is written out (leaky-relu-grad.ts),
 * so gradients of gradients work.
 */
export const BIAS_LEAKY_RELU = 'GanvasBiasLeakyRelu';
/** out[c] = factor·Σ over every leading axis of x[…, c]: the bias's gradient in one dispatch. */
export const COLUMN_SUM = 'GanvasColumnSum';

export interface BiasLeakyReluAttrs {
  alpha: number;
  gain: number;
  scale: number;
  biasScale: number;
}

const has = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

/** True when the running backend has the fused op and the gradient kernels it uses. */
export const hasBiasLeakyRelu = () => has(BIAS_LEAKY_RELU) && has(LEAKY_RELU_GRAD) && has(COLUMN_SUM);

/**
 * leakyRelu(x·scale + b·biasScale, α)·gain, b of shape [channels] (the last axis of x); α ≥ 0,
 * gain and scale > 0 (StyleGAN's √2 gain; the gradient kernel applies them too, so they cost no
 * Multiply either way). Without the kernels: tfjs's Add + LeakyRelu (+ a Multiply for each
 * constant ≠ 1).
 */
export function biasLeakyRelu(x: tf.Tensor, b: tf.Tensor, alpha: number, gain = 1, scale = 1, biasScale = 1): tf.Tensor {
  if (!hasBiasLeakyRelu()) {
    const scaled = (t: tf.Tensor, k: number) => (k === 1 ? t : tf.mul(t, k));
    const y = tf.leakyRelu(tf.add(scaled(x, scale), scaled(b, biasScale)), alpha);
    return scaled(y, gain);
  }
  if (!(alpha >= 0 && gain > 0 && scale > 0)) throw new Error(`${BIAS_LEAKY_RELU}: slope ${alpha} < 0, gain ${gain} or scale ${scale} ≤ 0`);
  const attrs: BiasLeakyReluAttrs = { alpha, gain, scale, biasScale };
  return tf.engine().runKernel(BIAS_LEAKY_RELU, { x, b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** factor·Σ of x over every axis but the last, with the kernel where the backend has it. */
function columnSum(x: tf.Tensor, factor: number): tf.Tensor {
  if (has(COLUMN_SUM)) return tf.engine().runKernel(COLUMN_SUM, { x }, { factor }) as tf.Tensor;
  const sum = tf.sum(x, [...Array(x.rank - 1).keys()]);
  return factor === 1 ? sum : tf.mul(sum, factor);
}

let installed = false;

/** Registers the fused op's gradient and the column sum's (once per process). */
export function installBiasLeakyReluGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: BIAS_LEAKY_RELU,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0]!;
      const { alpha, gain, scale, biasScale } = attrs as unknown as BiasLeakyReluAttrs;
      // g = ∂y/∂(kernel's input)·dy; dx = g·scale, db = g summed·biasScale = Σdx·biasScale/scale.
      // Made once for both inputs; freed with backprop's scope.
      const dx = tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: dy as tf.Tensor, x: y }, { alpha, gain: gain * scale }) as tf.Tensor;
      return { x: () => dx, b: () => columnSum(dx, biasScale / scale) };
    },
  });
  tf.registerGradient({
    kernelName: COLUMN_SUM,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => tf.broadcastTo(tf.mul(dy as tf.Tensor, (attrs as { factor: number }).factor), saved[0]!.shape) }),
  });
}
