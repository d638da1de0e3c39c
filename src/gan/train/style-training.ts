import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import { emaBeta, emaHalfLifeImages, ParamEma } from './ema.ts';
import { mixStyles, updateWAvg, type NoiseMode, type StyleGanModel } from '../nn/models/stylegan.ts';
import type { Rng } from '../nn/random.ts';
import type { Params } from '../nn/params.ts';

/** Style mixing regularisation: this share of training batches switches latents at a random layer. */
export const STYLE_MIX_PROB = 0.9;

/** w̄ tracks the mean of w over training batches (for truncation); β as in StyleGAN. */
const W_AVG_BETA = 0.995;

/**
 * What StyleGAN training adds around each G step (the round, gan-round.ts, calls it): the running
 * mean of w, and the exponential moving average of G's weights that every displayed sample
 * comes from. Its state (w̄, EMA weights) is part of snapshots and project files.
 */
export class StyleTraining {
  private readonly ema: ParamEma;

  constructor(
    readonly model: StyleGanModel,
    private readonly config: TrainConfig,
  ) {
    this.ema = new ParamEma(model.generator.params);
  }

  /** w̄ ← lerp toward the batch mean of w = mapping(z), with G's weights before its update. */
  trackW(z: tf.Tensor2D): void {
    tf.tidy(() => updateWAvg(this.model.wAvg, this.model.mapping(z), W_AVG_BETA));
  }

  /**
   * After a G update: G_ema ← lerp(G, G_ema, β) with StyleGAN2-ADA's β = 0.5^(batch / half-life),
   * the half-life ramped up as rampup × images seen before this step (so the first step copies G).
   */
  updateEma(imagesSeen: number): void {
    const { batch, emaHalfLife, emaRampup } = this.config;
    const halfLife = emaHalfLifeImages(emaHalfLife, batch);
    this.ema.update(this.model.generator.params, emaRampup > 0 ? emaBeta(batch, halfLife, imagesSeen, emaRampup) : emaBeta(batch, halfLife));
  }

  /**
   * G's forward for training with style mixing regularisation (StyleGAN §3.1): with probability
   * 0.9 a batch takes its styles from a second latent from a random layer on, so neighbouring
   * styles cannot learn to depend on each other. Draws come from the trainer's seeded RNG.
   */
  mixingGenerator(rng: Rng): (z: tf.Tensor2D) => tf.Tensor4D {
    const { model } = this;
    return (z) => {
      if (rng.next() >= STYLE_MIX_PROB) return model.generator.apply(z);
      const cutoff = 1 + Math.floor(rng.next() * (model.numWs - 1));
      const z2 = tf.tensor2d(rng.normals(z.shape[0] * z.shape[1]), z.shape);
      return tf.tidy(() => {
        const mask = model.layerResolutions.map((_, i) => i >= cutoff);
        const images = model.synthesis(mixStyles(model.mapping(z), model.mapping(z2), mask), 'random');
        z2.dispose();
        return images;
      });
    };
  }

  /** Images from the averaged generator; fixed noise by default so a grid does not flicker. */
  sample(z: tf.Tensor2D, psi = 1, noise: NoiseMode = { seed: 0 }): tf.Tensor4D {
    return this.ema.withAverage(this.model.generator.params, () => this.model.sample(z, noise, psi));
  }

  /** Runs `fn` with G's averaged weights in place (for mixing and interpolation). */
  withAverage<T>(fn: () => T): T {
    return this.ema.withAverage(this.model.generator.params, fn);
  }

  /** w̄ and the EMA weights, under names that do not clash with the live parameters. */
  get state(): Params {
    const ema: Params = {};
    for (const [n, v] of Object.entries(this.ema.params)) ema[`ema.${n}`] = v;
    return { ...this.model.buffers, ...ema };
  }

  dispose(): void {
    this.ema.dispose();
  }
}
