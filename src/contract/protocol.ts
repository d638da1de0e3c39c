/**
 * The messages between the page (app/) and the training Worker (worker/). Both sides switch
 * over these unions exhaustively; nothing else crosses the wall.
 * Pixels travel as transferable ArrayBuffers, metrics in batches.
 */
import type { BackendName, BackendRequest, PresetName, TrainConfig } from './config.ts';
import type { ExploreRequest, ProjectedPinInfo, ProjectionDistance } from './explore.ts';
import type { Message, Rejection } from './messages.ts';

export type { ExploreRequest, Pin, ProjectedPinInfo, ProjectionDistance, StyleBand } from './explore.ts';
import type { QualityPoint } from './metrics.ts';
export type { QualityPoint } from './metrics.ts';

export type RunState = 'idle' | 'loading' | 'training' | 'paused' | 'error';

/** Where the training images came from. */
export type DatasetSource =
  | { kind: 'builtin'; name: string }
  /** The person's own images; `label` names them (their folder or zip, or "my images"). */
  | { kind: 'user'; label: string }
  /** Restored from a saved run or project file: prepared images only, no source files. */
  | { kind: 'saved'; name: string }
  | { kind: 'none' };

/** A file that was not used, and why. */
export type RejectedFile = Rejection;

/** An injected fault for tests (`?fault=nan&faultAt=40`). */
export interface FaultSpec {
  kind: 'nan' | 'device-lost' | 'worker-crash';
  at: number;
}

/** A saved run as the runs list shows it. */
export interface RunSummary {
  id: string;
  name: string;
  step: number;
  /** ISO time of the last save. */
  updated: string;
  /** Bytes on disk. */
  size: number;
  res: number;
  model: string;
}

// ---- page → worker ----

export type Command =
  /** First message: pick a backend, then wait for a dataset. `autoSize`: pick the size preset by timing each on the backend (worker/auto-size.ts). */
  /** `recovered`: this Worker replaces one that died, and why (said when training resumes). */
  /** `threads`: WASM's thread count when the page knows it (`?threads=`, or a race at an earlier visit); else the Worker races them. */
  | { type: 'init'; backend: BackendRequest; config: TrainConfig; autoSize: boolean; threads?: ThreadsChoice; fault?: FaultSpec; recovered?: string }
  | { type: 'dataset/builtin'; name: string }
  /**
   * `replace`: start a new user dataset rather than appending to the current one. `label` names
   * a new dataset, and so its runs (the folder or zip it came from, in the page's language).
   */
  | { type: 'dataset/files'; files: File[]; replace: boolean; label: string }
  | { type: 'dataset/clear' }
  /** How images become squares: crop or letterbox, and the colour behind transparency. */
  | { type: 'dataset/options'; fit: 'center' | 'pad'; background: [number, number, number] }
  | { type: 'dataset/remove'; names: string[] }
  /** Stops a running load; the images loaded before it stay. Handled ahead of the queue. */
  | { type: 'dataset/cancel' }
  /** New settings: rebuilds the model (and re-prepares the data if the resolution changed). */
  | { type: 'config'; config: TrainConfig }
  | { type: 'train/start' }
  | { type: 'train/pause' }
  | { type: 'train/step' }
  /** Game controls, changed live without rebuilding the model (GAN Lab's D/G steps, slow motion). */
  | { type: 'train/game'; dSteps: number; gSteps: number; slowMotion: boolean }
  /** Fresh weights, same settings and data. */
  | { type: 'train/reset' }
  /** Encode the current run as a .ganvas project file (answered by a `project` event). */
  | { type: 'project/export' }
  /** Load a project file; a bad one is refused with a reason and the current run stays. */
  | { type: 'project/import'; file: File }
  | { type: 'runs/resume'; id: string }
  | { type: 'runs/rename'; id: string; name: string }
  | { type: 'runs/delete'; id: string }
  | { type: 'runs/duplicate'; id: string }
  /** Download the timelapse of the grid as an animated GIF (answered by a `download` event). */
  | { type: 'export/gif' }
  /** Download the generator alone as a tfjs Layers model (zip: model.json, weights, README). */
  | { type: 'export/generator' }
  /** Download the prepared images as a StyleGAN2-ADA dataset zip. */
  | { type: 'export/dataset' }
  /** Go back to the snapshot with the best (lowest) SWD so far. */
  | { type: 'train/best' }
  /** Find each grid sample's nearest training image (memorisation check). */
  | { type: 'quality/nearest' }
  /** Measure the perceptual path length of the displayed generator (answered by a `ppl` event). */
  | { type: 'quality/ppl' }
  /** Train an MSE baseline on the same data beside the GAN, for as many steps as the GAN has had. */
  | { type: 'baseline/train'; kind: 'autoencoder' | 'vae' }
  | { type: 'baseline/stop' }
  /** Explorer settings; the Worker redraws the explorer now and with every grid. null: closed. */
  | { type: 'explore'; request: ExploreRequest | null }
  /** Project an image into the generator (between training steps); its result becomes a pin. One at a time: a new one replaces it. */
  | { type: 'projection/start'; request: ProjectionRequest }
  /** Stop the projection in progress (answered by `projection/stopped`). */
  | { type: 'projection/cancel' };

/** What to project and how (gan/explore/projection.ts). */
export interface ProjectionRequest {
  /** The person's picture (squared by the dataset's crop rule and background), or one of the training images. */
  target: { kind: 'file'; file: File } | { kind: 'training'; index: number };
  /** How a file is squared: the largest centred square or the whole picture letterboxed; the dataset's own rule when absent. */
  fit?: 'center' | 'pad';
  /** StyleGAN: one w for every layer ('w') or one per layer ('w+'). DCGAN always searches z. */
  space: 'w' | 'w+';
  steps: number;
  /** StyleGAN: optimise the per-pixel noise maps too, with NVlabs's regulariser (off when absent). */
  noiseMaps?: boolean;
  /** What the search minimises ('pyramid' when absent); the distances reported are the pyramid distance either way. */
  distance?: ProjectionDistance;
}

// ---- worker → page ----

export interface BackendInfo {
  name: BackendName;
  /** Why this one was chosen, e.g. "forced by ?backend=webgl" or "WebGPU adapter found". */
  reason: Message;
  /** The better backends that were passed over, each with why. */
  skipped: { name: BackendName; reason: Message }[];
  /** True when the "GPU" is a software rasteriser (SwiftShader and the like). */
  software: boolean;
  /** Present when WASM's thread counts were raced at this start (the page remembers the outcome). */
  threadRace?: ThreadRace;
  /** WebGPU: whether Ganvas's fused training kernels passed their start-up check and run, and the words for it. */
  kernels?: { fused: boolean; reason: Message };
}

/** The start-up race of WASM thread counts (worker/thread-race.ts): ms per training step of each. */
export interface ThreadRace {
  /** The thread count raced against one thread: min(cores, 4). */
  threads: number;
  oneMs: number;
  /** Infinity when that many threads did not start. */
  manyMs: number;
  /** The count kept: 1 or `threads`. */
  kept: number;
}

/** WASM's thread count as the page gives it: asked for in the URL, or kept from a race at an earlier visit. */
export type ThreadsChoice = { count: number; from: 'url' } | { count: number; from: 'earlier'; race: ThreadRace };

/**
 * The start-up speed test behind the automatic size preset (worker/auto-size.ts): steps/s of each
 * preset on this backend, smallest first, and the one picked. For "picked small: 6.1 steps/s
 * measured (full: 0.9)".
 */
export interface SizeProbe {
  /** The largest preset measured at ≥ `minStepsPerSec`; the smallest when none was. */
  picked: PresetName;
  minStepsPerSec: number;
  /** `measured` false: predicted from the smaller preset and not built, since it would not fit the time cap. */
  speeds: { preset: PresetName; stepsPerSec: number; measured: boolean }[];
  /** How long the test held up start-up, in milliseconds. */
  ms: number;
}

export interface DatasetInfo {
  source: DatasetSource;
  count: number;
  res: number;
  rejected: RejectedFile[];
  warnings: RejectedFile[];
  duplicates: number;
  /** Licence line to show for built-in sets made from other people's images. */
  licence?: string;
  /** Image names, for removing single files (user datasets only). */
  names: string[];
  fit: 'center' | 'pad';
  background: [number, number, number];
}

/** RGBA pixels for a canvas; the buffer is transferred, not copied. */
export interface PixelsMessage {
  width: number;
  height: number;
  pixels: ArrayBuffer;
}

/** The dataset limits, shown beside the file picker so nobody finds them by failing. */
export interface DataLimits {
  maxImages: number;
  maxImagePixels: number;
  maxFileBytes: number;
  maxArchiveBytes: number;
  maxArchiveEntries: number;
}

/** A built-in dataset as the picker shows it. */
export interface BuiltinInfo {
  name: string;
  label: string;
  licence?: string;
}

export interface MetricPoint {
  step: number;
  gLoss: number;
  dLoss: number;
  dReal: number;
  dFake: number;
  /** Training images per second (real images seen by D) over the reporting window. */
  imagesPerSec: number;
  /** Augmentation probability p (ADA), 1 for fixed augmentation, 0 when off. */
  augmentP: number;
}

export type WorkerEvent =
  /** Posted when the backend starts, and again with `sizing` once the start-up speed test ran (auto size only). */
  | { type: 'backend'; backend: BackendInfo; sizing?: SizeProbe }
  | { type: 'builtins'; builtins: BuiltinInfo[]; limits: DataLimits }
  | { type: 'status'; state: RunState; message: Message }
  /** Slow motion: which player is updating now (null between rounds). */
  | { type: 'phase'; phase: 'd' | 'g' | null }
  /** Why the live views take more than their share of the loop to stay fresh (a slow backend), or null when they do not. */
  | { type: 'pace'; note: Message | null }
  | { type: 'config'; config: TrainConfig; params: { generator: number; discriminator: number } }
  | { type: 'dataset'; dataset: DatasetInfo }
  | { type: 'dataset/progress'; done: number; total: number }
  /**
   * What new images did to the model. `fresh`: another dataset, so a new model and run named
   * `run` (the previous run was saved as `saved`, when it had trained). `appended`: more of the
   * person's images; the model `run` continues on all `count` (the page offers a fresh start).
   */
  | { type: 'dataset/changed'; change: 'fresh' | 'appended'; run: string; count: number; saved?: string }
  /** The prepared images as the model sees them, and their mean. */
  | { type: 'dataset/preview'; sheet: PixelsMessage; mean: PixelsMessage }
  | { type: 'metrics'; points: MetricPoint[] }
  | { type: 'samples'; step: number; width: number; height: number; pixels: ArrayBuffer }
  /** Augmented reals then augmented fakes, as D sees them (only while augmentation is on). */
  | { type: 'augmented'; image: PixelsMessage }
  | { type: 'step'; step: number }
  | { type: 'explorer'; step: number; mix: PixelsMessage | undefined; interpolation: PixelsMessage; noise: PixelsMessage | undefined }
  | { type: 'project'; name: string; bytes: ArrayBuffer }
  | { type: 'download'; name: string; mime: string; bytes: ArrayBuffer }
  /** A grid snapshot kept for the timelapse (dense early, sparse later). */
  | { type: 'timeline'; step: number; image: PixelsMessage }
  /** The timeline was cut back to `step` (rollback) or cleared (step -1). */
  | { type: 'timeline/truncate'; step: number }
  | { type: 'quality'; point: QualityPoint; best: { step: number; swd: number } | undefined }
  /** The baseline was stopped (cancelled, or the data or model changed) before it finished. */
  | { type: 'baseline/stopped' }
  /**
   * The baseline's progress and samples; once `done`, its SWD beside the GAN's, measured the same way.
   * `recon` is its mean per-pixel squared error on the last slice.
   */
  | {
      type: 'baseline';
      kind: 'autoencoder' | 'vae';
      step: number;
      total: number;
      image: PixelsMessage;
      recon: number;
      done: boolean;
      swd?: number;
      gan?: { step: number; swd: number };
    }
  /** Nearest training image per grid sample, laid out like the grid. */
  | { type: 'nearest'; step: number; image: PixelsMessage; distances: number[]; nearCopy: boolean[]; nearCopyFraction: number; medianDistance: number }
  /** Perceptual path length (mean after outlier rejection) and the spread of d/ε² over `pairs` pairs. */
  | { type: 'ppl'; step: number; space: 'w' | 'z'; mean: number; median: number; p90: number; pairs: number }
  | { type: 'runs'; runs: RunSummary[]; current: string | undefined }
  /** The name of the run being trained now (a new model, an opened run, a rename). */
  | { type: 'run'; name: string }
  /** A projection began: its target as the model sees it. */
  | { type: 'projection/started'; id: string; label: Message; total: number; target: PixelsMessage }
  /** Progress: the step, the current distance, the distances of the steps since the last event, and the reconstruction now. */
  | { type: 'projection/progress'; id: string; step: number; total: number; distance: number; curve: number[]; view: PixelsMessage }
  /** Done: the pin, its final reconstruction and the nearest training image. */
  | { type: 'projection/done'; pin: ProjectedPinInfo; view: PixelsMessage; target: PixelsMessage; nearest: PixelsMessage | undefined }
  /** Cancelled, or the model it ran on changed. */
  | { type: 'projection/stopped'; id: string }
  /** The projected pins of the model now (after a project file opened or the model was replaced). */
  | { type: 'projection/pins'; pins: ProjectedPinInfo[] }
  /** Something the person should read now, beside the status line. */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: Message };

export function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}
