/**
 * The tfjs WebGPU backend outside the browser: our DCGAN training step timed on whatever GPU
 * Dawn for Node (the npm package `webgpu`, not a dependency of this project) finds, beside the
 * WASM backend with our training kernels on the same machine's CPU.
 *
 *   npm install --no-save webgpu@0.6.2
 *   npx tsx bench/bench-webgpu-node.ts [--quick] [--steps N] [--backends webgpu,wasm]
 *                                    [--rows small-32,small-128,full-32,full-128] [--json FILE]
 *
 * With no GPU, Chromium's SwiftShader Vulkan driver serves as one (slow, for checking only):
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * Dawn options (`create([...])`, e.g. `backend=vulkan`, `adapter=NAME`) go in DAWN_OPTIONS,
 * comma-separated. `DAWN_OPTIONS=backend=null` runs every call but no GPU work: its step time is
 * the host's share (tfjs + Dawn on the CPU); its numbers are garbage, so the checks are skipped. docs/webgpu-h100.md has the numbers from an H100 and how that run was made
 * (a bundle of this file built with esbuild, carried with dawn.node to a machine without npm).
 *
 * Per row: the first step (shader compiles and buffer allocation included), then two untimed
 * steps, then the median of N steps each followed by `await trainer.report()` (one GPU→CPU read
 * per step, so the step is finished when the clock stops), and the mean per step of N steps with
 * a single read at the end (the queue is kept full, as the page does between its reports).
 */
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, PRESETS, type TrainConfig } from '../src/contract/config.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { backendSelfCheck } from '../src/gan/backend/self-check.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { chartColumns } from '../src/gan/train/report.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';

type Backend = 'webgpu' | 'wasm';
type Preset = 'small' | 'full';

interface Row {
  backend: Backend;
  preset: Preset;
  res: number;
  batch: number;
  firstStepMs: number;
  /** Median of `steps` steps, each followed by a read of its losses. */
  msPerStep: number;
  /** Mean of `steps` steps with one read at the end. */
  msPerStepPipelined: number;
  imagesPerSec: number;
  steps: number;
  /** GPU time of one step from timestamp queries (WebGPU only, when the adapter offers them). */
  kernelMs?: number;
  /** Kernels (tfjs ops, each one or more dispatches on WebGPU) one step runs. */
  kernels?: number;
}

const args = parseArgs(process.argv.slice(2));
const quick = args.has('quick');
const steps = Number(args.get('steps') ?? (quick ? 3 : 20));
const backends = (args.get('backends') ?? 'webgpu,wasm').split(',') as Backend[];
const rowSpecs = (args.get('rows') ?? (quick ? 'small-8' : 'small-32,small-128,full-32,full-128')).split(',');
/** WASM is slow: by default it runs only the small preset rows, with fewer steps. */
const wasmRowSpecs = (args.get('wasm-rows') ?? rowSpecs.filter((r) => r.startsWith('small')).join(',')).split(',').filter(Boolean);
const wasmSteps = Number(args.get('wasm-steps') ?? (quick ? 2 : 8));
const jsonOut = args.get('json');
/** Dawn's null backend computes nothing: time the calls, skip the answer checks. */
const nullGpu = /(^|,)backend=null(,|$)/.test(process.env.DAWN_OPTIONS ?? '');

const fmt = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => console.log(s);

/** navigator.gpu from Dawn, set before the WebGPU backend is imported (it checks at import). */
async function installWebGpu(): Promise<string> {
  // Not a dependency of this project: a specifier in a variable keeps `tsc -b` from resolving it.
  const dawnPackage = 'webgpu';
  const { create, globals } = (await import(dawnPackage)) as {
    create: (options: string[]) => unknown;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, globals);
  const options = (process.env.DAWN_OPTIONS ?? '').split(',').filter(Boolean);
  const gpu = create(options) as {
    requestAdapter(o?: object): Promise<{ info?: Record<string, unknown>; features: Set<string>; limits: Record<string, number> } | null>;
  };
  // Node ≥ 21 has a read-only navigator getter; defineProperty works on both.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn offered no WebGPU adapter (no Vulkan driver found?)');
  const info = adapter.info ?? {};
  const pick = (k: string) => (info[k] === undefined || info[k] === '' ? undefined : `${k}: ${String(info[k])}`);
  const desc = ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter'].map(pick).filter(Boolean).join(', ');
  log(`WebGPU adapter: ${desc}`);
  log(`  features: ${[...adapter.features].sort().join(' ')}`);
  log(`  maxBufferSize ${adapter.limits.maxBufferSize}, maxStorageBufferBindingSize ${adapter.limits.maxStorageBufferBindingSize}`);
  await import('@tensorflow/tfjs-backend-webgpu');
  return String(info.description || info.device || info.vendor || 'unknown adapter');
}

/** A backend that computes garbage is caught before anything is timed. */
async function checkBackend(): Promise<void> {
  if (nullGpu && tf.getBackend() === 'webgpu') return;
  const wrong = await backendSelfCheck();
  if (wrong) throw new Error(wrong);
}

async function timeRow(backend: Backend, spec: string, n: number): Promise<Row> {
  const [preset, b] = spec.split('-') as [Preset, string];
  if (!(preset in PRESETS)) throw new Error(`unknown preset in row "${spec}"`);
  const config: TrainConfig = { ...DEFAULT_CONFIG, ...PRESETS[preset], batch: Number(b) };
  const trainer = new GanTrainer(config, makeShapes({ res: config.res, count: 256 }));
  const step = async () => {
    const t = performance.now();
    trainer.trainStep();
    await trainer.report();
    return performance.now() - t;
  };
  const firstStepMs = await step();
  for (let i = 0; i < 2; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await step());
  const t0 = performance.now();
  for (let i = 0; i < n; i++) trainer.trainStep();
  const r = await trainer.report();
  const msPerStepPipelined = (performance.now() - t0) / n;
  if (!r) throw new Error('no report');
  if (!(nullGpu && backend === 'webgpu') && !Object.values(chartColumns(r)).every(Number.isFinite))
    throw new Error(`losses are not finite: ${JSON.stringify(r)}`);
  const row: Row = {
    backend,
    preset,
    res: config.res,
    batch: config.batch,
    firstStepMs,
    msPerStep: median(times),
    msPerStepPipelined,
    imagesPerSec: (config.batch * 1000) / median(times),
    steps: n,
  };
  // One step under tf.profile (kernel count) and one under tf.time (GPU time); never fatal.
  try {
    const p = await tf.profile(() => trainer.trainStep());
    row.kernels = p.kernels.length;
    await trainer.report();
  } catch (e) {
    log(`  (tf.profile failed: ${String(e)})`);
  }
  if (backend === 'webgpu' && !nullGpu) {
    try {
      const t = await tf.time(() => trainer.trainStep());
      await trainer.report();
      if (typeof t.kernelMs === 'number') row.kernelMs = t.kernelMs;
      else log(`  (no GPU timer: ${JSON.stringify(t.kernelMs)})`);
    } catch (e) {
      log(`  (tf.time failed: ${String(e)})`);
    }
  }
  trainer.dispose();
  tf.disposeVariables();
  log(
    `  ${backend} ${preset} ${config.res}px b${config.batch}: first ${row.firstStepMs.toFixed(0)} ms, ` +
      `${row.msPerStep.toFixed(1)} ms/step (median of ${n}), ${row.msPerStepPipelined.toFixed(1)} pipelined, ` +
      `${fmt(row.imagesPerSec)} img/s` +
      (row.kernelMs !== undefined ? `, GPU ${row.kernelMs.toFixed(1)} ms` : '') +
      (row.kernels !== undefined ? `, ${row.kernels} kernels` : '') +
      `, losses D ${r.dLoss.toFixed(3)} G ${r.gLoss.toFixed(3)}, ${tf.memory().numTensors} tensors left`,
  );
  return row;
}

function table(rows: Row[]): string {
  const head =
    '| backend | preset | res | batch | first step ms | ms/step (read each) | ms/step (one read per N) | images/s | GPU kernel ms/step | kernels/step |';
  const sep = '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = rows.map(
    (r) =>
      `| ${r.backend} | ${r.preset} | ${r.res} | ${r.batch} | ${r.firstStepMs.toFixed(0)} | ${r.msPerStep.toFixed(1)} | ` +
      `${r.msPerStepPipelined.toFixed(1)} | ${fmt(r.imagesPerSec)} | ${r.kernelMs?.toFixed(1) ?? '–'} | ${r.kernels ?? '–'} |`,
  );
  return [head, sep, ...lines].join('\n');
}

async function main(): Promise<void> {
  const cpu = `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} threads)`;
  log(`Node ${process.version}, tfjs ${tf.version.tfjs}, ${os.platform()} ${os.release()}, CPU ${cpu}`);
  const rows: Row[] = [];
  const failures: string[] = [];
  let gpuName = 'not run';
  if (backends.includes('webgpu')) {
    try {
      gpuName = await installWebGpu();
      tf.env().set('IS_NODE', true);
      if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
      await tf.ready();
      await checkBackend();
      log(`backend webgpu ready`);
      for (const spec of rowSpecs) {
        try {
          rows.push(await timeRow('webgpu', spec, steps));
        } catch (e) {
          failures.push(`webgpu ${spec}: ${String(e)}`);
          log(`  webgpu ${spec} FAILED: ${String(e)}`);
        }
      }
    } catch (e) {
      failures.push(`webgpu: ${String(e)}`);
      log(`webgpu FAILED: ${String(e)}`);
    }
  }
  if (backends.includes('wasm')) {
    try {
      // One thread, as in the page (its Worker turns WASM threads off; tfjs does in Node anyway).
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await useNodeBackend('wasm');
      await checkBackend();
      log(`backend wasm ready (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads off)`);
      for (const spec of wasmRowSpecs) {
        try {
          rows.push(await timeRow('wasm', spec, wasmSteps));
        } catch (e) {
          failures.push(`wasm ${spec}: ${String(e)}`);
          log(`  wasm ${spec} FAILED: ${String(e)}`);
        }
      }
    } catch (e) {
      failures.push(`wasm: ${String(e)}`);
      log(`wasm FAILED: ${String(e)}`);
    }
  }
  log('');
  log(`Machine: CPU ${cpu}; GPU adapter ${gpuName}`);
  log(table(rows));
  for (const f of failures) log(`FAILED: ${f}`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu, gpu: gpuName, rows, failures }, null, 2));
  // Dawn's device keeps the event loop alive; leave explicitly.
  process.exit(failures.length && !rows.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
