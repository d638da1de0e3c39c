/**
 * Sample diversity: how spread out a generator's samples are, relative to the dataset itself.
 *
 *   diversity = mean pairwise distance between samples / mean pairwise distance between dataset images
 *
 * Distances are plain L2 over pixels (NHWC floats in [-1, 1]), averaged over all unordered pairs
 * i < j. A collapsed generator (every sample the same image) scores 0; samples as varied as the
 * data score about 1. It says nothing about whether samples look right (SWD does that): it catches
 * mode collapse, which SWD only shows as "worse".
 *
 * Computed on the CPU in float64 from pixels already read back, so it needs no tensors and the
 * value of identical samples is exactly 0.
 */

/** Images per side the CLI and the tracker use: enough pairs (≥ 8k) for a steady mean, cheap at 64 px. */
export const DIVERSITY_IMAGES = 128;

/** Mean L2 distance over all pairs i < j of `count` images of `size` floats each in `pixels`. */
export function meanPairwiseDistance(pixels: Float32Array, count: number, size: number): number {
  if (count < 2) throw new Error('pairwise distance needs at least two images');
  if (pixels.length < count * size) throw new Error(`expected ${count * size} floats, got ${pixels.length}`);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const a = i * size;
    for (let j = i + 1; j < count; j++) {
      const b = j * size;
      let sq = 0;
      for (let k = 0; k < size; k++) {
        const d = pixels[a + k]! - pixels[b + k]!;
        sq += d * d;
      }
      total += Math.sqrt(sq);
    }
  }
  return total / ((count * (count - 1)) / 2);
}

/** The dataset side of the ratio: computed once per dataset (on at most `max` evenly spaced images). */
export function referenceSpread(set: { res: number; count: number; pixels: Float32Array }, max = DIVERSITY_IMAGES * 2): number {
  const size = set.res * set.res * 3;
  const n = Math.min(set.count, max);
  if (n === set.count) return meanPairwiseDistance(set.pixels, n, size);
  const picked = new Float32Array(n * size);
  const stride = set.count / n;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(i * stride);
    picked.set(set.pixels.subarray(j * size, (j + 1) * size), i * size);
  }
  return meanPairwiseDistance(picked, n, size);
}

/** Samples' mean pairwise distance over the dataset's (`reference`, from `referenceSpread`). */
export function sampleDiversity(samples: Float32Array, count: number, res: number, reference: number): number {
  if (!(reference > 0)) throw new Error('the dataset has no spread (all images identical?)');
  return meanPairwiseDistance(samples, count, res * res * 3) / reference;
}
