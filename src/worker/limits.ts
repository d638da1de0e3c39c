/**
 * What the running tfjs backend can hold, for the memory check of gan/memory.ts. Read once the
 * backend has started (chooseBackend), from what each backend exposes.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract/config.ts';
import { formatBytes, WASM_USABLE_BYTES, type DeviceLimits } from '../gan/memory.ts';

const GIB = 1024 ** 3;

interface GpuLimits {
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

/**
 * A page cannot see a GPU's memory. `navigator.deviceMemory` (GB of RAM, rounded and capped at 8
 * by Chromium) is the one hint: integrated GPUs share it, and half of it is a safe budget. Without
 * it, assume 4 GiB, what a modest discrete GPU has.
 */
function gpuBudget(): { bytes: number; why: string } {
  const ram = (navigator as unknown as { deviceMemory?: number }).deviceMemory;
  if (ram) {
    const bytes = Math.max(1, ram / 2) * GIB;
    return { bytes, why: `this device reports ${ram} GB of memory, of which about ${formatBytes(bytes)} is a safe budget for the GPU` };
  }
  return { bytes: 4 * GIB, why: 'the page cannot see GPU memory, so a budget of 4 GiB is assumed' };
}

export function deviceLimits(name: BackendName): DeviceLimits {
  switch (name) {
    case 'webgpu': {
      // tfjs asks its device for the adapter's own maxima (tfjs-backend-webgpu base.ts).
      const limits = (tf.backend() as unknown as { device?: { limits?: GpuLimits } }).device?.limits;
      const tensor = Math.min(limits?.maxBufferSize ?? Infinity, limits?.maxStorageBufferBindingSize ?? Infinity);
      const budget = gpuBudget();
      const single = Number.isFinite(tensor) ? { tensorBytes: tensor, tensor: `this WebGPU device binds at most ${formatBytes(tensor)} per buffer` } : {};
      return { backend: name, totalBytes: budget.bytes, total: budget.why, ...single };
    }
    case 'webgl': {
      // A tensor is one texture of at most side × side texels, 4 floats each when packed.
      const side = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
      const budget = gpuBudget();
      return { backend: name, totalBytes: budget.bytes, total: budget.why, tensorBytes: side * side * 16, tensor: `WebGL textures here are at most ${side}×${side}, about ${formatBytes(side * side * 16)} of floats` };
    }
    case 'wasm':
      return { backend: name, totalBytes: WASM_USABLE_BYTES, total: `WASM can address about ${formatBytes(WASM_USABLE_BYTES)}` };
    case 'cpu': {
      const heap = (performance as unknown as { memory?: { jsHeapSizeLimit?: number } }).memory?.jsHeapSizeLimit;
      const bytes = heap ?? 4 * GIB;
      return { backend: name, totalBytes: bytes, total: heap ? `the JavaScript heap is limited to ${formatBytes(bytes)}` : `a tab rarely gets more than ${formatBytes(bytes)} of JavaScript memory` };
    }
  }
}
