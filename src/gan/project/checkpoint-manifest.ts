/**
 * manifest.json, format v1: everything but the bulk bytes, and a table saying where each tensor
 * lives in weights.bin. `parseManifest` turns untrusted JSON into this type, checking every field's
 * type and refusing with a path to the bad field; value ranges are checked later on the snapshot.
 */
import { strFromU8, strToU8 } from 'fflate';
import { DEFAULT_CONFIG, type TrainConfig } from '../../contract/config.ts';
import { msg, type Message } from '../../contract/messages.ts';
import { fnv1a } from './checkpoint-bytes.ts';
import { checkName, isCount, shapeSize } from './checkpoint-check.ts';
import {
  DATASET_FILE,
  PROJECT_FORMAT,
  PROJECT_VERSION,
  refuse,
  timelineFile,
  WEIGHTS_FILE,
  type HistoryEntry,
  type ProjectLimits,
  type ProjectMeta,
} from './checkpoint-types.ts';

export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: 'float32';
  byteOffset: number;
  byteLength: number;
  fnv1a: string;
}
export interface OptimizerRecord {
  name: string;
  iterations: number;
  weights: TensorRecord[];
}
export interface BlobRecord {
  file: string;
  byteLength: number;
  fnv1a: string;
}
export interface FrameRecord extends BlobRecord {
  step: number;
  width: number;
  height: number;
}
export interface DatasetRecord extends BlobRecord {
  res: number;
  count: number;
  names: string[];
}

/** JSON has no NaN, ±Infinity or -0; a diverged run's losses are worth keeping, so they travel as text. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
export type HistoryRecord = { [K in keyof HistoryEntry]: JsonNumber };

export interface ManifestV1 {
  format: typeof PROJECT_FORMAT;
  version: typeof PROJECT_VERSION;
  meta: ProjectMeta;
  config: TrainConfig;
  step: number;
  rng: { state: number; spare: number | null };
  history: HistoryRecord[];
  weights: { file: string; byteLength: number; params: TensorRecord[]; optimizers: OptimizerRecord[]; extras?: TensorRecord[] };
  timeline?: FrameRecord[];
  dataset?: DatasetRecord;
}

/** A manifest as read: history numbers decoded back from their JSON spelling. */
export type ParsedManifest = Omit<ManifestV1, 'history'> & { history: HistoryEntry[] };

export function toJsonNumber(v: number): JsonNumber {
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v) ? v : (String(v) as 'NaN' | 'Infinity' | '-Infinity');
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

type Obj = Record<string, unknown>;
const show = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 60);
const bad = (where: string, what: string, v: unknown): never => refuse('project.manifestField', { where, what, value: show(v) });

function record(v: unknown, where: string): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(where, 'an object', v);
}
function list(v: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(v)) return bad(where, 'a list', v);
  return v.length <= max ? v : refuse('project.manifestItems', { where, n: v.length, max });
}
function num(v: unknown, where: string): number {
  return typeof v === 'number' ? v : bad(where, 'a number', v);
}
function count(v: unknown, where: string, max = Number.MAX_SAFE_INTEGER): number {
  return isCount(v, max) ? v : bad(where, `a whole number from 0 to ${max}`, v);
}
function text(v: unknown, where: string): string {
  return typeof v === 'string' ? v : bad(where, 'text', v);
}
function jsonNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : bad(where, 'a number', v);
}
function checksum(v: unknown, where: string): string {
  return typeof v === 'string' && /^[0-9a-f]{8}$/.test(v) ? v : bad(where, 'an 8-digit hex checksum', v);
}

function parseTensor(v: unknown, where: string, limits: ProjectLimits): TensorRecord {
  const o = record(v, where);
  const name = text(o.name, `${where}.name`);
  checkName(name, 'tensor');
  if (o.dtype !== 'float32') refuse('project.dtype', { tensor: name, dtype: show(o.dtype) });
  const size = shapeSize(o.shape, limits.maxProjectBytes / 4);
  if (typeof size !== 'number') refuse('project.tensorShape', { tensor: name, problem: size });
  const byteOffset = count(o.byteOffset, `tensor ${name}'s byteOffset`);
  const byteLength = count(o.byteLength, `tensor ${name}'s byteLength`);
  if (byteLength !== size * 4) {
    refuse('project.tensorBytes', { tensor: name, shape: (o.shape as number[]).join(', '), need: size * 4, bytes: String(byteLength) });
  }
  return { name, shape: o.shape as number[], dtype: 'float32', byteOffset, byteLength, fnv1a: checksum(o.fnv1a, `tensor ${name}'s fnv1a`) };
}

function parseTensors(v: unknown, where: string, limits: ProjectLimits): TensorRecord[] {
  return list(v, where, limits.maxTensors).map((t, i) => parseTensor(t, `${where}[${i}]`, limits));
}

function parseWeights(v: unknown, limits: ProjectLimits): ManifestV1['weights'] {
  const o = record(v, 'weights');
  const optimizers = list(o.optimizers, 'weights.optimizers', 100).map((x, i): OptimizerRecord => {
    const opt = record(x, `weights.optimizers[${i}]`);
    const name = text(opt.name, `weights.optimizers[${i}].name`);
    return {
      name,
      iterations: count(opt.iterations, `optimizer ${name}'s iterations`),
      weights: parseTensors(opt.weights, `optimizer ${name}'s weights`, limits),
    };
  });
  const weights: ManifestV1['weights'] = {
    file: fileName(o.file, 'weights.file', WEIGHTS_FILE),
    byteLength: count(o.byteLength, 'weights.byteLength'),
    params: parseTensors(o.params, 'weights.params', limits),
    optimizers,
  };
  if (o.extras !== undefined) weights.extras = parseTensors(o.extras, 'weights.extras', limits);
  return weights;
}

/** Each blob has exactly one name it may live under, so no entry can be read as two things. */
function fileName(v: unknown, where: string, expected: string): string {
  return v === expected ? expected : bad(where, JSON.stringify(expected), v);
}

function parseBlob(o: Obj, where: string, file: string): BlobRecord {
  return { file: fileName(o.file, `${where}.file`, file), byteLength: count(o.byteLength, `${where}.byteLength`), fnv1a: checksum(o.fnv1a, `${where}.fnv1a`) };
}

function parseFrames(v: unknown, limits: ProjectLimits): FrameRecord[] {
  return list(v, 'timeline', limits.maxTimelineFrames).map((x, i) => {
    const o = record(x, `timeline[${i}]`);
    const w = `timeline[${i}]`;
    return {
      ...parseBlob(o, w, timelineFile(i)),
      step: count(o.step, `${w}.step`),
      width: count(o.width, `${w}.width`),
      height: count(o.height, `${w}.height`),
    };
  });
}

function parseDataset(v: unknown): DatasetRecord {
  const o = record(v, 'dataset');
  const names = list(o.names, 'dataset.names', 1e6).map((n, i) => text(n, `dataset.names[${i}]`));
  return { ...parseBlob(o, 'dataset', DATASET_FILE), res: count(o.res, 'dataset.res'), count: count(o.count, 'dataset.count'), names };
}

function parseHistory(v: unknown): HistoryEntry[] {
  return list(v, 'history', 1e7).map((x, i) => {
    const o = record(x, `history[${i}]`);
    const read = (k: keyof HistoryEntry): number => jsonNumber(o[k], `history[${i}].${k}`);
    return { step: read('step'), gLoss: read('gLoss'), dLoss: read('dLoss'), dReal: read('dReal'), dFake: read('dFake'), imagesPerSec: read('imagesPerSec') };
  });
}

/** Fields a v1 file lacks (written before the field existed) take today's default, with a note. */
function parseConfig(v: unknown, notes: Message[]): TrainConfig {
  const o = record(v, 'config');
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, fallback] of Object.entries(DEFAULT_CONFIG)) {
    if (!Object.hasOwn(o, key)) {
      notes.push(msg('project.noteDefault', { key, value: String(fallback) }));
    } else if (typeof o[key] !== typeof fallback) {
      bad(`config.${key}`, typeof fallback === 'number' ? 'a number' : 'text', o[key]);
    } else {
      config[key] = o[key];
    }
  }
  for (const key of Object.keys(o)) if (!Object.hasOwn(DEFAULT_CONFIG, key)) notes.push(msg('project.noteUnknown', { key: show(key) }));
  // Before the auto flag, r1Gamma 0 meant "the heuristic" and any other value was the γ used.
  if (!Object.hasOwn(o, 'r1GammaAuto')) config['r1GammaAuto'] = config['r1Gamma'] === 0;
  return config as unknown as TrainConfig;
}

function parseMeta(v: unknown): ProjectMeta {
  const o = record(v, 'meta');
  return { name: text(o.name, 'meta.name'), created: text(o.created, 'meta.created'), updated: text(o.updated, 'meta.updated'), app: text(o.app, 'meta.app') };
}

function checkFormat(o: Obj): void {
  if (o.format !== PROJECT_FORMAT) refuse('project.foreign', { format: show(o.format), expected: PROJECT_FORMAT });
  const v = o.version;
  if (!isCount(v, Number.MAX_SAFE_INTEGER, 1)) refuse('project.noVersion', { value: show(v) });
  if (v > PROJECT_VERSION) refuse('project.newer', { version: v, reads: PROJECT_VERSION });
}

/** The seal is the manifest's first field, so its 8 hex digits sit at a fixed place in the bytes. */
const SEAL_PREFIX = strToU8('{"fnv1a":"');
const SEAL_END = SEAL_PREFIX.length + 8;
const UNSEALED = strToU8('00000000');

/**
 * The manifest as UTF-8 JSON carrying a checksum of itself (computed with its own digits as
 * zeros). fflate does not check zip CRCs, and a flipped bit in a digit of the config or history
 * would otherwise load as a quietly different run.
 */
export function sealManifest(manifest: ManifestV1): Uint8Array {
  // First in key order; set after the spread so a manifest that was read (and so has one) is resealed.
  const unsealed = { fnv1a: '', ...manifest };
  unsealed.fnv1a = '00000000';
  const bytes = strToU8(JSON.stringify(unsealed));
  bytes.set(strToU8(fnv1a(bytes)), SEAL_PREFIX.length);
  return bytes;
}

function checkSeal(bytes: Uint8Array): void {
  if (bytes.length < SEAL_END || SEAL_PREFIX.some((b, i) => bytes[i] !== b)) {
    refuse('project.noChecksum');
  }
  const stated = strFromU8(bytes.subarray(SEAL_PREFIX.length, SEAL_END), true);
  const unsealed = bytes.slice();
  unsealed.set(UNSEALED, SEAL_PREFIX.length);
  const actual = fnv1a(unsealed);
  if (actual !== stated) refuse('project.manifestChecksum', { actual, stated });
}

/** The manifest's fields, each of the right type, or a ProjectError naming the first bad one. */
export function parseManifest(bytes: Uint8Array, limits: ProjectLimits, notes: Message[]): ParsedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(strFromU8(bytes));
  } catch (e) {
    refuse('project.notJson', { detail: e instanceof Error ? e.message : 'unreadable' });
  }
  const o = record(raw, 'the manifest');
  // Format and version first: another format, or a newer version, may seal differently.
  checkFormat(o);
  checkSeal(bytes);
  const rng = record(o.rng, 'rng');
  const manifest: ParsedManifest = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    meta: parseMeta(o.meta),
    config: parseConfig(o.config, notes),
    step: num(o.step, 'step'),
    rng: { state: num(rng.state, 'rng.state'), spare: rng.spare === null ? null : num(rng.spare, 'rng.spare') },
    history: parseHistory(o.history),
    weights: parseWeights(o.weights, limits),
  };
  if (o.timeline !== undefined) manifest.timeline = parseFrames(o.timeline, limits);
  if (o.dataset !== undefined) manifest.dataset = parseDataset(o.dataset);
  return manifest;
}
