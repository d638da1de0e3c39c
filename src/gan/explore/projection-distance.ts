/**
 * The Laplacian-pyramid distance of the PPL metric (metrics/ppl.ts `pyramidDistances`), as a
 * differentiable tfjs function, so a latent can be optimised against it.
 *
 * The pyramid is linear and separable: every level of it is a product of 1-D operators along
 * rows and along columns. With A_l the 1-D map from the image to Gaussian level l (A_0 = I,
 * A_{l+1} = down · A_l) and U_l the 1-D upsampling from level l+1 to l, band l of an image X
 * (one channel, R×R) is A_l X A_lᵀ − (U_l A_{l+1}) X (U_l A_{l+1})ᵀ, and the last band is the
 * low-pass A_L X A_Lᵀ. Each is two small matrix products, which every backend differentiates.
 * The 1-D operators are read off pyramid.ts's own pyrDown/pyrUp (applied to images that vary
 * along one axis only), so the two implementations cannot drift apart; a unit test compares them.
 */
import * as tf from '@tensorflow/tfjs';
import { pyramidLevels, pyrDown, pyrUp } from '../metrics/pyramid.ts';

/** Coarsest pyramid level, as in PPL. */
export const PYRAMID_MIN_RES = 4;

/** Row-major matrices, rows × cols. */
interface Matrix {
  rows: number;
  cols: number;
  values: Float32Array;
}

/** One band: the operators whose products give it (two for a detail band, one for the low-pass). */
interface BandOperators {
  res: number;
  ops: Matrix[];
}

/** Applies a 2-D pyramid function to images that vary along x only and reads row 0, channel 0: the 1-D map. */
function oneDimensional(inRes: number, outRes: number, apply: (src: Float32Array, dst: Float32Array, tmp: Float32Array) => void): Matrix {
  const values = new Float32Array(outRes * inRes);
  const src = new Float32Array(inRes * inRes * 3);
  const dst = new Float32Array(outRes * outRes * 3);
  const tmp = new Float32Array(Math.max(inRes, outRes) ** 2 * 3);
  for (let j = 0; j < inRes; j++) {
    src.fill(0);
    for (let y = 0; y < inRes; y++) for (let c = 0; c < 3; c++) src[(y * inRes + j) * 3 + c] = 1;
    apply(src, dst, tmp);
    for (let i = 0; i < outRes; i++) values[i * inRes + j] = dst[i * 3];
  }
  return { rows: outRes, cols: inRes, values };
}

function multiply(a: Matrix, b: Matrix): Matrix {
  const values = new Float32Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const x = a.values[i * a.cols + k];
      if (x !== 0) for (let j = 0; j < b.cols; j++) values[i * b.cols + j] += x * b.values[k * b.cols + j];
    }
  return { rows: a.rows, cols: b.cols, values };
}

function identity(n: number): Matrix {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return { rows: n, cols: n, values };
}

const cache = new Map<string, BandOperators[]>();

/** The operators of every band for res×res images, down to `minRes`. */
function bandOperators(res: number, minRes: number): BandOperators[] {
  const key = `${res}:${minRes}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const levels = pyramidLevels(res, Math.min(minRes, res));
  const gauss: Matrix[] = [identity(res)];
  for (let l = 1; l < levels.length; l++) {
    const down = oneDimensional(levels[l - 1], levels[l], (s, d, t) => pyrDown(s, levels[l - 1], d, t));
    gauss.push(multiply(down, gauss[l - 1]));
  }
  const bands = levels.map((r, l) => {
    if (l === levels.length - 1) return { res: r, ops: [gauss[l]] };
    const up = oneDimensional(levels[l + 1], r, (s, d, t) => pyrUp(s, levels[l + 1], d, t));
    return { res: r, ops: [gauss[l], multiply(up, gauss[l + 1])] };
  });
  cache.set(key, bands);
  return bands;
}

/** M X Mᵀ for every channel image X of x [N, R, R] (returned transposed: the sum of squares does not care). */
function sandwich(x: tf.Tensor3D, m: tf.Tensor2D): tf.Tensor2D {
  const [n, res] = x.shape;
  const r = m.shape[0];
  const right = tf.reshape(tf.matMul(tf.reshape(x, [n * res, res]), m, false, true), [n, res, r]); // X Mᵀ
  return tf.matMul(tf.reshape(tf.transpose(right, [0, 2, 1]), [n * r, res]), m, false, true) as tf.Tensor2D; // (M X Mᵀ)ᵀ rows
}

/**
 * Per image of a and b ([B, R, R, 3], the same size): the mean square of each Laplacian band of
 * a − b down to `minRes`, summed over bands. Equal to `pyramidDistances` of the difference.
 */
export function pyramidDistance(a: tf.Tensor4D, b: tf.Tensor4D, minRes = PYRAMID_MIN_RES): tf.Tensor1D {
  return tf.tidy(() => {
    const [batch, res] = a.shape;
    // [B, R, R, 3] → one R×R image per channel: [B·3, R, R].
    const channels = tf.reshape(tf.transpose(tf.sub(a, b), [0, 3, 1, 2]), [batch * 3, res, res]) as tf.Tensor3D;
    const terms = bandOperators(res, minRes).map(({ res: r, ops }) => {
      const parts = ops.map((op) => sandwich(channels, tf.tensor2d(op.values, [op.rows, op.cols])));
      const band = parts.length === 1 ? parts[0]! : tf.sub(parts[0]!, parts[1]!);
      // Per image: mean over its r·r·3 values.
      return tf.div(tf.sum(tf.reshape(tf.square(band), [batch, -1]), 1), r * r * 3);
    });
    return tf.addN(terms) as tf.Tensor1D;
  });
}
