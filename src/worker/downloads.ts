/**
 * What the Worker hands the page to save: files built from the run (the timelapse GIF, the
 * generator as a tfjs model, the prepared images for StyleGAN2-ADA) and the nearest-training-image
 * sheet. Each returns the event to post, or a message for the person when there is nothing to give.
 */
import { messageOf, msg, type Message } from '../contract/messages.ts';
import type { WorkerEvent } from '../contract/protocol.ts';
import { styleganDatasetZip } from '../data/stylegan-dataset.ts';
import { contactSheet } from '../data/preview.ts';
import type { PreparedSet } from '../data/types.ts';
import { exportGeneratorZip } from '../gan/explore/export-model.ts';
import type { QualityTracker } from '../gan/metrics/tracker.ts';
import { timelineGif, type Timeline } from '../gan/explore/timeline.ts';
import type { GanTrainer } from '../gan/train/trainer.ts';

type Download = WorkerEvent & { type: 'download' };
type Nearest = WorkerEvent & { type: 'nearest' };
/** An event and the buffers it transfers, or why there is none. */
export type Outcome<E> = { event: E; transfer: ArrayBuffer[] } | { problem: Message };

const NO_MODEL = msg('side.noGenerator');
const fileSafe = (name: string) => name.replace(/[^\p{L}\p{N}._-]+/gu, '-');

function download(name: string, mime: string, bytes: Uint8Array): Outcome<Download> {
  const buf = bytes.buffer as ArrayBuffer;
  return { event: { type: 'download', name, mime, bytes: buf }, transfer: [buf] };
}

export function timelapseGif(timeline: Timeline, runName: string | undefined): Outcome<Download> {
  return download(fileSafe(`${runName ?? 'ganvas'}-timelapse.gif`), 'image/gif', timelineGif(timeline.frames));
}

export async function generatorZip(trainer: GanTrainer | undefined): Promise<Outcome<Download>> {
  if (!trainer) return { problem: NO_MODEL };
  try {
    return download(`ganvas-generator-step${trainer.step}.zip`, 'application/zip', await exportGeneratorZip(trainer));
  } catch (e) {
    return { problem: messageOf(e) };
  }
}

export function datasetZip(set: PreparedSet): Outcome<Download> {
  if (set.count === 0) return { problem: msg('side.noImages') };
  return download(`ganvas-dataset-${set.res}px.zip`, 'application/zip', styleganDatasetZip(set));
}

/** The training image nearest to each grid sample, as one sheet laid out like the grid. */
export async function nearestSheet(trainer: GanTrainer | undefined, quality: QualityTracker, set: PreparedSet, gridSide: number): Promise<Outcome<Nearest>> {
  if (!trainer) return { problem: NO_MODEL };
  const found = await quality.nearestForGrid(trainer);
  if (!found) return { problem: msg('side.noTrainingImages') };
  const size = set.res * set.res * 3;
  const pixels = new Float32Array(found.matches.length * size);
  found.matches.forEach((m, i) => pixels.set(set.pixels.subarray(m.index * size, (m.index + 1) * size), i * size));
  const sheet = contactSheet({ res: set.res, count: found.matches.length, pixels, names: [] }, found.matches.length, gridSide);
  const buf = new Uint8ClampedArray(sheet.data).buffer;
  return {
    event: {
      type: 'nearest',
      step: trainer.step,
      image: { width: sheet.width, height: sheet.height, pixels: buf },
      distances: found.matches.map((m) => m.distance),
      nearCopy: found.matches.map((m) => m.nearCopy),
      nearCopyFraction: found.summary.nearCopyFraction,
      medianDistance: found.summary.medianDistance,
    },
    transfer: [buf],
  };
}
