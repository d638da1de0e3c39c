import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../contract/config.ts';
import type { Adam } from './adam.ts';
import { emaBeta, ParamEma } from './ema.ts';
import { mixStyles, updateWAvg, type NoiseMode, type StyleGanModel } from '../nn/models/stylegan.ts';
import type { Rng } from '../nn/random.ts';
import type { Params } from '../nn/params.ts';
import { defaultR1Gamma, r1Step } from './r1.ts';

/** Style mixing regularisation: this share of training batches switches latents at a random layer. */
export const STYLE_MIX_PROB = 0.9;

/** w̄ tracks the mean of w over training batches (for truncation); β as in StyleGAN. */
const W_AVG_BETA = 0.995;

/**
 * What StyleGAN training adds after each D + G step: lazy R1 on the reals D saw, the running
 * mean of w, and the exponential moving average of G's weights that every displayed sample
 * comes from. Its state (w̄, EMA weights) is part of snapshots and project files.
 */
export class StyleTraining {
  private readonly ema: ParamEma;
  readonly gamma: number;

  constructor(
    readonly model: StyleGanModel,
    private readonly config: TrainConfig,
  ) {
    this.ema = new ParamEma(model.generator.params);
    this.gamma = config.r1Gamma > 0 ? config.r1Gamma : defaultR1Gamma(config.res, config.batch);
  }

  afterStep(step: number, optD: Adam, realsSeen: tf.Tensor4D, zG: tf.Tensor2D): void {
    const { r1Every, batch, emaHalfLife } = this.config;
    if (step % r1Every === 0) r1Step(this.model.discriminator, optD, realsSeen, this.gamma, r1Every).dispose();
    tf.tidy(() => updateWAvg(this.model.wAvg, this.model.mapping(zG), W_AVG_BETA));
    this.ema.update(this.model.generator.params, emaBeta(batch, emaHalfLife, step * batch));
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
