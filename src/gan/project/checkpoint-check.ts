/**
 * What makes a snapshot sound, whichever way it travels: checked before a file is written (so a
 * diverged or inconsistent state never overwrites a good file) and after one is read (so nothing
 * a hostile file says reaches the trainer unchecked). Throws ProjectError with a reason for a person.
 */
import { english, msg, type Message } from '../../contract/messages.ts';
import { validateConfig } from '../../contract/config.ts';
import { firstNonFinite, pngSize } from './checkpoint-bytes.ts';
import { MAX_DATASET_IMAGES, MAX_TENSOR_RANK, refuse, type NamedArray, type ProjectLimits, type TrainerSnapshot } from './checkpoint-types.ts';

/** Tensor, optimizer and file names: what our parameter names use, nothing that means a path or a prototype. */
const NAME_PATTERN = /^[A-Za-z0-9_.:/-]{1,200}$/;
const MAX_META_CHARS = 500;
const MAX_IMAGE_NAME_CHARS = 1000;
/** Thumbnails bigger than this are not thumbnails. */
const MAX_FRAME_SIDE = 16384;

export function checkName(name: string, what: string): void {
  if (!NAME_PATTERN.test(name) || name === '__proto__') {
    refuse('project.badName', { what, name: JSON.stringify(name.slice(0, 80)) });
  }
}

export function isCount(v: unknown, max = Number.MAX_SAFE_INTEGER, min = 0): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Number of elements of a shape, or a reason it is not a shape. */
export function shapeSize(shape: unknown, maxElements: number): number | Message {
  if (!Array.isArray(shape)) return msg('project.shapeNotList');
  if (shape.length > MAX_TENSOR_RANK) return msg('project.shapeRank', { n: shape.length, max: MAX_TENSOR_RANK });
  let size = 1;
  for (const d of shape) {
    if (!isCount(d, maxElements, 1)) return msg('project.shapeIntegers', { shape: shape.map((x) => JSON.stringify(x)).join(', ') });
    size *= d;
    if (size > maxElements) return msg('project.shapeTooLarge', { shape: shape.join(', ') });
  }
  return size;
}

export function checkArray(label: string, a: NamedArray, limits: ProjectLimits): void {
  const size = shapeSize(a.shape, limits.maxProjectBytes / 4);
  if (typeof size !== 'number') refuse('project.arrayShape', { label, problem: size });
  if (!(a.data instanceof Float32Array)) refuse('project.notFloat32', { label });
  if (a.data.length !== size) refuse('project.arrayLength', { label, shape: a.shape.join(', '), size, length: a.data.length });
  const bad = firstNonFinite(a.data);
  if (bad >= 0) {
    refuse('project.diverged', { label, value: String(a.data[bad]), index: bad });
  }
}

function checkGroup(group: Record<string, NamedArray>, label: (name: string) => string, limits: ProjectLimits): number {
  const names = Object.keys(group);
  for (const name of names) {
    checkName(name, 'tensor');
    checkArray(label(name), group[name], limits);
  }
  return names.length;
}

function checkTensors(s: TrainerSnapshot, limits: ProjectLimits): void {
  let count = checkGroup(s.params, (n) => `tensor ${n}`, limits);
  for (const [opt, state] of Object.entries(s.optimizers)) {
    checkName(opt, 'optimizer');
    if (!isCount(state.iterations)) refuse('project.iterations', { optimizer: opt, value: String(state.iterations) });
    count += checkGroup(state.weights, (n) => `optimizer ${opt} slot ${n}`, limits);
  }
  if (s.extras) count += checkGroup(s.extras, (n) => `extra tensor ${n}`, limits);
  if (count > limits.maxTensors) refuse('project.tooManyTensors', { n: count, max: limits.maxTensors });
}

function checkRunState(s: TrainerSnapshot): void {
  const issues = validateConfig(s.config);
  if (issues.length > 0) refuse('project.badConfig', { issues: issues.map((i) => english(i.message)).join('; ') });
  if (!isCount(s.step)) refuse('project.step', { value: String(s.step) });
  if (!isCount(s.rng.state, 0xffffffff)) refuse('project.rngState', { value: String(s.rng.state) });
  if (s.rng.spare !== undefined && !Number.isFinite(s.rng.spare)) refuse('project.rngSpare', { value: String(s.rng.spare) });
  s.history.forEach((h, i) => {
    if (!isCount(h.step)) refuse('project.historyStep', { i, value: String(h.step) });
    for (const key of ['gLoss', 'dLoss', 'dReal', 'dFake', 'imagesPerSec'] as const) {
      if (typeof h[key] !== 'number') refuse('project.historyValue', { i, key });
    }
  });
}

function checkTimeline(s: TrainerSnapshot, limits: ProjectLimits): void {
  const frames = s.timeline ?? [];
  if (frames.length > limits.maxTimelineFrames) refuse('project.tooManyFrames', { n: frames.length, max: limits.maxTimelineFrames });
  frames.forEach((f, i) => {
    if (!isCount(f.step)) refuse('project.frameStep', { i, value: String(f.step) });
    if (!isCount(f.width, MAX_FRAME_SIDE, 1) || !isCount(f.height, MAX_FRAME_SIDE, 1)) {
      refuse('project.frameSize', { i, width: String(f.width), height: String(f.height), max: MAX_FRAME_SIDE });
    }
    const size = f.png instanceof Uint8Array ? pngSize(f.png) : undefined;
    if (!size) refuse('project.frameNotPng', { i, step: f.step });
    if (size.width !== f.width || size.height !== f.height) {
      refuse('project.framePngSize', { i, step: f.step, width: f.width, height: f.height, pngWidth: size.width, pngHeight: size.height });
    }
  });
}

function checkDataset(s: TrainerSnapshot): void {
  const d = s.dataset;
  if (!d) return;
  if (!isCount(d.res, 1024, 1)) refuse('project.datasetRes', { value: String(d.res) });
  if (!isCount(d.count, MAX_DATASET_IMAGES, 1)) refuse('project.datasetCount', { max: MAX_DATASET_IMAGES, value: String(d.count) });
  const want = d.res * d.res * 3 * d.count;
  if (!(d.pixels instanceof Uint8Array) || d.pixels.length !== want) {
    refuse('project.datasetBytes', { want, count: d.count, res: d.res, got: String(d.pixels?.length) });
  }
  if (!Array.isArray(d.names) || d.names.length !== d.count) refuse('project.datasetNames', { count: d.count, names: String(d.names?.length) });
  d.names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length > MAX_IMAGE_NAME_CHARS) refuse('project.datasetName', { i, max: MAX_IMAGE_NAME_CHARS });
  });
}

function checkMeta(s: TrainerSnapshot): void {
  for (const key of ['name', 'created', 'updated', 'app'] as const) {
    const v = s.meta[key];
    if (typeof v !== 'string' || v.length > MAX_META_CHARS) refuse('project.meta', { key, max: MAX_META_CHARS });
  }
}

/** Throws ProjectError when the snapshot could not be restored into a trainer as it is. */
export function checkSnapshot(s: TrainerSnapshot, limits: ProjectLimits): void {
  checkMeta(s);
  checkRunState(s);
  checkTensors(s, limits);
  checkTimeline(s, limits);
  checkDataset(s);
}
