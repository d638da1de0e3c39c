/**
 * The .ganvas project file: a zip holding
 *   manifest.json      its own checksum, format, version, config, step, RNG position, history, meta,
 *                      a table of every tensor (name, shape, dtype, byte range in weights.bin,
 *                      FNV-1a checksum), and the size and checksum of every other entry
 *   weights.bin        all float32 arrays back to back, little-endian (params, optimizer slots, extras)
 *   timeline/NNNN.png  optional grid thumbnails
 *   dataset.bin        optional prepared dataset, 8 bits per channel (see quantiseDataset)
 * Writing refuses a state that could not be restored (NaN weights, a bad config), so an autosave
 * of a diverged run never replaces a good file. Reading never throws: it checks every byte and
 * field and says, in a sentence, what is wrong with a file it refuses.
 */
import { MessageError, msg, type Message } from '../../contract/messages.ts';
import { strFromU8, zipSync, type Zippable } from 'fflate';
import { formatSize } from '../../data/sniff.ts';
import { fnv1a, readFloat32LE, writeFloat32LE } from './checkpoint-bytes.ts';
import { checkSnapshot } from './checkpoint-check.ts';
import { parseManifest, sealManifest, toJsonNumber, type ManifestV1, type ParsedManifest, type TensorRecord } from './checkpoint-manifest.ts';
import {
  DATASET_FILE,
  DEFAULT_PROJECT_LIMITS,
  MANIFEST_FILE,
  PROJECT_FORMAT,
  PROJECT_VERSION,
  ProjectError,
  refuse,
  timelineFile,
  WEIGHTS_FILE,
  type DecodeResult,
  type NamedArray,
  type ProjectLimits,
  type TrainerSnapshot,
} from './checkpoint-types.ts';
import { readEntries } from './checkpoint-zip.ts';
import { readProjections, storeProjections } from './checkpoint-projections.ts';

export * from './checkpoint-types.ts';
export { dequantiseDataset, quantiseDataset } from './checkpoint-bytes.ts';
export { snapshotDifference, snapshotsEqual } from './checkpoint-equal.ts';

/** Zip entries carry a date; a fixed one keeps the same state encoding to the same bytes. */
const ZIP_DATE = new Date(2000, 0, 1);

/** Packs every float array into one buffer, in table order, recording where each one went. */
function packWeights(s: TrainerSnapshot): { bytes: Uint8Array; table: ManifestV1['weights'] } {
  const groups = [s.params, ...Object.values(s.optimizers).map((o) => o.weights), s.extras ?? {}];
  const total = groups.reduce((n, g) => Object.values(g).reduce((m, a) => m + a.data.length * 4, n), 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  const pack = (group: Record<string, NamedArray>): TensorRecord[] =>
    Object.entries(group).map(([name, a]) => {
      const byteLength = a.data.length * 4;
      writeFloat32LE(a.data, bytes, offset);
      const record: TensorRecord = {
        name,
        shape: [...a.shape],
        dtype: 'float32',
        byteOffset: offset,
        byteLength,
        fnv1a: fnv1a(bytes, offset, offset + byteLength),
      };
      offset += byteLength;
      return record;
    });
  const table: ManifestV1['weights'] = {
    file: WEIGHTS_FILE,
    byteLength: total,
    params: pack(s.params),
    optimizers: Object.entries(s.optimizers).map(([name, o]) => ({ name, iterations: o.iterations, weights: pack(o.weights) })),
  };
  if (s.extras) table.extras = pack(s.extras);
  return { bytes, table };
}

function buildManifest(s: TrainerSnapshot, weights: ManifestV1['weights']): ManifestV1 {
  const manifest: ManifestV1 = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    meta: { ...s.meta },
    config: { ...s.config },
    step: s.step,
    rng: { state: s.rng.state, spare: s.rng.spare ?? null },
    history: s.history.map((h) => ({
      step: h.step,
      gLoss: toJsonNumber(h.gLoss),
      dLoss: toJsonNumber(h.dLoss),
      dReal: toJsonNumber(h.dReal),
      dFake: toJsonNumber(h.dFake),
      imagesPerSec: toJsonNumber(h.imagesPerSec),
    })),
    weights,
  };
  if (s.timeline) {
    manifest.timeline = s.timeline.map((f, i) => ({
      step: f.step,
      width: f.width,
      height: f.height,
      file: timelineFile(i),
      byteLength: f.png.length,
      fnv1a: fnv1a(f.png),
    }));
  }
  if (s.dataset) {
    const d = s.dataset;
    manifest.dataset = { res: d.res, count: d.count, names: [...d.names], file: DATASET_FILE, byteLength: d.pixels.length, fnv1a: fnv1a(d.pixels) };
  }
  // An optional entry the manifest parser does not know: read back by readProjections.
  if (s.projections?.length) Object.assign(manifest, { projections: storeProjections(s.projections) });
  return manifest;
}

/** The sizes the reader will check, checked here first: a file we write must be one we can open. */
function checkSizes(files: Map<string, Uint8Array>, limits: ProjectLimits): void {
  let total = 0;
  for (const [name, bytes] of files) {
    total += bytes.length;
    const limit = name === MANIFEST_FILE ? limits.maxManifestBytes : name.startsWith('timeline/') ? limits.maxPngBytes : limits.maxProjectBytes;
    if (bytes.length > limit) refuse('project.wouldBeLarge', { entry: name, size: formatSize(bytes.length), limit: formatSize(limit) });
  }
  if (total > limits.maxProjectBytes) refuse('project.wouldBeTotal', { size: formatSize(total), limit: formatSize(limits.maxProjectBytes) });
}

/**
 * A snapshot as .ganvas bytes. Throws an Error saying why when the snapshot could not be
 * restored (the caller should keep the previous file). Only the manifest is deflated (its JSON
 * shrinks ~3×); floats barely compress, and deflating a 3 MB dataset cost ~350 ms here against
 * ~90 ms for the whole DCGAN-small save, which an autosave cannot afford.
 */
export function encodeProject(snapshot: TrainerSnapshot, limits: ProjectLimits = DEFAULT_PROJECT_LIMITS): Uint8Array {
  try {
    checkSnapshot(snapshot, limits);
    const { bytes, table } = packWeights(snapshot);
    const manifest = sealManifest(buildManifest(snapshot, table));
    const files = new Map<string, Uint8Array>([
      [MANIFEST_FILE, manifest],
      [WEIGHTS_FILE, bytes],
    ]);
    snapshot.timeline?.forEach((f, i) => files.set(timelineFile(i), f.png));
    if (snapshot.dataset) files.set(DATASET_FILE, snapshot.dataset.pixels);
    checkSizes(files, limits);
    const zippable: Zippable = {};
    for (const [name, data] of files) {
      zippable[name] = [data, { level: name === MANIFEST_FILE ? 1 : 0, mtime: ZIP_DATE }];
    }
    return zipSync(zippable);
  } catch (e) {
    if (e instanceof ProjectError) throw new MessageError(msg('project.cannotSave', { reason: e.content }));
    throw e;
  }
}

/** Every name the manifest refers to is in the zip, and nothing else is. */
function checkEntrySet(m: ParsedManifest, entries: Map<string, Uint8Array>): void {
  const listed = new Set([MANIFEST_FILE, m.weights.file, ...(m.timeline ?? []).map((f) => f.file), ...(m.dataset ? [m.dataset.file] : [])]);
  for (const name of listed) if (!entries.has(name)) refuse('project.missing', { entry: name });
  for (const name of entries.keys()) {
    if (!listed.has(name)) refuse('project.unlisted', { entry: name });
  }
}

function checkBlob(file: string, bytes: Uint8Array, want: { byteLength: number; fnv1a: string }): void {
  if (bytes.length !== want.byteLength) refuse('project.entrySize', { entry: file, size: bytes.length, want: want.byteLength });
  const sum = fnv1a(bytes);
  if (sum !== want.fnv1a) refuse('project.entryChecksum', { entry: file, sum, want: want.fnv1a });
}

/** Reads tensors in table order; each must start where the previous one ended. */
class WeightReader {
  private end = 0;
  constructor(private readonly bytes: Uint8Array) {}

  group(records: TensorRecord[], label: (name: string) => string): Record<string, NamedArray> {
    const seen = new Set<string>();
    return Object.fromEntries(
      records.map((r) => {
        if (seen.has(r.name)) refuse('project.tensorTwice', { tensor: label(r.name) });
        seen.add(r.name);
        return [r.name, this.tensor(r, label(r.name))];
      }),
    );
  }

  private tensor(r: TensorRecord, label: string): NamedArray {
    const { bytes } = this;
    const stop = r.byteOffset + r.byteLength;
    if (stop > bytes.length) refuse('project.weightsTruncated', { tensor: label, from: r.byteOffset, to: stop, size: bytes.length });
    if (r.byteOffset !== this.end) refuse('project.weightsInconsistent', { tensor: label, from: r.byteOffset, end: this.end });
    const sum = fnv1a(bytes, r.byteOffset, stop);
    if (sum !== r.fnv1a) refuse('project.weightsChecksum', { tensor: label, sum, want: r.fnv1a });
    this.end = stop;
    return { shape: [...r.shape], data: readFloat32LE(bytes, r.byteOffset, r.byteLength / 4) };
  }

  finish(declared: number): void {
    if (this.end !== this.bytes.length) refuse('project.weightsTrailing', { n: this.bytes.length - this.end });
    if (declared !== this.bytes.length) refuse('project.weightsSize', { size: this.bytes.length, want: declared });
  }
}

function buildSnapshot(m: ParsedManifest, entries: Map<string, Uint8Array>): TrainerSnapshot {
  const reader = new WeightReader(entries.get(m.weights.file)!);
  const s: TrainerSnapshot = {
    config: m.config,
    step: m.step,
    meta: m.meta,
    history: m.history,
    rng: { state: m.rng.state, spare: m.rng.spare ?? undefined },
    params: reader.group(m.weights.params, (n) => `tensor ${n}`),
    optimizers: {},
  };
  const optimizers: [string, TrainerSnapshot['optimizers'][string]][] = m.weights.optimizers.map((o) => [
    o.name,
    { iterations: o.iterations, weights: reader.group(o.weights, (n) => `optimizer ${o.name} slot ${n}`) },
  ]);
  if (new Set(optimizers.map(([n]) => n)).size !== optimizers.length) refuse('project.optimizerTwice');
  s.optimizers = Object.fromEntries(optimizers);
  if (m.weights.extras) s.extras = reader.group(m.weights.extras, (n) => `extra tensor ${n}`);
  reader.finish(m.weights.byteLength);
  if (m.timeline) {
    s.timeline = m.timeline.map((f) => {
      const png = entries.get(f.file)!;
      checkBlob(f.file, png, f);
      return { step: f.step, width: f.width, height: f.height, png: png.slice() };
    });
  }
  if (m.dataset) {
    const d = m.dataset;
    checkBlob(d.file, entries.get(d.file)!, d);
    s.dataset = { res: d.res, count: d.count, pixels: entries.get(d.file)!.slice(), names: d.names };
  }
  return s;
}

function decodeOrRefuse(bytes: Uint8Array, limits: ProjectLimits): DecodeResult {
  if (!(bytes instanceof Uint8Array)) refuse('project.noFile');
  if (bytes.length === 0) refuse('project.emptyFile');
  if (bytes.length > limits.maxProjectBytes) refuse('project.fileTooLarge', { size: formatSize(bytes.length), limit: formatSize(limits.maxProjectBytes) });
  const entries = readEntries(bytes, limits);
  const manifestBytes = entries.get(MANIFEST_FILE);
  if (!manifestBytes) refuse('project.noManifest');
  const notes: Message[] = [];
  const manifest = parseManifest(manifestBytes, limits, notes);
  checkEntrySet(manifest, entries);
  const snapshot = buildSnapshot(manifest, entries);
  const projections = readProjections(JSON.parse(strFromU8(manifestBytes)));
  if (projections) snapshot.projections = projections;
  checkSnapshot(snapshot, limits);
  return { ok: true, snapshot, notes };
}

/** Defaults for every limit not given as a number (an explicit `undefined` must not lift a limit). */
function mergeLimits(given: Partial<ProjectLimits>): ProjectLimits {
  const limits = { ...DEFAULT_PROJECT_LIMITS };
  for (const key of Object.keys(limits) as (keyof ProjectLimits)[]) {
    const v = given[key];
    if (typeof v === 'number' && v >= 0) limits[key] = v;
  }
  return limits;
}

/**
 * Reads a .ganvas file. Never throws: a refused file gives `{ ok: false, reason }`, a sentence for
 * a person. `notes` list what was filled in (config fields the file predates).
 */
export function decodeProject(bytes: Uint8Array, limits: Partial<ProjectLimits> = {}): DecodeResult {
  try {
    return decodeOrRefuse(bytes, mergeLimits(limits));
  } catch (e) {
    if (e instanceof ProjectError) return { ok: false, reason: e.content };
    // Not expected (every check above refuses by ProjectError), but a hostile file must not crash the page.
    return { ok: false, reason: msg('project.unreadable', { detail: e instanceof Error ? e.message : String(e) }) };
  }
}
