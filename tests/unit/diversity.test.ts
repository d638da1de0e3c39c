import { describe, expect, it } from 'vitest';
import { meanPairwiseDistance, referenceSpread, sampleDiversity } from '../../src/gan/metrics/diversity.ts';
import { Rng } from '../../src/gan/nn/random.ts';
import { COLLAPSE_DIVERSITY, collapseWarning } from '../../src/contract/metrics.ts';

const RES = 4;
const SIZE = RES * RES * 3;

/** `count` images whose every pixel is `value(i)`. */
function constants(values: number[]): Float32Array {
  const out = new Float32Array(values.length * SIZE);
  values.forEach((v, i) => out.fill(v, i * SIZE, (i + 1) * SIZE));
  return out;
}

function noise(count: number, seed: number): Float32Array {
  return new Rng(seed).normals(count * SIZE, 0.5);
}

describe('sample diversity', () => {
  it('mean pairwise distance of images on a line is the mean |i − j| times the step length', () => {
    // Images 0, 0.1, 0.2, 0.3 everywhere: pair distances |i − j|·0.1·√SIZE, |i − j| over the six pairs = 1, 2, 3, 1, 2, 1.
    const d = meanPairwiseDistance(constants([0, 0.1, 0.2, 0.3]), 4, SIZE);
    expect(d).toBeCloseTo((10 / 6) * 0.1 * Math.sqrt(SIZE), 5);
  });

  it('is 0 for identical samples (collapse) and 1 for samples that are the dataset', () => {
    const data = noise(20, 1);
    const spread = referenceSpread({ res: RES, count: 20, pixels: data });
    const one = data.subarray(3 * SIZE, 4 * SIZE);
    const same = new Float32Array(16 * SIZE);
    for (let i = 0; i < 16; i++) same.set(one, i * SIZE);
    expect(sampleDiversity(same, 16, RES, spread)).toBe(0);
    expect(sampleDiversity(data, 20, RES, spread)).toBeCloseTo(1, 12);
  });

  it('scales with the samples: twice the spread reads 2, and independent draws like the data read ≈ 1', () => {
    const data = noise(20, 1);
    const spread = referenceSpread({ res: RES, count: 20, pixels: data });
    expect(
      sampleDiversity(
        data.map((v) => 2 * v),
        20,
        RES,
        spread,
      ),
    ).toBeCloseTo(2, 5);
    // Fresh Gaussian images of the same σ: E‖a − b‖ is the same for both sets, so the ratio is near 1.
    const other = noise(200, 2);
    expect(sampleDiversity(other, 200, RES, referenceSpread({ res: RES, count: 200, pixels: noise(200, 3) }))).toBeGreaterThan(0.97);
    expect(sampleDiversity(other, 200, RES, referenceSpread({ res: RES, count: 200, pixels: noise(200, 3) }))).toBeLessThan(1.03);
  });

  it('describes a large dataset by evenly spaced images', () => {
    // Ten images 0, 1, …, 9 (as constants); at most 5 taken: 0, 2, 4, 6, 8 → mean |i − j| = 2·(mean over 0..4) = 2·2.
    const spread = referenceSpread({ res: RES, count: 10, pixels: constants([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }, 5);
    expect(spread).toBeCloseTo(4 * Math.sqrt(SIZE), 5);
  });

  it('refuses fewer than two images or a dataset without spread', () => {
    expect(() => meanPairwiseDistance(new Float32Array(SIZE), 1, SIZE)).toThrow(/two images/);
    expect(() => sampleDiversity(noise(4, 1), 4, RES, 0)).toThrow(/no spread/);
  });
});

describe('the collapse warning', () => {
  it('warns below the threshold only', () => {
    expect(COLLAPSE_DIVERSITY).toBe(0.5);
    expect(collapseWarning({ diversity: 0.13 })).toBe(true);
    expect(collapseWarning({ diversity: 0.49 })).toBe(true);
    expect(collapseWarning({ diversity: 0.5 })).toBe(false);
    expect(collapseWarning({ diversity: 0.9 })).toBe(false);
    // An untrained generator's noise reads above 1: no warning at the start of a run.
    expect(collapseWarning({ diversity: 3.5 })).toBe(false);
  });

  it('stays quiet while diversity is unknown', () => {
    expect(collapseWarning(undefined)).toBe(false);
    expect(collapseWarning({ diversity: NaN })).toBe(false);
  });
});
