/**
 * `npm run bench:webgpu`: the tfjs WebGPU backend outside the browser, through Dawn for Node (the
 * optional dependency `webgpu`), timing the engine's own training step (`GanTrainer.trainStep()`:
 * one D and one G Adam step) for DCGAN and StyleGAN at 32 and 64 px, batch 32 and 128.
 *
 *   npm run bench:webgpu -- [--host] [--rows dcgan-32-32,stylegan-64-128,…] [--steps N]
 *                           [--wasm-rows dcgan-32-32] [--torch] [--json FILE] [--flags K=V,…] [--stock]
 *                           [--without GanvasGanLoss,shared-saves,…] [--augment]
 *
 * `--host` runs on Dawn's null backend (`backend=null`: every WebGPU call is made and validated,
 * no GPU work is done), so ms/step is the host's share alone (tfjs + Dawn on the CPU) and the
 * numbers computed are garbage (the loss checks are skipped). Without it Dawn picks the first
 * adapter (on a machine without a GPU: Chromium's SwiftShader through
 * `LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`,
 * slow, for checking only). More Dawn options go in DAWN_OPTIONS, comma-separated.
 * `--stock` leaves our fused WebGPU kernels out (src/gan/backend/webgpu-kernels.ts); `--without`
 * leaves out the kernels named (each op then runs its tf-ops form) and, for `shared-saves`, the
 * shared saving of gradient tensors (src/gan/backend/shared-saves.ts): a row per change in one run.
 * `--augment` trains every row with DiffAugment's colour, translation and cutout on (as the page's
 * augmentation switches do); without it no augmentation, the app's default.
 * `--flags` sets tfjs flags (e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=30) before the backend starts.
 * `--torch` adds the PyTorch peer of each DCGAN row on CUDA when `/usr/bin/python3` (or
 * `python3`) has torch with CUDA; otherwise it is skipped and says so.
 *
 * Per row: the first step (shader compiles and buffer allocation included), two untimed steps,
 * then N steps each followed by `await trainer.report()` (one GPU→CPU read, so the step is
 * finished when the clock stops): ms/step is their median, host ms/step the median of the
 * synchronous `trainStep()` call alone (the JS and Dawn work that records the step), CPU ms/step
 * the process's CPU time (all threads) over the timed steps, which other jobs' load moves far
 * less than wall time on a shared machine. Then one
 * plain step with the compute pass's `dispatchWorkgroups` and the queue's `submit` counted, one
 * under `tf.profile` (kernels: tfjs kernels run, ours included, reshapes too) and one under
 * `tf.time` (GPU ms from timestamp queries, where the adapter offers them). docs/webgpu.md holds the table.
 */
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, type ModelKind, type Resolution, type TrainConfig } from '../src/contract/config.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { backendSelfCheck } from '../src/gan/backend/self-check.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { chartColumns } from '../src/gan/train/report.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';
import { registerWebGpuTrainingKernels } from '../src/gan/backend/webgpu-kernels.ts';
import { uninstallSharedSaves } from '../src/gan/backend/shared-saves.ts';
import { installDawn, type DawnCounters } from './dawn.ts';

type Backend = 'webgpu' | 'wasm';

interface RowSpec {
  model: ModelKind;
  res: Resolution;
  batch: number;
}

interface Row extends RowSpec {
  backend: Backend;
  firstStepMs: number;
  /** Median of `steps` steps, each followed by a read of its losses. */
  msPerStep: number;
  /** Median of the synchronous trainStep() call: the host's work to record a step. */
  hostMsPerStep: number;
  /** CPU time of the whole process (all threads) per timed step: host work, little moved by other jobs' load. */
  cpuMsPerStep: number;
  imagesPerSec: number;
  steps: number;
  kernels?: number;
  /** Kernels of the profiled step by name, most frequent first. */
  kernelNames?: Record<string, number>;
  dispatches?: number;
  submits?: number;
  /** GPU time of one step from timestamp queries (when the adapter offers them). */
  gpuMs?: number;
  /** PyTorch-CUDA images/s for the same model and batch, when measured. */
  torchImagesPerSec?: number;
}

const args = parseArgs(process.argv.slice(2));
/** Dawn's null backend, asked for with --host or in DAWN_OPTIONS: time the calls, skip the answer checks. */
const host = args.has('host') || /(^|,)backend=null(,|$)/.test(process.env.DAWN_OPTIONS ?? '');
const ALL_ROWS = 'dcgan-32-32,dcgan-32-128,dcgan-64-32,dcgan-64-128,stylegan-32-32,stylegan-32-128,stylegan-64-32,stylegan-64-128';
const rowSpecs = parseRows(args.get('rows') ?? ALL_ROWS);
const wasmRows = parseRows(args.get('wasm-rows') ?? '');
const steps = Number(args.get('steps') ?? 10);
const jsonOut = args.get('json');
const wantTorch = args.has('torch');
/** Without our fused WebGPU kernels (tfjs's own kernels only), for before/after rows in one run. */
const stock = args.has('stock');
/** Our kernels (and `shared-saves`) to leave out, for a row per change. */
const without = (args.get('without') ?? '').split(',').filter(Boolean);
/** DiffAugment's three ops on in every row. */
const withAugment = args.has('augment');

const fmt = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => console.log(s);

function parseRows(list: string): RowSpec[] {
  return list
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const [model, res, batch] = spec.split('-');
      if ((model !== 'dcgan' && model !== 'stylegan') || !['16', '32', '64'].includes(res ?? '') || !Number(batch))
        throw new Error(`row "${spec}" is not model-res-batch (e.g. dcgan-32-32, stylegan-64-128)`);
      return { model, res: Number(res) as Resolution, batch: Number(batch) };
    });
}

/** The config of a row: the model's own optimizer defaults, width 32 (the small and full presets'). */
function configOf(spec: RowSpec): TrainConfig {
  const augment = { augColor: withAugment, augTranslation: withAugment, augCutout: withAugment };
  return {
    ...DEFAULT_CONFIG,
    ...MODEL_DEFAULTS[spec.model],
    ...augment,
    model: spec.model,
    res: spec.res,
    width: spec.res === 16 ? 16 : 32,
    batch: spec.batch,
  };
}

async function timeRow(backend: Backend, spec: RowSpec, counters: DawnCounters | undefined): Promise<Row> {
  const config = configOf(spec);
  const trainer = new GanTrainer(config, makeShapes({ res: config.res, count: 256 }));
  const hostTimes: number[] = [];
  const step = async () => {
    const t = performance.now();
    trainer.trainStep();
    hostTimes.push(performance.now() - t);
    await trainer.report();
    return performance.now() - t;
  };
  const firstStepMs = await step();
  for (let i = 0; i < 2; i++) await step();
  hostTimes.length = 0;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) times.push(await step());
  const cpu = process.cpuUsage(cpu0);
  const row: Row = {
    ...spec,
    backend,
    firstStepMs,
    msPerStep: median(times),
    hostMsPerStep: median(hostTimes),
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
    imagesPerSec: (config.batch * 1000) / median(times),
    steps,
  };
  // Dispatches and submits of one plain step (tf.profile submits after every kernel).
  const before = counters?.snapshot();
  await step();
  if (counters && before) {
    const after = counters.snapshot();
    row.dispatches = after.dispatches - before.dispatches;
    row.submits = after.submits - before.submits;
  }
  const p = await tf.profile(() => trainer.trainStep());
  const r = await trainer.report();
  row.kernels = p.kernels.length;
  row.kernelNames = histogram(p.kernels.map((k) => k.name));
  if (!r) throw new Error('no report');
  if (!(host && backend === 'webgpu') && !Object.values(chartColumns(r)).every(Number.isFinite)) throw new Error(`losses are not finite: ${JSON.stringify(r)}`);
  if (backend === 'webgpu' && !host) {
    const t = await tf.time(() => trainer.trainStep());
    await trainer.report();
    if (typeof t.kernelMs === 'number') row.gpuMs = t.kernelMs;
  }
  trainer.dispose();
  tf.disposeVariables();
  if (backend === 'webgpu') dropFreeBuffers();
  log(
    `  ${backend} ${spec.model} ${spec.res}px b${spec.batch}: first ${row.firstStepMs.toFixed(0)} ms, ${row.msPerStep.toFixed(1)} ms/step, ` +
      `host ${row.hostMsPerStep.toFixed(1)}, CPU ${row.cpuMsPerStep.toFixed(1)}, ${fmt(row.imagesPerSec)} img/s, ${row.kernels} kernels, ${row.dispatches ?? '–'} dispatches, ` +
      `${row.submits ?? '–'} submits${row.gpuMs !== undefined ? `, GPU ${row.gpuMs.toFixed(1)} ms` : ''}, ${tf.memory().numTensors} tensors left`,
  );
  log(
    `    kernels by name: ${Object.entries(row.kernelNames ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  return row;
}

/** Counts of each name, most frequent first. */
function histogram(names: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/**
 * Destroys the WebGPU buffers tfjs keeps for reuse, so one row's pool does not count against the
 * next row's memory (Dawn's null backend has a memory cap and ran out at StyleGAN 64 px).
 */
function dropFreeBuffers(): void {
  const manager = (
    tf.backend() as unknown as {
      bufferManager?: { freeBuffers: Map<string, { size: number; destroy(): void }[]>; numFreeBuffers: number; numBytesAllocated: number };
    }
  ).bufferManager;
  if (!manager) return;
  for (const list of manager.freeBuffers.values()) {
    for (const b of list) {
      manager.numBytesAllocated -= b.size;
      b.destroy();
    }
    list.length = 0; // keys stay: tfjs's releaseBuffer ignores buffers when the map is empty
  }
  manager.numFreeBuffers = 0;
}

/** PyTorch-CUDA peer of the DCGAN rows (bench/peer/dcgan_cuda.py); undefined where there is none. */
function torchCuda(spec: RowSpec): number | undefined {
  if (spec.model !== 'dcgan') return undefined;
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['bench/peer/dcgan_cuda.py', String(spec.res), '32', String(spec.batch)], { encoding: 'utf8' });
    const line = r.stdout?.trim().split('\n').at(-1) ?? '';
    if (r.status === 0 && /^[\d.]+ /.test(line)) {
      log(`  pytorch-cuda dcgan ${spec.res}px b${spec.batch}: ${line}`);
      return Number(line.split(' ')[0]) * spec.batch;
    }
    if (r.status === 3) return undefined; // torch without CUDA
  }
  return undefined;
}

function table(rows: Row[]): string {
  const head =
    '| backend | model | res | batch | first step ms | ms/step | host ms/step | CPU ms/step | GPU ms/step | images/s | kernels/step | dispatches/step | submits/step | ÷ PyTorch-CUDA |';
  const sep = `|${' --- |'.repeat(14)}`;
  const lines = rows.map((r) => {
    const ratio = r.torchImagesPerSec ? `${(r.imagesPerSec / r.torchImagesPerSec).toFixed(2)}×` : '–';
    return (
      `| ${r.backend}${host && r.backend === 'webgpu' ? ' (null)' : ''} | ${r.model} | ${r.res} | ${r.batch} | ${r.firstStepMs.toFixed(0)} | ${r.msPerStep.toFixed(1)} | ` +
      `${r.hostMsPerStep.toFixed(1)} | ${r.cpuMsPerStep.toFixed(1)} | ${r.gpuMs?.toFixed(1) ?? '–'} | ${fmt(r.imagesPerSec)} | ${r.kernels ?? '–'} | ${r.dispatches ?? '–'} | ${r.submits ?? '–'} | ${ratio} |`
    );
  });
  return [head, sep, ...lines].join('\n');
}

function leaveOut(names: string[]): void {
  for (const name of names) {
    if (name === 'shared-saves') uninstallSharedSaves();
    else if (tf.getKernel(name, 'webgpu')) tf.unregisterKernel(name, 'webgpu');
    else throw new Error(`--without ${name}: no such kernel of ours on webgpu`);
    log(`without ${name}`);
  }
}

function setFlags(): void {
  for (const kv of (args.get('flags') ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=') as [string, string];
    tf.env().set(k, v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v));
    log(`flag ${k} = ${String(tf.env().get(k))}`);
  }
}

async function runBackend(backend: Backend, specs: RowSpec[], rows: Row[], failures: string[]): Promise<string> {
  if (!specs.length) return 'not run';
  let name = 'not run';
  let counters: DawnCounters | undefined;
  try {
    if (backend === 'webgpu') {
      const dawn = await installDawn({ nullBackend: host, log });
      name = dawn.adapterName;
      counters = dawn.counters;
      await import('@tensorflow/tfjs-backend-webgpu');
      tf.env().set('IS_NODE', true);
      setFlags();
      if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
      await tf.ready();
      if (!stock) registerWebGpuTrainingKernels();
      leaveOut(without);
    } else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await useNodeBackend('wasm');
      name = 'wasm, one thread';
    }
    if (!(host && backend === 'webgpu')) {
      const wrong = await backendSelfCheck();
      if (wrong) throw new Error(wrong);
    }
    for (const spec of specs) {
      try {
        const row = await timeRow(backend, spec, counters);
        if (wantTorch && backend === 'webgpu') row.torchImagesPerSec = torchCuda(spec);
        rows.push(row);
      } catch (e) {
        failures.push(`${backend} ${spec.model}-${spec.res}-${spec.batch}: ${String(e)}`);
        log(`  FAILED: ${String(e)}`);
      }
    }
  } catch (e) {
    failures.push(`${backend}: ${String(e)}`);
    log(`${backend} FAILED: ${String(e)}`);
  }
  return name;
}

async function main(): Promise<void> {
  const cpu = `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} threads)`;
  log(
    `Node ${process.version}, tfjs ${tf.version.tfjs}, CPU ${cpu}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows: Row[] = [];
  const failures: string[] = [];
  const gpu = await runBackend('webgpu', rowSpecs, rows, failures);
  await runBackend('wasm', wasmRows, rows, failures);
  log('');
  log(`${new Date().toISOString()}; CPU ${cpu}; load after ${os.loadavg()[0]!.toFixed(1)}; GPU adapter ${gpu}${host ? ' (Dawn null backend)' : ''}`);
  log(table(rows));
  for (const f of failures) log(`FAILED: ${f}`);
  if (jsonOut)
    writeFileSync(
      jsonOut,
      JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu, gpu, host, augment: withAugment, rows, failures }, null, 2),
    );
  // Dawn's device keeps the event loop alive; leave explicitly.
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
