/**
 * One training session in the Worker: commands in, events out. It owns the model's life (the
 * backend and size test, data and settings changes, fresh weights, faults) and hands the rest
 * to its three parts: the training loop (loop.ts), the run kept (persistence.ts) and the work
 * beside the loop (side-tasks.ts). No maths here.
 */
import { applyPreset, type PresetName, type TrainConfig } from '../../contract/config.ts';
import type { Message } from '../../contract/messages.ts';
import { english, messageOf, msg } from '../../contract/messages.ts';
import type { Command } from '../../contract/protocol.ts';
import { BUILTIN_NAMES, BUILTINS } from '../../data/builtin/registry.ts';
import { MAX_IMAGES } from '../../data/load.ts';
import { MAX_FILE_BYTES, MAX_IMAGE_PIXELS } from '../../data/sniff.ts';
import { MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES } from '../../data/zip.ts';
import { GanTrainer } from '../../gan/train/trainer.ts';
import { measureSizes } from '../auto-size.ts';
import { chooseBackend } from '../backend.ts';
import { LoadCancelled } from '../dataset.ts';
import { watchDevice } from '../device.ts';
import { deviceLimits } from '../limits.ts';
import { TrainingLoop } from './loop.ts';
import { RunKeeper } from './persistence.ts';
import { SideTasks } from './side-tasks.ts';
import { SessionState, type Post } from './state.ts';

export type { Post } from './state.ts';

const DATA_LIMITS = {
  maxImages: MAX_IMAGES,
  maxImagePixels: MAX_IMAGE_PIXELS,
  maxFileBytes: MAX_FILE_BYTES,
  maxArchiveBytes: MAX_ARCHIVE_BYTES,
  maxArchiveEntries: MAX_ARCHIVE_ENTRIES,
};
/** Errors that mean the GPU device or context is gone (WebGPU device loss, WebGL context loss). */
/** A loss already told with its step (the watcher's and the fault hook's own words). */
const DEVICE_LOST_AT = /^the \w+ device was lost at step/;
const DEVICE_LOST = /device (was |is )?lost|context (was |is )?lost|external Instance reference no longer exists|CONTEXT_LOST_WEBGL|GPUDevice.*destroyed/i;
/** Commands after which a measurement of the current model is moot. */
const REPLACES_MODEL = new Set<Command['type']>([
  'dataset/builtin',
  'dataset/files',
  'dataset/remove',
  'dataset/options',
  'dataset/clear',
  'config',
  'train/reset',
  'project/import',
  'runs/resume',
]);

/** What a load did to the images: another source (`fresh`), more of the same, an edit, or nothing (cancelled). */
type DataChange = 'fresh' | 'appended' | 'edited' | 'none';

type Handlers = { [K in Command['type']]: (session: Session, cmd: Extract<Command, { type: K }>) => Promise<void> | void };

/** One small handler per command; the mapped type makes a new command a compile error until it has one. */
const HANDLERS: Handlers = {
  init: (x, cmd) => x.init(cmd),
  'dataset/builtin': (x, cmd) =>
    x.loadData(true, msg('session.loadingBuiltin', { name: cmd.name }), async () => {
      await x.s.dataset.loadBuiltin(cmd.name);
      return 'fresh';
    }),
  'dataset/files': (x, cmd) =>
    x.loadData(x.s.dataset.replacedBy(cmd.replace), msg('session.readingFiles', { n: cmd.files.length }), async () => {
      try {
        return await x.s.dataset.addFiles(cmd.files, cmd.replace, cmd.label, x.progress);
      } catch (e) {
        if (!(e instanceof LoadCancelled)) throw e;
        return 'none';
      }
    }),
  'dataset/remove': (x, cmd) => {
    x.s.dataset.remove(cmd.names);
    return x.datasetChanged('edited');
  },
  'dataset/options': async (x, cmd) => {
    x.s.status('loading', msg('session.preparingAgain'));
    await x.s.dataset.reprepare(x.s.config.res, { fit: cmd.fit, background: cmd.background }, x.progress);
    return x.datasetChanged('edited');
  },
  'dataset/cancel': () => undefined, // handled ahead of the queue in handle()
  'dataset/clear': (x) => {
    x.s.running = false;
    x.s.dataset.clear();
    return x.datasetChanged('edited');
  },
  config: (x, cmd) => {
    x.s.running = false;
    return x.setConfig(cmd.config);
  },
  'train/start': (x) => x.start(),
  'train/pause': (x) => x.loop.paused(), // the loop was stopped in handle()
  'train/step': (x) => x.loop.singleStep(),
  'train/reset': (x) => x.rebuild(), // fresh weights; a loop that was training goes on training them
  'train/best': (x) => x.loop.backToBest(),
  'train/game': (x, cmd) => {
    x.loop.slowMotion = cmd.slowMotion;
    x.s.config = { ...x.s.config, dSteps: cmd.dSteps, gSteps: cmd.gSteps };
    x.s.trainer?.setRound(cmd.dSteps, cmd.gSteps);
    if (!cmd.slowMotion) x.s.post({ type: 'phase', phase: null });
    x.s.postConfig();
  },
  'export/gif': (x) => x.side.gif(),
  'export/generator': (x) => x.side.generator(),
  'export/dataset': (x) => x.side.datasetZip(),
  'quality/nearest': (x) => x.side.nearest(),
  'quality/ppl': (x) => x.side.measurePpl(),
  explore: (x, cmd) => x.side.setExplore(cmd.request),
  'projection/start': (x, cmd) => x.side.projection.start(cmd.request),
  'projection/cancel': (x) => x.side.projection.cancel(),
  'baseline/train': (x, cmd) => x.side.startBaseline(cmd.kind),
  'baseline/stop': (x) => x.side.stopBaseline(),
  'project/export': (x) => x.keeper.exportProject(),
  'project/import': async (x, cmd) => x.keeper.open(new Uint8Array(await cmd.file.arrayBuffer()), undefined, cmd.file.name),
  'runs/resume': (x, cmd) => x.keeper.resume(cmd.id),
  'runs/rename': (x, cmd) => x.keeper.rename(cmd.id, cmd.name),
  'runs/duplicate': (x, cmd) => x.keeper.duplicate(cmd.id),
  'runs/delete': (x, cmd) => x.keeper.remove(cmd.id),
};

export class Session {
  readonly s: SessionState;
  readonly loop: TrainingLoop;
  readonly keeper: RunKeeper;
  readonly side: SideTasks;
  /** Set once the device is lost: the watcher and the loop may both report the same loss. */
  private lost = false;

  constructor(post: Post) {
    this.s = new SessionState(post, (e) => this.fail(e));
    this.side = new SideTasks(this.s, { iteration: () => this.loop.iteration(false), evaluate: () => this.ganScore() });
    this.loop = new TrainingLoop(this.s, {
      autosave: () => this.keeper.autosave(),
      renderExplorer: () => this.side.renderExplorer(),
      rebuild: () => this.rebuild(),
    });
    this.keeper = new RunKeeper(this.s, { replaced: () => this.loop.restart(), render: () => this.loop.render(), pins: this.side.projection });
  }

  /** Commands run one at a time, and never in the middle of a training iteration. */
  handle(cmd: Command): Promise<void> {
    // Cancelling must not wait behind the load it cancels.
    if (cmd.type === 'dataset/cancel') {
      this.s.dataset.cancel();
      return Promise.resolve();
    }
    // Pause takes effect at once, even behind a long command (a load): the loop stops after the
    // step it is in; the queued handler reports it.
    if (cmd.type === 'train/pause') this.s.running = false;
    // New data or a new model ends a measurement of the old one instead of waiting for it.
    if (REPLACES_MODEL.has(cmd.type)) this.side.interrupt();
    const handler = HANDLERS[cmd.type] as (session: Session, cmd: Command) => Promise<void> | void;
    return this.s.enqueue(() => handler(this, cmd));
  }

  readonly progress = (done: number, total: number) => this.s.post({ type: 'dataset/progress', done, total });

  async init(cmd: Command & { type: 'init' }): Promise<void> {
    const s = this.s;
    this.loop.fault = cmd.fault;
    s.recovered = cmd.recovered?.replace(/^Uncaught (Error: )?/, '');
    const builtins = BUILTIN_NAMES.map((n) => ({ name: n, label: BUILTINS[n].label, licence: BUILTINS[n].licence?.text }));
    s.post({ type: 'builtins', builtins, limits: DATA_LIMITS });
    s.status('loading', msg('session.startingBackend'));
    // A hardware GPU races WASM on the person's own model (StyleGAN's ratio is not DCGAN's).
    s.backend = await chooseBackend(cmd.backend, { ...(cmd.threads ? { threads: cmd.threads } : {}), raceConfig: cmd.config });
    s.post({ type: 'backend', backend: s.backend });
    s.limits = deviceLimits(s.backend.name);
    watchDevice(s.backend.name, (why) => this.fail(new Error(why)));
    s.config = cmd.autoSize ? applyPreset(cmd.config, await this.sizeTest(cmd.config)) : cmd.config;
    await s.dataset.reprepare(s.config.res, s.dataset.options, () => {});
    s.postConfig();
    await this.keeper.postRuns().catch(() => s.notice('warning', msg('session.storageBlocked')));
    s.status('idle', msg('session.chooseData'));
  }

  /** Times each size preset on this backend (a few seconds at most) and says what it found. */
  private async sizeTest(config: TrainConfig): Promise<PresetName> {
    const backend = this.s.backend!;
    this.s.status('loading', msg('session.timing', { backend: backend.name }));
    const sizing = await measureSizes(config);
    this.s.post({ type: 'backend', backend, sizing });
    return sizing.picked;
  }

  start(): void {
    const s = this.s;
    if (s.trainer) return this.loop.start();
    // No model: either no images yet, or the settings were refused as too large (say so again).
    const tooBig = s.tooBig(s.config, s.dataset.set.count);
    if (tooBig) s.status('error', msg('session.cannotBuild', { reason: tooBig }));
    else s.status('idle', msg('session.addImagesFirst'));
  }

  async setConfig(config: TrainConfig): Promise<void> {
    const s = this.s;
    const tooBig = s.tooBig(config, s.dataset.set.count);
    if (tooBig) {
      s.postConfig(); // the settings shown go back to the ones in force
      return s.status(s.trainer?.step ? 'paused' : 'idle', msg('session.settingsRefused', { reason: tooBig }));
    }
    s.config = config;
    s.status('loading', msg('session.preparingAt', { res: config.res }));
    await s.dataset.reprepare(config.res, s.dataset.options, this.progress);
    s.postDataset();
    await this.rebuild();
  }

  /**
   * Loads data. New data (another source) gets a fresh model, after the current run is saved;
   * more of the same data keeps the model. A set that cannot be loaded, or is too large for the
   * device beside the current model, is undone and the run kept. Whatever happens, the status
   * ends by saying what the loop is doing.
   */
  async loadData(replaces: boolean, what: Message, load: () => Promise<DataChange>): Promise<void> {
    const s = this.s;
    const saved = replaces ? await this.keeper.saveBeforeReplacing() : undefined;
    s.status('loading', what);
    const undo = s.dataset.mark();
    let change: DataChange;
    try {
      change = await load();
    } catch (e) {
      // A set that could not be fetched (offline) or read leaves the current images and run as they were.
      if (!s.trainer) throw e;
      undo();
      s.notice('error', msg('session.loadFailed', { reason: messageOf(e) }));
      s.postDataset();
      return s.loopStatus();
    }
    const tooBig = s.trainer && s.tooBig(s.config, s.dataset.set.count);
    if (!tooBig) return this.datasetChanged(change, saved);
    undo();
    s.postDataset();
    s.notice('error', msg('session.imagesRefused', { reason: tooBig }));
    s.loopStatus();
  }

  /** Follows a change of the images: a fresh model for new data, the same model for more or fewer of them. */
  async datasetChanged(change: DataChange, saved?: string): Promise<void> {
    const s = this.s;
    this.side.stopBaseline(); // it was learning the images that just changed
    s.postDataset();
    if (change === 'none') return s.loopStatus();
    const { set } = s.dataset;
    if (set.count === 0) {
      s.running = false;
      return s.status('idle', msg('session.emptyDataset'));
    }
    if (change === 'fresh' || !s.trainer) {
      const replaced = s.trainer !== undefined; // the first data of a visit replaces nothing: no notice
      await this.rebuild(); // it ends with the loop's status
      if (change === 'fresh' && replaced && s.run)
        s.post({ type: 'dataset/changed', change: 'fresh', run: s.run.name, count: set.count, ...(saved ? { saved } : {}) });
      return;
    }
    s.trainer.setDataset(set);
    s.quality.setDataset(set);
    if (change === 'appended' && s.trainer.step > 0 && s.run) s.post({ type: 'dataset/changed', change: 'appended', run: s.run.name, count: set.count });
    s.loopStatus();
  }

  /** Fresh weights for the current config and data, in a run named after the data; shows the untrained grid. */
  async rebuild(): Promise<void> {
    const s = this.s;
    this.side.stopBaseline();
    s.cutTimeline(-1);
    this.loop.restart();
    s.quality.reset();
    s.quality.setDataset(s.dataset.set);
    s.history = [];
    s.run = undefined;
    s.trainer?.dispose();
    s.trainer = undefined;
    s.postConfig();
    const tooBig = s.tooBig(s.config, s.dataset.set.count);
    if (s.dataset.set.count === 0 || tooBig) {
      s.running = false;
      return tooBig ? s.status('error', msg('session.cannotBuild', { reason: tooBig })) : s.status('idle', msg('session.addImages'));
    }
    s.trainer = new GanTrainer(s.config, s.dataset.set);
    s.post({ type: 'step', step: 0 });
    s.postConfig();
    await this.loop.render();
    // The page must stop naming the old run as current: after a crash it would resume that one.
    await this.keeper.begin(this.runLabel());
    s.loopStatus();
  }

  /** A run is named after its data: "faces · 118", "holiday photos · 40"; a reopened set keeps its run's name. */
  private runLabel(): string {
    const { source } = this.s.dataset.info();
    if (source.kind === 'saved') return source.name;
    const data = source.kind === 'builtin' ? source.name : source.kind === 'user' ? source.label : 'run';
    return `${data} · ${this.s.dataset.set.count}`;
  }

  /** The GAN's SWD now, measured the same way as the baseline's (and shown on its own chart too). */
  private async ganScore(): Promise<{ step: number; swd: number } | undefined> {
    if (!this.s.trainer) return undefined;
    const point = await this.loop.evaluate();
    return point && { step: point.step, swd: point.swd };
  }

  private fail(e: unknown): void {
    const s = this.s;
    s.running = false;
    const said = messageOf(e);
    const message = english(said);
    if (!DEVICE_LOST.test(message) || !s.backend) return s.status('error', said);
    if (this.lost) return;
    this.lost = true;
    // Nothing on a lost device can be trusted, snapshots included: hand over to the page's crash
    // recovery, which starts a fresh Worker (and backend) and reloads the last autosave.
    const name = s.backend.name;
    const why = DEVICE_LOST_AT.test(message) ? said : msg('session.deviceLost', { backend: name, step: s.trainer?.step ?? 0, detail: message });
    s.status('loading', msg('session.restarting', { why }));
    setTimeout(() => {
      throw new Error(english(why));
    });
  }
}
