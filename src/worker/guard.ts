/**
 * Divergence guard: keeps a small ring of recent good snapshots (on the device) and decides
 * when a run has blown up. Checks ride on the metric reads the loop already makes, so there
 * is no extra sync per step (a snapshot, every hundred steps, reads back one number).
 */
import { msg, type Message } from '../contract/messages.ts';
import { hasNonFinite } from '../gan/project/memento.ts';
import { disposeMemento, type GanTrainer, type Memento, type StepReport } from '../gan/train/trainer.ts';
import { chartColumns, type ChartColumns } from '../gan/train/report.ts';

/** A loss this large means the game has exploded (healthy softplus losses stay under ~10). */
const EXPLODING_LOSS = 50;

/** Checks a trainer's report, or a chart point made from one (the same four numbers). */
export function divergence(report: StepReport | ChartColumns): Message | undefined {
  const r = 'kind' in report ? chartColumns(report) : report;
  const values = [r.gLoss, r.dLoss, r.dReal, r.dFake];
  if (values.some((v) => !Number.isFinite(v))) return msg('guard.nan');
  if (Math.max(r.gLoss, r.dLoss) > EXPLODING_LOSS) return msg('guard.exploded', { g: r.gLoss.toFixed(1), d: r.dLoss.toFixed(1) });
  return undefined;
}

export class DivergenceGuard {
  private ring: Memento[] = [];
  private lastSnapshotStep = -Infinity;

  /** `keep` snapshots, one at most every `every` steps. */
  constructor(
    private readonly keep = 3,
    private readonly every = 100,
  ) {}

  /**
   * Called with each good report: snapshot when one is due. The report's losses come from before
   * the last update, so the state itself is checked too: a snapshot holding NaN or ±∞ (weights or
   * optimizer moments) is never kept, or a rollback would land on it again and again.
   */
  async good(trainer: GanTrainer): Promise<void> {
    if (trainer.step - this.lastSnapshotStep < this.every) return;
    const snapshot = trainer.snapshot();
    if (await hasNonFinite(snapshot)) return disposeMemento(snapshot);
    this.ring.push(snapshot);
    this.lastSnapshotStep = trainer.step;
    while (this.ring.length > this.keep) disposeMemento(this.ring.shift()!);
  }

  /** Restores the newest snapshot; returns its step, or undefined when there is none. */
  rollback(trainer: GanTrainer): number | undefined {
    const last = this.ring[this.ring.length - 1];
    if (!last) return undefined;
    trainer.rollback(last);
    this.lastSnapshotStep = last.step;
    return last.step;
  }

  get size(): number {
    return this.ring.length;
  }

  clear(): void {
    this.ring.forEach(disposeMemento);
    this.ring = [];
    this.lastSnapshotStep = -Infinity;
  }
}
