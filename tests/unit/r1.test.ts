import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDcganDiscriminator } from '../../src/gan/nn/models/dcgan.ts';
import { buildStyleDiscriminator } from '../../src/gan/nn/models/stylegan-d.ts';
import type { Discriminator } from '../../src/gan/nn/models/types.ts';
import { disposeParams, readParams } from '../../src/gan/nn/params.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { defaultR1Gamma, installComparisonGradient, r1GammaOf, r1Penalty, r1Step } from '../../src/gan/train/r1.ts';
import { useCpuBackend, useFastBackend } from '../helpers/tf.ts';

/** 8 px, 4–8 channels, minibatch stddev on (groups of 2 at batch 4): small enough for finite differences. */
function tinyD(seed: number): Discriminator {
  const d = buildStyleDiscriminator({ res: 8, width: 4, zDim: 1, wDim: 1, mappingLayers: 1 }, new Rng(seed));
  // A 10× output weight makes R1 ~100× larger (around 1–10): finite differences then measure
  // a value far above float32 rounding.
  const out = d.params['d.b4.out.w']!;
  out.assign(tf.tidy(() => tf.mul(out, 10)));
  return d;
}

/** DCGAN's D at 16 px, width 4 (two 4×4 stride-2 convs with tf.leakyRelu, then fc); fc ×100 lifts R1 and its slopes above float32 noise, as tinyD's ×10. */
function tinyDcganD(seed: number): Discriminator {
  const d = buildDcganDiscriminator({ res: 16, width: 4, zDim: 1 }, new Rng(seed));
  const out = d.params['d.fc.w']!;
  out.assign(tf.tidy(() => tf.mul(out, 100)));
  return d;
}

const reals = () => tf.tanh(tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1)) as tf.Tensor4D;

/** R1 with parameter `name` moved by delta · direction (then restored). */
function r1Along(d: Discriminator, x: tf.Tensor4D, name: string, direction: tf.Tensor, delta: number): number {
  const v = d.params[name]!;
  const orig = v.clone();
  v.assign(tf.tidy(() => tf.add(orig, tf.mul(direction, delta))));
  const r = tf.tidy(() => r1Penalty(d, x).dataSync()[0]!);
  v.assign(orig);
  orig.dispose();
  return r;
}

/**
 * Central difference of f at 0, on an interval with no kink. ∇ₓD changes by a jump whenever a
 * leaky ReLU's input crosses zero, so R1 is only piecewise smooth in D's parameters; a central
 * difference across such a jump measures the jump, not the slope (measured: R1 ≈ 7.8 jumps by
 * 0.05 within 1e-3 of some single weights). Shrink h until the one-sided slopes agree.
 */
function kinkFreeDifference(f: (delta: number) => number, f0: number): number {
  for (let h = 1e-2; h >= 1e-4; h /= 2) {
    const [up, down] = [f(h), f(-h)];
    const [right, left] = [(up - f0) / h, (f0 - down) / h];
    if (Math.abs(right - left) < (0.02 * Math.abs(right + left)) / 2 + 1e-4 * Math.abs(f0)) return (up - down) / (2 * h);
  }
  throw new Error('no kink-free interval found');
}

/**
 * ∂R1/∂θ along a random unit direction in each weight tensor of D (fromRGB, both convs of the
 * block, skip, the 4×4 conv, fc, out) vs a central difference along the same direction.
 * Directions, not single entries: single weights move R1 by ~0.01 per unit, too little for
 * float32 differences to resolve; a whole tensor moves it by 0.03–0.5.
 * (Biases are left out: ∇ₓD of a piecewise-linear net does not depend on them between kinks,
 * so their R1 gradient comes only through the stddev layer, and shifting a bias moves so many
 * kinks at once that no kink-free interval remains.)
 */
function checkDoubleGradient(d = tinyD(4), weights = 7, x = reals()): void {
  const { value, grads } = tf.variableGrads(() => r1Penalty(d, x), Object.values(d.params));
  const r1 = value.dataSync()[0]!;
  expect(r1).toBeGreaterThan(0.5); // not a tiny value: the check below has something to measure
  const names = Object.keys(d.params).filter((n) => n.endsWith('.w'));
  expect(names.length).toBe(weights);
  names.forEach((name, k) => {
    const v = d.params[name]!;
    const dir = tf.tidy(() => {
      const r = tf.randomNormal(v.shape, 0, 1, 'float32', 50 + k);
      return tf.div(r, tf.norm(r));
    });
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[v.name]!, dir)).dataSync()[0]!);
    const numeric = kinkFreeDifference((delta) => r1Along(d, x, name, dir, delta), r1);
    // float32: each R1 carries ~1e-6 relative rounding, ≲ 1e-2 of these slopes at h ≥ 1e-4.
    expect(Math.abs(numeric), name).toBeGreaterThan(0.02); // well above the absolute tolerance below
    expect(Math.abs(analytic - numeric), `${name}: ${analytic} vs ${numeric}`).toBeLessThan(0.03 * Math.abs(numeric) + 1e-4 * r1);
    dir.dispose();
  });
  tf.dispose([x, value, ...Object.values(grads)]);
  disposeParams(d.params);
}

/** Plain SGD over named gradients: makes r1Step's update checkable by hand. */
function namedSgd(params: Record<string, tf.Variable>, lr: number) {
  return {
    apply(grads: Record<string, tf.Tensor>) {
      for (const [n, g] of Object.entries(grads)) params[n]!.assign(tf.tidy(() => tf.sub(params[n]!, tf.mul(g, lr))));
    },
  };
}

describe('R1 on the WASM backend (our training kernels)', () => {
  it('r1Penalty = mean over the batch of ||∇ₓ D||², ∇ₓ D checked by central differences', async () => {
    await useFastBackend();
    const d = tinyD(2);
    const x = reals();
    const r1 = r1Penalty(d, x).dataSync()[0]!;
    const flat = x.dataSync().slice() as Float32Array;
    const sumD = (values: Float32Array) => tf.tidy(() => tf.sum(d.apply(tf.tensor4d(values, x.shape))).dataSync()[0]!);
    const h = 1e-3;
    const perSample = [0, 0, 0, 0];
    const size = flat.length / 4;
    for (let j = 0; j < flat.length; j++) {
      const up = flat.slice();
      const down = flat.slice();
      up[j] = up[j]! + h;
      down[j] = down[j]! - h;
      const g = (sumD(up) - sumD(down)) / (2 * h);
      perSample[Math.floor(j / size)]! += g * g;
    }
    const numeric = perSample.reduce((a, b) => a + b) / 4;
    expect(numeric).toBeGreaterThan(0.5);
    expect(Math.abs(r1 - numeric)).toBeLessThan(0.01 * numeric);
    tf.dispose(x);
    disposeParams(d.params);
  });

  it("its gradient w.r.t. D's parameters (a double backward) matches central differences", () => {
    checkDoubleGradient();
  });

  it('r1Step moves D only, by γ/2 · interval · ∇R1, and keeps numTensors flat', async () => {
    const d = tinyD(4);
    const x = reals();
    const opt = namedSgd(d.params, 1e-3);
    const before = await readParams(d.params);
    const { grads } = tf.variableGrads(() => r1Penalty(d, x), Object.values(d.params));
    const g = grads[d.params['d.b4.fc.w']!.name]!.dataSync()[5]!;
    expect(grads[d.params['d.b4.out.b']!.name]).toBeUndefined(); // the last bias never changes ∇ₓD
    tf.dispose(r1Step(d, opt, x, 0.5, 4));
    const after = (await readParams(d.params))['d.b4.fc.w']![5]!;
    // SGD: Δθ = −lr · (γ/2 · interval) · ∂R1/∂θ = −1e-3 · 1 · g
    expect(after - before['d.b4.fc.w']![5]!).toBeCloseTo(-1e-3 * g, 6);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(r1Step(d, opt, x, 0.5, 4));
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, ...Object.values(grads)]);
    disposeParams(d.params);
  });

  it("tfjs's own leakyRelu differentiates twice once Greater has its (zero) gradient", () => {
    const w = tf.variable(tf.tensor1d([1, 2, 1]));
    const x = tf.tensor1d([1, -2, 3]);
    // r1 = Σ (∂/∂t leakyRelu(t·w))² = Σ (w·s)², s = 1 where t·w > 0 else 0.2; ∂r1/∂w = 2·w·s².
    const r1 = () => tf.sum(tf.square(tf.grad((t: tf.Tensor) => tf.sum(tf.leakyRelu(tf.mul(t, w), 0.2)))(x))) as tf.Scalar;
    installComparisonGradient();
    const { value, grads } = tf.variableGrads(r1, [w]);
    expect(value.dataSync()[0]).toBeCloseTo(1 + 0.16 + 1, 6);
    const g = Array.from(grads[w.name]!.dataSync());
    [2, 0.16, 2].forEach((want, i) => expect(g[i]).toBeCloseTo(want, 6));
    tf.dispose([w, x, value, ...Object.values(grads)]);
  });

  it("DCGAN's D (tf.leakyRelu, no batch norm): R1's gradient w.r.t. its weights matches central differences", async () => {
    await useFastBackend();
    checkDoubleGradient(tinyDcganD(3), 3, tf.tanh(tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 1)) as tf.Tensor4D);
  });
});

describe('R1 on the CPU backend (the reference)', () => {
  afterAll(useFastBackend);
  it("its gradient w.r.t. D's parameters matches central differences", async () => {
    await useCpuBackend();
    checkDoubleGradient();
  });
});

describe('r1GammaOf', () => {
  const c = { res: 32, batch: 32, r1Gamma: 2 } as const;
  it('auto: the heuristic for StyleGAN, R1 off for DCGAN (old DCGAN projects carry auto and trained without R1)', () => {
    expect(r1GammaOf({ ...c, model: 'stylegan', r1GammaAuto: true })).toBeCloseTo(0.0064, 12);
    expect(r1GammaOf({ ...c, model: 'dcgan', r1GammaAuto: true })).toBe(0);
  });
  it('not auto: r1Gamma, for either model', () => {
    expect(r1GammaOf({ ...c, model: 'stylegan', r1GammaAuto: false })).toBe(2);
    expect(r1GammaOf({ ...c, model: 'dcgan', r1GammaAuto: false })).toBe(2);
  });
});

describe('defaultR1Gamma', () => {
  it("is StyleGAN2-ADA's 0.0002 · res² / batch", () => {
    expect(defaultR1Gamma(32, 32)).toBeCloseTo(0.0064, 12);
    expect(defaultR1Gamma(64, 16)).toBeCloseTo(0.0512, 12);
    expect(defaultR1Gamma(256, 64)).toBeCloseTo(0.2048, 12);
  });
});
