/**
 * The training loop: run, pause, single step, slow motion; how often metrics are read, the grid
 * drawn, SWD measured and the run autosaved (each within its share of the loop's time); and the
 * divergence guard that rolls a run back to its last good snapshot.
 */
import { msg, type Message } from '../../contract/messages.ts';
import type { FaultSpec, MetricPoint, QualityPoint } from '../../contract/protocol.ts';
import type { GanTrainer } from '../../gan/train/trainer.ts';
import { chartColumns } from '../../gan/train/report.ts';
import { Cadence, SHARES } from '../cadence.ts';
import { loseDevice } from '../device.ts';
import { divergence, DivergenceGuard } from '../guard.ts';
import { RateMeter } from '../rate.ts';
import { pixelsOf, type SessionState } from './state.ts';

/** Metrics and step counts are posted at most this often, whatever the step rate. */
const POST_EVERY_MS = 250;
/** Slow motion's pace: one round of the game per second. */
const SLOW_ROUND_MS = 1000;
/** A pause between two iterations this long means the Worker was frozen or asleep, not training. */
const STALL_MS = 2000;

/** What the loop asks of the rest of the session. */
export interface LoopHooks {
  autosave(): Promise<boolean>;
  renderExplorer(): Promise<void>;
  /** Fresh weights (a run that diverged before any snapshot). */
  rebuild(): Promise<void>;
}

export class TrainingLoop {
  private points: MetricPoint[] = [];
  private lastPost = 0;
  /** Side work's pace: its configured interval, within its share of the loop's time. */
  private readonly renderPace = new Cadence(SHARES.render);
  private readonly qualityPace = new Cadence(SHARES.quality);
  private readonly savePace = new Cadence(SHARES.autosave);
  private readonly rate = new RateMeter();
  private readonly guard = new DivergenceGuard();
  /** Test hook (`?fault=`): fired once at its step. */
  fault: FaultSpec | undefined;
  slowMotion = false;

  constructor(
    private readonly s: SessionState,
    private readonly hooks: LoopHooks,
  ) {}

  start(): void {
    const s = this.s;
    if (s.running || !s.trainer) return;
    s.running = true;
    s.loopStatus();
    this.rate.restart(s.trainer.step);
    void this.loop();
  }

  /** After the loop stopped (`running` was set false at once): report, measure and save. */
  async paused(): Promise<void> {
    if (!this.s.trainer) return;
    this.flush(performance.now());
    this.s.loopStatus();
    await this.evaluate();
    await this.hooks.autosave();
  }

  async singleStep(): Promise<void> {
    const s = this.s;
    s.running = false;
    if (!s.trainer) return s.status('idle', msg('session.addImagesStep'));
    await this.iteration(true);
    s.loopStatus();
  }

  /** A new model: its guard, speed window and reports start afresh. */
  restart(): void {
    this.guard.clear();
    this.points = [];
    this.rate.restart(0);
  }

  private async loop(): Promise<void> {
    while (this.s.running) {
      // Each iteration goes through the command queue, so commands land between steps.
      if (this.slowMotion) await this.slowRound();
      else await this.s.enqueue(() => (this.s.running ? this.iteration(false) : undefined));
      const idle = performance.now();
      await yieldToEvents();
      // Time the Worker did not run (a frozen tab, a sleeping laptop) is not training time: the
      // speed window starts again, or the first report after waking shows a collapse in images/s.
      if (performance.now() - idle > STALL_MS && this.s.trainer) this.rate.restart(this.s.trainer.step);
    }
  }

  /**
   * Slow motion: one round a second, announcing the player who learns (D first, then G) and
   * showing every round's grid, so a person can follow the game move by move.
   */
  private async slowRound(): Promise<void> {
    this.s.post({ type: 'phase', phase: 'd' });
    await sleep(SLOW_ROUND_MS / 2);
    await this.s.enqueue(() => (this.s.running ? this.iteration(true) : undefined));
    if (!this.s.running) return;
    this.s.post({ type: 'phase', phase: 'g' });
    await sleep(SLOW_ROUND_MS / 2);
  }

  /** One training step and whatever side work is due after it. */
  async iteration(single: boolean): Promise<void> {
    const s = this.s;
    const trainer = s.trainer!;
    trainer.trainStep();
    if (this.fault && trainer.step === this.fault.at) this.inject(this.fault, trainer);
    const now = performance.now();
    if (single || trainer.step % s.config.reportEvery === 0) {
      const r = await trainer.report();
      const problem = r && divergence(r);
      if (problem) return this.recover(problem, r.step);
      if (r) {
        await this.guard.good(trainer);
        const imagesPerSec = single ? 0 : this.rate.stepsPerSec(r.step) * s.config.batch;
        const point: MetricPoint = { step: r.step, ...chartColumns(r), imagesPerSec };
        this.points.push(point);
        s.history.push(point);
      }
    }
    if (single || now - this.lastPost >= POST_EVERY_MS) this.flush(now);
    if (single || this.renderPace.due(now, s.config.sampleEveryMs)) await this.renderPace.run(() => this.render());
    if (!single && this.qualityPace.due(now, s.config.qualityEveryMs)) await this.qualityPace.run(() => this.evaluate());
    if (!single && this.savePace.due(now, s.config.autosaveMs)) await this.savePace.run(() => this.hooks.autosave());
  }

  /** Test hooks (`?fault=`), each fired once: after recovery the run must pass this step. */
  private inject(fault: FaultSpec, trainer: GanTrainer): void {
    this.fault = undefined;
    if (fault.kind === 'nan') trainer.poison();
    if (fault.kind === 'device-lost') loseDevice(this.s.backend?.name ?? 'cpu', fault.at);
    if (fault.kind === 'worker-crash') {
      setTimeout(() => {
        throw new Error(`injected worker crash at step ${fault.at}`);
      });
    }
  }

  /** A diverged run pauses itself at its last good snapshot and says what happened. */
  private async recover(problem: Message, step: number): Promise<void> {
    const s = this.s;
    s.running = false;
    this.points = [];
    const back = this.guard.rollback(s.trainer!);
    s.history = s.history.filter((p) => p.step <= (back ?? 0));
    s.cutTimeline(back ?? -1);
    if (back === undefined) {
      await this.hooks.rebuild();
      return s.status('error', msg('session.divergedReset', { step, problem }));
    }
    this.flush(performance.now());
    await this.render();
    s.status('paused', msg('session.diverged', { step, problem, back }));
  }

  /** Posts the metric points gathered since the last post, and the step. */
  flush(now: number): void {
    this.lastPost = now;
    if (this.points.length) this.s.post({ type: 'metrics', points: this.points.splice(0) });
    this.s.post({ type: 'step', step: this.s.trainer!.step });
  }

  /** The grid (and a timeline frame when one is due), the explorer, and what D sees. */
  async render(): Promise<void> {
    const { trainer, timeline, post } = this.s;
    if (!trainer) return;
    const grid = await trainer.renderGrid();
    if (timeline.due(trainer.step)) {
      timeline.add({ ...grid, step: trainer.step });
      const image = pixelsOf(grid, true);
      post({ type: 'timeline', step: trainer.step, image }, [image.pixels]);
    }
    const frame = pixelsOf(grid);
    post({ type: 'samples', step: trainer.step, ...frame }, [frame.pixels]);
    await this.hooks.renderExplorer();
    if (trainer.augmentP > 0) {
      const image = pixelsOf(await trainer.renderAugmented());
      post({ type: 'augmented', image }, [image.pixels]);
    }
  }

  async evaluate(): Promise<QualityPoint | undefined> {
    const { quality, trainer, post } = this.s;
    const point = await quality.evaluate(trainer!);
    const best = quality.best?.point;
    if (point) post({ type: 'quality', point, best: best && { step: best.step, swd: best.swd } });
    return point;
  }

  async backToBest(): Promise<void> {
    const s = this.s;
    const best = s.quality.best;
    if (!best || !s.trainer) return s.notice('info', msg('session.noQuality'));
    s.running = false;
    s.trainer.rollback(best.memento);
    s.history = s.history.filter((p) => p.step <= best.point.step);
    s.cutTimeline(best.point.step);
    this.points = [];
    this.flush(performance.now());
    await this.render();
    s.status('paused', msg('session.backAtBest', { step: best.point.step, swd: best.point.swd.toFixed(1) }));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A macrotask without setTimeout's 4 ms clamp, so messages (pause) get through between steps. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
