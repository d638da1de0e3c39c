import type * as tf from '@tensorflow/tfjs';
import type { Params } from '../params.ts';

/** A network: named parameters and a pure forward function over them. */
export interface Network<In extends tf.Tensor, Out extends tf.Tensor> {
  readonly params: Params;
  apply(x: In): Out;
}

/** G maps latents [B, zDim] to images [B, R, R, 3] in [-1, 1]. */
export type Generator = Network<tf.Tensor2D, tf.Tensor4D>;
/** D maps images [B, R, R, 3] to one logit each, [B, 1] (real → large, fake → small). */
export interface Discriminator extends Network<tf.Tensor4D, tf.Tensor2D> {
  /**
   * The feature maps after each downsampling block, finest first ([B, R/2, R/2, C] … [B, 4, 4, C]),
   * computed with `params` (default: D's own; a projection passes a frozen copy). A projection's
   * perceptual distance reads them (explore/projection-features.ts).
   */
  features(img: tf.Tensor4D, params?: Params): tf.Tensor4D[];
}

export interface GanModel {
  generator: Generator;
  discriminator: Discriminator;
  zDim: number;
  res: number;
}
