/** What the explorer asks the Worker to draw; shared by the page and the engine. */
import type { Message } from './messages.ts';

/** Style inputs grouped by the resolution they act on: coarse (4–8 px: pose, shape), middle, fine (the last block: colour, texture). */
export type StyleBand = 'coarse' | 'middle' | 'fine';

/** A grid sample (its index) or a projected image (its id). */
export type Pin = number | string;

export interface ExploreRequest {
  /** Truncation ψ: 1 = none, 0 = the average. */
  psi: number;
  /** Style bands taken from the B sources in the mixing grid. */
  fromB: StyleBand[];
  /**
   * The two pins: A and B of the interpolation, first sources of the mix. A number is a grid
   * sample's index; a string names a projected image (its latent lives in the Worker).
   */
  pins: [Pin, Pin];
  /** Noise seed for StyleGAN's per-pixel noise; a new one shows stochastic variation. */
  noiseSeed: number;
  /** StyleGAN: switch the per-pixel noise off. */
  noiseOff: boolean;
  /** StyleGAN: interpolate linearly in W (after the mapping) or spherically in z. DCGAN: always z. */
  space: 'w' | 'z';
}

/**
 * What a projection minimises: the Laplacian-pyramid distance, or that plus the trained
 * discriminator's intermediate features ('pyramid+d'). The distances reported are always the
 * pyramid distance alone, so projections made either way compare.
 */
export type ProjectionDistance = 'pyramid' | 'pyramid+d';

/** A finished projection, kept as an explorer pin (and in the project file). */
export interface ProjectedPinInfo {
  id: string;
  /** The file's name, or "training image N". */
  label: Message;
  space: 'w' | 'w+' | 'z';
  /** Optimisation steps taken, and the training step of the generator it was found in. */
  steps: number;
  modelStep: number;
  /** Pyramid distance of the reconstruction to the target, and of the target to its own mirror image (the yardstick). */
  distance: number;
  mirror: number;
  /** The distance at the first step (from w̄, or DCGAN's starting draw): how far the search came. NaN when not known (older files). */
  start: number;
  /** Wall time of the projection, training slices in between included. */
  ms: number;
  /** The training image nearest the target (8×8 thumbnails), the set's typical gap, and whether the target lies far outside the set. */
  nearest: { index: number; distance: number; typicalGap: number; far: boolean } | undefined;
  /**
   * Set when the noise maps were optimised too: the distance of the latent drawn with the
   * explorer's fixed noise, which is what the pin shows (it keeps the latent only).
   */
  fixedNoise?: number;
  /** What the search minimised; absent in files written before the choice existed (they used 'pyramid'). */
  objective?: ProjectionDistance;
}
