import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../src/gan/train/adam.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

describe('Adam over named parameters', () => {
  it('matches tf.train.adam step for step', () => {
    const init = [0.5, -1.5, 2, 0.01];
    const ours = { w: tf.variable(tf.tensor1d(init)) };
    const theirs = tf.variable(tf.tensor1d(init));
    const adam = new Adam(ours, { lr: 0.1, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
    const reference = tf.train.adam(0.1, 0.5, 0.999, 1e-8);
    const loss = (w: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.sub(w, tf.tensor1d([1, 2, -3, 0]))), tf.tensor1d([1, 3, 0.5, 10]))) as tf.Scalar;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => adam.apply({ w: tf.grad(loss)(ours.w) }));
      reference.minimize(() => loss(theirs), false, [theirs]);
    }
    const a = ours.w.dataSync();
    const b = theirs.dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    expect(adam.t).toBe(5);
    expect(Math.abs(a[0]! - init[0]!)).toBeGreaterThan(0.1);
    adam.dispose();
    reference.dispose();
    tf.dispose([ours.w, theirs]);
  });
});
