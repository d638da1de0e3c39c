import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderExplorer } from '../../src/gan/explore/explore.ts';
import { pyramidDistance } from '../../src/gan/explore/projection-distance.ts';
import { Projector, schedule, PROJECTION_DEFAULTS } from '../../src/gan/explore/projection.ts';
import { latentModelOf, styleLatentModel } from '../../src/gan/explore/latent-model.ts';
import { pyramidDistances } from '../../src/gan/metrics/ppl.ts';
import { buildStylegan, mixStyles } from '../../src/gan/nn/models/stylegan.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const tinyStyle = () => buildStylegan({ res: 16, width: 8, zDim: 16, wDim: 16, mappingLayers: 2 }, new Rng(7));

/** Runs a projection to the end and returns its final distance. */
async function project(p: Projector): Promise<number> {
  while (!p.finished) {
    p.run(25);
    await p.drain();
  }
  return p.distance();
}

describe('the pyramid distance as a tensor', () => {
  it('equals the PPL metric’s pyramidDistances on random images (16 and 32 px)', () => {
    for (const res of [16, 32]) {
      const rng = new Rng(res);
      const a = rng.normals(3 * res * res * 3);
      const b = rng.normals(3 * res * res * 3);
      const diff = a.map((v, i) => v - b[i]!);
      const expected = pyramidDistances(diff, 3, res, 4);
      const got = tf.tidy(() => pyramidDistance(tf.tensor4d(a, [3, res, res, 3]), tf.tensor4d(b, [3, res, res, 3])).dataSync());
      for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(expected[i]!, 4);
    }
  });

  it('is zero for an image and itself, and has a gradient pointing toward the target', () => {
    const rng = new Rng(3);
    const x = tf.tensor4d(rng.normals(16 * 16 * 3), [1, 16, 16, 3]);
    const y = tf.tensor4d(rng.normals(16 * 16 * 3), [1, 16, 16, 3]);
    expect(tf.tidy(() => pyramidDistance(x, x).dataSync()[0])).toBe(0);
    const g = tf.grad((v: tf.Tensor) => tf.sum(pyramidDistance(v as tf.Tensor4D, y)))(x);
    // A small step against the gradient lowers the distance.
    const before = tf.tidy(() => pyramidDistance(x, y).dataSync()[0]!);
    const after = tf.tidy(() => pyramidDistance(tf.sub(x, tf.mul(g, 0.1)) as tf.Tensor4D, y).dataSync()[0]!);
    expect(after).toBeLessThan(before);
    tf.dispose([x, y, g]);
  });
});

describe('the schedule (stylegan2-ada-pytorch projector.py)', () => {
  const o = { ...PROJECTION_DEFAULTS, steps: 100 };
  it('ramps the learning rate up over 5% and down (cosine) over the last 25%', () => {
    expect(schedule(0, o).lr).toBe(0);
    expect(schedule(2, o).lr).toBeCloseTo(0.04, 10); // t/0.05 = 0.4
    expect(schedule(50, o).lr).toBeCloseTo(0.1, 10);
    expect(schedule(90, o).lr).toBeCloseTo(0.1 * (0.5 - 0.5 * Math.cos(0.4 * Math.PI)), 10); // (1 − 0.9)/0.25 = 0.4
  });
  it('fades the latent noise quadratically to nothing at 75%', () => {
    expect(schedule(0, o).noise).toBeCloseTo(0.05, 10);
    expect(schedule(50, o).noise).toBeCloseTo(0.05 / 9, 10);
    expect(schedule(75, o).noise).toBe(0);
  });
});

describe('projection recovers a known latent', () => {
  it('in W: G(w*) is found again, image distance near 0 and w near w*', async () => {
    const model = tinyStyle();
    const lm = styleLatentModel(model);
    const wStar = tf.tidy(() => model.mapping(tf.tensor2d(new Rng(11).normals(16), [1, 16])));
    const target = tf.tidy(() => lm.render(mixStyles(wStar, wStar, Array(model.numWs).fill(false))));
    const p = await Projector.create(lm, (await target.data()) as Float32Array, { space: 'w', steps: 300, statsSamples: 2000 });
    const start = await p.distance();
    const final = await project(p);
    const found = await p.latentValues();
    const ws = Array.from(await wStar.data());
    const err = Math.sqrt(ws.reduce((s, v, i) => s + (v - found.values[i]!) ** 2, 0) / ws.length);
    const spread = Math.sqrt(ws.reduce((s, v) => s + v * v, 0) / ws.length);
    expect(final).toBeLessThan(start / 100);
    expect(final).toBeLessThan(1e-3);
    expect(err).toBeLessThan(0.1 * spread); // w within 10% of its own size
    // Every layer gets the same w in W.
    expect(Array.from(found.values.slice(0, 16))).toEqual(Array.from(found.values.slice(16 * (found.numWs - 1))));
    tf.dispose([wStar, target]);
    p.dispose();
    model.dispose();
  });

  it('in W+: one w per layer, and a lower distance than W on a target no single w makes', async () => {
    const model = tinyStyle();
    const lm = styleLatentModel(model);
    // A style-mixed image: coarse styles from one w, the rest from another.
    const [w1, w2] = [12, 13].map((s) => tf.tidy(() => model.mapping(tf.tensor2d(new Rng(s).normals(16), [1, 16]))));
    const mask = model.layerResolutions.map((r) => r > 4);
    const target = tf.tidy(() => lm.render(mixStyles(w1!, w2!, mask)));
    const pixels = (await target.data()) as Float32Array;
    const inW = await Projector.create(lm, pixels, { space: 'w', steps: 200, statsSamples: 2000 });
    const inWPlus = await Projector.create(lm, pixels, { space: 'w+', steps: 200, statsSamples: 2000 });
    const [dW, dWPlus] = [await project(inW), await project(inWPlus)];
    expect(dWPlus).toBeLessThan(dW);
    const found = await inWPlus.latentValues();
    expect(found.numWs).toBe(model.numWs);
    expect(Array.from(found.values.slice(0, 16))).not.toEqual(Array.from(found.values.slice(16 * (found.numWs - 1))));
    tf.dispose([w1!, w2!, target]);
    [inW, inWPlus].forEach((p) => p.dispose());
    model.dispose();
  });

  it('DCGAN in z: lowers the distance to an image G made', async () => {
    const trainer = new GanTrainer(
      tinyConfig(),
      constantSet(16, 4, (x, y, c) => Math.sin(x + c) * Math.cos(y)),
    );
    const lm = latentModelOf(trainer);
    expect(lm.space).toBe('z');
    const target = tf.tidy(() => lm.render(tf.tensor3d(new Rng(5).normals(16), [1, 1, 16])));
    const p = await Projector.create(lm, (await target.data()) as Float32Array, { steps: 150 });
    expect(p.options.space).toBe('z');
    const start = await p.distance();
    expect(await project(p)).toBeLessThan(start / 4);
    target.dispose();
    p.dispose();
    trainer.dispose();
  });
});

describe('a projected pin in the explorer', () => {
  it('draws the same strip and noise row as the grid sample whose latent it holds', async () => {
    const trainer = new GanTrainer(
      tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2, gridSide: 3 }),
      constantSet(16, 4, (x, y) => Math.sin(x * y)),
    );
    const style = trainer.styleTraining!;
    // The pin holds grid sample 2's w, broadcast to every layer, as a W projection stores it (an
    // unknown pin would fall back to sample 0, so the comparison below tells the two apart).
    const ws = style.withAverage(() =>
      tf.tidy(() => mixStyles(style.model.mapping(trainer.latents([2])), style.model.mapping(trainer.latents([2])), Array(style.model.numWs).fill(false))),
    );
    const latent = { space: 'w' as const, numWs: style.model.numWs, dim: 16, values: (await ws.data()) as Float32Array };
    ws.dispose();
    const request = { psi: 0.7, fromB: ['coarse' as const], noiseSeed: 1, noiseOff: false, space: 'w' as const };
    const bySample = await renderExplorer(trainer, { ...request, pins: [2, 1] });
    const byPin = await renderExplorer(trainer, { ...request, pins: ['p', 1] }, (id) => (id === 'p' ? latent : undefined));
    const close = (a: Uint8ClampedArray, b: Uint8ClampedArray) => a.every((v, i) => Math.abs(v - b[i]!) <= 1);
    expect(close(byPin.interpolation.pixels, bySample.interpolation.pixels)).toBe(true);
    expect(close(byPin.noise!.pixels, bySample.noise!.pixels)).toBe(true);
    // Another sample draws another strip, and so does the pin when it is unknown (sample 0 then).
    const other = await renderExplorer(trainer, { ...request, pins: [0, 1] });
    const unknown = await renderExplorer(trainer, { ...request, pins: ['gone', 1] }, () => undefined);
    expect(close(unknown.interpolation.pixels, other.interpolation.pixels)).toBe(true);
    expect(close(other.interpolation.pixels, bySample.interpolation.pixels)).toBe(false);
    trainer.dispose();
  });
});

describe('memory', () => {
  it('20 projections on the EMA generator leave numTensors flat', async () => {
    const trainer = new GanTrainer(
      tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2 }),
      constantSet(16, 4, (x, y) => Math.sin(x * y)),
    );
    const lm = latentModelOf(trainer);
    const target = constantSet(16, 1, (x, y, c) => (x + y + c) / 40 - 0.5).pixels;
    const once = async (space: 'w' | 'w+') => {
      const p = await Projector.create(lm, target, { space, steps: 6, statsSamples: 64 });
      await project(p);
      await p.latentValues();
      p.image().dispose();
      p.dispose();
    };
    await once('w');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await once(i % 2 ? 'w' : 'w+');
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
