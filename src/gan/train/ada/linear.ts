import * as tf from '@tensorflow/tfjs';

/**
 * A linear map of tensors with its gradient: the gradient of y = A(x) is Aᵀ(dy), and the
 * gradient of Aᵀ is A again, so any order of derivative works (R1 through the augmentation is
 * a double backward). Both directions are given as plain functions of a tensor; tfjs's own
 * gradients of the ops inside them are never used (gather's would need UnsortedSegmentSum,
 * which the wasm backend lacks; a JS pass has none at all).
 */
export interface LinearMap<T extends tf.Tensor> {
  forward(x: T): T;
  adjoint(y: T): T;
}

export function applyLinear<T extends tf.Tensor>(x: T, map: LinearMap<T>): T {
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc) => ({
    value: map.forward(input as T),
    gradFunc: (dy: tf.Tensor) => applyLinear(dy as T, { forward: map.adjoint, adjoint: map.forward }),
  }));
  return op(x) as T;
}

/**
 * Whether tensors of the current backend live in CPU memory (cpu, wasm): there a JS pass over a
 * copy of the data is cheaper than several small kernels (reading back is a memcpy). On webgl
 * and webgpu it would stall the queue, so the device path (kernels only) is used there.
 */
export function backendIsCpuResident(): boolean {
  const name = tf.getBackend();
  return name === 'cpu' || name === 'wasm';
}

/** Where a map runs: in a JS pass over the data, or as device kernels. */
export type ComputePath = 'js' | 'device';

export function defaultPath(): ComputePath {
  return backendIsCpuResident() ? 'js' : 'device';
}
