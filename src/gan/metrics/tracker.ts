/**
 * Quality tracking for a run (the Worker and the CLI): SWD between the generator's samples and the dataset (the
 * ProGAN recipe, no pretrained network), the samples' diversity against the dataset's (the collapse signal), the
 * best snapshot by SWD, and the memorisation check. The dataset side is described once per dataset and cached.
 */
import type { QualityPoint } from '../../contract/metrics.ts';
import type { PreparedSet } from '../../data/types.ts';
import { disposeMemento, type GanTrainer, type Memento } from '../train/trainer.ts';
import { referenceSpread, sampleDiversity } from './diversity.ts';
import { buildIndex, nearest, summarizeMatches, type NearestIndex } from './nearest.ts';
import { describeSet, swd, type Descriptors } from './swd.ts';

/** Samples per SWD evaluation: fixed for a run so values stay comparable. */
export const SWD_SAMPLES = 128;
/** At most this many dataset images form the reference side. */
const REFERENCE_IMAGES = 256;

function subset(set: PreparedSet, max: number): PreparedSet {
  if (set.count <= max) return set;
  const size = set.res * set.res * 3;
  const stride = set.count / max;
  const pixels = new Float32Array(max * size);
  for (let i = 0; i < max; i++) pixels.set(set.pixels.subarray(Math.floor(i * stride) * size, (Math.floor(i * stride) + 1) * size), i * size);
  return { res: set.res, count: max, pixels, names: [] };
}

export class QualityTracker {
  private reference: Descriptors | undefined;
  /** The dataset's mean pairwise distance (NaN: fewer than two images, or all alike). */
  private spread: number | undefined;
  private index: NearestIndex | undefined;
  private dataset: PreparedSet | undefined;
  best: { point: QualityPoint; memento: Memento } | undefined;

  setDataset(set: PreparedSet): void {
    this.dataset = set;
    this.reference = undefined;
    this.spread = undefined;
    this.index = undefined;
  }

  /** SWD and diversity of the current generator, from one set of samples; remembers the best state seen. */
  async evaluate(trainer: GanTrainer): Promise<QualityPoint | undefined> {
    if (!this.dataset || this.dataset.count === 0) return undefined;
    const point = this.score(trainer.step, await trainer.samplePixels(SWD_SAMPLES));
    if (Number.isFinite(point.swd) && (!this.best || point.swd < this.best.point.swd)) {
      if (this.best) disposeMemento(this.best.memento);
      this.best = { point, memento: trainer.snapshot() };
    }
    return point;
  }

  /**
   * SWD and diversity of `SWD_SAMPLES` samples (NHWC floats in [-1, 1]) from any generator, scored as `evaluate` scores
   * this run's: bench/bench-quality.ts scores the PyTorch peer's samples with it.
   */
  score(step: number, pixels: Float32Array): QualityPoint {
    if (!this.dataset || this.dataset.count === 0) throw new Error('no dataset to score against');
    const { res } = this.dataset;
    this.reference ??= describeSet(subset(this.dataset, REFERENCE_IMAGES));
    this.spread ??= this.dataset.count >= 2 ? referenceSpread(this.dataset) : NaN;
    const result = swd(this.reference, describeSet({ res, count: SWD_SAMPLES, pixels }));
    // The same samples SWD scored (SWD_SAMPLES = DIVERSITY_IMAGES, the CLI's count), so no extra pass through G.
    const diversity = this.spread > 0 ? sampleDiversity(pixels, SWD_SAMPLES, res, this.spread) : NaN;
    return { step, swd: result.mean, perLevel: result.perLevel, levels: result.levels, diversity };
  }

  /** Nearest training image for each grid sample: indices, distances, near-copy flags. */
  async nearestForGrid(trainer: GanTrainer) {
    if (!this.dataset) return undefined;
    this.index ??= buildIndex(this.dataset);
    const n = trainer.config.gridSide ** 2;
    const matches = nearest(this.index, await trainer.samplePixels(n, true), n, this.dataset.res);
    return { matches, summary: summarizeMatches(matches) };
  }

  reset(): void {
    if (this.best) disposeMemento(this.best.memento);
    this.best = undefined;
  }
}
