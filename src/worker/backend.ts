/**
 * Picks the tfjs backend inside the Worker and says why. Order: WebGPU on a hardware adapter
 * (kept only if it trains faster than WASM in a timed step, `raceGpuAgainstWasm`), WebGL on a
 * hardware GPU, WASM (with our training kernels), then software WebGL, then CPU.
 * A software GPU (SwiftShader, llvmpipe; WebGPU's `isFallbackAdapter`) loses to WASM: on this
 * project's 2-core reference machine WASM trains the DCGAN ~15× faster than SwiftShader WebGL
 * and ~30× faster than SwiftShader WebGPU (shared/NOTES.md, `npm run bench`).
 */
import { english, MessageError, msg, type Message } from '../contract/messages.ts';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { backendSelfCheck } from '../gan/backend/self-check.ts';
import { setWasmBackendForTraining } from '../gan/backend/wasm-kernels.ts';
import { registerWebGpuTrainingKernels, unregisterWebGpuTrainingKernels, webGpuKernelsSelfCheck } from '../gan/backend/webgpu-kernels.ts';
import { DEFAULT_CONFIG, type BackendName, type BackendRequest, type TrainConfig } from '../contract/config.ts';
import { fastest, raceSteps, trainerRig, type Timing } from './auto-size.ts';
import type { BackendInfo, ThreadRace, ThreadsChoice } from '../contract/protocol.ts';
import { raceWasmThreads, realThreadRace } from './thread-race.ts';
import { resizeWasmThreads, setWasmThreads, threadsOnOffer, wasmFlavour } from './wasm-setup.ts';

const FALLBACK_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

type Probe = { ok: true; reason: Message; software: boolean; kernels?: BackendInfo['kernels'] } | { ok: false; reason: Message };

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/**
 * Adapters we probed are kept referenced for the Worker's life: in Chromium, a probed adapter
 * being garbage-collected has been seen to take the device tfjs made from its own adapter down
 * with it ("A valid external Instance reference no longer exists").
 */
const probedAdapters: GpuAdapterLike[] = [];

async function webgpuAdapter(): Promise<Probe> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { ok: false, reason: msg('backend.noWebgpu') };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter) probedAdapters.push(adapter);
  if (!adapter) return { ok: false, reason: msg('backend.noAdapter') };
  const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ');
  return { ok: true, software, reason: software ? msg('backend.softwareWebgpu') : msg('backend.webgpu', { name }) };
}

function webglRenderer(): string {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return '';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

const isSoftwareRenderer = (renderer: string) => /swiftshader|llvmpipe|software|basic render/i.test(renderer);

/** What the running backend is, once tfjs has started it. */
function describeRunning(name: BackendName): Probe & { ok: true } {
  switch (name) {
    case 'webgl': {
      const renderer = webglRenderer();
      const software = isSoftwareRenderer(renderer);
      return {
        ok: true,
        software,
        reason: software ? msg('backend.softwareWebgl', { renderer }) : msg('backend.webgl', { renderer: renderer || msg('backend.aGpu') }),
      };
    }
    case 'webgpu': {
      const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
      const label = [info?.vendor, info?.architecture].filter(Boolean).join(' ');
      const software = isSoftwareRenderer(label);
      return { ok: true, software, reason: software ? msg('backend.softwareWebgpuNamed', { name: label }) : msg('backend.webgpu', { name: label }) };
    }
    case 'wasm':
      return { ok: true, software: false, reason: wasmReason() };
    case 'cpu':
      return { ok: true, software: false, reason: msg('backend.cpu') };
  }
}

async function tryBackend(name: BackendName): Promise<Probe> {
  // No adapter of our own here: tfjs requests the one it uses, and a second, unused adapter
  // in the same Worker has been seen to destabilise SwiftShader's device.
  if (name === 'webgpu' && !(navigator as unknown as { gpu?: GpuLike }).gpu) return { ok: false, reason: msg('backend.noWebgpu') };
  const ok = await (name === 'wasm' ? startWasm() : tf.setBackend(name)).catch(() => false);
  if (!ok) return { ok: false, reason: msg('backend.cannotStart', { backend: name }) };
  await tf.ready();
  const probe = describeRunning(name);
  const wrong = await backendSelfCheck().catch((e: unknown) => String(e));
  if (wrong) return { ok: false, reason: msg('backend.warmUp', { backend: name, detail: wrong }) };
  if (name === 'webgpu') {
    const kernels = await useFusedWebGpuKernels();
    const lost = probe.software ? await deviceLostAtStart() : undefined;
    if (lost) return { ok: false, reason: msg('backend.lostAtStart', { detail: lost }) };
    return probe.ok ? { ...probe, kernels } : probe;
  }
  return probe;
}

interface LostInfo {
  reason?: string;
  message?: string;
}

/**
 * The new WebGPU device, watched for a moment after the warm-up checks ran on it. Software
 * adapters (SwiftShader) have been seen to lose their first device right at the start (issue 17):
 * caught here, the Worker starts on WASM and says why, instead of crashing into the page's
 * restart. (A full training step here would catch a later loss too, but on SwiftShader its shader
 * compiles alone held start-up for over a minute in the e2e tests.) Returns what happened, or
 * undefined when the device is still live.
 */
async function deviceLostAtStart(): Promise<string | undefined> {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<LostInfo> } }).device;
  const lost = device?.lost?.then((i) => `GPUDevice lost${i.reason ? ` (${i.reason})` : ''}${i.message ? `: ${i.message}` : ''}`);
  const live = new Promise<undefined>((r) => setTimeout(() => r(undefined), LOSS_WINDOW_MS));
  return Promise.race([live, ...(lost ? [lost] : [])]);
}

/** How long a new software WebGPU device is watched before it is trusted. */
const LOSS_WINDOW_MS = 300;

/**
 * Our fused WGSL kernels (src/gan/backend/webgpu-kernels.ts), kept only when they give the known
 * answers on this adapter; otherwise training uses tfjs's own. Returns which, for the status bar.
 */
async function useFusedWebGpuKernels(): Promise<NonNullable<BackendInfo['kernels']>> {
  registerWebGpuTrainingKernels();
  const wrong = await webGpuKernelsSelfCheck();
  if (!wrong) return { fused: true, reason: msg('backend.fusedKernels') };
  unregisterWebGpuTrainingKernels();
  return { fused: false, reason: msg('backend.fusedKernelsFailed', { detail: wrong }) };
}

const roundMs = (ms: number) => String(Math.round(ms));

/** How this Worker's WASM thread count was set: for the reason shown, and for the page to remember a race. */
type ThreadsOutcome = ThreadsChoice | { from: 'race'; race: ThreadRace } | { from: 'failed'; threads: number } | { from: 'default' };
let threads: ThreadsOutcome = { from: 'default' };

interface ThreadPlan {
  choice?: ThreadsChoice;
  race: boolean;
}
let threadPlan: ThreadPlan = { race: false };
let firstStart: Promise<boolean> | undefined;

/**
 * Starts WASM with our kernels. The first start settles the thread count: the page's choice when
 * it gave one, else a race when the backend is chosen automatically (a forced `?backend=wasm`
 * keeps one thread unless `?threads=` says otherwise).
 */
async function startWasm(): Promise<boolean> {
  if (!firstStart) return (firstStart = firstWasmStart(threadPlan));
  await firstStart;
  return setWasmBackendForTraining();
}

async function firstWasmStart({ choice, race }: ThreadPlan): Promise<boolean> {
  const offer = threadsOnOffer();
  const racing = offer > 1 && race && !choice;
  setWasmThreads(choice?.count ?? 1, racing);
  const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  if (!(await setWasmBackendForTraining())) {
    if (!threaded) return false;
    threads = { from: 'failed', threads: choice?.count ?? offer };
    setWasmThreads(1); // the plain SIMD binary, then
    return setWasmBackendForTraining();
  }
  if (offer > 1 && choice) threads = choice;
  // A race that cannot build its model (memory) leaves one thread running, and says nothing of it.
  const raced = racing ? await raceWasmThreads(offer, realThreadRace(resizeWasmThreads)).catch(() => undefined) : undefined;
  if (raced) threads = { from: 'race', race: raced };
  return true;
}

/** "WebAssembly on the CPU (SIMD, 2 threads)", and how the thread count was chosen. */
function wasmReason(): Message {
  const reason = msg('backend.wasm', { flavour: wasmFlavour() });
  if (threads.from === 'default') return reason;
  if (threads.from === 'url') return msg('backend.threadsAsked', { reason, threads: threads.count });
  if (threads.from === 'failed') return msg('backend.threadsFailed', { reason, threads: threads.threads });
  const { race } = threads;
  if (!Number.isFinite(race.manyMs)) return msg('backend.threadsFailed', { reason, threads: race.threads });
  const [ms, otherMs] = (race.kept > 1 ? [race.manyMs, race.oneMs] : [race.oneMs, race.manyMs]).map(roundMs);
  if (threads.from === 'earlier') return msg('backend.threadsEarlier', { reason, ms: ms!, otherMs: otherMs! });
  return msg(race.kept > 1 ? 'backend.threadsWon' : 'backend.oneThreadWon', { reason, ms: ms!, otherMs: otherMs!, threads: race.threads });
}

/**
 * A hardware WebGPU adapter started: time the same training step (`config`'s model at the
 * small preset) on it and on WASM, and keep the faster (auto-size.ts `raceSteps`). The loser is
 * listed in `skipped` with both timings. If WASM cannot start, WebGPU stays, unraced.
 */
async function raceGpuAgainstWasm(gpu: BackendInfo, config: TrainConfig): Promise<BackendInfo> {
  const activate = async (name: 'webgpu' | 'wasm') => (name === 'wasm' ? startWasm() : tf.setBackend(name)).catch(() => false);
  const timings = await raceSteps(['webgpu', 'wasm'] as const, { activate, build: () => trainerRig(config, 'small'), now: () => performance.now() });
  const [gpuTime, wasmTime] = timings as [Timing<'webgpu'>, Timing<'wasm'>];
  const winner = fastest(timings);
  if (winner === 'wasm' && (await activate('wasm'))) {
    const reason = wasmReason();
    const race = { ms: roundMs(wasmTime.msPerStep), otherMs: roundMs(gpuTime.msPerStep) };
    return {
      name: 'wasm',
      reason: msg('backend.wonRace', { reason, ...race, other: 'WebGPU' }),
      skipped: [...gpu.skipped, { name: 'webgpu', reason: msg('backend.lostRace', { reason: gpu.reason, ...race }) }],
      software: false,
    };
  }
  await activate('webgpu');
  if (!Number.isFinite(wasmTime.msPerStep)) return gpu;
  return {
    ...gpu,
    reason: msg('backend.wonRace', { reason: gpu.reason, ms: roundMs(gpuTime.msPerStep), otherMs: roundMs(wasmTime.msPerStep), other: 'WebAssembly' }),
  };
}

export interface BackendOptions {
  /** WASM's thread count as the page gives it; without it an automatic choice races the counts. */
  threads?: ThreadsChoice;
  /** The model a hardware WebGPU adapter races WASM with (default: the default DCGAN). */
  raceConfig?: TrainConfig;
}

/**
 * Forced: that backend first. Then hardware GPUs, WASM, software GPUs, CPU; a hardware WebGPU
 * adapter races WASM on a training step. WASM's thread count is settled before it first starts.
 */
export async function chooseBackend(request: BackendRequest, options: BackendOptions = {}): Promise<BackendInfo> {
  threadPlan = { ...(options.threads ? { choice: options.threads } : {}), race: request === 'auto' };
  const chosen = await pickBackend(request, options.raceConfig ?? DEFAULT_CONFIG);
  return threads.from === 'race' ? { ...chosen, threadRace: threads.race } : chosen;
}

async function pickBackend(request: BackendRequest, raceConfig: TrainConfig): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const softwareGpus: BackendName[] = [];
  const info = (name: BackendName, probe: Probe & { ok: true }): BackendInfo => ({
    name,
    reason: request === name ? msg('backend.requested', { backend: name, reason: probe.reason }) : probe.reason,
    skipped,
    software: probe.software,
    ...(probe.kernels ? { kernels: probe.kernels } : {}),
  });
  const attempt = async (name: BackendName): Promise<BackendInfo | undefined> => {
    const probe = await tryBackend(name);
    if (probe.ok) return info(name, probe);
    skipped.push({ name, reason: probe.reason });
    return undefined;
  };

  if (request !== 'auto') {
    const forced = await attempt(request);
    if (forced) return forced;
  }
  for (const name of FALLBACK_ORDER.filter((b) => b !== request)) {
    if (name === 'webgpu' || name === 'webgl') {
      // Probe first: a GPU that turns out to be software is only a fallback behind WASM.
      const probe = name === 'webgpu' ? await webgpuAdapter() : await tryBackend('webgl');
      if (!probe.ok) skipped.push({ name, reason: probe.reason });
      else if (probe.software) {
        softwareGpus.push(name);
        skipped.push({ name, reason: msg('backend.slowerThanWasm', { reason: probe.reason }) });
      } else if (name === 'webgl') return info(name, probe);
      else {
        const chosen = await attempt(name);
        if (chosen) return raceGpuAgainstWasm(chosen, raceConfig);
      }
      continue;
    }
    const chosen = await attempt(name);
    if (chosen) return chosen;
    if (name === 'wasm') {
      for (const gpu of softwareGpus) {
        const fallback = await attempt(gpu);
        if (fallback) return fallback;
      }
    }
  }
  throw new MessageError(msg('backend.none', { detail: skipped.map((s) => `${s.name}: ${english(s.reason)}`).join('; ') }));
}
