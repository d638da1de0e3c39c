import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDcgan } from '../../src/gan/models/dcgan.ts';
import { countParams, disposeParams } from '../../src/gan/params.ts';
import { Rng } from '../../src/gan/random.ts';
import { useFastBackend } from '../helpers/tf.ts';

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
});
