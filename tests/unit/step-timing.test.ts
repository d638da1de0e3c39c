/** Bare-step timing for `npm run bench` (bench/step-timing.ts): kernel counts and the step loop. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countKernels, median, timeTrainerSteps } from '../../bench/step-timing.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { tinyConfig, useFastBackend } from '../helpers/tf.ts';

describe('step timing', () => {
  beforeAll(useFastBackend);

  it('counts each kernel run and leaves the engine as it was', async () => {
    const x = tf.ones([4]);
    const { result, kernels } = await countKernels(async () => tf.tidy(() => tf.mul(tf.add(x, x), 2).sum()));
    // add, mul (the scalar 2 is uploaded, not computed), sum
    expect(kernels).toBe(3);
    expect(await result.data()).toEqual(new Float32Array([16]));
    const nested = await countKernels(async () => (await countKernels(async () => tf.tidy(() => tf.neg(x)))).kernels);
    expect(nested).toEqual({ result: 1, kernels: 1 });
    expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'runKernelFunc')).toBe(false);
    tf.dispose([x, result]);
  });

  it('times a first step and then the median of the rest, with a kernel count and no leak', async () => {
    const config = tinyConfig();
    const trainer = new GanTrainer(config, makeShapes({ res: config.res, count: 16 }));
    const seen: number[] = [];
    const timing = await timeTrainerSteps(trainer, { steps: 3, maxMs: 60_000, now: () => performance.now(), onStep: (i) => seen.push(i) });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(timing.steps).toBe(3);
    expect(timing.firstStepMs).toBeGreaterThan(0);
    expect(timing.msPerStep).toBeGreaterThan(0);
    // A D step and a G step of a 2-doubling DCGAN with Adam: far more than a handful of kernels.
    expect(timing.kernelsPerStep).toBeGreaterThan(50);
    expect(timing.tensorGrowth).toBe(0);
    expect(trainer.step).toBe(4);
    trainer.dispose();
  });

  it('starts no timed step past the time allowed', async () => {
    const config = tinyConfig();
    const trainer = new GanTrainer(config, makeShapes({ res: config.res, count: 16 }));
    let clock = 0;
    const timing = await timeTrainerSteps(trainer, { steps: 5, maxMs: 250, now: () => (clock += 100) });
    // Each step reads the clock twice (200 fake ms): the first ends at 200, one timed step starts before 250.
    expect(timing.steps).toBe(1);
    expect(trainer.step).toBe(2);
    trainer.dispose();
  });

  it('median is the middle value', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3);
  });
});
