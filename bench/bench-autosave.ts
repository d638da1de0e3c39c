/**
 * What an autosave costs in the Worker's thread, with the largest dataset the app allows
 * (MAX_IMAGES at the largest resolution) and a long run's history and full timeline: reading the
 * state off the device, building the snapshot and encoding the .ganvas file. The 8-bit images
 * are stored once per dataset beside the autosaves (src/worker/runs.ts) and the timeline's PNGs
 * encoded once per frame (src/worker/project.ts), so each later save pays for the weights.
 * The IndexedDB write itself is not in it (Node has none); the soak (npm run soak) times whole
 * saves in the page. WASM backend in Node.   npx tsx bench/bench-autosave.ts [--images N]
 */
import { DEFAULT_CONFIG, MODEL_DEFAULTS, PRESETS, type TrainConfig } from '../src/contract/config.ts';
import type { MetricPoint } from '../src/contract/protocol.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { MAX_IMAGES } from '../src/data/load.ts';
import { encodeProject } from '../src/gan/project/checkpoint.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { newRun, snapshotOf, storedDataset } from '../src/worker/project.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend } from '../cli/node-backend.ts';
import { machineLine } from './bench-table.ts';

const args = parseArgs(process.argv.slice(2));
const images = Number(args.get('images') ?? MAX_IMAGES);
const RES = 64; // the largest resolution the config allows (src/contract/config.ts LIMITS.res)
const SAVES = 5;
/** Timeline.MAX_FRAMES (src/gan/explore/timeline.ts; its GIF encoder's import does not load in Node). */
const MAX_FRAMES = 48;
/** A 20,000-step run reported every 4 steps. */
const HISTORY: MetricPoint[] = Array.from({ length: 5000 }, (_, i) => ({
  step: 4 * i,
  gLoss: 1,
  dLoss: 1,
  dReal: 0.5,
  dFake: 0.5,
  imagesPerSec: 80,
  augmentP: 0,
}));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await f();
  return [value, performance.now() - t0];
}

await useNodeBackend('wasm');
console.log(`machine: ${machineLine()}; WASM in Node, 1 thread`);
const data = makeShapes({ res: RES, count: images });
const configs: [string, TrainConfig][] = [
  [`DCGAN ${RES} px, width 32`, { ...DEFAULT_CONFIG, ...PRESETS.full, res: RES }],
  [`StyleGAN ${RES} px, width 32`, { ...DEFAULT_CONFIG, ...PRESETS.full, res: RES, model: 'stylegan', ...MODEL_DEFAULTS.stylegan }],
];
console.log(
  '| model | images | read state ms | snapshot ms | encode ms | autosave ms (median of 5) | file MB | first save: 8-bit images ms, MB (once per dataset) | project file with images: encode ms, MB |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [label, config] of configs) {
  const trainer = new GanTrainer(config, data);
  trainer.trainStep();
  await trainer.report();
  const grid = await trainer.renderGrid();
  const timeline = Array.from({ length: MAX_FRAMES }, (_, i) => ({ step: i * 100, ...grid, pixels: new Uint8ClampedArray(grid.pixels) }));
  const run = newRun(label);
  const [stored, storedMs] = await time(() => storedDataset(data));
  const read: number[] = [];
  const snap: number[] = [];
  const encode: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SAVES; i++) {
    read.push((await time(() => trainer.exportState()))[1]);
    // As RunKeeper.autosave: the file without the images (stored once beside it, src/worker/runs.ts).
    const [snapshot, snapMs] = await time(() => snapshotOf(run, trainer, HISTORY, data, timeline, false));
    snap.push(snapMs);
    const [file, encodeMs] = await time(() => encodeProject(snapshot));
    encode.push(encodeMs);
    bytes = file.length;
  }
  const total = snap.map((s, i) => s + encode[i]!);
  const [whole, wholeMs] = await time(async () => encodeProject(await snapshotOf(run, trainer, HISTORY, data, timeline)));
  console.log(
    `| ${label} | ${data.count} | ${median(read).toFixed(0)} | ${median(snap).toFixed(0)} | ${median(encode).toFixed(0)} | ${median(total).toFixed(0)} | ${(bytes / 2 ** 20).toFixed(2)} | ${storedMs.toFixed(0)}, ${(stored.pixels.length / 2 ** 20).toFixed(1)} | ${wholeMs.toFixed(0)}, ${(whole.length / 2 ** 20).toFixed(1)} |`,
  );
  trainer.dispose();
}
console.log(
  `\n(snapshot includes the state read and the timeline's PNGs, encoded by the first snapshot and kept; ${HISTORY.length} history points, ${MAX_FRAMES} timeline frames)`,
);
