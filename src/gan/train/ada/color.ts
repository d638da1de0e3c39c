import * as tf from '@tensorflow/tfjs';
import { applyLinear, defaultPath, type ComputePath, type LinearMap } from './linear.ts';

/**
 * Colour for the ADA pipeline: per image, colour_out = C[:3, :3] · colour_in + C[:3, 3], from
 * one 4×4 matrix C per image (row-major, batch × 16). The 3×3 part is a linear map with an
 * explicit adjoint (its transpose), so gradients of any order pass; the offset is a plain add.
 * On wasm (32 px, batch 32) a batched matmul of [1024, 3]·[3, 3] per image took 3 ms forward
 * and its gradient 6 ms; the JS pass does the 300k multiply-adds in well under that.
 */

/** Per-image 3×3 blocks of C, as [batch, 3, 3] in the given orientation. */
function blocks(color: Float64Array, batch: number, transposed: boolean): Float32Array {
  const out = new Float32Array(batch * 9);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) out[b * 9 + (transposed ? j * 3 + i : i * 3 + j)] = color[b * 16 + i * 4 + j]!;
    }
  }
  return out;
}

/** x[b, n, :] ← M[b] · x[b, n, :] over a copy of x (M as [batch, 3, 3] row-major). */
function mixInJs(x: tf.Tensor3D, m: Float32Array): tf.Tensor3D {
  const [batch, n] = x.shape;
  const src = x.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  for (let b = 0; b < batch; b++) {
    const o = b * 9;
    for (let p = b * n * 3; p < (b + 1) * n * 3; p += 3) {
      const [r, g, bl] = [src[p]!, src[p + 1]!, src[p + 2]!];
      out[p] = m[o]! * r + m[o + 1]! * g + m[o + 2]! * bl;
      out[p + 1] = m[o + 3]! * r + m[o + 4]! * g + m[o + 5]! * bl;
      out[p + 2] = m[o + 6]! * r + m[o + 7]! * g + m[o + 8]! * bl;
    }
  }
  return tf.tensor3d(out, x.shape);
}

/** The same on the device: x · Mᵀ, one batched matmul (Mᵀ uploaded as is, no transpose kernel). */
function mixOnDevice(x: tf.Tensor3D, mTransposed: Float32Array): tf.Tensor3D {
  return tf.matMul(x, tf.tensor3d(mTransposed, [x.shape[0], 3, 3]));
}

function mixMap(color: Float64Array, batch: number, path: ComputePath): LinearMap<tf.Tensor3D> {
  const m = blocks(color, batch, false);
  const mT = blocks(color, batch, true);
  // The adjoint of x ↦ M·x is dy ↦ Mᵀ·dy.
  if (path === 'js') return { forward: (x) => mixInJs(x, m), adjoint: (dy) => mixInJs(dy, mT) };
  return { forward: (x) => mixOnDevice(x, mT), adjoint: (dy) => mixOnDevice(dy, m) };
}

/** RGB images [B, H, W, 3] through per-image colour matrices. */
export function colorRgb(images: tf.Tensor4D, color: Float64Array, path: ComputePath = defaultPath()): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const offset = new Float32Array(batch * 3);
  for (let b = 0; b < batch; b++) for (let i = 0; i < 3; i++) offset[b * 3 + i] = color[b * 16 + i * 4 + 3]!;
  return tf.tidy(() => {
    const pixels = tf.reshape(images, [batch, height * width, 3]) as tf.Tensor3D;
    const mixed = applyLinear(pixels, mixMap(color, batch, path));
    return tf.reshape(tf.add(mixed, tf.tensor3d(offset, [batch, 1, 3])), images.shape) as tf.Tensor4D;
  });
}

/** Grey images [B, H, W, 1], as NVlabs: the mean of C's three colour rows acts on the one channel (x·Σ row + offset). */
export function colorGrey(images: tf.Tensor4D, color: Float64Array): tf.Tensor4D {
  const batch = images.shape[0];
  const gain = new Float32Array(batch);
  const offset = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) gain[b]! += color[b * 16 + i * 4 + j]! / 3;
      offset[b]! += color[b * 16 + i * 4 + 3]! / 3;
    }
  }
  return tf.tidy(() => tf.add(tf.mul(images, tf.tensor4d(gain, [batch, 1, 1, 1])), tf.tensor4d(offset, [batch, 1, 1, 1])));
}
