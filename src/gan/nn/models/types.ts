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
export type Discriminator = Network<tf.Tensor4D, tf.Tensor2D>;

export interface GanModel {
  generator: Generator;
  discriminator: Discriminator;
  zDim: number;
  res: number;
}
