import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readParams } from '../../src/gan/nn/params.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { asGan } from '../helpers/report.ts';
import { validateConfig } from '../../src/contract/config.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const data = () => constantSet(16, 8, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? 0.8 : -0.8));

async function changed(before: Record<string, Float32Array>, after: Promise<Record<string, Float32Array>>): Promise<boolean> {
  const a = await after;
  return Object.keys(before).some((k) => before[k]!.some((v, i) => v !== a[k]![i]));
}

describe('game rounds (D steps per G step)', () => {
  it('freezes a player with 0 steps and still reports its numbers', async () => {
    const trainer = new GanTrainer(tinyConfig({ dSteps: 2, gSteps: 0 }), data());
    const { generator: g, discriminator: d } = trainer.model;
    const [g0, d0] = [await readParams(g.params), await readParams(d.params)];
    trainer.trainStep();
    expect(await changed(g0, readParams(g.params))).toBe(false);
    expect(await changed(d0, readParams(d.params))).toBe(true);
    const r = asGan(await trainer.report());
    for (const v of [r.gLoss, r.dLoss, r.dReal, r.dFake]) expect(Number.isFinite(v)).toBe(true);

    trainer.setRound(0, 3);
    const [g1, d1] = [await readParams(g.params), await readParams(d.params)];
    trainer.trainStep();
    expect(await changed(d1, readParams(d.params))).toBe(false);
    expect(await changed(g1, readParams(g.params))).toBe(true);
    trainer.dispose();
  });

  it('more D steps per round move D further than one', async () => {
    const distance = async (dSteps: number) => {
      const trainer = new GanTrainer(tinyConfig({ dSteps, gSteps: 1 }), data());
      const d0 = await readParams(trainer.model.discriminator.params);
      for (let i = 0; i < 3; i++) trainer.trainStep();
      const d1 = await readParams(trainer.model.discriminator.params);
      trainer.dispose();
      return Object.keys(d0).reduce((s, k) => s + d0[k]!.reduce((t, v, i) => t + (v - d1[k]![i]!) ** 2, 0), 0);
    };
    expect(await distance(3)).toBeGreaterThan(await distance(1));
  });

  it('keeps numTensors flat with uneven rounds', async () => {
    const trainer = new GanTrainer(tinyConfig({ dSteps: 3, gSteps: 2 }), data());
    trainer.trainStep();
    await trainer.report();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) trainer.trainStep();
    trainer.setRound(0, 1);
    trainer.trainStep();
    trainer.setRound(2, 0);
    trainer.trainStep();
    await trainer.report();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('refuses a round where nobody learns', () => {
    expect(validateConfig(tinyConfig({ dSteps: 0, gSteps: 0 })).map((i) => i.field)).toContain('dSteps');
    expect(validateConfig(tinyConfig({ dSteps: 6 })).map((i) => i.field)).toContain('dSteps');
    expect(validateConfig(tinyConfig({ dSteps: 0, gSteps: 2 }))).toEqual([]);
  });
});
