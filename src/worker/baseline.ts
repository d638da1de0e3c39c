/**
 * The autoencoder baseline beside a GAN: the same data, size, width, batch and seed, trained
 * with per-pixel error instead of a judge, scored with the same SWD. It trains in short slices
 * that share the Worker's command queue with the GAN's own loop, so both stay responsive.
 */
import { MODEL_DEFAULTS, type TrainConfig } from '../contract/config.ts';
import type { PreparedSet } from '../data/types.ts';
import type { AutoencoderKind } from '../gan/nn/models/autoencoder.ts';
import { QualityTracker } from '../gan/metrics/tracker.ts';
import type { GridImage } from '../gan/explore/render.ts';
import { GanTrainer } from '../gan/train/trainer.ts';
import { chartColumns } from '../gan/train/report.ts';

/** Steps for a fair comparison: as many as the GAN has had, within what a person will wait for. */
export function baselineSteps(ganSteps: number): number {
  return Math.max(50, Math.min(3000, ganSteps || 500));
}

/** The baseline's config: the GAN's data side and size, the autoencoder's own optimizer. */
export function baselineConfig(kind: AutoencoderKind, gan: TrainConfig): TrainConfig {
  // Augmentation and the game's round only concern a discriminator; the baseline has none.
  return { ...gan, model: kind, ...MODEL_DEFAULTS[kind], augColor: false, augTranslation: false, augCutout: false, ada: false, dSteps: 1, gSteps: 1 };
}

export class BaselineRun {
  readonly trainer: GanTrainer;
  private readonly quality = new QualityTracker();

  constructor(
    readonly kind: AutoencoderKind,
    gan: TrainConfig,
    dataset: PreparedSet,
    readonly target: number,
  ) {
    this.trainer = new GanTrainer(baselineConfig(kind, gan), dataset);
    this.quality.setDataset(dataset);
  }

  get done(): boolean {
    return this.trainer.step >= this.target;
  }

  /** Trains for about `ms` (at least one step), then waits for the device once. */
  async slice(ms: number): Promise<number> {
    const end = performance.now() + ms;
    do this.trainer.trainStep();
    while (!this.done && performance.now() < end);
    const report = await this.trainer.report();
    return report ? chartColumns(report).gLoss : NaN;
  }

  grid(): Promise<GridImage> {
    return this.trainer.renderGrid();
  }

  async swd(): Promise<number> {
    return (await this.quality.evaluate(this.trainer))?.swd ?? NaN;
  }

  dispose(): void {
    this.quality.reset();
    this.trainer.dispose();
  }
}
