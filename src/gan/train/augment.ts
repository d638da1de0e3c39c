import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../nn/random.ts';
import { colorJitter, cutoutSquares, hasColorJitter, hasCutout } from '../backend/augment-ops.ts';

/**
 * Differentiable augmentation for small datasets (DiffAugment, Zhao et al. 2020): D sees reals
 * AND fakes through the same random transformations, so it cannot tell them apart by the
 * transformations, and G learns through them (every op here is differentiable in the images).
 * With a probability p per image per op it is also the augmentation pipe of ADA (Karras et al.
 * 2020, see ada.ts): p < 1 leaves some images untouched, so the augmentations do not "leak"
 * into what G learns.
 *
 * Every random number is drawn on the CPU by our seeded Rng and uploaded as small per-image
 * parameter tensors, so a seed gives the same augmentations on every backend. Images are
 * [B, H, W, C] in [-1, 1], as the dataset is prepared; the op magnitudes are DiffAugment's.
 *
 * On the device: colour is a tiny matmul, one mean and a few broadcast multiply-adds; cutout
 * is a multiplicative mask; translation and flips are one tf.image.transform pass (a kernel on
 * cpu, wasm, webgl and webgpu) with its exact gradient supplied through tf.customGrad. On WASM
 * (batch 32, 32 px) translation this way costs 3 ms against 146 ms for one-hot shift matrices
 * in a batched matmul, and it avoids kernels that are slow there or have no gradient there
 * (gather, reverse, depthwise convolution). Where the backend has them (WebGPU), colour and
 * cutout are one fused kernel each (src/gan/backend/augment-ops.ts), on the same draws.
 */

export type AugmentPolicy = { color: boolean; translation: boolean; cutout: boolean };

/** DiffAugment's recommended policy for small data: all three. */
export const DIFF_AUGMENT: AugmentPolicy = { color: true, translation: true, cutout: true };

/** Largest shift, as a fraction of the side (DiffAugment: 1/8). */
const TRANSLATION_RATIO = 0.125;
/** Cutout square side, as a fraction of the image side (DiffAugment: 1/2). */
const CUTOUT_RATIO = 0.5;

/**
 * Per-image parameters of one augment call. Images an op skips (probability 1 − p) carry that
 * op's identity values, which leave them bit-exact: brightness 0, saturation and contrast
 * factor 1, shift 0, cutout size 0. Absent fields: the policy does not include the op.
 */
export interface AugmentDraws {
  color?: { brightness: Float32Array; saturation: Float32Array; contrast: Float32Array };
  /** Content moves down by dy and right by dx pixels; uncovered pixels become 0. */
  translation?: { dy: Int32Array; dx: Int32Array };
  /** A size×size square with top-left corner (top, left) is zeroed; it may hang over an edge. */
  cutout?: { top: Int32Array; left: Int32Array; size: Int32Array };
}

/** Largest translation at a given side: 1/8 of it, rounded (4 px at 32, 8 at 64). */
export function maxShift(side: number): number {
  return Math.floor(side * TRANSLATION_RATIO + 0.5);
}

/** Cutout side at a given image side: half of it, rounded. */
export function cutoutSize(side: number): number {
  return Math.floor(side * CUTOUT_RATIO + 0.5);
}

/**
 * Draws the parameters of `batch` images of side `side`. Every image consumes the same number
 * of draws whatever p is, so changing p (as ADA does) never shifts the rest of the stream.
 */
export function drawAugment(policy: AugmentPolicy, p: number, rng: Rng, batch: number, side: number): AugmentDraws {
  const draws: AugmentDraws = {};
  const gate = (): boolean => rng.next() < p;
  if (policy.color) {
    const color = { brightness: new Float32Array(batch), saturation: new Float32Array(batch), contrast: new Float32Array(batch) };
    for (let i = 0; i < batch; i++) {
      // Gate first, value second, always both: the stream does not depend on p.
      const [gb, b] = [gate(), rng.next() - 0.5];
      const [gs, s] = [gate(), rng.next() * 2];
      const [gc, c] = [gate(), rng.next() + 0.5];
      color.brightness[i] = gb ? b : 0;
      color.saturation[i] = gs ? s : 1;
      color.contrast[i] = gc ? c : 1;
    }
    draws.color = color;
  }
  if (policy.translation) draws.translation = drawTranslation(gate, rng, batch, maxShift(side));
  if (policy.cutout) draws.cutout = drawCutout(gate, rng, batch, side);
  return draws;
}

function drawTranslation(gate: () => boolean, rng: Rng, batch: number, shift: number): AugmentDraws['translation'] {
  const dy = new Int32Array(batch);
  const dx = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const on = gate();
    const y = Math.floor(rng.next() * (2 * shift + 1)) - shift;
    const x = Math.floor(rng.next() * (2 * shift + 1)) - shift;
    if (on) [dy[i], dx[i]] = [y, x];
  }
  return { dy, dx };
}

function drawCutout(gate: () => boolean, rng: Rng, batch: number, side: number): AugmentDraws['cutout'] {
  const s = cutoutSize(side);
  const top = new Int32Array(batch);
  const left = new Int32Array(batch);
  const size = new Int32Array(batch);
  // DiffAugment's centres: an even square may be centred on the far edge too (side + 1 places).
  const centres = side + 1 - (s % 2);
  for (let i = 0; i < batch; i++) {
    const on = gate();
    const cy = Math.floor(rng.next() * centres);
    const cx = Math.floor(rng.next() * centres);
    top[i] = cy - Math.floor(s / 2);
    left[i] = cx - Math.floor(s / 2);
    size[i] = on ? s : 0;
  }
  return { top, left, size };
}

/**
 * Augments a batch: draws per-image parameters with `rng` and applies them (colour, then
 * translation, then cutout, DiffAugment's order). p is the probability that an image gets
 * each op (1: always, DiffAugment; ADA's p otherwise). Always returns a new tensor.
 */
export function augment(images: tf.Tensor4D, policy: AugmentPolicy, p: number, rng: Rng): tf.Tensor4D {
  const [batch, h, w] = images.shape;
  if (h !== w) throw new Error(`augment expects square images (got ${h}×${w})`);
  return applyAugment(images, drawAugment(policy, p, rng, batch, h));
}

/** Applies drawn parameters. Ops whose draws are identity for the whole batch are skipped. */
export function applyAugment(images: tf.Tensor4D, draws: AugmentDraws): tf.Tensor4D {
  return tf.tidy(() => {
    let x: tf.Tensor4D = images;
    if (draws.color !== undefined) x = color(x, draws.color);
    if (draws.translation !== undefined) x = translate(x, draws.translation);
    if (draws.cutout !== undefined) x = cutout(x, draws.cutout);
    return x === images ? tf.clone(images) : x;
  });
}

/** A [B, 1, 1, 1] tensor of per-image values. */
function perImage(values: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}

const allEqual = (a: ArrayLike<number>, v: number): boolean => Array.prototype.every.call(a, (e: number) => e === v);

/**
 * Brightness b, then saturation s (deviation from each pixel's channel mean m_c), then
 * contrast k (deviation from the image mean m). Applied in sequence these collapse, because
 * brightness moves both means by b and saturation leaves m unchanged, into
 *   y = k·s·x − k·(s − 1)·m_c − (k − 1)·m + b,
 * about half the full-size passes of the sequence (the same maths, a different rounding). At
 * the identity (b, s, k) = (0, 1, 1) this is 1·x − 0·m_c + 0: x bit for bit.
 *
 * m_c comes from a [C, C] matmul that also repeats it over the channels. A mean over the
 * 3-wide channel axis (or a broadcast of m_c, whose gradient is that sum) runs on WebGPU as one
 * 256-thread workgroup per pixel: 1.8 s for a 32×32×32 batch on the software adapter, against
 * 0.17 s for the matmul (about one of D's convolutions there).
 */
function color(x: tf.Tensor4D, d: NonNullable<AugmentDraws['color']>): tf.Tensor4D {
  const { brightness: b, saturation: s, contrast: k } = d;
  if (allEqual(b, 0) && allEqual(s, 1) && allEqual(k, 1)) return x;
  const n = b.length;
  if (hasColorJitter()) {
    // The same formula's (α, β, γ, δ) = (k·s, k·(s − 1), k − 1, b) per image, in one kernel.
    const params = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) params.set([k[i]! * s[i]!, k[i]! * (s[i]! - 1), k[i]! - 1, b[i]!], i * 4);
    return colorJitter(x, tf.tensor2d(params, [n, 4]));
  }
  const c = x.shape[3];
  const scale = perImage(Array.from({ length: n }, (_, i) => k[i]! * s[i]!));
  const satWeight = perImage(Array.from({ length: n }, (_, i) => k[i]! * (s[i]! - 1)));
  const averager = tf.fill([c, c], 1 / c) as tf.Tensor2D;
  const channelMean = tf.reshape(tf.matMul(tf.reshape(x, [-1, c]) as tf.Tensor2D, averager), x.shape);
  const offset = tf.sub(perImage(b), tf.mul(tf.mean(x, [1, 2, 3], true), perImage(Array.from(k, (v) => v - 1))));
  return tf.add(tf.sub(tf.mul(x, scale), tf.mul(channelMean, satWeight)), offset);
}

/**
 * Per-image maps of pixel positions, as rows of tf.image.transform ([a0 a1 a2 b0 b1 b2 c0 c1]:
 * output pixel (x, y) reads input pixel (a0·x + a1·y + a2, b0·x + b1·y + b2)), nearest
 * neighbour with zero fill. With integer offsets and ±1 scales every read is an exact copy.
 */
type PixelMaps = Float32Array;

function shiftMaps(dy: Int32Array, dx: Int32Array, sign: 1 | -1): PixelMaps {
  const maps = new Float32Array(dy.length * 8);
  for (let b = 0; b < dy.length; b++) maps.set([1, 0, -sign * dx[b]!, 0, 1, -sign * dy[b]!, 0, 0], b * 8);
  return maps;
}

/**
 * Moves pixels by one-to-one maps with zero fill, differentiably. The gradient of such a map
 * is its adjoint: the inverse map, also zero-filled (each input pixel lands in at most one
 * output pixel, so summing over outputs is reading one). The adjoint is itself a pixelMap, so
 * gradients of gradients (R1 through the augmentation) work too. tf.image.transform runs as
 * one pass on every backend but has no gradient of its own; this supplies it.
 */
function pixelMap(x: tf.Tensor4D, forward: PixelMaps, adjoint: PixelMaps): tf.Tensor4D {
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc) => {
    const image = input as tf.Tensor4D;
    return { value: transformImages(image, forward), gradFunc: (dy: tf.Tensor) => pixelMap(dy as tf.Tensor4D, adjoint, forward) };
  });
  return op(x) as tf.Tensor4D;
}

function transformImages(images: tf.Tensor4D, maps: PixelMaps): tf.Tensor4D {
  const n = images.shape[0];
  if (n > 1 && tf.getBackend() === 'cpu') {
    // tfjs 4.22's CPU Transform kernel returns after the first image of a batch and leaves the
    // others zero (its `return` sits inside the batch loop), so the CPU backend goes one by one.
    const one = tf.split(images, n).map((image, i) => transformImages(image as tf.Tensor4D, maps.subarray(i * 8, i * 8 + 8)));
    return tf.concat(one) as tf.Tensor4D;
  }
  return tf.image.transform(images, tf.tensor2d(maps, [n, 8]), 'nearest', 'constant', 0);
}

/** Integer shift with zero fill: output (y, x) reads input (y − dy, x − dx). */
function translate(x: tf.Tensor4D, d: NonNullable<AugmentDraws['translation']>): tf.Tensor4D {
  if (allEqual(d.dy, 0) && allEqual(d.dx, 0)) return x;
  return pixelMap(x, shiftMaps(d.dy, d.dx, 1), shiftMaps(d.dy, d.dx, -1));
}

/** Per-image 0/1 indicators of the rows [start, start + size) ∩ [0, n). */
function spans(start: Int32Array, size: Int32Array, n: number): Float32Array {
  const out = new Float32Array(start.length * n);
  for (let b = 0; b < start.length; b++) {
    const lo = Math.max(0, start[b]!);
    const hi = Math.min(n, start[b]! + size[b]!);
    out.fill(1, b * n + lo, b * n + Math.max(lo, hi));
  }
  return out;
}

/** Zeroes each image's square through a mask 1 − rows ⊗ cols (only its values are uploaded). */
function cutout(x: tf.Tensor4D, d: NonNullable<AugmentDraws['cutout']>): tf.Tensor4D {
  if (allEqual(d.size, 0)) return x;
  const [b, h, w] = x.shape;
  if (hasCutout()) {
    const boxes = new Float32Array(b * 3);
    for (let i = 0; i < b; i++) boxes.set([d.top[i]!, d.left[i]!, d.size[i]!], i * 3);
    return cutoutSquares(x, tf.tensor2d(boxes, [b, 3]));
  }
  const rows = tf.tensor4d(spans(d.top, d.size, h), [b, h, 1, 1]);
  const cols = tf.tensor4d(spans(d.left, d.size, w), [b, 1, w, 1]);
  return tf.mul(x, tf.sub(1, tf.mul(rows, cols)));
}

/**
 * Mirrors each image left–right with probability p (a dataset option for reals: a face
 * mirrored is still a face). Exact copies; differentiable (a mirror is its own adjoint).
 */
export function flipHorizontal(images: tf.Tensor4D, rng: Rng, p: number): tf.Tensor4D {
  const [b, , w] = images.shape;
  const maps = new Float32Array(b * 8);
  let any = false;
  for (let i = 0; i < b; i++) {
    const flip = rng.next() < p;
    any ||= flip;
    maps.set(flip ? [-1, 0, w - 1, 0, 1, 0, 0, 0] : [1, 0, 0, 0, 1, 0, 0, 0], i * 8);
  }
  return tf.tidy(() => (any ? pixelMap(images, maps, maps) : tf.clone(images)));
}
