import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildStylegan, type StyleGanModel } from '../../src/gan/nn/models/stylegan.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { r1Penalty } from '../../src/gan/train/r1.ts';
import { gradientsByName } from '../../src/gan/train/steps.ts';
import { useFastBackend } from '../helpers/tf.ts';

/**
 * The whole StyleGAN with today's FIR resampling against the same model, same weights, with the
 * filter folded into the convolutions as before 2026-12-02 (tests/helpers/fir-folded.ts): what a
 * project saved before the change renders and trains, to float32 rounding. fir.ts is swapped
 * for a switch between the two, so both run in one process on one backend.
 */
const resampling = vi.hoisted(() => ({ folded: false }));
vi.mock('../../src/gan/nn/fir.ts', async (importOriginal) => {
  const today = await importOriginal<typeof import('../../src/gan/nn/fir.ts')>();
  const before = await import('../helpers/fir-folded.ts');
  const pick =
    <F extends (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D>(now: F, folded: F) =>
    (x: tf.Tensor4D, w: tf.Tensor4D) =>
      (resampling.folded ? folded : now)(x, w);
  return {
    ...today,
    convDown: pick(today.convDown, before.foldedConvDown),
    downThen1x1: pick(today.downThen1x1, before.foldedDownThen1x1),
    convUp: pick(today.convUp, before.foldedConvUp),
  };
});

beforeAll(useFastBackend);

/** Images, logits, the G loss's gradients and R1 with its gradients, all as flat arrays by name. */
function everything(model: StyleGanModel, z: tf.Tensor2D, reals: tf.Tensor4D): Record<string, Float32Array> {
  return tf.tidy(() => {
    const out: Record<string, Float32Array> = {};
    // Fixed noise (a seed), so every call draws the same.
    const generate = () =>
      model.synthesis(
        tf.stack(
          Array.from({ length: model.numWs }, () => model.mapping(z)),
          1,
        ) as tf.Tensor3D,
        { seed: 5 },
      );
    const images = generate();
    out.images = images.dataSync() as Float32Array;
    out.logits = model.discriminator.apply(tf.concat([reals, images])).dataSync() as Float32Array;
    const g = gradientsByName(model.generator.params, () => tf.mean(tf.softplus(tf.neg(model.discriminator.apply(generate())))) as tf.Scalar);
    for (const [name, t] of Object.entries(g.grads)) out[`G loss ∂${name}`] = t.dataSync() as Float32Array;
    const r1 = gradientsByName(model.discriminator.params, () => r1Penalty(model.discriminator, reals));
    out.r1 = r1.value.dataSync() as Float32Array;
    for (const [name, t] of Object.entries(r1.grads)) out[`R1 ∂${name}`] = t.dataSync() as Float32Array;
    return out;
  });
}

describe('StyleGAN with the FIR filter as its own pass equals the folded model it replaced', () => {
  it('32 px: images, D logits, G-loss gradients, R1 and its double-backward gradients, to float32 rounding', () => {
    const before = tf.memory().numTensors;
    const model = buildStylegan({ res: 32, width: 8, zDim: 16, wDim: 16, mappingLayers: 2, batch: 4 }, new Rng(3));
    const z = tf.randomNormal([4, 16], 0, 1, 'float32', 8) as tf.Tensor2D;
    const reals = tf.tidy(() => tf.tanh(tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 9))) as tf.Tensor4D;
    // Noise strengths start at 0; give them values so the noise path counts too.
    tf.tidy(() => Object.entries(model.generator.params).forEach(([name, p]) => name.endsWith('strength') && (p as tf.Variable).assign(tf.fill([1], 0.3))));
    resampling.folded = false;
    const now = everything(model, z, reals);
    resampling.folded = true;
    const folded = everything(model, z, reals);
    resampling.folded = false;
    expect(Object.keys(now).sort()).toEqual(Object.keys(folded).sort());
    expect(Object.keys(now).filter((k) => k.startsWith('R1 ∂d.b32.conv1')).length).toBe(2);
    // Each gap against the largest value of its kind (the images, the logits, R1, all G-loss
    // gradients, all R1 gradients): a gradient that is a sum with cancellations (a noise
    // strength, D's biases under R1) is small itself but carries the rounding of its terms.
    const kind = (name: string) => name.split(' ∂')[0]!;
    const scales = new Map<string, number>();
    for (const [name, v] of Object.entries(folded)) scales.set(kind(name), Math.max(scales.get(kind(name)) ?? 0, ...v.map(Math.abs)));
    expect([...scales.keys()].sort()).toEqual(['G loss', 'R1', 'images', 'logits', 'r1']);
    for (const [k, scale] of scales) expect(scale, k).toBeGreaterThan(1e-4);
    for (const [name, want] of Object.entries(folded)) {
      const got = now[name]!;
      const gap = Math.max(...want.map((v, i) => Math.abs(v - got[i]!)));
      expect(gap / scales.get(kind(name))!, name).toBeLessThan(2e-6);
    }
    tf.dispose([z, reals]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
