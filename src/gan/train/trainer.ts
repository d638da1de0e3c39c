import * as tf from '@tensorflow/tfjs';
import { msg, type Message } from '../../contract/messages.ts';
import type { TrainConfig } from '../../contract/config.ts';
import type { PreparedSet } from '../../data/types.ts';
import { buildModel, type GanModel } from '../nn/models/index.ts';
import { disposeMemento, restoreMemento, takeMemento, type Memento, type Restorable } from '../project/memento.ts';
import type { NamedArray, TrainerSnapshot } from '../project/checkpoint.ts';
import { countParams, disposeParams, type Params } from '../nn/params.ts';
import { isStyleGan } from '../nn/models/stylegan.ts';
import { isAutoencoder } from '../nn/models/autoencoder.ts';
import { isDcganGenerator, RELU_SLOPE } from '../nn/models/dcgan.ts';
import { adamMismatch, arrayToFloat64, assignAdam, assignNamed, float64ToArray, mismatch, readAdam, readNamed } from '../project/trainer-state.ts';
import { Rng } from '../nn/random.ts';
import { gridTensor, readGrid, type GridImage } from '../explore/render.ts';
import { TrainingImages } from './batches.ts';
import { GanRound } from './gan-round.ts';
import { ReconstructionTrainer } from './reconstruction-trainer.ts';
import type { StepReport } from './report.ts';
import type { StyleTraining } from './style-training.ts';
import type { Training } from './training.ts';

export type { GanReport, ReconstructionReport, StepReport } from './report.ts';
export { disposeMemento, type Memento };

/** The part of a project file the trainer itself writes and reads. */
export type TrainerState = Pick<TrainerSnapshot, 'config' | 'step' | 'rng' | 'params' | 'optimizers' | 'extras'>;

/**
 * A run in training: the model, the dataset resident on the device, the random streams and the
 * fixed latents of the sample grid, with the kind's own training (the GAN round, gan-round.ts,
 * or the autoencoders' reconstruction) behind one interface. It does no scheduling (that is
 * the Worker's job) and no reads per round: numbers are summed on the device and read by
 * `report()`.
 */
export class GanTrainer {
  readonly model: GanModel;
  private readonly rng: Rng;
  /** Mirroring and augmentation draws: switching augmentation on does not move batches or latents. */
  private readonly augRng: Rng;
  private readonly images: TrainingImages;
  private readonly training: Training;
  private readonly fixedZ: tf.Tensor2D;
  /** Rounds since the last report. */
  private pending = 0;
  private steps = 0;
  /** The training's counters at each live snapshot (Memento belongs to project/ and holds tensors). */
  private readonly mementoCounters = new WeakMap<Memento, Record<string, number>>();

  constructor(
    public config: TrainConfig,
    dataset: PreparedSet,
  ) {
    this.rng = new Rng(config.seed);
    this.augRng = new Rng(config.seed ^ 0xa06);
    this.model = buildModel(config, this.rng);
    // The grid's latents come from their own seed stream: changing the batch or dataset
    // must not change which faces the grid shows.
    const gridRng = new Rng(config.seed ^ 0x5eed);
    const n = config.gridSide * config.gridSide;
    this.fixedZ = tf.tensor2d(gridRng.normals(n * config.zDim), [n, config.zDim]);
    this.images = new TrainingImages(dataset, config.res, config.xflip);
    const live = () => this.config;
    this.training = isAutoencoder(this.model)
      ? new ReconstructionTrainer(this.model, this.images, this.rng, this.augRng, live)
      : new GanRound(this.model, this.images, this.rng, this.augRng, live);
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
    this.images.replace(dataset);
  }

  /** The probability each augmentation op is applied with (0 when augmentation is off). */
  get augmentP(): number {
    return this.training.augmentP;
  }

  /** A few augmented reals beside augmented fakes, as D sees them (to spot augmentation leaks). */
  async renderAugmented(count = 8): Promise<GridImage> {
    const side = Math.ceil(Math.sqrt(2 * count));
    // A display: its draws come from a throwaway stream and never touch training's.
    const view = new Rng(this.steps + 1);
    const grid = tf.tidy(() => {
      const n = side * side;
      const reals = this.images.draw(Math.ceil(n / 2), view, view);
      const fakes = this.generate(this.fixedZ.slice([0, 0], [n - reals.shape[0], this.config.zDim]));
      return gridTensor(this.training.view(tf.concat([reals, fakes], 0), view), side);
    });
    return readGrid(grid);
  }

  /** One training round (gan-round.ts lists a GAN round's phases); its numbers wait for `report`. */
  trainStep(): void {
    this.training.round();
    this.pending++;
    this.steps++;
  }

  /** Reads the means of the numbers accumulated since the last report (one device sync). */
  async report(): Promise<StepReport | undefined> {
    if (this.pending === 0) return undefined;
    const rounds = this.pending;
    this.pending = 0;
    return this.training.report(this.steps, rounds);
  }

  /** Every variable a run consists of, by name: G, D, and the kind's own state (EMA, w̄, code statistics). */
  private allParams(): Params {
    return { ...this.model.generator.params, ...this.model.discriminator.params, ...this.training.state };
  }

  private get restorable(): Restorable {
    return { params: this.allParams(), optimizers: this.training.optimizers };
  }

  /** A device-side copy of the whole training state (dispose it with `disposeMemento`). */
  snapshot(): Memento {
    const m = takeMemento(this.restorable, this.steps, this.rng.save(), this.augRng.save());
    this.mementoCounters.set(m, this.training.counters());
    return m;
  }

  /** Puts the run back to a snapshot exactly; metrics accumulated since are dropped. */
  rollback(m: Memento): void {
    restoreMemento(this.restorable, m);
    this.rng.restore(m.rng);
    if (m.augRng) this.augRng.restore(m.augRng);
    const counters = this.mementoCounters.get(m);
    if (counters) this.training.setCounters(counters);
    this.steps = m.step;
    this.training.resetReport();
    this.pending = 0;
  }

  /**
   * Everything needed to continue this run exactly, read back from the device: weights, Adam
   * moments, every random stream, the round's counters, ADA's p and the report sums not yet read.
   */
  async exportState(): Promise<TrainerState> {
    const params = await readNamed(this.allParams());
    const optimizers = { g: await readAdam(this.training.optimizers.g), d: await readAdam(this.training.optimizers.d) };
    const aug = this.augRng.save();
    const extras: Record<string, NamedArray> = {
      ...(await this.training.saveExtras()),
      'report.rounds': float64ToArray(this.pending),
      'rng.aug.state': float64ToArray(aug.state),
      ...(aug.spare !== undefined ? { 'rng.aug.spare': float64ToArray(aug.spare) } : {}),
    };
    if (isDcganGenerator(this.model.generator)) extras['g.slope'] = float64ToArray(this.model.generator.slope);
    return { config: this.config, step: this.steps, rng: this.rng.save(), params, optimizers, extras };
  }

  /**
   * Puts a saved state into this trainer (built from the same config). Checks every name and
   * shape first and returns what does not fit, so a bad file never half-loads.
   */
  importState(state: TrainerState): Message | undefined {
    const all = this.allParams();
    const { g, d } = this.training.optimizers;
    const problem =
      mismatch(all, state.params, msg('state.weights')) ??
      adamMismatch(g, state.optimizers['g'], msg('state.optG')) ??
      adamMismatch(d, state.optimizers['d'], msg('state.optD'));
    if (problem) return problem;
    assignNamed(all, state.params);
    assignAdam(g, state.optimizers['g']!);
    assignAdam(d, state.optimizers['d']!);
    this.rng.restore(state.rng);
    const extras = state.extras ?? {};
    const augState = arrayToFloat64(extras['rng.aug.state']);
    if (augState !== undefined) this.augRng.restore({ state: augState, spare: arrayToFloat64(extras['rng.aug.spare']) });
    this.steps = state.step;
    // A file without round counters (older) counts every round as one D and one G step.
    this.training.setCounters({ dDone: state.step, gDone: state.step });
    this.training.loadExtras(extras);
    this.pending = arrayToFloat64(extras['report.rounds']) ?? 0;
    // DCGAN's G (and the autoencoders' decoder) trained with ReLU until projects carried its slope.
    if (isDcganGenerator(this.model.generator)) this.model.generator.slope = arrayToFloat64(extras['g.slope']) ?? RELU_SLOPE;
    return undefined;
  }

  /** Test hook for the divergence path: poisons one generator weight with NaN. */
  poison(): void {
    const w = this.model.generator.params['g.fc.w'] ?? Object.values(this.model.generator.params)[0]!;
    w.assign(tf.tidy(() => tf.mul(w, tf.scalar(NaN))));
  }

  /**
   * Images for display: StyleGAN's from its averaged weights with fixed noise; ψ < 1 truncates
   * (toward w̄ for StyleGAN, BigGAN's truncated latents for DCGAN, toward the code mean for the autoencoders).
   */
  generate(z: tf.Tensor2D, psi = 1): tf.Tensor4D {
    return this.training.generate(z, psi);
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
    return this.training instanceof GanRound ? this.training.styleTraining : undefined;
  }

  /** The fixed-latent sample grid as RGBA pixels. */
  async renderGrid(): Promise<GridImage> {
    const grid = tf.tidy(() => gridTensor(this.generate(this.fixedZ), this.config.gridSide));
    return readGrid(grid);
  }

  dispose(): void {
    this.training.dispose();
    if (isStyleGan(this.model)) this.model.dispose();
    else {
      disposeParams(this.model.generator.params);
      disposeParams(this.model.discriminator.params);
      if (isAutoencoder(this.model)) disposeParams(this.model.buffers);
    }
    this.images.dispose();
    this.fixedZ.dispose();
  }
}
