import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeProject, decodeProject } from '../../src/gan/project/checkpoint.ts';
import { batchNorm, convUp, dense } from '../../src/gan/nn/layers.ts';
import { buildDcgan, isDcganGenerator } from '../../src/gan/nn/models/dcgan.ts';
import { countParams, disposeParams } from '../../src/gan/nn/params.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { arrayToFloat64 } from '../../src/gan/project/trainer-state.ts';
import { constantSet, tinyConfig, useFastBackend } from '../helpers/tf.ts';

beforeAll(useFastBackend);

describe('DCGAN builders', () => {
  it('G maps [B, zDim] to [B, R, R, 3] in [-1, 1] and D maps images to [B, 1] logits', () => {
    for (const res of [16, 32, 64]) {
      const model = buildDcgan({ res, width: 4, zDim: 8 }, new Rng(1));
      const imgs = model.generator.apply(tf.randomNormal([3, 8]) as tf.Tensor2D);
      expect(imgs.shape).toEqual([3, res, res, 3]);
      expect(imgs.max().arraySync()).toBeLessThanOrEqual(1);
      expect(imgs.min().arraySync()).toBeGreaterThanOrEqual(-1);
      const logits = model.discriminator.apply(imgs);
      expect(logits.shape).toEqual([3, 1]);
      tf.dispose([imgs, logits]);
      disposeParams(model.generator.params);
      disposeParams(model.discriminator.params);
    }
  });

  it('has the parameter counts of the DCGAN layout at 32 px, width 32, zDim 100', () => {
    const model = buildDcgan({ res: 32, width: 32, zDim: 100 }, new Rng(1));
    // G: dense 100→4·4·128 (+bias), BN(128), convT 128→64, BN(64), convT 64→32, BN(32), convT 32→3.
    const g = 100 * 2048 + 2048 + 2 * 128 + (16 * 128 * 64 + 64) + 2 * 64 + (16 * 64 * 32 + 32) + 2 * 32 + (16 * 32 * 3 + 3);
    // D: conv 3→32, 32→64, 64→128, dense 2048→1.
    const d = 16 * 3 * 32 + 32 + (16 * 32 * 64 + 64) + (16 * 64 * 128 + 128) + 2048 + 1;
    expect(countParams(model.generator.params)).toBe(g);
    expect(countParams(model.discriminator.params)).toBe(d);
    expect(Object.keys(model.generator.params)).toContain('g.up3.w');
    expect(Object.keys(model.discriminator.params)).toContain('d.fc.w');
    disposeParams(model.generator.params);
    disposeParams(model.discriminator.params);
  });

  it('is deterministic for a seed and different across seeds', () => {
    const a = buildDcgan({ res: 16, width: 4, zDim: 8 }, new Rng(7));
    const b = buildDcgan({ res: 16, width: 4, zDim: 8 }, new Rng(7));
    const c = buildDcgan({ res: 16, width: 4, zDim: 8 }, new Rng(8));
    const w = (m: typeof a) => Array.from(m.generator.params['g.fc.w']!.dataSync().slice(0, 16));
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    for (const m of [a, b, c]) {
      disposeParams(m.generator.params);
      disposeParams(m.discriminator.params);
    }
  });

  it("draws weights and biases U(−1/√fan_in, 1/√fan_in) with PyTorch's fan_in, and starts BN at scale 1, shift 0", () => {
    // res 32 (n = 3), width 8, zDim 50: G dense 50→16·32, convT 32→16, 16→8, 8→3; D conv 3→8, 8→16, 16→32, dense 512→1.
    const model = buildDcgan({ res: 32, width: 8, zDim: 50 }, new Rng(3));
    const p = { ...model.generator.params, ...model.discriminator.params };
    // fan_in by hand: dense = inputs; conv = 4·4·in; transposed conv = 4·4·out (PyTorch reads its
    // [in, out, kh, kw] weight's dim 1).
    const fanIn: Record<string, number> = {
      'g.fc': 50,
      'g.up1': 16 * 16,
      'g.up2': 16 * 8,
      'g.up3': 16 * 3,
      'd.down1': 16 * 3,
      'd.down2': 16 * 8,
      'd.down3': 16 * 16,
      'd.fc': 512,
    };
    for (const [layer, fan] of Object.entries(fanIn)) {
      const bound = 1 / Math.sqrt(fan);
      for (const part of ['w', 'b']) {
        const v = Array.from(p[`${layer}.${part}`]!.dataSync());
        const max = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        expect(max, `${layer}.${part}`).toBeLessThanOrEqual(bound);
        if (v.length >= 1000) {
          // Uniform on ±bound: the largest |x| nearly reaches it, and the spread is bound/√3.
          expect(max, `${layer}.${part}`).toBeGreaterThan(0.99 * bound);
          const std = Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
          expect(std / (bound / Math.sqrt(3)), `${layer}.${part}`).toBeCloseTo(1, 1);
        }
      }
    }
    for (const bn of ['g.bn0', 'g.bn1', 'g.bn2']) {
      expect(Array.from(p[`${bn}.gamma`]!.dataSync()).every((x) => x === 1)).toBe(true);
      expect(Array.from(p[`${bn}.beta`]!.dataSync()).every((x) => x === 0)).toBe(true);
    }
    disposeParams(model.generator.params);
    disposeParams(model.discriminator.params);
  });

  it("G's hidden activation is leaky ReLU 0.2, or ReLU when its slope is set to 0", () => {
    // res 8: dense → [B, 4, 4, c0] → BN → activation → convT to 3 channels → tanh; written out by hand.
    const model = buildDcgan({ res: 8, width: 4, zDim: 6 }, new Rng(5));
    const g = model.generator;
    if (!isDcganGenerator(g)) throw new Error('not a DCGAN generator');
    expect(g.slope).toBe(0.2);
    const z = tf.tensor2d(new Rng(9).normals(5 * 6), [5, 6]);
    const byHand = (slope: number) =>
      tf.tidy(() => {
        const x = batchNorm(g.params, 'g.bn0', tf.reshape(dense(g.params, 'g.fc', z), [5, 4, 4, 4]));
        const act = tf.where(tf.greater(x, 0), x, tf.mul(x, slope)) as tf.Tensor4D;
        return tf.tanh(convUp(g.params, 'g.up1', act));
      });
    for (const slope of [0.2, 0]) {
      g.slope = slope;
      const [ours, expected] = [g.apply(z), byHand(slope)];
      expect(tf.max(tf.abs(tf.sub(ours, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([ours, expected]);
    }
    const [leaky, relu] = [byHand(0.2), byHand(0)];
    expect(tf.max(tf.abs(tf.sub(leaky, relu))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([z, leaky, relu]);
    disposeParams(model.generator.params);
    disposeParams(model.discriminator.params);
  });
});

describe("DCGAN G's slope in saved state", () => {
  const meta = { name: 't', created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z', app: 'test' };
  const set = () => constantSet(16, 4, (x, y, c) => Math.sin(x + y * c));

  it('travels in the project file, and a file saved before it (no g.slope) opens with ReLU', async () => {
    const a = new GanTrainer(tinyConfig(), set());
    for (let i = 0; i < 3; i++) a.trainStep();
    await a.report();
    const state = await a.exportState();
    expect(arrayToFloat64(state.extras!['g.slope'])).toBe(0.2);
    const grid = Array.from((await a.renderGrid()).pixels);

    const decoded = decodeProject(encodeProject({ ...state, history: [], meta }));
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.reason));
    const b = new GanTrainer(decoded.snapshot.config, set());
    expect(b.importState(decoded.snapshot)).toBeUndefined();
    expect(Array.from((await b.renderGrid()).pixels)).toEqual(grid);

    // The previous version wrote no g.slope: its G was trained with ReLU, and keeps it.
    const { ['g.slope']: _, ...older } = state.extras!;
    const c = new GanTrainer(state.config, set());
    expect(c.importState({ ...state, extras: older })).toBeUndefined();
    expect(isDcganGenerator(c.model.generator) && c.model.generator.slope).toBe(0);
    const reluGrid = Array.from((await c.renderGrid()).pixels);
    expect(reluGrid).not.toEqual(grid);
    // …and saves it from then on.
    expect(arrayToFloat64((await c.exportState()).extras!['g.slope'])).toBe(0);
    [a, b, c].forEach((t) => t.dispose());
  });
});
