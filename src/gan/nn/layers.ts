import * as tf from '@tensorflow/tfjs';
import type { Params } from './params.ts';
import { batchNormTraining } from '../backend/batch-norm.ts';
import { biasLeakyRelu } from '../backend/bias-leaky-relu.ts';

/**
 * Stateless layer functions over named parameters. Each takes the parameter prefix it owns,
 * so a model is readable as a list of calls and its parameters as a list of names.
 */

export function dense(p: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, p[`${name}.w`] as tf.Tensor2D), p[`${name}.b`]!);
}

/**
 * 4×4 stride-2 convolution, "same" padding: halves the side (as PyTorch k4 s2 p1), then its bias
 * and leaky ReLU with slope `alpha`, as one op (one kernel on WebGPU: backend/bias-leaky-relu.ts).
 */
export function convDownLeakyRelu(p: Params, name: string, x: tf.Tensor4D, alpha: number): tf.Tensor4D {
  const y = tf.conv2d(x, p[`${name}.w`] as tf.Tensor4D, 2, 'same');
  return biasLeakyRelu(y, p[`${name}.b`]!, alpha) as tf.Tensor4D;
}

/** 4×4 stride-2 transposed convolution: doubles the side (as PyTorch ConvTranspose2d k4 s2 p1). */
export function convUp(p: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const w = p[`${name}.w`] as tf.Tensor4D; // [4, 4, out, in]
  const [b, h, wd] = x.shape;
  const out = w.shape[2];
  const y = tf.conv2dTranspose(x, w, [b, h * 2, wd * 2, out], 2, 'same');
  return tf.add(y, p[`${name}.b`]!);
}

/**
 * Batch normalisation with the current batch's statistics (training-mode BN, as DCGAN uses it
 * in G; the sample grid is a batch too, so its statistics come from the grid's latents). Its
 * gradient is written out (src/gan/backend/batch-norm.ts): no tf.moments on the tape.
 */
export function batchNorm(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  return batchNormTraining(x, p[`${name}.gamma`]!, p[`${name}.beta`]!, 1e-5);
}

/** `batchNorm` then leaky ReLU with `slope` (0: ReLU), fused into the batch norm's passes on WebGPU. */
export function batchNormLeakyRelu(p: Params, name: string, x: tf.Tensor, slope: number): tf.Tensor4D {
  return batchNormTraining(x, p[`${name}.gamma`]!, p[`${name}.beta`]!, 1e-5, slope) as tf.Tensor4D;
}
