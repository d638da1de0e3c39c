/**
 * What an autosave costs: reading the state off the device, encoding the .ganvas file, and its
 * size, for DCGAN and StyleGAN at 32 px (WASM backend in Node).   npx tsx bench/bench-autosave.ts
 */
import { DEFAULT_CONFIG, MODEL_DEFAULTS, PRESETS, type TrainConfig } from '../src/contract/config.ts';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { encodeProject, quantiseDataset } from '../src/gan/project/checkpoint.ts';
import { GanTrainer } from '../src/gan/train/trainer.ts';
import { useNodeBackend } from '../cli/node-backend.ts';

await useNodeBackend('wasm');
const data = makeShapes({ res: 32, count: 256 });
const configs: [string, TrainConfig][] = [
  ['DCGAN 32 px, width 32', { ...DEFAULT_CONFIG, ...PRESETS.small }],
  ['StyleGAN 32 px, width 32', { ...DEFAULT_CONFIG, ...PRESETS.small, model: 'stylegan', ...MODEL_DEFAULTS.stylegan }],
];
for (const [label, config] of configs) {
  const trainer = new GanTrainer(config, data);
  trainer.trainStep();
  await trainer.report();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const state = await trainer.exportState();
    const file = encodeProject({
      ...state,
      history: Array.from({ length: 2000 }, (_, s) => ({ step: s, gLoss: 1, dLoss: 1, dReal: 0.5, dFake: 0.5, imagesPerSec: 80 })),
      dataset: { res: data.res, count: data.count, pixels: quantiseDataset(data.pixels), names: data.names },
      meta: { name: label, created: '', updated: '', app: 'bench' },
    });
    times.push(performance.now() - t0);
    bytes = file.length;
  }
  const p = trainer.parameterCounts();
  times.sort((a, b) => a - b);
  console.log(
    `${label}: G ${p.generator} / D ${p.discriminator} params · autosave ${times[2]!.toFixed(0)} ms (median of 5, in the Worker's thread) · ${(bytes / 2 ** 20).toFixed(2)} MB on disk (with 256 images and 2,000 history points)`,
  );
  trainer.dispose();
}
