/**
 * Work beside the training loop, on the current model: the explorer's images, the autoencoder
 * baseline, perceptual path length, the nearest-image check and the downloads. Each runs on the
 * command queue between training steps, so none of them races the loop.
 */
import { msg, type Message } from '../../contract/messages.ts';
import type { ExploreRequest, WorkerEvent } from '../../contract/protocol.ts';
import { renderExplorer } from '../../gan/explore/explore.ts';
import { estimateMemory, formatBytes } from '../../gan/backend/memory.ts';
import { pathLength, pathModelOf } from '../../gan/metrics/ppl.ts';
import { BaselineRun, baselineConfig, baselineSteps } from '../baseline.ts';
import { datasetZip, generatorZip, nearestSheet, timelapseGif, type Outcome } from '../downloads.ts';
import { yieldToEvents } from './loop.ts';
import { ProjectionTask } from './projection.ts';
import { pixelsOf, SNAPSHOTS_KEPT, type SessionState } from './state.ts';

/** Baseline training slices: short, so the GAN's loop and commands are never held up for long. */
const BASELINE_SLICE_MS = 150;
/** While training runs, a path length measurement lets a training step in after holding the loop this long. */
const PPL_HOLD_MS = 250;

type BaselineKind = 'autoencoder' | 'vae';

/** What the side tasks ask of the loop. */
export interface SideHooks {
  /** One training step (with its side work), between chunks of a long measurement. */
  iteration(): Promise<void>;
  /** The GAN's SWD now, measured as the baseline's is. */
  evaluate(): Promise<{ step: number; swd: number } | undefined>;
}

export class SideTasks {
  private explore: ExploreRequest | undefined;
  private baseline: BaselineRun | undefined;
  /** Set when a command that replaces the data or the model arrives: a measurement in progress stops. */
  private pplStop = false;
  /** Projections of pictures into the generator, and the pins they leave. */
  readonly projection: ProjectionTask;

  constructor(
    private readonly s: SessionState,
    private readonly hooks: SideHooks,
  ) {
    this.projection = new ProjectionTask(s, () => this.renderExplorer());
  }

  /** The model or its data is about to change: a measurement of the old one is moot. */
  interrupt(): void {
    this.pplStop = true;
  }

  /** Explorer settings (null: closed); drawn now and with every grid. */
  async setExplore(request: ExploreRequest | null): Promise<void> {
    this.explore = request ?? undefined;
    await this.renderExplorer();
  }

  async renderExplorer(): Promise<void> {
    const trainer = this.s.trainer;
    if (!this.explore || !trainer) return;
    const images = await renderExplorer(trainer, this.explore, this.projection.lookup);
    const event = {
      type: 'explorer',
      step: trainer.step,
      interpolation: pixelsOf(images.interpolation),
      mix: images.mix && pixelsOf(images.mix),
      noise: images.noise && pixelsOf(images.noise),
    } as const;
    this.s.post(
      event,
      [event.interpolation, event.mix, event.noise].filter((m) => m !== undefined).map((m) => m.pixels),
    );
  }

  gif(): void {
    this.deliver(timelapseGif(this.s.timeline, this.s.run?.name));
  }

  async generator(): Promise<void> {
    this.deliver(await generatorZip(this.s.trainer));
  }

  datasetZip(): void {
    this.deliver(datasetZip(this.s.dataset.set));
  }

  async nearest(): Promise<void> {
    const { trainer, quality, dataset, config } = this.s;
    this.deliver(await nearestSheet(trainer, quality, dataset.set, config.gridSide));
  }

  /** Posts what a download or a check produced, or tells the person why there is nothing. */
  private deliver(outcome: Outcome<WorkerEvent>): void {
    if ('problem' in outcome) return this.s.notice('error', outcome.problem);
    this.s.post(outcome.event, outcome.transfer);
  }

  startBaseline(kind: BaselineKind): void {
    const { trainer, dataset, config } = this.s;
    if (!trainer || dataset.set.count === 0) return this.s.notice('info', msg('side.noGenerator'));
    this.stopBaseline();
    const tooBig = this.baselineTooBig(kind);
    if (tooBig) return this.s.notice('error', tooBig);
    const run = new BaselineRun(kind, config, dataset.set, baselineSteps(trainer.step));
    this.baseline = run;
    void this.baselineLoop(run);
  }

  /** The baseline lives beside the GAN: both must fit the device together. */
  private baselineTooBig(kind: BaselineKind): Message | undefined {
    const { limits, config, dataset } = this.s;
    if (!limits) return undefined;
    const images = dataset.set.count;
    const gan = estimateMemory(config, images, { snapshots: SNAPSHOTS_KEPT }).bytes.total;
    const base = estimateMemory(baselineConfig(kind, config), images).bytes.total;
    if (gan + base <= limits.totalBytes) return undefined;
    return msg('side.baselineNoRoom', { kind, bytes: formatBytes(gan + base), limit: limits.total });
  }

  /** Ends the baseline; one stopped before it finished is taken off the page. */
  stopBaseline(): void {
    if (!this.baseline) return;
    if (!this.baseline.done) this.s.post({ type: 'baseline/stopped' });
    this.baseline.dispose();
    this.baseline = undefined;
  }

  /** Slices of baseline training go through the command queue, between the GAN's own steps. */
  private async baselineLoop(run: BaselineRun): Promise<void> {
    let lastPost = 0;
    while (this.baseline === run) {
      await this.s.enqueue(async () => {
        if (this.baseline !== run) return;
        try {
          const recon = await run.slice(BASELINE_SLICE_MS);
          if (!run.done && performance.now() - lastPost < 1000) return;
          lastPost = performance.now();
          await this.postBaseline(run, recon);
        } catch (e) {
          this.stopBaseline();
          throw e;
        }
      });
      await yieldToEvents();
    }
  }

  private async postBaseline(run: BaselineRun, recon: number): Promise<void> {
    const image = pixelsOf(await run.grid());
    const scores = run.done ? { swd: await run.swd(), gan: await this.hooks.evaluate() } : {};
    this.s.post({ type: 'baseline', kind: run.kind, step: run.trainer.step, total: run.target, image, recon, done: run.done, ...scores }, [image.pixels]);
    if (run.done) this.stopBaseline();
  }

  /**
   * Perceptual path length, in chunks: while training runs, a training step goes in whenever
   * the measurement has held the loop for PPL_HOLD_MS, so a slow model (StyleGAN at 32 px on
   * WASM: seconds) does not stall training; a fast one is measured on one set of weights.
   */
  async measurePpl(): Promise<void> {
    const s = this.s;
    const trainer = s.trainer;
    if (!trainer) return s.notice('info', msg('side.noGenerator'));
    const step = trainer.step;
    const wasRunning = s.running;
    let held = performance.now();
    this.pplStop = false;
    const between = async () => {
      if (s.running && performance.now() - held >= PPL_HOLD_MS) {
        await this.hooks.iteration();
        held = performance.now();
      }
      await yieldToEvents(); // lets a pause or new data arrive (they set the flags below)
      // A divergence rollback or a rebuild in that step replaced the weights being measured;
      // new data or settings are waiting; or the person paused.
      if (s.trainer !== trainer || this.pplStop || s.running !== wasRunning) throw new PplInterrupted();
    };
    try {
      const { space, mean, median, p90, pairs } = await pathLength(pathModelOf(trainer), {}, between);
      s.post({ type: 'ppl', step, space, mean, median, p90, pairs });
    } catch (e) {
      if (!(e instanceof PplInterrupted)) throw e;
      s.notice('info', msg('side.pplStopped'));
    }
  }
}

class PplInterrupted extends Error {}
