import * as tf from '@tensorflow/tfjs';
import { english, msg } from '../../src/contract/messages.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/contract/config.ts';
import { estimateMemory, memoryProblem, networkShapes, WASM_USABLE_BYTES, type DeviceLimits } from '../../src/gan/backend/memory.ts';
import { disposeMemento, GanTrainer } from '../../src/gan/train/trainer.ts';
import { SWD_SAMPLES } from '../../src/gan/metrics/tracker.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

const IMAGES = 24;
const SNAPSHOTS = 2;

/**
 * tfjs's own count of the bytes held by tensors at its highest while a trainer is built, trains
 * a few steps (R1 included for StyleGAN), keeps snapshots and generates the SWD samples.
 */
async function measuredPeak(config: TrainConfig): Promise<number> {
  const base = tf.memory().numBytes;
  let peak = 0;
  const watch = async (f: () => unknown) => {
    const profile = await tf.profile(f as () => tf.TensorContainer);
    peak = Math.max(peak, profile.peakBytes - base, tf.memory().numBytes - base);
  };
  const set = constantSet(config.res, IMAGES, (x, y, c) => ((x + 2 * y + c) % 5) / 2.5 - 1);
  let trainer!: GanTrainer;
  await watch(() => {
    trainer = new GanTrainer(config, set);
  });
  const snapshots = Array.from({ length: SNAPSHOTS }, () => trainer.snapshot());
  await watch(async () => {
    for (let i = 0; i < 4; i++) trainer.trainStep();
    await trainer.report();
  });
  await watch(() => trainer.samplePixels(SWD_SAMPLES));
  snapshots.forEach(disposeMemento);
  trainer.dispose();
  expect(tf.memory().numBytes).toBe(base);
  return peak;
}

describe('device memory estimate', () => {
  beforeAll(useFastBackend);

  it.each<[string, Partial<TrainConfig>]>([
    ['DCGAN 16 px', { model: 'dcgan', res: 16, width: 8, batch: 8 }],
    ['DCGAN 32 px, batch 16', { model: 'dcgan', res: 32, width: 8, batch: 16 }],
    ['StyleGAN 16 px with R1', { model: 'stylegan', res: 16, width: 8, wDim: 32, batch: 8, r1Every: 2 }],
    ['VAE 16 px', { model: 'vae', res: 16, width: 8, batch: 8 }],
  ])('%s: within a factor 1.5 of the peak tfjs measures', async (_, overrides) => {
    const config = tinyConfig({ gridSide: 6, ...overrides });
    const measured = await measuredPeak(config);
    const estimate = estimateMemory(config, IMAGES, { snapshots: SNAPSHOTS }).bytes.total;
    expect(estimate / measured).toBeGreaterThan(1 / 1.5);
    expect(estimate / measured).toBeLessThan(1.5);
  });

  it('counts exactly the parameters the builders make', () => {
    for (const model of ['dcgan', 'stylegan', 'autoencoder', 'vae'] as const) {
      for (const res of [16, 32] as const) {
        const config = tinyConfig({ model, res, width: 8, wDim: 32 });
        const trainer = new GanTrainer(
          config,
          constantSet(res, 2, () => 0),
        );
        const { g, d } = networkShapes(config);
        expect([g.params, d.params]).toEqual(Object.values(trainer.parameterCounts()));
        trainer.dispose();
      }
    }
  });

  it('grows with the batch, the dataset and the snapshots kept', () => {
    const config = tinyConfig({ res: 32, width: 16, batch: 16 });
    const base = estimateMemory(config, 100).bytes;
    expect(estimateMemory({ ...config, batch: 512 }, 100).bytes.step).toBeGreaterThan(base.step * 20);
    expect(estimateMemory(config, 1000).bytes.dataset).toBe(10 * base.dataset);
    expect(estimateMemory(config, 100, { snapshots: 4 }).bytes.total - base.total).toBe(4 * base.model);
  });
});

describe('memory check', () => {
  const wasm: DeviceLimits = { backend: 'wasm', totalBytes: WASM_USABLE_BYTES, total: msg('limits.wasm', { bytes: '2.0 GiB' }) };

  it('refuses a 64×64 StyleGAN at batch 256 on WASM, saying how much it needs and what to change', () => {
    const config = tinyConfig({ model: 'stylegan', res: 64, width: 32, wDim: 128, zDim: 100, batch: 256 });
    const problem = english(memoryProblem(config, 1000, wasm, { snapshots: 4 })!);
    const needed = estimateMemory(config, 1000, { snapshots: 4 }).bytes.total;
    expect(needed).toBeGreaterThan(WASM_USABLE_BYTES);
    expect(problem).toBe(
      `64×64 StyleGAN at batch 256 on 1000 images needs about ${(needed / 2 ** 30).toFixed(1)} GiB; WASM can address about 2.0 GiB: lower the batch (or the resolution)`,
    );
  });

  it('lets the presets through on WASM', () => {
    expect(memoryProblem(tinyConfig({ res: 32, width: 32, batch: 32 }), 5000, wasm, { snapshots: 4 })).toBeUndefined();
    expect(memoryProblem(tinyConfig({ model: 'stylegan', res: 32, width: 32, wDim: 128, batch: 32 }), 5000, wasm, { snapshots: 4 })).toBeUndefined();
  });

  it('names the largest-tensor limit when the dataset is one buffer too many for a WebGPU device', () => {
    const gpu: DeviceLimits = {
      backend: 'webgpu',
      totalBytes: 8 * 2 ** 30,
      total: msg('limits.gpuUnknown'),
      tensorBytes: 128 * 2 ** 20,
      tensor: msg('limits.webgpuBuffer', { bytes: '128 MiB' }),
    };
    const problem = english(memoryProblem(tinyConfig({ res: 64, width: 16, batch: 16 }), 5000, gpu)!);
    expect(problem).toBe(
      '64×64 DCGAN at batch 16: the dataset (5000 images at 64×64) is one tensor of about 234 MiB; this WebGPU device binds at most 128 MiB per buffer: use fewer images (or a lower resolution)',
    );
  });
});
