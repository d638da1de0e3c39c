/**
 * Dawn for Node (the optional dependency `webgpu`) as `navigator.gpu`, for the WebGPU benches and
 * the WGSL kernel tests. Must run before '@tensorflow/tfjs-backend-webgpu' is imported or started
 * (it looks for navigator.gpu when its backend is created).
 *
 * Counters wrap the compute pass's `dispatchWorkgroups` and the queue's `submit` on the
 * prototypes Dawn exposes, so every dispatch tfjs (or our kernels) make is counted.
 */

export interface DawnCounters {
  snapshot(): { dispatches: number; submits: number };
}

export interface Dawn {
  adapterName: string;
  isFallbackAdapter: boolean;
  features: string[];
  counters: DawnCounters;
}

interface DawnModule {
  create: (options: string[]) => unknown;
  globals: Record<string, { prototype: Record<string, unknown> } | undefined>;
}

interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features: Set<string>;
  limits: Record<string, number>;
}

/** The `webgpu` package, or undefined when it is not installed (it is an optional dependency). */
export async function loadDawn(): Promise<DawnModule | undefined> {
  // A specifier in a variable keeps `tsc -b` from needing the optional package's types.
  const name = 'webgpu';
  return (await import(name).catch(() => undefined)) as DawnModule | undefined;
}

function count(proto: Record<string, unknown> | undefined, method: string, bump: () => void): void {
  const original = proto?.[method];
  if (typeof original !== 'function' || (original as { counted?: boolean }).counted) return;
  const wrapped = function (this: unknown, ...a: unknown[]) {
    bump();
    return (original as (...x: unknown[]) => unknown).apply(this, a);
  };
  (wrapped as { counted?: boolean }).counted = true;
  proto![method] = wrapped;
}

/**
 * Installs Dawn's globals and `navigator.gpu`. `nullBackend`: Dawn's null backend (no GPU work).
 * Further Dawn options come from DAWN_OPTIONS (comma-separated, e.g. `backend=vulkan`).
 * Throws when the package is missing or no adapter is found.
 */
export async function installDawn(opts: { nullBackend?: boolean; log?: (s: string) => void } = {}): Promise<Dawn> {
  const dawn = await loadDawn();
  if (!dawn) throw new Error('the optional dependency `webgpu` (Dawn for Node) is not installed: npm install');
  Object.assign(globalThis, dawn.globals);
  const options = (process.env.DAWN_OPTIONS ?? '').split(',').filter(Boolean);
  if (opts.nullBackend && !options.includes('backend=null')) options.push('backend=null');
  const gpu = dawn.create(options) as { requestAdapter(o?: object): Promise<AdapterLike | null> };
  // Node ≥ 21 has a read-only navigator getter; defineProperty works on both.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn offered no WebGPU adapter (no Vulkan driver found?)');
  const info = adapter.info ?? {};
  const pick = (k: string) => (info[k] === undefined || info[k] === '' ? undefined : `${k}: ${String(info[k])}`);
  const desc = ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter'].map(pick).filter(Boolean).join(', ');
  const features = [...adapter.features].sort();
  opts.log?.(`WebGPU adapter: ${desc}`);
  opts.log?.(`  features: ${features.join(' ')}`);
  let dispatches = 0;
  let submits = 0;
  count(dawn.globals.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', () => dispatches++);
  count(dawn.globals.GPUQueue?.prototype, 'submit', () => submits++);
  return {
    adapterName: String(info.description || info.device || info.vendor || (opts.nullBackend ? 'null' : 'unknown adapter')),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    features,
    counters: { snapshot: () => ({ dispatches, submits }) },
  };
}
