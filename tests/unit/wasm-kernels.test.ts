/**
 * The WASM training kernels (src/gan/backend/wasm-kernels.ts) against the CPU backend: the same inputs,
 * the same gradients through tf.grads, on both backends in one process.
 *
 * Node and the WASM backend: the backend loads its .wasm from node_modules by itself. When it
 * starts, its emscripten glue adds `uncaughtException` and `unhandledRejection` handlers to
 * `process` that rethrow, which kills the test worker on the first rejected promise instead of
 * letting vitest report it. startWasmInNode() (cli/node-wasm.ts) removes exactly those handlers (the ones
 * added while the backend started, and any with emscripten's source); the first test checks it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, wasmCanTrain } from '../../src/gan/backend/wasm-kernels.ts';
import { startWasmInNode } from '../../cli/node-wasm.ts';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Shape4 = [number, number, number, number];

/** A small seeded generator (mulberry32), so every run checks the same shapes and values. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(20261127);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rand() * 2 - 1);
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Largest |a − b| over the largest |b|: one relative error for a whole tensor. */
function relError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

interface Result {
  shape: number[];
  data: Float32Array;
}

/** Runs `f` on a backend and reads its tensors back. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => f().map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array })));
}

/** The same computation on both backends; every output must agree within 1e-4 relative. */
async function compare(f: () => tf.Tensor[]): Promise<number> {
  const expected = await on('cpu', f);
  const actual = await on('wasm', f);
  let worst = 0;
  actual.forEach((r, i) => {
    expect(r.shape).toEqual(expected[i]!.shape);
    worst = Math.max(worst, relError(r.data, expected[i]!.data));
  });
  expect(worst).toBeLessThan(1e-4);
  return worst;
}

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  stride: [number, number];
  pad: Pad | number;
  /** with a numeric pad: how the output size rounds */
  rounding?: 'floor' | 'ceil';
  /** conv2dTranspose only: the output (= the forward conv's input) shape */
  out?: Shape4;
}

function randomPad(k: number): Pad {
  const r = rand();
  if (r < 0.4) return 'same';
  if (r < 0.8) return 'valid';
  return [
    [0, 0],
    [int(0, k - 1), int(0, k - 1)],
    [int(0, k - 1), int(0, k - 1)],
    [0, 0],
  ];
}

/** conv2d cases: every stride × kernel, random batch 1–3, channels 1–5, odd sizes 5–9. */
function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const s of [1, 2, 3]) {
    for (const k of [3, 4, 5]) {
      const x: Shape4 = [int(1, 3), int(k, 9) | 1, int(k, 9), int(1, 5)];
      const stride: [number, number] = rand() < 0.8 ? [s, s] : [s, int(1, 3)];
      const pad = randomPad(k);
      cases.push({ name: `conv x${x} k${k} s${stride} ${JSON.stringify(pad)}`, x, filter: [k, k, x[3], int(1, 5)], stride, pad });
    }
  }
  cases.push({ name: 'conv 9×5 k4 s2 same', x: [2, 9, 5, 3], filter: [4, 4, 3, 5], stride: [2, 2], pad: 'same' });
  cases.push({ name: 'conv 7×7 k3 s2 valid', x: [3, 7, 7, 5], filter: [3, 3, 5, 2], stride: [2, 2], pad: 'valid' });
  cases.push({ name: 'conv 16×16 k4 s2 same, 8 channels', x: [2, 16, 16, 8], filter: [4, 4, 8, 16], stride: [2, 2], pad: 'same' });
  cases.push({ name: 'conv 9×7 k3 strides [2, 1] same', x: [2, 9, 7, 3], filter: [3, 3, 3, 2], stride: [2, 1], pad: 'same' });
  cases.push({ name: 'conv 7×9 k5×3 strides [1, 3] valid', x: [1, 7, 9, 5], filter: [5, 3, 5, 4], stride: [1, 3], pad: 'valid' });
  cases.push({ name: 'conv 9×9 k3 s3 same, 1 channel', x: [2, 9, 9, 1], filter: [3, 3, 1, 3], stride: [3, 3], pad: 'same' });
  cases.push({ name: 'conv 8×8 k3 s2 pad 1 floor', x: [2, 8, 8, 2], filter: [3, 3, 2, 3], stride: [2, 2], pad: 1, rounding: 'floor' });
  cases.push({ name: 'conv 8×8 k2 s3 valid (kernel smaller than stride)', x: [2, 8, 8, 2], filter: [2, 2, 2, 3], stride: [3, 3], pad: 'valid' });
  return cases;
}

/** conv2dTranspose cases: the output side is any size that maps back onto the input. */
function convTransposeCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const s of [1, 2, 3]) {
    for (const k of [3, 4, 5]) {
      const n = int(1, 3);
      const [h, w] = [int(2, 5), int(2, 5)];
      const [co, ci] = [int(1, 5), int(1, 5)];
      const pad = rand() < 0.5 ? 'same' : 'valid';
      const side = (inSide: number): number => (pad === 'same' ? (inSide - 1) * s + int(1, s) : (inSide - 1) * s + k + int(0, s - 1));
      const out: Shape4 = [n, side(h), side(w), ci];
      cases.push({ name: `convT x[${n},${h},${w},${co}] → ${out} k${k} s${s} ${pad}`, x: [n, h, w, co], filter: [k, k, ci, co], stride: [s, s], pad, out });
    }
  }
  cases.push({
    name: 'convT 4×4 → 8×8 k4 s2 same, 32 → 16 channels',
    x: [2, 4, 4, 32],
    filter: [4, 4, 16, 32],
    stride: [2, 2],
    pad: 'same',
    out: [2, 8, 8, 16],
  });
  return cases;
}

/** y = op(x, w), loss = Σ y · r for a random r: its gradients are the kernels under test. */
function gradients(c: ConvCase, seed: number): () => tf.Tensor[] {
  const r = rng(seed);
  const xData = Float32Array.from({ length: size(c.x) }, () => r() * 2 - 1);
  const wData = Float32Array.from({ length: size(c.filter) }, () => r() * 2 - 1);
  const rData = Float32Array.from({ length: 4096 }, () => r() * 2 - 1);
  const op = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D =>
    c.out === undefined ? tf.conv2d(x, w, c.stride, c.pad, 'NHWC', [1, 1], c.rounding) : tf.conv2dTranspose(x, w, c.out, c.stride, c.pad, c.rounding);
  return () => {
    const x = tf.tensor4d(xData, c.x);
    const w = tf.tensor4d(wData, c.filter);
    const y = op(x, w);
    const weights = tf.tensor(rData.subarray(0, y.size), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), weights)))([x, w]);
    return [y, dx!, dw!];
  };
}

beforeAll(async () => {
  expect(await startWasmInNode()).toBe(true);
});

describe('WASM backend setup in Node', () => {
  it('starts, can train, and leaves no rethrowing emscripten handler on process', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmCanTrain()).toBe(true);
    const handlers = [...process.listeners('unhandledRejection'), ...process.listeners('uncaughtException')];
    for (const listener of handlers) expect(String(listener)).not.toMatch(/throw reason|ExitStatus/);
  });

  it('registers idempotently', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(wasmCanTrain()).toBe(true);
  });
});

describe('WASM conv gradients match the CPU backend', () => {
  const errors: number[] = [];
  it.each(convCases().map((c, i) => [c.name, c, i] as const))('%s', async (_, c, i) => {
    errors.push(await compare(gradients(c, 100 + i)));
  });
  it.each(convTransposeCases().map((c, i) => [c.name, c, i] as const))('%s', async (_, c, i) => {
    errors.push(await compare(gradients(c, 200 + i)));
  });
  it('worst relative error stays at float32 rounding', () => {
    expect(errors.length).toBeGreaterThan(20);
    const worst = Math.max(...errors);
    console.log(`worst relative error over ${errors.length} conv/convT cases (y, dx, dW): ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});

/**
 * dL/dx and dL/dW of L = Σ conv2d(x, w) (stride s, `pad` rows/columns before), by definition.
 * The reference where the CPU backend itself is wrong (its conv gradients ignore a 'ceil' output).
 */
function naiveConvGrads(x: Float32Array, xs: Shape4, w: Float32Array, ws: Shape4, ys: Shape4, s: number, pad: number): [Float32Array, Float32Array] {
  const [n, h, wd, ci] = xs;
  const [kh, kw, , co] = ws;
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < ys[1]; y++)
      for (let xo = 0; xo < ys[2]; xo++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const [r, q] = [y * s + i - pad, xo * s + j - pad];
            if (r < 0 || r >= h || q < 0 || q >= wd) continue;
            for (let c = 0; c < ci; c++)
              for (let o = 0; o < co; o++) {
                const wi = ((i * kw + j) * ci + c) * co + o;
                const xi = ((b * h + r) * wd + q) * ci + c;
                dw[wi]! += x[xi]!;
                dx[xi]! += w[wi]!;
              }
          }
  return [dx, dw];
}

describe('WASM conv gradients with a ceil-rounded output', () => {
  it('match the definition (the CPU backend and the stock WASM Conv2D get this case wrong)', async () => {
    await tf.setBackend('wasm');
    const xs: Shape4 = [2, 8, 8, 2];
    const ws: Shape4 = [3, 3, 2, 3];
    const [x, w] = [values(size(xs)), values(size(ws))];
    const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor4D => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1, 'NHWC', 1, 'ceil');
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv(a, b)))([tf.tensor4d(x, xs), tf.tensor4d(w, ws)]);
    const [refDx, refDw] = naiveConvGrads(x, xs, w, ws, [2, 5, 5, 3], 2, 1);
    expect(relError(dx!.dataSync() as Float32Array, refDx)).toBeLessThan(1e-5);
    expect(relError(dw!.dataSync() as Float32Array, refDw)).toBeLessThan(1e-5);
    tf.dispose([dx!, dw!]);
  });
});

describe('other replaced WASM kernels match the CPU backend', () => {
  it('Tile, including more than 6 broadcast axes before merging', async () => {
    const a = values(24);
    const b = values(6);
    await compare(() => [
      tf.tile(tf.tensor(a, [2, 3, 4]), [2, 1, 3]),
      tf.tile(tf.tensor(b, [1, 1, 1, 6]), [3, 4, 5, 1]),
      tf.tile(tf.tensor(b, [1, 2, 1, 3, 1]), [2, 2, 2, 2, 2]),
      tf.tile(tf.tensor([1, 2, 3], [3], 'int32'), [2]).cast('float32'),
    ]);
    await tf.setBackend('wasm');
    expect(Array.from(tf.tile(tf.tensor([true, false], [2], 'bool'), [2]).dataSync())).toEqual([1, 0, 1, 0]);
  });

  it('matMul gradients (transposed operands) and batched matMul', async () => {
    const a = values(6 * 5);
    const b = values(5 * 4);
    const c = values(3 * 2 * 5);
    await compare(() => {
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D))))([
        tf.tensor2d(a, [6, 5]),
        tf.tensor2d(b, [5, 4]),
      ]);
      const batched = tf.matMul(tf.tensor3d(c, [3, 2, 5]), tf.tensor3d(c, [3, 2, 5]), false, true);
      const fused = tf.fused.matMul({ a: tf.tensor2d(a, [6, 5]), b: tf.tensor2d(b, [4, 5]), transposeB: true, activation: 'relu' });
      return [da!, db!, batched, fused];
    });
  });

  it('LeakyRelu and its gradient', async () => {
    const x = values(200);
    x[0] = 0;
    await compare(() => [tf.leakyRelu(tf.tensor(x), 0.2), tf.grad((t: tf.Tensor) => tf.sum(tf.leakyRelu(t, 0.2)))(tf.tensor(x))]);
  });
});

describe('a whole small GAN', () => {
  it('has the same loss gradients on WASM as on the CPU backend (BN, convT, conv, leaky ReLU, dense)', async () => {
    const shapes: Record<string, number[]> = {
      'g.fc': [8, 4 * 4 * 8],
      'g.up1': [4, 4, 4, 8],
      'g.up2': [4, 4, 3, 4],
      'g.gamma': [8],
      'g.beta': [8],
      'd.c1': [4, 4, 3, 4],
      'd.c2': [4, 4, 4, 8],
      'd.fc': [4 * 4 * 8, 1],
    };
    const init = Object.fromEntries(Object.entries(shapes).map(([k, sh]) => [k, values(size(sh)).map((v) => v * 0.5)]));
    const zData = values(3 * 8);
    const realData = values(3 * 16 * 16 * 3);
    const worst = await compare(() => {
      const p = Object.fromEntries(Object.entries(shapes).map(([k, sh]) => [k, tf.tensor(init[k]!, sh)]));
      const names = Object.keys(p);
      const loss = (...ws: tf.Tensor[]): tf.Scalar => {
        const v = Object.fromEntries(names.map((n, i) => [n, ws[i]!]));
        let h = tf.reshape(tf.matMul(tf.tensor2d(zData, [3, 8]), v['g.fc'] as tf.Tensor2D), [3, 4, 4, 8]) as tf.Tensor4D;
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.relu(tf.batchNorm(h, mean, variance, v['g.beta']!, v['g.gamma']!, 1e-5)) as tf.Tensor4D;
        h = tf.relu(tf.conv2dTranspose(h, v['g.up1'] as tf.Tensor4D, [3, 8, 8, 4], 2, 'same'));
        const fake = tf.tanh(tf.conv2dTranspose(h, v['g.up2'] as tf.Tensor4D, [3, 16, 16, 3], 2, 'same'));
        const d = (x: tf.Tensor4D): tf.Tensor => {
          const a = tf.leakyRelu(tf.conv2d(x, v['d.c1'] as tf.Tensor4D, 2, 'same'), 0.2);
          const b = tf.leakyRelu(tf.conv2d(a as tf.Tensor4D, v['d.c2'] as tf.Tensor4D, 2, 'same'), 0.2);
          return tf.matMul(tf.reshape(b, [3, -1]), v['d.fc'] as tf.Tensor2D);
        };
        const real = tf.tensor4d(realData, [3, 16, 16, 3]);
        return tf.add(tf.mean(tf.softplus(tf.neg(d(fake)))), tf.mean(tf.softplus(d(real)))) as tf.Scalar;
      };
      return tf.grads(loss)(names.map((n) => p[n]!));
    });
    console.log(`whole small GAN, worst relative error over all parameter gradients: ${worst.toExponential(2)}`);
  });
});

describe('WASM training kernels do not leak', () => {
  it('keeps tf.memory().numTensors flat over repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const run = (): void => {
      for (const c of [...convCases().slice(0, 6), ...convTransposeCases().slice(3, 6)]) {
        tf.tidy(() => {
          gradients(c, 1)();
        });
      }
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.leakyRelu(tf.matMul(tf.tile(a, [2, 1]), b))))([tf.ones([2, 3]), tf.ones([3, 2])]);
      });
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
