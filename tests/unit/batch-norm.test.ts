import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from '../../src/gan/backend/batch-norm.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { useCpuBackend } from '../helpers/tf.ts';

/**
 * Our batch norm with its written-out gradient (src/gan/backend/batch-norm.ts, the tf-ops path
 * every backend but WebGPU runs) against tfjs's own: tf.moments + tf.batchNorm, whose gradients
 * come from tfjs's Mean and FusedBatchNorm gradients. The WGSL kernels are checked against the
 * same reference in webgpu-kernels.test.ts.
 */
beforeAll(useCpuBackend);

function tfjsBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
  return tf.batchNorm(x, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
}

/** y and the gradients of Σ(y·w) with respect to x, γ and β. */
function valueAndGrads(bn: typeof tfjsBatchNorm, shape: number[], seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const c = shape[shape.length - 1]!;
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const x = tf.tensor(rng.normals(size), shape);
    const gamma = tf.add(tf.tensor(rng.normals(c)), 1);
    const beta = tf.tensor(rng.normals(c));
    const w = tf.tensor(rng.normals(size), shape);
    const y = bn(x, gamma, beta);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bn(a, g, b), w)))([x, gamma, beta]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('batch norm with a written-out gradient', () => {
  const shapes = [
    [6, 10],
    [3, 4, 5, 7],
    [8, 6, 6, 3],
    [2, 3, 3, 40],
  ];
  it.each(shapes.map((s) => [s.join('×'), s] as const))('equals tfjs batch norm and its gradients on %s', (_, shape) => {
    const ours = valueAndGrads((x, g, b) => batchNormTraining(x, g, b, 1e-5), shape, 7);
    const theirs = valueAndGrads(tfjsBatchNorm, shape, 7);
    theirs.forEach((ref, k) => {
      const err = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[k]![i]!)), 0);
      expect(err / maxAbs(ref), `output ${k}`).toBeLessThan(1e-5);
    });
    // dβ = Σ dy = Σ w over every axis but the channels: not zero, so the check has teeth.
    expect(maxAbs(ours[3]!)).toBeGreaterThan(0.1);
  });

  it('puts neither Mean nor tf.moments on the tape, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([4, 3, 3, 5]);
    const gamma = tf.ones([5]);
    const beta = tf.zeros([5]);
    const profile = await tf.profile(() => tf.grads((a: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, gamma, beta, 1e-5))))([x]));
    const names = profile.kernels.map((k) => k.name);
    tf.dispose([x, gamma, beta, ...(profile.result as tf.Tensor[])]);
    // Forward statistics use Mean; tfjs's batch-norm gradient (a Tile, after its Mean gradient's ones array) must not appear.
    expect(names).not.toContain('Tile');
    expect(names.filter((n) => n === 'Mean').length).toBeLessThanOrEqual(2);
    expect(tf.memory().numTensors).toBe(before);
  });
});
