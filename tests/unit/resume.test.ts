/**
 * Exact resume (issue 17, item 4): N rounds, exportState, a fresh trainer, importState, M rounds
 * equals N + M rounds straight, bit for bit: every parameter, EMA weight, Adam moment and the
 * reports. With ADA on (its p moving), x-flip and DiffAugment, and once for StyleGAN with R1
 * and style mixing. The export falls between two reports, so the unread report sums must travel.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/contract/config.ts';
import { disposeMemento, GanTrainer, type TrainerState } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const data = () => constantSet(16, 8, (x, y, c) => Math.sin(x / 2 + c) * Math.cos(y / 3 + x / 7));

/** A fast ADA (p moves 0.016 a report at batch 8) with a target D beats at once, so p is well above 0 by the export. */
const ada: Partial<TrainConfig> = { ada: true, adaTarget: 0, adaSpeedImages: 1000, xflip: true, augColor: true, reportEvery: 2 };

async function run(trainer: GanTrainer, rounds: number): Promise<unknown[]> {
  const reports: unknown[] = [];
  for (let i = 0; i < rounds; i++) {
    trainer.trainStep();
    if (trainer.step % trainer.config.reportEvery === 0) reports.push(await trainer.report());
  }
  return reports;
}

/** Everything that must match: named weights (G, D, EMA, w̄), both optimizers, streams, counters. */
function comparable(s: TrainerState) {
  const arrays = (r: Record<string, { data: Float32Array }>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v.data)]));
  return {
    step: s.step,
    rng: s.rng,
    params: arrays(s.params),
    g: { t: s.optimizers['g']!.iterations, w: arrays(s.optimizers['g']!.weights) },
    d: { t: s.optimizers['d']!.iterations, w: arrays(s.optimizers['d']!.weights) },
    extras: arrays(s.extras ?? {}),
  };
}

async function resumeMatchesStraight(config: TrainConfig, n: number, m: number): Promise<void> {
  const straight = new GanTrainer(config, data());
  const straightReports = await run(straight, n + m);

  const first = new GanTrainer(config, data());
  await run(first, n);
  const saved = await first.exportState();
  expect(first.augmentP).toBeGreaterThan(0);
  first.dispose();
  const resumed = new GanTrainer(config, data());
  expect(resumed.importState(saved)).toBeUndefined();
  const resumedReports = await run(resumed, m);

  expect(resumedReports).toEqual(straightReports.slice(straightReports.length - resumedReports.length));
  const [a, b] = [comparable(await straight.exportState()), comparable(await resumed.exportState())];
  expect(Object.keys(b.params).length).toBeGreaterThan(0);
  expect(b).toEqual(a);
  straight.dispose();
  resumed.dispose();
}

describe('exact rollback', () => {
  it("a snapshot puts back the round counters, ADA p and StyleGAN's noise stream too: rolled back and rerun equals the first run", async () => {
    const config = tinyConfig({ ...ada, model: 'stylegan', width: 8, wDim: 16, mappingLayers: 2, r1Every: 3, r1GammaAuto: false, r1Gamma: 0.5, beta1: 0 });
    const trainer = new GanTrainer(config, data());
    await run(trainer, 2);
    const snapshot = trainer.snapshot();
    const first = await run(trainer, 4);
    const after = comparable(await trainer.exportState());
    trainer.rollback(snapshot);
    const again = await run(trainer, 4);
    expect(again).toEqual(first);
    expect(comparable(await trainer.exportState())).toEqual(after);
    disposeMemento(snapshot);
    trainer.dispose();
  });
});

describe('exact resume', () => {
  it('DCGAN with ADA, x-flip and DiffAugment: 5 rounds, save, resume, 3 rounds = 8 rounds straight', async () => {
    await resumeMatchesStraight(tinyConfig({ ...ada, dSteps: 2, lrD: 1e-3 }), 5, 3);
  });

  it('StyleGAN with lazy R1, style mixing, EMA ramp-up and ADA: 3 + 3 = 6, bit for bit', async () => {
    const config = tinyConfig({
      ...ada,
      model: 'stylegan',
      width: 8,
      wDim: 16,
      mappingLayers: 2,
      r1Every: 2,
      r1GammaAuto: false,
      r1Gamma: 0.5,
      lrG: 2.5e-3,
      lrD: 2.5e-3,
      beta1: 0,
      beta2: 0.99,
    });
    await resumeMatchesStraight(config, 3, 3);
  });
});
