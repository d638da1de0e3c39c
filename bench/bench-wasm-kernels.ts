/**
 * Steps per second of one DCGAN D + G Adam step (batch 32, 32×32 RGB) on the tfjs 'cpu' backend
 * and on 'wasm' with our training kernels (src/gan/backend/wasm-kernels.ts), in one run, with ratios.
 *
 *   npx tsx bench/bench-wasm-kernels.ts [--cpu-steps N] [--wasm-seconds S] [--no-cpu] [--profile] [--torch]
 *
 * The model is self-contained here (not src/gan/models) so that the numbers stay comparable
 * while the project's models change; it has the DCGAN shapes of docs/NOTES (G 371k, D 168k):
 *   G: z[100] → dense 4·4·128 → BN, ReLU → convT 4×4 s2 → 64 → BN, ReLU → 32 → BN, ReLU → 3, tanh
 *   D: conv 4×4 s2 3 → 32 → 64 → 128, leaky ReLU 0.2 → dense → 1 logit; non-saturating loss.
 * `--profile` prints the wasm kernels that take the most time in one step.
 * `--torch` also times the same step in PyTorch (bench/torch-peer.ts; /usr/bin/python3, apt-get install python3-torch),
 * on 1 thread and on all cores. `--cpu-steps N` (default 1; a CPU step takes 1–2 minutes here)
 * and `--no-cpu` set the tfjs CPU part.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { startWasmInNode } from '../cli/node-wasm.ts';
import { torchStepsPerSecond } from './torch-peer.ts';

const BATCH = 32;
const Z = 100;

type Vars = Record<string, tf.Variable>;

function glorot(shape: number[], fanIn: number): tf.Variable {
  return tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 7), Math.sqrt(1 / fanIn)));
}

function makeVars(): { g: Vars; d: Vars } {
  const g: Vars = {
    'fc.w': glorot([Z, 4 * 4 * 128], Z),
    'fc.b': tf.variable(tf.zeros([4 * 4 * 128])),
    'bn0.g': tf.variable(tf.ones([128])),
    'bn0.b': tf.variable(tf.zeros([128])),
  };
  const gCh = [128, 64, 32, 3];
  for (let i = 1; i <= 3; i++) {
    g[`up${i}.w`] = glorot([4, 4, gCh[i]!, gCh[i - 1]!], 16 * gCh[i - 1]!);
    g[`up${i}.b`] = tf.variable(tf.zeros([gCh[i]!]));
    if (i < 3) {
      g[`bn${i}.g`] = tf.variable(tf.ones([gCh[i]!]));
      g[`bn${i}.b`] = tf.variable(tf.zeros([gCh[i]!]));
    }
  }
  const d: Vars = {};
  const dCh = [3, 32, 64, 128];
  for (let i = 1; i <= 3; i++) {
    d[`down${i}.w`] = glorot([4, 4, dCh[i - 1]!, dCh[i]!], 16 * dCh[i - 1]!);
    d[`down${i}.b`] = tf.variable(tf.zeros([dCh[i]!]));
  }
  d['fc.w'] = glorot([4 * 4 * 128, 1], 4 * 4 * 128);
  d['fc.b'] = tf.variable(tf.zeros([1]));
  return { g, d };
}

function bn(v: Vars, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, v[`${name}.b`]!, v[`${name}.g`]!, 1e-5) as tf.Tensor4D;
}

function generator(v: Vars, z: tf.Tensor2D): tf.Tensor4D {
  let h = tf.reshape(tf.add(tf.matMul(z, v['fc.w'] as tf.Tensor2D), v['fc.b']!), [-1, 4, 4, 128]) as tf.Tensor4D;
  h = tf.relu(bn(v, 'bn0', h));
  for (let i = 1; i <= 3; i++) {
    const w = v[`up${i}.w`] as tf.Tensor4D;
    const [n, side] = h.shape;
    h = tf.add(tf.conv2dTranspose(h, w, [n, side * 2, side * 2, w.shape[2]], 2, 'same'), v[`up${i}.b`]!);
    h = i < 3 ? tf.relu(bn(v, `bn${i}`, h)) : tf.tanh(h);
  }
  return h;
}

function discriminator(v: Vars, x: tf.Tensor4D): tf.Tensor2D {
  let h = x;
  for (let i = 1; i <= 3; i++) {
    h = tf.leakyRelu(tf.add(tf.conv2d(h, v[`down${i}.w`] as tf.Tensor4D, 2, 'same'), v[`down${i}.b`]!), 0.2) as tf.Tensor4D;
  }
  return tf.add(tf.matMul(tf.reshape(h, [BATCH, -1]), v['fc.w'] as tf.Tensor2D), v['fc.b']!);
}

interface Bench {
  step: () => void;
  dispose: () => void;
}

function makeBench(): Bench {
  const { g, d } = makeVars();
  const optG = tf.train.adam(2e-4, 0.5);
  const optD = tf.train.adam(2e-4, 0.5);
  const reals = tf.keep(tf.sub(tf.mul(tf.randomUniform([BATCH, 32, 32, 3], 0, 1, 'float32', 3), 2), 1)) as tf.Tensor4D;
  const step = (): void => {
    tf.tidy(() => {
      const z = tf.randomNormal([BATCH, Z]) as tf.Tensor2D;
      const fakes = generator(g, z);
      const dl = optD.minimize(
        () => {
          const real = discriminator(d, reals);
          const fake = discriminator(d, fakes);
          return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake))) as tf.Scalar;
        },
        true,
        Object.values(d),
      );
      const gl = optG.minimize(
        () => tf.mean(tf.softplus(tf.neg(discriminator(d, generator(g, tf.randomNormal([BATCH, Z]) as tf.Tensor2D))))) as tf.Scalar,
        true,
        Object.values(g),
      );
      tf.stack([dl!, gl!]).dataSync();
    });
  };
  const dispose = (): void => {
    tf.dispose([...Object.values(g), ...Object.values(d), reals]);
    optG.dispose();
    optD.dispose();
  };
  return { step, dispose };
}

/** Steps per second: `warm` untimed steps, then steps until `minSteps` and `minSeconds` are both met. */
function timeSteps(bench: Bench, warm: number, minSteps: number, minSeconds: number): { sps: number; leaked: number } {
  for (let i = 0; i < warm; i++) bench.step();
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  let steps = 0;
  while (steps < minSteps || performance.now() - t0 < minSeconds * 1000) {
    bench.step();
    steps++;
  }
  return { sps: steps / ((performance.now() - t0) / 1000), leaked: tf.memory().numTensors - before };
}

/**
 * Wraps every 'wasm' kernel in a timer and runs one step: exclusive milliseconds per kernel (time
 * in kernels that our kernels call is charged to those, not twice), and the time outside kernels.
 */
function profileWasm(bench: Bench): void {
  const own = new Map<string, number>();
  const stack: number[] = [];
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        stack.push(0);
        const t0 = performance.now();
        const out = inner(args);
        const total = performance.now() - t0;
        const children = stack.pop()!;
        own.set(config.kernelName, (own.get(config.kernelName) ?? 0) + total - children);
        if (stack.length > 0) stack[stack.length - 1]! += total;
        return out;
      },
    });
  }
  const t0 = performance.now();
  bench.step();
  const wall = performance.now() - t0;
  const inKernels = [...own.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\none wasm step, profiled: ${wall.toFixed(0)} ms, ${inKernels.toFixed(0)} ms in kernels (exclusive), ${(wall - inKernels).toFixed(0)} ms outside`,
  );
  for (const [name, ms] of [...own].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms`);
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.platform()} ${os.release()}, Node ${process.version}`);
  console.log(`DCGAN 32×32, batch ${BATCH}: one D + one G Adam step`);
  const rows: { label: string; sps: number }[] = [];

  if (!(await startWasmInNode())) throw new Error('the wasm backend did not start');
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const wasmBench = makeBench();
  const { sps: wasmSps, leaked } = timeSteps(wasmBench, 2, 5, arg('--wasm-seconds', 10));
  rows.push({ label: `tfjs wasm + our kernels (simd ${simd}, 1 thread)`, sps: wasmSps });
  console.log(`${rows.at(-1)!.label}: ${wasmSps.toFixed(2)} steps/s (tensor count change over the timed steps: ${leaked})`);
  if (process.argv.includes('--profile')) profileWasm(wasmBench);
  wasmBench.dispose();

  if (!process.argv.includes('--no-cpu')) {
    await tf.setBackend('cpu');
    const cpuBench = makeBench();
    // No untimed step: a CPU step takes minutes, and the CPU backend compiles nothing.
    const cpuSps = timeSteps(cpuBench, 0, arg('--cpu-steps', 1), 0).sps;
    cpuBench.dispose();
    rows.push({ label: 'tfjs cpu', sps: cpuSps });
    console.log(`tfjs cpu: ${cpuSps.toPrecision(2)} steps/s`);
  }
  if (process.argv.includes('--torch')) {
    for (const threads of [...new Set([1, cpus.length])]) {
      const torch = torchStepsPerSecond(threads);
      if (torch === null) {
        console.log('PyTorch: not available (/usr/bin/python3 -c "import torch" failed)');
        break;
      }
      rows.push({ label: torch.label, sps: torch.stepsPerSec });
      console.log(`${torch.label}: ${torch.stepsPerSec.toFixed(2)} steps/s`);
    }
  }
  console.log('\nratios (row ÷ column), same run:');
  for (const a of rows) {
    console.log(
      `  ${a.label}: ` +
        rows
          .filter((b) => b !== a)
          .map((b) => `${(a.sps / b.sps).toPrecision(3)}× ${b.label}`)
          .join(', '),
    );
  }
}

await main();
