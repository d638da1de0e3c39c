/**
 * The training loop: run, pause, single step, slow motion; how often metrics are read, the grid
 * drawn (fresh on any backend), SWD measured (within its share of the loop's time) and the run
 * autosaved (at a bound); and the divergence guard that rolls a run back to its last good snapshot.
 */
import { msg, type Message } from '../../contract/messages.ts';
import type { FaultSpec, MetricPoint, QualityPoint } from '../../contract/protocol.ts';
import type { GanTrainer } from '../../gan/train/trainer.ts';
import { chartColumns } from '../../gan/train/report.ts';
import { Cadence, RenderPace, SaveClock, SHARES, type RenderDue } from '../cadence.ts';
import { loseDevice } from '../device.ts';
import { divergence, DivergenceGuard } from '../guard.ts';
import { RateMeter, StepTime } from '../rate.ts';
import { pixelsOf, type SessionState } from './state.ts';

/** Metrics and step counts are posted at most this often, whatever the step rate. */
const POST_EVERY_MS = 250;
/** Slow motion's pace: each player's phase lasts at least this long, so a person can follow it. */
const PHASE_MS = 1000;
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
  /** The picture's pace: fresh on any backend (see cadence.ts); SWD within its share; saves at a bound. */
  private readonly renderPace = new RenderPace();
  private readonly qualityPace = new Cadence(SHARES.quality);
  private readonly saveClock = new SaveClock();
  private readonly rate = new RateMeter();
  private readonly stepTime = new StepTime();
  /** The latest measured speed, for the slow-backend note, and the note last posted. */
  private stepsPerSec = 0;
  private paceKey = '';
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
    this.stepTime.restart();
    void this.loop();
  }

  /** After the loop stopped (`running` was set false at once): report, measure and save. */
  async paused(): Promise<void> {
    if (!this.s.trainer) return;
    this.flush(performance.now());
    this.s.loopStatus();
    await this.evaluate();
    this.saveClock.saved();
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
    this.stepTime.restart();
    this.renderPace.restart();
    this.stepsPerSec = 0;
    this.postPace();
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
      if (performance.now() - idle > STALL_MS && this.s.trainer) {
        this.rate.restart(this.s.trainer.step);
        this.stepTime.restart();
      }
    }
  }

  /**
   * Slow motion: D's update happens while D is named and highlighted, then G's while G is, each
   * phase held for PHASE_MS; the grid is redrawn after G's update, so its change is G's move.
   * The trainer has no per-phase call, so each phase is a round of its own with the other
   * player's steps set to 0 (evaluated, not updated): a slow-motion round counts two steps.
   */
  private async slowRound(): Promise<void> {
    const { dSteps, gSteps } = this.s.config;
    for (const phase of ['d', 'g'] as const) {
      if ((phase === 'd' ? dSteps : gSteps) === 0) continue; // a frozen player has no phase to show
      const start = performance.now();
      this.s.post({ type: 'phase', phase });
      await this.s.enqueue(() => (this.s.running ? this.phase(phase) : undefined));
      if (!this.s.running) return;
      await sleep(Math.max(0, PHASE_MS - (performance.now() - start)));
    }
  }

  /** One player's update alone; after G's, the report and the picture. */
  private async phase(phase: 'd' | 'g'): Promise<void> {
    const trainer = this.s.trainer!;
    const { dSteps, gSteps } = this.s.config;
    trainer.setRound(phase === 'd' ? dSteps : 0, phase === 'g' ? gSteps : 0);
    try {
      trainer.trainStep();
    } finally {
      trainer.setRound(dSteps, gSteps);
    }
    if (this.fault && trainer.step === this.fault.at) this.inject(this.fault, trainer);
    if (await this.readReport(true)) return;
    this.flush(performance.now());
    if (phase === 'g') await this.render();
  }

  /** One training step and whatever side work is due after it. */
  async iteration(single: boolean): Promise<void> {
    const s = this.s;
    const trainer = s.trainer!;
    trainer.trainStep();
    if (this.fault && trainer.step === this.fault.at) this.inject(this.fault, trainer);
    if ((single || trainer.step % s.config.reportEvery === 0) && (await this.readReport(single))) return;
    const now = performance.now();
    if (single || now - this.lastPost >= POST_EVERY_MS) this.flush(now);
    const render: RenderDue = single ? 'share' : this.renderPace.due(now, trainer.step, s.config.sampleEveryMs, this.stepMs);
    if (render) await this.side(() => this.renderPace.run(trainer.step, single ? false : render, () => this.render()));
    if (render && !single) this.postPace();
    if (!single && this.qualityPace.due(now, s.config.qualityEveryMs)) await this.side(() => this.qualityPace.run(() => this.evaluate()));
    if (!single && this.saveClock.due(now, s.config.autosaveMs)) await this.side(() => this.saveClock.run(() => this.hooks.autosave()));
  }

  /** Side work, timed so that a step's own time leaves it out. */
  private async side<T>(task: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await task();
    } finally {
      this.stepTime.sideWork(performance.now() - start);
    }
  }

  /** Reads the round's numbers into the chart; true when the run diverged (and was rolled back). */
  private async readReport(single: boolean): Promise<boolean> {
    const s = this.s;
    const trainer = s.trainer!;
    const r = await trainer.report();
    const problem = r && divergence(r);
    if (problem) {
      await this.recover(problem, r.step);
      return true;
    }
    if (!r) return false;
    await this.guard.good(trainer);
    if (!single) {
      this.stepsPerSec = this.rate.stepsPerSec(r.step);
      this.stepTime.report(r.step);
    }
    const imagesPerSec = single ? 0 : this.stepsPerSec * s.config.batch;
    const point: MetricPoint = { step: r.step, ...chartColumns(r), imagesPerSec };
    this.points.push(point);
    s.history.push(point);
    return false;
  }

  /** The measured time of a step, side work left out; 0 until a speed is known. */
  private get stepMs(): number {
    return this.stepTime.ms;
  }

  /**
   * Tells the page when the backend is so slow that keeping the picture fresh takes more than
   * its share of the loop (and when that ends), in words shown beside the grid.
   */
  private postPace(): void {
    const slow = this.renderPace.slow && this.stepMs > 0;
    const note = slow
      ? msg('session.slowBackend', {
          backend: this.s.backend?.name ?? 'cpu',
          seconds: (this.stepMs / 1000).toFixed(1),
          share: Math.round(this.renderPace.floorShare(this.stepMs) * 100),
        })
      : null;
    const key = note ? JSON.stringify(note.vars) : '';
    if (key === this.paceKey) return;
    this.paceKey = key;
    this.s.post({ type: 'pace', note });
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
