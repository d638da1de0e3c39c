/**
 * How tfjs's WASM backend starts in our Workers: where its binaries are, and how many threads it
 * runs. Which binary (threaded or not) is fixed at the backend's first start; the threaded one's
 * pool can be made again afterwards (`resizeWasmThreads`), which is how the thread race times
 * each count in one module (thread-race.ts).
 *
 * The threaded-SIMD binary starts in the production page under its CSP (no `blob:`):
 * build/wasm-threads.ts serves tfjs's pthread script and emscripten glue as same-origin assets
 * and lifts tfjs's `hardwareConcurrency / 2` thread cap. Threads can pay or not: on this
 * project's 2-core machine two threads ran 1.23× one thread idle and 0.74× under other jobs'
 * load (src/worker/auto-size.ts `RACE`), so only a measurement on the person's machine decides.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** The binaries are served by the app itself (no CDN), in dev and in the production build. */
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

/** One thread until a count is chosen: tfjs would otherwise pick threads wherever SharedArrayBuffer exists. */
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/** More than this gains little for our layer sizes and takes cores from the page. */
const MAX_THREADS = 4;

/**
 * The cores tfjs's pool may use: all of them in the production build, which lifts tfjs's cap of
 * half the logical cores (build/wasm-threads.ts); half under the dev server, which does not.
 */
const poolCores = (cores: number) => (import.meta.env?.DEV ? Math.floor(cores / 2) : cores);

/**
 * The thread count worth racing against one: min(cores, 4), or 1 where threads cannot run
 * (no cross-origin isolation, so no SharedArrayBuffer; or a single core).
 */
export function threadsOnOffer(): number {
  const isolated = typeof crossOriginIsolated === 'boolean' && crossOriginIsolated && typeof SharedArrayBuffer === 'function';
  const cores = typeof navigator === 'object' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return isolated ? Math.max(1, Math.min(poolCores(cores), MAX_THREADS)) : 1;
}

/**
 * What WASM starts with: the threaded binary at `count` threads (capped by what is on offer; with
 * `growLater`, even at one thread, so that a race can grow its pool), else the plain SIMD one.
 * Call before the backend's first start.
 */
export function setWasmThreads(count: number, growLater = false): void {
  const offer = threadsOnOffer();
  const useThreads = (count > 1 || growLater) && offer > 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', useThreads);
  if (useThreads) setThreadsCount(Math.min(Math.max(1, Math.floor(count)), offer));
}

/** tfjs's C++ entry points that make and count XNNPACK's thread pool (checked by name at use). */
interface PoolEntryPoints {
  initWithThreadsCount(count: number): void;
  getThreadsCount(): number;
}

function poolEntryPoints(): PoolEntryPoints | undefined {
  if (!tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') || tf.getBackend() !== 'wasm') return undefined;
  const module = (tf.backend() as unknown as { wasm?: { tfjs?: Partial<PoolEntryPoints> } }).wasm?.tfjs;
  if (typeof module?.initWithThreadsCount !== 'function' || typeof module.getThreadsCount !== 'function') {
    throw new Error('tfjs-backend-wasm changed: wasm.tfjs.initWithThreadsCount/getThreadsCount not found (src/worker/wasm-setup.ts)'); // english-ok: a developer's error
  }
  return module as PoolEntryPoints;
}

/**
 * Makes the running threaded module's pool again with `count` threads (tfjs's C++ replaces its
 * pool; the kernels take the pool at each call). Its pthreads come from the 8 Workers emscripten
 * starts with the module, and the old pool's stay parked, so this is for a few switches only.
 * Returns the count now running (1 on a module without threads).
 */
export function resizeWasmThreads(count: number): number {
  const pool = poolEntryPoints();
  if (!pool) return 1;
  pool.initWithThreadsCount(Math.min(Math.max(1, Math.floor(count)), threadsOnOffer()));
  return pool.getThreadsCount();
}

/** The threads the running WASM module uses (1 for the single-threaded binaries). */
export function wasmThreadCount(): number {
  return poolEntryPoints()?.getThreadsCount() ?? 1;
}

/** For the status line: "SIMD, 2 threads". */
export function wasmFlavour(): string {
  const count = wasmThreadCount();
  return [tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD', count > 1 ? `${count} threads` : 'one thread'].join(', ');
}
