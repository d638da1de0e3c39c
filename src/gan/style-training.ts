import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../contract/config.ts';
import type { Adam } from './adam.ts';
import { emaBeta, ParamEma } from './ema.ts';
import { updateWAvg, type NoiseMode, type StyleGanModel } from './models/stylegan.ts';
import type { Params } from './params.ts';
import { defaultR1Gamma, r1Step } from './r1.ts';

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
