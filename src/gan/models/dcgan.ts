import * as tf from '@tensorflow/tfjs';
import { batchNorm, convDown, convUp, dense } from '../layers.ts';
import { ParamBuilder } from '../params.ts';
import type { Rng } from '../random.ts';
import type { Discriminator, GanModel, Generator, Network } from './types.ts';

/**
 * DCGAN (Radford et al. 2015), sized for a browser.
 *
 * n = log2(res / 4) resolution doublings. With width w:
 *   G: z [B, zDim] → dense → [B, 4, 4, w·2^(n-1)] → BN, ReLU
 *      → (n-1)× [4×4 stride-2 transposed conv, channels halve, BN, ReLU]
 *      → 4×4 stride-2 transposed conv to 3 channels → tanh → [B, res, res, 3]
 *   D: [B, res, res, 3] → n× [4×4 stride-2 conv, channels w, 2w, … ; leaky ReLU 0.2]
 *      → [B, 4, 4, w·2^(n-1)] → flatten → dense → [B, 1] logit
 * D has no batch norm: the same D step sees a real batch and a fake batch, and mixing their
 * statistics is a known source of instability; leaky ReLU alone trains well at this scale.
 * At res 32, w 32, zDim 100 this is G ≈ 370k and D ≈ 168k parameters.
 * Weights are N(0, 0.02) and BN scales N(1, 0.02), as in the DCGAN paper.
 */
export interface DcganOptions {
  res: number;
  width: number;
  zDim: number;
}

const INIT_STD = 0.02;

export function doublings(res: number): number {
  const n = Math.log2(res / 4);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DCGAN resolution must be 4·2^n (got ${res})`);
  return n;
}

/** Channels at the 4×4 end of both networks. */
const deepest = (width: number, n: number) => width * 2 ** (n - 1);

export function buildDcganGenerator(opts: DcganOptions, rng: Rng): Generator {
  const n = doublings(opts.res);
  const b = new ParamBuilder(rng);
  const c0 = deepest(opts.width, n);
  b.normal('g.fc.w', [opts.zDim, 16 * c0], INIT_STD);
  b.zeros('g.fc.b', [16 * c0]);
  b.normal('g.bn0.gamma', [c0], INIT_STD, 1);
  b.zeros('g.bn0.beta', [c0]);
  let c = c0;
  for (let i = 1; i <= n; i++) {
    const last = i === n;
    const out = last ? 3 : c / 2;
    b.normal(`g.up${i}.w`, [4, 4, out, c], INIT_STD);
    b.zeros(`g.up${i}.b`, [out]);
    if (!last) {
      b.normal(`g.bn${i}.gamma`, [out], INIT_STD, 1);
      b.zeros(`g.bn${i}.beta`, [out]);
    }
    c = out;
  }
  const p = b.params;
  return {
    params: p,
    apply(z) {
      return tf.tidy(() => {
        let x: tf.Tensor4D = tf.reshape(dense(p, 'g.fc', z), [z.shape[0], 4, 4, c0]);
        x = tf.relu(batchNorm(p, 'g.bn0', x)) as tf.Tensor4D;
        for (let i = 1; i <= n; i++) {
          x = convUp(p, `g.up${i}`, x);
          x = i === n ? tf.tanh(x) : (tf.relu(batchNorm(p, `g.bn${i}`, x)) as tf.Tensor4D);
        }
        return x;
      });
    },
  };
}

/**
 * DCGAN's downsampling stack: 4×4 stride-2 convs with leaky ReLU, channels doubling from
 * `width`, down to 4×4, then one dense layer to `outputs`. Parameters are named `<prefix>.down<i>`
 * and `<prefix>.fc`. D is this with one output; the autoencoder's encoder reuses it for its code.
 */
export function buildConvDownStack(opts: DcganOptions, prefix: string, outputs: number, rng: Rng): Network<tf.Tensor4D, tf.Tensor2D> {
  const n = doublings(opts.res);
  const b = new ParamBuilder(rng);
  let c = 3;
  for (let i = 1; i <= n; i++) {
    const out = opts.width * 2 ** (i - 1);
    b.normal(`${prefix}.down${i}.w`, [4, 4, c, out], INIT_STD);
    b.zeros(`${prefix}.down${i}.b`, [out]);
    c = out;
  }
  b.normal(`${prefix}.fc.w`, [16 * c, outputs], INIT_STD);
  b.zeros(`${prefix}.fc.b`, [outputs]);
  const p = b.params;
  return {
    params: p,
    apply(img) {
      return tf.tidy(() => {
        let x = img;
        for (let i = 1; i <= n; i++) x = tf.leakyRelu(convDown(p, `${prefix}.down${i}`, x), 0.2);
        return dense(p, `${prefix}.fc`, tf.reshape(x, [img.shape[0], -1]));
      });
    },
  };
}

export function buildDcganDiscriminator(opts: DcganOptions, rng: Rng): Discriminator {
  return buildConvDownStack(opts, 'd', 1, rng);
}

export function buildDcgan(opts: DcganOptions, rng: Rng): GanModel {
  return {
    generator: buildDcganGenerator(opts, rng),
    discriminator: buildDcganDiscriminator(opts, rng),
    zDim: opts.zDim,
    res: opts.res,
  };
}
