/**
 * What the running tfjs backend can hold, for the memory check of gan/backend/memory.ts. Read once the
 * backend has started (chooseBackend), from what each backend exposes.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract/config.ts';
import { msg, type Message } from '../contract/messages.ts';
import { formatBytes, WASM_USABLE_BYTES, type DeviceLimits } from '../gan/backend/memory.ts';

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
function gpuBudget(): { bytes: number; why: Message } {
  const ram = (navigator as unknown as { deviceMemory?: number }).deviceMemory;
  if (ram) {
    const bytes = Math.max(1, ram / 2) * GIB;
    return { bytes, why: msg('limits.gpuRam', { ram, bytes: formatBytes(bytes) }) };
  }
  return { bytes: 4 * GIB, why: msg('limits.gpuUnknown') };
}

export function deviceLimits(name: BackendName): DeviceLimits {
  switch (name) {
    case 'webgpu': {
      // tfjs asks its device for the adapter's own maxima (tfjs-backend-webgpu base.ts).
      const limits = (tf.backend() as unknown as { device?: { limits?: GpuLimits } }).device?.limits;
      const tensor = Math.min(limits?.maxBufferSize ?? Infinity, limits?.maxStorageBufferBindingSize ?? Infinity);
      const budget = gpuBudget();
      const single = Number.isFinite(tensor) ? { tensorBytes: tensor, tensor: msg('limits.webgpuBuffer', { bytes: formatBytes(tensor) }) } : {};
      return { backend: name, totalBytes: budget.bytes, total: budget.why, ...single };
    }
    case 'webgl': {
      // A tensor is one texture of at most side × side texels, 4 floats each when packed.
      const side = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
      const budget = gpuBudget();
      return {
        backend: name,
        totalBytes: budget.bytes,
        total: budget.why,
        tensorBytes: side * side * 16,
        tensor: msg('limits.webglTexture', { side, bytes: formatBytes(side * side * 16) }),
      };
    }
    case 'wasm':
      return { backend: name, totalBytes: WASM_USABLE_BYTES, total: msg('limits.wasm', { bytes: formatBytes(WASM_USABLE_BYTES) }) };
    case 'cpu': {
      const heap = (performance as unknown as { memory?: { jsHeapSizeLimit?: number } }).memory?.jsHeapSizeLimit;
      const bytes = heap ?? 4 * GIB;
      return {
        backend: name,
        totalBytes: bytes,
        total: heap ? msg('limits.jsHeap', { bytes: formatBytes(bytes) }) : msg('limits.jsTab', { bytes: formatBytes(bytes) }),
      };
    }
  }
}
