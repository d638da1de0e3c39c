import * as tf from '@tensorflow/tfjs';

/**
 * Tanh's gradient as one kernel where a backend has it (WebGPU: webgpu-kernels.ts), instead of
 * tfjs's four (Cast of the saved y, Square, Sub, Multiply: `(1 − y²)·dy`). As with leaky ReLU
 * (leaky-relu-grad.ts), tfjs's `Tanh` gradient is replaced by one that uses the kernel when the
 * running backend has it and tfjs's own formula otherwise, so other backends compute what they did.
 *
 * The kernel `GanvasTanhGrad` (inputs dy, y) computes dx = dy·(1 − y²). Its own gradient is
 * written out (dy: itself applied to the incoming gradient; y: −2·y·dy·ddx), so gradients of
 * gradients through dy work (tfjs leaves paths through a saved output, here y, out of higher
 * orders, for its own Tanh gradient too).
 */
export const TANH_GRAD = 'GanvasTanhGrad';

const hasKernel = () => tf.getKernel(TANH_GRAD, tf.getBackend()) !== undefined;
const fused = (dy: tf.Tensor, y: tf.Tensor) => tf.engine().runKernel(TANH_GRAD, { dy, y }) as tf.Tensor;

let installed = false;

/** Replaces tfjs's Tanh gradient (once per process). */
export function installTanhGradient(): void {
  if (installed) return;
  const original = tf.getGradient('Tanh');
  if (!original) throw new Error('tfjs has no Tanh gradient to wrap');
  installed = true;
  tf.registerGradient({
    kernelName: 'Tanh',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => (hasKernel() ? { x: () => fused(dy as tf.Tensor, saved[0]!) } : original.gradFunc(dy, saved, attrs)),
  });
  tf.registerGradient({
    kernelName: TANH_GRAD,
    inputsToSave: ['dy', 'y'],
    gradFunc: (ddx, saved) => {
      const [dy, y] = saved as [tf.Tensor, tf.Tensor];
      return { dy: () => fused(ddx as tf.Tensor, y), y: () => tf.mul(tf.mul(tf.mul(y, -2), dy), ddx as tf.Tensor) };
    },
  });
}
