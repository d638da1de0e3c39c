/**
 * Child process of tests/unit/stylegan-webgpu.test.ts: StyleGAN's fused WebGPU kernels
 * (src/gan/backend/style-ops.ts, webgpu-style-kernels.ts, fused-ema.ts, and bias + leaky ReLU
 * with StyleGAN's gain) on tfjs's WebGPU backend through Dawn for Node (SwiftShader when no GPU is
 * there), against the same layer functions on tfjs's CPU backend, where the kernels are not
 * registered and the layers run their tf ops. Writes, per case, the values from both sides and
 * the kernels a WebGPU run used, as JSON to the file named by its argument.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startWebGpuOnDawn } from './dawn-webgpu.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { biasAct, convThenHalveAct, eqConvAct, eqDense, eqDenseAct, modulatedConv, styledConvAct } from '../../src/gan/nn/models/stylegan-layers.ts';
import { ParamEma } from '../../src/gan/train/ema.ts';

type Shape = number[];
/** Named input arrays of a case, drawn once and fed to both backends. */
type Inputs = Record<string, { shape: Shape; values: Float32Array }>;
interface Case {
  name: string;
  inputs: Inputs;
  /** The quantities to compare, from tensors made of the inputs (inside a tidy). */
  run: (t: Record<string, tf.Tensor>) => tf.Tensor[];
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

function draw(rng: Rng, shapes: Record<string, Shape>, scale: Record<string, number> = {}): Inputs {
  return Object.fromEntries(
    Object.entries(shapes).map(([k, s]) => [k, { shape: s, values: Float32Array.from(rng.normals(size(s)), (v) => v * (scale[k] ?? 1)) }]),
  );
}

/** y and the gradients of Σ r·y for every input named in `wrt` (r a fixed random weighting). */
function valueAndGrads(f: (t: Record<string, tf.Tensor>) => tf.Tensor, wrt: string[]) {
  return (t: Record<string, tf.Tensor>): tf.Tensor[] => {
    const y = f(t);
    const r = t.r!;
    const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(f({ ...t, ...Object.fromEntries(wrt.map((k, i) => [k, xs[i]!])) }), r)) as tf.Scalar;
    return [y, ...tf.grads(loss)(wrt.map((k) => t[k]!))];
  };
}

/** A synthesis layer (3×3, 5 → 6 channels at 6×6, batch 3), with or without noise, with or without ×2 up. */
function styledCase(rng: Rng, noise: boolean, up: boolean): Case {
  const side = up ? 12 : 6;
  const inputs = draw(rng, { x: [3, 6, 6, 5], w: [3, 3, 5, 6], s: [3, 5], bias: [6], noise: [3, side, side, 1], strength: [1], r: [3, side, side, 6] });
  const f = (t: Record<string, tf.Tensor>) =>
    styledConvAct(
      t.x as tf.Tensor4D,
      t.w as tf.Tensor4D,
      tf.add(t.s!, 1) as tf.Tensor2D,
      t.bias!,
      noise ? { noise: t.noise as tf.Tensor4D, strength: t.strength! } : null,
      up,
    );
  const wrt = noise ? ['x', 'w', 's', 'bias', 'noise', 'strength'] : ['x', 'w', 's', 'bias'];
  return { name: `styled conv${noise ? ' + noise' : ''}${up ? ' up' : ''}`, inputs, run: valueAndGrads(f, wrt) };
}

/** toRGB's modulated 1×1 conv (not demodulated), 7 → 3 channels. */
function rgbCase(rng: Rng): Case {
  const inputs = draw(rng, { x: [2, 5, 4, 7], w: [1, 1, 7, 3], s: [2, 7], r: [2, 5, 4, 3] });
  const f = (t: Record<string, tf.Tensor>) => modulatedConv(t.x as tf.Tensor4D, t.w as tf.Tensor4D, t.s as tf.Tensor2D, false);
  return { name: 'toRGB modulated conv', inputs, run: valueAndGrads(f, ['x', 'w', 's']) };
}

/**
 * D's bias + lrelu·√2 after a linear map (x·w over the last axis, as D's convolutions), with R1's
 * double backward: the gradient for w of q = Σ r·(∂Σ r·y/∂x)² (b reaches q only through the
 * activation's mask, whose gradient is zero, so only w is asked).
 */
function biasActCase(rng: Rng, shape: Shape): Case {
  const c = shape[shape.length - 1]!;
  const k = 4;
  const inputs = draw(rng, { x: [...shape.slice(0, -1), k], w: [k, c], b: [c], r: shape });
  const f = (t: Record<string, tf.Tensor>) => biasAct(tf.reshape(tf.matMul(tf.reshape(t.x!, [-1, k]), t.w as tf.Tensor2D), shape), t.b!);
  const first = valueAndGrads(f, ['x', 'w', 'b']);
  const run = (t: Record<string, tf.Tensor>) => {
    const q = (w: tf.Tensor) => {
      const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f({ ...t, x: xi, w }), t.r!)) as tf.Scalar)(t.x!);
      return tf.sum(tf.mul(tf.square(gx), tf.reshape(t.r!, [-1]).slice(0, size(gx.shape)).reshape(gx.shape))) as tf.Scalar;
    };
    return [...first(t), tf.grad(q)(t.w!)];
  };
  return { name: `bias act ${shape.join('x')}`, inputs, run };
}

/** A mapping layer: equalised-lr dense with lr ×0.01, bias, lrelu·√2. */
function denseCase(rng: Rng): Case {
  const inputs = draw(rng, { x: [4, 9], w: [9, 11], b: [11], r: [4, 11] }, { w: 100, b: 50 });
  const f = (t: Record<string, tf.Tensor>) => eqDenseAct({ 'm.w': t.w as tf.Variable, 'm.b': t.b as tf.Variable }, 'm', t.x as tf.Tensor2D, 0.01);
  return { name: 'mapping dense act', inputs, run: valueAndGrads(f, ['x', 'w', 'b']) };
}

/** A style affine (equalised-lr dense with bias, no activation: on WebGPU the fused op at slope 1). */
function affineCase(rng: Rng): Case {
  const inputs = draw(rng, { x: [4, 9], w: [9, 7], b: [7], r: [4, 7] });
  const f = (t: Record<string, tf.Tensor>) => eqDense({ 'a.w': t.w as tf.Variable, 'a.b': t.b as tf.Variable }, 'a', t.x as tf.Tensor2D);
  return { name: 'affine dense', inputs, run: valueAndGrads(f, ['x', 'w', 'b']) };
}

/**
 * D's equalised-lr convolutions with bias and act (3×3 "same", and 3×3 after the FIR filter with
 * stride 2), their gain on the fused op on WebGPU, with R1's double backward for w as biasActCase.
 */
function convActCase(rng: Rng, down: boolean): Case {
  const inputs = draw(rng, { x: [2, 6, 6, 4], w: [3, 3, 4, 5], b: [5], r: down ? [2, 3, 3, 5] : [2, 6, 6, 5] });
  const f = (t: Record<string, tf.Tensor>) =>
    down
      ? convThenHalveAct(t.x as tf.Tensor4D, t.w as tf.Tensor4D, t.b!, Math.SQRT1_2) // the residual main path's 1/√2
      : eqConvAct({ 'c.w': t.w as tf.Variable, 'c.b': t.b as tf.Variable }, 'c', t.x as tf.Tensor4D);
  const first = valueAndGrads(f, ['x', 'w', 'b']);
  const run = (t: Record<string, tf.Tensor>) => {
    const q = (w: tf.Tensor) => {
      const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f({ ...t, x: xi, w }), t.r!)) as tf.Scalar)(t.x!);
      return tf.sum(tf.square(gx)) as tf.Scalar;
    };
    return [...first(t), tf.grad(q)(t.w!)];
  };
  return { name: `D conv act${down ? ' down' : ''}`, inputs, run };
}

/**
 * Three EMA updates of five fresh averages (their buffers shared with the sources' at first; on
 * WebGPU four go in one grouped kernel, the fifth alone), then every average and one source unchanged.
 */
function emaCase(rng: Rng): Case {
  const inputs = draw(rng, { p: [4, 5], q: [7], r: [3, 3, 2], s: [1], t: [6], step: [4, 5], rStep: [3, 3, 2] });
  const run = (t: Record<string, tf.Tensor>) => {
    const source = Object.fromEntries(['p', 'q', 'r', 's', 't'].map((k) => [k, tf.variable(t[k]!)]));
    const ema = new ParamEma(source);
    for (const beta of [0.9, 0.5, 0.99]) {
      ema.update(source, beta);
      source.p!.assign(tf.add(source.p!, t.step!));
      source.r!.assign(tf.add(source.r!, t.rStep!));
    }
    const out = [...Object.keys(source).map((k) => tf.clone(ema.params[k]!)), tf.clone(source.q!)];
    ema.dispose();
    tf.dispose(Object.values(source));
    return out;
  };
  return { name: 'ema', inputs, run };
}

async function values(c: Case): Promise<number[][]> {
  const out = tf.tidy(() => c.run(Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]))));
  const data = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  return data;
}

async function kernelsOf(c: Case): Promise<string[]> {
  const p = await tf.profile(() =>
    tf.dispose(tf.tidy(() => c.run(Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]))))),
  );
  return [...new Set(p.kernels.map((k) => k.name))].sort();
}

async function main(): Promise<void> {
  const rng = new Rng(11);
  const cases = [
    styledCase(rng, true, false),
    styledCase(rng, false, false),
    styledCase(rng, true, true),
    rgbCase(rng),
    biasActCase(rng, [2, 5, 4, 6]),
    biasActCase(rng, [3, 300]),
    denseCase(rng),
    affineCase(rng),
    convActCase(rng, false),
    convActCase(rng, true),
    emaCase(rng),
  ];
  await tf.setBackend('cpu');
  const reference = [];
  for (const c of cases) reference.push(await values(c));
  const dawn = await startWebGpuOnDawn();
  const tensorsBefore = tf.memory().numTensors;
  const webgpu = [];
  for (const c of cases) webgpu.push(await values(c));
  const leaked = tf.memory().numTensors - tensorsBefore;
  const kernels = [];
  for (const c of cases) kernels.push(await kernelsOf(c));
  // To a file: process.exit does not wait for a piped stdout to drain.
  writeFileSync(
    process.argv[2]!,
    JSON.stringify({ adapter: dawn.adapterName, backend: tf.getBackend(), names: cases.map((c) => c.name), reference, webgpu, kernels, leaked }),
  );
  process.exit(0);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
