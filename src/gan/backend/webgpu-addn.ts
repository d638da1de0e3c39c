/**
 * AddN on WebGPU for any number of terms. tfjs-webgpu's AddN binds every term as a storage
 * buffer of one shader, and WebGPU allows 8 per shader stage unless more are asked for (tfjs
 * does not ask). With more terms the pipeline is invalid, the dispatch is dropped with only a
 * validation message, and the sum reads as whatever the output buffer held: the divergence
 * guard's NaN check over a snapshot (48 tensors in a DCGAN, 224 in a StyleGAN) read 0, and a
 * 64 px projection's noise penalty (9 maps) would have. This kernel wraps tfjs's own: at most
 * `limit − 1` terms per dispatch (one binding is the output), then the partial sums likewise.
 */
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'webgpu';

interface DeviceHolder {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

/** tfjs's own AddN, kept when ours is registered in its place. */
let tfjsAddN: tf.KernelFunc | undefined;

const chunkedAddN: tf.KernelFunc = (args) => {
  const own = tfjsAddN!;
  const backend = args.backend as unknown as DeviceHolder;
  const perDispatch = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
  let terms = args.inputs as unknown as tf.TensorInfo[];
  const partials: tf.TensorInfo[] = [];
  while (terms.length > perDispatch) {
    const next: tf.TensorInfo[] = [];
    for (let i = 0; i < terms.length; i += perDispatch) {
      const chunk = terms.slice(i, i + perDispatch);
      if (chunk.length === 1) next.push(chunk[0]!);
      else {
        const sum = own({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        partials.push(sum);
        next.push(sum);
      }
    }
    terms = next;
  }
  const total = own({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap });
  for (const p of partials) backend.disposeData(p.dataId);
  return total;
};

/** Puts the chunking AddN in place of tfjs's on 'webgpu' (idempotent). It stays when our fused kernels are taken away: it fixes a fault, it is no alternative. */
export function installWebGpuAddN(): void {
  const current = tf.getKernel('AddN', BACKEND);
  if (!current || current.kernelFunc === chunkedAddN) return;
  tfjsAddN = current.kernelFunc;
  tf.unregisterKernel('AddN', BACKEND);
  tf.registerKernel({ kernelName: 'AddN', backendName: BACKEND, kernelFunc: chunkedAddN });
}
