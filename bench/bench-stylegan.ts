/**
 * ms per training step of the StyleGAN model vs DCGAN (same batch), in Node on the WASM backend
 * with our training kernels (or the CPU backend). One step = one D + one G Adam step, as the
 * trainer runs them (steps.ts); lazy R1 (a double backward through D, every 16 D steps) is timed
 * in the same rounds and added amortised. All models' steps are interleaved, so a busy machine
 * slows them alike. Numbers, never assertions.
 *
 *   npx tsx bench/bench-stylegan.ts [--steps 6] [--batch 32] [--backend wasm|cpu]
 *                                   [--before <git rev>] [--models style32w32,…] [--profile]
 *
 * --before REV builds each StyleGAN model a second time from the code at REV (its `src/`,
 * extracted with git into a temporary folder) and interleaves those steps with today's: both
 * sides of a change measured in one run, under the same load, from the same initial weights.
 * --profile prints, for one D, G and R1 step of each StyleGAN model, the exclusive CPU ms per
 * kernel name (time in kernels that our composite kernels call is charged to those, not twice).
 * The run ends with a Markdown table for docs/bench.md (machine, backend, date, load).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/gan/train/adam.ts';
import { emaBeta, ParamEma } from '../src/gan/train/ema.ts';
import { buildDcgan } from '../src/gan/nn/models/dcgan.ts';
import { buildStylegan, isStyleGan, updateWAvg, type StyleGanModel, type StyleGanOptions } from '../src/gan/nn/models/stylegan.ts';
import type { GanModel } from '../src/gan/nn/models/types.ts';
import { countParams, disposeParams, type Params } from '../src/gan/nn/params.ts';
import { defaultR1Gamma, r1Step } from '../src/gan/train/r1.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { discriminatorStep, generatorStep } from '../src/gan/train/steps.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend, type NodeBackend } from '../cli/node-backend.ts';
import { countKernels } from './step-timing.ts';

const R1_INTERVAL = 16;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall and CPU ms (this process, all threads) of one call. */
interface Timing {
  wall: number;
  cpu: number;
}

/** One call of `fn`, including reading back the tensors it returns (the sync). */
function timeOnce(fn: () => tf.Tensor[]): Timing {
  const t = performance.now();
  const c = process.cpuUsage();
  const out = fn();
  for (const o of out) o.dataSync();
  tf.dispose(out);
  const used = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

const wallMs = (ts: Timing[]) => median(ts.map((t) => t.wall));
const cpuMs = (ts: Timing[]) => median(ts.map((t) => t.cpu));

async function kernelsOf(fn: () => tf.Tensor[]): Promise<number> {
  return (await countKernels(async () => tf.dispose(fn()))).kernels;
}

const adam = (params: Params) => new Adam(params, { lr: 2e-3, beta1: 0, beta2: 0.99, epsilon: 1e-8 });

type BuildStylegan = typeof buildStylegan;

/** One model to time: its optimizers, one D + G step as GanTrainer runs it, and (StyleGAN) one R1 step. */
interface Contender {
  label: string;
  /** Which model (the same for a model built from today's code and from --before's). */
  key: string;
  /** 'now', or the --before revision. */
  code: string;
  model: GanModel;
  optD: Adam;
  step: () => tf.Tensor[];
  r1?: () => tf.Tensor[];
  times: Timing[];
  r1Times: Timing[];
  kernels: number;
  r1Kernels?: number;
  dispose(): void;
}

async function contender(key: string, label: string, code: string, model: GanModel, reals: tf.Tensor4D): Promise<Contender> {
  const optG = adam(model.generator.params);
  const optD = adam(model.discriminator.params);
  const batch = reals.shape[0];
  const z = () => tf.randomNormal([batch, model.zDim]) as tf.Tensor2D;
  const step = () => {
    const [zD, zG] = [z(), z()];
    const d = discriminatorStep(model, optD, reals, zD);
    const g = generatorStep(model, optG, zG);
    tf.dispose([zD, zG, d.dReal, d.dFake, d.realSigns]);
    return [d.dLoss, g];
  };
  const r1 = isStyleGan(model) ? () => [r1Step(model.discriminator, optD, reals, defaultR1Gamma(model.res, batch), R1_INTERVAL)] : undefined;
  const dispose = () => {
    optG.dispose();
    optD.dispose();
    if (isStyleGan(model)) model.dispose();
    else {
      disposeParams(model.generator.params);
      disposeParams(model.discriminator.params);
    }
  };
  timeOnce(step); // first step: allocations and kernel set-up, not timed
  if (r1 !== undefined) timeOnce(r1);
  const kernels = await kernelsOf(step);
  const r1Kernels = r1 === undefined ? undefined : await kernelsOf(r1);
  return { key, label, code, model, optD, step, r1, times: [], r1Times: [], kernels, r1Kernels, dispose };
}

/** ms of one step plus the lazy R1 step's share (wall, or CPU with `of = cpuMs`). */
const amortised = (c: Contender, of = wallMs) => of(c.times) + (c.r1 === undefined ? 0 : of(c.r1Times) / R1_INTERVAL);

function report(c: Contender, batch: number): void {
  const ms = wallMs(c.times);
  const params = `G ${countParams(c.model.generator.params).toLocaleString('en')} / D ${countParams(c.model.discriminator.params).toLocaleString('en')}`;
  const r1 =
    c.r1 === undefined
      ? ''
      : `; R1 ${wallMs(c.r1Times).toFixed(0)} ms (CPU ${cpuMs(c.r1Times).toFixed(0)}, ${c.r1Kernels} kernels), every ${R1_INTERVAL}: ${amortised(c).toFixed(0)} ms/step`;
  console.log(
    `${c.label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms/step (CPU ${cpuMs(c.times).toFixed(0)})  ${((batch * 1000) / ms).toFixed(1).padStart(6)} img/s  ${c.kernels} kernels  (${params})${r1}`,
  );
}

/** EMA of G and the w average, timed alone (the same code on both sides of --before). */
function benchExtras(model: StyleGanModel, steps: number): void {
  const batch = 16;
  const ema = new ParamEma(model.generator.params);
  const z = tf.randomNormal([batch, model.zDim]) as tf.Tensor2D;
  const medianOf = (n: number, fn: () => tf.Tensor[]) => (timeOnce(fn), wallMs(Array.from({ length: n }, () => timeOnce(fn))));
  const e = medianOf(steps, () => (ema.update(model.generator.params, emaBeta(batch)), []));
  const w = medianOf(steps, () => (tf.tidy(() => updateWAvg(model.wAvg, model.mapping(z), 0.995)), []));
  console.log(`  EMA update ${e.toFixed(1)} ms; w average ${w.toFixed(1)} ms`);
  ema.dispose();
  z.dispose();
}

/**
 * buildStylegan from the code at `rev`: `src/` extracted into a temporary folder whose
 * node_modules is this checkout's, so both copies share one tfjs (one engine, one backend).
 */
async function stylegansAt(rev: string): Promise<{ build: BuildStylegan; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ganvas-before-'));
  const tar = execFileSync('git', ['archive', '--format=tar', rev, 'src'], { maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  const mod = (await import(pathToFileURL(join(dir, 'src/gan/nn/models/stylegan.ts')).href)) as { buildStylegan: BuildStylegan };
  return { build: mod.buildStylegan, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Wraps every kernel of the backend in a CPU-time meter (less moved by other jobs than wall time);
 * returns a function that prints and clears the totals.
 */
function kernelProfiler(): (title: string, t: Timing) => void {
  const own = new Map<string, { ms: number; calls: number }>();
  const stack: number[] = [];
  const backend = tf.getBackend();
  for (const config of tf.getKernelsForBackend(backend)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        stack.push(0);
        const c0 = process.cpuUsage();
        const out = inner(args);
        const used = process.cpuUsage(c0);
        const total = (used.user + used.system) / 1000;
        const children = stack.pop()!;
        const e = own.get(config.kernelName) ?? { ms: 0, calls: 0 };
        own.set(config.kernelName, { ms: e.ms + total - children, calls: e.calls + 1 });
        if (stack.length > 0) stack[stack.length - 1]! += total;
        return out;
      },
    });
  }
  return (title, t) => {
    const inKernels = [...own.values()].reduce((a, b) => a + b.ms, 0);
    const calls = [...own.values()].reduce((a, b) => a + b.calls, 0);
    console.log(
      `\n${title}: ${t.wall.toFixed(0)} ms wall, ${t.cpu.toFixed(0)} ms CPU, of which ${inKernels.toFixed(0)} in ${calls} kernel calls (CPU, exclusive)`,
    );
    for (const [name, e] of [...own].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
      console.log(`  ${name.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.calls).padStart(5)} calls`);
    }
    own.clear();
  };
}

function profile(all: Contender[], reals: Record<number, tf.Tensor4D>): void {
  const print = kernelProfiler();
  for (const c of all.filter((x) => isStyleGan(x.model))) {
    const model = c.model as StyleGanModel;
    const batch = reals[model.res]!.shape[0];
    const optG = adam(model.generator.params);
    const z = tf.randomNormal([batch, model.zDim]) as tf.Tensor2D;
    const phases: [string, () => tf.Tensor[]][] = [
      ['D step', () => Object.values(discriminatorStep(model, c.optD, reals[model.res]!, z))],
      ['G step', () => [generatorStep(model, optG, z)]],
      ['R1 step', c.r1!],
    ];
    for (const [name, fn] of phases) {
      print(`${c.label}, ${name}`, timeOnce(fn));
    }
    optG.dispose();
    z.dispose();
  }
}

interface Run {
  backend: string;
  batch: number;
  steps: number;
  started: Date;
  loadStart: number;
  loadEnd: number;
}

/** This checkout's commit, with "+changes" when src/ differs from it (what "now" rows ran). */
function checkout(): string {
  const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', 'src') === '' ? '' : '+changes'}`;
  } catch {
    return 'not a git checkout';
  }
}

/** The Markdown table for docs/bench.md: one row per model and code, a ratio to the same model at --before. */
function markdown(all: Contender[], run: Run): string {
  const machine = `${(cpus()[0]?.model ?? 'CPU').replace(/\s+/g, ' ').trim()} × ${cpus().length}`;
  const head = [
    'machine',
    'backend',
    'date (UTC)',
    'load (1 min, start → end)',
    'model',
    'params G / D',
    'batch',
    'code',
    'ms/step (D + G)',
    'R1 step ms',
    `ms/step with R1 every ${R1_INTERVAL}`,
    'CPU ms/step with R1',
    'images/s',
    'kernels/step',
    'R1 kernels',
    'before ÷ now (wall, CPU)',
  ];
  const here = checkout();
  const rows = all.map((c) => {
    const before = all.find((o) => o.key === c.key && o.code !== 'now');
    const ratio =
      c.code === 'now' && before !== undefined
        ? `${(amortised(before) / amortised(c)).toFixed(2)}×, ${(amortised(before, cpuMs) / amortised(c, cpuMs)).toFixed(2)}×`
        : '';
    const ms = amortised(c);
    return [
      machine,
      `${run.backend}, 1 thread`,
      run.started.toISOString().slice(0, 16).replace('T', ' '),
      `${run.loadStart.toFixed(1)} → ${run.loadEnd.toFixed(1)}`,
      c.label,
      `${countParams(c.model.generator.params).toLocaleString('en')} / ${countParams(c.model.discriminator.params).toLocaleString('en')}`,
      String(run.batch),
      c.code === 'now' ? `now (${here})` : c.code,
      wallMs(c.times).toFixed(0),
      c.r1 === undefined ? '–' : wallMs(c.r1Times).toFixed(0),
      ms.toFixed(0),
      amortised(c, cpuMs).toFixed(0),
      ((run.batch * 1000) / ms).toFixed(1),
      String(c.kernels),
      c.r1Kernels === undefined ? '–' : String(c.r1Kernels),
      ratio,
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

interface ModelSpec {
  key: string;
  label: string;
  res: number;
  style?: Omit<StyleGanOptions, 'mappingLayers'>;
}

const MODELS: ModelSpec[] = [
  { key: 'dcgan32', label: 'DCGAN 32 px, width 32 (preset small)', res: 32 },
  { key: 'style32w32', label: 'StyleGAN 32 px, width 32, wDim 128, map 4', res: 32, style: { res: 32, width: 32, zDim: 100, wDim: 128 } },
  { key: 'style32w16', label: 'StyleGAN 32 px, width 16, wDim 64, map 4', res: 32, style: { res: 32, width: 16, zDim: 64, wDim: 64 } },
  { key: 'style16', label: 'StyleGAN 16 px, width 16, wDim 64, map 4', res: 16, style: { res: 16, width: 16, zDim: 64, wDim: 64 } },
];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const steps = Number(args.get('steps') ?? 6);
  const batch = Number(args.get('batch') ?? 32);
  const backend = (args.get('backend') ?? 'wasm') as NodeBackend;
  const beforeRev = args.get('before');
  const keys = (args.get('models') ?? MODELS.map((m) => m.key).join(',')).split(',');
  const run: Run = { backend, batch, steps, started: new Date(), loadStart: loadavg()[0]!, loadEnd: 0 };
  await useNodeBackend(backend);
  console.log(
    `${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}, Node ${process.version}, tfjs ${tf.version.tfjs} ${backend}, batch ${batch}, median of ${steps}, load ${run.loadStart.toFixed(1)}`,
  );
  console.log('steps of all models interleaved, so a busy machine slows them alike\n');
  const before = beforeRev === undefined ? undefined : await stylegansAt(beforeRev);
  const reals: Record<number, tf.Tensor4D> = {
    16: tf.tanh(tf.randomNormal([batch, 16, 16, 3])) as tf.Tensor4D,
    32: tf.tanh(tf.randomNormal([batch, 32, 32, 3])) as tf.Tensor4D,
  };
  const all: Contender[] = [];
  for (const spec of MODELS.filter((m) => keys.includes(m.key))) {
    const x = reals[spec.res]!;
    if (spec.style === undefined) {
      all.push(await contender(spec.key, spec.label, 'now', buildDcgan({ res: 32, width: 32, zDim: 100 }, new Rng(1)), x));
      continue;
    }
    const opts = { ...spec.style, mappingLayers: 4 };
    if (before !== undefined) all.push(await contender(spec.key, `${spec.label} (${beforeRev})`, beforeRev!, before.build(opts, new Rng(1)), x));
    all.push(await contender(spec.key, spec.label, 'now', buildStylegan(opts, new Rng(1)), x));
  }
  for (let i = 0; i < steps; i++) {
    for (const c of all) {
      c.times.push(timeOnce(c.step));
      if (c.r1 !== undefined) c.r1Times.push(timeOnce(c.r1));
    }
  }
  run.loadEnd = loadavg()[0]!;
  for (const c of all) report(c, batch);
  const firstStyle = all.find((c) => isStyleGan(c.model) && c.code === 'now');
  if (firstStyle !== undefined) benchExtras(firstStyle.model as StyleGanModel, steps);
  if (args.has('profile')) profile(all, reals);
  console.log(`\n${markdown(all, run)}`);
  for (const c of all) c.dispose();
  tf.dispose(Object.values(reals));
  before?.cleanup();
}

void main();
