/**
 * The trained discriminator's intermediate features as a perceptual distance for projection
 * (the `pyramid+d` objective), needing no downloaded network:
 * - D is frozen: its weights are copied when a projection starts (copies share the device
 *   memory until training moves D), so one projection is measured with one ruler even while
 *   training runs beside it. Gradients flow through the copy into the latent; nothing updates it.
 * - A few of D's first downsampling blocks (R/2, R/4, …; not fromRGB, a 1×1 map of the pixels
 *   the pyramid already compares), each map unit-normalised across channels at every position
 *   as LPIPS does (Zhang et al. 2018, `normalize_tensor`), then per block the mean over
 *   positions of the squared difference summed over channels (LPIPS without its learned
 *   per-channel weights, which would need training on human judgements); blocks averaged.
 * - The term is weighted so that, at the search's starting image, it equals the pyramid
 *   distance times `balance`: the two are then of similar size however D was trained.
 * The distance shown to the person stays the pyramid distance alone (comparable across runs).
 */
import * as tf from '@tensorflow/tfjs';
import type { ProjectionDistance } from '../../contract/explore.ts';
import type { Discriminator } from '../nn/models/types.ts';
import type { Params } from '../nn/params.ts';

export type { ProjectionDistance };

/** D's blocks used, from the finest: docs/projection.md has the measurement behind it. */
export const D_FEATURE_BLOCKS = 1;
/** The feature term's size against the pyramid distance at the start. */
export const D_FEATURE_BALANCE = 1;

/** Each position's channel vector scaled to unit length ([B, H, W, C]); the epsilon keeps the gradient finite at 0. */
export function unitChannels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 3, true), 1e-10))));
}

/**
 * Per image, the mean over blocks of: the mean over positions of Σ_c (â − b̂)², â and b̂ the unit-
 * normalised maps. Lies in [0, 4]; 0 for identical features. a, b: the same blocks' maps.
 */
export function featureDistance(a: readonly tf.Tensor4D[], b: readonly tf.Tensor4D[]): tf.Tensor1D {
  if (a.length === 0 || a.length !== b.length) throw new RangeError(`feature lists must match and be non-empty (got ${a.length} and ${b.length})`);
  return tf.tidy(() => {
    const perBlock = a.map((fa, i) => {
      const d = tf.sum(tf.square(tf.sub(unitChannels(fa), unitChannels(b[i]!))), 3); // [B, H, W]
      return tf.mean(d, [1, 2]);
    });
    return tf.div(tf.addN(perBlock), perBlock.length) as tf.Tensor1D;
  });
}

/** A frozen copy of D that gives its first `blocks` feature maps. */
export class FrozenFeatures {
  private readonly params: Params;

  constructor(
    private readonly d: Discriminator,
    private readonly blocks: number,
  ) {
    if (!(Number.isInteger(blocks) && blocks >= 1)) throw new RangeError(`D feature blocks must be a whole number ≥ 1 (got ${blocks})`);
    // Non-trainable variables holding D's values now: the trainer's later assigns give D new buffers, not these.
    this.params = Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, tf.variable(v, false)]));
  }

  /** The first `blocks` maps (fewer when D has fewer blocks). */
  features(img: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const all = this.d.features(img, this.params);
      const kept = all.slice(0, this.blocks);
      tf.dispose(all.slice(this.blocks));
      return kept;
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

/**
 * The feature term of one projection: D frozen, the target's features computed once, and the
 * weight that makes the term `balance` × the pyramid distance at the starting image.
 */
export class FeatureTerm {
  private readonly frozen: FrozenFeatures;
  private readonly targetFeatures: tf.Tensor4D[];
  private weightValue = 1;

  constructor(d: Discriminator, target: tf.Tensor4D, blocks = D_FEATURE_BLOCKS) {
    this.frozen = new FrozenFeatures(d, blocks);
    this.targetFeatures = this.frozen.features(target);
  }

  /** The unweighted distance of these images to the target, per image. */
  raw(image: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => featureDistance(this.frozen.features(image), this.targetFeatures));
  }

  /** Sets the weight from the starting image's two distances (a start that already matches keeps weight 1). */
  async calibrate(pyramidAtStart: number, startImage: tf.Tensor4D, balance = D_FEATURE_BALANCE): Promise<void> {
    const raw = tf.tidy(() => tf.sum(this.raw(startImage)));
    const [d0] = await raw.data();
    raw.dispose();
    this.weightValue = d0! > 1e-12 && pyramidAtStart > 0 ? (balance * pyramidAtStart) / d0! : 1;
  }

  get weight(): number {
    return this.weightValue;
  }

  /** The weighted term for the loss (a scalar, summed over the batch). */
  term(image: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => tf.mul(tf.sum(this.raw(image)), this.weightValue));
  }

  dispose(): void {
    this.frozen.dispose();
    tf.dispose(this.targetFeatures);
  }
}
