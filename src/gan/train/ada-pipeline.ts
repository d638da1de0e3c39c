import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../nn/random.ts';
import { colorMatrix, drawParams, geometricMatrix, type AdaParams, type AdaPipelineOptions } from './ada/draws.ts';
import { isIdentity, type Mat } from './ada/matrices.ts';
import { colorGrey, colorRgb } from './ada/color.ts';
import { resampleImages, type Interpolation } from './ada/resample.ts';

/**
 * ADA's augmentation pipeline (Karras et al. 2020, "Training Generative Adversarial Networks
 * with Limited Data"), the 'bgc' pipe of NVlabs's stylegan2-ada-pytorch (training/augment.py,
 * AugmentPipe): pixel blitting (x-flip, 90° rotations, integer translation), general geometry
 * (isotropic scaling, rotation, anisotropic scaling, fractional translation) and colour
 * (brightness, contrast, luma flip, hue rotation, saturation). Each transform is applied to
 * each image with probability (its multiplier · p). Written from a reading of NVlabs's code;
 * the semantics kept are:
 *
 * - Geometry is composed into one inverse matrix G⁻¹ per image (output pixel → input pixel), in
 *   NVlabs's order, each step right-multiplied as the inverse of its transform; the image is
 *   resampled once, through reflection at the edges (nothing outside the image is ever read).
 * - Rotation is split into a pre- and a post-rotation around the anisotropic scaling, each with
 *   probability 1 − √(1 − rotate·p), so that P(pre or post) = rotate·p.
 * - Colour is composed into one 4×4 matrix C per image (colour_out = C · (r, g, b, 1)), each step
 *   left-multiplied, and applied after the geometry; the luma axis is (1, 1, 1)/√3 about grey 0
 *   of the [-1, 1] images. Hue and saturation need colour: they are not drawn for 1-channel images.
 * - Draws per transform as NVlabs: the batch's values, then the batch's gates (uniform < prob).
 *   Every enabled transform draws both whatever p is, so p (which ADA moves) never shifts the
 *   random stream; a disabled transform (multiplier 0) draws nothing.
 *
 * Deliberate differences (see also ada/resample.ts):
 * - Resampling at the image's own resolution, bicubic by default (bilinear as an option),
 *   instead of NVlabs's bilinear sample between 2× wavelet up- and downsampling: bicubic keeps
 *   about as much detail as NVlabs's path, bilinear visibly less (docs/parity.md, "ADA pipeline").
 * - Exact integer matrices for x-flips and 90° rotations; an image no transform picked keeps its
 *   identity matrix untouched, so p = 0 (or an image every gate skipped) is exactly the identity.
 * - Integer translation rounds half to even, as torch.round; Gaussian draws come from Rng's
 *   Box–Muller, uniform ones from Rng.next().
 * - imgfilter, noise and cutout (the 'f', 'n', 'c' of bgcfnc) are not implemented: 'bgc' is
 *   NVlabs's default and the pipe the paper's results use.
 *
 * Cost on tfjs's wasm backend (32 px, batch 32 and 64, beside DiffAugment): docs/parity.md,
 * "ADA pipeline" (npm run bench:ada).
 */

/** AugmentPipe's defaults for the ranges, every transform off (NVlabs: "all augmentations are disabled by default"). */
export const ADA_RANGES: AdaPipelineOptions = {
  xflip: 0,
  rotate90: 0,
  xint: 0,
  xint_max: 0.125,
  scale: 0,
  rotate: 0,
  aniso: 0,
  xfrac: 0,
  scale_std: 0.2,
  rotate_max: 1,
  aniso_std: 0.2,
  xfrac_std: 0.125,
  brightness: 0,
  contrast: 0,
  lumaflip: 0,
  hue: 0,
  saturation: 0,
  brightness_std: 0.2,
  contrast_std: 0.5,
  hue_max: 1,
  saturation_std: 1,
  interpolation: 'bicubic',
};

/** train.py's augpipe_specs['bgc']: blit, geom and color all on (NVlabs's default pipe). */
export const BGC: AdaPipelineOptions = {
  ...ADA_RANGES,
  xflip: 1,
  rotate90: 1,
  xint: 1,
  scale: 1,
  rotate: 1,
  aniso: 1,
  xfrac: 1,
  brightness: 1,
  contrast: 1,
  lumaflip: 1,
  hue: 1,
  saturation: 1,
};

export type { AdaParams, AdaPipelineOptions };

/** The per-image transforms of one call: what the device applies, and what a peer is handed. */
export interface AdaDraws {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** How the geometric transforms resample. */
  interpolation: Interpolation;
  /** batch × 9: G⁻¹ per image (row-major; output pixel → input pixel, centred pixel coordinates). Absent: no image moves. */
  geometric?: Float64Array;
  /** batch × 16: C per image (row-major; colour_out = C · (r, g, b, 1)). Absent: no image changes colour. */
  color?: Float64Array;
  /** The per-image parameters the matrices were built from (NVlabs's variables after gating). */
  params?: AdaParams;
}

/** Concatenates per-image matrices, or undefined when every one is the identity (nothing to do on the device). */
function packed(mats: Mat[]): Float64Array | undefined {
  if (mats.every(isIdentity)) return undefined;
  const size = mats[0]!.length;
  const out = new Float64Array(mats.length * size);
  mats.forEach((m, b) => out.set(m, b * size));
  return out;
}

/** Draws the per-image transforms of a batch of [H, W, C] images at probability p. */
export function drawAdaPipeline(p: number, rng: Rng, shape: readonly [number, number, number, number], options: AdaPipelineOptions = BGC): AdaDraws {
  if (!(p >= 0 && p <= 1)) throw new Error(`ADA p must be in [0, 1] (got ${p})`);
  const [batch, height, width, channels] = shape;
  if (channels !== 1 && channels !== 3) throw new Error(`ADA pipeline needs RGB or grey images (got ${channels} channels)`);
  const params = drawParams(options, p, rng, batch, channels);
  const draws: AdaDraws = { batch, height, width, channels, interpolation: options.interpolation, params };
  const images = Array.from({ length: batch }, (_, b) => b);
  const geometric = packed(images.map((b) => geometricMatrix(params, b, height, width)));
  const color = packed(images.map((b) => colorMatrix(params, b)));
  if (geometric !== undefined) draws.geometric = geometric;
  if (color !== undefined) draws.color = color;
  return draws;
}

/** Applies drawn transforms: geometry (one resampling), then colour (one matmul). Always returns a new tensor. */
export function applyAdaPipeline(images: tf.Tensor4D, draws: AdaDraws): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  if (batch !== draws.batch || height !== draws.height || width !== draws.width || channels !== draws.channels) {
    throw new Error(`ADA draws are for ${draws.batch}×${draws.height}×${draws.width}×${draws.channels} images (got ${images.shape.join('×')})`);
  }
  return tf.tidy(() => {
    let x = images;
    if (draws.geometric !== undefined) x = resampleImages(x, draws.geometric, draws.interpolation);
    if (draws.color !== undefined) x = channels === 3 ? colorRgb(x, draws.color) : colorGrey(x, draws.color);
    return x === images ? tf.clone(images) : x;
  });
}

/**
 * ADA's augmentation of a batch ([B, H, W, C], values in [-1, 1]) at probability p: draws with
 * `rng` on the CPU and applies on the device. Differentiable with respect to `images` (twice:
 * R1 through the pipe works). Returns a new tensor the caller owns.
 */
export function adaAugment(images: tf.Tensor4D, p: number, rng: Rng, options: AdaPipelineOptions = BGC): tf.Tensor4D {
  return applyAdaPipeline(images, drawAdaPipeline(p, rng, images.shape, options));
}
