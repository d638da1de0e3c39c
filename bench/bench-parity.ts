/**
 * Parity with the reference implementation: the same DCGAN trained in PyTorch (bench/peer/dcgan.py)
 * and in Ganvas (Node, WASM backend with our kernels), plus Ganvas's autoencoder and VAE baselines,
 * all on the built-in faces set and all scored by the same SWD code (src/gan/metrics/swd.ts).
 *
 *   npm run bench:parity -- [--steps 500,1000,2000] [--seeds 1,2,3] [--res 16] [--width 16] [--batch 16]
 *                           [--samples 512] [--models torch,dcgan,autoencoder,vae] [--torch-threads 1]
 *                           [--lockstep N] [--out DIR] [--grid FILE.png]
 *
 * First, unless `--lockstep 0`, both start from the same weights and take N (default 200) steps on
 * the same batches and latents (bench/parity-lockstep.ts): their losses must agree to rounding at
 * first. Then the independent runs, each seeded its own way, for the quality comparison.
 *
 * A benchmark, not a test: it prints a table (images/s, SWD ×1e3 at each step count, mean over the
 * seeds with the range) and writes one PNG of samples per model, one model per row. PyTorch runs
 * first, on its own, with `--torch-threads` threads (default 1, like the single-threaded WASM
 * backend); then each Ganvas model in turn. Installs python3-torch with apt-get if it is missing
 * (bench/torch-peer.ts; never in CI).
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, type ModelKind, type Resolution, type TrainConfig } from '../src/contract/config.ts';
import { pngOf } from '../src/data/png.ts';
import type { PreparedSet } from '../src/data/types.ts';
import { describeSet, swd } from '../src/gan/metrics/swd.ts';
import { G_SLOPE } from '../src/gan/nn/models/dcgan.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { gridTensor, readGrid } from '../src/gan/explore/render.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';
import { loadDataset } from '../cli/node-data.ts';
import { lockstep, maxGap, peerFlags } from './parity-lockstep.ts';
import { ensureTorch } from './torch-peer.ts';

type Impl = 'torch' | ModelKind;
const LABEL: Record<Impl, string> = {
  torch: 'PyTorch DCGAN',
  dcgan: 'Ganvas DCGAN',
  stylegan: 'Ganvas StyleGAN',
  autoencoder: 'Ganvas autoencoder',
  vae: 'Ganvas VAE',
};

interface Setup {
  res: Resolution;
  width: number;
  batch: number;
  zDim: number;
  steps: number[];
  samples: number;
  torchThreads: number;
  out: string;
}

/** One training run: seconds of training up to each step count, and the samples there. */
interface Run {
  seconds: Map<number, number>;
  samples: Map<number, Float32Array>;
}

async function ganvasRun(model: ModelKind, set: PreparedSet, s: Setup, seed: number): Promise<Run> {
  const config: TrainConfig = {
    ...DEFAULT_CONFIG,
    ...MODEL_DEFAULTS[model],
    model,
    res: s.res,
    width: s.width,
    batch: s.batch,
    zDim: s.zDim,
    seed,
    reportEvery: 4,
    gridSide: 1,
  };
  const trainer = new GanTrainer(config, set);
  const run: Run = { seconds: new Map(), samples: new Map() };
  let trained = 0;
  for (const target of s.steps) {
    const t0 = performance.now();
    while (trainer.step < target) {
      trainer.trainStep();
      if (trainer.step % config.reportEvery === 0) await trainer.report(); // one sync, as in the page
    }
    await trainer.report();
    trained += (performance.now() - t0) / 1000;
    run.seconds.set(target, trained);
    run.samples.set(target, await trainer.samplePixels(s.samples));
  }
  trainer.dispose();
  return run;
}

/** The PyTorch training script, run with the interpreter bench/torch-peer.ts installs torch for. */
const PEER = fileURLToPath(new URL('./peer/dcgan.py', import.meta.url));

/** Runs the peer; each JSON line it prints goes to `onLine`. Rejects on a non-zero exit. */
function runPeer(args: string[], onLine: (value: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) onLine(JSON.parse(line));
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench/peer/dcgan.py exited with ${code}`))));
  });
}

async function torchRun(dataFile: string, count: number, s: Setup, seed: number): Promise<Run> {
  const dir = join(s.out, `torch-${seed}`);
  await mkdir(dir, { recursive: true });
  const run: Run = { seconds: new Map(), samples: new Map() };
  const args = peerFlags({
    data: dataFile,
    count,
    res: s.res,
    width: s.width,
    zdim: s.zDim,
    batch: s.batch,
    steps: s.steps.join(','),
    samples: s.samples,
    seed,
    threads: s.torchThreads,
    'g-slope': G_SLOPE,
    init: 'fan-in',
    out: dir,
  });
  await runPeer(args, (v) => {
    const line = v as { step: number; seconds: number; file: string };
    run.seconds.set(line.step, line.seconds);
    const bytes = readFileSync(line.file);
    run.samples.set(line.step, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice());
  });
  return run;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cell = (xs: number[], digits = 1) =>
  xs.length === 1 ? xs[0]!.toFixed(digits) : `${mean(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

/** `n` dataset images drawn with replacement: the SWD a perfect generator would score. */
function resample(set: PreparedSet, n: number, seed: number): Float32Array {
  const size = set.res * set.res * 3;
  const out = new Float32Array(n * size);
  const idx = new Rng(seed).ints(n, set.count);
  idx.forEach((j, i) => out.set(set.pixels.subarray(j * size, (j + 1) * size), i * size));
  return out;
}

async function samplesPng(rows: { pixels: Float32Array }[], res: number, perRow: number, file: string): Promise<void> {
  const grid = tf.tidy(() => {
    const images = rows.map((r) => tf.tensor4d(r.pixels.subarray(0, perRow * res * res * 3), [perRow, res, res, 3]));
    const grid = gridTensor(tf.concat(images, 0), rows.length, perRow);
    // 16 px tiles are too small to judge blur by eye: ×4, nearest neighbour.
    return tf.image.resizeNearestNeighbor(grid, [grid.shape[0] * 4, grid.shape[1] * 4]) as tf.Tensor3D;
  });
  const img = await readGrid(grid);
  await writeFile(file, pngOf({ width: img.width, height: img.height, data: img.pixels }));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const list = (key: string, fallback: string) => (args.get(key) ?? fallback).split(',').filter(Boolean);
  const s: Setup = {
    res: Number(args.get('res') ?? 16) as Resolution,
    width: Number(args.get('width') ?? 16),
    batch: Number(args.get('batch') ?? 16),
    zDim: Number(args.get('zDim') ?? 100),
    steps: list('steps', '500,1000,2000')
      .map(Number)
      .sort((a, b) => a - b),
    samples: Number(args.get('samples') ?? 512),
    torchThreads: Number(args.get('torch-threads') ?? 1),
    out: args.get('out') ?? join(os.tmpdir(), 'ganvas-parity'),
  };
  const seeds = list('seeds', '1,2,3').map(Number);
  const impls = list('models', 'torch,dcgan,autoencoder,vae') as Impl[];
  const cpus = os.cpus();
  console.log(
    `${new Date().toISOString().slice(0, 10)} · ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} · Node ${process.version}`,
  );
  console.log(
    `faces at ${s.res} px, width ${s.width}, zDim ${s.zDim}, batch ${s.batch}; SWD of ${s.samples} samples vs the dataset; seeds ${seeds.join(', ')}`,
  );

  await useNodeBackend('wasm');
  await mkdir(s.out, { recursive: true });
  const { set } = await loadDataset('faces', s.res);
  const dataFile = join(s.out, `faces-${s.res}.f32`);
  await writeFile(dataFile, new Uint8Array(set.pixels.buffer, set.pixels.byteOffset, set.pixels.byteLength));
  const reference = describeSet(set);
  const score = (pixels: Float32Array) => swd(reference, describeSet({ res: s.res, count: pixels.length / (s.res * s.res * 3), pixels })).mean;

  if (impls.includes('torch') && !ensureTorch(console.log)) throw new Error('PyTorch is not available and could not be installed');
  const lockSteps = Number(args.get('lockstep') ?? 200);
  if (impls.includes('torch') && lockSteps > 0) {
    const r = await lockstep(set, s, lockSteps, s.out, PEER);
    const at = [1, 10, 50, lockSteps].filter((n, i, a) => n <= lockSteps && a.indexOf(n) === i);
    console.log(
      `lockstep (same weights, batches, latents): largest |Ganvas − PyTorch| loss gap ${at.map((n) => `≤ step ${n}: ${maxGap(r, 0, n).toExponential(1)}`).join(', ')}`,
    );
    console.log(
      `  losses at step ${lockSteps}: Ganvas D ${r.ganvas.d.at(-1)!.toFixed(4)} G ${r.ganvas.g.at(-1)!.toFixed(4)} · PyTorch D ${r.torch.d.at(-1)!.toFixed(4)} G ${r.torch.g.at(-1)!.toFixed(4)}`,
    );
  }
  const rows: { impl: Impl; runs: Run[] }[] = [];
  for (const impl of impls) {
    const runs: Run[] = [];
    for (const seed of seeds) {
      const t0 = performance.now();
      runs.push(impl === 'torch' ? await torchRun(dataFile, set.count, s, seed) : await ganvasRun(impl, set, s, seed));
      const last = runs.at(-1)!;
      const swds = s.steps.map((st) => score(last.samples.get(st)!).toFixed(1)).join(' / ');
      console.log(`  ${LABEL[impl]}, seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(0)} s wall, SWD ${swds}`);
    }
    rows.push({ impl, runs });
  }

  const header = ['model', 'images/s', ...s.steps.map((st) => `SWD @${st}`)];
  const table = rows.map(({ impl, runs }) => [
    LABEL[impl],
    cell(runs.map((r) => (s.steps.at(-1)! * s.batch) / r.seconds.get(s.steps.at(-1)!)!)),
    ...s.steps.map((st) => cell(runs.map((r) => score(r.samples.get(st)!)))),
  ]);
  const floor = cell(seeds.map((seed) => score(resample(set, s.samples, seed))));
  table.push(['dataset itself (resampled)', '–', ...s.steps.map(() => floor)]);
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const r of table) console.log('| ' + r.join(' | ') + ' |');

  const gridFile = args.get('grid') ?? join(s.out, 'samples.png');
  const final = s.steps.at(-1)!;
  await samplesPng(
    rows.map((r) => ({ pixels: r.runs[0]!.samples.get(final)! })),
    s.res,
    16,
    gridFile,
  );
  console.log(`\nsamples at step ${final}, seed ${seeds[0]}, one row per model (${rows.map((r) => LABEL[r.impl]).join(', ')}): ${gridFile}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
