import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../nn/random.ts';
import {
  identity,
  isIdentity,
  LUMA_AXIS,
  mul,
  reflect3d,
  rotate2d,
  rotate2dQuarter,
  rotate3d,
  scale2d,
  scale3d,
  scaleAround3d,
  translate2d,
  translate3d,
  type Mat,
} from './ada/matrices.ts';
import { colorGrey, colorRgb } from './ada/color.ts';
import { resampleImages } from './ada/resample.ts';

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
 * - Bilinear resampling at the image's own resolution instead of NVlabs's 2× wavelet
 *   upsampling around grid_sample (softer under fractional transforms; measured in docs/parity.md).
 * - Exact integer matrices for x-flips and 90° rotations; an image no transform picked keeps its
 *   identity matrix untouched, so p = 0 (or an image every gate skipped) is exactly the identity.
 * - Integer translation rounds half to even, as torch.round; Gaussian draws come from Rng's
 *   Box–Muller, uniform ones from Rng.next().
 * - imgfilter, noise and cutout (the 'f', 'n', 'c' of bgcfnc) are not implemented: 'bgc' is
 *   NVlabs's default and the pipe the paper's results use.
 *
 * Cost on tfjs's wasm backend (32 px, batch 32, bgc at p = 0.6), see docs/parity.md "ADA pipeline".
 */

/** AugmentPipe's keyword arguments, under NVlabs's names (multipliers: 0 = off, 1 = on). */
export interface AdaPipelineOptions {
  /** Probability multiplier for x-flip. */
  xflip: number;
  /** Probability multiplier for 90° rotations. */
  rotate90: number;
  /** Probability multiplier for integer translation. */
  xint: number;
  /** Range of integer translation, relative to image dimensions. */
  xint_max: number;
  /** Probability multiplier for isotropic scaling. */
  scale: number;
  /** Probability multiplier for arbitrary rotation. */
  rotate: number;
  /** Probability multiplier for anisotropic scaling. */
  aniso: number;
  /** Probability multiplier for fractional translation. */
  xfrac: number;
  /** Log2 standard deviation of isotropic scaling. */
  scale_std: number;
  /** Range of arbitrary rotation, 1 = full circle. */
  rotate_max: number;
  /** Log2 standard deviation of anisotropic scaling. */
  aniso_std: number;
  /** Standard deviation of fractional translation, relative to image dimensions. */
  xfrac_std: number;
  /** Probability multiplier for brightness. */
  brightness: number;
  /** Probability multiplier for contrast. */
  contrast: number;
  /** Probability multiplier for luma flip. */
  lumaflip: number;
  /** Probability multiplier for hue rotation. */
  hue: number;
  /** Probability multiplier for saturation. */
  saturation: number;
  /** Standard deviation of brightness. */
  brightness_std: number;
  /** Log2 standard deviation of contrast. */
  contrast_std: number;
  /** Range of hue rotation, 1 = full circle. */
  hue_max: number;
  /** Log2 standard deviation of saturation. */
  saturation_std: number;
}

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

/** The per-image transforms of one call: what the device applies, and what a peer is handed. */
export interface AdaDraws {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** batch × 9: G⁻¹ per image (row-major; output pixel → input pixel, centred pixel coordinates). Absent: no image moves. */
  geometric?: Float64Array;
  /** batch × 16: C per image (row-major; colour_out = C · (r, g, b, 1)). Absent: no image changes colour. */
  color?: Float64Array;
}

/** torch.round: to nearest, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A batch of values from `draw`, then a batch of gates (uniform < prob): NVlabs's order. null where the gate is closed. */
function gated<T>(rng: Rng, batch: number, prob: number, draw: () => T): (T | null)[] {
  const values = Array.from({ length: batch }, draw);
  return values.map((v) => (rng.next() < prob ? v : null));
}

/** One per-image matrix list, each updated by `step` for the images a transform picked. */
type Step = (m: Mat) => Mat;

function applySteps(mats: Mat[], picks: (Step | null)[]): void {
  picks.forEach((step, b) => {
    if (step !== null) mats[b] = step(mats[b]!);
  });
}

/** Right-multiplies G⁻¹ by the inverse of a transform, as NVlabs's `G_inv = G_inv @ …_inv(…)`. */
const then =
  (inverse: Mat): Step =>
  (m) =>
    mul(m, inverse);

function drawGeometric(o: AdaPipelineOptions, p: number, rng: Rng, batch: number, height: number, width: number): Mat[] {
  const g = Array.from({ length: batch }, () => identity(3));
  const u = (): number => rng.next();
  const n = (): number => rng.normal();
  if (o.xflip > 0) {
    // scale2d_inv(1 − 2i, 1) is its own inverse.
    const picks = gated(rng, batch, o.xflip * p, () => Math.floor(u() * 2));
    applySteps(
      g,
      picks.map((i) => (i === null || i === 0 ? null : then(scale2d(-1, 1)))),
    );
  }
  if (o.rotate90 > 0) {
    // rotate2d_inv(−π/2·i) = rotate2d(π/2·i).
    const picks = gated(rng, batch, o.rotate90 * p, () => Math.floor(u() * 4));
    applySteps(
      g,
      picks.map((i) => (i === null || i === 0 ? null : then(rotate2dQuarter(i)))),
    );
  }
  if (o.xint > 0) {
    const picks = gated(rng, batch, o.xint * p, () => [(u() * 2 - 1) * o.xint_max, (u() * 2 - 1) * o.xint_max] as const);
    applySteps(
      g,
      picks.map((t) => (t === null ? null : then(translate2d(-roundHalfEven(t[0] * width), -roundHalfEven(t[1] * height))))),
    );
  }
  if (o.scale > 0) {
    const picks = gated(rng, batch, o.scale * p, () => 2 ** (n() * o.scale_std));
    applySteps(
      g,
      picks.map((s) => (s === null ? null : then(scale2d(1 / s, 1 / s)))),
    );
  }
  const pRot = 1 - Math.sqrt(Math.min(1, Math.max(0, 1 - o.rotate * p)));
  const rotation = (): (Step | null)[] =>
    // rotate2d_inv(−θ) = rotate2d(θ).
    gated(rng, batch, pRot, () => (u() * 2 - 1) * Math.PI * o.rotate_max).map((theta) => (theta === null ? null : then(rotate2d(theta))));
  if (o.rotate > 0) applySteps(g, rotation());
  if (o.aniso > 0) {
    const picks = gated(rng, batch, o.aniso * p, () => 2 ** (n() * o.aniso_std));
    applySteps(
      g,
      picks.map((s) => (s === null ? null : then(scale2d(1 / s, s)))),
    );
  }
  if (o.rotate > 0) applySteps(g, rotation());
  if (o.xfrac > 0) {
    const picks = gated(rng, batch, o.xfrac * p, () => [n() * o.xfrac_std, n() * o.xfrac_std] as const);
    applySteps(
      g,
      picks.map((t) => (t === null ? null : then(translate2d(-t[0] * width, -t[1] * height)))),
    );
  }
  return g;
}

/** Left-multiplies C by a transform, as NVlabs's `C = … @ C`. */
const before =
  (transform: Mat): Step =>
  (m) =>
    mul(transform, m);

function drawColor(o: AdaPipelineOptions, p: number, rng: Rng, batch: number, channels: number): Mat[] {
  const c = Array.from({ length: batch }, () => identity(4));
  const u = (): number => rng.next();
  const n = (): number => rng.normal();
  if (o.brightness > 0) {
    const picks = gated(rng, batch, o.brightness * p, () => n() * o.brightness_std);
    applySteps(
      c,
      picks.map((b) => (b === null ? null : before(translate3d(b, b, b)))),
    );
  }
  if (o.contrast > 0) {
    const picks = gated(rng, batch, o.contrast * p, () => 2 ** (n() * o.contrast_std));
    applySteps(
      c,
      picks.map((k) => (k === null ? null : before(scale3d(k, k, k)))),
    );
  }
  if (o.lumaflip > 0) {
    const picks = gated(rng, batch, o.lumaflip * p, () => Math.floor(u() * 2));
    applySteps(
      c,
      picks.map((i) => (i === null || i === 0 ? null : before(reflect3d(LUMA_AXIS)))),
    );
  }
  if (o.hue > 0 && channels > 1) {
    const picks = gated(rng, batch, o.hue * p, () => (u() * 2 - 1) * Math.PI * o.hue_max);
    applySteps(
      c,
      picks.map((theta) => (theta === null ? null : before(rotate3d(LUMA_AXIS, theta)))),
    );
  }
  if (o.saturation > 0 && channels > 1) {
    const picks = gated(rng, batch, o.saturation * p, () => 2 ** (n() * o.saturation_std));
    applySteps(
      c,
      picks.map((s) => (s === null ? null : before(scaleAround3d(LUMA_AXIS, s)))),
    );
  }
  return c;
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
  const draws: AdaDraws = { batch, height, width, channels };
  const geometric = packed(drawGeometric(options, p, rng, batch, height, width));
  const color = packed(drawColor(options, p, rng, batch, channels));
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
    if (draws.geometric !== undefined) x = resampleImages(x, draws.geometric);
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
