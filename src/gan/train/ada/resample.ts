import * as tf from '@tensorflow/tfjs';
import { applyLinear, defaultPath, type ComputePath, type LinearMap } from './linear.ts';

/**
 * Geometric resampling for the ADA pipeline: every output pixel is a bicubic (4×4 taps) or
 * bilinear (2×2) mix of input pixels, read through reflection at the image's edges, so no pixel
 * of an augmented image comes from outside the image (nothing "leaks" into what D sees).
 *
 * Where and how each output pixel reads is worked out in JS from the per-image inverse matrices
 * (a few float64 operations per pixel) as a gather plan: for output row r, taps index[r·K + k]
 * with weights weight[r·K + k]. Applying a plan is linear in the image, so its gradient is the
 * adjoint map (each input pixel collects dy from the outputs that read it, with the same
 * weights), and the adjoint's gradient is the plan again: R1 through the augmentation (a double
 * backward) works. Two ways to apply a plan, the same maths (tests check them against each other):
 * - JS (cpu, wasm: tensors live in CPU memory): one pass over a copy of the data, and a scatter
 *   for the adjoint.
 * - device (webgl, webgpu): gatherND plus a weighted sum, and for the adjoint the same on the
 *   transposed plan (padded to the largest fan-in). tfjs's own gradient of a gather would need
 *   UnsortedSegmentSum, which wasm lacks; scatterND on webgl loops over every update per output.
 *
 * Deliberate differences from NVlabs's AugmentPipe:
 * - NVlabs upsamples 2× with a sym6 wavelet filter, samples bilinearly at 2× and filters back
 *   down. Here the sample is taken at the image's own resolution. Bilinear there blurs (a [½, ½]
 *   filter at half-pixel offsets); bicubic (Keys, a = −0.75, PyTorch's grid_sample constant)
 *   keeps about as much detail as NVlabs's path, slightly sharpened, for a quarter of its taps
 *   and no filter passes (measured in docs/parity.md, "ADA pipeline"). Bicubic and NVlabs's
 *   filters both ring a little: values can overshoot [-1, 1] near sharp edges.
 * - NVlabs caps its reflection padding at one image width and leaves grid_sample's zero fill
 *   beyond it (reached only by extreme zoom-out draws); here reflection is unbounded (the
 *   reflected image repeats), so no draw ever reads a zero.
 */

/** Which input rows each output row reads, and with what weights. */
export interface GatherPlan {
  /** Rows of the output. */
  readonly rows: number;
  /** Rows of the input the indices point into. */
  readonly sourceRows: number;
  /** Taps per output row (K). */
  readonly taps: number;
  /** rows × K input rows. */
  readonly index: Int32Array;
  /** rows × K weights (0 where a row has fewer than K real taps). */
  readonly weight: Float32Array;
  /** The adjoint plan, built on first use (the gradient). */
  adjoint?: GatherPlan;
}

/** Index k reflected into [0, n) without repeating the edge pixel (PyTorch's 'reflect' padding), repeated as far as k goes. */
export function reflectIndex(k: number, n: number): number {
  if (k >= 0 && k < n) return k;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = k % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/** How output pixels mix input pixels: bilinear (2×2 taps) or bicubic (4×4, PyTorch's a = −0.75). */
export type Interpolation = 'bilinear' | 'bicubic';

/** Keys's cubic convolution constant, as PyTorch's grid_sample and resize use it. */
const CUBIC_A = -0.75;

/**
 * Per-axis tap weights at fractional offset t ∈ [0, 1) from the tap at floor(coordinate) + the
 * kernel's first offset (0 for bilinear, −1 for bicubic), written into out[o …]. At t = 0 they
 * are exactly (1, 0) and (0, 1, 0, 0), so blits stay exact copies. Plain module functions, no
 * closures: this runs for every output pixel (a closure per call made the bicubic plan 25× slower).
 */
function bilinearWeights(t: number, out: Float64Array, o: number): void {
  out[o] = 1 - t;
  out[o + 1] = t;
}

function bicubicWeights(t: number, out: Float64Array, o: number): void {
  const A = CUBIC_A;
  const u0 = t + 1;
  const u1 = t;
  const u2 = 1 - t;
  const u3 = 2 - t;
  // Keys: ((A + 2)|x| − (A + 3))x² + 1 for |x| ≤ 1, ((A|x| − 5A)|x| + 8A)|x| − 4A for 1 < |x| < 2.
  out[o] = ((A * u0 - 5 * A) * u0 + 8 * A) * u0 - 4 * A;
  out[o + 1] = ((A + 2) * u1 - (A + 3)) * u1 * u1 + 1;
  out[o + 2] = ((A + 2) * u2 - (A + 3)) * u2 * u2 + 1;
  out[o + 3] = ((A * u3 - 5 * A) * u3 + 8 * A) * u3 - 4 * A;
}

/**
 * The resampling plan of a batch of [H, W] images, one inverse matrix per image (3×3 row-major,
 * `inverse[b·9 …]`): output pixel (row i, column j) reads the input at G⁻¹·(j − cx, i − cy, 1) +
 * (cx, cy), with (cx, cy) = ((W − 1)/2, (H − 1)/2): pixel coordinates about the image centre,
 * NVlabs's convention (affine_grid with align_corners = False, on images of the same size).
 * Taps outside the image are reflected in (reflectIndex), however far out they are.
 */
export function resamplePlan(inverse: Float64Array, batch: number, height: number, width: number, kind: Interpolation): GatherPlan {
  const n = kind === 'bilinear' ? 2 : 4;
  const first = kind === 'bilinear' ? 0 : -1;
  const axisWeights = kind === 'bilinear' ? bilinearWeights : bicubicWeights;
  const taps = n * n;
  const rows = batch * height * width;
  const index = new Int32Array(rows * taps);
  const weight = new Float32Array(rows * taps);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // Per output column and row of one image: tap positions and weights along that axis.
  const wx = new Float64Array(n);
  const wy = new Float64Array(n);
  const col = new Int32Array(n);
  const row = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    const m = inverse.subarray(b * 9, b * 9 + 6);
    const [m0, m1, m2, m3, m4, m5] = [m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!];
    const base = b * height * width;
    for (let i = 0; i < height; i++) {
      const yo = i - cy;
      for (let j = 0; j < width; j++) {
        const xo = j - cx;
        const sx = m0 * xo + m1 * yo + m2 + cx;
        const sy = m3 * xo + m4 * yo + m5 + cy;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        axisWeights(sx - x0, wx, 0);
        axisWeights(sy - y0, wy, 0);
        for (let k = 0; k < n; k++) {
          const xk = x0 + first + k;
          const yk = y0 + first + k;
          col[k] = xk >= 0 && xk < width ? xk : reflectIndex(xk, width);
          row[k] = base + (yk >= 0 && yk < height ? yk : reflectIndex(yk, height)) * width;
        }
        let o = (base + i * width + j) * taps;
        for (let ky = 0; ky < n; ky++) {
          const r = row[ky]!;
          const w = wy[ky]!;
          for (let kx = 0; kx < n; kx++, o++) {
            index[o] = r + col[kx]!;
            weight[o] = w * wx[kx]!;
          }
        }
      }
    }
  }
  return { rows, sourceRows: rows, taps, index, weight };
}

/** The transpose of a plan: input row s collects every (output row, weight) that reads s. Zero weights are dropped. */
function transpose(plan: GatherPlan): GatherPlan {
  const { rows, sourceRows, taps, index, weight } = plan;
  const fanIn = new Int32Array(sourceRows);
  for (let e = 0; e < rows * taps; e++) if (weight[e] !== 0) fanIn[index[e]!]!++;
  const k = Math.max(
    1,
    fanIn.reduce((a, v) => Math.max(a, v), 0),
  );
  const outIndex = new Int32Array(sourceRows * k);
  const outWeight = new Float32Array(sourceRows * k);
  const fill = new Int32Array(sourceRows);
  for (let e = 0; e < rows * taps; e++) {
    if (weight[e] === 0) continue;
    const s = index[e]!;
    const slot = s * k + fill[s]!++;
    outIndex[slot] = (e / taps) | 0;
    outWeight[slot] = weight[e]!;
  }
  const adjoint: GatherPlan = { rows: sourceRows, sourceRows: rows, taps: k, index: outIndex, weight: outWeight, adjoint: plan };
  return adjoint;
}

function adjointOf(plan: GatherPlan): GatherPlan {
  plan.adjoint ??= transpose(plan);
  return plan.adjoint;
}

/**
 * Device path (webgl, webgpu): out[r] = Σ_k weight[r, k] · x[index[r, k]] as one gatherND, a
 * broadcast multiply and a sum. gatherND, not gather: tf.gather of 131k rows took 32 ms on wasm
 * against 2.4 ms (checked there, where the JS path normally runs). The adjoint's plan is padded
 * to the largest fan-in (a zoom-in reads some input pixels from many outputs), so its upload is
 * the larger one.
 */
function gatherOnDevice(x: tf.Tensor2D, plan: GatherPlan): tf.Tensor2D {
  const channels = x.shape[1];
  const { rows, taps } = plan;
  const index = tf.tensor2d(plan.index, [rows * taps, 1], 'int32');
  const picked = tf.reshape(tf.gatherND(x, index), [rows, taps, channels]);
  return tf.sum(tf.mul(picked, tf.tensor3d(plan.weight, [rows, taps, 1])), 1) as tf.Tensor2D;
}

/** JS path, the same sum over a copy of x (RGB unrolled: the generic channel loop costs 3×). */
function gatherInJs(x: tf.Tensor2D, plan: GatherPlan): tf.Tensor2D {
  const channels = x.shape[1];
  const src = x.dataSync() as Float32Array;
  const out = new Float32Array(plan.rows * channels);
  const { rows, taps, index, weight } = plan;
  if (channels === 3) {
    for (let r = 0, k = 0; r < rows; r++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (const end = k + taps; k < end; k++) {
        const w = weight[k]!;
        const s = index[k]! * 3;
        s0 += w * src[s]!;
        s1 += w * src[s + 1]!;
        s2 += w * src[s + 2]!;
      }
      out[r * 3] = s0;
      out[r * 3 + 1] = s1;
      out[r * 3 + 2] = s2;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      for (let k = r * taps; k < (r + 1) * taps; k++) {
        const w = weight[k]!;
        const s = index[k]! * channels;
        for (let c = 0; c < channels; c++) out[r * channels + c]! += w * src[s + c]!;
      }
    }
  }
  return tf.tensor2d(out, [rows, channels]);
}

/** JS path of the adjoint: each output row's dy, scattered back to the rows it read. */
function scatterInJs(dy: tf.Tensor2D, plan: GatherPlan): tf.Tensor2D {
  const channels = dy.shape[1];
  const grad = dy.dataSync() as Float32Array;
  const out = new Float32Array(plan.sourceRows * channels);
  const { rows, taps, index, weight } = plan;
  if (channels === 3) {
    for (let r = 0, k = 0; r < rows; r++) {
      const [g0, g1, g2] = [grad[r * 3]!, grad[r * 3 + 1]!, grad[r * 3 + 2]!];
      for (const end = k + taps; k < end; k++) {
        const w = weight[k]!;
        const s = index[k]! * 3;
        out[s]! += w * g0;
        out[s + 1]! += w * g1;
        out[s + 2]! += w * g2;
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      for (let k = r * taps; k < (r + 1) * taps; k++) {
        const w = weight[k]!;
        const s = index[k]! * channels;
        for (let c = 0; c < channels; c++) out[s + c]! += w * grad[r * channels + c]!;
      }
    }
  }
  return tf.tensor2d(out, [plan.sourceRows, channels]);
}

/** The plan as a linear map with its adjoint, on the given path. */
export function planMap(plan: GatherPlan, path: ComputePath): LinearMap<tf.Tensor2D> {
  const check = (x: tf.Tensor2D, rows: number): void => {
    if (x.shape[0] !== rows) throw new Error(`gather plan expects ${rows} rows (got ${x.shape[0]})`);
  };
  if (path === 'js') {
    return {
      forward: (x) => (check(x, plan.sourceRows), gatherInJs(x, plan)),
      adjoint: (dy) => (check(dy, plan.rows), scatterInJs(dy, plan)),
    };
  }
  return {
    forward: (x) => (check(x, plan.sourceRows), gatherOnDevice(x, plan)),
    adjoint: (dy) => (check(dy, plan.rows), gatherOnDevice(dy, adjointOf(plan))),
  };
}

/** Resamples [B, H, W, C] images through per-image inverse matrices (see resamplePlan). */
export function resampleImages(images: tf.Tensor4D, inverse: Float64Array, kind: Interpolation, path: ComputePath = defaultPath()): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const map = planMap(resamplePlan(inverse, batch, height, width, kind), path);
  return tf.tidy(() => tf.reshape(applyLinear(tf.reshape(images, [-1, channels]) as tf.Tensor2D, map), images.shape) as tf.Tensor4D);
}
