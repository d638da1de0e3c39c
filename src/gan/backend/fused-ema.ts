import * as tf from '@tensorflow/tfjs';

/**
 * The weight average's update avg ← β·avg + (1 − β)·source as one kernel, where a backend has
 * one registered under `FUSED_EMA` (WebGPU: webgpu-style-kernels.ts). Unfused it is Multiply,
 * Multiply, Add per parameter (StyleGAN's G at 32 px: 56 parameters, 168 dispatches a step);
 * fused it is one dispatch per parameter, written in place.
 *
 * The kernel's contract: inputs `{ avg, source }`, attribute `beta`, output avg′: avg's own buffer
 * updated in place, or a private copy when another tensor shares it (a fresh average shares the
 * source's buffer). The caller assigns it. The arithmetic is ema.ts's: two products, then the sum.
 */
export const FUSED_EMA = 'GanvasEma';

/** True when the running backend has the fused update. */
export function hasFusedEma(): boolean {
  return tf.getKernel(FUSED_EMA, tf.getBackend()) !== undefined;
}

/** avg ← β·avg + (1 − β)·source with the fused kernel. */
export function fusedEmaUpdate(avg: tf.Variable, source: tf.Tensor, beta: number): void {
  const next = tf.engine().runKernel(FUSED_EMA, { avg, source }, { beta }) as tf.Tensor;
  avg.assign(next);
  next.dispose();
}
