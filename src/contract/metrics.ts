/** Quality numbers shared by the engine, the Worker, the CLI and the page. */

/** One SWD evaluation (×1e3, lower is better) of the generator against the dataset. */
export interface QualityPoint {
  step: number;
  swd: number;
  /** SWD per Laplacian pyramid level, finest first. */
  perLevel: number[];
  /** Resolution of each level. */
  levels: number[];
  /**
   * Sample diversity of the same samples: their mean pairwise distance over the dataset's (src/gan/metrics/diversity.ts).
   * 0 = every sample the same image, ≈ 1 = as varied as the data; NaN when the dataset has no spread (one image).
   */
  diversity: number;
}

/**
 * Below this sample diversity the page warns that the generator may be collapsing. Measured at 32 px on the built-in
 * faces (docs/recipe.md): runs that collapsed to one face read 0.13–0.24, healthy runs 0.68–1.09 from step 500 on.
 * An untrained generator reads ≈ 1 or more (its samples are unrelated noise), so no warm-up is needed.
 */
export const COLLAPSE_DIVERSITY = 0.5;

/** Whether the page should warn of mode collapse at this evaluation (false while diversity is unknown). */
export function collapseWarning(point: Pick<QualityPoint, 'diversity'> | undefined): boolean {
  return point !== undefined && Number.isFinite(point.diversity) && point.diversity < COLLAPSE_DIVERSITY;
}
