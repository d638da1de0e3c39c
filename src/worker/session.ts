/**
 * One training session in the Worker: the loop's scheduling (run, pause, single step), how often
 * to read metrics and render the grid, and turning engine results into events. No maths here.
 */
import { applyPreset, DEFAULT_CONFIG, type BackendRequest, type TrainConfig } from '../contract/config.ts';
import { assertNever, type BackendInfo, type Command, type FaultSpec, type MetricPoint, type PixelsMessage, type RunState, type WorkerEvent } from '../contract/protocol.ts';
import { GanTrainer } from '../gan/trainer.ts';
import { chooseBackend } from './backend.ts';
import { BUILTIN_NAMES, BUILTINS } from '../data/builtin/registry.ts';
import { contactSheet, meanImage } from '../data/preview.ts';
import type { RgbaImage } from '../data/types.ts';
import { DatasetStore, LoadCancelled } from './dataset.ts';
import { divergence, DivergenceGuard } from './guard.ts';

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Metrics and step counts are posted at most this often, whatever the step rate. */
const POST_EVERY_MS = 250;

export class Session {
  private config: TrainConfig;
  private backend: BackendInfo | undefined;
  private dataset: DatasetStore;
  private trainer: GanTrainer | undefined;
  private running = false;
  private queue: Promise<unknown> = Promise.resolve();
  private points: MetricPoint[] = [];
  private lastPost = 0;
  private lastRender = 0;
  private windowStart = { time: 0, step: 0 };
  private readonly guard = new DivergenceGuard();
  private fault: FaultSpec | undefined;

  constructor(private readonly post: Post) {
    this.config = DEFAULT_CONFIG;
    this.dataset = new DatasetStore(this.config.res);
  }

  /** Commands run one at a time, and never in the middle of a training iteration. */
  handle(cmd: Command): Promise<void> {
    // Cancelling must not wait behind the load it cancels.
    if (cmd.type === 'dataset/cancel') {
      this.dataset.cancel();
      return Promise.resolve();
    }
    const next = this.queue.then(() => this.apply(cmd)).catch((e: unknown) => this.fail(e));
    this.queue = next;
    return next;
  }

  private async apply(cmd: Command): Promise<void> {
    switch (cmd.type) {
      case 'init':
        this.fault = cmd.fault;
        return this.init(cmd.backend, cmd.config, cmd.autoSize);
      case 'dataset/builtin':
        this.status('loading', `loading the built-in set "${cmd.name}"`);
        await this.dataset.loadBuiltin(cmd.name);
        return this.datasetChanged();
      case 'dataset/files':
        this.status('loading', `reading ${cmd.files.length} file(s)`);
        try {
          await this.dataset.addFiles(cmd.files, cmd.replace, this.progress);
        } catch (e) {
          if (!(e instanceof LoadCancelled)) throw e;
        }
        return this.datasetChanged();
      case 'dataset/remove':
        this.dataset.remove(cmd.names);
        return this.datasetChanged();
      case 'dataset/options':
        this.status('loading', 'preparing the images again');
        await this.dataset.reprepare(this.config.res, { fit: cmd.fit, background: cmd.background }, this.progress);
        return this.datasetChanged();
      case 'dataset/cancel':
        return; // handled ahead of the queue in handle()
      case 'dataset/clear':
        this.running = false;
        this.dataset.clear();
        return this.datasetChanged();
      case 'config':
        this.running = false;
        return this.setConfig(cmd.config);
      case 'train/start':
        return this.start();
      case 'train/pause':
        this.running = false;
        if (this.trainer) this.status('paused', `paused at step ${this.trainer.step}`);
        return;
      case 'train/step':
        this.running = false;
        if (!this.trainer) return this.status('idle', 'add images before training');
        await this.iteration(true);
        return this.status('paused', `paused at step ${this.trainer.step}`);
      case 'train/reset':
        this.running = false;
        return this.rebuild();
      default:
        assertNever(cmd);
    }
  }

  private async init(request: BackendRequest, config: TrainConfig, autoSize: boolean): Promise<void> {
    this.post({ type: 'builtins', builtins: BUILTIN_NAMES.map((n) => ({ name: n, label: BUILTINS[n].label, licence: BUILTINS[n].licence?.text })) });
    this.status('loading', 'starting the compute backend');
    this.backend = await chooseBackend(request);
    this.post({ type: 'backend', backend: this.backend });
    // Without a real GPU the 32×32 model is too slow to watch; start small and say so.
    const weak = this.backend.software || this.backend.name === 'cpu' || this.backend.name === 'wasm';
    this.config = autoSize ? applyPreset(config, weak ? 'tiny' : 'small') : config;
    await this.dataset.reprepare(this.config.res, this.dataset.options, () => {});
    this.postConfig();
    this.status('idle', 'choose a dataset, or press Train on the built-in one');
  }

  private async setConfig(config: TrainConfig): Promise<void> {
    this.config = config;
    this.status('loading', `preparing images at ${config.res}×${config.res}`);
    await this.dataset.reprepare(config.res, this.dataset.options, this.progress);
    this.postDataset();
    await this.rebuild();
  }

  private readonly progress = (done: number, total: number) => this.post({ type: 'dataset/progress', done, total });

  private postDataset(): void {
    this.post({ type: 'dataset', dataset: this.dataset.info() });
    const sheet = contactSheet(this.dataset.set);
    const mean = meanImage(this.dataset.set);
    const msg = (img: RgbaImage): PixelsMessage => ({ width: img.width, height: img.height, pixels: new Uint8ClampedArray(img.data).buffer });
    const preview = { sheet: msg(sheet), mean: msg(mean) };
    this.post({ type: 'dataset/preview', ...preview }, [preview.sheet.pixels, preview.mean.pixels]);
  }

  private async datasetChanged(): Promise<void> {
    this.postDataset();
    if (this.dataset.set.count === 0) {
      this.running = false;
      return this.status('idle', 'the dataset is empty: add images or pick a built-in set');
    }
    if (this.trainer) this.trainer.setDataset(this.dataset.set);
    else await this.rebuild();
    if (!this.running) this.status(this.trainer!.step > 0 ? 'paused' : 'idle', `${this.dataset.set.count} images ready: press Train`);
  }

  /** Fresh weights for the current config and data; shows the untrained grid. */
  private async rebuild(): Promise<void> {
    this.guard.clear();
    this.trainer?.dispose();
    this.trainer = undefined;
    this.postConfig();
    if (this.dataset.set.count === 0) return this.status('idle', 'add images or pick a built-in set');
    this.trainer = new GanTrainer(this.config, this.dataset.set);
    this.post({ type: 'step', step: 0 });
    this.postConfig();
    await this.render();
    this.status('idle', `${this.dataset.set.count} images ready: press Train`);
  }

  private start(): void {
    if (!this.trainer) return this.status('idle', 'add images or pick a built-in set before training');
    if (this.running) return;
    this.running = true;
    this.status('training', `${this.config.res}×${this.config.res} DCGAN, batch ${this.config.batch}, on ${this.backend?.name ?? 'cpu'}`);
    this.windowStart = { time: performance.now(), step: this.trainer.step };
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      // Each iteration goes through the command queue, so commands land between steps.
      await this.handleIteration();
      await yieldToEvents();
    }
  }

  private handleIteration(): Promise<void> {
    const next = this.queue.then(() => (this.running ? this.iteration(false) : undefined)).catch((e: unknown) => this.fail(e));
    this.queue = next;
    return next;
  }

  private async iteration(single: boolean): Promise<void> {
    const trainer = this.trainer!;
    trainer.trainStep();
    if (this.fault?.kind === 'nan' && trainer.step === this.fault.at) {
      this.fault = undefined; // once: after the rollback the run must be able to pass this step
      trainer.poison();
    }
    const now = performance.now();
    if (single || trainer.step % this.config.reportEvery === 0) {
      const r = await trainer.report();
      const problem = r && divergence(r);
      if (problem) return this.recover(problem, r.step);
      if (r) {
        this.guard.good(trainer);
        const t = performance.now();
        const imagesPerSec = ((r.step - this.windowStart.step) * this.config.batch * 1000) / Math.max(1, t - this.windowStart.time);
        this.windowStart = { time: t, step: r.step };
        this.points.push({ step: r.step, gLoss: r.gLoss, dLoss: r.dLoss, dReal: r.dReal, dFake: r.dFake, imagesPerSec: single ? 0 : imagesPerSec, augmentP: r.augmentP });
      }
    }
    if (single || now - this.lastPost >= POST_EVERY_MS) this.flush(now);
    if (single || now - this.lastRender >= this.config.sampleEveryMs) await this.render();
  }

  /** A diverged run pauses itself at its last good snapshot and says what happened. */
  private async recover(problem: string, step: number): Promise<void> {
    this.running = false;
    this.points = [];
    const back = this.guard.rollback(this.trainer!);
    if (back === undefined) {
      await this.rebuild();
      return this.status('error', `training diverged at step ${step}: ${problem}, before any snapshot was kept; the model was reset. Try lower learning rates.`);
    }
    this.flush(performance.now());
    await this.render();
    this.status('paused', `training diverged at step ${step}: ${problem}. Rolled back to step ${back}. Try lower learning rates (Settings), or press Resume to continue from step ${back}.`);
  }

  private flush(now: number): void {
    this.lastPost = now;
    if (this.points.length) this.post({ type: 'metrics', points: this.points.splice(0) });
    this.post({ type: 'step', step: this.trainer!.step });
  }

  private async render(): Promise<void> {
    const trainer = this.trainer!;
    const grid = await trainer.renderGrid();
    this.lastRender = performance.now();
    const pixels = grid.pixels.buffer as ArrayBuffer;
    this.post({ type: 'samples', step: trainer.step, width: grid.width, height: grid.height, pixels }, [pixels]);
    if (trainer.augmentP > 0) {
      const seen = await trainer.renderAugmented();
      const buf = seen.pixels.buffer as ArrayBuffer;
      this.post({ type: 'augmented', image: { width: seen.width, height: seen.height, pixels: buf } }, [buf]);
    }
  }

  private postConfig(): void {
    const params = this.trainer?.parameterCounts() ?? { generator: 0, discriminator: 0 };
    this.post({ type: 'config', config: this.config, params });
  }

  private status(state: RunState, message: string): void {
    this.post({ type: 'status', state, message });
  }

  private fail(e: unknown): void {
    this.running = false;
    this.status('error', e instanceof Error ? e.message : String(e));
  }
}

/** A macrotask without setTimeout's 4 ms clamp, so messages (pause) get through between steps. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
