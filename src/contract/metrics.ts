/** Quality numbers shared by the engine, the Worker, the CLI and the page. */

/** One SWD evaluation (×1e3, lower is better) of the generator against the dataset. */
export interface QualityPoint {
  step: number;
  swd: number;
  /** SWD per Laplacian pyramid level, finest first. */
  perLevel: number[];
  /** Resolution of each level. */
  levels: number[];
}
