/**
 * `npm run bench:quality`: does the style-based generator beat the classic GAN on the built-in images, and does the
 * page's default DCGAN hold its own against a textbook PyTorch DCGAN (issue #15, item 6)?
 *
 *   npm run bench:quality -- [--sets faces,animals] [--res 32] [--seeds 1,2,3] [--steps 2000,5000,10000]
 *       [--minutes 5,20] [--models dcgan,dcgan-r1,stylegan,stylegan-ada,stylegan-diffaug,torch-dcgan] [--width N] [--batch N]
 *       [--out DIR] [--doc docs/parity.md] [--torch-threads 1] [--torch-every 25]
 *   npm run bench:quality -- --table --out DIR [--doc docs/parity.md]      (the table again from saved runs)
 *   ... [--section NAME]   (with --doc: a table of its own between `<!-- bench-quality:NAME:begin/end -->`, its
 *                           pictures named NAME-…, so a study beside the main table does not overwrite it)
 *
 * Every run trains one model on one set from one seed until it has passed every step mark and every time mark
 * (minutes of training; evaluations are not counted), and at each mark scores 128 samples the way the page does
 * (QualityTracker.score: SWD ×1e3 and sample diversity, the collapse signal). The Ganvas models train in this
 * process with GanTrainer and the CLI's loop (a report every `reportEvery` steps), on the WASM backend (1 thread);
 * the PyTorch textbook DCGAN (bench/peer/dcgan.py: leaky ReLU in G, PyTorch's default init) trains in its own
 * process on `--torch-threads` threads and writes samples every `--torch-every` steps, so its time marks are read
 * at the first checkpoint past them.
 *
 * Each run's result is `<out>/<set>-<res>-<model>-s<seed>.json` (skipped when complete there, so a long study can be
 * split and resumed), with its samples at the last step mark and the last time mark as 8×8 PNG grids beside it. The
 * table (bench/quality-table.ts: median and range over seeds) is printed and, with `--doc`, written into that file
 * between `<!-- bench-quality:begin -->` and `<!-- bench-quality:end -->` (a section is appended when the markers are
 * missing), with the lowest seed's grids copied to `quality/` beside it.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, PRESETS, type Resolution, type TrainConfig } from '../src/contract/config.ts';
import { pngOf } from '../src/data/png.ts';
import type { PreparedSet } from '../src/data/types.ts';
import { gridTensor, readGrid } from '../src/gan/explore/render.ts';
import { QualityTracker, SWD_SAMPLES } from '../src/gan/metrics/tracker.ts';
import { G_SLOPE } from '../src/gan/nn/models/dcgan.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';
import { loadDataset } from '../cli/node-data.ts';
import { peerFlags } from './parity-lockstep.ts';
import { qualityTables, type RunPoint, type RunResult } from './quality-table.ts';
import { ensureTorch } from './torch-peer.ts';
import { writeDocSection } from './doc-section.ts';

/** What each model name trains. The Ganvas ones are the page's configs: its default DCGAN and StyleGAN's three lenses. */
const NO_AUGMENT = { augColor: false, augTranslation: false, augCutout: false, ada: false } satisfies Partial<TrainConfig>;
const DIFF_AUGMENT = { augColor: true, augTranslation: true, augCutout: true } satisfies Partial<TrainConfig>;
const MODELS = {
  dcgan: { label: 'Ganvas DCGAN (page default)', config: { model: 'dcgan', ...NO_AUGMENT } },
  // Issue #15's D stabiliser: the page's DCGAN with lazy R1 (every 16 D steps, as StyleGAN's). γ = 1: the
  // NVlabs heuristic's 0.0064 is tuned to StyleGAN2's D; Mescheder et al. used 10 at 64–256 px.
  'dcgan-r1': { label: 'Ganvas DCGAN + R1 (γ 1)', config: { model: 'dcgan', ...NO_AUGMENT, r1GammaAuto: false, r1Gamma: 1 } },
  stylegan: { label: 'Ganvas StyleGAN, no augmentation', config: { model: 'stylegan', ...NO_AUGMENT } },
  'stylegan-ada': { label: 'Ganvas StyleGAN + ADA', config: { model: 'stylegan', ...NO_AUGMENT, ada: true } },
  'stylegan-diffaug': { label: 'Ganvas StyleGAN + DiffAugment', config: { model: 'stylegan', ...NO_AUGMENT, ...DIFF_AUGMENT } },
  'torch-dcgan': { label: 'PyTorch textbook DCGAN', config: undefined },
} as const satisfies Record<string, { label: string; config: Partial<TrainConfig> | undefined }>;
type ModelName = keyof typeof MODELS;
const ORDER = Object.keys(MODELS) as ModelName[];

const PEER = fileURLToPath(new URL('./peer/dcgan.py', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/parity.md', import.meta.url));
const GRID_SIDE = 8;

interface Plan {
  res: Resolution;
  width: number;
  batch: number;
  steps: number[];
  /** Time marks in minutes of training. */
  minutes: number[];
  torchThreads: number;
  torchEvery: number;
  out: string;
}

/** One run's progress: what it has measured, and where its sample grids go. */
interface Recorder {
  points: RunPoint[];
  base: string;
  plan: Plan;
  quality: QualityTracker;
}

/** The page's config for a Ganvas model at the plan's size: the preset of that resolution, the model's own optimiser. */
function ganvasConfig(name: Exclude<ModelName, 'torch-dcgan'>, plan: Plan, seed: number): TrainConfig {
  const model = MODELS[name].config.model;
  return {
    ...DEFAULT_CONFIG,
    ...MODEL_DEFAULTS[model],
    ...MODELS[name].config,
    res: plan.res,
    width: plan.width,
    batch: plan.batch,
    seed,
    gridSide: GRID_SIDE,
  };
}

function marksDone(plan: Plan, step: number, seconds: number): boolean {
  return step >= Math.max(0, ...plan.steps) && seconds >= 60 * Math.max(0, ...plan.minutes);
}

/** Scores the samples at a mark; the last step mark and the last time mark also leave a grid picture. */
async function record(rec: Recorder, at: RunPoint['at'], mark: number, step: number, seconds: number, samples: Float32Array): Promise<RunPoint> {
  const q = rec.quality.score(step, samples);
  const point: RunPoint = { at, mark, step, seconds, swd: q.swd, diversity: q.diversity };
  rec.points.push(point);
  const last = at === 'step' ? mark === Math.max(...rec.plan.steps) : mark === Math.max(...rec.plan.minutes);
  if (last) await gridPng(samples, rec.plan.res, `${rec.base}-${at === 'step' ? `step${mark}` : `${mark}min`}.png`);
  console.log(`    ${markLabel(at, mark)}: step ${step}, ${seconds.toFixed(0)} s trained, SWD ${q.swd.toFixed(1)}, diversity ${q.diversity.toFixed(2)}`);
  return point;
}

const markLabel = (at: RunPoint['at'], mark: number) => (at === 'step' ? `step ${mark}` : `${mark} min`);

/** The first GRID_SIDE² samples as a grid, scaled up by nearest neighbour to at least 256 px across. */
async function gridPng(samples: Float32Array, res: number, file: string): Promise<void> {
  const n = GRID_SIDE * GRID_SIDE;
  const grid = tf.tidy(() => {
    const g = gridTensor(tf.tensor4d(samples.subarray(0, n * res * res * 3), [n, res, res, 3]), GRID_SIDE);
    const k = Math.max(1, Math.ceil(256 / g.shape[1]));
    return tf.image.resizeNearestNeighbor(g, [g.shape[0] * k, g.shape[1] * k]) as tf.Tensor3D;
  });
  const img = await readGrid(grid);
  await writeFile(file, pngOf({ width: img.width, height: img.height, data: img.pixels }));
}

/** A Ganvas model trained in this process: the CLI's loop, with the clock stopped while it scores. */
async function ganvasRun(name: Exclude<ModelName, 'torch-dcgan'>, set: PreparedSet, seed: number, rec: Recorder): Promise<number> {
  const { plan } = rec;
  const config = ganvasConfig(name, plan, seed);
  const trainer = new GanTrainer(config, set);
  const stepMarks = [...plan.steps].sort((a, b) => a - b);
  const timeMarks = [...plan.minutes].sort((a, b) => a - b);
  let seconds = 0;
  try {
    while (!marksDone(plan, trainer.step, seconds)) {
      const t0 = performance.now();
      trainer.trainStep();
      if (trainer.step % config.reportEvery === 0) await trainer.report(); // one sync per report, as in the page
      seconds += (performance.now() - t0) / 1000;
      const dueStep = stepMarks[0] === trainer.step;
      const dueTime = timeMarks.length > 0 && seconds >= 60 * timeMarks[0]!;
      if (!dueStep && !dueTime) continue;
      await trainer.report();
      const samples = await trainer.samplePixels(SWD_SAMPLES);
      if (dueStep) await record(rec, 'step', stepMarks.shift()!, trainer.step, seconds, samples);
      while (timeMarks.length > 0 && seconds >= 60 * timeMarks[0]!) await record(rec, 'time', timeMarks.shift()!, trainer.step, seconds, samples);
    }
    return trainer.step / seconds;
  } finally {
    trainer.dispose();
  }
}

/** The PyTorch textbook DCGAN: checkpoints at the step marks and every `torchEvery` steps, stopped once all marks passed. */
async function torchRun(dataFile: string, set: PreparedSet, seed: number, rec: Recorder): Promise<{ stepsPerSec: number; torch: string }> {
  const { plan } = rec;
  const dir = `${rec.base}-peer`;
  await mkdir(dir, { recursive: true });
  const stepMarks = [...plan.steps].sort((a, b) => a - b);
  const timeMarks = [...plan.minutes].sort((a, b) => a - b);
  // Enough checkpoints for the time marks at any speed the peer reaches here (it is stopped when done).
  const limit = Math.max(...plan.steps, 200_000);
  const checkpoints = [...new Set([...plan.steps, ...Array.from({ length: Math.floor(limit / plan.torchEvery) }, (_, i) => (i + 1) * plan.torchEvery)])].sort(
    (a, b) => a - b,
  );
  const args = peerFlags({
    data: dataFile,
    count: set.count,
    res: plan.res,
    width: plan.width,
    zdim: DEFAULT_CONFIG.zDim,
    batch: plan.batch,
    steps: checkpoints.join(','),
    samples: SWD_SAMPLES,
    seed,
    threads: plan.torchThreads,
    'g-slope': G_SLOPE,
    init: 'fan-in',
    out: dir,
  });
  let last = { step: 0, seconds: 0, torch: '' };
  await runPeer(args, async (line, stop) => {
    const samples = readFloats(line.file);
    rmSync(line.file);
    last = { step: line.step, seconds: line.seconds, torch: `PyTorch ${line.torch} CPU, ${line.threads} thread${line.threads === 1 ? '' : 's'}` };
    if (stepMarks[0] === line.step) await record(rec, 'step', stepMarks.shift()!, line.step, line.seconds, samples);
    while (timeMarks.length > 0 && line.seconds >= 60 * timeMarks[0]!) await record(rec, 'time', timeMarks.shift()!, line.step, line.seconds, samples);
    if (marksDone(plan, line.step, line.seconds)) stop();
  });
  rmSync(dir, { recursive: true, force: true });
  return { stepsPerSec: last.step / last.seconds, torch: last.torch };
}

interface PeerLine {
  step: number;
  seconds: number;
  file: string;
  torch: string;
  threads: number;
}

/** Runs the peer, handing each JSON line to `onLine` in order; `stop()` ends the peer (a clean finish, not an error). */
function runPeer(args: string[], onLine: (line: PeerLine, stop: () => void) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stopped = false;
    let chain = Promise.resolve();
    let buffer = '';
    const stop = () => {
      stopped = true;
      child.kill();
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const text = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (text.startsWith('{')) chain = chain.then(() => (stopped ? undefined : onLine(JSON.parse(text) as PeerLine, stop))).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (stopped || code === 0) void chain.then(resolve, reject);
      else reject(new Error(`bench/peer/dcgan.py exited with ${code}`));
    });
  });
}

function readFloats(file: string): Float32Array {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, no GPU, Node ${process.version}`;
}

/** `n` dataset images drawn with replacement: what a generator that reproduced the data would score. */
function resample(set: PreparedSet, n: number, seed: number): Float32Array {
  const size = set.res * set.res * 3;
  const out = new Float32Array(n * size);
  new Rng(seed).ints(n, set.count).forEach((j, i) => out.set(set.pixels.subarray(j * size, (j + 1) * size), i * size));
  return out;
}

async function runAll(args: Map<string, string>, plan: Plan): Promise<void> {
  const list = (key: string, fallback: string) => (args.get(key) ?? fallback).split(',').filter(Boolean);
  const sets = list('sets', 'faces,animals');
  const seeds = list('seeds', '1,2,3').map(Number);
  const models = list('models', ORDER.join(',')) as ModelName[];
  for (const m of models) if (!(m in MODELS)) throw new Error(`unknown model "${m}" (one of ${ORDER.join(', ')})`);
  if (models.includes('torch-dcgan') && !ensureTorch(console.log)) throw new Error('PyTorch is not available and could not be installed');
  await useNodeBackend('wasm');
  await mkdir(plan.out, { recursive: true });
  const floors: Record<string, number> = {};
  for (const setName of sets) {
    const { set } = await loadDataset(setName, plan.res);
    const dataFile = join(plan.out, `${setName}-${plan.res}.f32`);
    await writeFile(dataFile, new Uint8Array(set.pixels.buffer, set.pixels.byteOffset, set.pixels.byteLength));
    const quality = new QualityTracker();
    quality.setDataset(set);
    floors[`${setName}|${plan.res}`] = quality.score(0, resample(set, SWD_SAMPLES, 1)).swd;
    for (const model of models) {
      for (const seed of seeds) {
        const base = join(plan.out, `${setName}-${plan.res}-${model}-s${seed}`);
        if (existsSync(`${base}.json`) && (JSON.parse(readFileSync(`${base}.json`, 'utf8')) as RunResult).complete) continue;
        console.log(`${setName} ${plan.res} px, ${MODELS[model].label}, seed ${seed}:`);
        const rec: Recorder = { points: [], base, plan, quality };
        const started = new Date().toISOString();
        const load = os.loadavg()[0]!;
        const torch = model === 'torch-dcgan';
        const speed = torch ? await torchRun(dataFile, set, seed, rec) : { stepsPerSec: await ganvasRun(model, set, seed, rec), torch: '' };
        const result: RunResult = {
          set: setName,
          images: set.count,
          res: plan.res,
          model,
          label: MODELS[model].label,
          seed,
          steps: plan.steps,
          minutes: plan.minutes,
          complete: true,
          points: rec.points,
          stepsPerSec: speed.stepsPerSec,
          setup: `width ${plan.width}, batch ${plan.batch}, zDim ${DEFAULT_CONFIG.zDim}`,
          backend: torch ? speed.torch : 'Ganvas on tfjs WASM with its kernels, 1 thread',
          machine: machine(),
          load,
          date: started,
        };
        await writeFile(`${base}.json`, JSON.stringify(result, null, 1));
        console.log(`    ${speed.stepsPerSec.toFixed(2)} steps/s`);
      }
    }
    rmSync(dataFile, { force: true }); // parallel runs (one process per seed) share it
  }
  await writeFile(join(plan.out, 'floors.json'), JSON.stringify({ ...readFloors(plan.out), ...floors }));
}

function readFloors(out: string): Record<string, number> {
  const file = join(out, 'floors.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
}

function readRuns(out: string): RunResult[] {
  return readdirSync(out)
    .filter((f) => f.endsWith('.json') && f !== 'floors.json')
    .map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as RunResult);
}

/** The lowest seed's grids of every (set, res, model) copied beside the doc, as markdown lines of pictures. */
function pictures(runs: RunResult[], out: string, doc: string, prefix: string): string[] {
  const dir = join(dirname(doc), 'quality');
  const lines: string[] = [];
  const keys = [...new Set(runs.map((r) => `${r.set}|${r.res}`))].sort();
  for (const key of keys) {
    const rs = runs
      .filter((r) => `${r.set}|${r.res}` === key)
      .sort((a, b) => ORDER.indexOf(a.model as ModelName) - ORDER.indexOf(b.model as ModelName) || a.seed - b.seed);
    const seed = Math.min(...rs.map((r) => r.seed));
    const first = rs.filter((r) => r.seed === seed);
    for (const [kind, suffix] of [
      ['last time mark', (r: RunResult) => `${Math.max(...r.minutes)}min`],
      ['last step mark', (r: RunResult) => `step${Math.max(...r.steps)}`],
    ] as const) {
      const shown = first.filter((r) => existsSync(join(out, `${r.set}-${r.res}-${r.model}-s${r.seed}-${suffix(r)}.png`)));
      if (!shown.length) continue;
      const r0 = shown[0]!;
      lines.push(
        `${r0.set} at ${r0.res} px, seed ${seed}, at the ${kind} (${suffix(r0).replace('min', ' min').replace('step', 'step ')}): ${shown.map((r) => r.label).join(' · ')}`,
        '',
      );
      const images: string[] = [];
      for (const r of shown) {
        const name = `${prefix}${r.set}-${r.res}-${r.model}-${suffix(r)}.png`;
        copyFileSync(join(out, `${r.set}-${r.res}-${r.model}-s${r.seed}-${suffix(r)}.png`), join(dir, name));
        images.push(`![${r.label}](${relative(dirname(doc), join(dir, name))})`);
      }
      lines.push(images.join(' '), '');
    }
  }
  return lines;
}

async function writeDoc(doc: string, runs: RunResult[], out: string, table: string, section?: string): Promise<void> {
  await mkdir(join(dirname(doc), 'quality'), { recursive: true });
  const body = [
    'Generated by `npm run bench:quality` (bench/bench-quality.ts) from its saved runs; do not edit by hand.',
    '',
    table,
    '',
    ...pictures(runs, out, doc, section ? `${section}-` : ''),
  ].join('\n');
  const heading = section ? `\`npm run bench:quality\`: ${section}` : 'DCGAN against StyleGAN: `npm run bench:quality`';
  writeDocSection(doc, section ? `bench-quality:${section}` : 'bench-quality', body, heading);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const list = (key: string, fallback: string) => (args.get(key) ?? fallback).split(',').filter(Boolean).map(Number);
  const res = Number(args.get('res') ?? 32) as Resolution;
  const preset = Object.values(PRESETS).find((p) => p.res === res);
  if (!preset) throw new Error(`--res must be one of ${Object.values(PRESETS).map((p) => p.res)}`);
  const plan: Plan = {
    res,
    width: Number(args.get('width') ?? preset.width),
    batch: Number(args.get('batch') ?? preset.batch),
    steps: list('steps', '2000,5000,10000'),
    minutes: list('minutes', '5,20'),
    torchThreads: Number(args.get('torch-threads') ?? 1),
    torchEvery: Number(args.get('torch-every') ?? 25),
    out: args.get('out') ?? join(os.tmpdir(), 'ganvas-bench-quality'),
  };
  if (!plan.steps.length && !plan.minutes.length) throw new Error('nothing to measure: give --steps or --minutes');
  if (!args.has('table')) await runAll(args, plan);
  const runs = readRuns(plan.out);
  const table = qualityTables(runs, ORDER, new Map(Object.entries(readFloors(plan.out))));
  console.log(`\n${table}`);
  const doc = args.get('doc');
  if (doc) await writeDoc(doc === 'true' ? DOCS : doc, runs, plan.out, table, args.get('section'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
