import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import type { GanModel } from '../nn/models/index.ts';
import { isStyleGan } from '../nn/models/stylegan.ts';
import type { Params } from '../nn/params.ts';
import type { Rng } from '../nn/random.ts';
import type { NamedArray } from '../project/checkpoint.ts';
import { arrayToFloat64, float64ToArray } from '../project/trainer-state.ts';
import { AdaController } from './ada.ts';
import { adaAugment } from './ada-pipeline.ts';
import { Adam, adamOptionsOf, type AdamOptions } from './adam.ts';
import { augment, type AugmentPolicy } from './augment.ts';
import type { TrainingImages } from './batches.ts';
import { r1GammaOf, r1Step } from './r1.ts';
import { RunningMeans, type GanReport } from './report.ts';
import { discriminatorEval, discriminatorStep, generatorEval, generatorStep, type DStepResult, type Lens, type StepOptions } from './steps.ts';
import { StyleTraining } from './style-training.ts';
import type { Training } from './training.ts';
import { truncateLatents, withReference } from './truncation.ts';

const KEYS = ['gLoss', 'dLoss', 'dReal', 'dFake', 'realSigns', 'r1'] as const;
type Key = (typeof KEYS)[number];

/**
 * Adam settings for a network trained with lazy regularisation every `interval` steps
 * (StyleGAN2, Karras et al. 2020, appendix B; training_loop.py): with c = interval/(interval + 1),
 * lr·c and β^c, so main + regularisation steps together move the weights as one step per
 * minibatch would.
 */
export function lazyAdamOptions(base: AdamOptions, interval: number): AdamOptions {
  const c = interval / (interval + 1);
  return { ...base, lr: base.lr * c, beta1: base.beta1 ** c, beta2: base.beta2 ** c };
}

const policyOf = (c: TrainConfig): AugmentPolicy => ({ color: c.augColor, translation: c.augTranslation, cutout: c.augCutout });
const hasDiffAugment = (c: TrainConfig) => c.augColor || c.augTranslation || c.augCutout;

/** Grid-stable seeds for DCGAN's truncation redraws and reference batch. */
const TRUNCATION_SEED = 0x7c0;

/**
 * The GAN game, one explicit round at a time, in StyleGAN2-ADA's phase order (training_loop.py
 * and loss.py), with the game controls' step counts:
 *
 *   1. D main × dSteps: each on a fresh real batch and fresh latents; after it, D
 *      regularisation (lazy R1, any model whose config sets a γ) when due, i.e. every r1Every-th D step, counted in
 *      D steps (the first D step included, as NVlabs's batch_idx % interval == 0), with weight
 *      γ/2 · r1Every, on that step's un-augmented reals through D's lens.
 *   2. G main × gSteps: each on fresh latents (StyleGAN: style mixing), with w̄ tracked from
 *      the pre-update w and the EMA of G's weights updated after it.
 *   (G regularisation: none; path-length regularisation is not implemented.)
 *
 * Where it departs from NVlabs on purpose: D's phases come first (NVlabs lists G's first in a
 * round; D first is the game's order here, and over many rounds only the pairing shifts by half
 * a round); G's Adam is not lazy-corrected (NVlabs corrects G by 4/5 whenever G_reg_interval is
 * set, even with pl_weight 0; with no G regularisation there is nothing to correct for); and w̄
 * moves once per G step (NVlabs moves it on every training mapping call, D's fakes included;
 * w̄ only affects truncated samples, never a loss).
 *
 * A frozen player (0 steps) is evaluated without an update, so the report still says where
 * it stands; nothing about it changes (no R1, no EMA).
 *
 * Random streams: `rng` draws batch indices, latents and mixing; `augRng` draws mirroring and
 * augmentation (ADA's pipeline, then DiffAugment). D's Adam carries the lazy-regularisation
 * correction when R1 is on.
 */
export class GanRound implements Training {
  readonly optimizers: { g: Adam; d: Adam };
  private readonly style: StyleTraining | undefined;
  private ada: AdaController | undefined;
  /** R1 weight γ (0: off), for any model's D (r1.ts: r1GammaOf). */
  private readonly gamma: number;
  private readonly means = new RunningMeans<Key>(KEYS);
  /** Updates so far: D main steps (R1's clock) and G steps (the EMA's images seen). */
  private done = { d: 0, g: 0 };

  constructor(
    private readonly model: GanModel,
    private readonly images: TrainingImages,
    private readonly rng: Rng,
    private readonly augRng: Rng,
    private readonly config: () => TrainConfig,
  ) {
    const c = config();
    this.style = isStyleGan(model) ? new StyleTraining(model, c) : undefined;
    this.gamma = r1GammaOf(c);
    const d = adamOptionsOf(c, c.lrD);
    this.optimizers = {
      g: new Adam(model.generator.params, adamOptionsOf(c, c.lrG)),
      d: new Adam(model.discriminator.params, this.gamma > 0 ? lazyAdamOptions(d, c.r1Every) : d),
    };
    this.ada = makeAda(c, 0);
  }

  get styleTraining(): StyleTraining | undefined {
    return this.style;
  }

  round(): void {
    const { dSteps, gSteps } = this.config();
    const d: DStepResult[] = [];
    const r1: tf.Scalar[] = [];
    for (let i = 0; i < dSteps; i++) {
      const reals = this.reals();
      d.push(this.dMain(reals));
      const penalty = this.dReg(reals);
      if (penalty) r1.push(penalty);
      reals.dispose();
      this.done.d++;
    }
    if (dSteps === 0) d.push(this.dEval());
    const g: tf.Scalar[] = [];
    for (let i = 0; i < gSteps; i++) {
      g.push(this.gMain());
      this.done.g++;
    }
    if (gSteps === 0) g.push(this.gEval());
    const pick = (key: keyof DStepResult) => mean(d.map((r) => r[key]));
    this.means.add({
      gLoss: mean(g),
      dLoss: pick('dLoss'),
      dReal: pick('dReal'),
      dFake: pick('dFake'),
      realSigns: pick('realSigns'),
      ...(r1.length ? { r1: mean(r1) } : {}),
    });
  }

  private dMain(reals: tf.Tensor4D): DStepResult {
    return this.withLatents((z) => discriminatorStep(this.model, this.optimizers.d, reals, z, this.stepOptions()));
  }

  /** Lazy R1 when this D step is due; returns the penalty (unscaled) or nothing. */
  private dReg(reals: tf.Tensor4D): tf.Scalar | undefined {
    const { r1Every } = this.config();
    if (!(this.gamma > 0) || this.done.d % r1Every !== 0) return undefined;
    return r1Step(this.model.discriminator, this.optimizers.d, reals, this.gamma, r1Every, this.lens);
  }

  private gMain(): tf.Scalar {
    return this.withLatents((z) => {
      this.style?.trackW(z);
      const loss = generatorStep(this.model, this.optimizers.g, z, this.stepOptions());
      this.style?.updateEma(this.done.g * this.config().batch);
      return loss;
    });
  }

  private dEval(): DStepResult {
    const reals = this.reals();
    const r = this.withLatents((z) => discriminatorEval(this.model, reals, z, this.stepOptions()));
    reals.dispose();
    return r;
  }

  private gEval(): tf.Scalar {
    return this.withLatents((z) => generatorEval(this.model, z, this.stepOptions()));
  }

  private reals(): tf.Tensor4D {
    return this.images.draw(this.config().batch, this.rng, this.augRng);
  }

  /** Runs `fn` on a fresh latent batch from the main stream, then frees the batch. */
  private withLatents<T>(fn: (z: tf.Tensor2D) => T): T {
    const { batch, zDim } = this.config();
    const z = tf.tensor2d(this.rng.normals(batch * zDim), [batch, zDim]);
    try {
      return fn(z);
    } finally {
      z.dispose();
    }
  }

  private stepOptions(): StepOptions {
    return { lens: this.lens, ...(this.style ? { generate: this.style.mixingGenerator(this.rng) } : {}) };
  }

  /** D's view during training: augmentation drawn from the run's augmentation stream. */
  private get lens(): Lens {
    return (x) => this.view(x, this.augRng);
  }

  /**
   * ADA's non-leaking pipeline (ada-pipeline.ts, NVlabs's 'bgc') at the controller's p, then
   * DiffAugment's ops that are switched on, at full strength (their own option, not driven by p).
   */
  view(images: tf.Tensor4D, draws: Rng): tf.Tensor4D {
    const c = this.config();
    return tf.tidy(() => {
      let x = images;
      if (this.ada) x = adaAugment(x, this.ada.p, draws);
      if (hasDiffAugment(c)) x = augment(x, policyOf(c), 1, draws);
      return x === images ? tf.clone(images) : x;
    });
  }

  /** The augmentation probability in force: ADA's p, else 1 for DiffAugment, 0 without either. */
  get augmentP(): number {
    if (this.ada) return this.ada.p;
    return hasDiffAugment(this.config()) ? 1 : 0;
  }

  async report(step: number, rounds: number): Promise<GanReport> {
    const { sum, count } = await this.means.read();
    const m = (k: Key) => sum[k] / Math.max(count[k], 1);
    if (this.ada) this.ada.update(sum.realSigns, count.realSigns * this.config().batch, this.config().batch);
    return {
      kind: 'gan',
      step,
      steps: rounds,
      gLoss: m('gLoss'),
      dLoss: m('dLoss'),
      dReal: m('dReal'),
      dFake: m('dFake'),
      augmentP: this.augmentP,
      ...(count.r1 > 0 ? { r1: m('r1') } : {}),
    };
  }

  resetReport(): void {
    this.means.reset();
  }

  get state(): Params {
    return this.style?.state ?? {};
  }

  counters(): Record<string, number> {
    const noise: Record<string, number> = isStyleGan(this.model) ? { noise: this.model.noiseCounter.value } : {};
    return { dDone: this.done.d, gDone: this.done.g, adaP: this.ada?.p ?? 0, ...noise };
  }

  setCounters(c: Record<string, number>): void {
    this.done = { d: c['dDone'] ?? 0, g: c['gDone'] ?? 0 };
    if (this.ada) this.ada = makeAda(this.config(), c['adaP'] ?? 0);
    if (c['noise'] !== undefined && isStyleGan(this.model)) this.model.noiseCounter.value = c['noise'];
  }

  async saveExtras(): Promise<Record<string, NamedArray>> {
    const extras: Record<string, NamedArray> = {
      'ada.p': float64ToArray(this.ada?.p ?? 0),
      'round.dSteps': float64ToArray(this.done.d),
      'round.gSteps': float64ToArray(this.done.g),
      'report.sums': await this.means.save(),
    };
    if (isStyleGan(this.model)) extras['noise.counter'] = float64ToArray(this.model.noiseCounter.value);
    return extras;
  }

  /**
   * Files from before the round counters (or before ADA's p was kept) resume with the counters
   * at the file's step and ADA's p at what it saved (0 when it saved none).
   */
  loadExtras(extras: Record<string, NamedArray>): void {
    const p = arrayToFloat64(extras['ada.p']);
    if (p !== undefined) this.ada = makeAda(this.config(), p);
    this.done = { d: arrayToFloat64(extras['round.dSteps']) ?? this.done.d, g: arrayToFloat64(extras['round.gSteps']) ?? this.done.g };
    this.means.load(extras['report.sums']);
    const counter = arrayToFloat64(extras['noise.counter']);
    if (counter !== undefined && isStyleGan(this.model)) this.model.noiseCounter.value = counter;
  }

  /**
   * Display images: StyleGAN's from its averaged weights with fixed noise, ψ toward w̄; DCGAN's
   * with BigGAN's truncation trick (truncation.ts) for ψ < 1.
   */
  generate(z: tf.Tensor2D, psi: number): tf.Tensor4D {
    if (this.style) return this.style.sample(z, psi);
    const apply = (x: tf.Tensor2D) => this.model.generator.apply(x);
    if (psi >= 1) return tf.tidy(() => apply(z));
    return tf.tidy(() => withReference(apply, truncateLatents(z, psi, TRUNCATION_SEED), TRUNCATION_SEED + 1));
  }

  dispose(): void {
    this.style?.dispose();
    this.optimizers.g.dispose();
    this.optimizers.d.dispose();
    this.means.dispose();
  }
}

function makeAda(c: TrainConfig, initialP: number): AdaController | undefined {
  return c.ada ? new AdaController({ target: c.adaTarget, speedImages: c.adaSpeedImages, interval: c.reportEvery, initialP }) : undefined;
}

/** One value per reported number: a round of several steps averages them (and frees the rest). */
function mean(xs: tf.Scalar[]): tf.Scalar {
  if (xs.length === 1) return xs[0]!;
  const m = tf.tidy(() => tf.mean(tf.stack(xs)) as tf.Scalar);
  tf.dispose(xs);
  return m;
}
