/**
 * What makes a snapshot sound, whichever way it travels: checked before a file is written (so a
 * diverged or inconsistent state never overwrites a good file) and after one is read (so nothing
 * a hostile file says reaches the trainer unchecked). Throws ProjectError with a reason for a person.
 */
import { validateConfig } from '../contract/config.ts';
import { firstNonFinite, pngSize } from './checkpoint-bytes.ts';
import {
  MAX_DATASET_IMAGES, MAX_TENSOR_RANK, refuse,
  type NamedArray, type ProjectLimits, type TrainerSnapshot,
} from './checkpoint-types.ts';

/** Tensor, optimizer and file names: what our parameter names use, nothing that means a path or a prototype. */
const NAME_PATTERN = /^[A-Za-z0-9_.:/-]{1,200}$/;
const MAX_META_CHARS = 500;
const MAX_IMAGE_NAME_CHARS = 1000;
/** Thumbnails bigger than this are not thumbnails. */
const MAX_FRAME_SIDE = 16384;

export function checkName(name: string, what: string): void {
  if (!NAME_PATTERN.test(name) || name === '__proto__') {
    refuse(`${what} name ${JSON.stringify(name.slice(0, 80))} is not allowed (letters, digits and _ . : / - only, at most 200)`);
  }
}

export function isCount(v: unknown, max = Number.MAX_SAFE_INTEGER, min = 0): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Number of elements of a shape, or a reason it is not a shape. */
export function shapeSize(shape: unknown, maxElements: number): number | string {
  if (!Array.isArray(shape)) return 'shape is not a list of sizes';
  if (shape.length > MAX_TENSOR_RANK) return `shape has ${shape.length} dimensions (at most ${MAX_TENSOR_RANK})`;
  let size = 1;
  for (const d of shape) {
    if (!isCount(d, maxElements, 1)) return `shape [${shape.map((x) => JSON.stringify(x)).join(', ')}] must hold positive integers`;
    size *= d;
    if (size > maxElements) return `shape [${shape.join(', ')}] is larger than a project can hold`;
  }
  return size;
}

export function checkArray(label: string, a: NamedArray, limits: ProjectLimits): void {
  const size = shapeSize(a.shape, limits.maxProjectBytes / 4);
  if (typeof size === 'string') refuse(`${label}: ${size}`);
  if (!(a.data instanceof Float32Array)) refuse(`${label}: values are not a Float32Array`);
  if (a.data.length !== size) refuse(`${label}: shape [${a.shape.join(', ')}] needs ${size} values but it has ${a.data.length}`);
  const bad = firstNonFinite(a.data);
  if (bad >= 0) {
    refuse(`${label} contains ${a.data[bad]} (first at index ${bad}): the run had diverged, so these weights cannot be used`);
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
    if (!isCount(state.iterations)) refuse(`optimizer ${opt}: iterations must be a whole number ≥ 0 (got ${state.iterations})`);
    count += checkGroup(state.weights, (n) => `optimizer ${opt} slot ${n}`, limits);
  }
  if (s.extras) count += checkGroup(s.extras, (n) => `extra tensor ${n}`, limits);
  if (count > limits.maxTensors) refuse(`the project has ${count} tensors (at most ${limits.maxTensors})`);
}

function checkRunState(s: TrainerSnapshot): void {
  const issues = validateConfig(s.config);
  if (issues.length > 0) refuse(`the saved config is invalid: ${issues.map((i) => i.message).join('; ')}`);
  if (!isCount(s.step)) refuse(`step must be a whole number ≥ 0 (got ${s.step})`);
  if (!isCount(s.rng.state, 0xffffffff)) refuse(`the random generator's state must be a 32-bit unsigned integer (got ${s.rng.state})`);
  if (s.rng.spare !== undefined && !Number.isFinite(s.rng.spare)) refuse(`the random generator's spare value is not a finite number (got ${s.rng.spare})`);
  s.history.forEach((h, i) => {
    if (!isCount(h.step)) refuse(`history point ${i}: step must be a whole number ≥ 0 (got ${h.step})`);
    for (const key of ['gLoss', 'dLoss', 'dReal', 'dFake', 'imagesPerSec'] as const) {
      if (typeof h[key] !== 'number') refuse(`history point ${i}: ${key} is not a number`);
    }
  });
}

function checkTimeline(s: TrainerSnapshot, limits: ProjectLimits): void {
  const frames = s.timeline ?? [];
  if (frames.length > limits.maxTimelineFrames) refuse(`the timeline has ${frames.length} frames (at most ${limits.maxTimelineFrames})`);
  frames.forEach((f, i) => {
    if (!isCount(f.step)) refuse(`timeline frame ${i}: step must be a whole number ≥ 0 (got ${f.step})`);
    if (!isCount(f.width, MAX_FRAME_SIDE, 1) || !isCount(f.height, MAX_FRAME_SIDE, 1)) {
      refuse(`timeline frame ${i}: size ${f.width}×${f.height} is not a thumbnail size (1 to ${MAX_FRAME_SIDE} pixels a side)`);
    }
    const size = f.png instanceof Uint8Array ? pngSize(f.png) : undefined;
    if (!size) refuse(`timeline frame ${i} (step ${f.step}) is not a PNG image`);
    if (size.width !== f.width || size.height !== f.height) {
      refuse(`timeline frame ${i} (step ${f.step}) is said to be ${f.width}×${f.height} but its PNG is ${size.width}×${size.height}`);
    }
  });
}

function checkDataset(s: TrainerSnapshot): void {
  const d = s.dataset;
  if (!d) return;
  if (!isCount(d.res, 1024, 1)) refuse(`the stored dataset's resolution must be 1 to 1024 pixels (got ${d.res})`);
  if (!isCount(d.count, MAX_DATASET_IMAGES, 1)) refuse(`the stored dataset must hold 1 to ${MAX_DATASET_IMAGES} images (got ${d.count})`);
  const want = d.res * d.res * 3 * d.count;
  if (!(d.pixels instanceof Uint8Array) || d.pixels.length !== want) {
    refuse(`the stored dataset should have ${want} bytes of pixels (${d.count} images of ${d.res}×${d.res} RGB) but has ${d.pixels?.length}`);
  }
  if (!Array.isArray(d.names) || d.names.length !== d.count) refuse(`the stored dataset has ${d.count} images but ${d.names?.length} names`);
  d.names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length > MAX_IMAGE_NAME_CHARS) refuse(`the stored dataset's image name ${i} is not a string of at most ${MAX_IMAGE_NAME_CHARS} characters`);
  });
}

function checkMeta(s: TrainerSnapshot): void {
  for (const key of ['name', 'created', 'updated', 'app'] as const) {
    const v = s.meta[key];
    if (typeof v !== 'string' || v.length > MAX_META_CHARS) refuse(`the project's ${key} must be text of at most ${MAX_META_CHARS} characters`);
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
