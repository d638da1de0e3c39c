import * as tf from '@tensorflow/tfjs';
import { batchNormLeakyRelu, convDownLeakyRelu, convUp, dense } from '../layers.ts';
import { ParamBuilder, type Params } from '../params.ts';
import type { Rng } from '../random.ts';
import { dcganLayout } from './dcgan-layout.ts';
import type { Discriminator, GanModel, Generator } from './types.ts';

/**
 * DCGAN (Radford et al. 2015), sized for a browser.
 *
 * n = log2(res / 4) resolution doublings. With width w:
 *   G: z [B, zDim] → dense → [B, 4, 4, w·2^(n-1)] → BN, leaky ReLU 0.2
 *      → (n-1)× [4×4 stride-2 transposed conv, channels halve, BN, leaky ReLU 0.2]
 *      → 4×4 stride-2 transposed conv to 3 channels → tanh → [B, res, res, 3]
 *   D: [B, res, res, 3] → n× [4×4 stride-2 conv, channels w, 2w, … ; leaky ReLU 0.2]
 *      → [B, 4, 4, w·2^(n-1)] → flatten → dense → [B, 1] logit
 * D has no batch norm: the same D step sees a real batch and a fake batch, and mixing their
 * statistics is a known source of instability; leaky ReLU alone trains well at this scale.
 * At res 32, w 32, zDim 100 this is G ≈ 370k and D ≈ 168k parameters.
 *
 * The recipe differs from the paper's in two places, both measured (docs/recipe.md, made by
 * cli/recipe-study.ts): on ~110 emoji at 32 px the paper's recipe (ReLU in G, weights N(0, 0.02),
 * BN scales N(1, 0.02)) collapsed to nearly one face within 2,000 steps in every seed, in Ganvas
 * and in PyTorch alike, while this one keeps varied samples.
 *   - G's hidden activation is leaky ReLU 0.2 (as D's), not ReLU. `slope` lives on the generator
 *     and travels in project files (trainer extras `g.slope`), because a project saved before this
 *     change was trained with ReLU and must keep it: a file without the entry gets slope 0.
 *   - Weights and biases are drawn U(−1/√fan_in, 1/√fan_in) and BN starts at scale 1, shift 0:
 *     PyTorch's defaults for Linear, Conv2d, ConvTranspose2d and BatchNorm2d (its
 *     kaiming_uniform_ with a = √5 works out to that bound). Only the first step sees the init, so
 *     it needs no saved state.
 * Samples still use the batch's own BN statistics, as in training (no running averages to save).
 */
export interface DcganOptions {
  res: number;
  width: number;
  zDim: number;
}

/** Negative slope of G's leaky ReLU in a new model. */
export const G_SLOPE = 0.2;
/** G's slope in projects saved before leaky ReLU: plain ReLU. */
export const RELU_SLOPE = 0;

/** DCGAN's G (also the autoencoders' decoder): its hidden activation's slope can be set for a loaded project. */
export interface DcganGenerator extends Generator {
  slope: number;
}

export function isDcganGenerator(g: Generator): g is DcganGenerator {
  return typeof (g as Partial<DcganGenerator>).slope === 'number';
}

/** Leaky ReLU with negative slope `slope` (0: ReLU, computed as such). */
export function gActivation(x: tf.Tensor, slope: number): tf.Tensor4D {
  return (slope === 0 ? tf.relu(x) : tf.leakyRelu(x, slope)) as tf.Tensor4D;
}

/**
 * A layer's weight and bias, both U(−1/√fan_in, 1/√fan_in), from our seeded stream. `fanIn` is what
 * PyTorch counts: inputs per output for dense and conv layers; for a transposed conv PyTorch's weight
 * is [in, out, kh, kw] and it takes size(1)·kh·kw = out·kh·kw.
 */
function fanInLayer(b: ParamBuilder, rng: Rng, name: string, shape: number[], fanIn: number, outputs: number): void {
  const bound = 1 / Math.sqrt(fanIn);
  uniform(b, rng, `${name}.w`, shape, bound);
  uniform(b, rng, `${name}.b`, [outputs], bound);
}

function uniform(b: ParamBuilder, rng: Rng, name: string, shape: number[], bound: number): void {
  if (name in b.params) throw new Error(`duplicate parameter name ${name}`);
  const size = shape.reduce((a, c) => a * c, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = (2 * rng.next() - 1) * bound;
  b.params[name] = tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
}

function batchNormParams(b: ParamBuilder, name: string, channels: number): void {
  b.params[`${name}.gamma`] = tf.tidy(() => tf.variable(tf.ones([channels]), true));
  b.zeros(`${name}.beta`, [channels]);
}

export function buildDcganGenerator(opts: DcganOptions, rng: Rng): DcganGenerator {
  const { deepest, up } = dcganLayout(opts.res, opts.width);
  const b = new ParamBuilder(rng);
  fanInLayer(b, rng, 'g.fc', [opts.zDim, 16 * deepest], opts.zDim, 16 * deepest);
  batchNormParams(b, 'g.bn0', deepest);
  for (const { name, cin, cout, bn } of up) {
    fanInLayer(b, rng, name, [4, 4, cout, cin], 16 * cout, cout);
    if (bn) batchNormParams(b, bn, cout);
  }
  const p = b.params;
  const g: DcganGenerator = {
    params: p,
    slope: G_SLOPE,
    apply(z) {
      return tf.tidy(() => {
        let x: tf.Tensor4D = tf.reshape(dense(p, 'g.fc', z), [z.shape[0], 4, 4, deepest]);
        x = batchNormLeakyRelu(p, 'g.bn0', x, g.slope);
        for (const { name, bn } of up) {
          x = convUp(p, name, x);
          x = bn ? batchNormLeakyRelu(p, bn, x, g.slope) : tf.tanh(x);
        }
        return x;
      });
    },
  };
  return g;
}

/**
 * DCGAN's downsampling stack: 4×4 stride-2 convs with leaky ReLU, channels doubling from
 * `width`, down to 4×4, then one dense layer to `outputs`. Parameters are named `<prefix>.down<i>`
 * and `<prefix>.fc`. D is this with one output; the autoencoder's encoder reuses it for its code.
 */
export function buildConvDownStack(opts: DcganOptions, prefix: string, outputs: number, rng: Rng): Discriminator {
  const layout = dcganLayout(opts.res, opts.width);
  const down = layout.down(prefix);
  const b = new ParamBuilder(rng);
  for (const { name, cin, cout } of down) fanInLayer(b, rng, name, [4, 4, cin, cout], 16 * cin, cout);
  fanInLayer(b, rng, `${prefix}.fc`, [16 * layout.deepest, outputs], 16 * layout.deepest, outputs);
  const p = b.params;
  // Every down-conv's output: R/2 … 4.
  const trunk = (img: tf.Tensor4D, q: Params): tf.Tensor4D[] => {
    let x = img;
    return down.map(({ name }) => (x = convDownLeakyRelu(q, name, x, 0.2)));
  };
  return {
    params: p,
    features: (img, params = p) => tf.tidy(() => trunk(img, params)),
    apply(img) {
      return tf.tidy(() => {
        const x = trunk(img, p).pop() ?? img;
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
