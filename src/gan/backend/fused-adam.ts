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
/** Two parameters' updates in one kernel: inputs `{ p, m, v, g, p2, m2, v2, g2 }`, outputs `[p′, m′, v′, p2′, m2′, v2′]`. */
export const FUSED_ADAM_PAIR = 'GanvasAdamPair';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr / (1 − β1ᵗ): the bias-corrected step size. */
  lrOverC1: number;
  /** 1 − β2ᵗ */
  c2: number;
}

/** How the running backend updates parameters: both fused kernels, the single one, or tf ops. */
export function fusedAdamKind(): 'pairs' | 'single' | undefined {
  const backend = tf.getBackend();
  if (tf.getKernel(FUSED_ADAM, backend) === undefined) return undefined;
  return tf.getKernel(FUSED_ADAM_PAIR, backend) === undefined ? 'single' : 'pairs';
}

/** A parameter with its moment slots and its gradient. */
export interface AdamSlot {
  p: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  g: tf.Tensor;
}

/**
 * One fused update of variable `p` and its moments from gradient `g`:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − (lr/c1)·m / (√(v/c2) + ε)
 * the same arithmetic, in the same order, as Adam.apply's unfused path.
 */
export function fusedAdamUpdate({ p, m, v, g }: AdamSlot, attrs: AdamAttrs): void {
  assignAll([p, m, v], tf.engine().runKernel(FUSED_ADAM, { p, m, v, g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]);
}

/** Two parameters' updates in one kernel (one dispatch on WebGPU), each exactly as `fusedAdamUpdate`'s. */
export function fusedAdamPairUpdate(a: AdamSlot, b: AdamSlot, attrs: AdamAttrs): void {
  const inputs = { p: a.p, m: a.m, v: a.v, g: a.g, p2: b.p, m2: b.m, v2: b.v, g2: b.g };
  assignAll([a.p, a.m, a.v, b.p, b.m, b.v], tf.engine().runKernel(FUSED_ADAM_PAIR, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]);
}

function assignAll(targets: tf.Variable[], values: tf.Tensor[]): void {
  targets.forEach((t, i) => t.assign(values[i]!));
  tf.dispose(values);
}
