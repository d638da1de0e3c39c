import * as tf from '@tensorflow/tfjs';
import { msg, type Message } from '../../contract/messages.ts';
import type { TrainConfig } from '../../contract/config.ts';
import type { PreparedSet } from '../../data/types.ts';
import { buildModel, type GanModel } from '../nn/models/index.ts';
import { AdaController, SMALL_RUN_SPEED_IMAGES } from './ada.ts';
import { Adam } from './adam.ts';
import { augment, flipHorizontal, type AugmentPolicy } from './augment.ts';
import { disposeMemento, restoreMemento, takeMemento, type Memento, type Restorable } from '../project/memento.ts';
import type { NamedArray, TrainerSnapshot } from '../project/checkpoint.ts';
import { countParams, disposeParams, type Params } from '../nn/params.ts';
import { isStyleGan } from '../nn/models/stylegan.ts';
import { isAutoencoder } from '../nn/models/autoencoder.ts';
import { isDcganGenerator, RELU_SLOPE } from '../nn/models/dcgan.ts';
import { reconstructionStep } from './reconstruction.ts';
import { StyleTraining } from './style-training.ts';
import { adamMismatch, arrayToFloat64, assignAdam, assignNamed, float64ToArray, mismatch, readAdam, readNamed } from '../project/trainer-state.ts';
import { Rng } from '../nn/random.ts';
import { gridTensor, readGrid, type GridImage } from '../explore/render.ts';
import { discriminatorEval, discriminatorStep, generatorEval, generatorStep, type DStepResult, type Lens } from './steps.ts';

/**
 * Mean losses and D outputs over the steps since the last report. The autoencoder kinds have no
 * D: gLoss is their per-pixel reconstruction MSE, dLoss the KL per latent dimension (0 for the
 * plain autoencoder), dReal and dFake 0 (see reconstruction.ts).
 */
export interface StepReport {
  step: number;
  /** Steps averaged into this report. */
  steps: number;
  gLoss: number;
  dLoss: number;
  dReal: number;
  dFake: number;
  /** Augmentation probability in force (ADA's p; 1 with fixed augmentation, 0 with none). */
  augmentP: number;
}

export { disposeMemento, type Memento };

/** The part of a project file the trainer itself writes and reads. */
export type TrainerState = Pick<TrainerSnapshot, 'config' | 'step' | 'rng' | 'params' | 'optimizers' | 'extras'>;

/** Entries of the running sums vector (see `sums`). */
const SUMS = 5;

const makeAda = (c: TrainConfig, initialP: number) =>
  c.ada ? new AdaController({ target: c.adaTarget, speedImages: SMALL_RUN_SPEED_IMAGES, interval: c.reportEvery, initialP }) : undefined;

const policyOf = (c: TrainConfig): AugmentPolicy => ({ color: c.augColor, translation: c.augTranslation, cutout: c.augCutout });
const hasAugment = (c: TrainConfig) => c.augColor || c.augTranslation || c.augCutout;

/**
 * A GAN in training: the models, their optimizers, the dataset resident on the device, and
 * the fixed latents of the sample grid. It does no scheduling (that is the Worker's job) and
 * no reads per step: losses are summed on the device and read by `report()`.
 */
export class GanTrainer {
  readonly model: GanModel;
  private readonly optG: Adam;
  private readonly optD: Adam;
  private readonly rng: Rng;
  /** Augmentation and mirroring draws (see `lensFrom`). */
  private readonly augRng: Rng;
  private data: tf.Tensor4D;
  private dataCount: number;
  private readonly fixedZ: tf.Tensor2D;
  /** Running sums of [gLoss, dLoss, dReal, dFake, Σsign D(real)] since the last report. */
  private sums: tf.Tensor1D;
  private pending = 0;
  private ada: AdaController | undefined;
  private readonly style: StyleTraining | undefined;
  private steps = 0;

  constructor(
    public config: TrainConfig,
    dataset: PreparedSet,
  ) {
    this.rng = new Rng(config.seed);
    this.augRng = new Rng(config.seed ^ 0xa06);
    this.model = buildModel(config, this.rng);
    this.optG = new Adam(this.model.generator.params, { lr: config.lrG, beta1: config.beta1, beta2: config.beta2, epsilon: 1e-8 });
    this.optD = new Adam(this.model.discriminator.params, { lr: config.lrD, beta1: config.beta1, beta2: config.beta2, epsilon: 1e-8 });
    // The grid's latents come from their own seed stream: changing the batch or dataset
    // must not change which faces the grid shows.
    const gridRng = new Rng(config.seed ^ 0x5eed);
    const n = config.gridSide * config.gridSide;
    this.fixedZ = tf.tensor2d(gridRng.normals(n * config.zDim), [n, config.zDim]);
    this.sums = tf.zeros([SUMS]);
    this.ada = makeAda(config, 0);
    this.style = isStyleGan(this.model) ? new StyleTraining(this.model, config) : undefined;
    this.data = uploadDataset(dataset, config.res);
    this.dataCount = dataset.count;
  }

  /** Game controls change live: the make-up of a round, and nothing else about the run. */
  setRound(dSteps: number, gSteps: number): void {
    this.config = { ...this.config, dSteps, gSteps };
  }

  get step(): number {
    return this.steps;
  }

  parameterCounts(): { generator: number; discriminator: number } {
    return { generator: countParams(this.model.generator.params), discriminator: countParams(this.model.discriminator.params) };
  }

  /** Swaps the training images (same resolution) without touching the models. */
  setDataset(dataset: PreparedSet): void {
    const next = uploadDataset(dataset, this.config.res);
    this.data.dispose();
    this.data = next;
    this.dataCount = dataset.count;
  }

  /** The probability each augmentation op is applied with (0 when augmentation is off). */
  get augmentP(): number {
    if (!hasAugment(this.config)) return 0;
    return this.ada ? this.ada.p : 1;
  }

  /**
   * D's view of a batch: DiffAugment with the current p. Draws come from their own stream, so
   * switching augmentation (or ADA's p) on does not change batch order or latents.
   */
  private lensFrom(rng: Rng): Lens {
    return (x) => {
      const p = this.augmentP;
      return p > 0 ? augment(x, policyOf(this.config), p, rng) : x;
    };
  }

  private get lens(): Lens {
    return this.lensFrom(this.augRng);
  }

  /** Real images for a step, mirrored at random when x-flip is on. */
  private realBatch(idx: tf.Tensor1D, rng = this.augRng): tf.Tensor4D {
    return tf.tidy(() => {
      const reals = tf.gather(this.data, idx) as tf.Tensor4D;
      return this.config.xflip ? flipHorizontal(reals, rng, 0.5) : reals;
    });
  }

  /** A few augmented reals beside augmented fakes, as D sees them (to spot augmentation leaks). */
  async renderAugmented(count = 8): Promise<GridImage> {
    const side = Math.ceil(Math.sqrt(2 * count));
    // A display: its draws come from a throwaway stream and never touch training's.
    const view = new Rng(this.steps + 1);
    const grid = tf.tidy(() => {
      const n = side * side;
      const reals = this.realBatch(tf.tensor1d(view.ints(Math.ceil(n / 2), this.dataCount), 'int32'), view);
      const fakes = this.generate(this.fixedZ.slice([0, 0], [n - reals.shape[0], this.config.zDim]));
      return gridTensor(this.lensFrom(view)(tf.concat([reals, fakes], 0)), side);
    });
    return readGrid(grid);
  }

  /**
   * One round of the game: `dSteps` D updates, then `gSteps` G updates, each on fresh latents
   * (and D on a fresh real batch). The default 1 + 1 is the classic alternation. Reported
   * numbers are means over the round; a frozen player (0 steps) is evaluated without an update.
   */
  trainStep(): void {
    const { batch, zDim } = this.config;
    const idx = tf.tensor1d(this.rng.ints(batch, this.dataCount), 'int32');
    if (isAutoencoder(this.model)) return this.reconstructionTrainStep(idx);
    const dSteps = this.config.dSteps ?? 1;
    const gSteps = this.config.gSteps ?? 1;
    const latents = () => tf.tensor2d(this.rng.normals(batch * zDim), [batch, zDim]);
    // Draw order for the default round (idx, zD, zG) is kept, so seeded runs reproduce.
    const zD = latents();
    const zG = latents();
    const reals = this.realBatch(idx);
    const opts = { lens: this.lens, ...(this.style ? { generate: this.style.mixingGenerator(this.rng) } : {}) };
    const dResults: DStepResult[] = [];
    if (dSteps === 0) dResults.push(discriminatorEval(this.model, reals, zD, opts));
    for (let i = 0; i < dSteps; i++) {
      if (i === 0) {
        dResults.push(discriminatorStep(this.model, this.optD, reals, zD, opts));
        continue;
      }
      const more = { idx: tf.tensor1d(this.rng.ints(batch, this.dataCount), 'int32'), z: latents() };
      const moreReals = this.realBatch(more.idx);
      dResults.push(discriminatorStep(this.model, this.optD, moreReals, more.z, opts));
      tf.dispose([more.idx, more.z, moreReals]);
    }
    const gLosses: tf.Scalar[] = [];
    if (gSteps === 0) gLosses.push(generatorEval(this.model, zG, opts));
    for (let i = 0; i < gSteps; i++) {
      const z = i === 0 ? zG : latents();
      gLosses.push(generatorStep(this.model, this.optG, z, opts));
      if (i > 0) z.dispose();
    }
    if (this.style) {
      const seen = tf.tidy(() => this.lens(reals));
      this.style.afterStep(this.steps + 1, this.optD, seen, zG);
      seen.dispose();
    }
    // One value per reported number; a round of several steps averages them (and frees the rest).
    const mean = (xs: tf.Scalar[]): tf.Scalar => {
      if (xs.length === 1) return xs[0]!;
      const m = tf.tidy(() => tf.mean(tf.stack(xs)) as tf.Scalar);
      tf.dispose(xs);
      return m;
    };
    const pick = (key: keyof DStepResult) => mean(dResults.map((r) => r[key]));
    this.accumulate([mean(gLosses), pick('dLoss'), pick('dReal'), pick('dFake'), pick('realSigns')]);
    tf.dispose([idx, zD, zG, reals]);
  }

  /** Autoencoder kinds: one reconstruction step on a real batch (the VAE draws its noise here). */
  private reconstructionTrainStep(idx: tf.Tensor1D): void {
    if (!isAutoencoder(this.model)) return;
    const { batch, zDim } = this.config;
    const reals = this.realBatch(idx);
    const noise = this.model.kind === 'vae' ? tf.tensor2d(this.rng.normals(batch * zDim), [batch, zDim]) : undefined;
    const r = reconstructionStep(this.model, { decoder: this.optG, encoder: this.optD }, reals, noise);
    this.accumulate([r.recon, r.kl]);
    tf.dispose([idx, reals, ...(noise ? [noise] : [])]);
  }

  /** Adds a step's scalars to the running sums (missing entries count 0) and disposes them. */
  private accumulate(values: tf.Scalar[]): void {
    const next = tf.tidy(() => tf.add(this.sums, tf.pad(tf.stack(values), [[0, SUMS - values.length]])) as tf.Tensor1D);
    tf.dispose([...values, this.sums]);
    this.sums = next;
    this.pending++;
    this.steps++;
  }

  /** Reads the mean of the numbers accumulated since the last report (one device sync). */
  async report(): Promise<StepReport | undefined> {
    if (this.pending === 0) return undefined;
    const sums = this.sums;
    const steps = this.pending;
    this.sums = tf.zeros([SUMS]);
    this.pending = 0;
    const [g, d, r, f, signs] = await sums.data();
    sums.dispose();
    if (this.ada) this.ada.update(signs!, steps * this.config.batch, this.config.batch);
    return { step: this.steps, steps, gLoss: g! / steps, dLoss: d! / steps, dReal: r! / steps, dFake: f! / steps, augmentP: this.augmentP };
  }

  /** Every variable a run consists of, by name: G, D, and StyleGAN's w̄ and EMA weights. */
  private allParams(): Params {
    const buffers = isAutoencoder(this.model) ? this.model.buffers : {};
    return { ...this.model.generator.params, ...this.model.discriminator.params, ...this.style?.state, ...buffers };
  }

  private get restorable(): Restorable {
    return { params: this.allParams(), optimizers: { g: this.optG, d: this.optD } };
  }

  /** A device-side copy of the whole training state (dispose it with `disposeMemento`). */
  snapshot(): Memento {
    return takeMemento(this.restorable, this.steps, this.rng.save(), this.augRng.save());
  }

  /** Puts the run back to a snapshot exactly; metrics accumulated since are dropped. */
  rollback(m: Memento): void {
    restoreMemento(this.restorable, m);
    this.rng.restore(m.rng);
    if (m.augRng) this.augRng.restore(m.augRng);
    this.steps = m.step;
    this.sums.dispose();
    this.sums = tf.zeros([SUMS]);
    this.pending = 0;
  }

  /** Everything needed to continue this run exactly, read back from the device. */
  async exportState(): Promise<TrainerState> {
    const params = await readNamed(this.allParams());
    const optimizers = { g: await readAdam(this.optG), d: await readAdam(this.optD) };
    const aug = this.augRng.save();
    const extras: Record<string, NamedArray> = {
      'ada.p': float64ToArray(this.ada?.p ?? 0),
      'rng.aug.state': float64ToArray(aug.state),
      ...(aug.spare !== undefined ? { 'rng.aug.spare': float64ToArray(aug.spare) } : {}),
    };
    if (isStyleGan(this.model)) extras['noise.counter'] = float64ToArray(this.model.noiseCounter.value);
    if (isDcganGenerator(this.model.generator)) extras['g.slope'] = float64ToArray(this.model.generator.slope);
    return { config: this.config, step: this.steps, rng: this.rng.save(), params, optimizers, extras };
  }

  /**
   * Puts a saved state into this trainer (built from the same config). Checks every name and
   * shape first and returns what does not fit, so a bad file never half-loads.
   */
  importState(state: TrainerState): Message | undefined {
    const all = this.allParams();
    const problem =
      mismatch(all, state.params, msg('state.weights')) ??
      adamMismatch(this.optG, state.optimizers['g'], msg('state.optG')) ??
      adamMismatch(this.optD, state.optimizers['d'], msg('state.optD'));
    if (problem) return problem;
    assignNamed(all, state.params);
    assignAdam(this.optG, state.optimizers['g']!);
    assignAdam(this.optD, state.optimizers['d']!);
    this.rng.restore(state.rng);
    const augState = arrayToFloat64(state.extras?.['rng.aug.state']);
    if (augState !== undefined) this.augRng.restore({ state: augState, spare: arrayToFloat64(state.extras?.['rng.aug.spare']) });
    this.steps = state.step;
    const p = arrayToFloat64(state.extras?.['ada.p']);
    if (p !== undefined) this.ada = makeAda(this.config, p);
    const counter = arrayToFloat64(state.extras?.['noise.counter']);
    if (counter !== undefined && isStyleGan(this.model)) this.model.noiseCounter.value = counter;
    // DCGAN's G (and the autoencoders' decoder) trained with ReLU until projects carried its slope.
    if (isDcganGenerator(this.model.generator)) this.model.generator.slope = arrayToFloat64(state.extras?.['g.slope']) ?? RELU_SLOPE;
    return undefined;
  }

  /** Test hook for the divergence path: poisons one generator weight with NaN. */
  poison(): void {
    const w = this.model.generator.params['g.fc.w'] ?? Object.values(this.model.generator.params)[0]!;
    w.assign(tf.tidy(() => tf.mul(w, tf.scalar(NaN))));
  }

  /**
   * Images for display: StyleGAN's from its averaged weights with fixed noise; ψ < 1 truncates
   * (toward w̄ for StyleGAN, toward the origin of z for DCGAN).
   */
  generate(z: tf.Tensor2D, psi = 1): tf.Tensor4D {
    if (this.style) return this.style.sample(z, psi);
    if (isAutoencoder(this.model)) return this.model.sample(z, psi);
    return tf.tidy(() => this.model.generator.apply(psi === 1 ? z : tf.mul(z, psi)));
  }

  /**
   * `n` samples from the displayed generator as NHWC floats, from latents fixed for the whole
   * run (their own seed stream), so a quality curve compares like with like.
   */
  async samplePixels(n: number, fromGrid = false): Promise<Float32Array> {
    const z = fromGrid ? tf.clone(this.fixedZ) : tf.tensor2d(new Rng(this.config.seed ^ 0xe7a1).normals(n * this.config.zDim), [n, this.config.zDim]);
    const imgs = this.generate(z);
    z.dispose();
    const values = (await imgs.data()) as Float32Array;
    imgs.dispose();
    return values;
  }

  /** Rows of the grid's fixed latents (indices wrap around), for the explorer. */
  latents(indices: number[]): tf.Tensor2D {
    const n = this.fixedZ.shape[0];
    return tf.tidy(() =>
      tf.gather(
        this.fixedZ,
        tf.tensor1d(
          indices.map((i) => ((i % n) + n) % n),
          'int32',
        ),
      ),
    );
  }

  get styleTraining(): StyleTraining | undefined {
    return this.style;
  }

  /** The fixed-latent sample grid as RGBA pixels. */
  async renderGrid(): Promise<GridImage> {
    const grid = tf.tidy(() => gridTensor(this.generate(this.fixedZ), this.config.gridSide));
    return readGrid(grid);
  }

  dispose(): void {
    this.style?.dispose();
    if (isStyleGan(this.model)) this.model.dispose();
    else {
      disposeParams(this.model.generator.params);
      disposeParams(this.model.discriminator.params);
      if (isAutoencoder(this.model)) disposeParams(this.model.buffers);
    }
    this.optG.dispose();
    this.optD.dispose();
    tf.dispose([this.data, this.fixedZ, this.sums]);
  }
}

function uploadDataset(set: PreparedSet, res: number): tf.Tensor4D {
  if (set.res !== res) throw new Error(`dataset is ${set.res}×${set.res} but the model trains at ${res}×${res}`);
  if (set.count === 0) throw new Error('the dataset is empty');
  return tf.tensor4d(set.pixels, [set.count, res, res, 3]);
}
