import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random.ts';

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
 * Only add, mul, mean, equal and batched matmul run on the device: each has a gradient on
 * cpu, wasm, webgl and webgpu, and none is one of the slow WASM kernels (gather, concat,
 * strided slice, reverse). Translation and flips are matmuls with one-hot matrices built on the
 * device from a few uploaded numbers; cutout is a multiplicative mask.
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
function perImage(values: Float32Array): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

const allEqual = (a: ArrayLike<number>, v: number): boolean => Array.prototype.every.call(a, (e: number) => e === v);
const minus1 = (a: Float32Array): Float32Array => a.map((v) => v - 1);

/**
 * Brightness adds b; saturation scales each pixel's deviation from its channel mean by s;
 * contrast scales each pixel's deviation from the image mean by c. Written as
 * x + (s − 1)·(x − mean) so that s = 1 gives back x exactly (0·finite = 0).
 */
function color(x: tf.Tensor4D, d: NonNullable<AugmentDraws['color']>): tf.Tensor4D {
  let y: tf.Tensor4D = x;
  if (!allEqual(d.brightness, 0)) y = tf.add(y, perImage(d.brightness));
  if (!allEqual(d.saturation, 1)) {
    const dev = tf.sub(y, tf.mean(y, 3, true));
    y = tf.add(y, tf.mul(dev, perImage(minus1(d.saturation))));
  }
  if (!allEqual(d.contrast, 1)) {
    const dev = tf.sub(y, tf.mean(y, [1, 2, 3], true));
    y = tf.add(y, tf.mul(dev, perImage(minus1(d.contrast))));
  }
  return y;
}

/**
 * [B, n, n] one-hot band matrices: M[b, i, j] = 1 where j − i = offsets[b]. Built on the device
 * from two index vectors and B offsets, so only O(n + B) numbers are uploaded.
 */
function bandMatrices(n: number, offsets: Float32Array): tf.Tensor3D {
  const idx = Float32Array.from({ length: n }, (_, i) => i);
  const diff = tf.sub(tf.tensor3d(idx, [1, 1, n]), tf.tensor3d(idx, [1, n, 1]));
  return tf.cast(tf.equal(diff, tf.tensor3d(offsets, [offsets.length, 1, 1])), 'float32') as tf.Tensor3D;
}

/**
 * Integer shift with zero fill, as two batched matmuls on [B, H, W·C]: rows by S_y·X, then
 * columns by X·(S_x ⊗ I_C), where the Kronecker product with I_C is itself a band matrix at
 * offset dx·C (a shift by whole pixels never mixes channels). The matmuls' gradient is the
 * transposed shift, so G learns through it.
 */
function translate(x: tf.Tensor4D, d: NonNullable<AugmentDraws['translation']>): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let y = tf.reshape(x, [b, h, w * c]) as tf.Tensor3D;
  if (!allEqual(d.dy, 0)) {
    // out[i] = in[i − dy]: row i of S_y has its 1 at column i − dy.
    y = tf.matMul(bandMatrices(h, Float32Array.from(d.dy, (v) => -v)), y);
  }
  if (!allEqual(d.dx, 0)) {
    // out[:, r] = Σ_q in[:, q]·M[q, r], with M[q, r] = 1 where r − q = dx·C.
    y = tf.matMul(y, bandMatrices(w * c, Float32Array.from(d.dx, (v) => v * c)));
  }
  return tf.reshape(y, x.shape);
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
  const rows = tf.tensor4d(spans(d.top, d.size, h), [b, h, 1, 1]);
  const cols = tf.tensor4d(spans(d.left, d.size, w), [b, 1, w, 1]);
  return tf.mul(x, tf.sub(1, tf.mul(rows, cols)));
}

/**
 * Mirrors each image left–right with probability p (a dataset option for reals: a face
 * mirrored is still a face). A matmul with per-image matrices I + f·(F − I), F the mirror
 * permutation on [W·C] columns; all entries are 0 or 1, so the result is exact.
 */
export function flipHorizontal(images: tf.Tensor4D, rng: Rng, p: number): tf.Tensor4D {
  const [b, h, w, c] = images.shape;
  const flip = Float32Array.from({ length: b }, () => (rng.next() < p ? 1 : 0));
  if (allEqual(flip, 0)) return tf.clone(images);
  const n = w * c;
  const mirrorMinusId = new Float32Array(n * n);
  for (let j = 0; j < w; j++) {
    for (let ch = 0; ch < c; ch++) {
      const r = j * c + ch;
      mirrorMinusId[((w - 1 - j) * c + ch) * n + r] += 1;
      mirrorMinusId[r * n + r] -= 1;
    }
  }
  return tf.tidy(() => {
    const m = tf.add(tf.reshape(tf.eye(n), [1, n, n]), tf.mul(tf.tensor3d(flip, [b, 1, 1]), tf.tensor3d(mirrorMinusId, [1, n, n])));
    return tf.reshape(tf.matMul(tf.reshape(images, [b, h, n]), m), images.shape);
  });
}
