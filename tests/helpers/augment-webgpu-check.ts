/**
 * Child process of tests/unit/augment-webgpu.test.ts: DiffAugment (src/gan/train/augment.ts) on
 * tfjs's WebGPU backend with our kernels registered (the fused colour and cutout,
 * src/gan/backend/webgpu-augment-kernels.ts), and on the CPU backend (augment.ts's tf ops: the CPU
 * has none of our kernels), on the same draws: images, their gradient and a double backward (R1
 * through the augmentation), for RGB and grey images, some left untouched (p < 1). Also the kernels
 * one forward pass runs on WebGPU. Writes the result as JSON to the file named by its argument.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startWebGpuOnDawn } from './dawn-webgpu.ts';
import { applyAugment, DIFF_AUGMENT, drawAugment, type AugmentDraws } from '../../src/gan/train/augment.ts';
import { Rng } from '../../src/gan/nn/random.ts';

/** RGB at an odd size with a batch above 4; grey (one channel); 300 pixels, more than a workgroup's threads. */
const SHAPES: [number, number, number, number][] = [
  [6, 12, 12, 3],
  [3, 10, 10, 1],
  [2, 20, 20, 3],
];

interface Case {
  images: Float32Array;
  weights: Float32Array;
  draws: AugmentDraws;
}

function caseOf(shape: [number, number, number, number], seed: number): Case {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const uniform = () => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  return { images: uniform(), weights: uniform(), draws: drawAugment(DIFF_AUGMENT, 0.7, rng, shape[0], shape[1]) };
}

/** Σ w ⊙ aug(x): its value's image, ∂/∂x, and ∂/∂x of Σ (∂/∂x of Σ w ⊙ aug(x)²)². */
async function run(shape: [number, number, number, number], c: Case): Promise<number[][]> {
  const x = tf.tensor4d(c.images, shape);
  const w = tf.tensor4d(c.weights, shape);
  const aug = (t: tf.Tensor): tf.Tensor4D => applyAugment(t as tf.Tensor4D, c.draws);
  const out = aug(x);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(aug(t), w)))(x);
  const inner = (t: tf.Tensor): tf.Tensor => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.square(aug(u)), w)))(t);
  const double = tf.grad((t: tf.Tensor) => tf.sum(tf.square(inner(t))))(x);
  const result = await Promise.all([out, grad, double].map(async (t) => Array.from(await t.data())));
  tf.dispose([x, w, out, grad, double]);
  return result;
}

const runAll = async (cases: Case[]) => Promise.all(SHAPES.map((shape, i) => run(shape, cases[i]!)));

const dawn = await startWebGpuOnDawn();
const cases = SHAPES.map((shape, i) => caseOf(shape, 11 + i));
await runAll(cases); // shader compiles and buffer pools, before the tensor count is taken
const before = tf.memory().numTensors;
const webgpu = await runAll(cases);
const leaked = tf.memory().numTensors - before;
const x = tf.tensor4d(cases[0]!.images, SHAPES[0]);
const profile = await tf.profile(() => tf.dispose(applyAugment(x, cases[0]!.draws)));
x.dispose();
await tf.setBackend('cpu');
const cpu = await runAll(cases);
writeFileSync(process.argv[2]!, JSON.stringify({ adapter: dawn.adapterName, webgpu, cpu, leaked, kernels: profile.kernels.map((k) => k.name) }));
