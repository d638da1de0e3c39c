/**
 * Runs as files: builds a project snapshot from the live session (weights, optimizer state,
 * history, the prepared dataset) and turns a decoded snapshot back into its parts. Encoding
 * and validation live in gan/project/checkpoint.ts; this file only gathers and scatters.
 */
import type { MetricPoint } from '../contract/protocol.ts';
import { dequantiseDataset, quantiseDataset, type HistoryEntry, type StoredDataset, type TrainerSnapshot } from '../gan/project/checkpoint.ts';
import type { GanTrainer } from '../gan/train/trainer.ts';
import type { PreparedSet } from '../data/types.ts';
import { bitmapToRgba } from '../data/browser/decode.ts';
import { encodePng } from '../data/png.ts';
import type { TimelineFrame } from '../gan/explore/timeline.ts';

/** Identity of a run across saves. */
export interface RunIdentity {
  id: string;
  name: string;
  created: string;
}

/** A new run called `name` (after its data, e.g. "faces · 118"; the runs list shows when it was saved). */
export function newRun(name: string): RunIdentity {
  const now = new Date();
  return { id: `run-${now.getTime().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`, name, created: now.toISOString() };
}

const toHistory = (p: MetricPoint): HistoryEntry => ({
  step: p.step,
  gLoss: p.gLoss,
  dLoss: p.dLoss,
  dReal: p.dReal,
  dFake: p.dFake,
  imagesPerSec: p.imagesPerSec,
});
const fromHistory = (h: HistoryEntry): MetricPoint => ({ ...h, augmentP: 0 });

/**
 * What does not change between autosaves is encoded once: the 8-bit dataset (tens of MB for the
 * largest set allowed) and each timeline frame's PNG, keyed by the arrays themselves (a changed
 * dataset or a new frame is a new array), so an autosave costs the weights, not the data.
 */
const quantised = new WeakMap<Float32Array, Uint8Array>();
const pngs = new WeakMap<Uint8ClampedArray, Uint8Array>();
const datasetIds = new WeakMap<Float32Array, string>();

function remember<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

/** The training images as a project file stores them (8 bits), encoded once per dataset. */
export function storedDataset(dataset: PreparedSet): StoredDataset {
  const pixels = remember(quantised, dataset.pixels, () => quantiseDataset(dataset.pixels));
  return { res: dataset.res, count: dataset.count, pixels, names: dataset.names };
}

/** A name for these exact images, the same for as long as they do not change (an edit makes a new array). */
export function datasetIdOf(dataset: PreparedSet): string {
  return remember(datasetIds, dataset.pixels, () => `data-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`);
}

/** Images read back from a saved run keep their stored name and bytes: the next autosave does not write them again. */
export function adoptDataset(dataset: PreparedSet, stored: { id: string; data: StoredDataset }): void {
  datasetIds.set(dataset.pixels, stored.id);
  quantised.set(dataset.pixels, stored.data.pixels);
}

/** `withDataset: false`: the images are kept apart (an autosave, see runs.ts); a project file holds them. */
export async function snapshotOf(
  run: RunIdentity,
  trainer: GanTrainer,
  history: MetricPoint[],
  dataset: PreparedSet,
  timeline: TimelineFrame[],
  withDataset = true,
): Promise<TrainerSnapshot> {
  const state = await trainer.exportState();
  return {
    ...state,
    history: history.map(toHistory),
    timeline: timeline.map((f) => ({
      step: f.step,
      width: f.width,
      height: f.height,
      png: remember(pngs, f.pixels, () => encodePng(f.width, f.height, f.pixels)),
    })),
    ...(withDataset ? { dataset: storedDataset(dataset) } : {}),
    meta: { name: run.name, created: run.created, updated: new Date().toISOString(), app: 'ganvas 0.1' },
  };
}

export interface OpenedRun {
  run: RunIdentity;
  history: MetricPoint[];
  dataset: PreparedSet | undefined;
  timeline: TimelineFrame[];
}

/** Decodes the timeline's PNGs with the browser's codec; a frame that fails is skipped. */
export async function timelineOf(snapshot: TrainerSnapshot): Promise<TimelineFrame[]> {
  const frames: TimelineFrame[] = [];
  for (const f of snapshot.timeline ?? []) {
    // (Inside a promise: where there is no createImageBitmap, as in Node, the frame is skipped too.)
    const bitmap = await Promise.resolve()
      .then(() =>
        createImageBitmap(new Blob([f.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
          premultiplyAlpha: 'none',
          colorSpaceConversion: 'none',
        }),
      )
      .catch(() => undefined);
    if (!bitmap) continue;
    const img = bitmapToRgba(bitmap);
    bitmap.close();
    frames.push({ step: f.step, width: img.width, height: img.height, pixels: new Uint8ClampedArray(img.data) });
  }
  return frames;
}

export async function partsOf(snapshot: TrainerSnapshot, id: string | undefined): Promise<OpenedRun> {
  const d = snapshot.dataset;
  return {
    timeline: await timelineOf(snapshot),
    run: { id: id ?? newRun(snapshot.meta.name).id, name: snapshot.meta.name, created: snapshot.meta.created },
    history: snapshot.history.map(fromHistory),
    dataset: d && { res: d.res, count: d.count, pixels: dequantiseDataset(d.pixels), names: d.names },
  };
}

/** A file name a person can recognise: the run's name, made safe for file systems. */
export function projectFileName(run: RunIdentity, step: number): string {
  return `${
    run.name
      .replace(/[^\p{L}\p{N} _-]+/gu, ' ')
      .trim()
      .replace(/\s+/g, '-') || 'ganvas-run'
  }-step${step}.ganvas`;
}
