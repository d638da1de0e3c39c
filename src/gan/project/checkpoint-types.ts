/**
 * The plain state of a training run, as the trainer exports and imports it, and the limits the
 * project-file reader enforces. No tfjs here: everything is typed arrays and numbers, so the
 * format can be written and checked in the Worker, in Node and in tests alike.
 */
import { MessageError, msg, type Message, type MessageArg, type MessageKey } from '../../contract/messages.ts';
import type { TrainConfig } from '../../contract/config.ts';
import type { StoredProjection } from './checkpoint-projections.ts';

/** One tensor's values, row-major, with its shape (product of `shape` === `data.length`). */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

/** `Rng.save()`: the PRNG position, so a resumed run draws the same batches it would have. */
export interface RngState {
  state: number;
  spare: number | undefined;
}

/** One optimizer's state: its step count and its slot variables (Adam's m and v) by name. */
export interface OptimizerState {
  iterations: number;
  weights: Record<string, NamedArray>;
}

/** One point of the loss chart. Losses may be NaN or ±Infinity in a diverged run; they are kept. */
export interface HistoryEntry {
  step: number;
  gLoss: number;
  dLoss: number;
  dReal: number;
  dFake: number;
  imagesPerSec: number;
}

/** A sample-grid thumbnail, already PNG-encoded by the caller (gan/ has no image encoder). */
export interface TimelineFrame {
  step: number;
  width: number;
  height: number;
  png: Uint8Array;
}

/** The prepared training set, quantised to 8 bits (see `quantiseDataset`): res×res×3 per image. */
export interface StoredDataset {
  res: number;
  count: number;
  pixels: Uint8Array;
  names: string[];
}

export interface ProjectMeta {
  name: string;
  /** ISO 8601 timestamps. */
  created: string;
  updated: string;
  /** Which app (and version) wrote the file, e.g. "Ganvas 0.1.0". */
  app: string;
}

export interface TrainerSnapshot {
  config: TrainConfig;
  step: number;
  rng: RngState;
  /** 'g.*', 'd.*' (and 'ema.*'). */
  params: Record<string, NamedArray>;
  /** Keyed by network ('g', 'd'). */
  optimizers: Record<string, OptimizerState>;
  /** Other float state: averaged weights, fixed latents. */
  extras?: Record<string, NamedArray>;
  history: HistoryEntry[];
  timeline?: TimelineFrame[];
  dataset?: StoredDataset;
  /** Pictures projected into the generator, kept as explorer pins (checkpoint-projections.ts). */
  projections?: StoredProjection[];
  meta: ProjectMeta;
}

export type DecodeResult = { ok: true; snapshot: TrainerSnapshot; notes: Message[] } | { ok: false; reason: Message };

/** The format name in manifest.json; anything else is not ours. */
export const PROJECT_FORMAT = 'ganvas';
/** The format version this code writes and the newest it reads. */
export const PROJECT_VERSION = 1;

const MiB = 1024 * 1024;
/** Largest project we open, and largest total uncompressed size: the browser holds it all at once. */
export const MAX_PROJECT_BYTES = 512 * MiB;
/** manifest.json holds the history: ~100 bytes a point, so this is ~600k report points. */
export const MAX_MANIFEST_BYTES = 64 * MiB;
/** One timeline thumbnail; a 12×12 grid of 64 px images is about 1 MB as a poor PNG. */
export const MAX_PNG_BYTES = 16 * MiB;
/** Timeline frames kept in one file: enough for one every 100 steps of a 400k-step run. */
export const MAX_TIMELINE_FRAMES = 4096;
/** Named float arrays (params + optimizer slots + extras); a DCGAN has ~60. */
export const MAX_TENSORS = 10_000;
/** Highest tensor rank; conv kernels are rank 4. */
export const MAX_TENSOR_RANK = 8;
/** Stored training images: 20× the loader's 5,000 (data/load.ts); the byte limit usually binds first. */
export const MAX_DATASET_IMAGES = 100_000;

export interface ProjectLimits {
  maxProjectBytes: number;
  maxManifestBytes: number;
  maxPngBytes: number;
  maxTimelineFrames: number;
  maxTensors: number;
}

export const DEFAULT_PROJECT_LIMITS: ProjectLimits = {
  maxProjectBytes: MAX_PROJECT_BYTES,
  maxManifestBytes: MAX_MANIFEST_BYTES,
  maxPngBytes: MAX_PNG_BYTES,
  maxTimelineFrames: MAX_TIMELINE_FRAMES,
  maxTensors: MAX_TENSORS,
};

/** A reason the file (or snapshot) is refused, phrased for a person. Caught inside this module. */
export class ProjectError extends MessageError {}

export function refuse(key: MessageKey, vars?: Record<string, MessageArg>): never {
  throw new ProjectError(msg(key, vars));
}

/** Entry names inside the zip. */
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
export const DATASET_FILE = 'dataset.bin';
export const timelineFile = (i: number): string => `timeline/${String(i).padStart(4, '0')}.png`;
