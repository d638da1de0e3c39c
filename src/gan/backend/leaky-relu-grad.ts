import * as tf from '@tensorflow/tfjs';

/**
 * Leaky ReLU's gradient as one kernel where a backend has it (WebGPU: webgpu-kernels.ts), instead
 * of tfjs's three (Greater, Multiply, Select: `where(x > 0, dy, α·dy)`). tfjs's gradient for
 * `LeakyRelu` is replaced by one that uses the kernel when the running backend has it and tfjs's
 * own formula otherwise, so every other backend computes exactly what it did.
 *
 * The kernel `GanvasLeakyReluGrad` (inputs dy, x; attribute alpha) is linear in dy, so its own
 * gradient is itself applied to the incoming gradient (and 0 for x): gradients of gradients (R1's
 * penalty through D) keep working.
 */
export const LEAKY_RELU_GRAD = 'GanvasLeakyReluGrad';

const hasKernel = () => tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend()) !== undefined;

let installed = false;

/** Replaces tfjs's LeakyRelu gradient (once per process). */
export function installLeakyReluGradient(): void {
  if (installed) return;
  const original = tf.getGradient('LeakyRelu');
  if (!original) throw new Error('tfjs has no LeakyRelu gradient to wrap');
  installed = true;
  const fused = (dy: tf.Tensor, x: tf.Tensor, attrs: tf.NamedAttrMap) => tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, attrs) as tf.Tensor;
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => (hasKernel() ? { x: () => fused(dy as tf.Tensor, saved[0]!, attrs) } : original.gradFunc(dy, saved, attrs)),
  });
  tf.registerGradient({
    kernelName: LEAKY_RELU_GRAD,
    inputsToSave: ['x'],
    gradFunc: (ddx, saved, attrs) => ({ dy: () => fused(ddx as tf.Tensor, saved[0]!, attrs), x: () => tf.zerosLike(saved[0]!) }),
  });
}
