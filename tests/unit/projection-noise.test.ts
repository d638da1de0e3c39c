import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Projector } from '../../src/gan/explore/projection.ts';
import { styleLatentModel } from '../../src/gan/explore/latent-model.ts';
import { NoiseMaps, noiseRegularisation } from '../../src/gan/explore/projection-noise.ts';
import { buildStylegan, mixStyles } from '../../src/gan/nn/models/stylegan.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const penalty = (maps: tf.Tensor2D[]) => tf.tidy(() => noiseRegularisation(maps).dataSync()[0]!);

const checkerboard = (n: number) =>
  tf.tensor2d(
    Array.from({ length: n * n }, (_, i) => (((i % n) + Math.floor(i / n)) % 2 ? -1 : 1)),
    [n, n],
  );

describe('the noise regulariser (NVlabs projector.py)', () => {
  it('sums the squared one-pixel autocorrelation along both axes, at every scale down to 8×8', () => {
    // A constant map: every product is 1, so each axis gives 1² per scale: 4×4 and 8×8 have one
    // scale (2), 16×16 two (16 and 8: 4), 32×32 three (6).
    const ones = (n: number) => tf.ones([n, n]) as tf.Tensor2D;
    expect(penalty([ones(4)])).toBeCloseTo(2, 6);
    expect(penalty([ones(8)])).toBeCloseTo(2, 6);
    expect(penalty([ones(16)])).toBeCloseTo(4, 6);
    expect(penalty([ones(32)])).toBeCloseTo(6, 6);
    // A checkerboard: each shifted product is −1 (squared: 1) with wrap-around too, and its 2×2
    // averages are 0, so only the finest scale counts.
    expect(penalty([checkerboard(16)])).toBeCloseTo(2, 6);
    // Stripes along x: correlated along y (1), anticorrelated along x (1); summed over maps.
    const stripes = tf.tensor2d(
      Array.from({ length: 64 }, (_, i) => (i % 2 ? -1 : 1)),
      [8, 8],
    );
    expect(penalty([stripes, ones(4)])).toBeCloseTo(4, 6);
    // White noise is nearly uncorrelated: far below any of the above.
    const white = tf.tensor2d(new Rng(3).normals(64 * 64), [64, 64]);
    expect(penalty([white])).toBeLessThan(0.01);
    tf.dispose([stripes, white]);
  });

  it('renormalises each map to mean 0 and mean square 1', () => {
    const maps = new NoiseMaps([4, 8, 16], new Rng(1));
    maps.maps.forEach((m) => m.assign(tf.tidy(() => tf.add(tf.mul(m, 3), 2) as tf.Tensor2D)));
    maps.normalise();
    for (const m of maps.maps) {
      const v = Array.from(m.dataSync());
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const square = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(square).toBeCloseTo(1, 4);
    }
    maps.dispose();
  });
});

/** Debian's PyTorch (the python3 first on PATH has none). */
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasTorch)('the noise maps against the PyTorch peer (bench/peer/projection_noise.py)', () => {
  it('regulariser, its gradient for every map, and the renormalisation agree to float32 rounding', () => {
    // Maps of every size a 64 px StyleGAN has, drawn with some correlation so the penalty is not tiny.
    const rng = new Rng(17);
    const sides = [4, 8, 8, 16, 16, 32, 32, 64, 64];
    const values = sides.map((s) => {
      const v = rng.normals(s * s);
      return v.map((x, i) => x + 0.7 * (v[i - 1] ?? 0) + 0.5);
    });
    const rows = (v: Float32Array, s: number) => Array.from({ length: s }, (_, y) => Array.from(v.subarray(y * s, (y + 1) * s)));
    const peer = spawnSync(PYTHON, ['bench/peer/projection_noise.py'], {
      input: JSON.stringify({ maps: values.map((v, k) => rows(v, sides[k]!)) }),
      encoding: 'utf8',
    });
    expect(peer.status, peer.stderr).toBe(0);
    const torch = JSON.parse(peer.stdout) as { penalty: number; grads: number[][][]; normalised: number[][][] };
    const maps = values.map((v, k) => tf.tensor2d(v, [sides[k]!, sides[k]!]));
    const ours = penalty(maps);
    expect(Math.abs(ours - torch.penalty) / torch.penalty).toBeLessThan(1e-5);
    const grads = tf.grads((...xs: tf.Tensor[]) => noiseRegularisation(xs as tf.Tensor2D[]))(maps);
    const gap = (a: ArrayLike<number>, b: number[][]) => {
      const flat = b.flat();
      const scale = Math.max(...flat.map(Math.abs));
      return Math.max(...flat.map((x, i) => Math.abs(x - a[i]!))) / scale;
    };
    grads.forEach((g, k) => expect(gap(g.dataSync(), torch.grads[k]!), `gradient of map ${k}`).toBeLessThan(1e-4));
    const noise = new NoiseMaps(sides, new Rng(1));
    noise.maps.forEach((m, k) => m.assign(maps[k]!));
    noise.normalise();
    noise.maps.forEach((m, k) => expect(gap(m.dataSync(), torch.normalised[k]!), `renormalised map ${k}`).toBeLessThan(1e-5));
    tf.dispose([...maps, ...grads]);
    noise.dispose();
  }, 60_000);
});

describe('projection with noise maps', () => {
  /** A tiny StyleGAN whose noise matters: every noise strength set to `strength` (they start at 0). */
  function noisyStyle(strength: number) {
    const model = buildStylegan({ res: 16, width: 8, zDim: 16, wDim: 16, mappingLayers: 2 }, new Rng(7));
    for (const [name, p] of Object.entries(model.generator.params)) if (name.endsWith('.strength')) p.assign(tf.fill(p.shape, strength));
    return model;
  }

  async function project(p: Projector): Promise<number> {
    while (!p.finished) {
      p.run(25);
      await p.drain();
    }
    return p.distance();
  }

  it('reads one noise input per synthesis conv off the model: 4, then two per block', () => {
    const model = noisyStyle(0);
    expect(styleLatentModel(model).noise!.sides()).toEqual([4, 8, 8, 16, 16]);
    model.dispose();
  });

  it('beats w alone on an image made with known w and known noise; without the regulariser the maps take on that noise', async () => {
    const model = noisyStyle(0.6);
    const lm = styleLatentModel(model);
    const sides = lm.noise!.sides();
    const rng = new Rng(21);
    const wStar = tf.tidy(() => model.mapping(tf.tensor2d(rng.normals(16), [1, 16])));
    const trueNoise = sides.map((s) => tf.tensor2d(rng.normals(s * s), [s, s]));
    const target = tf.tidy(() => lm.noise!.render(mixStyles(wStar, wStar, Array(model.numWs).fill(false)), trueNoise));
    const pixels = (await target.data()) as Float32Array;
    const options = { space: 'w' as const, steps: 200, statsSamples: 2000 };
    const wOnly = await Projector.create(lm, pixels, { ...options, noiseMaps: false });
    const reference = await Projector.create(lm, pixels, { ...options, noiseMaps: true }); // NVlabs's weight, 1e5
    const free = await Projector.create(lm, pixels, { ...options, noiseMaps: true, noiseWeight: 0 });
    expect([wOnly.optimisesNoise, reference.optimisesNoise, free.optimisesNoise]).toEqual([false, true, true]);
    const [dW, dRef, dFree] = [await project(wOnly), await project(reference), await project(free)];
    // Measured 1.146 (w only), 1.081 (reference weight), 0.014 (no regulariser).
    expect(dRef).toBeLessThan(dW * 0.97);
    expect(dFree).toBeLessThan(dW / 20);
    // Unregularised, the maps become the true noise (the finest map most: measured 0.87); the
    // regulariser keeps them white: its penalty is far lower on the reference's maps.
    const truth = await Promise.all(trueNoise.map((t) => t.data()));
    const last = sides.length - 1;
    const correlation = (maps: Float32Array[]) => maps[last]!.reduce((s, v, i) => s + v * truth[last]![i]!, 0) / maps[last]!.length;
    const [refMaps, freeMaps] = [await reference.noiseValues(), await free.noiseValues()];
    expect(correlation(freeMaps)).toBeGreaterThan(0.6);
    const penaltyOf = (maps: Float32Array[]) => tf.tidy(() => penalty(maps.map((m, k) => tf.tensor2d(m, [sides[k]!, sides[k]!]))));
    expect(penaltyOf(refMaps)).toBeLessThan(penaltyOf(freeMaps) / 4);
    // The pin keeps w only, drawn with the fixed noise: that distance is reported apart, and for
    // w alone it is the distance itself.
    expect(await reference.fixedNoiseDistance()).toBeGreaterThan(dRef);
    expect(await wOnly.fixedNoiseDistance()).toBeCloseTo(dW, 6);
    tf.dispose([wStar, target, ...trueNoise]);
    [wOnly, reference, free].forEach((p) => p.dispose());
    model.dispose();
  });

  it('leaves numTensors flat over 20 projections with and without noise maps, and the model’s own noise as it was', async () => {
    const model = noisyStyle(0.5);
    const lm = styleLatentModel(model);
    const target = new Rng(4).normals(16 * 16 * 3, 0.3);
    const z = tf.tensor2d(new Rng(5).normals(16), [1, 16]);
    const sample = () => tf.tidy(() => model.sample(z, { seed: 9 }).dataSync());
    const before = sample();
    const once = async (noiseMaps: boolean) => {
      const p = await Projector.create(lm, target, { space: 'w+', steps: 4, statsSamples: 32, noiseMaps });
      await project(p);
      await p.fixedNoiseDistance();
      await p.noiseValues();
      p.image().dispose();
      p.dispose();
    };
    await once(true);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await once(i % 2 === 0);
    expect(tf.memory().numTensors).toBe(tensors);
    // The hook is handed back: the model's seeded noise draws the same sample as before.
    expect(Array.from(sample())).toEqual(Array.from(before));
    z.dispose();
    model.dispose();
  });
});
