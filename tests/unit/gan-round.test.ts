/**
 * One explicit GAN round (src/gan/train/gan-round.ts) against StyleGAN2-ADA's training loop:
 * frozen D untouched by R1 (A), R1 counted in D steps with weight r1Every (B), R1 w.r.t. the
 * un-augmented real through D's lens (F), EMA per G step with half-life batch·10/32 kimg (H),
 * lazy-regularisation Adam correction (I), γ = 0 switching R1 off (J).
 *
 * Observed from outside: Adam.prototype.apply is wrapped, and D's R1 updates are told apart from
 * its main updates by D's final bias: R1 never reaches it, so its gradient is exactly zero (as
 * NVlabs's `D(x)·0 + R1`), while the main loss always moves it.
 * Expected gradients are computed here from the public R1 penalty and D, not read from the code.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configFromParams, DEFAULT_CONFIG, type TrainConfig } from '../../src/contract/config.ts';
import { readParams } from '../../src/gan/nn/params.ts';
import type { Discriminator } from '../../src/gan/nn/models/types.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { Adam } from '../../src/gan/train/adam.ts';
import { augment } from '../../src/gan/train/augment.ts';
import { r1Penalty } from '../../src/gan/train/r1.ts';
import { gradientsByName } from '../../src/gan/train/steps.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const RES = 16;
const pattern = (x: number, y: number, c: number) => Math.sin(x / 3 + c) * Math.cos(y / 4);
/** Every image the same, so a batch's reals are known whatever indices the round draws. */
const data = () => constantSet(RES, 8, pattern);
const style = (o: Partial<TrainConfig> = {}): TrainConfig =>
  tinyConfig({
    model: 'stylegan',
    width: 8,
    wDim: 16,
    mappingLayers: 2,
    lrG: 2.5e-3,
    lrD: 2.5e-3,
    beta1: 0,
    beta2: 0.99,
    r1GammaAuto: false,
    r1Gamma: 0.5,
    ...o,
  });

function realBatch(batch: number): tf.Tensor4D {
  const s = data();
  return tf.tensor4d(s.pixels.slice(0, batch * RES * RES * 3), [batch, RES, RES, 3]);
}

interface Call {
  who: 'g' | 'd';
  r1: boolean;
  grads: Record<string, Float32Array>;
  options: Adam['options'];
}

/** Wraps Adam.apply to record every update; `before` runs ahead of the update (D's weights not yet changed). */
function watchAdam(before?: (call: Call, adam: Adam) => void): { calls: Call[]; restore: () => void } {
  const calls: Call[] = [];
  const original = Adam.prototype.apply;
  Adam.prototype.apply = function (this: Adam, grads: Record<string, tf.Tensor>) {
    const names = Object.keys(this.m);
    const who = names[0]!.startsWith('d.') ? 'd' : 'g';
    const call: Call = {
      who,
      // D's final bias: StyleGAN's d.b4.out.b, DCGAN's d.fc.b.
      r1: who === 'd' && ((grads['d.b4.out.b'] ?? grads['d.fc.b'])?.dataSync() ?? [0]).every((v) => v === 0),
      grads: Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, g.dataSync() as Float32Array])),
      options: { ...this.options },
    };
    calls.push(call);
    before?.(call, this);
    original.call(this, grads);
  };
  return { calls, restore: () => (Adam.prototype.apply = original) };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** Largest |a − b| relative to the largest |b| over every named array. */
function relError(a: Record<string, Float32Array>, b: Record<string, tf.Tensor>): number {
  let diff = 0;
  let scale = 0;
  for (const [n, t] of Object.entries(b)) {
    const want = t.dataSync();
    const got = a[n]!;
    for (let i = 0; i < want.length; i++) {
      diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
      scale = Math.max(scale, Math.abs(want[i]!));
    }
  }
  return diff / scale;
}

/**
 * Watches the optimiser (undone after the test); each R1 update's gradient is compared with
 * γ/2 · k · ∇R1 on `reals`, and the relative errors are kept.
 */
function watchR1(d: Discriminator, reals: tf.Tensor4D, gamma: number, k: number): { errors: number[]; calls: Call[] } {
  const errors: number[] = [];
  const w = watchAdam((call) => {
    if (!call.r1) return;
    const expected = tf.tidy(() => gradientsByName(d.params, () => tf.mul(r1Penalty(d, reals), (gamma / 2) * k) as tf.Scalar).grads);
    errors.push(relError(call.grads, expected));
    tf.dispose(Object.values(expected));
  });
  restore = w.restore;
  return { errors, calls: w.calls };
}

describe('the GAN round: R1 (StyleGAN2-ADA lazy regularisation)', () => {
  it('A: a frozen D (dSteps 0) is not changed by R1, even with r1Every 1', async () => {
    const trainer = new GanTrainer(style({ dSteps: 0, gSteps: 1, r1Every: 1 }), data());
    const d = trainer.model.discriminator.params;
    const before = await readParams(d);
    for (let i = 0; i < 2; i++) trainer.trainStep();
    const after = await readParams(d);
    const changed = Object.keys(before).filter((n) => before[n]!.some((v, i) => v !== after[n]![i]));
    expect(changed).toEqual([]);
    trainer.dispose();
  });

  it('B: with dSteps 2, R1 runs every r1Every-th D step with weight γ/2 · r1Every', async () => {
    const k = 3;
    const config = style({ dSteps: 2, gSteps: 1, r1Every: k });
    const trainer = new GanTrainer(config, data());
    const d = trainer.model.discriminator;
    const reals = realBatch(config.batch);
    const { errors, calls } = watchR1(d, reals, config.r1Gamma, k);
    for (let i = 0; i < 3; i++) trainer.trainStep(); // 6 D steps: R1 after D steps 0 and 3
    const dCalls = calls.filter((c) => c.who === 'd');
    expect(dCalls.map((c) => (c.r1 ? 'R' : 'D')).join('')).toBe('DRDDDRDD');
    for (const e of errors) expect(e).toBeLessThan(1e-4);
    reals.dispose();
    trainer.dispose();
  });

  it('F: R1 is taken w.r.t. the un-augmented real through the augmentation (cutout and translation)', async () => {
    const config = style({ dSteps: 1, gSteps: 1, r1Every: 1, augTranslation: true, augCutout: true });
    const trainer = new GanTrainer(config, data());
    const d = trainer.model.discriminator;
    const augRng = (trainer as unknown as { augRng: Rng }).augRng;
    const reals = realBatch(config.batch);
    const policy = { color: false, translation: true, cutout: true };
    let atMain: ReturnType<Rng['save']> | undefined;
    const errors: number[] = [];
    const w = watchAdam((call) => {
      if (call.who !== 'd') return;
      // D's main update comes right before its R1: the stream's position then is where R1's draws start.
      if (!call.r1) return void (atMain = augRng.save());
      const draws = new Rng(0);
      draws.restore(atMain!);
      const lens = (x: tf.Tensor4D) => augment(x, policy, 1, draws);
      const expected = tf.tidy(() => gradientsByName(d.params, () => tf.mul(r1Penalty(d, reals, lens), config.r1Gamma / 2) as tf.Scalar).grads);
      errors.push(relError(call.grads, expected));
      tf.dispose(Object.values(expected));
    });
    restore = w.restore;
    for (let i = 0; i < 2; i++) trainer.trainStep();
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toBeLessThan(1e-4);
    reals.dispose();
    trainer.dispose();
  });

  it('F (the penalty): ‖∇ₓ D(lens(x))‖², not ‖∇D‖² at lens(x): a lens that halves the image quarters the penalty', () => {
    const trainer = new GanTrainer(style(), data());
    const d = trainer.model.discriminator;
    const x = realBatch(4);
    const lens = (img: tf.Tensor4D) => tf.mul(img, 0.5) as tf.Tensor4D;
    const [through, at] = tf.tidy(() => [r1Penalty(d, x, lens), r1Penalty(d, lens(x))].map((t) => t.dataSync()[0]!));
    // y = x/2, so ∇ₓD(y) = ½ ∇_y D(y) and its square norm is a quarter of the one at y.
    expect(at).toBeGreaterThan(0);
    expect(through! / at!).toBeCloseTo(0.25, 5);
    x.dispose();
    trainer.dispose();
  });

  it('J: r1Gamma 0 switches R1 off; the heuristic is the default and a link naming r1Gamma sets it', () => {
    const trainer = new GanTrainer(style({ r1Gamma: 0, r1Every: 1 }), data());
    const w = watchAdam();
    restore = w.restore;
    for (let i = 0; i < 2; i++) trainer.trainStep();
    expect(w.calls.filter((c) => c.r1)).toHaveLength(0);
    expect(w.calls.filter((c) => c.who === 'd')).toHaveLength(2);
    trainer.dispose();
    expect(DEFAULT_CONFIG.r1GammaAuto).toBe(true);
    const off = configFromParams(new URLSearchParams('model=stylegan&r1Gamma=0'), DEFAULT_CONFIG).config;
    expect([off.r1GammaAuto, off.r1Gamma]).toEqual([false, 0]);
    const set = configFromParams(new URLSearchParams('model=stylegan&r1Gamma=2'), DEFAULT_CONFIG).config;
    expect([set.r1GammaAuto, set.r1Gamma]).toEqual([false, 2]);
    const auto = configFromParams(new URLSearchParams('model=stylegan&r1Gamma=2&r1GammaAuto=1'), DEFAULT_CONFIG).config;
    expect(auto.r1GammaAuto).toBe(true);
  });

  it('J: with the heuristic on, R1 runs with γ = 0.0002·res²/batch', () => {
    const config = style({ r1GammaAuto: true, r1Gamma: 0, r1Every: 1, dSteps: 1, gSteps: 1 });
    const trainer = new GanTrainer(config, data());
    const d = trainer.model.discriminator;
    const reals = realBatch(config.batch);
    const errors: number[] = [];
    const w = watchAdam((call) => {
      if (!call.r1) return;
      const gamma = (0.0002 * RES * RES) / config.batch;
      const expected = tf.tidy(() => gradientsByName(d.params, () => tf.mul(r1Penalty(d, reals), gamma / 2) as tf.Scalar).grads);
      errors.push(relError(call.grads, expected));
      tf.dispose(Object.values(expected));
    });
    restore = w.restore;
    trainer.trainStep();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeLessThan(1e-4);
    reals.dispose();
    trainer.dispose();
  });

  it("I: D's Adam takes lr·c and β^c with c = r1Every/(r1Every + 1); G's and an unregularised D's do not", () => {
    const config = style({ r1Every: 4, beta1: 0.5, beta2: 0.99, lrD: 2e-3, lrG: 1e-3 });
    const trainer = new GanTrainer(config, data());
    const w = watchAdam();
    restore = w.restore;
    trainer.trainStep();
    const c = 4 / 5;
    const d = w.calls.find((x) => x.who === 'd')!.options;
    expect(d.lr).toBeCloseTo(2e-3 * c, 12);
    expect(d.beta1).toBeCloseTo(0.5 ** c, 12);
    expect(d.beta2).toBeCloseTo(0.99 ** c, 12);
    const g = w.calls.find((x) => x.who === 'g')!.options;
    expect([g.lr, g.beta1, g.beta2]).toEqual([1e-3, 0.5, 0.99]);
    trainer.dispose();
    w.calls.length = 0;
    const plain = new GanTrainer(style({ r1Gamma: 0, beta1: 0.5, lrD: 2e-3 }), data());
    plain.trainStep();
    expect(w.calls.find((x) => x.who === 'd')!.options.lr).toBe(2e-3);
    plain.dispose();
  });
});

describe('the GAN round: R1 for DCGAN (issue #15: a D stabiliser)', () => {
  const dcgan = (o: Partial<TrainConfig> = {}) => tinyConfig({ model: 'dcgan', ...o });

  it("with r1Gamma set, DCGAN's D gets lazy R1 every r1Every-th D step, by γ/2 · r1Every · ∇R1, with Adam's lazy correction", () => {
    const k = 2;
    const config = dcgan({ r1GammaAuto: false, r1Gamma: 2, r1Every: k });
    const trainer = new GanTrainer(config, data());
    const d = trainer.model.discriminator;
    const reals = realBatch(config.batch);
    const { errors, calls } = watchR1(d, reals, config.r1Gamma, k);
    for (let i = 0; i < 4; i++) trainer.trainStep(); // R1 after D steps 0 and 2
    const dCalls = calls.filter((c) => c.who === 'd');
    expect(dCalls.map((c) => (c.r1 ? 'R' : 'D')).join('')).toBe('DRDDRD');
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toBeLessThan(1e-4);
    expect(dCalls[0]!.options.lr).toBeCloseTo(config.lrD * (k / (k + 1)), 12);
    reals.dispose();
    trainer.dispose();
  });

  it("DCGAN's default, and r1GammaAuto (what DCGAN projects saved before this carry), train without R1", () => {
    for (const config of [dcgan(), dcgan({ r1GammaAuto: true, r1Gamma: 0.5 })]) {
      const trainer = new GanTrainer(config, data());
      const w = watchAdam();
      for (let i = 0; i < 2; i++) trainer.trainStep();
      w.restore();
      expect(w.calls.filter((c) => c.who === 'd').map((c) => (c.r1 ? 'R' : 'D'))).toEqual(['D', 'D']);
      expect(w.calls.find((c) => c.who === 'd')!.options.lr).toBe(config.lrD);
      trainer.dispose();
    }
  });
});

describe('the GAN round: EMA and w̄ (H)', () => {
  it('updates the EMA once per G step with β = 0.5^(batch / (batch·10/32 kimg))', async () => {
    const config = style({ dSteps: 1, gSteps: 2, emaRampup: 0, r1Gamma: 0 });
    const trainer = new GanTrainer(config, data());
    const g = trainer.model.generator.params;
    const ema0 = await readParams(g); // the EMA starts as a copy of G
    const afterG: Record<string, Float32Array>[] = [];
    const original = Adam.prototype.apply;
    Adam.prototype.apply = function (this: Adam, grads: Record<string, tf.Tensor>) {
      original.call(this, grads);
      if (Object.keys(this.m)[0]!.startsWith('g.')) afterG.push(Object.fromEntries(Object.entries(g).map(([n, v]) => [n, v.dataSync() as Float32Array])));
    };
    restore = () => (Adam.prototype.apply = original);
    trainer.trainStep();
    expect(afterG).toHaveLength(2);
    const halfLife = (config.batch * 10_000) / 32; // 2,500 images at batch 8
    const beta = 0.5 ** (config.batch / halfLife);
    const state = await trainer.exportState();
    let worst = 0;
    for (const name of Object.keys(ema0)) {
      const got = state.params[`ema.${name}`]!.data;
      for (let i = 0; i < got.length; i++) {
        let e = ema0[name]![i]!;
        for (const gs of afterG) e = beta * e + (1 - beta) * gs[name]![i]!;
        worst = Math.max(worst, Math.abs(got[i]! - e) / (Math.abs(e) + 1e-3));
      }
    }
    expect(worst).toBeLessThan(1e-4);
    trainer.dispose();
  });

  it('ramps the half-life up (rampup × images seen): the first G step copies G into the EMA', async () => {
    const trainer = new GanTrainer(style({ dSteps: 1, gSteps: 1, emaRampup: 0.05, r1Gamma: 0 }), data());
    trainer.trainStep();
    const state = await trainer.exportState();
    const g = await readParams(trainer.model.generator.params);
    for (const [name, v] of Object.entries(g)) expect(Array.from(state.params[`ema.${name}`]!.data)).toEqual(Array.from(v));
    trainer.dispose();
  });
});

describe('the GAN round: memory', () => {
  it('keeps numTensors flat across rounds with R1 every D step, two D steps, mixing and augmentation', async () => {
    const trainer = new GanTrainer(style({ dSteps: 2, gSteps: 2, r1Every: 1, augTranslation: true, augColor: true, ada: true, reportEvery: 2 }), data());
    trainer.trainStep();
    await trainer.report();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) trainer.trainStep();
    await trainer.report();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
