/**
 * The strict half of the parity benchmark: Ganvas's DCGAN and the PyTorch peer start from the SAME
 * weights (Ganvas's initial parameters, converted to PyTorch layouts by bench/peer/dcgan.py) and take
 * the same steps on the same real batches and latents. If the two implement the same maths, their
 * losses agree to float32 rounding at first and drift apart only slowly (training is chaotic, so
 * rounding differences grow); a wrong layer, init, loss or optimizer detail shows at step 1.
 *
 * The Ganvas side calls the engine's own steps (src/gan/train/steps.ts), the ones GanTrainer.trainStep
 * calls when augmentation is off.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type Resolution } from '../src/contract/config.ts';
import type { PreparedSet } from '../src/data/types.ts';
import { Adam } from '../src/gan/train/adam.ts';
import { isDcganGenerator } from '../src/gan/nn/models/dcgan.ts';
import { buildModel } from '../src/gan/nn/models/index.ts';
import { readParams } from '../src/gan/nn/params.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { discriminatorStep, generatorStep } from '../src/gan/train/steps.ts';

export interface LockstepShape {
  res: Resolution;
  width: number;
  batch: number;
  zDim: number;
}

export interface LockstepResult {
  steps: number;
  ganvas: { d: number[]; g: number[] };
  torch: { d: number[]; g: number[] };
}

/** Runs `steps` identical steps in both; `dir` receives the weights and inputs for the peer. */
export async function lockstep(set: PreparedSet, s: LockstepShape, steps: number, dir: string, peer: string): Promise<LockstepResult> {
  const config = { ...DEFAULT_CONFIG, res: s.res, width: s.width, batch: s.batch, zDim: s.zDim };
  const model = buildModel(config, new Rng(1));
  if (!isDcganGenerator(model.generator)) throw new Error('lockstep runs the DCGAN only');
  const slope = model.generator.slope;
  const all = { ...model.generator.params, ...model.discriminator.params };
  const initial = await readParams(all);
  const names = Object.keys(initial);
  const manifest = names.map((name) => ({ name, shape: [...all[name]!.shape] }));
  await writeFile(join(dir, 'lockstep-params.json'), JSON.stringify(manifest));
  await writeFloats(
    join(dir, 'lockstep-params.f32'),
    names.map((n) => initial[n]!),
  );

  const rng = new Rng(2);
  const idx = Float32Array.from(rng.ints(steps * s.batch, set.count));
  const zD = rng.normals(steps * s.batch * s.zDim);
  const zG = rng.normals(steps * s.batch * s.zDim);
  await writeFloats(join(dir, 'lockstep-inputs.f32'), [idx, zD, zG]);

  const adam = { lr: config.lrD, beta1: config.beta1, beta2: config.beta2, epsilon: 1e-8 };
  const optD = new Adam(model.discriminator.params, adam);
  const optG = new Adam(model.generator.params, { ...adam, lr: config.lrG });
  const data = tf.tensor4d(set.pixels, [set.count, s.res, s.res, 3]);
  const ganvas = { d: [] as number[], g: [] as number[] };
  const zSize = s.batch * s.zDim;
  for (let i = 0; i < steps; i++) {
    const reals = tf.tidy(() => tf.gather(data, tf.tensor1d(Int32Array.from(idx.subarray(i * s.batch, (i + 1) * s.batch)), 'int32')) as tf.Tensor4D);
    const z1 = tf.tensor2d(zD.subarray(i * zSize, (i + 1) * zSize), [s.batch, s.zDim]);
    const z2 = tf.tensor2d(zG.subarray(i * zSize, (i + 1) * zSize), [s.batch, s.zDim]);
    const d = discriminatorStep(model, optD, reals, z1);
    const g = generatorStep(model, optG, z2);
    ganvas.d.push((await d.dLoss.data())[0]!);
    ganvas.g.push((await g.data())[0]!);
    tf.dispose([reals, z1, z2, d.dLoss, d.dReal, d.dFake, d.realSigns, g]);
  }
  tf.dispose([data, ...Object.values(all)]);
  optD.dispose();
  optG.dispose();

  const args = peerFlags({
    lockstep: dir,
    data: join(dir, `faces-${s.res}.f32`),
    count: set.count,
    res: s.res,
    width: s.width,
    zdim: s.zDim,
    batch: s.batch,
    steps,
    'g-slope': slope,
    out: dir,
  });
  const r = spawnSync('/usr/bin/python3', [peer, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lockstep peer failed: ${r.stderr}`);
  const torch = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { d: number[]; g: number[] };
  return { steps, ganvas, torch };
}

/** The PyTorch peer's command line (bench/peer/dcgan.py) from named values: `{ 'g-slope': 0.2 }` → `--g-slope 0.2`. */
export function peerFlags(values: Record<string, string | number>): string[] {
  return Object.entries(values).flatMap(([name, v]) => [`--${name}`, String(v)]);
}

async function writeFloats(file: string, arrays: Float32Array[]): Promise<void> {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  await writeFile(file, new Uint8Array(out.buffer));
}

/** Largest |Ganvas − PyTorch| over both losses in steps [from, to). */
export function maxGap(r: LockstepResult, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < Math.min(to, r.steps); i++) m = Math.max(m, Math.abs(r.ganvas.d[i]! - r.torch.d[i]!), Math.abs(r.ganvas.g[i]! - r.torch.g[i]!));
  return m;
}
