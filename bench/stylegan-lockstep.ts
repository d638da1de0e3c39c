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
 * - `styleganLockstep`: `steps` training rounds of the engine's own round (gan-round.ts's
 *   GanRound, as GanTrainer runs it: D main, lazy R1 with NVlabs's Adam correction, G main with
 *   style mixing), the peer running the same phases with NVlabs's losses; every loss compared.
 *   With `adoptUnresolved` the peer also takes Ganvas's value of each gradient entry float32
 *   cannot resolve (UNRESOLVED): where rounding, amplified by Adam, parted two faithful
 *   float32 programs here (docs/parity.md, "StyleGAN: lockstep").
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, MODEL_DEFAULTS, type Resolution, type TrainConfig } from '../src/contract/config.ts';
import { buildModel } from '../src/gan/nn/models/index.ts';
import { mbstdGroupSize } from '../src/contract/mbstd.ts';
import { channelsAt } from '../src/gan/nn/models/stylegan-layers.ts';
import { isStyleGan, mixStyles, type StyleGanModel } from '../src/gan/nn/models/stylegan.ts';
import { readParams, type Params } from '../src/gan/nn/params.ts';
import { Rng } from '../src/gan/nn/random.ts';
import { Adam } from '../src/gan/train/adam.ts';
import { discriminatorLoss, generatorLoss } from '../src/gan/train/losses.ts';
import { r1Penalty, r1Step } from '../src/gan/train/r1.ts';
import { TrainingImages } from '../src/gan/train/batches.ts';
import { GanRound } from '../src/gan/train/gan-round.ts';
import { gradientsByName } from '../src/gan/train/steps.ts';
import { STYLE_MIX_PROB } from '../src/gan/train/style-training.ts';

/** D's last bias: shifts every logit alike, so R1 (a function of ∇ₓD) never reaches it. */
const LAST_BIAS = 'd.b4.out.b';

export const PEER = join(import.meta.dirname, 'peer', 'stylegan.py');
const PYTHON = '/usr/bin/python3';

/** Sizes of a lockstep run (a StyleGAN small enough for seconds per run). */
export interface StyleLockstepShape {
  res: Resolution;
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

/** One draw from the round's main random stream. */
type Draw = { t: 'i'; data: Int32Array } | { t: 'n'; data: Float32Array } | { t: 'u'; v: number };

/**
 * The round's main stream, recording every draw in order: batch indices (ints), latents and
 * second latents (blocks of normals), and the mixing generator's uniforms (decision, cutoff).
 * Uniforms consumed inside ints() and normals() are not listed on their own.
 */
class RecordingRng extends Rng {
  log: Draw[] = [];
  private quiet = 0;

  override next(): number {
    const u = super.next();
    if (this.quiet === 0) this.log.push({ t: 'u', v: u });
    return u;
  }

  override normals(n: number, std = 1, mean = 0): Float32Array {
    const data = this.silently(() => super.normals(n, std, mean));
    this.log.push({ t: 'n', data });
    return data;
  }

  override ints(n: number, max: number): Int32Array {
    const data = this.silently(() => super.ints(n, max));
    this.log.push({ t: 'i', data });
    return data;
  }

  private silently<T>(f: () => T): T {
    this.quiet++;
    try {
      return f();
    } finally {
      this.quiet--;
    }
  }
}

/**
 * Reads one round's draws into the tape, in the order GanRound makes them: per D step the batch
 * indices, then the fakes' generator call; per G step a generator call. A generator call is a
 * latent block and the mix uniform, then (when it mixes) the cutoff uniform and the second
 * latent. `noise` holds each generator call's noise tensors, in call order.
 */
function readRound(
  i: number,
  log: Draw[],
  noise: Float32Array[][],
  shapes: number[][][],
  tape: Named,
  B: number,
  zDim: number,
  dSteps: number,
  gSteps: number,
): void {
  let at = 0;
  let call = 0;
  const take = <T extends Draw['t']>(t: T): Extract<Draw, { t: T }> => {
    const d = log[at++];
    if (d?.t !== t) throw new Error(`lockstep: round ${i + 1}, draw ${at}: expected ${t}, GanRound drew ${d?.t ?? 'nothing'}`);
    return d as Extract<Draw, { t: T }>;
  };
  const generatorCall = (key: string) => {
    tape[`${key}:z`] = { data: take('n').data, shape: [B, zDim] };
    const mix = [take('u').v];
    if (log[at]?.t === 'u') {
      mix.push(take('u').v);
      tape[`${key}:z2`] = { data: take('n').data, shape: [B, zDim] };
    }
    tape[`${key}:mix`] = { data: Float32Array.from(mix), shape: [mix.length] };
    (noise[call] ?? []).forEach((data, l) => (tape[`${key}:noise${l}`] = { data, shape: shapes[call]![l]! }));
    call++;
  };
  if (dSteps !== 1 || gSteps !== 1) throw new Error('lockstep: one D and one G step per round');
  tape[`${i}:D:idx`] = { data: Float32Array.from(take('i').data), shape: [B] };
  generatorCall(`${i}:D`);
  generatorCall(`${i}:G`);
  if (at !== log.length || call !== noise.length) throw new Error(`lockstep: round ${i + 1} drew more than the lockstep reads`);
}

/**
 * What Ganvas's r1Step does with a D parameter ∇ₓD never reaches (D's last bias): a probe on a
 * small D whose Adam has seen one step, so the bias's moments are non-zero.
 */
function ganvasR1Rule(): R1Unreached {
  const model = buildModel(lockstepConfig(TINY_SHAPE), new Rng(5));
  const d = model.discriminator;
  const opt = new Adam(d.params, { lr: 1e-3, beta1: 0.5, beta2: 0.99, epsilon: 1e-8 });
  const { batch, res } = TINY_SHAPE;
  const x = tf.tensor4d(new Rng(6).normals(batch * res * res * 3), [batch, res, res, 3]);
  const first = gradientsByName(d.params, () => tf.sum(d.apply(x)) as tf.Scalar);
  opt.apply(first.grads);
  const before = opt.v[LAST_BIAS]!.dataSync()[0]!;
  tf.dispose(r1Step(d, opt, x, 1, 1));
  const after = opt.v[LAST_BIAS]!.dataSync()[0]!;
  tf.dispose([x, first.value, ...Object.values(first.grads)]);
  opt.dispose();
  if (isStyleGan(model)) model.dispose();
  return after === before ? 'ganvas' : 'nvlabs';
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
  /** The peer's rule for D's last bias in R1 steps; default: the rule Ganvas's r1Step follows. */
  peerR1Rule?: R1Unreached;
  /**
   * Gives Ganvas's D updates zero gradients for the parameters they leave out (in R1 steps, D's
   * last bias), i.e. NVlabs's rule, by wrapping the round's D optimizer here in the bench; the
   * peer then follows NVlabs's rule too. Shows what the lockstep would be if r1Step did so.
   */
  emulateNvlabsR1?: boolean;
  /** Also run the peer in float64 (default true; one more PyTorch start). */
  float64?: boolean;
  /**
   * Hands the peer Ganvas's value of every gradient entry float32 cannot resolve (see
   * `unresolvedEntries`), so the comparison is of the maths, not of which rounding noise Adam
   * amplified. Default false: the peer computes every gradient itself.
   */
  adoptUnresolved?: boolean;
}

/**
 * Gradient entries below this fraction of their tensor's largest |entry| are float32 rounding:
 * a float32 sum carries an error of ~1e-7 of its largest term, measured here at 6e-8 of the
 * tensor's largest gradient (Ganvas) and 5e-9 (PyTorch) for an entry whose float64 value is
 * 1.3e-9 of it (seed 1's round 1). Adam's step for such an entry is not small: at its first update m̂/√v̂ = g/|g| whatever
 * β, so the step is lr · g/(|g| + ε), and with |g| ~ ε rounding sets its size and even its sign.
 */
export const UNRESOLVED = 1e-6;

/** One gradient entry Ganvas's value of which the peer was handed (LockstepOptions.adoptUnresolved). */
export interface AdoptedEntry {
  /** Round (1-based) and phase of the update. */
  round: number;
  phase: 'D' | 'R1' | 'G';
  name: string;
  index: number;
  /** Ganvas's float32 value, and the largest |entry| of its tensor. */
  value: number;
  scale: number;
}

/**
 * The entries of `grads` with |g| ≤ UNRESOLVED · max |g| of their tensor, in tensors that are not
 * all zero (a parameter an update does not reach is exactly zero on both sides).
 */
export function unresolvedEntries(grads: Record<string, tf.Tensor>): { name: string; index: number; value: number; scale: number }[] {
  const out: { name: string; index: number; value: number; scale: number }[] = [];
  for (const [name, g] of Object.entries(grads)) {
    const data = g.dataSync() as Float32Array;
    let scale = 0;
    for (const x of data) scale = Math.max(scale, Math.abs(x));
    if (scale === 0) continue;
    data.forEach((x, index) => {
      if (Math.abs(x) <= UNRESOLVED * scale) out.push({ name, index, value: x, scale });
    });
  }
  return out;
}

/**
 * Wraps the round's optimizers so every update's unresolved gradient entries are listed under
 * its round and phase (D's first update in a round is its main step, a second one lazy R1).
 */
function recordUnresolved(round: GanRound, roundNo: () => number): AdoptedEntry[] {
  const log: AdoptedEntry[] = [];
  let last = { round: 0, dCalls: 0 };
  const wrap = (opt: Adam, phaseOf: () => AdoptedEntry['phase']) => {
    const apply = opt.apply.bind(opt);
    opt.apply = (grads) => {
      const phase = phaseOf();
      for (const e of unresolvedEntries(grads)) log.push({ round: roundNo(), phase, ...e });
      apply(grads);
    };
  };
  wrap(round.optimizers.d, () => {
    if (last.round !== roundNo()) last = { round: roundNo(), dCalls: 0 };
    return last.dCalls++ === 0 ? 'D' : 'R1';
  });
  wrap(round.optimizers.g, () => 'G');
  return log;
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
  /** The peer in float64: the same computation with float32's rounding taken out (unless LockstepOptions.float64 is false). */
  torch64?: StepLosses[];
  /** What Ganvas's R1 step does with D's last bias (read off its Adam moments). */
  r1Unreached: R1Unreached;
  /** The rule the peer followed (Ganvas's unless LockstepOptions.peerR1Rule). */
  peerR1Rule: R1Unreached;
  ganvas: StepLosses[];
  torch: StepLosses[];
  torchVersion: string;
  /** The gradient entries handed to the peer (empty unless LockstepOptions.adoptUnresolved). */
  adopted: AdoptedEntry[];
}

/**
 * The training lockstep: `steps` rounds of the engine's own round (GanRound: D main, lazy R1 when
 * due, G main with w̄ and EMA), its main stream recorded; the peer runs the same phases.
 */
export async function styleganLockstep(dir: string, o: LockstepOptions, s: StyleLockstepShape = TINY_SHAPE): Promise<StyleLockstepResult> {
  const seed = o.seed ?? 1;
  const config = lockstepConfig(s, { r1Every: o.r1Every, r1Gamma: o.r1Gamma, r1GammaAuto: false, seed, dSteps: 1, gSteps: 1 });
  const model = buildModel(config, new Rng(seed));
  if (!isStyleGan(model)) throw new Error('not a StyleGAN');
  const count = o.count ?? 16;
  const tape: Named = await paramTape({ ...model.generator.params, ...model.discriminator.params });
  const pixels = new Rng(seed + 200).normals(count * s.res * s.res * 3, 0.5).map(Math.tanh);
  tape['data'] = { data: pixels, shape: [count, s.res, s.res, 3] };
  const images = new TrainingImages({ res: s.res, count, pixels, names: [] }, s.res, false);
  // Noise per generator call (a call starts at its layer 0), from a CPU stream the tape records.
  const noiseRng = new Rng(seed + 300);
  let noise: Float32Array[][] = [];
  let shapes: number[][][] = [];
  model.setNoiseSource((shape, _seed, layer) => {
    if (layer === 0)
      [noise, shapes] = [
        [...noise, []],
        [...shapes, []],
      ];
    const data = noiseRng.normals(shape.reduce((a, b) => a * b, 1));
    noise.at(-1)!.push(data);
    shapes.at(-1)!.push([...shape]);
    return tf.tensor4d(data, shape);
  });
  const rng = new RecordingRng(seed + 400);
  const round = new GanRound(model, images, rng, new Rng(seed + 500), () => config);
  if (o.emulateNvlabsR1) {
    const optD = round.optimizers.d;
    const apply = optD.apply.bind(optD);
    optD.apply = (grads) => {
      const zeros = Object.keys(model.discriminator.params).filter((n) => !(n in grads));
      const filled = { ...grads, ...Object.fromEntries(zeros.map((n) => [n, tf.zerosLike(model.discriminator.params[n]!)])) };
      apply(filled);
      tf.dispose(zeros.map((n) => filled[n]!));
    };
  }
  type Phase = { name: string; kind: 'D' | 'R1' | 'G'; gamma?: number; interval?: number; adopt?: [string, number, number][] };
  const phases: Phase[][] = [];
  const ganvas: StepLosses[] = [];
  let roundNo = 0;
  const adopted = o.adoptUnresolved ? recordUnresolved(round, () => roundNo) : [];
  for (let i = 0; i < o.steps; i++) {
    roundNo = i + 1;
    round.round();
    const report = await round.report(i + 1, 1);
    if (report.kind !== 'gan') throw new Error('not a GAN report');
    readRound(i, rng.log, noise, shapes, tape, s.batch, s.zDim, config.dSteps, config.gSteps);
    [rng.log, noise, shapes] = [[], [], []];
    const row: StepLosses = { d: report.dLoss, g: report.gLoss };
    const list: Phase[] = [{ name: 'D', kind: 'D' }];
    if (report.r1 !== undefined) {
      row.r1 = report.r1;
      tape[`${i}:R1:idx`] = tape[`${i}:D:idx`]!; // R1 on that D step's reals (GanRound.dReg)
      list.push({ name: 'R1', kind: 'R1', gamma: o.r1Gamma, interval: o.r1Every });
    }
    list.push({ name: 'G', kind: 'G' });
    for (const ph of list) {
      const mine = adopted.filter((e) => e.round === i + 1 && e.phase === ph.kind);
      if (mine.length) ph.adopt = mine.map((e) => [e.name, e.index, e.value]);
    }
    phases.push(list);
    ganvas.push(row);
  }
  const r1Unreached = ganvasR1Rule();
  const { d: optD, g: optG } = round.optimizers;
  const peerRule = o.emulateNvlabsR1 ? 'nvlabs' : (o.peerR1Rule ?? r1Unreached);
  const cfg = { ...peerConfig(config, model), optD: optD.options, optG: optG.options, r1Unreached: peerRule };
  writeTape(dir, 'train', tape, { config: cfg, steps: phases });
  round.dispose();
  images.dispose();
  model.dispose();
  const peer = (dtype: string) => JSON.parse(runPeer(dir, 'train', ['--dtype', dtype]).trim().split('\n').at(-1)!) as { steps: StepLosses[]; torch: string };
  const f32 = peer('float32');
  const f64 = o.float64 === false ? undefined : peer('float64');
  return { r1Unreached, peerR1Rule: peerRule, ganvas, torch: f32.steps, ...(f64 ? { torch64: f64.steps } : {}), torchVersion: f32.torch, adopted };
}

/** Largest gap between two runs' losses (D, G and R1) over steps [from, to); an R1 in one run only counts as ∞. */
export function styleMaxGap(a: StepLosses[], b: StepLosses[], from: number, to: number): number {
  let m = 0;
  for (let i = from; i < Math.min(to, a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    m = Math.max(m, Math.abs(x.d - y.d), Math.abs(x.g - y.g));
    if (x.r1 !== undefined || y.r1 !== undefined) m = Math.max(m, Math.abs((x.r1 ?? Infinity) - (y.r1 ?? -Infinity)));
  }
  return m;
}
