import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pyramidDistance } from '../../src/gan/explore/projection-distance.ts';
import { featureDistance, FeatureTerm, FrozenFeatures } from '../../src/gan/explore/projection-features.ts';
import { Projector } from '../../src/gan/explore/projection.ts';
import { latentModelOf, styleLatentModel } from '../../src/gan/explore/latent-model.ts';
import { buildStylegan } from '../../src/gan/nn/models/stylegan.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const styleTrainer = () =>
  new GanTrainer(
    tinyConfig({ model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2 }),
    constantSet(16, 4, (x, y) => Math.sin(x * y)),
  );
const dcganTrainer = () =>
  new GanTrainer(
    tinyConfig(),
    constantSet(16, 4, (x, y, c) => Math.sin(x + c) * Math.cos(y)),
  );

const image = (seed: number, res = 16) => tf.tensor4d(new Rng(seed).normals(res * res * 3, 0.5), [1, res, res, 3]);
const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('the D-feature distance', () => {
  it('unit-normalises channel vectors and averages blocks (values worked out by hand)', () => {
    // One position, two channels: (3, 4) → (0.6, 0.8), (4, 3) → (0.8, 0.6): 0.2² + 0.2² = 0.08.
    // Opposite vectors: (0.6, 0.8) against (−0.6, −0.8): 1.2² + 1.6² = 4. Mean of the two blocks: 2.04.
    const a = [tf.tensor4d([3, 4], [1, 1, 1, 2]), tf.tensor4d([3, 4], [1, 1, 1, 2])];
    const b = [tf.tensor4d([4, 3], [1, 1, 1, 2]), tf.tensor4d([-3, -4], [1, 1, 1, 2])];
    expect(read(featureDistance([a[0]!], [b[0]!]))[0]).toBeCloseTo(0.08, 6);
    expect(read(featureDistance(a, b))[0]).toBeCloseTo(2.04, 6);
    // Scale does not matter, position means do: a 2×1 map with one matching and one 0.08 position gives 0.04.
    const c = tf.tensor4d([3, 4, 30, 40], [1, 2, 1, 2]);
    const d = tf.tensor4d([6, 8, 4, 3], [1, 2, 1, 2]);
    expect(read(featureDistance([c], [d]))[0]).toBeCloseTo(0.04, 6);
    tf.dispose([...a, ...b, c, d]);
  });

  it('is 0 for identical images and grows with the size of a perturbation (StyleGAN D and DCGAN D)', () => {
    for (const trainer of [styleTrainer(), dcganTrainer()]) {
      const frozen = new FrozenFeatures(trainer.model.discriminator, 2);
      const x = image(1);
      const noise = image(2);
      const at = (eps: number) =>
        tf.tidy(() => featureDistance(frozen.features(x), frozen.features(tf.add(x, tf.mul(noise, eps)) as tf.Tensor4D)).dataSync()[0]!);
      expect(at(0)).toBe(0);
      const grows = [0.01, 0.1, 0.5, 2].map(at);
      for (let i = 1; i < grows.length; i++) expect(grows[i]!).toBeGreaterThan(grows[i - 1]!);
      expect(grows[0]!).toBeGreaterThan(0);
      tf.dispose([x, noise]);
      frozen.dispose();
      trainer.dispose();
    }
  });

  it('keeps D as it was when frozen, while the trainer moves D', () => {
    const trainer = styleTrainer();
    const d = trainer.model.discriminator;
    const frozen = new FrozenFeatures(d, 2);
    const x = image(3);
    const before = tf.tidy(() => tf.concat(frozen.features(x).map((f) => tf.reshape(f, [-1]))));
    for (let i = 0; i < 2; i++) trainer.trainStep();
    const live = tf.tidy(() =>
      tf.concat(
        d
          .features(x)
          .slice(0, 2)
          .map((f) => tf.reshape(f, [-1])),
      ),
    );
    const after = tf.tidy(() => tf.concat(frozen.features(x).map((f) => tf.reshape(f, [-1]))));
    expect(read(tf.max(tf.abs(tf.sub(after, before))))[0]).toBe(0);
    expect(read(tf.max(tf.abs(tf.sub(live, before))))[0]).toBeGreaterThan(1e-4);
    tf.dispose([x, before, live, after]);
    frozen.dispose();
    trainer.dispose();
  });
});

describe('projection with the pyramid+d objective', () => {
  it('passes the feature term’s gradient through the frozen D into w', () => {
    const trainer = styleTrainer();
    const lm = latentModelOf(trainer);
    const target = image(4);
    const term = new FeatureTerm(trainer.model.discriminator, target, 2);
    const w = tf.tidy(() => tf.tile(lm.embed(tf.tensor2d(new Rng(5).normals(16), [1, 16])).reshape([1, 1, 16]), [1, lm.numWs, 1])) as tf.Tensor3D;
    const g = lm.within(() => tf.grad((v: tf.Tensor) => term.term(lm.render(v as tf.Tensor3D)))(w));
    const norm = read(tf.norm(g))[0]!;
    expect(Number.isFinite(norm)).toBe(true);
    expect(norm).toBeGreaterThan(1e-6);
    tf.dispose([target, w, g]);
    term.dispose();
    trainer.dispose();
  });

  it('moves the latent differently from pyramid alone (the term is in the loss), and leaves D’s weights alone', async () => {
    const trainer = styleTrainer();
    const lm = latentModelOf(trainer);
    const d = trainer.model.discriminator;
    const dBefore = Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const target = constantSet(16, 1, (x, y, c) => (x - y + c) / 30).pixels;
    const run = async (distance: 'pyramid' | 'pyramid+d') => {
      const p = await Projector.create(lm, target, { space: 'w+', steps: 8, statsSamples: 64, distance });
      p.run(8);
      await p.drain();
      const { values } = await p.latentValues();
      const weight = p.featureWeight;
      p.dispose();
      return { values, weight };
    };
    const plain = await run('pyramid');
    const withD = await run('pyramid+d');
    expect(plain.weight).toBeUndefined();
    expect(withD.weight).toBeGreaterThan(0);
    const gap = Math.max(...plain.values.map((v, i) => Math.abs(v - withD.values[i]!)));
    expect(gap).toBeGreaterThan(1e-4);
    for (const [k, v] of Object.entries(d.params)) expect(Array.from(v.dataSync())).toEqual(dBefore[k]);
    trainer.dispose();
  });

  it('weights the term so it equals the pyramid distance at the starting image (balance 1) or a share of it', async () => {
    const trainer = styleTrainer();
    const lm = latentModelOf(trainer);
    const target = image(6);
    const start = tf.tidy(() =>
      lm.within(() =>
        lm.render(
          tf.tidy(() => tf.tile(tf.mean(lm.embed(tf.tensor2d(new Rng(1).normals(64 * 16), [64, 16])), 0).reshape([1, 1, 16]), [1, lm.numWs, 1])) as tf.Tensor3D,
        ),
      ),
    );
    const pyr = read(pyramidDistance(start, target))[0]!;
    for (const balance of [1, 0.25]) {
      const term = new FeatureTerm(trainer.model.discriminator, target, 2);
      await term.calibrate(pyr, start, balance);
      expect(read(term.term(start))[0]).toBeCloseTo(balance * pyr, 5);
      term.dispose();
    }
    tf.dispose([start, target]);
    trainer.dispose();
  });

  it('refuses pyramid+d on a generator without a discriminator, with a message saying so', async () => {
    const model = buildStylegan({ res: 16, width: 8, zDim: 16, wDim: 16, mappingLayers: 2 }, new Rng(7));
    const target = constantSet(16, 1, () => 0).pixels;
    const before = tf.memory().numTensors;
    await expect(Projector.create(styleLatentModel(model), target, { distance: 'pyramid+d', steps: 2, statsSamples: 8 })).rejects.toThrow(/discriminator/);
    // The refused projector's tensors are not left behind.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('leaves numTensors flat over 20 projections with the option on (StyleGAN W/W+, DCGAN z)', async () => {
    for (const trainer of [styleTrainer(), dcganTrainer()]) {
      const lm = latentModelOf(trainer);
      const target = constantSet(16, 1, (x, y, c) => (x + y + c) / 40 - 0.5).pixels;
      const once = async (i: number) => {
        const p = await Projector.create(lm, target, { space: i % 2 ? 'w' : 'w+', steps: 4, statsSamples: 32, distance: 'pyramid+d' });
        while (!p.finished) {
          p.run(2);
          await p.drain();
        }
        await p.distance();
        await p.latentValues();
        p.image().dispose();
        p.dispose();
      };
      await once(0);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await once(i);
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
    }
  });
});
