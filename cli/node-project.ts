/**
 * Project files for the Node CLI: `--save run.ganvas` writes the run as the page's *Export
 * project* does (the Worker's snapshotOf, the engine's encodeProject), and `--resume run.ganvas`
 * reads one with the page's checks (decodeProject) and puts it into a trainer. The timeline's
 * thumbnails travel as the PNG bytes they are: Node has no image decoder, so the frames a file
 * brings are kept and the CLI's own final grid is added after them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MetricPoint } from '../src/contract/protocol.ts';
import { english } from '../src/contract/messages.ts';
import { encodePng } from '../src/data/png.ts';
import type { PreparedSet } from '../src/data/types.ts';
import { decodeProject, dequantiseDataset, encodeProject, type TimelineFrame, type TrainerSnapshot } from '../src/gan/project/checkpoint.ts';
import type { GanTrainer } from '../src/gan/train/trainer.ts';
import { newRun, snapshotOf, type RunIdentity } from '../src/worker/project.ts';
import type { GridImage } from '../src/gan/explore/render.ts';

/** A project file that cannot be opened: said in one line, as the page says it. */
export class ProjectFileError extends Error {}

/** What a resumed run continues from. */
export interface OpenedProject {
  snapshot: TrainerSnapshot;
  run: RunIdentity;
  history: MetricPoint[];
  /** The file's training images, when it carries them. */
  dataset: PreparedSet | undefined;
}

export async function openProjectFile(path: string): Promise<OpenedProject> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new ProjectFileError(`--resume: cannot read ${path} (${e instanceof Error ? e.message : String(e)})`);
  }
  const decoded = decodeProject(bytes);
  if (!decoded.ok) throw new ProjectFileError(`--resume: ${basename(path)} cannot be opened: ${english(decoded.reason)}`);
  const { snapshot } = decoded;
  const d = snapshot.dataset;
  return {
    snapshot,
    run: { id: newRun(snapshot.meta.name).id, name: snapshot.meta.name, created: snapshot.meta.created },
    history: snapshot.history.map((h) => ({ ...h, augmentP: 0 })),
    dataset: d && { res: d.res, count: d.count, pixels: dequantiseDataset(d.pixels), names: d.names },
  };
}

/** What the CLI has of a run when it saves. */
export interface RunToSave {
  run: RunIdentity;
  trainer: GanTrainer;
  history: MetricPoint[];
  dataset: PreparedSet;
  /** Frames the run had before this process (a resumed file's), as stored. */
  earlier: TimelineFrame[];
  /** The grid now, added to the timeline unless a frame for this step is already there. */
  grid: GridImage;
}

export async function saveProjectFile(path: string, r: RunToSave): Promise<void> {
  const snapshot = await snapshotOf(r.run, r.trainer, r.history, r.dataset, []);
  const step = r.trainer.step;
  const frames = r.earlier.filter((f) => f.step < step);
  frames.push({ step, width: r.grid.width, height: r.grid.height, png: encodePng(r.grid.width, r.grid.height, r.grid.pixels) });
  snapshot.timeline = frames;
  snapshot.meta = { ...snapshot.meta, app: 'ganvas 0.1 (CLI)' };
  await writeFile(path, encodeProject(snapshot));
}
