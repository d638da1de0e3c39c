/**
 * Ganvas's StyleGAN against a PyTorch StyleGAN2 written from NVlabs's stylegan2-ada-pytorch
 * (bench/peer/stylegan.py), in lockstep.
 *
 * Everything random is drawn on the Ganvas side and handed over in a "tape" (a JSON manifest of
 * named float32 arrays in one file): the initial weights, the real batches, the latents, the
 * style-mixing draws (the raw uniforms the mixing generator reads, so the peer decides mixing and
 * cutoff by NVlabs's rule itself) and every noise tensor (the model's noise source is swapped
 * for one that draws on the CPU and records).
 *
 * - `styleganCheck`: one forward and backward with fixed weights (perturbed from the init so
 *   zero-initialised biases and noise strengths count): G's images, D's logits, the D, G and R1
 *   losses and every parameter gradient of each.
 * - `styleganLockstep`: `steps` training rounds of the engine's own phases (steps.ts's D and G
 *   steps, r1.ts's lazy R1 step, style-training.ts's mixing generator), the peer running the same
 *   phases with NVlabs's losses; the losses of every phase, compared.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, type TrainConfig } from '../src/contract/config.ts';
import { buildModel } from '../src/gan/nn/models/index.ts';
import { mbstdGroupSize } from '../src/gan/nn/models/stylegan-d.ts';
import { channelsAt } from '../src/gan/nn/models/stylegan-layers.ts';
import { isStyleGan, mixStyles, type NoiseSource, type StyleGanModel } from '../src/gan/nn/models/stylegan.ts';
import { readParams, type Params } from '../src/gan/nn/params.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { Adam } from '../src/gan/train/adam.ts';
import { discriminatorLoss, generatorLoss } from '../src/gan/train/losses.ts';
import { r1Penalty, r1Step } from '../src/gan/train/r1.ts';
import { discriminatorStep, generatorStep, gradientsByName } from '../src/gan/train/steps.ts';
import { STYLE_MIX_PROB, StyleTraining } from '../src/gan/train/style-training.ts';

/** D's last bias: shifts every logit alike, so R1 (a function of ∇ₓD) never reaches it. */
const LAST_BIAS = 'd.b4.out.b';

export const PEER = join(import.meta.dirname, 'peer', 'stylegan.py');
const PYTHON = '/usr/bin/python3';

/** Sizes of a lockstep run (a StyleGAN small enough for seconds per run). */
export interface StyleLockstepShape {
  res: 8 | 16 | 32;
  width: number;
  batch: number;
  zDim: number;
  wDim: number;
  mappingLayers: number;
}

export const TINY_SHAPE: StyleLockstepShape = { res: 16, width: 8, batch: 4, zDim: 8, wDim: 16, mappingLayers: 2 };

type Named = Record<string, { data: Float32Array; shape: number[] }>;

/** Writes `arrays` back to back into DIR/stem.f32 with their names and shapes (and `extra`) in DIR/stem.json. */
function writeTape(dir: string, stem: string, arrays: Named, extra: object): void {
  const names = Object.keys(arrays);
  const total = names.reduce((n, k) => n + arrays[k]!.data.length, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const k of names) {
    flat.set(arrays[k]!.data, at);
    at += arrays[k]!.data.length;
  }
  writeFileSync(join(dir, `${stem}.f32`), new Uint8Array(flat.buffer));
  writeFileSync(join(dir, `${stem}.json`), JSON.stringify({ ...extra, arrays: names.map((name) => ({ name, shape: arrays[name]!.shape })) }));
}

function readTape(dir: string, stem: string): Named {
  const manifest = JSON.parse(readFileSync(join(dir, `${stem}.json`), 'utf8')) as { arrays: { name: string; shape: number[] }[] };
  const buf = readFileSync(join(dir, `${stem}.f32`));
  const flat = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const out: Named = {};
  let at = 0;
  for (const { name, shape } of manifest.arrays) {
    const size = shape.reduce((a, b) => a * b, 1);
    out[name] = { data: flat.slice(at, at + size), shape };
    at += size;
  }
  return out;
}

function runPeer(dir: string, mode: 'check' | 'train', extra: string[] = []): string {
  const r = spawnSync(PYTHON, [PEER, '--dir', dir, '--mode', mode, ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`StyleGAN peer failed: ${r.stderr}`);
  return r.stdout;
}

/** True when Debian's PyTorch can be imported (the peer's only requirement). */
export function peerAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function lockstepConfig(s: StyleLockstepShape, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_CONFIG, ...MODEL_DEFAULTS.stylegan, model: 'stylegan', ...s, ...overrides };
}

/** What the peer needs to build the same networks. */
function peerConfig(c: TrainConfig, model: StyleGanModel): object {
  const opts = { res: c.res, width: c.width, zDim: c.zDim, wDim: c.wDim, mappingLayers: c.mappingLayers };
  return { ...opts, maxChannels: channelsAt(opts, 4), mbstdGroup: mbstdGroupSize(c.batch, 4), numWs: model.numWs, mixProb: STYLE_MIX_PROB };
}

async function paramTape(params: Params): Promise<Named> {
  const values = await readParams(params);
  const out: Named = {};
  for (const [name, v] of Object.entries(values)) out[`param:${name}`] = { data: v, shape: [...params[name]!.shape] };
  return out;
}

/** Noise from a CPU stream, each tensor recorded under `${key()}:noise${layer}` as it is drawn. */
function recordingNoise(rng: Rng, tape: Named, key: () => string): NoiseSource {
  return (shape, _seed, layer) => {
    const data = rng.normals(shape.reduce((a, b) => a * b, 1));
    tape[`${key()}:noise${layer}`] = { data, shape: [...shape] };
    return tf.tensor4d(data, shape);
  };
}

/**
 * An Rng that records what the mixing generator draws: uniforms (the mix decision, the cutoff)
 * and blocks of normals (the second latent). Uniforms consumed inside normals() are not listed.
 */
class RecordingRng extends Rng {
  uniforms: number[] = [];
  blocks: Float32Array[] = [];
  private quiet = false;

  override next(): number {
    const u = super.next();
    if (!this.quiet) this.uniforms.push(u);
    return u;
  }

  override normals(n: number, std = 1, mean = 0): Float32Array {
    this.quiet = true;
    const v = super.normals(n, std, mean);
    this.quiet = false;
    this.blocks.push(v);
    return v;
  }

  take(): { uniforms: number[]; blocks: Float32Array[] } {
    const out = { uniforms: this.uniforms, blocks: this.blocks };
    this.uniforms = [];
    this.blocks = [];
    return out;
  }
}

/** The largest |a − b| over the entries, relative to the largest |b| (at least `floor`). */
function relGap(a: Float32Array, b: Float32Array, floor = 1e-3): number {
  let gap = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return gap / scale;
}

export interface CheckResult {
  /** Largest relative gap (see relGap) per quantity: images, logits, and the worst parameter per gradient. */
  gaps: Record<string, number>;
  /** The parameter each gradient gap was worst at. */
  worst: Record<string, string>;
  losses: { ganvas: number[]; torch: number[] };
}

/** One forward and backward of G, D and R1 with the same weights and inputs on both sides. */
export async function styleganCheck(dir: string, s: StyleLockstepShape = TINY_SHAPE, seed = 1): Promise<CheckResult> {
  const config = lockstepConfig(s);
  const model = buildModel(config, new Rng(seed));
  if (!isStyleGan(model)) throw new Error('not a StyleGAN');
  const rng = new Rng(seed + 100);
  // Move every parameter off its init, so zero biases and zero noise strengths are exercised too.
  const all = { ...model.generator.params, ...model.discriminator.params };
  for (const v of Object.values(all)) v.assign(tf.tidy(() => tf.add(v, tf.tensor(rng.normals(v.size, 0.3), v.shape))));
  const B = s.batch;
  const tape: Named = await paramTape(all);
  const reals = tf.tensor4d(rng.normals(B * s.res * s.res * 3, 0.5), [B, s.res, s.res, 3]);
  const z = rng.normals(B * s.zDim);
  const z2 = rng.normals(B * s.zDim);
  const cutoffU = 0.61; // mixed (< 0.9), cutoff 1 + ⌊0.61 · (numWs − 1)⌋
  const cutoff = 1 + Math.floor(cutoffU * (model.numWs - 1));
  Object.assign(tape, {
    reals: { data: reals.dataSync() as Float32Array, shape: [...reals.shape] },
    'g:z': { data: z, shape: [B, s.zDim] },
    'g:z2': { data: z2, shape: [B, s.zDim] },
    'g:mix': { data: Float32Array.from([0.5, cutoffU]), shape: [2] },
  });
  // Fixed noise per layer, recorded once and replayed on G's second pass.
  const noise = new Map<number, Float32Array>();
  model.setNoiseSource((shape, _seed, layer) => {
    if (!noise.has(layer)) {
      const data = rng.normals(shape.reduce((a, b) => a * b, 1));
      noise.set(layer, data);
      tape[`g:noise${layer}`] = { data, shape: [...shape] };
    }
    return tf.tensor4d(noise.get(layer)!, shape);
  });
  const fakesOf = () =>
    tf.tidy(() => {
      const za = tf.tensor2d(z, [B, s.zDim]);
      const zb = tf.tensor2d(z2, [B, s.zDim]);
      const mask = Array.from({ length: model.numWs }, (_, i) => i >= cutoff);
      return model.synthesis(mixStyles(model.mapping(za), model.mapping(zb), mask), 'random');
    });
  const ours: Record<string, Float32Array> = {};
  const fakes = fakesOf();
  ours['fakes'] = fakes.dataSync() as Float32Array;
  const d = model.discriminator;
  const dNames = Object.keys(d.params);
  let logits: Float32Array = new Float32Array();
  const dStep = gradientsByName(d.params, () => {
    const l = d.apply(tf.concat([reals, fakes], 0));
    logits = l.dataSync() as Float32Array;
    const [r, f] = tf.split(l, 2, 0);
    return discriminatorLoss(r!, f!);
  });
  ours['dReal'] = logits.slice(0, B);
  ours['dFake'] = logits.slice(B);
  const gStep = gradientsByName(model.generator.params, () => generatorLoss(d.apply(fakesOf())));
  const r1 = gradientsByName(d.params, () => tf.mul(r1Penalty(d, reals), 0.5) as tf.Scalar);
  const losses = [dStep.value, gStep.value, r1.value].map((v) => v.dataSync()[0]!);
  losses[2] = losses[2]! * 2; // the peer reports R1 itself, not γ/2 · R1
  writeTape(dir, 'check', tape, { config: peerConfig(config, model) });
  runPeer(dir, 'check');
  const peer = readTape(dir, 'check-peer');
  const gaps: Record<string, number> = {};
  const worst: Record<string, string> = {};
  for (const k of ['fakes', 'dReal', 'dFake']) gaps[k] = relGap(ours[k]!, peer[k]!.data);
  const gradGap = (label: string, grads: Record<string, tf.Tensor>, prefix: string, names: string[]) => {
    gaps[label] = 0;
    for (const n of names) {
      const g = grads[n];
      const p = peer[`${prefix}:${n}`];
      if (!p) throw new Error(`the peer has no ${prefix} for ${n}`);
      // A parameter Ganvas's gradient does not reach (R1 and D's last bias) must get zero from the peer.
      const gap = g ? relGap(g.dataSync() as Float32Array, p.data) : Math.max(...p.data.map(Math.abs));
      if (gap >= gaps[label]!) [gaps[label], worst[label]] = [gap, n];
    }
  };
  gradGap('dGrad', dStep.grads, 'dGrad', dNames);
  gradGap('gGrad', gStep.grads, 'gGrad', Object.keys(model.generator.params));
  gradGap('r1Grad', r1.grads, 'r1Grad', dNames);
  tf.dispose([reals, fakes, dStep.value, gStep.value, r1.value, ...Object.values(dStep.grads), ...Object.values(gStep.grads), ...Object.values(r1.grads)]);
  model.dispose();
  return { gaps, worst, losses: { ganvas: losses, torch: Array.from(peer['losses']!.data) } };
}

export interface LockstepOptions {
  steps: number;
  /** R1 every this many D steps (NVlabs's lazy interval). */
  r1Every: number;
  r1Gamma: number;
  /** Images in the random dataset the batches are drawn from. */
  count?: number;
  seed?: number;
}

/**
 * What an R1 step does with D's last bias, which ∇ₓD never reaches: NVlabs's loss adds D(x)·0,
 * so the bias gets a zero gradient and Adam still decays its moments and steps it ('nvlabs');
 * an R1 step that leaves it out of the update keeps its moments ('ganvas').
 */
export type R1Unreached = 'nvlabs' | 'ganvas';

export interface StepLosses {
  d: number;
  g: number;
  r1?: number;
}

export interface StyleLockstepResult {
  /** What Ganvas's R1 step did with D's last bias (read off its Adam moments); the peer did the same. */
  r1Unreached: R1Unreached;
  ganvas: StepLosses[];
  torch: StepLosses[];
  torchVersion: string;
}

/** The training lockstep: `steps` rounds of D main, lazy R1 and G main on both sides. */
export async function styleganLockstep(dir: string, o: LockstepOptions, s: StyleLockstepShape = TINY_SHAPE): Promise<StyleLockstepResult> {
  const seed = o.seed ?? 1;
  const config = lockstepConfig(s, { r1Every: o.r1Every, r1Gamma: o.r1Gamma, r1GammaAuto: false, seed });
  const model = buildModel(config, new Rng(seed));
  if (!isStyleGan(model)) throw new Error('not a StyleGAN');
  const B = s.batch;
  const count = o.count ?? 16;
  const draws = new Rng(seed + 200);
  const tape: Named = await paramTape({ ...model.generator.params, ...model.discriminator.params });
  const pixels = draws.normals(count * s.res * s.res * 3, 0.5).map(Math.tanh);
  tape['data'] = { data: pixels, shape: [count, s.res, s.res, 3] };
  const data = tf.tensor4d(pixels, [count, s.res, s.res, 3]);
  let key = '';
  model.setNoiseSource(recordingNoise(new Rng(seed + 300), tape, () => key));
  const mixRng = new RecordingRng(seed + 400);
  const style = new StyleTraining(model, config);
  const mixing = style.mixingGenerator(mixRng);
  // Each generator call records its latents and mixing draws under the current phase's key.
  const generate = (z: tf.Tensor2D) => {
    tape[`${key}:z`] = { data: z.dataSync() as Float32Array, shape: [...z.shape] };
    const images = mixing(z);
    const { uniforms, blocks } = mixRng.take();
    tape[`${key}:mix`] = { data: Float32Array.from(uniforms), shape: [uniforms.length] };
    if (blocks[0]) tape[`${key}:z2`] = { data: blocks[0], shape: [...z.shape] };
    return images;
  };
  const adam = { lr: config.lrD, beta1: config.beta1, beta2: config.beta2, epsilon: 1e-8 };
  // Lazy regularisation's Adam correction (NVlabs training_loop.py): c = k/(k + 1), lr·c, β^c for D.
  const c = o.r1Every / (o.r1Every + 1);
  const optD = new Adam(model.discriminator.params, { ...adam, lr: adam.lr * c, beta1: adam.beta1 ** c, beta2: adam.beta2 ** c });
  const optG = new Adam(model.generator.params, { ...adam, lr: config.lrG });
  const phases: { name: string; kind: 'D' | 'R1' | 'G'; gamma?: number; interval?: number }[][] = [];
  const ganvas: StepLosses[] = [];
  let r1Unreached: R1Unreached = 'nvlabs';
  const latents = () => tf.tensor2d(draws.normals(B * s.zDim), [B, s.zDim]);
  for (let i = 0; i < o.steps; i++) {
    const idx = draws.ints(B, count);
    tape[`${i}:D:idx`] = { data: Float32Array.from(idx), shape: [B] };
    const reals = tf.tidy(() => tf.gather(data, tf.tensor1d(idx, 'int32')) as tf.Tensor4D);
    const zD = latents();
    key = `${i}:D`;
    const dr = discriminatorStep(model, optD, reals, zD, { generate });
    const row: StepLosses = { d: dr.dLoss.dataSync()[0]!, g: 0 };
    const list: (typeof phases)[number] = [{ name: 'D', kind: 'D' }];
    // NVlabs's lazy phases run when batch_idx % interval == 0: the first D step included.
    if (i % o.r1Every === 0) {
      tape[`${i}:R1:idx`] = tape[`${i}:D:idx`]!;
      const before = optD.v[LAST_BIAS]!.dataSync()[0]!;
      const penalty = r1Step(model.discriminator, optD, reals, o.r1Gamma, o.r1Every);
      r1Unreached = optD.v[LAST_BIAS]!.dataSync()[0]! === before ? 'ganvas' : 'nvlabs';
      row.r1 = penalty.dataSync()[0]!;
      penalty.dispose();
      list.push({ name: 'R1', kind: 'R1', gamma: o.r1Gamma, interval: o.r1Every });
    }
    const zG = latents();
    key = `${i}:G`;
    const g = generatorStep(model, optG, zG, { generate });
    row.g = g.dataSync()[0]!;
    list.push({ name: 'G', kind: 'G' });
    phases.push(list);
    ganvas.push(row);
    tf.dispose([reals, zD, zG, g, dr.dLoss, dr.dReal, dr.dFake, dr.realSigns]);
  }
  const cfg = { ...peerConfig(config, model), optD: optD.options, optG: optG.options, r1Unreached };
  writeTape(dir, 'train', tape, { config: cfg, steps: phases });
  style.dispose();
  optD.dispose();
  optG.dispose();
  data.dispose();
  model.dispose();
  const out = runPeer(dir, 'train');
  const peer = JSON.parse(out.trim().split('\n').at(-1)!) as { steps: StepLosses[]; torch: string };
  return { r1Unreached, ganvas, torch: peer.steps, torchVersion: peer.torch };
}

/** Largest |Ganvas − PyTorch| over every loss (D, G, R1) of steps [from, to). */
export function styleMaxGap(r: StyleLockstepResult, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < Math.min(to, r.ganvas.length); i++) {
    const [a, b] = [r.ganvas[i]!, r.torch[i]!];
    m = Math.max(m, Math.abs(a.d - b.d), Math.abs(a.g - b.g));
    if (a.r1 !== undefined || b.r1 !== undefined) m = Math.max(m, Math.abs((a.r1 ?? NaN) - (b.r1 ?? NaN)));
  }
  return Number.isNaN(m) ? Infinity : m;
}
