/**
 * Child process of tests/unit/ada-pipeline.test.ts: the ADA pipeline on tfjs's WebGPU backend
 * (Dawn for Node; SwiftShader where there is no GPU) against the CPU backend, on the same draws:
 * images, their gradient, and a double backward (R1 through the pipe). WebGPU takes the device
 * path (gatherND, batched matmul), the CPU backend the JS path, so this also checks the two
 * against each other on a real WebGPU implementation. Writes the result as JSON to the file
 * named by its argument. A separate process: Dawn's Vulkan loader comes from LD_LIBRARY_PATH.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { installDawn } from '../../bench/dawn.ts';
import { applyAdaPipeline, BGC, drawAdaPipeline } from '../../src/gan/train/ada-pipeline.ts';
import { Rng } from '../../src/gan/nn/random.ts';

const SHAPE: [number, number, number, number] = [4, 12, 10, 3];

async function run(px: Float32Array, dyPx: Float32Array, draws: ReturnType<typeof drawAdaPipeline>): Promise<number[][]> {
  const x = tf.tensor4d(px, SHAPE);
  const dy = tf.tensor4d(dyPx, SHAPE);
  const aug = (t: tf.Tensor): tf.Tensor4D => applyAdaPipeline(t as tf.Tensor4D, draws);
  const out = aug(x);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(aug(t), dy)))(x);
  const inner = (t: tf.Tensor): tf.Tensor => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.square(aug(u)), dy)))(t);
  const double = tf.grad((t: tf.Tensor) => tf.sum(tf.square(inner(t))))(x);
  const result = await Promise.all([out, grad, double].map(async (t) => Array.from(await t.data())));
  tf.dispose([x, dy, out, grad, double]);
  return result;
}

const dawn = await installDawn();
await import('@tensorflow/tfjs-backend-webgpu');
const rng = new Rng(1);
const n = SHAPE.reduce((a, b) => a * b, 1);
const px = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
const dyPx = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
const draws = drawAdaPipeline(1, new Rng(2), SHAPE, BGC);
if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not start');
await run(px, dyPx, draws); // shader compiles and buffer pools, before the tensor count is taken
const before = tf.memory().numTensors;
const webgpu = await run(px, dyPx, draws);
const leaked = tf.memory().numTensors - before;
await tf.setBackend('cpu');
const cpu = await run(px, dyPx, draws);
writeFileSync(process.argv[2]!, JSON.stringify({ adapter: dawn.adapterName, webgpu, cpu, leaked }));
