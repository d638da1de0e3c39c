import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { emaBeta, ParamEma } from '../../src/gan/train/ema.ts';
import { buildStylegan } from '../../src/gan/nn/models/stylegan.ts';
import type { Params } from '../../src/gan/nn/params.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const f32 = Math.fround;
const values = (v: tf.Tensor) => Array.from(v.dataSync());

function smallParams(): Params {
  return { 'g.a': tf.variable(tf.tensor1d([1, -2, 0.5])), 'g.b': tf.variable(tf.tensor2d([[3, 4]])) };
}

describe('ParamEma', () => {
  it('starts equal to the source and updates as β·avg + (1 − β)·p, to the float32 bit', () => {
    const p = smallParams();
    const ema = new ParamEma(p);
    expect(values(ema.params['g.a']!)).toEqual([1, -2, 0.5]);
    expect(ema.params['g.a']!.trainable).toBe(false);
    const avg = [1, -2, 0.5];
    for (const [next, beta] of [
      [[2, 0, -1], 0.9],
      [[0.3, 7, 1], 0.99],
    ] as const) {
      p['g.a']!.assign(tf.tensor1d([...next]));
      ema.update(p, beta);
      // The same float32 operations: β·avg + (1 − β)·p, each product and the sum rounded.
      for (let i = 0; i < 3; i++) avg[i] = f32(f32(f32(beta) * avg[i]!) + f32(f32(1 - beta) * next[i]!));
      expect(values(ema.params['g.a']!)).toEqual(avg);
    }
    // The mathematical value, for a reader: 0.99·(0.9·1 + 0.1·2) + 0.01·0.3 = 1.092
    expect(values(ema.params['g.a']!)[0]).toBeCloseTo(1.092, 6);
    // A parameter that never moved stays put, up to the float32 rounding of the two products.
    const still = (x: number) => [0.9, 0.99].reduce((a, beta) => f32(f32(f32(beta) * a) + f32(f32(1 - beta) * x)), x);
    expect(values(ema.params['g.b']!)).toEqual([still(3), still(4)]);
    expect(values(ema.params['g.b']!)[0]).toBeCloseTo(3, 6);
    ema.dispose();
    Object.values(p).forEach((v) => v.dispose());
  });

  it('withAverage runs with the averaged weights and restores the live ones, even on a throw', () => {
    const p = smallParams();
    const ema = new ParamEma(p);
    p['g.a']!.assign(tf.tensor1d([10, 20, 30]));
    ema.update(p, 0.5); // avg = (5.5, 9, 15.25)
    const seen = ema.withAverage(p, () => values(p['g.a']!));
    expect(seen).toEqual([5.5, 9, 15.25]);
    expect(values(p['g.a']!)).toEqual([10, 20, 30]);
    expect(values(ema.params['g.a']!)).toEqual([5.5, 9, 15.25]);
    expect(() =>
      ema.withAverage(p, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(values(p['g.a']!)).toEqual([10, 20, 30]);
    ema.dispose();
    Object.values(p).forEach((v) => v.dispose());
  });

  it('keeps numTensors flat over updates and swaps, and names a missing parameter', () => {
    const p = smallParams();
    const ema = new ParamEma(p);
    ema.update(p, 0.9);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      ema.update(p, 0.9);
      ema.withAverage(p, () => undefined);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ema.update({ 'g.a': p['g.a']! }, 0.9)).toThrow(/g\.b/);
    ema.dispose();
    Object.values(p).forEach((v) => v.dispose());
  });

  it('samples a StyleGAN generator with the average: β = 1 keeps the initial G, β = 0 follows the live one', () => {
    const m = buildStylegan({ res: 16, width: 4, zDim: 8, wDim: 8, mappingLayers: 2 }, new Rng(1));
    const z = tf.randomNormal([2, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const initial = m.sample(z, 'zero');
    const ema = new ParamEma(m.generator.params);
    // Perturb every live weight, as training would.
    for (const v of Object.values(m.generator.params)) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 2))));
    const live = m.sample(z, 'zero');
    ema.update(m.generator.params, 1);
    const frozen = ema.withAverage(m.generator.params, () => m.sample(z, 'zero'));
    ema.update(m.generator.params, 0);
    const followed = ema.withAverage(m.generator.params, () => m.sample(z, 'zero'));
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(diff(frozen, initial)).toBe(0);
    expect(diff(followed, live)).toBe(0);
    expect(diff(live, initial)).toBeGreaterThan(1e-3);
    tf.dispose([z, initial, live, frozen, followed]);
    ema.dispose();
    m.dispose();
  });
});

describe('emaBeta', () => {
  it('halves a step’s weight after halfLifeImages images, whatever the batch', () => {
    for (const batch of [8, 32]) expect(emaBeta(batch, 10_000) ** (10_000 / batch)).toBeCloseTo(0.5, 10);
    expect(emaBeta(32)).toBeCloseTo(0.5 ** (32 / 10_000), 15);
  });

  it('ramps the half-life up with the images seen (0.05 · imagesSeen, capped)', () => {
    expect(emaBeta(32, 10_000, 1000)).toBeCloseTo(0.5 ** (32 / 50), 15);
    expect(emaBeta(32, 10_000, 1e7)).toBe(emaBeta(32, 10_000));
    expect(emaBeta(32, 10_000, 0)).toBe(0); // nothing seen yet: the average is the live weights
  });
});
