/**
 * Child process of tests/unit/webgpu-kernels.test.ts: runs our fused WGSL kernels on Dawn (with
 * SwiftShader when no GPU is there) and the reference paths on tfjs's CPU backend, and writes
 * both results as JSON to the file named by its argument, for the test to compare. A separate process because Dawn's
 * Vulkan loader comes from LD_LIBRARY_PATH, which only a new process picks up.
 *
 * Reference: Adam's unfused tf-ops update, tfjs's own batch norm (tf.moments + tf.batchNorm,
 * gradients through tfjs's Mean/FusedBatchNorm gradients) and tfjs's LeakyRelu gradient (the CPU
 * backend has none of our kernels, so the wrapped gradient runs tfjs's formula), never our kernels.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startWebGpuOnDawn } from './dawn-webgpu.ts';
import { Adam } from '../../src/gan/train/adam.ts';
import { batchNormTraining } from '../../src/gan/backend/batch-norm.ts';
import { webGpuKernelsSelfCheck } from '../../src/gan/backend/webgpu-kernels.ts';
import { installSharedSaves, uninstallSharedSaves } from '../../src/gan/backend/shared-saves.ts';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, type ModelKind, type TrainConfig } from '../../src/contract/config.ts';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { fusedGanLoss } from '../../src/gan/backend/gan-loss.ts';
import { biasLeakyRelu } from '../../src/gan/backend/bias-leaky-relu.ts';
import { discriminatorLoss, generatorLoss, meanProbability } from '../../src/gan/train/losses.ts';
import { realSignSum } from '../../src/gan/train/ada.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { hasNonFinite, type Memento } from '../../src/gan/project/memento.ts';

const ADAM_SHAPES = [[1], [7], [300], [5, 33], [4, 4, 3, 17]];
/** NHWC and 2-D inputs; rows above and below one workgroup, channels above 256. */
const BN_SHAPES = [
  [6, 10],
  [3, 4, 5, 7],
  [8, 16, 16, 3],
  [2, 3, 3, 300],
];
/** Batch norm followed by G's activation: leaky ReLU 0.2, and ReLU (projects from before leaky ReLU). */
const BN_ACT_CASES: [number[], number][] = [
  [[8, 16, 16, 3], 0.2],
  [[2, 3, 3, 300], 0.2],
  [[3, 4, 5, 7], 0],
];
const ADAM_OPTS = { lr: 0.01, beta1: 0.5, beta2: 0.99, epsilon: 1e-8 };

type Case = { name: string; data: number[][] };

/** Values of the tensors (read asynchronously: WebGPU in Node has no synchronous read), then freed. */
async function read(ts: tf.Tensor[]): Promise<number[][]> {
  const out = await Promise.all(ts.map(async (t) => Array.from(await t.data())));
  tf.dispose(ts);
  return out;
}

function randoms(rng: Rng, shape: number[]): tf.Tensor {
  return tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);
}

/**
 * Three Adam steps of parameters shaped `shapes` from fixed values and gradients; every parameter
 * and both its moments after, in order. More than one parameter goes through the paired kernel
 * (two a dispatch, the odd one alone). `cloneLast`: a clone of the last parameter taken first,
 * and its values before and after, appended.
 */
async function adamRun(shapes: number[][], seed: number, cloneLast: boolean): Promise<number[][]> {
  const rng = new Rng(seed);
  const names = shapes.map((_, i) => `w${i}`);
  const p: Record<string, tf.Variable> = Object.fromEntries(shapes.map((s, i) => [names[i], tf.tidy(() => tf.variable(randoms(rng, s)))]));
  const adam = new Adam(p, ADAM_OPTS);
  const before = cloneLast ? tf.clone(p[names.at(-1)!]!) : undefined;
  const beforeValues = before ? Array.from(await before.data()) : [];
  for (let i = 0; i < 3; i++) {
    const grads = Object.fromEntries(shapes.map((s, k) => [names[k], randoms(rng, s)]));
    adam.apply(grads);
    tf.dispose(Object.values(grads));
  }
  const out = await read(names.flatMap((n) => [p[n]!, adam.m[n]!, adam.v[n]!]).map((t) => tf.clone(t)));
  // A clone taken before the updates must keep its values (the kernel copies shared buffers).
  if (before) out.push(beforeValues, ...(await read([before])));
  tf.dispose(Object.values(p));
  adam.dispose();
  return out;
}

/**
 * y, dx, dγ, dβ of Σ(BN(x)·w) for random x, γ, β, w; with `slope`, of Σ(act(BN(x))·w) where act is
 * leaky ReLU (ReLU at 0): tfjs's tf.leakyRelu / tf.relu and their gradients in the reference.
 */
function bnRun(shape: number[], seed: number, ours: boolean, slope?: number): tf.Tensor[] {
  const rng = new Rng(seed);
  const c = shape[shape.length - 1]!;
  return tf.tidy(() => {
    const x = randoms(rng, shape);
    const gamma = tf.add(randoms(rng, [c]), 1);
    const beta = randoms(rng, [c]);
    const w = randoms(rng, shape);
    const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      if (ours) return batchNormTraining(xx, gg, bb, 1e-5, slope);
      const { mean, variance } = tf.moments(xx, [...Array(xx.rank - 1).keys()]);
      const y = tf.batchNorm(xx, mean, variance, bb as tf.Tensor1D, gg as tf.Tensor1D, 1e-5);
      return slope === undefined ? y : slope === 0 ? tf.relu(y) : tf.leakyRelu(y, slope);
    };
    const y = f(x, gamma, beta);
    const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, gg, bb), w)))([x, gamma, beta]);
    return [y, ...grads];
  });
}

/**
 * Leaky ReLU's gradient and a gradient of it (R1's shape: the squared input gradient of a D-like
 * function, differentiated for its weights): with f(x, w) = Σ leakyRelu(x·w)·v and the slope
 * m = 1 where x·w > 0, else α: ∂f/∂x = w·v·m, and ∂/∂w Σ (∂f/∂x)² = 2·w·v²·m². Ours takes both
 * through tf.grad (our kernel and its gradient); the reference writes them out (tfjs's own
 * LeakyRelu gradient has no second order: its Greater has no gradient).
 */
function leakyRun(shape: number[], seed: number, ours: boolean): tf.Tensor[] {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const [x, w, v] = [0, 1, 2].map(() => randoms(rng, shape)) as [tf.Tensor, tf.Tensor, tf.Tensor];
    if (!ours) {
      const m = tf.where(tf.greater(tf.mul(x, w), 0), tf.onesLike(x), tf.fill(x.shape, 0.2));
      return [tf.mul(tf.mul(w, v), m), tf.mul(2, tf.mul(w, tf.square(tf.mul(v, m))))];
    }
    const inner = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(tf.mul(xx, ww), 0.2), v));
    const dx = tf.grad((xx: tf.Tensor) => inner(xx, w))(x);
    const dw2 = tf.grad((ww: tf.Tensor) => tf.sum(tf.square(tf.grad((xx: tf.Tensor) => inner(xx, ww))(x))))(w);
    return [dx, dw2];
  });
}

/**
 * y = leakyRelu(x + b, 0.2) and the gradients of Σ y·w for x and b: biasLeakyRelu runs tfjs's Add
 * + LeakyRelu (and their gradients) on the CPU backend, our kernel and its gradient on WebGPU.
 */
function biasLeakyRun(shape: number[], seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const [x, w] = [0, 1].map(() => randoms(rng, shape)) as [tf.Tensor, tf.Tensor];
    const b = randoms(rng, [shape[shape.length - 1]!]);
    const f = (xx: tf.Tensor, bb: tf.Tensor) => biasLeakyRelu(xx, bb, 0.2);
    return [f(x, b), ...tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, bb), w)))([x, b])];
  });
}

/**
 * Tanh's gradient and a gradient of it: dx of Σ tanh(x)·v, and ∂/∂v Σ dx² (through dx's dy, as
 * R1 differentiates ∇ₓD for D's weights; tfjs drops paths through a saved *output* from higher
 * orders, so ∂/∂x would throw here for tfjs's own Tanh too). Both through tf.grad: on the CPU
 * backend that is tfjs's own Tanh gradient, on WebGPU our kernel and its gradient.
 */
function tanhRun(shape: number[], seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const [x, v] = [0, 1].map(() => randoms(rng, shape)) as [tf.Tensor, tf.Tensor];
    const dx = (vv: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.tanh(a), vv)))(x);
    return [dx(v), tf.grad((vv: tf.Tensor) => tf.sum(tf.square(dx(vv))))(v)];
  });
}

/** [reals + fakes] logits: D's case at batch 1, 7 and 300 (over one workgroup), and G's (all "ones"). */
const LOSS_CASES = [
  { reals: 1, fakes: 1 },
  { reals: 7, fakes: 7 },
  { reals: 300, fakes: 300 },
  { reals: 33, fakes: 0 },
];

/**
 * The loss, D(real), D(fake), Σ sign(D(real)) and ∂(c·loss)/∂logits for random logits (a few far
 * out, where softplus switches formula) and a random c. Reference: losses.ts's tf ops (D: split,
 * discriminatorLoss, meanProbability, realSignSum; G: generatorLoss); ours: the fused kernels.
 */
function ganLossRun(reals: number, fakes: number, seed: number, ours: boolean): tf.Tensor[] {
  const rng = new Rng(seed);
  return tf.tidy(() => {
    const values = rng.normals(reals + fakes).map((v, i) => (i % 5 === 3 ? v * 30 : v * 3));
    const logits = tf.tensor2d(values, [reals + fakes, 1]);
    const c = tf.scalar(rng.normals(1)[0]!);
    const parts = (l: tf.Tensor2D, keep = true): tf.Scalar[] => {
      if (ours) {
        const { loss, stats } = fusedGanLoss(l, fakes === 0 ? l.size : reals, keep && fakes > 0);
        return [loss, ...stats];
      }
      if (fakes === 0) return [generatorLoss(l)];
      const [r, f] = tf.split(l, [reals, fakes], 0);
      return [discriminatorLoss(r!, f!), meanProbability(r!), meanProbability(f!), realSignSum(r!)];
    };
    const forward = parts(logits);
    const grad = tf.grad((l: tf.Tensor) => tf.mul(parts(l as tf.Tensor2D, false)[0]!, c))(logits);
    return [...forward, grad];
  });
}

/** A tiny run of `model` (StyleGAN: R1 due on the first D step, so a gradient of a gradient). */
function tinyRun(model: ModelKind): TrainConfig {
  const style = model === 'stylegan' ? { wDim: 16, mappingLayers: 2, r1Every: 2 } : {};
  return { ...DEFAULT_CONFIG, ...MODEL_DEFAULTS[model], model, res: 16, width: 8, zDim: 16, batch: 4, gridSide: 2, reportEvery: 1, ...style };
}

/**
 * One training round on WebGPU with the saved tensors shared (shared-saves.ts) or cloned by
 * tfjs's Identity; every weight and Adam moment after it, and its Identity kernels.
 */
async function trainingRun(model: ModelKind, shared: boolean): Promise<{ state: number[][]; identities: number }> {
  if (shared) installSharedSaves();
  else uninstallSharedSaves();
  const trainer = new GanTrainer(tinyRun(model), makeShapes({ res: 16, count: 16 }));
  // The round itself is profiled (both ways alike): one StyleGAN round on SwiftShader takes long.
  const profile = await tf.profile(() => trainer.trainStep());
  const identities = profile.kernels.filter((k) => k.name === 'Identity').length;
  await trainer.report();
  const s = await trainer.exportState();
  const state = [s.params, s.optimizers['g']!.weights, s.optimizers['d']!.weights].flatMap((group) => Object.values(group).map((a) => Array.from(a.data)));
  trainer.dispose();
  installSharedSaves();
  return { state, identities };
}

/** Term counts of AddN around WebGPU's 8 storage buffers a shader, and a StyleGAN snapshot's. */
const ADDN_TERMS = [2, 7, 8, 9, 48, 224];

function addNRun(terms: number, seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return tf.tidy(() => [tf.addN(Array.from({ length: terms }, () => randoms(rng, [3, 5])))]);
}

/** The divergence guard's check on a 60-tensor snapshot: clean, then with one NaN in the last tensor. */
async function nonFiniteRun(): Promise<number[][]> {
  const rng = new Rng(80);
  const tensors = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, randoms(rng, [4])]));
  const m = { tensors, adamT: {} } as unknown as Memento;
  const clean = await hasNonFinite(m);
  tensors['t59']!.dispose();
  tensors['t59'] = tf.tensor([0, NaN, 1, 2]);
  const poisoned = await hasNonFinite(m);
  tf.dispose(Object.values(tensors));
  return [[Number(clean), Number(poisoned)]];
}

/** The kernels one Adam update of `count` parameters runs. */
async function adamProfile(count: number): Promise<string[]> {
  const params = Object.fromEntries(Array.from({ length: count }, (_, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.zeros([3 + i])))]));
  const adam = new Adam(params, ADAM_OPTS);
  const grads = Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.onesLike(p)]));
  // Names read at once: tfjs reuses one profile object for every tf.profile call.
  const kernels = (await tf.profile(() => adam.apply(grads))).kernels.map((k) => k.name);
  adam.dispose();
  tf.dispose([...Object.values(params), ...Object.values(grads)]);
  return kernels;
}

async function runAll(ours: boolean): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [i, s] of ADAM_SHAPES.entries()) cases.push({ name: `adam ${s.join('x')}`, data: await adamRun([s], 10 + i, false) });
  cases.push({ name: 'adam pairs', data: await adamRun(ADAM_SHAPES, 15, false) });
  cases.push({ name: 'adam shared buffer', data: await adamRun([[4], [9, 5]], 99, true) });
  for (const [i, s] of BN_SHAPES.entries()) cases.push({ name: `batch norm ${s.join('x')}`, data: await read(bnRun(s, 20 + i, ours)) });
  for (const [i, [s, slope]] of BN_ACT_CASES.entries())
    cases.push({ name: `batch norm + leaky relu ${slope} ${s.join('x')}`, data: await read(bnRun(s, 60 + i, ours, slope)) });
  for (const [i, s] of [[7], [3, 5, 5, 4]].entries()) cases.push({ name: `leaky relu ${s.join('x')}`, data: await read(leakyRun(s, 30 + i, ours)) });
  for (const [i, s] of [
    [6, 10],
    [3, 5, 5, 300],
  ].entries())
    cases.push({ name: `bias leaky relu ${s.join('x')}`, data: await read(biasLeakyRun(s, 70 + i)) });
  for (const [i, s] of [[5], [2, 6, 6, 3]].entries()) cases.push({ name: `tanh ${s.join('x')}`, data: await read(tanhRun(s, 50 + i)) });
  for (const [i, { reals, fakes }] of LOSS_CASES.entries())
    cases.push({ name: `gan loss ${reals}+${fakes}`, data: await read(ganLossRun(reals, fakes, 40 + i, ours)) });
  for (const [i, n] of ADDN_TERMS.entries()) cases.push({ name: `addN ${n}`, data: await read(addNRun(n, 90 + i)) });
  cases.push({ name: 'non-finite snapshot', data: await nonFiniteRun() });
  return cases;
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const reference = await runAll(false);
  const dawn = await startWebGpuOnDawn();
  const tensorsBefore = tf.memory().numTensors;
  const selfCheck = (await webGpuKernelsSelfCheck()) ?? 'ok';
  let dispatches = dawn.counters.snapshot().dispatches;
  const fused = await runAll(true);
  dispatches = dawn.counters.snapshot().dispatches - dispatches;
  const adamKernels = await adamProfile(1);
  const adamPairKernels = await adamProfile(3);
  const bnProfile = await tf.profile(() => bnRun([4, 2, 2, 3], 5, true));
  const bnKernels = bnProfile.kernels.map((k) => k.name);
  tf.dispose(bnProfile.result as tf.Tensor[]);
  const bnActProfile = await tf.profile(() => bnRun([4, 2, 2, 3], 5, true, 0.2));
  const bnActKernels = bnActProfile.kernels.map((k) => k.name);
  tf.dispose(bnActProfile.result as tf.Tensor[]);
  const leakyProfile = await tf.profile(() => leakyRun([4, 3], 6, true));
  const leakyKernels = leakyProfile.kernels.map((k) => k.name);
  tf.dispose(leakyProfile.result as tf.Tensor[]);
  const biasProfile = await tf.profile(() => biasLeakyRun([2, 2, 2, 3], 9));
  const biasLeakyKernels = biasProfile.kernels.map((k) => k.name);
  tf.dispose(biasProfile.result as tf.Tensor[]);
  const tanhProfile = await tf.profile(() => tanhRun([4, 3], 8));
  const tanhKernels = tanhProfile.kernels.map((k) => k.name);
  tf.dispose(tanhProfile.result as tf.Tensor[]);
  const lossLogits = tf.ones([8, 1]);
  const lossProfile = await tf.profile(() => tf.grad((l: tf.Tensor) => fusedGanLoss(l, 4, false).loss)(lossLogits));
  const lossKernels = lossProfile.kernels.map((k) => k.name);
  tf.dispose([lossLogits, lossProfile.result as tf.Tensor]);
  const training: Record<string, { shared: Awaited<ReturnType<typeof trainingRun>>; cloned: Awaited<ReturnType<typeof trainingRun>> }> = {};
  for (const model of ['dcgan', 'stylegan'] as const) training[model] = { shared: await trainingRun(model, true), cloned: await trainingRun(model, false) };
  // To a file: process.exit does not wait for a piped stdout to drain.
  writeFileSync(
    process.argv[2]!,
    JSON.stringify({
      adapter: dawn.adapterName,
      fallback: dawn.isFallbackAdapter,
      reference,
      fused,
      dispatches,
      adamKernels,
      adamPairKernels,
      bnKernels,
      bnActKernels,
      leakyKernels,
      lossKernels,
      tanhKernels,
      biasLeakyKernels,
      training,
      selfCheck,
      leaked: tf.memory().numTensors - tensorsBefore,
    }),
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
