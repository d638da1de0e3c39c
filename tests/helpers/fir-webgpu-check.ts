/**
 * Child process of tests/unit/fir-webgpu.test.ts: StyleGAN's FIR resampling (src/gan/nn/fir.ts)
 * on tfjs's WebGPU backend through Dawn for Node (SwiftShader when no GPU is there), against the
 * folded form (tests/helpers/fir-folded.ts) on tfjs's CPU backend. For each op it writes the
 * values R1 needs (forward, gradients, and the double backward) from both sides as JSON to the
 * file named by its argument. A separate process because Dawn's Vulkan loader comes from
 * LD_LIBRARY_PATH, which only a new process reads.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startWebGpuOnDawn } from './dawn-webgpu.ts';
import { blur, convDown, convUp, downThen1x1 } from '../../src/gan/nn/fir.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { foldedConvDown, foldedConvUp, foldedDownThen1x1 } from './fir-folded.ts';

type Op = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
type Shape4 = [number, number, number, number];
const X_SHAPE: Shape4 = [2, 8, 6, 3];
const CASES: [string, Op, Op, Shape4][] = [
  ['down', convDown, foldedConvDown, [3, 3, 3, 5]],
  ['skip', downThen1x1, foldedDownThen1x1, [1, 1, 3, 5]],
  ['up', convUp, foldedConvUp, [3, 3, 3, 5]],
];

/**
 * As in fir.test.ts: the output, the gradients of f = Σ r · op(x, w)², and R1's double backward,
 * the gradients of q = Σ (∇ₓ f)², all read back (WebGPU in Node has no synchronous read).
 */
async function quantities(op: Op, x: Float32Array, w: Float32Array, r: Float32Array, wShape: Shape4): Promise<number[][]> {
  const out = tf.tidy(() => {
    const xt = tf.tensor4d(x, X_SHAPE);
    const wt = tf.tensor4d(w, wShape);
    const forward = op(xt, wt);
    const rt = tf.tensor(r, forward.shape);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.square(op(xx as tf.Tensor4D, ww as tf.Tensor4D)), rt)) as tf.Scalar;
    const q = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.grad((xi: tf.Tensor) => f(xi, ww))(xx))) as tf.Scalar;
    return [forward, ...tf.grads(f)([xt, wt]), ...tf.grads(q)([xt, wt])];
  });
  const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  return values;
}

async function main(): Promise<void> {
  const rng = new Rng(7);
  const inputs = CASES.map(([, op, , wShape]) => {
    const outSize = op === convUp ? 4 * X_SHAPE[1] * X_SHAPE[2] : (X_SHAPE[1] * X_SHAPE[2]) / 4;
    return { x: rng.normals(2 * 8 * 6 * 3), w: rng.normals(wShape.reduce((a, b) => a * b, 1)), r: rng.normals(X_SHAPE[0] * outSize * wShape[3]) };
  });
  await tf.setBackend('cpu');
  const reference = [];
  for (const [i, [, , folded, wShape]] of CASES.entries()) reference.push(await quantities(folded, inputs[i]!.x, inputs[i]!.w, inputs[i]!.r, wShape));
  const dawn = await startWebGpuOnDawn();
  const tensorsBefore = tf.memory().numTensors;
  const webgpu = [];
  for (const [i, [, op, , wShape]] of CASES.entries()) webgpu.push(await quantities(op, inputs[i]!.x, inputs[i]!.w, inputs[i]!.r, wShape));
  const leaked = tf.memory().numTensors - tensorsBefore;
  // Which kernels one filter pass and its gradient ran: the fused pass, where it is registered.
  const probe = tf.ones(X_SHAPE) as tf.Tensor4D;
  const profile = await tf.profile(() => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(blur(t as tf.Tensor4D, 2, 4)))(probe)));
  probe.dispose();
  const kernels = [...new Set(profile.kernels.map((k) => k.name))];
  // To a file: process.exit does not wait for a piped stdout to drain.
  writeFileSync(
    process.argv[2]!,
    JSON.stringify({ adapter: dawn.adapterName, backend: tf.getBackend(), names: CASES.map(([name]) => name), reference, webgpu, leaked, kernels }),
  );
  process.exit(0);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
