import * as tf from '@tensorflow/tfjs';

/**
 * Adaptive discriminator augmentation (ADA, Karras et al. 2020): the augmentation probability p
 * of the augmentation pipeline (ada-pipeline.ts) is steered by how sure D is about the reals. The overfitting heuristic is
 * r_t = E[sign(D(real))]: 0 when D cannot separate reals from fakes, → 1 when D has memorised
 * the training set. p moves at a fixed pace per real image seen towards keeping r_t at the
 * target: up when D is overconfident, down when it is not.
 */

export interface AdaOptions {
  /** r_t that p steers towards; 0.6 is the paper's choice. */
  target?: number;
  /**
   * Real images it takes for p to move from 0 to 1 when r_t stays on one side of the target:
   * the paper's 500k by default (config `adaSpeedImages`). A faster speed reacts within minutes
   * here, but moves p on a noisy small-batch r_t.
   */
  speedImages?: number;
  /** Training steps between the paper's updates (4): the size of one step of p. Here p moves per image, so the pace does not depend on it. */
  interval?: number;
  /** Starting p, e.g. restored from a checkpoint. */
  initialP?: number;
}

/** The paper's speed: 500k real images for p to go from 0 to 1. */
export const PAPER_SPEED_IMAGES = 500_000;

/**
 * Highest p ADA may reach. The no-leak argument of ADA (Karras et al. 2020, §2.2 and Fig. 3)
 * needs every transform to be skipped often enough that G can still tell which of the
 * augmented distributions is the clean one: the paper measured leaks for most transforms only
 * above p ≈ 0.8 (ADA's p drives the 'bgc' pipeline, ada-pipeline.ts, built from transforms that
 * are invertible in distribution). 0.8 keeps p where the argument holds.
 */
export const MAX_P = 0.8;

export class AdaController {
  readonly target: number;
  readonly speedImages: number;
  readonly interval: number;
  private current: number;

  constructor(options: AdaOptions = {}) {
    this.target = options.target ?? 0.6;
    this.speedImages = options.speedImages ?? PAPER_SPEED_IMAGES;
    this.interval = options.interval ?? 4;
    if (!(this.target > -1 && this.target < 1)) throw new Error(`ADA target must be in (-1, 1) (got ${this.target})`);
    if (!(this.speedImages > 0)) throw new Error(`ADA speedImages must be positive (got ${this.speedImages})`);
    if (!(Number.isInteger(this.interval) && this.interval >= 1)) throw new Error(`ADA interval must be a positive integer (got ${this.interval})`);
    this.current = clampP(options.initialP ?? 0);
  }

  /** The augmentation probability to pass to augment(). */
  get p(): number {
    return this.current;
  }

  /**
   * One update from the reals seen since the last one: `signSum` = Σ sign(D(real)) over
   * `count` real logits (one per image: realSignSum summed over the steps), `batch` = reals per
   * step. The paper moves p by batch·interval / speedImages once per `interval` steps; here p
   * moves by the same amount per real image, so a read covering any number of steps (e.g.
   * every metrics report) gives the same pace. No data (count 0) or a non-finite sum leaves
   * p unchanged.
   */
  update(signSum: number, count: number, batch: number): number {
    if (!(count > 0) || !(batch > 0) || !Number.isFinite(signSum)) return this.current;
    const rt = signSum / count;
    const steps = count / batch;
    this.current = clampP(this.current + (Math.sign(rt - this.target) * steps * batch) / this.speedImages);
    return this.current;
  }
}

function clampP(p: number): number {
  return Number.isFinite(p) ? Math.min(MAX_P, Math.max(0, p)) : 0;
}

/**
 * Σ sign(D(real)) as a scalar on the device, so the caller can add it to its running sums and
 * read it with the rest of the metrics (one sync per report, none per step). The sum of ±1s
 * is exact in float32 up to 2^24 logits.
 */
export function realSignSum(realLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.sign(realLogits)));
}
