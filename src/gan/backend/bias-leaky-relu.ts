import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD } from './leaky-relu-grad.ts';

/**
 * y = leakyRelu(x + b, α) with b broadcast over the last axis (a layer's bias and activation), as
 * one kernel where a backend has it (WebGPU: webgpu-kernels.ts) and as tfjs's `Add` + `LeakyRelu`
 * elsewhere (the same ops, in the same order, as before). tfjs's pair is two dispatches forward,
 * saves x, b and x + b for their gradients, and takes Reshape, Sum, Reshape and leaky ReLU's
 * gradient back; fused it is one dispatch, saves y alone and takes leaky ReLU's gradient (from
 * y: for α ≥ 0, y > 0 exactly where x + b > 0) and one Sum for b.
 *
 * Its gradient uses `GanvasLeakyReluGrad`, whose own gradient is written out (leaky-relu-grad.ts),
 * so gradients of gradients work.
 */
export const BIAS_LEAKY_RELU = 'GanvasBiasLeakyRelu';

/** True when the running backend has the fused op and the gradient kernel it uses. */
export const hasBiasLeakyRelu = () =>
  tf.getKernel(BIAS_LEAKY_RELU, tf.getBackend()) !== undefined && tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend()) !== undefined;

/**
 * leakyRelu(x + b, α)·gain, b of shape [channels] (the last axis of x); α ≥ 0, gain > 0 (StyleGAN's
 * √2; the gradient kernel applies it too, so the gain costs no Multiply either way). Without the
 * kernels: tfjs's Add + LeakyRelu (+ Multiply for a gain ≠ 1).
 */
export function biasLeakyRelu(x: tf.Tensor, b: tf.Tensor, alpha: number, gain = 1): tf.Tensor {
  if (!hasBiasLeakyRelu()) {
    const y = tf.leakyRelu(tf.add(x, b), alpha);
    return gain === 1 ? y : tf.mul(y, gain);
  }
  if (!(alpha >= 0 && gain > 0)) throw new Error(`${BIAS_LEAKY_RELU}: slope ${alpha} < 0 or gain ${gain} ≤ 0`);
  return tf.engine().runKernel(BIAS_LEAKY_RELU, { x, b }, { alpha, gain }) as tf.Tensor;
}

let installed = false;

/** Registers the fused op's gradient (once per process). */
export function installBiasLeakyReluGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: BIAS_LEAKY_RELU,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0]!;
      // Made once for both inputs (x's and b's gradients share it); freed with backprop's scope.
      const dx = tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: dy as tf.Tensor, x: y }, attrs) as tf.Tensor;
      return { x: () => dx, b: () => tf.sum(dx, [...Array(y.rank - 1).keys()]) };
    },
  });
}
