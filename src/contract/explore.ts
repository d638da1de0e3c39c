/** What the explorer asks the Worker to draw; shared by the page and the engine. */

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
