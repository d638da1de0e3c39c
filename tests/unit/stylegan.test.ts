import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { discriminatorLoss, generatorLoss } from '../../src/gan/train/losses.ts';
import { buildStylegan, isStyleGan, mixStyles, truncate, updateWAvg, type StyleGanModel } from '../../src/gan/nn/models/stylegan.ts';
import { buildStyleDiscriminator, minibatchStddev } from '../../src/gan/nn/models/stylegan-d.ts';
import { mbstdGroupSize } from '../../src/contract/mbstd.ts';
import { act, modulatedConv } from '../../src/gan/nn/models/stylegan-layers.ts';
import { buildModel } from '../../src/gan/nn/models/index.ts';
import type { Discriminator } from '../../src/gan/nn/models/types.ts';
import { disposeParams } from '../../src/gan/nn/params.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { countParams } from '../../src/gan/nn/params.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

const TINY = { res: 16, width: 8, zDim: 8, wDim: 16, mappingLayers: 2 };
const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function withModel(opts: Partial<typeof TINY>, seed: number, fn: (m: StyleGanModel) => void): void {
  const m = buildStylegan({ ...TINY, ...opts }, new Rng(seed));
  try {
    fn(m);
  } finally {
    m.dispose();
  }
}

describe('StyleGAN shapes and parameters', () => {
  it('maps z → w → images [B, R, R, 3] and images → logits [B, 1] at 16, 32 and 64 px', () => {
    for (const res of [16, 32, 64]) {
      withModel({ res, width: 4 }, 1, (m) => {
        const z = randn([3, 8], 1) as tf.Tensor2D;
        const w = m.mapping(z);
        expect(w.shape).toEqual([3, 16]);
        const n = Math.log2(res) * 2 - 2;
        expect(m.numWs).toBe(n);
        expect(m.layerResolutions).toEqual(Array.from({ length: n }, (_, i) => 4 * 2 ** Math.floor(i / 2)));
        const img = m.generator.apply(z);
        expect(img.shape).toEqual([3, res, res, 3]);
        const ws = mixStyles(w, w, new Array(n).fill(false));
        expect(ws.shape).toEqual([3, n, 16]);
        expect(m.synthesis(ws, 'zero').shape).toEqual([3, res, res, 3]);
        expect(m.discriminator.apply(img).shape).toEqual([3, 1]);
        tf.dispose([z, w, img, ws]);
      });
    }
  });

  it('has the parameter counts of the layout, counted layer by layer', () => {
    withModel({}, 1, (m) => {
      const wd = 16;
      // Channels: 4 px → 16 (capped at 2·width), 8 px → 16, 16 px → 8.
      const styled = (cin: number, cout: number) => 9 * cin * cout + cout + (wd * cin + cin) + 1; // conv, bias, affine, noise strength
      const rgb = (cin: number) => 3 * cin + 3 + (wd * cin + cin);
      const mapping = 8 * wd + wd + (wd * wd + wd);
      const g = mapping + 16 * 16 + styled(16, 16) + rgb(16) + 2 * styled(16, 16) + rgb(16) + styled(16, 8) + styled(8, 8) + rgb(8);
      const d =
        3 * 8 +
        8 + // fromRGB
        (9 * 8 * 8 + 8) +
        (9 * 8 * 16 + 16) +
        8 * 16 + // block 16: conv0, conv1 (down), skip
        (9 * 16 * 16 + 16) +
        (9 * 16 * 16 + 16) +
        16 * 16 + // block 8
        (9 * 17 * 16 + 16) +
        (16 * 16 * 16 + 16) +
        (16 + 1); // 4×4: conv over 16 + stddev channel, fc, out
      expect(countParams(m.generator.params)).toBe(g);
      expect(countParams(m.discriminator.params)).toBe(d);
      const names = Object.keys(m.generator.params);
      for (const n of ['g.map0.w', 'g.const', 'g.b4.conv1.w', 'g.b8.conv0.w', 'g.b8.conv0.affine.w', 'g.b8.noise0.strength', 'g.b16.rgb.affine.b']) {
        expect(names).toContain(n);
      }
      expect(Object.keys(m.discriminator.params).every((n) => n.startsWith('d.'))).toBe(true);
      expect(Object.keys(m.buffers)).toEqual(['g.wAvg', 'g.resample']);
      expect(Array.from(m.buffers['g.resample']!.dataSync())).toEqual([0.125, 0.375, 0.375, 0.125]);
    });
  });

  it('is deterministic for a seed and different across seeds', () => {
    const read = (seed: number) => {
      let v: number[] = [];
      withModel({}, seed, (m) => (v = Array.from(m.generator.params['g.b8.conv0.w']!.dataSync().slice(0, 8))));
      return v;
    };
    expect(read(3)).toEqual(read(3));
    expect(read(3)).not.toEqual(read(4));
  });
});

/** Per-sample modulated weights and one conv per sample: the definition, not the shortcut. */
function modulatedConvReference(x: tf.Tensor4D, w: tf.Tensor4D, s: tf.Tensor2D, demod: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, cin] = w.shape;
    const outs = tf.unstack(x).map((xb, b) => {
      let wb = tf.mul(tf.mul(w, 1 / Math.sqrt(kh * kw * cin)), tf.reshape(tf.slice(s, [b, 0], [1, cin]), [1, 1, cin, 1]));
      if (demod) wb = tf.div(wb, tf.sqrt(tf.add(tf.sum(tf.square(wb), [0, 1, 2], true), 1e-8)));
      return tf.conv2d(xb as tf.Tensor3D, wb as tf.Tensor4D, 1, 'same');
    });
    return tf.stack(outs) as tf.Tensor4D;
  });
}

describe('modulated convolution', () => {
  it('equals per-sample modulated (and demodulated) weights convolved one sample at a time', () => {
    const x = randn([3, 5, 5, 4], 1) as tf.Tensor4D;
    const s = tf.add(randn([3, 4], 2), 1) as tf.Tensor2D;
    for (const [k, demod] of [
      [3, true],
      [3, false],
      [1, false],
    ] as const) {
      const w = randn([k, k, 4, 6], 3) as tf.Tensor4D;
      const got = modulatedConv(x, w, s, demod);
      const want = modulatedConvReference(x, w, s, demod);
      const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]!);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5 * scale);
      tf.dispose([w, got, want]);
    }
    tf.dispose([x, s]);
  });

  it('demodulation keeps the output std near 1 for unit-variance input and random styles', () => {
    const x = randn([8, 12, 12, 32], 4) as tf.Tensor4D;
    const w = randn([3, 3, 32, 32], 5) as tf.Tensor4D;
    // Styles far from 1 on purpose: their scale must not reach the output.
    const s = tf.mul(tf.add(randn([8, 32], 6), 1), 3) as tf.Tensor2D;
    const std = (demod: boolean) => tf.tidy(() => Math.sqrt(tf.moments(modulatedConv(x, w, s, demod)).variance.dataSync()[0]!));
    expect(std(true)).toBeGreaterThan(0.8);
    expect(std(true)).toBeLessThan(1.25);
    expect(std(false)).toBeGreaterThan(2); // without demodulation the styles' scale comes through
    tf.dispose([x, w, s]);
  });
});

/** D's logits for `x`, one batch. */
const logits = (d: Discriminator, x: tf.Tensor4D) => Array.from(d.apply(x).dataSync());

/**
 * Finding G of issue 15: D's main step pushes [reals; fakes] (2B images) through D, the G step
 * the B fakes and R1 the B reals. Minibatch stddev must group each image with the same others
 * in all three, so each logit of the 2B pass equals the logit of its half alone.
 */
function expectSameGroupsInEveryStep(d: Discriminator, batch: number, seed: number): void {
  const reals = tf.tanh(randn([batch, 16, 16, 3], seed)) as tf.Tensor4D;
  const fakes = tf.tanh(tf.mul(randn([batch, 16, 16, 3], seed + 1), 0.3)) as tf.Tensor4D;
  const both = tf.concat([reals, fakes], 0);
  const joint = logits(d, both);
  const apart = [...logits(d, reals), ...logits(d, fakes)];
  joint.forEach((l, i) => expect(l, `image ${i} of ${2 * batch}`).toBeCloseTo(apart[i]!, 5));
  tf.dispose([reals, fakes, both]);
}

describe("D's minibatch stddev", () => {
  it('groups from the training batch: a divisor of B from 2 to 4, else all of B', () => {
    expect([4, 8, 10, 12, 6, 16, 5, 7, 2, 1].map((b) => mbstdGroupSize(b, 4))).toEqual([4, 4, 2, 4, 3, 4, 5, 7, 2, 1]);
  });

  it('batch 4: the same groups in the D step (2B), the G step and R1 (B)', () => {
    const d = buildStyleDiscriminator({ ...TINY, batch: 4 }, new Rng(20));
    expectSameGroupsInEveryStep(d, 4, 30);
    disposeParams(d.params);
  });

  it('batch 10, the model as the trainer builds it: the same groups, and never a group of one', () => {
    const m = buildModel(tinyConfig({ model: 'stylegan', batch: 10, zDim: 8, wDim: 16, mappingLayers: 2 }), new Rng(21));
    expectSameGroupsInEveryStep(m.discriminator, 10, 31);
    // A group of one makes the feature the constant √1e-8: then two different batches of one
    // image would read the same stddev. Groups of two read the spread of each pair.
    const pair = tf.tanh(randn([10, 16, 16, 3], 32)) as tf.Tensor4D;
    const same = tf.concat([tf.slice(pair, [0], [1]), tf.slice(pair, [0], [1])], 0);
    const l = logits(m.discriminator, tf.concat([same, tf.slice(pair, [2], [8])], 0));
    const l2 = logits(m.discriminator, pair);
    expect(Math.abs(l[0]! - l2[0]!)).toBeGreaterThan(1e-4); // image 0 with a twin vs with another image
    tf.dispose([pair, same]);
    if (isStyleGan(m)) m.dispose();
  });

  it('appends the mean per-feature std of consecutive groups', () => {
    const x = randn([4, 2, 2, 3], 10) as tf.Tensor4D;
    const v = Array.from(x.dataSync());
    const y = minibatchStddev(x, 2); // groups of 2: samples {0, 1} and {2, 3}
    expect(y.shape).toEqual([4, 2, 2, 4]);
    const per = 12;
    const groupStat = (i: number, j: number) => {
      let s = 0;
      for (let k = 0; k < per; k++) s += Math.sqrt(((v[i * per + k]! - v[j * per + k]!) / 2) ** 2 + 1e-8);
      return s / per;
    };
    const out = y.dataSync();
    expect(out[3]).toBeCloseTo(groupStat(0, 1), 5);
    expect(out[1 * 16 + 15]).toBeCloseTo(groupStat(0, 1), 5);
    expect(out[2 * 16 + 3]).toBeCloseTo(groupStat(2, 3), 5);
    tf.dispose([x, y]);
  });

  it("the activation's custom gradient equals leaky ReLU's (times √2)", () => {
    const x = randn([50], 11);
    const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(act(t), x)))(x);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mul(tf.leakyRelu(t, 0.2), Math.SQRT2), x)))(x);
    expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-6);
    tf.dispose([x, g1, g2]);
  });
});

describe('styles, noise and truncation', () => {
  it('with noise strength 0 (its init), random noise changes nothing; with strength > 0 it does', () => {
    withModel({}, 2, (m) => {
      const z = randn([2, 8], 12) as tf.Tensor2D;
      const ws = tf.tidy(() => {
        const w = m.mapping(z);
        return mixStyles(w, w, new Array(m.numWs).fill(false));
      });
      const [a, b, c] = [m.synthesis(ws, 'random'), m.synthesis(ws, 'random'), m.synthesis(ws, 'zero')];
      expect(maxAbsDiff(a, b)).toBe(0);
      expect(maxAbsDiff(a, c)).toBe(0);
      const strength = m.generator.params['g.b8.noise1.strength']!;
      strength.assign(tf.fill(strength.shape, 0.5));
      const [d, e] = [m.synthesis(ws, 'random'), m.synthesis(ws, 'random')];
      const [f, g] = [m.synthesis(ws, { seed: 5 }), m.synthesis(ws, { seed: 5 })];
      expect(maxAbsDiff(d, e)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(f, g)).toBe(0);
      tf.dispose([z, ws, a, b, c, d, e, f, g]);
    });
  });

  it('mixing with every layer from A gives A exactly; coarse layers from B change the image', () => {
    withModel({}, 3, (m) => {
      const wA = m.mapping(randn([2, 8], 13) as tf.Tensor2D);
      const wB = m.mapping(randn([2, 8], 14) as tf.Tensor2D);
      const onlyA = m.synthesis(mixStyles(wA, wB, new Array(m.numWs).fill(false)), 'zero');
      const viaZ = m.sample(randn([2, 8], 13) as tf.Tensor2D, 'zero');
      const coarseB = m.synthesis(
        mixStyles(
          wA,
          wB,
          m.layerResolutions.map((r) => r <= 8),
        ),
        'zero',
      );
      expect(maxAbsDiff(onlyA, viaZ)).toBe(0);
      expect(maxAbsDiff(onlyA, coarseB)).toBeGreaterThan(1e-3);
      tf.dispose([wA, wB, onlyA, viaZ, coarseB]);
    });
  });

  it('truncation and the w average follow their formulas', () => {
    const w = tf.tensor2d([
      [1, 2],
      [3, 6],
    ]);
    const avg = tf.variable(tf.tensor1d([1, 0]), false);
    expect(Array.from(truncate(w, avg, 0).dataSync())).toEqual([1, 0, 1, 0]);
    expect(Array.from(truncate(w, avg, 1).dataSync())).toEqual([1, 2, 3, 6]);
    expect(Array.from(truncate(w, avg, 0.5).dataSync())).toEqual([1, 1, 2, 3]);
    updateWAvg(avg, w, 0.75); // mean (2, 4): 0.75·(1, 0) + 0.25·(2, 4) = (1.25, 1)
    expect(Array.from(avg.dataSync())).toEqual([1.25, 1]);
    tf.dispose([w, avg]);
  });
});

describe('StyleGAN training', () => {
  it('D and G steps with the non-saturating loss: finite losses, both move, numTensors flat', () => {
    withModel({}, 4, (m) => {
      const optD = tf.train.adam(2e-3, 0, 0.99);
      const optG = tf.train.adam(2e-3, 0, 0.99);
      const reals = tf.tanh(randn([4, 16, 16, 3], 15)) as tf.Tensor4D;
      const step = (i: number): [number, number] => {
        const z = randn([4, 8], 100 + i) as tf.Tensor2D;
        const d = tf.tidy(() => {
          const fakes = m.generator.apply(z);
          return optD.minimize(
            () => discriminatorLoss(m.discriminator.apply(reals), m.discriminator.apply(fakes)),
            true,
            Object.values(m.discriminator.params),
          )!;
        });
        const g = optG.minimize(() => generatorLoss(m.discriminator.apply(m.generator.apply(z))), true, Object.values(m.generator.params))!;
        tf.tidy(() => updateWAvg(m.wAvg, m.mapping(z), 0.995));
        const out: [number, number] = [d.dataSync()[0]!, g.dataSync()[0]!];
        tf.dispose([z, d, g]);
        return out;
      };
      const map0 = Array.from(m.generator.params['g.map0.w']!.dataSync().slice(0, 4));
      step(0);
      const before = tf.memory().numTensors;
      const losses = [1, 2, 3, 4].map(step);
      expect(tf.memory().numTensors).toBe(before);
      for (const [d, g] of losses) {
        expect(Number.isFinite(d)).toBe(true);
        expect(Number.isFinite(g)).toBe(true);
      }
      expect(Array.from(m.generator.params['g.map0.w']!.dataSync().slice(0, 4))).not.toEqual(map0);
      expect(tf.tidy(() => tf.sum(tf.abs(m.wAvg)).dataSync()[0]!)).toBeGreaterThan(0);
      tf.dispose(reals);
      optD.dispose();
      optG.dispose();
    });
  });

  it('sampling keeps numTensors flat', () => {
    withModel({}, 5, (m) => {
      const z = randn([2, 8], 16) as tf.Tensor2D;
      tf.dispose(m.sample(z, 'random', 0.7));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose([m.sample(z, 'random', 0.7), m.generator.apply(z), m.sample(z, { seed: i })]);
      expect(tf.memory().numTensors).toBe(before);
      z.dispose();
    });
  });
});
