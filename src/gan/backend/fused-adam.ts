import * as tf from '@tensorflow/tfjs';

/**
 * Adam's per-parameter update as one kernel, where a backend has one registered under
 * `FUSED_ADAM` (src/gan/backend/webgpu-kernels.ts for WebGPU). Unfused, the update is ~12
 * element-wise kernels per parameter (each a dispatch, a fresh uniform buffer and a bind group on
 * WebGPU); fused it is one dispatch that reads the gradient and writes the parameter and both
 * moments in place.
 *
 * The kernel's contract: inputs `{ p, m, v, g }`, attributes `AdamAttrs`, outputs `[p′, m′, v′]`,
 * which are the inputs' own buffers updated in place, or private copies when another tensor
 * shares an input's buffer (a snapshot's clone must keep its values). The caller assigns them.
 */
export const FUSED_ADAM = 'GanvasAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr / (1 − β1ᵗ): the bias-corrected step size. */
  lrOverC1: number;
  /** 1 − β2ᵗ */
  c2: number;
}

/** True when the running backend has the fused Adam kernel. */
export function hasFusedAdam(): boolean {
  return tf.getKernel(FUSED_ADAM, tf.getBackend()) !== undefined;
}

/**
 * One fused update of variable `p` and its moments from gradient `g`:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − (lr/c1)·m / (√(v/c2) + ε)
 * the same arithmetic, in the same order, as Adam.apply's unfused path.
 */
export function fusedAdamUpdate(p: tf.Variable, m: tf.Variable, v: tf.Variable, g: tf.Tensor, attrs: AdamAttrs): void {
  const [p1, m1, v1] = tf.engine().runKernel(FUSED_ADAM, { p, m, v, g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  p.assign(p1!);
  m.assign(m1!);
  v.assign(v1!);
  tf.dispose([p1!, m1!, v1!]);
}
