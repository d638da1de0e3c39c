/**
 * Losing the GPU: noticing it, and causing it on purpose for tests (`?fault=device-lost`).
 *
 * tfjs does not report a loss itself: after a WebGPU device dies, work is dropped and a read
 * rejects (or never settles); after a WebGL context is lost, calls quietly do nothing and a
 * download can wait on a fence forever. So the Worker listens to the browser's own signals,
 * WebGPU's `device.lost` and WebGL's `webglcontextlost`, and does not wait for the loop to trip.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract/config.ts';

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}
interface WebglLike {
  canvas: { addEventListener(type: 'webglcontextlost', listener: () => void): void };
  getExtension(name: 'WEBGL_lose_context'): { loseContext(): void } | null;
}

const gpuDevice = (): GpuDeviceLike | undefined => (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
const webgl = (): WebglLike | undefined => (tf.backend() as unknown as { gpgpu?: { gl?: WebglLike } }).gpgpu?.gl;

/** Calls `onLost(why)` once if the running backend's GPU device or context goes away. */
export function watchDevice(name: BackendName, onLost: (why: string) => void): void {
  let told = false;
  const tell = (why: string) => {
    if (told) return;
    told = true;
    onLost(why);
  };
  if (name === 'webgpu') {
    void gpuDevice()?.lost.then((info) => tell(`GPUDevice lost${info.reason ? ` (${info.reason})` : ''}${info.message ? `: ${info.message}` : ''}`));
  }
  if (name === 'webgl') webgl()?.canvas.addEventListener('webglcontextlost', () => tell('WebGL context lost'));
}

/**
 * Test hook: loses the device as a real loss would. WebGPU: the real GPUDevice is destroyed.
 * WebGL: the context is lost through WEBGL_lose_context. WASM and CPU have no device, so the
 * loss is an error thrown into the loop, which takes the same way out.
 */
export function loseDevice(name: BackendName, step: number): void {
  if (name === 'webgpu' && gpuDevice()) return gpuDevice()!.destroy();
  const lose = name === 'webgl' ? webgl()?.getExtension('WEBGL_lose_context') : null;
  if (lose) return lose.loseContext();
  throw new Error(`the ${name} device was lost at step ${step} (injected; simulated, ${name} has no GPU device to lose)`);
}
