/** For tests of the Worker's session in Node. */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useFastBackend } from './tf.ts';

/**
 * The WASM backend with our kernels. Importing the Worker's session points tfjs-wasm at the
 * page's URLs for its binaries; in Node they are read from the package instead.
 */
export async function useSessionBackend(): Promise<void> {
  const dir = `${process.cwd()}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`;
  const names = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
  setWasmPaths(Object.fromEntries(names.map((n) => [n, dir + n])) as Record<(typeof names)[number], string>);
  await useFastBackend();
}

/** Waits until `ok()`, polling every 20 ms, or fails after `ms`. */
export async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
