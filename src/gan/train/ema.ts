import * as tf from '@tensorflow/tfjs';
import type { Params } from '../nn/params.ts';
import { EMA_GROUP_MAX, fusedEmaGroupUpdate, fusedEmaKind, fusedEmaUpdate } from '../backend/fused-ema.ts';

/**
 * Exponential moving average of a network's weights (Karras et al. 2018; Yazıcı et al. 2019).
 * Samples from the averaged generator are smoother and better than from the live one, whose
 * weights jitter with every adversarial step; training itself never sees the average.
 */
export class ParamEma {
  /** The averaged weights, under the same names as the source (for checkpoints). */
  readonly params: Params = {};

  constructor(source: Params) {
    for (const [name, v] of Object.entries(source)) {
      // Not trainable: optimizers and variableGrads must never pick these up. The new variable
      // shares the source's buffer until either is assigned (tfjs buffers are immutable).
      this.params[name] = tf.variable(v, false);
    }
  }

  /**
   * avg ← β·avg + (1 − β)·source, for every parameter. Written as two products (not
   * source + β·(avg − source)) so that β = 1 keeps the average and β = 0 copies the source
   * bit for bit. Fused kernels where the backend has them (WebGPU, fused-ema.ts): up to four
   * parameters a kernel, or one.
   */
  update(source: Params, beta: number): void {
    const fused = fusedEmaKind();
    const pairs = Object.entries(this.params).map(([name, avg]) => [avg, this.sourceOf(source, name)] as const);
    if (fused) {
      const size = fused === 'groups' ? EMA_GROUP_MAX : 1;
      for (let i = 0; i < pairs.length; i += size) {
        const group = pairs.slice(i, i + size);
        if (group.length > 1) fusedEmaGroupUpdate(group, beta);
        else fusedEmaUpdate(group[0]![0], group[0]![1], beta);
      }
      return;
    }
    for (const [avg, src] of pairs) {
      const next = tf.tidy(() => tf.add(tf.mul(avg, beta), tf.mul(src, 1 - beta)));
      avg.assign(next);
      next.dispose();
    }
  }

  /**
   * Exchanges the values of the source variables and the averages (no copies: tfjs variables
   * share immutable buffers). Calling it twice restores both. While swapped in, anything that
   * reads the source params (generator.apply, sampling) uses the averaged weights.
   */
  swap(source: Params): void {
    for (const [name, avg] of Object.entries(this.params)) {
      const live = this.sourceOf(source, name);
      const held = live.clone();
      live.assign(avg);
      avg.assign(held);
      held.dispose();
    }
  }

  /**
   * Runs `fn` with the averaged weights in place of the live ones and puts the live ones back,
   * even if `fn` throws. `fn` must be synchronous and must not train: an optimizer step in it
   * would update the average instead of the live weights.
   */
  withAverage<T>(source: Params, fn: () => T): T {
    this.swap(source);
    try {
      return fn();
    } finally {
      this.swap(source);
    }
  }

  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
  }

  private sourceOf(source: Params, name: string): tf.Variable {
    const v = source[name];
    if (v === undefined) throw new Error(`ParamEma: parameter ${name} is missing from the source`);
    return v;
  }
}

/**
 * Per-step EMA decay for a half-life given in images: β = 0.5^(batch / halfLife), so the weight
 * of a step halves after `halfLifeImages` images whatever the batch (StyleGAN2-ADA: 10k images
 * at batch 32). With `imagesSeen`, the half-life ramps up as `rampup · imagesSeen` (ADA: 0.05)
 * so the average does not drag the random initial weights along for the first thousands of images.
 */
export function emaBeta(batch: number, halfLifeImages = 10_000, imagesSeen?: number, rampup = 0.05): number {
  const halfLife = imagesSeen === undefined ? halfLifeImages : Math.min(halfLifeImages, rampup * imagesSeen);
  return halfLife > 0 ? 0.5 ** (batch / halfLife) : 0;
}

/**
 * StyleGAN2-ADA's half-life in images for a batch: ema_kimg = batch·10/32, i.e. `halfLifeAt32`
 * (10k by default) scaled by batch/32. The half-life in steps is then the same at every batch.
 */
export function emaHalfLifeImages(halfLifeAt32: number, batch: number): number {
  return (halfLifeAt32 * batch) / 32;
}
