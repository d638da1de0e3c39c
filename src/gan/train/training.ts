import type * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.ts';
import type { NamedArray } from '../project/checkpoint.ts';
import type { Params } from '../nn/params.ts';
import type { Rng } from '../nn/random.ts';
import type { StepReport } from './report.ts';

/**
 * What one kind of training is, behind GanTrainer: the GAN game (gan-round.ts) or the
 * autoencoders' reconstruction (reconstruction-trainer.ts). GanTrainer holds what every kind
 * shares (model, images, random streams, grid latents, files and snapshots) and asks this for
 * the rest; it never asks which kind it holds.
 */
export interface Training {
  /** One round; its numbers stay on the device until `report`. */
  round(): void;
  /** Means since the last report (one device read); `step` and `rounds` frame it. */
  report(step: number, rounds: number): Promise<StepReport>;
  /** Drops the numbers accumulated since the last report (after a rollback). */
  resetReport(): void;
  /** The optimizers, by the names files use ('g', 'd'). */
  readonly optimizers: { g: Adam; d: Adam };
  /** Variables of the run beyond the networks' parameters (EMA weights, w̄, code statistics). */
  readonly state: Params;
  /** Plain-number state (step counters, ADA's p, StyleGAN's noise stream) for in-memory snapshots. */
  counters(): Record<string, number>;
  setCounters(c: Record<string, number>): void;
  /** Everything else a file needs to resume exactly (counters, unread report sums). */
  saveExtras(): Promise<Record<string, NamedArray>>;
  loadExtras(extras: Record<string, NamedArray>): void;
  /** Augmentation probability in force (0 for a kind without augmentation). */
  readonly augmentP: number;
  /** D's view of images (identity where there is no D or no augmentation); `draws` supplies its random numbers. */
  view(images: tf.Tensor4D, draws: Rng): tf.Tensor4D;
  /** Display images (ψ < 1: truncated). */
  generate(z: tf.Tensor2D, psi: number): tf.Tensor4D;
  dispose(): void;
}
