/**
 * The per-pixel noise maps of a StyleGAN projection, optimised beside w as in NVlabs's
 * `projector.py` (stylegan2-ada-pytorch), written anew:
 * - one map per synthesis noise input ([H, W], drawn standard normal at the start), optimised by
 *   the same Adam as w, at the same learning rate;
 * - the noise regulariser: for every map, at every scale from its own down to 8×8 (halving by
 *   2×2 averages), the squared mean of the map times itself shifted by one pixel (with wrap-around)
 *   along each axis. It punishes spatial correlation, so the maps cannot quietly paint the
 *   picture in place of w; weighted 1e5 against the distance;
 * - after every step each map is renormalised to mean 0 and mean square 1, the statistics the
 *   generator was trained with.
 * The maps reach the synthesis through the model's noise hook (`setNoiseSource`), so the
 * synthesis itself is unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../nn/random.ts';

/** The regulariser's weight against the distance (NVlabs: `regularize_noise_weight = 1e5`). */
export const NOISE_REGULARISE_WEIGHT = 1e5;
/** Scales below this side are not penalised (NVlabs stops once a map is 8×8 or smaller). */
const COARSEST = 8;

/** x shifted by one along `axis`, the last row/column wrapping to the front (torch.roll(x, 1, axis)). */
function rolled(x: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  const n = x.shape[axis];
  const last = axis === 0 ? tf.slice(x, [n - 1, 0], [1, -1]) : tf.slice(x, [0, n - 1], [-1, 1]);
  const rest = axis === 0 ? tf.slice(x, [0, 0], [n - 1, -1]) : tf.slice(x, [0, 0], [-1, n - 1]);
  return tf.concat([last, rest], axis);
}

/** The autocorrelation penalty of square maps [H, H] (H a power of two), summed over maps and scales. */
export function noiseRegularisation(maps: readonly tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (const map of maps) {
      let x = map;
      for (;;) {
        for (const axis of [1, 0] as const) terms.push(tf.square(tf.mean(tf.mul(x, rolled(x, axis)))) as tf.Scalar);
        if (x.shape[0] <= COARSEST) break;
        const [h, w] = x.shape;
        x = tf.reshape(tf.avgPool(tf.reshape(x, [1, h, w, 1]) as tf.Tensor4D, 2, 2, 'valid'), [h / 2, w / 2]);
      }
    }
    return terms.length ? (tf.addN(terms) as tf.Scalar) : tf.scalar(0);
  });
}

/** One map per noise input, as variables the optimiser moves. */
export class NoiseMaps {
  readonly maps: tf.Variable<tf.Rank.R2>[];

  /** `sides`: each noise input's side (H = W), in the order the synthesis draws them. */
  constructor(sides: readonly number[], rng: Rng) {
    this.maps = sides.map((s) => tf.tidy(() => tf.variable(tf.tensor2d(rng.normals(s * s), [s, s]), true)));
  }

  /** The maps by name, for the optimiser. */
  named(): Record<string, tf.Variable> {
    return Object.fromEntries(this.maps.map((m, i) => [`noise${i}`, m]));
  }

  penalty(): tf.Scalar {
    return noiseRegularisation(this.maps);
  }

  /** Back to mean 0 and mean square 1 (NVlabs renormalises after every step). */
  normalise(): void {
    for (const m of this.maps) {
      const next = tf.tidy(() => {
        const centred = tf.sub(m, tf.mean(m));
        return tf.mul(centred, tf.rsqrt(tf.mean(tf.square(centred)))) as tf.Tensor2D;
      });
      m.assign(next);
      next.dispose();
    }
  }

  dispose(): void {
    tf.dispose(this.maps);
  }
}
