import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../project/checkpoint.ts';

/**
 * What one report says: means over the rounds since the last one, named for what they are.
 * A GAN reports its two players; the autoencoder kinds (no adversary) their reconstruction.
 */
export interface GanReport {
  kind: 'gan';
  step: number;
  /** Rounds averaged into this report. */
  steps: number;
  /** G's non-saturating loss, mean over G steps (evaluated without an update when G is frozen). */
  gLoss: number;
  /** D's logistic loss, mean over D steps (evaluated without an update when D is frozen). */
  dLoss: number;
  /** Mean σ(D(real)) and σ(D(fake)). */
  dReal: number;
  dFake: number;
  /** Augmentation probability in force (ADA's p; 1 with fixed augmentation, 0 with none). */
  augmentP: number;
  /** Mean R1 penalty E‖∇ₓD‖² over the lazy R1 steps in this window; undefined when none ran. */
  r1?: number;
}

export interface ReconstructionReport {
  kind: 'reconstruction';
  step: number;
  steps: number;
  /** Per-pixel reconstruction MSE. */
  recon: number;
  /** KL per latent dimension in nats (0 for the plain autoencoder). */
  kl: number;
}

export type StepReport = GanReport | ReconstructionReport;

/**
 * The chart's four columns (contract MetricPoint). The protocol has one set of columns for every
 * kind; the page labels them per kind (reconstruction: recon in the G column, KL in the D column).
 * This is the one place that mapping is written.
 */
export interface ChartColumns {
  gLoss: number;
  dLoss: number;
  dReal: number;
  dFake: number;
  augmentP: number;
}

export function chartColumns(r: StepReport): ChartColumns {
  if (r.kind === 'gan') return { gLoss: r.gLoss, dLoss: r.dLoss, dReal: r.dReal, dFake: r.dFake, augmentP: r.augmentP };
  return { gLoss: r.recon, dLoss: r.kl, dReal: 0, dFake: 0, augmentP: 0 };
}

/**
 * Named scalars summed on the device and read together (one sync per report, none per round).
 * Each name keeps its own count, so a number that only some rounds produce (R1) is averaged
 * over the rounds that produced it.
 */
export class RunningMeans<K extends string> {
  private sums: tf.Tensor1D;
  private counts: number[];

  constructor(readonly keys: readonly K[]) {
    this.sums = tf.zeros([keys.length]);
    this.counts = keys.map(() => 0);
  }

  /** Adds the given scalars (and disposes them); absent names are left alone. */
  add(values: Partial<Record<K, tf.Scalar>>): void {
    const parts = this.keys.map((k) => values[k]);
    const next = tf.tidy(() => tf.add(this.sums, tf.stack(parts.map((v) => v ?? tf.scalar(0)))) as tf.Tensor1D);
    parts.forEach((v, i) => {
      if (v) this.counts[i]!++;
    });
    tf.dispose([...parts.filter((v): v is tf.Scalar => v !== undefined), this.sums]);
    this.sums = next;
  }

  /** Sums and counts since the last read, then starts afresh. */
  async read(): Promise<{ sum: Record<K, number>; count: Record<K, number> }> {
    const values = await this.sums.data();
    const sum = {} as Record<K, number>;
    const count = {} as Record<K, number>;
    this.keys.forEach((k, i) => {
      sum[k] = values[i]!;
      count[k] = this.counts[i]!;
    });
    this.reset();
    return { sum, count };
  }

  reset(): void {
    this.sums.dispose();
    this.sums = tf.zeros([this.keys.length]);
    this.counts = this.keys.map(() => 0);
  }

  /** The unread sums and counts, so a resumed run's next report is the one the straight run makes. */
  async save(): Promise<NamedArray> {
    const sums = (await this.sums.data()) as Float32Array;
    return { shape: [2, this.keys.length], data: Float32Array.from([...sums, ...this.counts]) };
  }

  load(a: NamedArray | undefined): void {
    if (!a || a.data.length !== 2 * this.keys.length) return this.reset();
    const n = this.keys.length;
    this.sums.dispose();
    this.sums = tf.tensor1d(a.data.slice(0, n));
    this.counts = Array.from(a.data.slice(n));
  }

  dispose(): void {
    this.sums.dispose();
  }
}
