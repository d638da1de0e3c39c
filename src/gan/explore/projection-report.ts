/**
 * What a projection's numbers mean: yardsticks a person can read the final distance against.
 * - The mirror distance: the pyramid distance between the target and its own left-right mirror
 *   image, the difference of a picture that is "the same thing, not the same pixels". A fit
 *   within 2× of it is as close as a mirrored copy; far above it, the generator only found
 *   something near the picture.
 * - The nearest training image (metrics/nearest.ts, 8×8 normalised thumbnails) against the set's
 *   typical gap (the median distance of a training image to its nearest other one): a target
 *   much farther from every training image than they are from each other lies outside what the
 *   generator was taught, and the page says so.
 * Plain typed arrays; NHWC res×res×3 in [-1, 1].
 */
import type { PreparedSet } from '../../data/types.ts';
import { buildIndex, nearest, typicalGap } from '../metrics/nearest.ts';
import { pyramidDistances } from '../metrics/ppl.ts';
import { PYRAMID_MIN_RES } from './projection-distance.ts';

/** A target farther than this many typical gaps from every training image is far from the set. */
export const FAR_FROM_SET = 1.5;

/** The target minus its mirror image, through the same pyramid distance as the projection. */
export function mirrorDistance(target: Float32Array, res: number): number {
  const diff = new Float32Array(target.length);
  for (let y = 0; y < res; y++)
    for (let x = 0; x < res; x++)
      for (let c = 0; c < 3; c++) {
        const i = (y * res + x) * 3 + c;
        diff[i] = target[i]! - target[(y * res + (res - 1 - x)) * 3 + c]!;
      }
  return pyramidDistances(diff, 1, res, PYRAMID_MIN_RES)[0]!;
}

export interface NearestTraining {
  index: number;
  distance: number;
  typicalGap: number;
  far: boolean;
}

/** The training image nearest the target, and whether the target lies far outside the set (undefined for an empty set). */
export function nearestTraining(set: PreparedSet, target: Float32Array): NearestTraining | undefined {
  if (set.count === 0) return undefined;
  const index = buildIndex(set);
  const [match] = nearest(index, target, 1, set.res);
  // A one-image set has no gap of its own; then only a distance near the maximum counts as far.
  const gap = set.count > 1 ? typicalGap(index) : NaN;
  const far = Number.isFinite(gap) ? match!.distance > FAR_FROM_SET * gap : match!.distance > 1;
  return { index: match!.index, distance: match!.distance, typicalGap: gap, far };
}
