import * as tf from '@tensorflow/tfjs';
import { ParamBuilder, type Params } from '../params.ts';
import type { Rng } from '../random.ts';
import type { Discriminator } from './types.ts';
import { mbstdGroupSize } from '../../../contract/mbstd.ts';
import { blockResolutions, channelsAt, convThenHalveAct, eqConvAct, eqDense, eqDenseAct, halveThen1x1, type StyleGanOptions } from './stylegan-layers.ts';

/**
 * StyleGAN2's residual discriminator, equalised lr, sized like the generator (mirrored).
 *
 *   img [B, R, R, 3] → 1×1 fromRGB → C(R) channels, lrelu
 *   per block r = R, R/2, …, 8:   x → conv 3×3, lrelu → FIR, conv 3×3 stride 2, lrelu
 *                                  skip: FIR, subsample, 1×1 conv (no bias); out = (main + skip)/√2
 *   4×4: minibatch stddev (+1 channel) → conv 3×3, lrelu → dense 16·C₄ → C₄, lrelu → dense → [B, 1]
 *
 * Downsampling is StyleGAN2's: the [1, 3, 3, 1] FIR filter before every stride-2 step, on the
 * main path and the skip (nn/fir.ts). Every op here has a gradient that tfjs can differentiate
 * again (R1 needs ∂/∂θ of ∇ₓD): leaky ReLU and the FIR filter pass by custom gradients whose
 * own gradients are defined.
 */
export function buildStyleDiscriminator(opts: StyleGanOptions, rng: Rng): Discriminator {
  const b = new ParamBuilder(rng);
  const blocks = blockResolutions(opts.res).reverse().slice(0, -1); // R … 8
  const c = (r: number) => channelsAt(opts, r);
  b.normal(`d.b${opts.res}.fromrgb.w`, [1, 1, 3, c(opts.res)], 1);
  b.zeros(`d.b${opts.res}.fromrgb.b`, [c(opts.res)]);
  for (const r of blocks) {
    b.normal(`d.b${r}.conv0.w`, [3, 3, c(r), c(r)], 1);
    b.zeros(`d.b${r}.conv0.b`, [c(r)]);
    b.normal(`d.b${r}.conv1.w`, [3, 3, c(r), c(r / 2)], 1);
    b.zeros(`d.b${r}.conv1.b`, [c(r / 2)]);
    b.normal(`d.b${r}.skip.w`, [1, 1, c(r), c(r / 2)], 1);
  }
  const c4 = c(4);
  const group = opts.mbstdGroup ?? 4;
  const fixedGroup = opts.batch === undefined || group === 0 ? undefined : mbstdGroupSize(opts.batch, group);
  b.normal('d.b4.conv.w', [3, 3, c4 + (group > 0 ? 1 : 0), c4], 1);
  b.zeros('d.b4.conv.b', [c4]);
  b.normal('d.b4.fc.w', [16 * c4, c4], 1);
  b.zeros('d.b4.fc.b', [c4]);
  b.normal('d.b4.out.w', [c4, 1], 1);
  b.zeros('d.b4.out.b', [1]);
  const p = b.params;
  // fromRGB, then every residual block's output: R/2 … 4.
  const trunk = (img: tf.Tensor4D, q: Params): tf.Tensor4D[] => {
    let x = eqConvAct(q, `d.b${opts.res}.fromrgb`, img);
    return blocks.map((r) => (x = residualBlock(q, `d.b${r}`, x)));
  };
  return {
    params: p,
    features: (img, params = p) => tf.tidy(() => trunk(img, params)),
    apply(img) {
      return tf.tidy(() => {
        const stages = trunk(img, p);
        let x = stages[stages.length - 1] ?? eqConvAct(p, `d.b${opts.res}.fromrgb`, img);
        if (group > 0) x = minibatchStddev(x, fixedGroup ?? mbstdGroupSize(x.shape[0], group));
        x = eqConvAct(p, 'd.b4.conv', x);
        const h = eqDenseAct(p, 'd.b4.fc', tf.reshape(x, [img.shape[0], -1]));
        return eqDense(p, 'd.b4.out', h);
      });
    },
  };
}

function residualBlock(p: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const y = eqConvAct(p, `${name}.conv0`, x);
  // Both paths carry unit variance; dividing their sum by √2 keeps it so. Each path takes its
  // 1/√2 on a gain it already applies (the fused bias op, the skip's weight): no extra pass.
  const down = convThenHalveAct(y, p[`${name}.conv1.w`] as tf.Tensor4D, p[`${name}.conv1.b`]!, Math.SQRT1_2);
  const skip = halveThen1x1(x, p[`${name}.skip.w`] as tf.Tensor4D, Math.SQRT1_2);
  return tf.add(down, skip);
}

/**
 * Minibatch standard deviation (Karras et al. 2018): appends one channel holding, for each
 * group of `group` samples, the mean over features of the per-feature stddev within the group.
 * D can then see a batch's lack of variety, which discourages mode collapse.
 *
 * Groups are *consecutive* samples; NVlabs strides them (sample n in group n mod B/g). For a
 * batch of independent draws that only relabels who shares a group, and consecutive groups let
 * [reals; fakes] share one pass through D. A batch that `group` does not divide (a call outside
 * training) falls back to the largest divisor of its size below `group`.
 *   x [B, H, W, C] → [B, H, W, C + 1]
 */
export function minibatchStddev(x: tf.Tensor4D, group: number): tf.Tensor4D {
  const [batch, h, w, c] = x.shape;
  let g = Math.min(group, batch);
  while (batch % g !== 0) g--;
  const m = batch / g;
  const y = tf.reshape(x, [m, g, h, w, c]);
  const centred = tf.sub(y, tf.mean(y, 1, true));
  const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 1), 1e-8)); // [m, h, w, c]
  const perGroup = tf.mean(std, [1, 2, 3]); // [m]
  // Broadcast by a product with ones: tfjs has no gradient for a rank-5 Tile.
  const feature = tf.mul(tf.reshape(perGroup, [m, 1]), tf.ones([1, g * h * w]));
  return tf.concat([x, tf.reshape(feature, [batch, h, w, 1])], 3);
}
