import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { divergence, DivergenceGuard } from '../../src/worker/guard.ts';
import { tinyConfig, useFastBackend } from './../helpers/tf.ts';

beforeAll(useFastBackend);

describe('the divergence guard', () => {
  it('never keeps a snapshot of a poisoned state, so a rollback lands on a finite one and training goes on', async () => {
    const trainer = new GanTrainer(tinyConfig(), makeShapes({ res: 16 }));
    const guard = new DivergenceGuard(3, 2);
    trainer.trainStep();
    trainer.trainStep();
    await guard.good(trainer); // a good snapshot at step 2
    trainer.trainStep();
    trainer.trainStep();
    // The update of the step before a snapshot went bad: the report still reads the losses from
    // before it (finite), but the weights now hold NaN.
    trainer.poison();
    expect(divergence((await trainer.report())!)).toBeUndefined();
    await guard.good(trainer);
    expect(guard.size).toBe(1); // the poisoned state was not kept
    trainer.trainStep();
    expect(divergence((await trainer.report())!)).toBeDefined();
    expect(guard.rollback(trainer)).toBe(2);
    trainer.trainStep();
    expect(divergence((await trainer.report())!)).toBeUndefined(); // back on finite weights, training goes on
    const before = tf.memory().numTensors;
    await guard.good(trainer);
    await guard.good(trainer);
    guard.clear();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    trainer.dispose();
  });
});
