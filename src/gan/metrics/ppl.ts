/**
 * Perceptual path length (Karras et al. 2019, StyleGAN §4.2 and their
 * `metrics/perceptual_path_length.py`): how much the image changes for a small step along a
 * latent path. A smooth latent space, where nearby latents give nearby images, has a low PPL.
 *
 * For each of N pairs of latents (z₀, z₁) and t ~ U(0, 1), the two points at t and t + ε on the
 * path between them are rendered, d is the distance between the two images, and
 * PPL = E[d / ε²] after dropping pairs outside the 1st–99th percentile of d (the paper's outlier
 * rejection: a few pairs land on a seam of the generator and would dominate the mean).
 * - StyleGAN: paths are straight lines in W (lerp after the mapping network), the paper's
 *   PPL_w; the per-pixel noise is the same fixed draw for both images of a pair, as the
 *   paper's `randomize_noise=False`. Other models, with only z: great circles (slerp) in z.
 * - Distance: a Laplacian pyramid of the difference of the two images (pyramid.ts, down to
 *   4 px), the mean square of each band over its values, summed over levels. The pyramid is
 *   linear, so the bands of the difference are the differences of the bands. It plays the part
 *   of LPIPS's layers of VGG features: each band holds the change at one scale, so a change of
 *   coarse shape and a change of fine texture are measured apart and each level weighs the same
 *   whatever its pixel count; and it needs no weights (no network can be downloaded here).
 *   D's features were not used: D changes with every step, so PPL at step 1,000 and at step
 *   2,000 would be measured with different rulers, and it is no better defined where D is weak.
 *   Pixels are in [-1, 1], so d is on the scale of a squared pixel difference per value.
 * - ε = 1e-2, not the paper's 1e-4: the two images are separate float32 forward passes, and
 *   their difference is about ε·|∂G/∂t|; rounding in tens of layers leaves ~1e-6 of noise per
 *   pixel, more on GPU backends (fused, reordered, sometimes half-precision textures on WebGL),
 *   which at ε = 1e-4 becomes a visible share of the step, and is squared in d. At 1e-2 it is
 *   negligible, and the finite-difference bias is small: on WASM, tiny-preset models after 20
 *   steps gave PPL at ε = 1e-2 within 1% (DCGAN 16 and 32 px: 0.7%, 0.9%) and 0.3% (StyleGAN) of ε = 1e-4.
 *   `epsilon` is an option for anyone who wants to compare.
 * - DCGAN's G normalises with batch statistics (it keeps no running averages), so its images,
 *   and its PPL, depend a little on the chunk: keep `chunk` fixed when comparing numbers.
 * - No centre crop (the paper crops faces to the face): our images are 16–64 px and the
 *   whole frame is the picture.
 *
 * Runs in chunks of `chunk` pairs, each under tf.tidy and read back once, so memory stays
 * bounded and a caller can interleave other work between chunks.
 */
import * as tf from '@tensorflow/tfjs';
import { isStyleGan, mixStyles, type NoiseMode } from '../nn/models/stylegan.ts';
import { Rng } from '../nn/random.ts';
import type { GanTrainer } from '../train/trainer.ts';
import { laplacianPyramid, pyramidLevels } from './pyramid.ts';

export type PathSpace = 'w' | 'z';

/** A generator seen as a latent space and a renderer; `pathModelOf` makes one from a trainer. */
export interface PathModel {
  readonly space: PathSpace;
  readonly zDim: number;
  readonly res: number;
  /** z [B, zDim] → the endpoints of paths in the space: w = mapping(z) for W; z itself for z. */
  embed(z: tf.Tensor2D): tf.Tensor2D;
  /**
   * Points of the space [B, D] → images [B, R, R, 3]. Must be deterministic: row i of two
   * calls with batches of the same size gets the same noise, so only the latent differs.
   */
  render(points: tf.Tensor2D): tf.Tensor4D;
}

export interface PplOptions {
  /** Pairs of latents (paper: 100,000; a few hundred give a stable number at our scale). */
  pairs: number;
  /** Step along the path (paper: 1e-4; see the module comment for 1e-2). */
  epsilon: number;
  /** Pairs per forward pass and read-back. */
  chunk: number;
  /** Seed of the latents and of t: the same seed and weights give the same number. */
  seed: number;
  /** Coarsest pyramid level in pixels. */
  minRes: number;
}

export const PPL_DEFAULTS: PplOptions = { pairs: 256, epsilon: 1e-2, chunk: 32, seed: 1, minRes: 4 };

export interface PplSummary {
  /** E[d/ε²] over the pairs within the 1st–99th percentile: the PPL. NaN if any pair is not finite. */
  mean: number;
  /** Median and 90th percentile of d/ε² over all pairs: the spread the UI shows. */
  median: number;
  p90: number;
  /** Pairs measured, and pairs kept by the outlier rejection. */
  pairs: number;
  kept: number;
}

export interface PplResult extends PplSummary {
  space: PathSpace;
  /** d/ε² per pair, in draw order. */
  values: Float64Array;
}

/** The paper's outlier rejection and mean, plus the median and p90 of all values. */
export function summarize(values: ArrayLike<number>): PplSummary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { mean: NaN, median: NaN, p90: NaN, pairs: 0, kept: 0 };
  if (!sorted.every(Number.isFinite)) return { mean: NaN, median: NaN, p90: NaN, pairs: n, kept: 0 };
  // np.percentile(d, 1, interpolation='lower') and (d, 99, interpolation='higher').
  const lo = sorted[Math.floor(0.01 * (n - 1))];
  const hi = sorted[Math.ceil(0.99 * (n - 1))];
  let sum = 0;
  let kept = 0;
  for (const v of sorted) {
    if (v >= lo && v <= hi) {
      sum += v;
      kept++;
    }
  }
  return { mean: sum / kept, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), pairs: n, kept };
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return f === 0 ? sorted[i] : sorted[i] * (1 - f) + sorted[i + 1] * f;
}

/**
 * The perceptual distance of each image in `diff` (NHWC, res×res×3): the mean square of each
 * Laplacian band down to `minRes`, summed over bands.
 */
export function pyramidDistances(diff: Float32Array, count: number, res: number, minRes: number): Float64Array {
  const levels = pyramidLevels(res, Math.min(minRes, res));
  const bands = laplacianPyramid(diff, count, levels);
  const out = new Float64Array(count);
  levels.forEach((r, l) => {
    const size = r * r * 3;
    for (let n = 0; n < count; n++) {
      let sq = 0;
      for (let k = n * size; k < (n + 1) * size; k++) sq += bands[l][k] * bands[l][k];
      out[n] += sq / size;
    }
  });
  return out;
}

/** Rows a·(1 − t) + b·t, with t [B, 1]. */
function lerp(a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(a, tf.mul(tf.sub(b, a), t)));
}

/**
 * Row-wise spherical interpolation with t [B, 1] (the paper's `slerp`: the direction turns at
 * a constant rate from a to b). The paper's latents are unit vectors; ours are raw N(0, I), so
 * the length is interpolated linearly and the point stays on the shell G was trained on.
 */
export function slerpRows(a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const length = (x: tf.Tensor) => tf.norm(x, 'euclidean', 1, true) as tf.Tensor2D;
    const unit = (x: tf.Tensor) => tf.div(x, tf.maximum(length(x), 1e-12));
    const [na, nb] = [unit(a), unit(b)];
    const d = tf.clipByValue(tf.sum(tf.mul(na, nb), 1, true), -1, 1);
    const angle = tf.mul(tf.acos(d), t);
    const c = unit(tf.sub(nb, tf.mul(d, na)));
    const dir = tf.add(tf.mul(na, tf.cos(angle)), tf.mul(c, tf.sin(angle)));
    return tf.mul(dir, lerp(length(a), length(b), t));
  });
}

/** image(t + ε) − image(t) for one chunk of pairs, as a tensor to read back. */
function chunkDifference(model: PathModel, z0: tf.Tensor2D, z1: tf.Tensor2D, t: tf.Tensor2D, epsilon: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [e0, e1] = [model.embed(z0), model.embed(z1)];
    const along = model.space === 'w' ? lerp : slerpRows;
    const a = model.render(along(e0, e1, t));
    const b = model.render(along(e0, e1, tf.add(t, epsilon)));
    return tf.sub(b, a);
  });
}

/**
 * PPL of `model` over `options.pairs` seeded pairs. `between` runs after each chunk (the
 * Worker can let messages through there); all latents and t are drawn up front, so the
 * result does not depend on the chunk size.
 */
export async function pathLength(model: PathModel, options: Partial<PplOptions> = {}, between?: () => Promise<void>): Promise<PplResult> {
  const o = { ...PPL_DEFAULTS, ...options };
  if (!(Number.isInteger(o.pairs) && o.pairs > 0 && Number.isInteger(o.chunk) && o.chunk > 0))
    throw new RangeError(`pairs and chunk must be positive integers (got ${o.pairs}, ${o.chunk})`);
  if (!(o.epsilon > 0 && o.epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1) (got ${o.epsilon})`);
  const rng = new Rng(o.seed);
  const zs = rng.normals(2 * o.pairs * model.zDim);
  const ts = Float32Array.from({ length: o.pairs }, () => rng.next());
  const values = new Float64Array(o.pairs);
  for (let start = 0; start < o.pairs; start += o.chunk) {
    const n = Math.min(o.chunk, o.pairs - start);
    const diff = tf.tidy(() => {
      const z = (offset: number) => tf.tensor2d(zs.subarray((offset + start) * model.zDim, (offset + start + n) * model.zDim), [n, model.zDim]);
      return chunkDifference(model, z(0), z(o.pairs), tf.tensor2d(ts.subarray(start, start + n), [n, 1]), o.epsilon);
    });
    const pixels = (await diff.data()) as Float32Array;
    diff.dispose();
    const d = pyramidDistances(pixels, n, model.res, o.minRes);
    for (let i = 0; i < n; i++) values[start + i] = d[i] / (o.epsilon * o.epsilon);
    if (between && start + n < o.pairs) await between();
  }
  return { space: model.space, values, ...summarize(values) };
}

/** Fixed noise for every StyleGAN rendering of PPL (the paper's `randomize_noise=False`). */
const PPL_NOISE: NoiseMode = { seed: 0x991 };

/**
 * The displayed generator (StyleGAN: the EMA weights, fixed noise) as a PathModel: in W for
 * StyleGAN unless `space` asks for z; in z for every model without a mapping network.
 */
export function pathModelOf(trainer: GanTrainer, space?: PathSpace): PathModel {
  const { zDim, res } = trainer.model;
  const style = trainer.styleTraining;
  if (style && isStyleGan(style.model) && space !== 'z') {
    const model = style.model;
    const broadcast = model.layerResolutions.map(() => false);
    return {
      space: 'w',
      zDim,
      res,
      embed: (z) => style.withAverage(() => model.mapping(z)),
      render: (w) => style.withAverage(() => tf.tidy(() => model.synthesis(mixStyles(w, w, broadcast), PPL_NOISE))),
    };
  }
  return {
    space: 'z',
    zDim,
    res,
    embed: (z) => tf.clone(z),
    // StyleGAN in z: the EMA generator with its grid noise, the same for both images of a pair.
    render: (z) => trainer.generate(z),
  };
}
