import type { Rng } from '../../nn/random.ts';
import type { Interpolation } from './resample.ts';
import {
  identity,
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
} from './matrices.ts';

/**
 * The random part of ADA's pipeline, as NVlabs's AugmentPipe.forward draws it: per transform, a
 * batch of values, then a batch of gates (uniform < multiplier · p), kept as NVlabs keeps them
 * after `torch.where(gate, value, identity)`. Then the per-image matrices are built from those
 * parameters in NVlabs's order. The parameters are also what a peer is handed
 * (bench/peer/augment.py rebuilds the matrices from them with NVlabs's own construction).
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
  /**
   * Not NVlabs's: how the geometric transforms resample (see ada/resample.ts). NVlabs samples
   * bilinearly on a 2× wavelet-upsampled image; at the image's own resolution bicubic keeps about
   * as much detail as that and bilinear visibly less (docs/parity.md, "ADA pipeline").
   */
  interpolation: Interpolation;
}

/** Per-image parameters, by NVlabs's variable: [batch] values, or [batch, 2] for the translations (x, y). */
export interface AdaParams {
  /** i ∈ {0, 1}: mirror x when 1. */
  xflip?: Float64Array;
  /** i ∈ {0, 1, 2, 3}: quarter turns. */
  rotate90?: Float64Array;
  /** t, relative to the image size, before rounding to whole pixels. */
  xint?: Float64Array;
  /** s: isotropic scale. */
  scale?: Float64Array;
  /** θ of the rotation before the anisotropic scaling. */
  rotate_pre?: Float64Array;
  /** s: x scaled by s, y by 1/s. */
  aniso?: Float64Array;
  /** θ of the rotation after the anisotropic scaling. */
  rotate_post?: Float64Array;
  /** t, relative to the image size. */
  xfrac?: Float64Array;
  /** b: added to every channel. */
  brightness?: Float64Array;
  /** c: every channel scaled by c. */
  contrast?: Float64Array;
  /** i ∈ {0, 1}: Householder reflection along the luma axis when 1. */
  lumaflip?: Float64Array;
  /** θ: rotation about the luma axis. */
  hue?: Float64Array;
  /** s: the colour's component off the luma axis scaled by s. */
  saturation?: Float64Array;
}

/** `width` values per image from `draw`, then one gate per image; gated-off images get `identityValue`. */
function gated(rng: Rng, batch: number, prob: number, identityValue: number, draw: () => number, width = 1): Float64Array {
  const values = new Float64Array(batch * width);
  for (let e = 0; e < values.length; e++) values[e] = draw();
  for (let b = 0; b < batch; b++) if (!(rng.next() < prob)) values.fill(identityValue, b * width, (b + 1) * width);
  return values;
}

/** Draws every enabled transform's parameters, in NVlabs's order (geometry first, then colour). */
export function drawParams(o: AdaPipelineOptions, p: number, rng: Rng, batch: number, channels: number): AdaParams {
  const u = (): number => rng.next();
  const n = (): number => rng.normal();
  const params: AdaParams = {};
  if (o.xflip > 0) params.xflip = gated(rng, batch, o.xflip * p, 0, () => Math.floor(u() * 2));
  if (o.rotate90 > 0) params.rotate90 = gated(rng, batch, o.rotate90 * p, 0, () => Math.floor(u() * 4));
  if (o.xint > 0) params.xint = gated(rng, batch, o.xint * p, 0, () => (u() * 2 - 1) * o.xint_max, 2);
  if (o.scale > 0) params.scale = gated(rng, batch, o.scale * p, 1, () => 2 ** (n() * o.scale_std));
  // Two rotations, each with probability pRot, so that P(pre or post) = rotate · p.
  const pRot = 1 - Math.sqrt(Math.min(1, Math.max(0, 1 - o.rotate * p)));
  const theta = (): number => (u() * 2 - 1) * Math.PI * o.rotate_max;
  if (o.rotate > 0) params.rotate_pre = gated(rng, batch, pRot, 0, theta);
  if (o.aniso > 0) params.aniso = gated(rng, batch, o.aniso * p, 1, () => 2 ** (n() * o.aniso_std));
  if (o.rotate > 0) params.rotate_post = gated(rng, batch, pRot, 0, theta);
  if (o.xfrac > 0) params.xfrac = gated(rng, batch, o.xfrac * p, 0, () => n() * o.xfrac_std, 2);
  if (o.brightness > 0) params.brightness = gated(rng, batch, o.brightness * p, 0, () => n() * o.brightness_std);
  if (o.contrast > 0) params.contrast = gated(rng, batch, o.contrast * p, 1, () => 2 ** (n() * o.contrast_std));
  if (o.lumaflip > 0) params.lumaflip = gated(rng, batch, o.lumaflip * p, 0, () => Math.floor(u() * 2));
  // Hue and saturation need colour (NVlabs: `num_channels > 1`).
  if (o.hue > 0 && channels > 1) params.hue = gated(rng, batch, o.hue * p, 0, () => (u() * 2 - 1) * Math.PI * o.hue_max);
  if (o.saturation > 0 && channels > 1) params.saturation = gated(rng, batch, o.saturation * p, 1, () => 2 ** (n() * o.saturation_std));
  return params;
}

/** torch.round: to nearest, ties to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Image b's G⁻¹ (output pixel → input pixel), each step right-multiplied as the inverse of its
 * transform, as NVlabs's `G_inv = G_inv @ …_inv(…)`. A step at its identity value is skipped,
 * so an image no transform picked keeps an exact identity.
 */
export function geometricMatrix(params: AdaParams, b: number, height: number, width: number): Mat {
  let g = identity(3);
  const then = (inverse: Mat): void => {
    g = mul(g, inverse);
  };
  const at = (v: Float64Array | undefined, k = 0, w = 1): number | undefined => v?.[b * w + k];
  const flip = at(params.xflip);
  if (flip) then(scale2d(-1, 1)); // scale2d_inv(1 − 2i, 1)
  const quarter = at(params.rotate90);
  if (quarter) then(rotate2dQuarter(quarter)); // rotate2d_inv(−π/2·i), exact
  const [ix, iy] = [at(params.xint, 0, 2), at(params.xint, 1, 2)];
  if (ix || iy) then(translate2d(-roundHalfEven(ix! * width), -roundHalfEven(iy! * height)));
  const s = at(params.scale);
  if (s !== undefined && s !== 1) then(scale2d(1 / s, 1 / s));
  const pre = at(params.rotate_pre);
  if (pre) then(rotate2d(pre)); // rotate2d_inv(−θ)
  const a = at(params.aniso);
  if (a !== undefined && a !== 1) then(scale2d(1 / a, a)); // scale2d_inv(s, 1/s)
  const post = at(params.rotate_post);
  if (post) then(rotate2d(post));
  const [fx, fy] = [at(params.xfrac, 0, 2), at(params.xfrac, 1, 2)];
  if (fx || fy) then(translate2d(-fx! * width, -fy! * height));
  return g;
}

/** Image b's colour matrix C, each step left-multiplied, as NVlabs's `C = … @ C`. */
export function colorMatrix(params: AdaParams, b: number): Mat {
  let c = identity(4);
  const before = (transform: Mat): void => {
    c = mul(transform, c);
  };
  const at = (v: Float64Array | undefined): number | undefined => v?.[b];
  const bright = at(params.brightness);
  if (bright) before(translate3d(bright, bright, bright));
  const k = at(params.contrast);
  if (k !== undefined && k !== 1) before(scale3d(k, k, k));
  if (at(params.lumaflip)) before(reflect3d(LUMA_AXIS));
  const hue = at(params.hue);
  if (hue) before(rotate3d(LUMA_AXIS, hue));
  const sat = at(params.saturation);
  if (sat !== undefined && sat !== 1) before(scaleAround3d(LUMA_AXIS, sat));
  return c;
}
