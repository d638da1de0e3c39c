/**
 * Memorisation check: for each generated sample, the closest training image.
 *
 * A GAN trained on a few hundred images can learn to replay them; a good SWD then says nothing
 * about whether it generalises. Comparing each sample with every training image on small,
 * normalised thumbnails finds replayed images cheaply: the thumbnail (8×8 by default) keeps
 * layout and colour but drops the pixel noise and small deformations that separate a replay from
 * its original, and zero-mean / unit-norm scaling ignores a global brightness or contrast change.
 * Distances therefore lie in [0, 2] (√(2 − 2·cos) between unit vectors) whatever the set.
 *
 * Brute force over the whole index: 256 samples against 4,000 images of 8×8×3 is about 0.2 G
 * multiply-adds, well under a second in plain JS, so no tree or tfjs is needed.
 */

import type { ImageSet } from './swd.ts';

/** Images as the engine sees them: NHWC res×res×3 in [-1, 1] (a `PreparedSet` fits). */

export interface NearestOptions {
  /** Thumbnail side in pixels; images smaller than this keep their own size. */
  size: number;
  /** A sample closer than this to a training image is a near copy (see `NEAR_COPY_THRESHOLD`). */
  threshold: number;
}

/**
 * Calibrated on the built-in shapes set with 8×8 thumbnails (bench/bench-metrics.ts prints the
 * table). Copies with Gaussian pixel noise of std 0.05 lie at ≤ 0.17, 0.09, 0.05 (16/32/64 px);
 * std 0.1 has a median of 0.13, 0.07, 0.04. The nearest *other* image lies at ≥ 0.23 in a
 * 256-image set (median 0.71) and above 0.20 for 99% of a 4,096-image set (median 0.56).
 * So 0.2 flags slightly damaged replays and leaves distinct images alone. A one-pixel shift is
 * flagged from 32 px on (median 0.23 at 32 px, 0.12 at 64 px); at 16 px it is 1/16 of the frame,
 * a different picture (0.43).
 */
export const NEAR_COPY_THRESHOLD = 0.2;

export const NEAREST_DEFAULTS: NearestOptions = { size: 8, threshold: NEAR_COPY_THRESHOLD };

export interface NearestIndex {
  readonly size: number;
  readonly count: number;
  readonly threshold: number;
  /** Per training image: its normalised thumbnail, size·size·3 values. */
  readonly features: Float32Array;
  /** Per training image: the squared norm of its stored thumbnail (1, or 0 for a flat image). */
  readonly norms: Float64Array;
}

export interface NearestMatch {
  /** Index of the closest training image. */
  index: number;
  /** Distance between normalised thumbnails, in [0, 2]. */
  distance: number;
  /** `distance < threshold`: the sample is likely a replay of that image. */
  nearCopy: boolean;
}

export interface NearestSummary {
  samples: number;
  /** Fraction of samples flagged as near copies. */
  nearCopyFraction: number;
  medianDistance: number;
}

export function buildIndex(set: ImageSet, options: Partial<NearestOptions> = {}): NearestIndex {
  const opts = { ...NEAREST_DEFAULTS, ...options };
  checkSet(set.pixels, set.count, set.res);
  if (!(Number.isInteger(opts.size) && opts.size >= 1)) throw new RangeError(`thumbnail size must be a positive integer (got ${opts.size})`);
  const size = Math.min(opts.size, set.res);
  const { features, norms } = thumbnails(set.pixels, set.count, set.res, size);
  return { size, count: set.count, threshold: opts.threshold, features, norms };
}

/** The closest training image for each of `count` samples (NHWC res×res×3 in [-1, 1]). */
export function nearest(index: NearestIndex, samples: Float32Array, count: number, res: number): NearestMatch[] {
  checkSet(samples, count, res);
  if (index.count === 0) throw new RangeError('the nearest-image index holds no training images');
  if (res < index.size) throw new RangeError(`samples of ${res} px are smaller than the index's ${index.size} px thumbnails`);
  const q = thumbnails(samples, count, res, index.size);
  const dim = index.size * index.size * 3;
  const out: NearestMatch[] = [];
  for (let s = 0; s < count; s++) {
    const { best, bestSq } = closest(index, q.features, s * dim, q.norms[s]);
    const distance = Math.sqrt(bestSq);
    out.push({ index: best, distance, nearCopy: distance < index.threshold });
  }
  return out;
}

export function summarizeMatches(matches: readonly NearestMatch[]): NearestSummary {
  const d = matches.map((m) => m.distance).sort((a, b) => a - b);
  const mid = d.length >> 1;
  const median = d.length === 0 ? NaN : d.length % 2 ? d[mid] : (d[mid - 1] + d[mid]) / 2;
  const copies = matches.filter((m) => m.nearCopy).length;
  return { samples: matches.length, nearCopyFraction: matches.length ? copies / matches.length : 0, medianDistance: median };
}

/**
 * Median distance from each of up to `limit` training images to its nearest *other* training
 * image: how close the data comes to itself, the scale against which a sample's distance reads
 * (a dataset with near-duplicates has a small one). Evenly spaced images, so no seed is needed.
 */
export function typicalGap(index: NearestIndex, limit = 256): number {
  const dim = index.size * index.size * 3;
  const step = Math.max(1, index.count / limit);
  const gaps: number[] = [];
  for (let f = 0; f < index.count && gaps.length < limit; f += step) {
    const i = Math.floor(f);
    const { bestSq } = closest(index, index.features, i * dim, index.norms[i], i);
    if (Number.isFinite(bestSq)) gaps.push(Math.sqrt(bestSq));
  }
  return summarizeMatches(gaps.map((distance) => ({ index: 0, distance, nearCopy: false }))).medianDistance;
}

/** Linear scan; squared distance from the dot product: |a|² + |b|² − 2a·b. */
function closest(index: NearestIndex, q: Float32Array, qo: number, qNorm: number, skip = -1): { best: number; bestSq: number } {
  const dim = index.size * index.size * 3;
  const f = index.features;
  let best = -1;
  let bestSq = Infinity;
  for (let i = 0; i < index.count; i++) {
    if (i === skip) continue;
    const fo = i * dim;
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += q[qo + k] * f[fo + k];
    // Rounding can leave a tiny negative for identical vectors; a distance is never below 0.
    const sq = Math.max(0, qNorm + index.norms[i] - 2 * dot);
    if (sq < bestSq) {
      bestSq = sq;
      best = i;
    }
  }
  // A NaN sample (diverged generator) matches nothing: report it as far from everything.
  if (best < 0 && index.count > (skip >= 0 ? 1 : 0)) return { best: 0, bestSq: NaN };
  return { best, bestSq };
}

/**
 * Box-filtered thumbnails, each made zero-mean and unit-norm over all its values. A pixel goes
 * to the cell its centre falls in, so any res ≥ size works (cells differ by at most one pixel
 * when size does not divide res). A flat image has no direction: it stays all zeros, at
 * distance 1 from every non-flat image.
 */
function thumbnails(pixels: Float32Array, count: number, res: number, size: number): { features: Float32Array; norms: Float64Array } {
  const dim = size * size * 3;
  const features = new Float32Array(count * dim);
  const norms = new Float64Array(count);
  const sums = new Float64Array(dim);
  const cellOf = Array.from({ length: res }, (_, y) => Math.floor(((y + 0.5) * size) / res));
  const perCell = new Float64Array(size * size);
  for (let y = 0; y < res; y++) for (let x = 0; x < res; x++) perCell[cellOf[y] * size + cellOf[x]]++;
  for (let n = 0; n < count; n++) {
    sums.fill(0);
    const base = n * res * res * 3;
    for (let y = 0; y < res; y++) {
      for (let x = 0; x < res; x++) {
        const cell = (cellOf[y] * size + cellOf[x]) * 3;
        const p = base + (y * res + x) * 3;
        for (let c = 0; c < 3; c++) sums[cell + c] += pixels[p + c];
      }
    }
    let mean = 0;
    for (let k = 0; k < dim; k++) mean += sums[k] /= perCell[Math.floor(k / 3)];
    mean /= dim;
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += (sums[k] - mean) ** 2;
    const scale = sq > 1e-12 ? 1 / Math.sqrt(sq) : 0;
    const row = features.subarray(n * dim, (n + 1) * dim);
    for (let k = 0; k < dim; k++) row[k] = (sums[k] - mean) * scale;
    // The norm of the stored float32 values, summed as in `closest`, so a copy is at exactly 0.
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += row[k] * row[k];
    norms[n] = norm;
  }
  return { features, norms };
}

function checkSet(pixels: Float32Array, count: number, res: number): void {
  if (!(Number.isInteger(res) && res >= 1 && Number.isInteger(count) && count >= 0 && pixels.length === count * res * res * 3)) {
    throw new RangeError(`expected ${count} images of ${res}×${res}×3 values (${count * res * res * 3}), got ${pixels.length}`);
  }
}
