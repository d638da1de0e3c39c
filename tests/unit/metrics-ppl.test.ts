import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathLength, pathModelOf, pyramidDistances, slerpRows, summarize, type PathModel, type PathSpace } from '../../src/gan/metrics/ppl.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const RES = 8;
const Z = 6;

/** A fixed random linear map from the latent to an 8×8 image, times `scale`, through tanh if asked. */
function linearModel(space: PathSpace, scale: number, squash = false): PathModel & { dispose(): void } {
  const m = tf.tensor2d(new Rng(5).normals(Z * RES * RES * 3, 1 / Math.sqrt(Z)), [Z, RES * RES * 3]);
  return {
    space,
    zDim: Z,
    res: RES,
    embed: (z) => tf.clone(z),
    render: (p) =>
      tf.tidy(() => {
        const x = tf.mul(tf.matMul(p, m), scale);
        return tf.reshape(squash ? tf.tanh(x) : x, [-1, RES, RES, 3]) as tf.Tensor4D;
      }),
    dispose: () => m.dispose(),
  };
}

const image = (f: (x: number, y: number) => number, res = 16) =>
  Float32Array.from({ length: res * res * 3 }, (_, i) => f(Math.floor(i / 3) % res, Math.floor(i / 3 / res)));

describe('pyramid distance', () => {
  it('weighs a coarse change and a fine change of the same amplitude alike', () => {
    const flat = pyramidDistances(
      image(() => 0.5),
      1,
      16,
      4,
    )[0];
    const checker = pyramidDistances(
      image((x, y) => ((x + y) % 2 ? 0.5 : -0.5)),
      1,
      16,
      4,
    )[0];
    expect(flat).toBeCloseTo(0.25, 5);
    expect(checker).toBeCloseTo(0.25, 5);
    expect(
      pyramidDistances(
        image(() => 0),
        1,
        16,
        4,
      )[0],
    ).toBe(0);
  });

  it('measures each image of a batch on its own', () => {
    const two = new Float32Array(2 * 16 * 16 * 3);
    two.set(
      image(() => 0.1),
      16 * 16 * 3,
    );
    const d = pyramidDistances(two, 2, 16, 4);
    expect(d[0]).toBe(0);
    expect(d[1]).toBeCloseTo(0.01, 6);
  });
});

describe('outlier rejection', () => {
  const base = Array.from({ length: 256 }, (_, i) => 1 + (i % 7) * 0.01);
  const mean = base.reduce((a, b) => a + b) / base.length;

  it('drops pairs beyond the 1st–99th percentile, as the paper does', () => {
    const planted = [...base.slice(2), 1e6, 2e6]; // two seams in 256 pairs
    const s = summarize(planted);
    expect(s.pairs).toBe(256);
    expect(s.kept).toBeLessThan(256);
    expect(s.mean).toBeLessThan(1.1);
    // The lowest values go too: one outlier low as well as high.
    expect(summarize([...base.slice(3), 1e-9, 1e6, 1e6]).mean).toBeCloseTo(summarize(base).mean, 2);
    // A third huge value is inside the 99th percentile of 256 and shows.
    expect(summarize([...base.slice(3), 1e6, 1e6, 1e6]).mean).toBeGreaterThan(1000);
    expect(s.median).toBeCloseTo(1.03, 6);
  });

  it('reports median and p90 of all values, and NaN for a diverged generator', () => {
    const s = summarize(base);
    expect(s.mean).toBeCloseTo(mean, 2);
    expect(s.p90).toBeGreaterThanOrEqual(s.median);
    expect(s.p90).toBeCloseTo(1.06, 6);
    expect(summarize([1, 2, NaN]).mean).toBeNaN();
  });
});

describe('slerp between latents', () => {
  it('starts at a, ends at b and interpolates the length', () => {
    const a = tf.tensor2d([
      [3, 0, 0],
      [0, 1, 0],
    ]);
    const b = tf.tensor2d([
      [0, 5, 0],
      [0, 0, 1],
    ]);
    const t = (v: number) => tf.fill([2, 1], v) as tf.Tensor2D;
    const at = (v: number) => tf.tidy(() => slerpRows(a, b, t(v)).arraySync());
    expect(at(0)[0]).toEqual([3, 0, 0].map((x) => expect.closeTo(x, 5)));
    expect(at(1)[0]).toEqual([0, 5, 0].map((x) => expect.closeTo(x, 5)));
    const mid = at(0.5)[0];
    expect(Math.hypot(...mid)).toBeCloseTo(4, 4); // length lerped
    expect(mid[0]).toBeCloseTo(mid[1], 4); // on the bisector: 45° of the 90° turn
    expect(at(0.5)[1]).toEqual([0, Math.SQRT1_2, Math.SQRT1_2].map((x) => expect.closeTo(x, 5)));
    tf.dispose([a, b]);
  });
});

describe('perceptual path length', () => {
  it('is zero for a generator that ignores its input', async () => {
    const flat: PathModel = { space: 'z', zDim: Z, res: RES, embed: (z) => tf.clone(z), render: (p) => tf.fill([p.shape[0], RES, RES, 3], 0.3) as tf.Tensor4D };
    const r = await pathLength(flat, { pairs: 64 });
    expect([r.mean, r.median, r.p90]).toEqual([0, 0, 0]);
  });

  it('is (w₁ − w₀)² per pair for a generator that paints its first coordinate as a flat image', async () => {
    const ends: number[][] = [];
    const painter: PathModel = {
      space: 'w',
      zDim: Z,
      res: 16,
      embed: (z) => (ends.push(Array.from(z.slice([0, 0], [-1, 1]).dataSync())), tf.clone(z)),
      render: (p) => tf.tidy(() => tf.tile(tf.reshape(tf.slice(p, [0, 0], [-1, 1]), [-1, 1, 1, 1]), [1, 16, 16, 3]) as tf.Tensor4D),
    };
    const r = await pathLength(painter, { pairs: 20, chunk: 10 });
    // embed sees z₀ then z₁ of each chunk: [z₀ chunk 1, z₁ chunk 1, z₀ chunk 2, z₁ chunk 2].
    const expected = [0, 2].flatMap((c) => ends[c].map((w0, i) => (ends[c + 1][i] - w0) ** 2));
    Array.from(r.values).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 2));
    expect(Math.max(...expected)).toBeGreaterThan(0.5);
  });

  it('grows with the square of the gain of a linear generator, and does not depend on ε there', async () => {
    const [smooth, sharp] = [linearModel('w', 1), linearModel('w', 3)];
    const a = await pathLength(smooth, { pairs: 64 });
    const b = await pathLength(sharp, { pairs: 64 });
    expect(a.mean).toBeGreaterThan(0);
    expect(b.mean / a.mean).toBeCloseTo(9, 2);
    // Along a straight line in W, the image step of a linear G is exactly ε·(w₁ − w₀)·M.
    expect((await pathLength(smooth, { pairs: 64, epsilon: 1e-1 })).mean / a.mean).toBeCloseTo(1, 3);
    smooth.dispose();
    sharp.dispose();
  });

  it('is larger for a sharper non-linear generator in z', async () => {
    const [smooth, sharp] = [linearModel('z', 0.5, true), linearModel('z', 4, true)];
    const a = await pathLength(smooth, { pairs: 64 });
    const b = await pathLength(sharp, { pairs: 64 });
    expect(b.mean).toBeGreaterThan(2 * a.mean);
    expect(b.space).toBe('z');
    smooth.dispose();
    sharp.dispose();
  });

  it('is deterministic with a seed, differs across seeds, and does not depend on the chunk size', async () => {
    const g = linearModel('z', 2, true);
    const a = await pathLength(g, { pairs: 40, seed: 7 });
    const b = await pathLength(g, { pairs: 40, seed: 7 });
    const c = await pathLength(g, { pairs: 40, seed: 8 });
    const chunked = await pathLength(g, { pairs: 40, seed: 7, chunk: 7 });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(c.mean).not.toBe(a.mean);
    expect(chunked.mean).toBeCloseTo(a.mean, 4);
    g.dispose();
  });

  it('calls back between chunks, not after the last', async () => {
    const g = linearModel('z', 1);
    let calls = 0;
    await pathLength(g, { pairs: 70, chunk: 32 }, async () => void calls++);
    expect(calls).toBe(2);
    g.dispose();
  });

  it('measures tiny DCGAN (in z) and StyleGAN (in W, or z on request) generators without leaking', async () => {
    const data = constantSet(16, 4, (x, y, c) => Math.sin(x + c) * Math.cos(y));
    for (const config of [tinyConfig(), tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2 })]) {
      const trainer = new GanTrainer(config, data);
      trainer.trainStep();
      const model = pathModelOf(trainer);
      await pathLength(model, { pairs: 8 });
      const before = tf.memory().numTensors;
      const r = await pathLength(model, { pairs: 48, chunk: 16 });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.space).toBe(config.model === 'stylegan' ? 'w' : 'z');
      expect(r.mean).toBeGreaterThan(0);
      expect(Number.isFinite(r.mean)).toBe(true);
      expect(r.p90).toBeGreaterThanOrEqual(r.median);
      expect((await pathLength(model, { pairs: 48, chunk: 16 })).mean).toBe(r.mean); // fixed noise
      if (config.model === 'stylegan') {
        const inZ = await pathLength(pathModelOf(trainer, 'z'), { pairs: 48 });
        expect(inZ.space).toBe('z');
        expect(inZ.mean).not.toBeCloseTo(r.mean, 6);
      }
      trainer.dispose();
    }
  });
});
