/**
 * Picks the tfjs backend inside the Worker and says why. Order: a hardware WebGPU adapter, then
 * WebGL, then CPU. A software WebGPU adapter (SwiftShader, `isFallbackAdapter`) is passed over
 * for WebGL, which measured 2–3× faster on the same software rasteriser (shared/NOTES.md).
 * WASM is used only when asked for: stock tfjs-wasm lacks the conv gradients needed to train.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName, BackendRequest } from '../contract/config.ts';
import type { BackendInfo } from '../contract/protocol.ts';

/** The binaries are served by the app itself (no CDN), in dev and in the production build. */
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

const AUTO_ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];

type Probe = { ok: true; reason: string; software: boolean } | { ok: false; reason: string };

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

async function webgpuAdapter(): Promise<Probe> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter was offered (GPU blocklisted or disabled)' };
  const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ');
  return { ok: true, software, reason: software ? 'software WebGPU adapter (no GPU)' : `WebGPU adapter ${name}`.trim() };
}

function webglRenderer(): string {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return '';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

const isSoftwareRenderer = (renderer: string) => /swiftshader|llvmpipe|software|basic render/i.test(renderer);

/**
 * Runs a small conv + matmul and checks the numbers, so a backend that initialises but computes
 * garbage (it happens with broken drivers) is caught before training. Also compiles the first
 * shaders, so the first real step is not the slow one.
 */
async function warmUp(): Promise<string | undefined> {
  const out = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    return tf.add(tf.sum(tf.conv2d(x, w, 1, 'same')), tf.sum(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]))));
  });
  const v = (await out.data())[0];
  out.dispose();
  // conv of ones (3×3×2 kernel, 'same' on 4×4): 4 corners·8 + 8 edges·12 + 4 inner·18 = 200; matmul: 4·3 = 12.
  return v === 212 ? undefined : `computed ${v} where 212 was expected`;
}

async function tryBackend(name: BackendName): Promise<Probe> {
  let probe: Probe = { ok: true, reason: '', software: false };
  if (name === 'webgpu') {
    probe = await webgpuAdapter();
    if (!probe.ok) return probe;
  }
  const ok = await tf.setBackend(name).catch(() => false);
  if (!ok) return { ok: false, reason: `tfjs could not start the ${name} backend` };
  await tf.ready();
  if (name === 'webgl') {
    const renderer = webglRenderer();
    const software = isSoftwareRenderer(renderer);
    probe = { ok: true, software, reason: software ? `software WebGL (${renderer})` : `WebGL on ${renderer || 'a GPU'}` };
  }
  if (name === 'wasm') probe = { ok: true, software: false, reason: 'WebAssembly on the CPU' };
  if (name === 'cpu') probe = { ok: true, software: false, reason: 'plain JavaScript on the CPU' };
  const wrong = await warmUp().catch((e: unknown) => String(e));
  if (wrong) return { ok: false, reason: `the ${name} backend failed its warm-up check: ${wrong}` };
  return probe;
}

export async function chooseBackend(request: BackendRequest): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const order = request === 'auto' ? AUTO_ORDER : [request, ...AUTO_ORDER.filter((b) => b !== request)];
  for (const name of order) {
    // A software WebGPU adapter loses to WebGL on the same rasteriser, unless forced.
    if (name === 'webgpu' && request === 'auto') {
      const probe = await webgpuAdapter();
      if (!probe.ok || probe.software) {
        skipped.push({ name, reason: probe.ok ? `${probe.reason}; WebGL is faster on software rendering` : probe.reason });
        continue;
      }
    }
    const probe = await tryBackend(name);
    if (probe.ok) {
      const why = request === name ? `requested with ?backend=${name}: ${probe.reason}` : probe.reason;
      return { name, reason: why, skipped, software: probe.software };
    }
    skipped.push({ name, reason: probe.reason });
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
