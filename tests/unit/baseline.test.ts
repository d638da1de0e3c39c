import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BaselineRun, baselineSteps } from '../../src/worker/baseline.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const data = () => constantSet(16, 16, (x, y, c) => Math.sin(x / 3 + c) * 0.8 * (y % 4 < 2 ? 1 : -1));

describe('the autoencoder baseline beside a GAN', () => {
  it('asks for as many steps as the GAN had, within bounds', () => {
    expect(baselineSteps(0)).toBe(500);
    expect(baselineSteps(20)).toBe(50);
    expect(baselineSteps(1234)).toBe(1234);
    expect(baselineSteps(1e6)).toBe(3000);
  });

  it.each(['autoencoder', 'vae'] as const)('trains a %s in slices to its target, scores it with SWD, and frees everything', async (kind) => {
    const before = tf.memory().numTensors;
    const gan = tinyConfig({ augTranslation: true, dSteps: 3 });
    const run = new BaselineRun(kind, gan, data(), 30);
    expect(run.trainer.config.model).toBe(kind);
    expect(run.trainer.config.augTranslation).toBe(false);
    const errors: number[] = [];
    while (!run.done) errors.push(await run.slice(5));
    expect(run.trainer.step).toBe(30);
    expect(errors.every(Number.isFinite)).toBe(true);
    expect(errors[errors.length - 1]!).toBeLessThan(errors[0]!);
    const grid = await run.grid();
    expect(grid.pixels.length).toBe(grid.width * grid.height * 4);
    expect(Number.isFinite(await run.swd())).toBe(true);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
