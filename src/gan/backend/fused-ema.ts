import * as tf from '@tensorflow/tfjs';

/**
 * The weight average's update avg ← β·avg + (1 − β)·source as one kernel, where a backend has
 * one registered under `FUSED_EMA` (WebGPU: webgpu-style-kernels.ts). Unfused it is Multiply,
 * Multiply, Add per parameter (StyleGAN's G at 32 px: 56 parameters, 168 dispatches a step);
 * fused it is one dispatch per parameter, or per four with `FUSED_EMA_GROUP`, written in place.
 *
 * The kernel's contract: inputs `{ avg, source }`, attribute `beta`, output avg′: avg's own buffer
 * updated in place, or a private copy when another tensor shares it (a fresh average shares the
 * source's buffer). The caller assigns it. The arithmetic is ema.ts's: two products, then the sum.
 */
export const FUSED_EMA = 'GanvasEma';
/**
 * Up to `EMA_GROUP_MAX` averages in one kernel (one dispatch on WebGPU): inputs `{ avg0, source0,
 * avg1, source1, … }`, attribute `beta`, outputs `[avg0′, avg1′, …]`, each as `FUSED_EMA`'s.
 */
export const FUSED_EMA_GROUP = 'GanvasEmaGroup';
export const EMA_GROUP_MAX = 4;

/** How the running backend updates averages: in groups and alone, alone only, or with tf ops. */
export function fusedEmaKind(): 'groups' | 'single' | undefined {
  const backend = tf.getBackend();
  if (tf.getKernel(FUSED_EMA, backend) === undefined) return undefined;
  return tf.getKernel(FUSED_EMA_GROUP, backend) === undefined ? 'single' : 'groups';
}

/** avg ← β·avg + (1 − β)·source with the fused kernel. */
export function fusedEmaUpdate(avg: tf.Variable, source: tf.Tensor, beta: number): void {
  const next = tf.engine().runKernel(FUSED_EMA, { avg, source }, { beta }) as tf.Tensor;
  avg.assign(next);
  next.dispose();
}

/** The same update for 2 to `EMA_GROUP_MAX` averages at once, each exactly as `fusedEmaUpdate`'s. */
export function fusedEmaGroupUpdate(pairs: readonly (readonly [avg: tf.Variable, source: tf.Tensor])[], beta: number): void {
  const inputs = Object.fromEntries(pairs.flatMap(([avg, source], i) => [[`avg${i}`, avg] as const, [`source${i}`, source] as const]));
  const next = tf.engine().runKernel(FUSED_EMA_GROUP, inputs, { beta }) as tf.Tensor[];
  pairs.forEach(([avg], i) => avg.assign(next[i]!));
  tf.dispose(next);
}
