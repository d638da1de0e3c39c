/**
 * Lets tfjs-backend-wasm's threaded-SIMD binary start in the production build under the app's
 * CSP (`script-src 'self'`, `worker-src 'self'`, no `blob:`). tfjs starts each pthread Worker
 * from a `blob:` URL of a script it carries as a string, and that Worker `importScripts` a second
 * `blob:` made from `wasmFactoryThreadedSimd.toString()`: the source text of a function the
 * bundler has minified, whose renamed outer variables no longer exist there ("e is not defined").
 * This build step serves both scripts as plain same-origin assets instead (the pthread script
 * as tfjs carries it; the factory as its unbundled emscripten file, which declares the global
 * the pthread script calls) and points tfjs's init at them.
 *
 * And the pool size: tfjs's C++ caps XNNPACK's threads at `navigator.hardwareConcurrency / 2`
 * (a guess at hyperthreading), so on a 2-core machine it never starts a second thread, whatever
 * `setThreadsCount` asks. Its glue reports twice the logical cores, which lifts that cap to the
 * real core count; `setThreadsCount` (src/worker/backend.ts) then picks the number used.
 *
 * A tfjs update that changes any of these lines fails the build here rather than silently
 * falling back to one thread.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const require = createRequire(import.meta.url);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/';
const TARGET = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const GLUE = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const LOGICAL_CORES = 'return navigator["hardwareConcurrency"]}';

/** The emscripten glue with `emscripten_num_logical_cores` doubled (see above). */
function patchGlue(code: string): string | undefined {
  return code.split(LOGICAL_CORES).length === 2 ? code.replace(LOGICAL_CORES, 'return 2*navigator["hardwareConcurrency"]}') : undefined;
}

/** The pthread Worker's script exactly as tfjs would put it in its blob. */
function pthreadScript(): string {
  const { wasmWorkerContents } = require(`${WASM_OUT}tfjs-backend-wasm-threaded-simd.worker.js`) as { wasmWorkerContents: string };
  return wasmWorkerContents.replace(/\n/g, '\\n');
}

const WORKER_BLOB = /const response = wasmWorkerContents\.replace\([^;]*;\s*const blob = new Blob\(\[response\][^;]*;\s*return URL\.createObjectURL\(blob\);/;
const MAIN_BLOB = /factoryConfig\.mainScriptUrlOrBlob = new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\][^;]*;/;

export function wasmThreadsAssets(): Plugin {
  return {
    name: 'ganvas-wasm-threads',
    apply: 'build',
    transform(code, id) {
      const file = id.split('?')[0]!;
      const glue = (text: string) =>
        patchGlue(text) ?? this.error('tfjs-backend-wasm glue changed: emscripten_num_logical_cores not found (build/wasm-threads.ts)');
      if (GLUE.test(file)) return glue(code);
      if (!TARGET.test(file)) return undefined;
      if (!WORKER_BLOB.test(code) || !MAIN_BLOB.test(code)) {
        this.error('tfjs-backend-wasm init changed: the pthread blob lines to replace were not found (build/wasm-threads.ts)');
      }
      const worker = this.emitFile({ type: 'asset', name: 'tfjs-wasm-pthread.js', source: pthreadScript() });
      const main = this.emitFile({
        type: 'asset',
        name: 'tfjs-wasm-threaded-simd.js',
        source: glue(readFileSync(require.resolve(`${WASM_OUT}tfjs-backend-wasm-threaded-simd.js`), 'utf8')),
      });
      return code
        .replace(WORKER_BLOB, `return new URL(import.meta.ROLLUP_FILE_URL_${worker}, self.location.href).href;`)
        .replace(MAIN_BLOB, `factoryConfig.mainScriptUrlOrBlob = new URL(import.meta.ROLLUP_FILE_URL_${main}, self.location.href).href;`);
    },
  };
}
