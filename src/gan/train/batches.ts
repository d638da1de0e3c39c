import * as tf from '@tensorflow/tfjs';
import type { PreparedSet } from '../../data/types.ts';
import type { Rng } from '../nn/random.ts';
import { flipHorizontal } from './augment.ts';

/**
 * The training images, resident on the device, and how a step draws a batch from them: indices
 * from the run's main stream, mirroring (when x-flip is on) from the augmentation stream.
 */
export class TrainingImages {
  private data: tf.Tensor4D;
  private n: number;

  constructor(
    set: PreparedSet,
    private readonly res: number,
    private readonly xflip: boolean,
  ) {
    this.data = upload(set, res);
    this.n = set.count;
  }

  get count(): number {
    return this.n;
  }

  /** Swaps the images (same resolution). */
  replace(set: PreparedSet): void {
    const next = upload(set, this.res);
    this.data.dispose();
    this.data = next;
    this.n = set.count;
  }

  /** `batch` images at indices drawn from `rng`, mirrored at random with `flipRng` when x-flip is on. */
  draw(batch: number, rng: Rng, flipRng: Rng): tf.Tensor4D {
    const idx = rng.ints(batch, this.n);
    return tf.tidy(() => {
      const reals = tf.gather(this.data, tf.tensor1d(idx, 'int32')) as tf.Tensor4D;
      return this.xflip ? flipHorizontal(reals, flipRng, 0.5) : reals;
    });
  }

  dispose(): void {
    this.data.dispose();
  }
}

function upload(set: PreparedSet, res: number): tf.Tensor4D {
  if (set.res !== res) throw new Error(`dataset is ${set.res}×${set.res} but the model trains at ${res}×${res}`);
  if (set.count === 0) throw new Error('the dataset is empty');
  return tf.tensor4d(set.pixels, [set.count, res, res, 3]);
}
