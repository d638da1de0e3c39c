/**
 * ms per training step of the StyleGAN model vs DCGAN (same batch), in Node on the WASM backend
 * with our training kernels (or the CPU backend). One step = one D + one G Adam step, as the
 * trainer runs them (steps.ts), the models' steps interleaved; the StyleGAN extras (lazy R1, EMA
 * of G, w average) are timed on their own so their amortised cost can be added. Numbers, never
 * assertions.
 *
 *   npx tsx bench/bench-stylegan.ts [--steps 6] [--batch 32] [--backend wasm|cpu]
 */
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/gan/train/adam.ts';
import { emaBeta, ParamEma } from '../src/gan/train/ema.ts';
import { buildDcgan } from '../src/gan/nn/models/dcgan.ts';
import { buildStylegan, isStyleGan, updateWAvg, type StyleGanModel, type StyleGanOptions } from '../src/gan/nn/models/stylegan.ts';
import type { GanModel } from '../src/gan/nn/models/types.ts';
import { countParams, disposeParams, type Params } from '../src/gan/nn/params.ts';
import { defaultR1Gamma, r1Step } from '../src/gan/train/r1.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { discriminatorStep, generatorStep } from '../src/gan/train/steps.ts';
import { parseArgs } from '../cli/args.ts';
import { useNodeBackend, type NodeBackend } from '../cli/node-backend.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms of one call of `fn`, including reading back the tensors it returns (the sync). */
function timeOnce(fn: () => tf.Tensor[]): number {
  const t = performance.now();
  const out = fn();
  for (const o of out) o.dataSync();
  tf.dispose(out);
  return performance.now() - t;
}

const adam = (params: Params) => new Adam(params, { lr: 2e-3, beta1: 0, beta2: 0.99, epsilon: 1e-8 });

/** A model with its optimizers and one D + G step, as GanTrainer runs it. */
interface Contender {
  label: string;
  model: GanModel;
  optD: Adam;
  step: () => tf.Tensor[];
  times: number[];
  first: number;
  dispose(): void;
}

function contender(label: string, model: GanModel, reals: tf.Tensor4D): Contender {
  const optG = adam(model.generator.params);
  const optD = adam(model.discriminator.params);
  const z = () => tf.randomNormal([reals.shape[0], model.zDim]) as tf.Tensor2D;
  const step = () => {
    const [zD, zG] = [z(), z()];
    const d = discriminatorStep(model, optD, reals, zD);
    const g = generatorStep(model, optG, zG);
    tf.dispose([zD, zG, d.dReal, d.dFake, d.realSigns]);
    return [d.dLoss, g];
  };
  const dispose = () => {
    optG.dispose();
    optD.dispose();
    disposeParams(model.generator.params);
    disposeParams(model.discriminator.params);
    if (isStyleGan(model)) model.wAvg.dispose();
  };
  return { label, model, optD, step, times: [], first: timeOnce(step), dispose };
}

function report(c: Contender, batch: number): void {
  const ms = median(c.times);
  const params = `G ${countParams(c.model.generator.params).toLocaleString('en')} / D ${countParams(c.model.discriminator.params).toLocaleString('en')}`;
  console.log(
    `${c.label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms/step  ${((batch * 1000) / ms).toFixed(1).padStart(6)} img/s  first ${c.first.toFixed(0)} ms  (${params})`,
  );
}

/** The StyleGAN extras, each timed alone: lazy R1 (every 16 steps), EMA of G, the w average. */
function benchExtras(model: StyleGanModel, optD: Adam, reals: tf.Tensor4D, steps: number): void {
  const batch = reals.shape[0];
  const gamma = defaultR1Gamma(model.res, batch);
  const ema = new ParamEma(model.generator.params);
  const z = tf.randomNormal([batch, model.zDim]) as tf.Tensor2D;
  const medianOf = (n: number, fn: () => tf.Tensor[]) => (timeOnce(fn), median(Array.from({ length: n }, () => timeOnce(fn))));
  const r1 = medianOf(Math.max(2, Math.floor(steps / 2)), () => [r1Step(model.discriminator, optD, reals, gamma, 16)]);
  const e = medianOf(steps, () => (ema.update(model.generator.params, emaBeta(batch)), []));
  const w = medianOf(steps, () => (tf.tidy(() => updateWAvg(model.wAvg, model.mapping(z), 0.995)), []));
  console.log(
    `  + R1 step (double backward) ${r1.toFixed(0)} ms, every 16 steps: ${(r1 / 16).toFixed(1)} ms/step; EMA update ${e.toFixed(1)} ms; w average ${w.toFixed(1)} ms`,
  );
  ema.dispose();
  z.dispose();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const steps = Number(args.get('steps') ?? 6);
  const batch = Number(args.get('batch') ?? 32);
  const backend = (args.get('backend') ?? 'wasm') as NodeBackend;
  await useNodeBackend(backend);
  console.log(`${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}, Node ${process.version}, tfjs ${backend}, batch ${batch}, median of ${steps}`);
  console.log('steps of all models interleaved, so a busy machine slows them alike\n');
  const reals32 = tf.tanh(tf.randomNormal([batch, 32, 32, 3])) as tf.Tensor4D;
  const reals16 = tf.tanh(tf.randomNormal([batch, 16, 16, 3])) as tf.Tensor4D;
  const style = (o: Omit<StyleGanOptions, 'mappingLayers'>) => buildStylegan({ ...o, mappingLayers: 4 }, new Rng(1));
  const all = [
    contender('DCGAN 32 px, width 32 (preset small)', buildDcgan({ res: 32, width: 32, zDim: 100 }, new Rng(1)), reals32),
    contender('StyleGAN 32 px, width 32, wDim 128, map 4', style({ res: 32, width: 32, zDim: 100, wDim: 128 }), reals32),
    contender('StyleGAN 32 px, width 16, wDim 64, map 4', style({ res: 32, width: 16, zDim: 64, wDim: 64 }), reals32),
    contender('StyleGAN 16 px, width 16, wDim 64, map 4', style({ res: 16, width: 16, zDim: 64, wDim: 64 }), reals16),
  ];
  for (let i = 0; i < steps; i++) for (const c of all) c.times.push(timeOnce(c.step));
  for (const c of all) {
    report(c, batch);
    if (isStyleGan(c.model)) benchExtras(c.model, c.optD, c.model.res === 32 ? reals32 : reals16, steps);
    c.dispose();
  }
  tf.dispose([reals32, reals16]);
}

void main();
