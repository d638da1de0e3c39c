import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import type { AutoencoderModel } from '../nn/models/autoencoder.ts';
import type { Params } from '../nn/params.ts';
import type { Rng } from '../nn/random.ts';
import type { NamedArray } from '../project/checkpoint.ts';
import { Adam, adamOptionsOf } from './adam.ts';
import type { TrainingImages } from './batches.ts';
import { reconstructionStep } from './reconstruction.ts';
import { RunningMeans, type ReconstructionReport } from './report.ts';
import type { Training } from './training.ts';

const KEYS = ['recon', 'kl'] as const;

/**
 * The autoencoder baselines' training: one round is one reconstruction step on a real batch
 * (reconstruction.ts; the VAE draws its noise from the main stream). No adversary, so no game
 * controls, augmentation or regularisation: the round ignores dSteps and gSteps. The optimizers
 * keep the file names 'g' (decoder) and 'd' (encoder).
 */
export class ReconstructionTrainer implements Training {
  readonly optimizers: { g: Adam; d: Adam };
  private readonly means = new RunningMeans(KEYS);

  constructor(
    private readonly model: AutoencoderModel,
    private readonly images: TrainingImages,
    private readonly rng: Rng,
    private readonly augRng: Rng,
    private readonly config: () => TrainConfig,
  ) {
    const c = config();
    this.optimizers = { g: new Adam(model.decoder.params, adamOptionsOf(c, c.lrG)), d: new Adam(model.encoder.params, adamOptionsOf(c, c.lrD)) };
  }

  round(): void {
    const { batch, zDim } = this.config();
    const reals = this.images.draw(batch, this.rng, this.augRng);
    const noise = this.model.kind === 'vae' ? tf.tensor2d(this.rng.normals(batch * zDim), [batch, zDim]) : undefined;
    const r = reconstructionStep(this.model, { decoder: this.optimizers.g, encoder: this.optimizers.d }, reals, noise);
    this.means.add({ recon: r.recon, kl: r.kl });
    tf.dispose([reals, ...(noise ? [noise] : [])]);
  }

  async report(step: number, rounds: number): Promise<ReconstructionReport> {
    const { sum, count } = await this.means.read();
    return { kind: 'reconstruction', step, steps: rounds, recon: sum.recon / Math.max(count.recon, 1), kl: sum.kl / Math.max(count.kl, 1) };
  }

  resetReport(): void {
    this.means.reset();
  }

  get state(): Params {
    return this.model.buffers;
  }

  readonly augmentP = 0;

  view(images: tf.Tensor4D): tf.Tensor4D {
    return tf.clone(images);
  }

  counters(): Record<string, number> {
    return {};
  }

  setCounters(): void {}

  async saveExtras(): Promise<Record<string, NamedArray>> {
    return { 'report.sums': await this.means.save() };
  }

  loadExtras(extras: Record<string, NamedArray>): void {
    this.means.load(extras['report.sums']);
  }

  generate(z: tf.Tensor2D, psi: number): tf.Tensor4D {
    return this.model.sample(z, psi);
  }

  dispose(): void {
    this.optimizers.g.dispose();
    this.optimizers.d.dispose();
    this.means.dispose();
  }
}
