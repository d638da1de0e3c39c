import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { startWasmInNode } from '../../cli/node-wasm.ts';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/contract/config.ts';
import type { PreparedSet } from '../../src/data/types.ts';

/** The tfjs CPU backend: the reference the other backends are checked against. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * The fastest path in Node: the WASM backend with our training kernels, ~300× the plain CPU
 * backend on the DCGAN (`npm run bench`). The kernels themselves are checked against the CPU
 * backend in wasm-kernels.test.ts.
 */
export async function useFastBackend(): Promise<void> {
  if (!(await startWasmInNode())) throw new Error('the WASM backend did not start in Node');
}

/** A config small enough for a 2-core machine: 16×16, narrow, batch 8. */
export function tinyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, res: 16, width: 8, zDim: 16, batch: 8, gridSide: 2, reportEvery: 1, ...overrides };
}

/** `count` copies of one image whose pixels are f(x, y, channel) in [-1, 1]. */
export function constantSet(res: number, count: number, f: (x: number, y: number, c: number) => number): PreparedSet {
  const one = new Float32Array(res * res * 3);
  for (let y = 0; y < res; y++) for (let x = 0; x < res; x++) for (let c = 0; c < 3; c++) one[(y * res + x) * 3 + c] = f(x, y, c);
  const pixels = new Float32Array(one.length * count);
  for (let i = 0; i < count; i++) pixels.set(one, i * one.length);
  return { res, count, pixels, names: Array.from({ length: count }, (_, i) => `img${i}`) };
}
