/**
 * What the three parts of a session share: the run being trained (config, trainer, data,
 * history, identity), the device it runs on, the command queue, and the events that describe
 * them to the page. The parts (loop, persistence, side tasks) change it; only this file posts
 * the session's status.
 */
import { DEFAULT_CONFIG, MODEL_NAMES, type TrainConfig } from '../../contract/config.ts';
import { msg, type Message } from '../../contract/messages.ts';
import type { BackendInfo, MetricPoint, PixelsMessage, RunState, WorkerEvent } from '../../contract/protocol.ts';
import { contactSheet, meanImage } from '../../data/preview.ts';
import type { RgbaImage } from '../../data/types.ts';
import { memoryProblem, type DeviceLimits } from '../../gan/backend/memory.ts';
import { QualityTracker } from '../../gan/metrics/tracker.ts';
import { Timeline } from '../../gan/explore/timeline.ts';
import type { GridImage } from '../../gan/explore/render.ts';
import type { GanTrainer } from '../../gan/train/trainer.ts';
import { DatasetStore } from '../dataset.ts';
import type { RunIdentity } from '../project.ts';

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Snapshots kept on the device beside the run: the divergence ring (3) and the best by SWD (1). */
export const SNAPSHOTS_KEPT = 4;

export class SessionState {
  config: TrainConfig = DEFAULT_CONFIG;
  backend: BackendInfo | undefined;
  limits: DeviceLimits | undefined;
  readonly dataset = new DatasetStore(DEFAULT_CONFIG.res);
  trainer: GanTrainer | undefined;
  /** Whether the training loop runs; set false by anything that stops it, at once. */
  running = false;
  /** Every metric point of the current run, for saving and restoring the chart. */
  history: MetricPoint[] = [];
  run: RunIdentity | undefined;
  readonly quality = new QualityTracker();
  readonly timeline = new Timeline();
  /** Why the previous Worker died, when this one was started to recover; said once training resumes. */
  recovered: string | undefined;
  /** Commands and loop iterations run on this chain one at a time, never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly post: Post,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Runs `task` after everything already queued; an error goes to the session's fault handling. */
  enqueue(task: () => Promise<void> | void): Promise<void> {
    const next = this.queue.then(task).catch((e: unknown) => this.onError(e));
    this.queue = next;
    return next;
  }

  status(state: RunState, message: Message): void {
    this.post({ type: 'status', state, message });
  }

  notice(level: 'info' | 'warning' | 'error', message: Message): void {
    this.post({ type: 'notice', level, message });
  }

  /** Says what the loop is doing now: the status every command ends with. */
  loopStatus(): void {
    const trainer = this.trainer;
    if (!trainer) return this.status('idle', msg('session.addImages'));
    if (this.running) return this.status('training', this.trainingMessage());
    if (trainer.step > 0) return this.status('paused', msg('session.pausedAt', { step: trainer.step }));
    this.status('idle', msg('session.ready', { n: this.dataset.set.count }));
  }

  /** What trains where; once after a recovery, also why the Worker was replaced and from where it goes on. */
  private trainingMessage(): Message {
    const { res, model, batch } = this.config;
    const vars = { res, model: MODEL_NAMES[model], batch, backend: this.backend?.name ?? 'cpu' };
    const why = this.recovered;
    this.recovered = undefined;
    if (!why) return msg('session.training', vars);
    const step = this.trainer?.step ?? 0;
    return step > 0 ? msg('session.trainingRecovered', { ...vars, why, step }) : msg('session.trainingRecoveredFresh', { ...vars, why });
  }

  /** Why `config` on `images` images cannot fit this device, checked before anything is built. */
  tooBig(config: TrainConfig, images: number): Message | undefined {
    return this.limits && images > 0 ? memoryProblem(config, images, this.limits, { snapshots: SNAPSHOTS_KEPT }) : undefined;
  }

  postConfig(): void {
    const params = this.trainer?.parameterCounts() ?? { generator: 0, discriminator: 0 };
    this.post({ type: 'config', config: this.config, params });
  }

  /** The dataset's facts, and its images as the model sees them with their mean. */
  postDataset(): void {
    this.post({ type: 'dataset', dataset: this.dataset.info() });
    const preview = { sheet: pixelsOf(contactSheet(this.dataset.set), true), mean: pixelsOf(meanImage(this.dataset.set), true) };
    this.post({ type: 'dataset/preview', ...preview }, [preview.sheet.pixels, preview.mean.pixels]);
  }

  /** Cuts the timeline back to `step` (a rollback), or clears it (`step` < 0: a new model). */
  cutTimeline(step: number): void {
    if (step < 0) this.timeline.clear();
    else this.timeline.truncate(step);
    this.post({ type: 'timeline/truncate', step });
  }
}

/**
 * An image as a message. Its buffer is handed over (transferred) unless `copy` is asked for
 * because the caller keeps the pixels, or the view is only part of its buffer.
 */
export function pixelsOf(img: RgbaImage | GridImage, copy = false): PixelsMessage {
  const bytes = 'data' in img ? img.data : img.pixels;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const pixels = copy || !whole ? new Uint8ClampedArray(bytes).buffer : (bytes.buffer as ArrayBuffer);
  return { width: img.width, height: img.height, pixels };
}
