/**
 * The ADA controller (src/gan/train/ada.ts): p follows sign(r_t − target) at the documented speed,
 * stays in [0, 1), and the on-device sign sum matches a plain count.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdaController, MAX_P, realSignSum } from '../../src/gan/train/ada.ts';
import { DEFAULT_CONFIG } from '../../src/contract/config.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

/** One update as if `interval` steps of `batch` reals had mean sign `rt`. */
function feed(ada: AdaController, rt: number, batch = 32): number {
  const count = batch * ada.interval;
  return ada.update(rt * count, count, batch);
}

describe('AdaController', () => {
  it('has the paper defaults', () => {
    const ada = new AdaController();
    expect([ada.target, ada.speedImages, ada.interval, ada.p]).toEqual([0.6, 500_000, 4, 0]);
  });

  it('raises p when D is overconfident on reals, by batch·interval / speedImages per update', () => {
    const ada = new AdaController({ speedImages: 10_000 });
    feed(ada, 0.9);
    expect(ada.p).toBeCloseTo((32 * 4) / 10_000, 12);
    feed(ada, 0.9);
    expect(ada.p).toBeCloseTo((2 * 32 * 4) / 10_000, 12);
  });

  it('lowers p when r_t is below the target, never under 0', () => {
    const ada = new AdaController({ speedImages: 10_000, initialP: 0.05 });
    feed(ada, 0.2);
    expect(ada.p).toBeCloseTo(0.05 - 128 / 10_000, 12);
    for (let i = 0; i < 10; i++) feed(ada, -0.5);
    expect(ada.p).toBe(0);
  });

  it('stops at 0.8 however long D stays overconfident (the paper: leaks above about 0.8)', () => {
    const ada = new AdaController({ speedImages: 1_000 });
    for (let i = 0; i < 100; i++) feed(ada, 1);
    expect(ada.p).toBe(MAX_P);
    expect(MAX_P).toBeLessThanOrEqual(0.8);
  });

  it("moves at the paper's pace by default: 500k real images from 0 to 1, in the controller and the config", () => {
    expect(new AdaController().speedImages).toBe(500_000);
    expect(DEFAULT_CONFIG.adaSpeedImages).toBe(500_000);
  });

  it('takes speedImages real images to go from 0 to ~1 (batch size does not change the pace)', () => {
    for (const batch of [8, 64]) {
      const ada = new AdaController({ speedImages: 20_000, interval: 2 });
      let images = 0;
      // Bounded, so a controller moving the wrong way fails instead of looping forever.
      while (ada.p < 0.5 && images < 100_000) {
        feed(ada, 0.95, batch);
        images += batch * ada.interval;
      }
      expect(images).toBeGreaterThanOrEqual(10_000);
      expect(images).toBeLessThan(10_000 + batch * ada.interval + 1);
    }
  });

  it('moves p at the same pace whether read every step or every few steps', () => {
    const everyStep = new AdaController({ speedImages: 10_000 });
    const everyFive = new AdaController({ speedImages: 10_000 });
    for (let step = 1; step <= 20; step++) {
      everyStep.update(0.9 * 32, 32, 32);
      if (step % 5 === 0) everyFive.update(0.9 * 32 * 5, 32 * 5, 32);
    }
    expect(everyStep.p).toBeCloseTo((20 * 32) / 10_000, 12);
    expect(everyFive.p).toBeCloseTo(everyStep.p, 12);
  });

  it('ignores empty or non-finite reads and rejects bad options', () => {
    const ada = new AdaController({ initialP: 0.3 });
    expect(ada.update(5, 0, 32)).toBe(0.3);
    expect(ada.update(Number.NaN, 128, 32)).toBe(0.3);
    expect(() => new AdaController({ speedImages: 0 })).toThrow(/speedImages/);
    expect(() => new AdaController({ interval: 1.5 })).toThrow(/interval/);
    expect(() => new AdaController({ target: 1 })).toThrow(/target/);
    expect(new AdaController({ initialP: 2 }).p).toBe(MAX_P);
  });
});

describe('realSignSum', () => {
  it('sums the signs of the real logits on the device', () => {
    const logits = tf.tensor2d([[2.5], [-0.1], [0.3], [7], [-3]]);
    const s = realSignSum(logits);
    expect(s.shape).toEqual([]);
    expect(s.dataSync()[0]).toBe(1);
    tf.dispose([logits, s]);
  });

  it('accumulates over steps without leaking tensors', () => {
    const logits = tf.tensor2d([[1], [1], [-1], [1]]);
    let acc: tf.Scalar = tf.scalar(0);
    realSignSum(logits).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      const s = realSignSum(logits);
      const next = tf.add(acc, s) as tf.Scalar;
      tf.dispose([acc, s]);
      acc = next;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(acc.dataSync()[0]).toBe(20);
    tf.dispose([acc, logits]);
  });
});
