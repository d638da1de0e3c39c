import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bandOf, renderExplorer, styleMixImages } from '../../src/gan/explore/explore.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const data = () => constantSet(16, 4, (x, y, c) => Math.sin(x + c) * Math.cos(y));
const styleCfg = () => tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2, gridSide: 3 });
const request = { psi: 1, fromB: ['coarse'] as const, pins: [0, 1] as [number, number], noiseSeed: 1, noiseOff: false, space: 'w' as const };

describe('explorer rendering', () => {
  it('labels style inputs coarse, middle and fine by resolution', () => {
    expect([4, 8, 16, 32, 64].map((r) => bandOf(r, 64))).toEqual(['coarse', 'coarse', 'middle', 'middle', 'fine']);
  });

  it('draws a 4×5 mixing grid, an 8-frame strip and noise variations for StyleGAN, without leaking', async () => {
    const trainer = new GanTrainer(styleCfg(), data());
    trainer.trainStep();
    await renderExplorer(trainer, { ...request, fromB: [...request.fromB] });
    const before = tf.memory().numTensors;
    const out = await renderExplorer(trainer, { ...request, fromB: ['coarse', 'fine'] });
    expect(tf.memory().numTensors).toBe(before);
    expect([out.mix!.width, out.mix!.height]).toEqual([5 * 17 - 1, 4 * 17 - 1]);
    expect([out.interpolation.width, out.interpolation.height]).toEqual([8 * 17 - 1, 16]);
    expect(out.noise!.width).toBe(4 * 17 - 1);
    const inZ = await renderExplorer(trainer, { ...request, fromB: [], space: 'z' });
    expect(Array.from(inZ.interpolation.pixels.slice(0, 64))).toEqual(Array.from(out.interpolation.pixels.slice(0, 64))); // same endpoint A
    expect(Array.from(inZ.interpolation.pixels)).not.toEqual(Array.from(out.interpolation.pixels)); // different path
    trainer.dispose();
  });

  it('taking no styles from B reproduces the A sources in every cell of their row', () => {
    const trainer = new GanTrainer(styleCfg(), data());
    const style = trainer.styleTraining!;
    const imgs = tf.tidy(() => styleMixImages(style, trainer.latents([0]), trainer.latents([1, 2]), [], 1, 'zero'));
    const [a, cell1, cell2] = tf.tidy(() => [tf.slice(imgs, [3, 0, 0, 0], [1]), tf.slice(imgs, [4, 0, 0, 0], [1]), tf.slice(imgs, [5, 0, 0, 0], [1])]);
    expect(Array.from(cell1!.dataSync())).toEqual(Array.from(a!.dataSync()));
    expect(Array.from(cell2!.dataSync())).toEqual(Array.from(a!.dataSync()));
    tf.dispose([imgs, a!, cell1!, cell2!]);
    trainer.dispose();
  });

  it('for DCGAN: interpolation only, and ψ = 0 collapses every frame to G(0)', async () => {
    const trainer = new GanTrainer(tinyConfig({ gridSide: 3 }), data());
    const out = await renderExplorer(trainer, { ...request, fromB: [], psi: 0 });
    expect(out.mix).toBeUndefined();
    const tile = (i: number) =>
      Array.from({ length: 16 }, (_, y) =>
        Array.from(out.interpolation.pixels.slice((y * out.interpolation.width + i * 17) * 4, (y * out.interpolation.width + i * 17 + 16) * 4)),
      ).flat();
    expect(tile(7)).toEqual(tile(0));
    trainer.dispose();
  });
});
