import * as tf from '@tensorflow/tfjs';
import { english } from '../../src/contract/messages.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../src/gan/train/adam.ts';
import { readParams, type Params } from '../../src/gan/nn/params.ts';
import { discriminatorStep, generatorStep } from '../../src/gan/train/steps.ts';
import { disposeMemento, GanTrainer } from '../../src/gan/train/trainer.ts';
import { asGan } from '../helpers/report.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const checker = (res: number) => constantSet(res, 8, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? 0.8 : -0.8));

function maxChange(before: Record<string, Float32Array>, after: Record<string, Float32Array>): number {
  let m = 0;
  for (const k of Object.keys(before)) before[k]!.forEach((v, i) => (m = Math.max(m, Math.abs(v - after[k]![i]!))));
  return m;
}

describe('GanTrainer', () => {
  it('keeps tf.memory().numTensors flat over many steps, reports and renders', async () => {
    const trainer = new GanTrainer(tinyConfig(), checker(16));
    trainer.trainStep();
    await trainer.report();
    await trainer.renderGrid();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) {
      trainer.trainStep();
      if (i % 3 === 0) await trainer.report();
      if (i % 5 === 0) await trainer.renderGrid();
    }
    await trainer.report();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('reports finite losses and D outputs that are probabilities', async () => {
    const trainer = new GanTrainer(tinyConfig(), checker(16));
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const r = asGan(await trainer.report());
    expect(r.step).toBe(3);
    expect(r.steps).toBe(3);
    for (const v of [r.gLoss, r.dLoss, r.dReal, r.dFake]) expect(Number.isFinite(v)).toBe(true);
    for (const v of [r.dReal, r.dFake]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    }
    expect(await trainer.report()).toBeUndefined();
    trainer.dispose();
  });

  it("moves only D's variables in D's step and only G's in G's step", async () => {
    const trainer = new GanTrainer(tinyConfig(), checker(16));
    const { generator: g, discriminator: d } = trainer.model;
    const snap = (p: Params) => readParams(p);
    const z = () => tf.randomNormal([8, 16]) as tf.Tensor2D;
    const reals = tf.tensor4d(checker(16).pixels, [8, 16, 16, 3]);
    const optD = new Adam(d.params, { lr: 1e-2, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
    const optG = new Adam(g.params, { lr: 1e-2, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });

    let [g0, d0] = [await snap(g.params), await snap(d.params)];
    const dr = discriminatorStep(trainer.model, optD, reals, z());
    expect(maxChange(g0, await snap(g.params))).toBe(0);
    expect(maxChange(d0, await snap(d.params))).toBeGreaterThan(0);

    [g0, d0] = [await snap(g.params), await snap(d.params)];
    const gl = generatorStep(trainer.model, optG, z());
    expect(maxChange(d0, await snap(d.params))).toBe(0);
    expect(maxChange(g0, await snap(g.params))).toBeGreaterThan(0);
    tf.dispose([reals, dr.dLoss, dr.dReal, dr.dFake, gl]);
    optD.dispose();
    optG.dispose();
    trainer.dispose();
  });

  it('renders the fixed-latent grid as RGBA with gaps, the same twice without training', async () => {
    const trainer = new GanTrainer(tinyConfig({ gridSide: 3 }), checker(16));
    const a = await trainer.renderGrid();
    expect(a.width).toBe(3 * 17 - 1);
    expect(a.height).toBe(3 * 17 - 1);
    expect(a.pixels.length).toBe(a.width * a.height * 4);
    expect(a.pixels[16 * 4 + 3]).toBe(0); // the gap column is transparent
    expect(a.pixels[3]).toBe(255);
    const b = await trainer.renderGrid();
    expect(Array.from(b.pixels)).toEqual(Array.from(a.pixels));
    trainer.dispose();
  });

  it('rolls back to a snapshot exactly: the same next losses, after NaN poisoning too', async () => {
    const trainer = new GanTrainer(tinyConfig(), checker(16));
    for (let i = 0; i < 3; i++) trainer.trainStep();
    await trainer.report();
    const snap = trainer.snapshot();
    const weights = await readParams(trainer.model.generator.params);
    trainer.trainStep();
    const first = asGan(await trainer.report());
    trainer.poison();
    trainer.trainStep();
    const poisoned = asGan(await trainer.report());
    expect(Number.isFinite(poisoned.gLoss)).toBe(false);
    trainer.rollback(snap);
    expect(trainer.step).toBe(3);
    expect(maxChange(weights, await readParams(trainer.model.generator.params))).toBe(0);
    trainer.trainStep();
    const again = asGan(await trainer.report());
    expect(again).toEqual(first);
    disposeMemento(snap);
    trainer.dispose();
  });

  it('trains with DiffAugment, x-flip and ADA: memory flat, p reported and adapting', async () => {
    const trainer = new GanTrainer(
      tinyConfig({ augColor: true, augTranslation: true, augCutout: true, xflip: true, ada: true, reportEvery: 2, lrD: 5e-3, lrG: 1e-6 }),
      checker(16),
    );
    trainer.trainStep();
    await trainer.report();
    await trainer.renderAugmented();
    const before = tf.memory().numTensors;
    const ps: number[] = [];
    for (let i = 0; i < 8; i++) {
      trainer.trainStep();
      trainer.trainStep();
      ps.push(asGan(await trainer.report()).augmentP);
    }
    const shown = await trainer.renderAugmented(8);
    expect(shown.width).toBe(4 * 17 - 1);
    expect(tf.memory().numTensors).toBe(before);
    // G barely learns (lrG tiny), so D soon tells reals apart with certainty: p must rise.
    expect(ps[ps.length - 1]).toBeGreaterThan(0);
    trainer.dispose();
  });

  it('reports p = 1 with fixed augmentation and 0 without', async () => {
    for (const [cfg, p] of [
      [{ augCutout: true }, 1],
      [{}, 0],
    ] as const) {
      const trainer = new GanTrainer(tinyConfig(cfg), checker(16));
      trainer.trainStep();
      expect(asGan(await trainer.report()).augmentP).toBe(p);
      trainer.dispose();
    }
  });

  it('learns a trivially learnable dataset: samples move toward one constant image', async () => {
    const set = checker(16);
    const target = set.pixels.subarray(0, 16 * 16 * 3);
    const trainer = new GanTrainer(tinyConfig({ lrG: 1e-3, lrD: 1e-3, gridSide: 2 }), set);
    const distance = async () => {
      const grid = tf.tidy(() => trainer.model.generator.apply(tf.randomNormal([8, 16], 0, 1, 'float32', 3) as tf.Tensor2D));
      const v = await grid.data();
      grid.dispose();
      let s = 0;
      for (let i = 0; i < v.length; i++) s += Math.abs(v[i]! - target[i % target.length]!);
      return s / v.length;
    };
    const start = await distance();
    for (let i = 0; i < 150; i++) trainer.trainStep();
    const end = await distance();
    expect(end).toBeLessThan(start * 0.6);
    trainer.dispose();
  });
});

describe('GanTrainer state export and import', () => {
  it('continues exactly: a trainer restored from an exported state gives the same next losses', async () => {
    const config = tinyConfig({ augTranslation: true, ada: true, lrD: 5e-3 });
    const a = new GanTrainer(config, checker(16));
    for (let i = 0; i < 4; i++) a.trainStep();
    await a.report();
    const state = await a.exportState();
    a.trainStep();
    a.trainStep();
    const expected = (await a.report())!;

    const b = new GanTrainer(config, checker(16));
    expect(b.importState(state)).toBeUndefined();
    expect(b.step).toBe(4);
    b.trainStep();
    b.trainStep();
    expect((await b.report())!).toEqual(expected);
    a.dispose();
    b.dispose();
  });

  it('refuses a state that does not fit the model, before assigning anything', async () => {
    const a = new GanTrainer(tinyConfig(), checker(16));
    const state = await a.exportState();
    const wider = new GanTrainer(tinyConfig({ width: 16 }), checker(16));
    const before = await readParams(wider.model.generator.params);
    expect(english(wider.importState(state)!)).toMatch(/is \d+(×\d+)* but the model needs/);
    expect(maxChange(before, await readParams(wider.model.generator.params))).toBe(0);
    delete state.params['d.fc.b'];
    expect(english(a.importState(state)!)).toBe('the saved weights has no d.fc.b');
    a.dispose();
    wider.dispose();
  });
});

describe('config in the URL', () => {
  it('round-trips every field through URL parameters', async () => {
    const { configFromParams, configToParams, DEFAULT_CONFIG } = await import('../../src/contract/config.ts');
    const custom = {
      ...DEFAULT_CONFIG,
      model: 'stylegan' as const,
      res: 32 as const,
      batch: 12,
      lrD: 3e-4,
      lrG: 1e-3,
      beta1: 0,
      beta2: 0.99,
      augCutout: true,
      ada: true,
      seed: 77,
      wDim: 64,
    };
    const back = configFromParams(new URLSearchParams(configToParams(custom)), DEFAULT_CONFIG);
    expect(back.issues).toEqual([]);
    expect(back.config).toEqual(custom);
    expect(configFromParams(new URLSearchParams('batch=-3&ada=maybe'), DEFAULT_CONFIG).issues.map((i) => i.field)).toEqual(['ada', 'batch']);
  });
});
