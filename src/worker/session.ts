/**
 * One training session in the Worker: the loop's scheduling (run, pause, single step), how often
 * to read metrics and render the grid, and turning engine results into events. No maths here.
 */
import { applyPreset, DEFAULT_CONFIG, MODEL_NAMES, type BackendRequest, type PresetName, type TrainConfig } from '../contract/config.ts';
import { assertNever, type BackendInfo, type Command, type QualityPoint, type ExploreRequest, type FaultSpec, type MetricPoint, type PixelsMessage, type RunState, type WorkerEvent } from '../contract/protocol.ts';
import { renderExplorer } from '../gan/explore.ts';
import { Timeline } from '../gan/timeline.ts';
import type { GridImage } from '../gan/render.ts';
import { GanTrainer } from '../gan/trainer.ts';
import { chooseBackend } from './backend.ts';
import { measureSizes } from './auto-size.ts';
import { BUILTIN_NAMES, BUILTINS } from '../data/builtin/registry.ts';
import { contactSheet, meanImage } from '../data/preview.ts';
import type { RgbaImage } from '../data/types.ts';
import { DatasetStore, LoadCancelled } from './dataset.ts';
import { QualityTracker } from '../gan/metrics/tracker.ts';
import { pathLength, pathModelOf } from '../gan/metrics/ppl.ts';
import { MAX_IMAGES } from '../data/load.ts';
import { MAX_FILE_BYTES, MAX_IMAGE_PIXELS } from '../data/sniff.ts';
import { MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES } from '../data/zip.ts';
import { divergence, DivergenceGuard } from './guard.ts';
import { estimateMemory, formatBytes, memoryProblem, type DeviceLimits } from '../gan/memory.ts';
import { deviceLimits } from './limits.ts';
import { loseDevice, watchDevice } from './device.ts';
import { newRun, partsOf, projectFileName, snapshotOf, type RunIdentity } from './project.ts';
import { deleteRun, duplicateRun, listRuns, loadRun, renameRun, saveRun } from './runs.ts';
import { decodeProject, encodeProject } from '../gan/checkpoint.ts';
import { BaselineRun, baselineConfig, baselineSteps } from './baseline.ts';
import { datasetZip, generatorZip, nearestSheet, timelapseGif, type Outcome } from './downloads.ts';
import { Cadence, SHARES } from './cadence.ts';
import { RateMeter } from './rate.ts';

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Metrics and step counts are posted at most this often, whatever the step rate. */
const POST_EVERY_MS = 250;
/** Slow motion's pace: one round of the game per second. */
const SLOW_ROUND_MS = 1000;
/** Baseline training slices: short, so the GAN's loop and commands are never held up for long. */
const BASELINE_SLICE_MS = 150;
const DATA_LIMITS = { maxImages: MAX_IMAGES, maxImagePixels: MAX_IMAGE_PIXELS, maxFileBytes: MAX_FILE_BYTES, maxArchiveBytes: MAX_ARCHIVE_BYTES, maxArchiveEntries: MAX_ARCHIVE_ENTRIES };
/** Errors that mean the GPU device or context is gone (WebGPU device loss, WebGL context loss). */
const DEVICE_LOST = /device (was |is )?lost|context (was |is )?lost|external Instance reference no longer exists|CONTEXT_LOST_WEBGL|GPUDevice.*destroyed/i;
/** A pause between two iterations this long means the Worker was frozen or asleep, not training. */
const STALL_MS = 2000;
/** Snapshots kept on the device beside the run: the divergence ring (3) and the best by SWD (1). */
const SNAPSHOTS_KEPT = 4;

export class Session {
  private config: TrainConfig;
  private backend: BackendInfo | undefined;
  private limits: DeviceLimits | undefined;
  private dataset: DatasetStore;
  private trainer: GanTrainer | undefined;
  private running = false;
  private queue: Promise<unknown> = Promise.resolve();
  private points: MetricPoint[] = [];
  private lastPost = 0;
  /** Side work's pace: its configured interval, within its share of the loop's time. */
  private readonly renderPace = new Cadence(SHARES.render);
  private readonly qualityPace = new Cadence(SHARES.quality);
  private readonly savePace = new Cadence(SHARES.autosave);
  private readonly rate = new RateMeter();
  private readonly guard = new DivergenceGuard();
  private fault: FaultSpec | undefined;
  /** Why the previous Worker died, when this one was started to recover; said once training resumes. */
  private recovered: string | undefined;
  /** Set once the device is lost: the watcher and the loop may both report the same loss. */
  private lost = false;
  /** Every metric point of the current run, for saving and restoring the chart. */
  private history: MetricPoint[] = [];
  private run: RunIdentity | undefined;
  private explore: ExploreRequest | undefined;
  private readonly quality = new QualityTracker();
  private readonly timeline = new Timeline();
  private slowMotion = false;
  private baseline: BaselineRun | undefined;
  /** Set when a command that replaces the data or the model arrives: a path length measurement in progress stops. */
  private pplStop = false;

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
    // Pause takes effect at once, even behind a long command (a load): the loop stops after the
    // step it is in; the queued part below reports it.
    if (cmd.type === 'train/pause') this.running = false;
    // New data or a new model ends a path length measurement of the old one instead of waiting for it.
    if (REPLACES_MODEL.has(cmd.type)) this.pplStop = true;
    const next = this.queue.then(() => this.apply(cmd)).catch((e: unknown) => this.fail(e));
    this.queue = next;
    return next;
  }

  private async apply(cmd: Command): Promise<void> {
    switch (cmd.type) {
      case 'init':
        this.fault = cmd.fault;
        this.recovered = cmd.recovered?.replace(/^Uncaught (Error: )?/, '');
        return this.init(cmd.backend, cmd.config, cmd.autoSize);
      case 'dataset/builtin':
        return this.loadData(true, `loading the built-in set "${cmd.name}"`, async () => {
          await this.dataset.loadBuiltin(cmd.name);
          return 'fresh';
        });
      case 'dataset/files':
        return this.loadData(this.dataset.replacedBy(cmd.replace), `reading ${cmd.files.length} file(s)`, async () => {
          try {
            return await this.dataset.addFiles(cmd.files, cmd.replace, cmd.label, this.progress);
          } catch (e) {
            if (!(e instanceof LoadCancelled)) throw e;
            return 'none';
          }
        });
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
        if (!this.trainer) return;
        this.flush(performance.now());
        this.status('paused', `paused at step ${this.trainer.step}`);
        await this.evaluate();
        await this.autosave();
        return;
      case 'train/step':
        this.running = false;
        if (!this.trainer) return this.status('idle', 'add images before training');
        await this.iteration(true);
        return this.loopStatus();
      case 'export/gif':
        return this.deliver(timelapseGif(this.timeline, this.run?.name));
      case 'export/generator':
        return this.deliver(await generatorZip(this.trainer));
      case 'export/dataset':
        return this.deliver(datasetZip(this.dataset.set));
      case 'train/best':
        return this.backToBest();
      case 'quality/nearest':
        return this.deliver(await nearestSheet(this.trainer, this.quality, this.dataset.set, this.config.gridSide));
      case 'quality/ppl':
        return this.measurePpl();
      case 'explore':
        this.explore = cmd.request ?? undefined;
        return this.renderExplorer();
      case 'train/reset':
        // Fresh weights; a loop that was training goes on training them.
        return this.rebuild();
      case 'project/export':
        return this.exportProject();
      case 'project/import':
        return this.openProject(new Uint8Array(await cmd.file.arrayBuffer()), undefined, cmd.file.name);
      case 'runs/resume': {
        const bytes = await loadRun(cmd.id);
        if (!bytes) return this.notice('error', 'that saved run is gone (deleted in another tab?)');
        return this.openProject(bytes, cmd.id, 'the saved run');
      }
      case 'runs/rename':
        await renameRun(cmd.id, cmd.name);
        if (this.run?.id === cmd.id) {
          this.run = { ...this.run, name: cmd.name };
          this.post({ type: 'run', name: cmd.name });
        }
        return this.postRuns();
      case 'runs/duplicate':
        await duplicateRun(cmd.id, newRun('copy').id);
        return this.postRuns();
      case 'runs/delete':
        await deleteRun(cmd.id);
        if (this.run?.id === cmd.id) this.run = undefined;
        return this.postRuns();
      case 'baseline/train':
        return this.startBaseline(cmd.kind);
      case 'baseline/stop':
        return this.stopBaseline();
      case 'train/game':
        this.slowMotion = cmd.slowMotion;
        this.config = { ...this.config, dSteps: cmd.dSteps, gSteps: cmd.gSteps };
        this.trainer?.setRound(cmd.dSteps, cmd.gSteps);
        if (!cmd.slowMotion) this.post({ type: 'phase', phase: null });
        return this.postConfig();
      default:
        assertNever(cmd);
    }
  }

  private async init(request: BackendRequest, config: TrainConfig, autoSize: boolean): Promise<void> {
    const builtins = BUILTIN_NAMES.map((n) => ({ name: n, label: BUILTINS[n].label, licence: BUILTINS[n].licence?.text }));
    this.post({ type: 'builtins', builtins, limits: DATA_LIMITS });
    this.status('loading', 'starting the compute backend');
    this.backend = await chooseBackend(request);
    this.post({ type: 'backend', backend: this.backend });
    this.limits = deviceLimits(this.backend.name);
    watchDevice(this.backend.name, (why) => this.fail(new Error(why)));
    this.config = autoSize ? applyPreset(config, await this.sizeTest(config)) : config;
    await this.dataset.reprepare(this.config.res, this.dataset.options, () => {});
    this.postConfig();
    await this.postRuns().catch(() => this.notice('warning', 'saved runs are unavailable: this browser blocks storage for the page'));
    this.status('idle', 'choose a dataset, or press Train on the built-in one');
  }

  /** Times each size preset on this backend (a few seconds at most) and says what it found. */
  private async sizeTest(config: TrainConfig): Promise<PresetName> {
    this.status('loading', `timing a training step at each size on ${this.backend!.name}`);
    const sizing = await measureSizes(config);
    this.post({ type: 'backend', backend: this.backend!, sizing });
    return sizing.picked;
  }

  private async setConfig(config: TrainConfig): Promise<void> {
    const tooBig = this.tooBig(config, this.dataset.set.count);
    if (tooBig) {
      this.postConfig(); // the settings shown go back to the ones in force
      return this.status(this.trainer?.step ? 'paused' : 'idle', `settings not applied, the current run is kept: ${tooBig}`);
    }
    this.config = config;
    this.status('loading', `preparing images at ${config.res}×${config.res}`);
    await this.dataset.reprepare(config.res, this.dataset.options, this.progress);
    this.postDataset();
    await this.rebuild();
  }

  /** Why `config` on `images` images cannot fit this device, checked before anything is built. */
  private tooBig(config: TrainConfig, images: number): string | undefined {
    return this.limits && images > 0 ? memoryProblem(config, images, this.limits, { snapshots: SNAPSHOTS_KEPT }) : undefined;
  }

  /**
   * Loads data. New data (another source) gets a fresh model, after the current run is saved;
   * more of the same data keeps the model. A set that cannot be loaded, or is too large for the
   * device beside the current model, is undone and the run kept. Whatever happens, the status
   * ends by saying what the loop is doing.
   */
  private async loadData(replaces: boolean, what: string, load: () => Promise<DataChange>): Promise<void> {
    const saved = replaces ? await this.saveBeforeReplacing() : undefined;
    this.status('loading', what);
    const undo = this.dataset.mark();
    let change: DataChange;
    try {
      change = await load();
    } catch (e) {
      // A set that could not be fetched (offline) or read leaves the current images and run as they were.
      if (!this.trainer) throw e;
      undo();
      this.notice('error', `${e instanceof Error ? e.message : String(e)}. The current images are kept.`);
      this.postDataset();
      return this.loopStatus();
    }
    const tooBig = this.trainer && this.tooBig(this.config, this.dataset.set.count);
    if (!tooBig) return this.datasetChanged(change, saved);
    undo();
    this.postDataset();
    this.notice('error', `those images were not loaded, the current run is kept: ${tooBig}`);
    this.loopStatus();
  }

  /** Autosaves the current run before new data replaces it; its name, when it was saved. */
  private async saveBeforeReplacing(): Promise<string | undefined> {
    if (!this.trainer || this.trainer.step === 0) return undefined;
    return (await this.autosave()) ? this.run?.name : undefined;
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

  /** Follows a change of the images: a fresh model for new data, the same model for more or fewer of them. */
  private async datasetChanged(change: DataChange = 'edited', saved?: string): Promise<void> {
    this.stopBaseline(); // it was learning the images that just changed
    this.postDataset();
    if (change === 'none') return this.loopStatus();
    if (this.dataset.set.count === 0) {
      this.running = false;
      return this.status('idle', 'the dataset is empty: add images or pick a built-in set');
    }
    if (change === 'fresh' || !this.trainer) {
      await this.rebuild(); // it ends with the loop's status
      if (change === 'fresh' && this.run) this.post({ type: 'dataset/changed', change: 'fresh', run: this.run.name, count: this.dataset.set.count, ...(saved ? { saved } : {}) });
      return;
    }
    this.trainer.setDataset(this.dataset.set);
    this.quality.setDataset(this.dataset.set);
    if (change === 'appended' && this.trainer.step > 0 && this.run) this.post({ type: 'dataset/changed', change: 'appended', run: this.run.name, count: this.dataset.set.count });
    this.loopStatus();
  }

  /** Fresh weights for the current config and data; shows the untrained grid. */
  private async rebuild(): Promise<void> {
    this.stopBaseline();
    this.cutTimeline(-1);
    this.guard.clear();
    this.quality.reset();
    this.quality.setDataset(this.dataset.set);
    this.history = [];
    this.run = undefined;
    this.trainer?.dispose();
    this.trainer = undefined;
    this.postConfig();
    if (this.dataset.set.count === 0) {
      this.running = false;
      return this.status('idle', 'add images or pick a built-in set');
    }
    const tooBig = this.tooBig(this.config, this.dataset.set.count);
    if (tooBig) {
      this.running = false;
      return this.status('error', `cannot build this model: ${tooBig}`);
    }
    this.trainer = new GanTrainer(this.config, this.dataset.set);
    this.run = newRun(this.runLabel());
    this.post({ type: 'run', name: this.run.name });
    this.rate.restart(0);
    this.post({ type: 'step', step: 0 });
    this.postConfig();
    await this.render();
    // The page must stop naming the old run as current: after a crash it would resume that one.
    await this.postRuns().catch(() => undefined);
    this.loopStatus();
  }

  /** Says what the loop is doing now: the one status every command ends with. */
  private loopStatus(): void {
    const trainer = this.trainer;
    if (!trainer) return this.status('idle', 'add images or pick a built-in set');
    if (this.running) return this.status('training', this.trainingMessage());
    if (trainer.step > 0) return this.status('paused', `paused at step ${trainer.step}`);
    this.status('idle', `${this.dataset.set.count} images ready: press Train`);
  }

  private trainingMessage(): string {
    const step = this.trainer?.step ?? 0;
    const recovered = this.recovered && ` (recovered after ${this.recovered}; continuing from ${step > 0 ? `the autosave at step ${step}` : 'step 0: there was no autosave yet'})`;
    this.recovered = undefined;
    return `${this.config.res}×${this.config.res} ${MODEL_NAMES[this.config.model]}, batch ${this.config.batch}, on ${this.backend?.name ?? 'cpu'}${recovered ?? ''}`;
  }

  private start(): void {
    if (!this.trainer) {
      // No model: either no images yet, or the settings were refused as too large (say so again).
      const tooBig = this.tooBig(this.config, this.dataset.set.count);
      return tooBig ? this.status('error', `cannot build this model: ${tooBig}`) : this.status('idle', 'add images or pick a built-in set before training');
    }
    if (this.running) return;
    this.running = true;
    this.status('training', this.trainingMessage());
    this.rate.restart(this.trainer.step);
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      // Each iteration goes through the command queue, so commands land between steps.
      if (this.slowMotion) await this.slowRound();
      else await this.handleIteration();
      const idle = performance.now();
      await yieldToEvents();
      // Time the Worker did not run (a frozen tab, a sleeping laptop) is not training time: the
      // speed window starts again, or the first report after waking shows a collapse in images/s.
      if (performance.now() - idle > STALL_MS && this.trainer) this.rate.restart(this.trainer.step);
    }
  }

  /**
   * Slow motion: one round a second, announcing the player who learns (D first, then G) and
   * showing every round's grid, so a person can follow the game move by move.
   */
  private async slowRound(): Promise<void> {
    this.post({ type: 'phase', phase: 'd' });
    await sleep(SLOW_ROUND_MS / 2);
    await this.handleIteration(true);
    if (!this.running) return;
    this.post({ type: 'phase', phase: 'g' });
    await sleep(SLOW_ROUND_MS / 2);
  }

  private handleIteration(single = false): Promise<void> {
    const next = this.queue.then(() => (this.running ? this.iteration(single) : undefined)).catch((e: unknown) => this.fail(e));
    this.queue = next;
    return next;
  }

  private async iteration(single: boolean): Promise<void> {
    const trainer = this.trainer!;
    trainer.trainStep();
    if (this.fault && trainer.step === this.fault.at) this.inject(this.fault, trainer);
    const now = performance.now();
    if (single || trainer.step % this.config.reportEvery === 0) {
      const r = await trainer.report();
      const problem = r && divergence(r);
      if (problem) return this.recover(problem, r.step);
      if (r) {
        this.guard.good(trainer);
        const imagesPerSec = this.rate.stepsPerSec(r.step) * this.config.batch;
        const point: MetricPoint = { step: r.step, gLoss: r.gLoss, dLoss: r.dLoss, dReal: r.dReal, dFake: r.dFake, imagesPerSec: single ? 0 : imagesPerSec, augmentP: r.augmentP };
        this.points.push(point);
        this.history.push(point);
      }
    }
    if (single || now - this.lastPost >= POST_EVERY_MS) this.flush(now);
    if (single || this.renderPace.due(now, this.config.sampleEveryMs)) await this.renderPace.run(() => this.render());
    if (!single && this.qualityPace.due(now, this.config.qualityEveryMs)) await this.qualityPace.run(() => this.evaluate());
    if (!single && this.savePace.due(now, this.config.autosaveMs)) await this.savePace.run(() => this.autosave());
  }

  /** Test hooks (`?fault=`), each fired once: after recovery the run must pass this step. */
  private inject(fault: FaultSpec, trainer: GanTrainer): void {
    this.fault = undefined;
    if (fault.kind === 'nan') trainer.poison();
    if (fault.kind === 'device-lost') loseDevice(this.backend?.name ?? 'cpu', fault.at);
    if (fault.kind === 'worker-crash') {
      setTimeout(() => {
        throw new Error(`injected worker crash at step ${fault.at}`);
      });
    }
  }

  /** A diverged run pauses itself at its last good snapshot and says what happened. */
  private async recover(problem: string, step: number): Promise<void> {
    this.running = false;
    this.points = [];
    const back = this.guard.rollback(this.trainer!);
    this.history = this.history.filter((p) => p.step <= (back ?? 0));
    this.cutTimeline(back ?? -1);
    if (back === undefined) {
      await this.rebuild();
      return this.status('error', `training diverged at step ${step}: ${problem}, before any snapshot was kept; the model was reset. Try lower learning rates.`);
    }
    this.flush(performance.now());
    await this.render();
    this.status('paused', `training diverged at step ${step}: ${problem}. Rolled back to step ${back}. Try lower learning rates (Settings), or press Resume to continue from step ${back}.`);
  }

  /** A run is named after its data: "faces · 118", "holiday photos · 40"; a reopened run keeps its name. */
  private runLabel(): string {
    const src = this.dataset.info().source;
    if (src.kind === 'saved') return src.name;
    const data = src.kind === 'builtin' ? src.name : src.kind === 'user' ? src.label : 'run';
    return `${data} · ${this.dataset.set.count}`;
  }

  private async snapshot() {
    this.run ??= newRun(this.runLabel());
    return snapshotOf(this.run, this.trainer!, this.history, this.dataset.set, this.timeline.frames);
  }

  private async exportProject(): Promise<void> {
    if (!this.trainer) return this.notice('error', 'there is no model to export yet: load a dataset first');
    const bytes = encodeProject(await this.snapshot());
    this.post({ type: 'project', name: projectFileName(this.run!, this.trainer.step), bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
  }

  /** Saves the run to IndexedDB; a failure is reported and training goes on. True when saved. */
  private async autosave(): Promise<boolean> {
    if (!this.trainer || this.trainer.step === 0) return false;
    try {
      const snapshot = await this.snapshot();
      await saveRun({ id: this.run!.id, name: this.run!.name, step: this.trainer.step, updated: snapshot.meta.updated, res: this.config.res, model: this.config.model }, encodeProject(snapshot));
      await this.postRuns();
      return true;
    } catch (e) {
      this.notice('warning', `autosave failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  /** `current` names only a run that is saved: the page resumes it after a crash. */
  private async postRuns(): Promise<void> {
    const runs = await listRuns();
    const current = runs.some((r) => r.id === this.run?.id) ? this.run?.id : undefined;
    this.post({ type: 'runs', runs, current });
  }

  /** Opens a project file or saved run; a bad one is refused and the current run is untouched. */
  private async openProject(bytes: Uint8Array, id: string | undefined, what: string): Promise<void> {
    const decoded = decodeProject(bytes);
    if (!decoded.ok) return this.notice('error', `could not open ${what}: ${decoded.reason}`);
    const { snapshot } = decoded;
    const parts = await partsOf(snapshot, id);
    if (!parts.dataset && this.dataset.set.res !== snapshot.config.res) {
      return this.notice('error', `could not open ${what}: it holds no images and the current ones are ${this.dataset.set.res}×${this.dataset.set.res}, not ${snapshot.config.res}×${snapshot.config.res}`);
    }
    const tooBig = this.tooBig(snapshot.config, (parts.dataset ?? this.dataset.set).count);
    if (tooBig) return this.notice('error', `could not open ${what}: ${tooBig}`);
    const trainer = new GanTrainer(snapshot.config, parts.dataset ?? this.dataset.set);
    const problem = trainer.importState(snapshot);
    if (problem) {
      trainer.dispose();
      return this.notice('error', `could not open ${what}: ${problem}`);
    }
    this.running = false;
    this.guard.clear();
    this.quality.reset();
    this.cutTimeline(-1);
    this.trainer?.dispose();
    this.trainer = trainer;
    this.config = snapshot.config;
    if (parts.dataset) this.dataset.restore(parts.dataset, snapshot.meta.name);
    this.run = parts.run;
    this.post({ type: 'run', name: parts.run.name });
    this.history = parts.history;
    this.timeline.restore(parts.timeline);
    for (const f of parts.timeline) {
      const copy = new Uint8ClampedArray(f.pixels).buffer;
      this.post({ type: 'timeline', step: f.step, image: { width: f.width, height: f.height, pixels: copy } }, [copy]);
    }
    this.quality.setDataset(this.dataset.set);
    this.postDataset();
    this.postConfig();
    this.post({ type: 'step', step: 0 });
    this.post({ type: 'metrics', points: this.history });
    this.post({ type: 'step', step: trainer.step });
    await this.render();
    await this.postRuns();
    this.status('paused', `opened "${parts.run.name}" at step ${trainer.step}: press Resume to continue`);
  }

  private cutTimeline(step: number): void {
    if (step < 0) this.timeline.clear();
    else this.timeline.truncate(step);
    this.post({ type: 'timeline/truncate', step });
  }

  private notice(level: 'info' | 'warning' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  private flush(now: number): void {
    this.lastPost = now;
    if (this.points.length) this.post({ type: 'metrics', points: this.points.splice(0) });
    this.post({ type: 'step', step: this.trainer!.step });
  }

  private async render(): Promise<void> {
    const trainer = this.trainer!;
    const grid = await trainer.renderGrid();
    if (this.timeline.due(trainer.step)) {
      this.timeline.add({ ...grid, step: trainer.step });
      const copy = new Uint8ClampedArray(grid.pixels).buffer;
      this.post({ type: 'timeline', step: trainer.step, image: { width: grid.width, height: grid.height, pixels: copy } }, [copy]);
    }
    const pixels = grid.pixels.buffer as ArrayBuffer;
    this.post({ type: 'samples', step: trainer.step, width: grid.width, height: grid.height, pixels }, [pixels]);
    await this.renderExplorer();
    if (trainer.augmentP > 0) {
      const seen = await trainer.renderAugmented();
      const buf = seen.pixels.buffer as ArrayBuffer;
      this.post({ type: 'augmented', image: { width: seen.width, height: seen.height, pixels: buf } }, [buf]);
    }
  }

  private async evaluate(): Promise<QualityPoint | undefined> {
    const point = await this.quality.evaluate(this.trainer!);
    const best = this.quality.best?.point;
    if (point) this.post({ type: 'quality', point, best: best && { step: best.step, swd: best.swd } });
    return point;
  }

  private async backToBest(): Promise<void> {
    const best = this.quality.best;
    if (!best || !this.trainer) return this.notice('info', 'no quality measurement yet: train a little first');
    this.running = false;
    this.trainer.rollback(best.memento);
    this.history = this.history.filter((p) => p.step <= best.point.step);
    this.cutTimeline(best.point.step);
    this.points = [];
    this.flush(performance.now());
    await this.render();
    this.status('paused', `back at step ${best.point.step}, the best SWD so far (${best.point.swd.toFixed(1)}): press Resume to continue from here`);
  }

  /** Posts what a download or a check produced, or tells the person why there is nothing. */
  private deliver(outcome: Outcome<WorkerEvent>): void {
    if ('problem' in outcome) return this.notice('error', outcome.problem);
    this.post(outcome.event, outcome.transfer);
  }

  /**
   * Perceptual path length, in chunks: while training runs, a training step goes in whenever
   * the measurement has held the loop for PPL_HOLD_MS, so a slow model (StyleGAN at 32 px on
   * WASM: seconds) does not stall training; a fast one is measured on one set of weights.
   */
  private startBaseline(kind: 'autoencoder' | 'vae'): void {
    if (!this.trainer || this.dataset.set.count === 0) return this.notice('info', 'there is no generator yet: load a dataset first');
    this.stopBaseline();
    const tooBig = this.baselineTooBig(kind);
    if (tooBig) return this.notice('error', tooBig);
    const run = new BaselineRun(kind, this.config, this.dataset.set, baselineSteps(this.trainer.step));
    this.baseline = run;
    void this.baselineLoop(run);
  }

  /** The baseline lives beside the GAN: both must fit the device together. */
  private baselineTooBig(kind: 'autoencoder' | 'vae'): string | undefined {
    if (!this.limits) return undefined;
    const images = this.dataset.set.count;
    const gan = estimateMemory(this.config, images, { snapshots: SNAPSHOTS_KEPT }).bytes.total;
    const base = estimateMemory(baselineConfig(kind, this.config), images).bytes.total;
    if (gan + base <= this.limits.totalBytes) return undefined;
    return `no room for the ${kind} beside this GAN: together they need about ${formatBytes(gan + base)}; ${this.limits.total}`;
  }

  /** Ends the baseline; one stopped before it finished is taken off the page. */
  private stopBaseline(): void {
    if (!this.baseline) return;
    if (!this.baseline.done) this.post({ type: 'baseline/stopped' });
    this.baseline.dispose();
    this.baseline = undefined;
  }

  /** Slices of baseline training go through the command queue, between the GAN's own steps. */
  private async baselineLoop(run: BaselineRun): Promise<void> {
    let lastPost = 0;
    while (this.baseline === run) {
      const next = this.queue.then(async () => {
        if (this.baseline !== run) return;
        const recon = await run.slice(BASELINE_SLICE_MS);
        if (!run.done && performance.now() - lastPost < 1000) return;
        lastPost = performance.now();
        const grid = await run.grid();
        const scores = run.done ? { swd: await run.swd(), gan: await this.ganScore() } : {};
        const image: PixelsMessage = { width: grid.width, height: grid.height, pixels: grid.pixels.buffer as ArrayBuffer };
        this.post({ type: 'baseline', kind: run.kind, step: run.trainer.step, total: run.target, image, recon, done: run.done, ...scores }, [image.pixels]);
        if (run.done) this.stopBaseline();
      }).catch((e: unknown) => {
        this.stopBaseline();
        this.fail(e);
      });
      this.queue = next;
      await next;
      await yieldToEvents();
    }
  }

  /** The GAN's SWD now, measured the same way as the baseline's (and shown on its own chart too). */
  private async ganScore(): Promise<{ step: number; swd: number } | undefined> {
    if (!this.trainer) return undefined;
    const point = await this.evaluate();
    return point && { step: point.step, swd: point.swd };
  }

  private async measurePpl(): Promise<void> {
    const trainer = this.trainer;
    if (!trainer) return this.notice('info', 'there is no generator yet: load a dataset first');
    const step = trainer.step;
    const wasRunning = this.running;
    let held = performance.now();
    this.pplStop = false;
    const between = async () => {
      if (this.running && performance.now() - held >= PPL_HOLD_MS) {
        await this.iteration(false);
        held = performance.now();
      }
      await yieldToEvents(); // lets a pause or new data arrive (handle() sets the flags below)
      // A divergence rollback or a rebuild in that step replaced the weights being measured;
      // new data or settings are waiting; or the person paused.
      if (this.trainer !== trainer || this.pplStop || this.running !== wasRunning) throw new PplInterrupted();
    };
    try {
      const { space, mean, median, p90, pairs } = await pathLength(pathModelOf(trainer), {}, between);
      this.post({ type: 'ppl', step, space, mean, median, p90, pairs });
    } catch (e) {
      if (!(e instanceof PplInterrupted)) throw e;
      this.notice('info', 'the path length measurement stopped: the model changed while it ran');
    }
  }

  private async renderExplorer(): Promise<void> {
    if (!this.explore || !this.trainer) return;
    const images = await renderExplorer(this.trainer, this.explore);
    const msg = (g: GridImage): PixelsMessage => ({ width: g.width, height: g.height, pixels: g.pixels.buffer as ArrayBuffer });
    const event = { type: 'explorer', step: this.trainer.step, interpolation: msg(images.interpolation), mix: images.mix && msg(images.mix), noise: images.noise && msg(images.noise) } as const;
    this.post(event, [event.interpolation, event.mix, event.noise].filter((m) => m !== undefined).map((m) => m.pixels));
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
    const message = e instanceof Error ? e.message : String(e);
    if (DEVICE_LOST.test(message) && this.backend) {
      if (this.lost) return;
      this.lost = true;
      // Nothing on a lost device can be trusted, snapshots included: hand over to the page's crash
      // recovery, which starts a fresh Worker (and backend) and reloads the last autosave.
      const name = this.backend.name;
      const why = message.startsWith(`the ${name} device was lost`) ? message : `the ${name} device was lost at step ${this.trainer?.step ?? 0} (${message})`;
      this.status('loading', `${why}; restarting`);
      setTimeout(() => {
        throw new Error(why);
      });
      return;
    }
    this.status('error', message);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** See `measurePpl`. */
const PPL_HOLD_MS = 250;
/** Commands after which a measurement of the current model is moot. */
const REPLACES_MODEL = new Set<Command['type']>(['dataset/builtin', 'dataset/files', 'dataset/remove', 'dataset/options', 'dataset/clear', 'config', 'train/reset', 'project/import', 'runs/resume']);
/** What a load did to the images: another source (`fresh`), more of the same, or nothing (cancelled). */
type DataChange = 'fresh' | 'appended' | 'edited' | 'none';
class PplInterrupted extends Error {}

/** A macrotask without setTimeout's 4 ms clamp, so messages (pause) get through between steps. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
