import { describe, expect, it } from 'vitest';
import { DEFAULT_PROCEDURAL_COUNT, makeProcedural, makeShapes, PROCEDURAL_NAMES } from '../../src/data/builtin/procedural.ts';

const image = (pixels: Float32Array, res: number, i: number): Float32Array => pixels.subarray(i * res * res * 3, (i + 1) * res * res * 3);
const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

describe('procedural "shapes" set', () => {
  it('has the requested shape, names and range', () => {
    const set = makeShapes({ res: 16, count: 10 });
    expect(set.res).toBe(16);
    expect(set.count).toBe(10);
    expect(set.pixels.length).toBe(10 * 16 * 16 * 3);
    expect(set.names[0]).toBe('shapes/0001');
    expect(new Set(set.names).size).toBe(10);
    expect(set.pixels.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(makeShapes({ res: 8 }).count).toBe(DEFAULT_PROCEDURAL_COUNT);
  });

  it('is deterministic in its seed', () => {
    const a = makeShapes({ res: 16, count: 8, seed: 7 });
    expect(same(makeShapes({ res: 16, count: 8, seed: 7 }).pixels, a.pixels)).toBe(true);
    expect(same(makeShapes({ res: 16, count: 8, seed: 8 }).pixels, a.pixels)).toBe(false);
    expect(same(makeProcedural('shapes', { res: 16, count: 8, seed: 7 }).pixels, a.pixels)).toBe(true);
    expect(PROCEDURAL_NAMES).toContain('shapes');
  });

  it('draws varied images with clear structure: pale backgrounds and saturated shapes', () => {
    const res = 32;
    const set = makeShapes({ res, count: 64 });
    const means = new Set<number>();
    for (let i = 0; i < set.count; i++) {
      const img = image(set.pixels, res, i);
      means.add(Math.round(mean(img) * 1000));
      let saturated = 0;
      let pale = 0;
      for (let p = 0; p < res * res; p++) {
        const [r, g, b] = img.subarray(p * 3, p * 3 + 3);
        const spread = Math.max(r, g, b) - Math.min(r, g, b);
        if (spread > 0.8) saturated++;
        if (Math.min(r, g, b) > 0.6) pale++;
      }
      expect(saturated, `image ${i} has a shape`).toBeGreaterThan(res * res * 0.03);
      expect(pale, `image ${i} has background`).toBeGreaterThan(res * res * 0.3);
    }
    expect(means.size).toBeGreaterThan(50); // not the same picture over and over
  });

  it('works at any resolution and refuses nonsense', () => {
    for (const res of [4, 16, 64]) expect(makeShapes({ res, count: 2 }).pixels.length).toBe(2 * res * res * 3);
    expect(makeShapes({ res: 16, count: 0 }).count).toBe(0);
    expect(() => makeShapes({ res: 0 })).toThrow(RangeError);
    expect(() => makeShapes({ res: 16, count: -1 })).toThrow(RangeError);
    expect(() => makeShapes({ res: 16.5 })).toThrow(RangeError);
  });
});
