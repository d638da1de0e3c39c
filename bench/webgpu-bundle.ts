/**
 * `npm run bench:webgpu`: bundles bench/bench-webgpu-node.ts with esbuild the way a browser build
 * resolves tfjs (the packages' ES2017 `module` builds, not the ES5 `main` ones Node picks through
 * tsx; the ES5 builds' generator and spread helpers cost ~3× in tfjs's host work), then runs the
 * bundle with Node, passing every argument on. The bundle and tfjs's WASM binaries go to
 * `out/bench-webgpu/` (ignored), a folder that also travels alone to a machine without npm:
 * bench/gpu-check.sh carries it with Node and Dawn's `dawn.node`.
 *
 *   npm run bench:webgpu -- --host            # Dawn's null backend: the host's share
 *   npm run bench:webgpu -- --build-only      # just write out/bench-webgpu/
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'out/bench-webgpu';
const WASM = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: ['bench/bench-webgpu-node.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    outfile: join(OUT, 'bench.mjs'),
    // Dawn's native addon is loaded from node_modules (or beside the bundle on a GPU machine).
    external: ['webgpu'],
    // tfjs's WASM glue expects CommonJS's require, __filename and __dirname.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
    },
    logLevel: 'warning',
  });
  for (const f of WASM) copyFileSync(join('node_modules/@tensorflow/tfjs-backend-wasm/dist', f), join(OUT, f));
  if (args.includes('--build-only')) return;
  const r = spawnSync(process.execPath, [join(OUT, 'bench.mjs'), ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
