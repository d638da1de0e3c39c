import { describe, expect, it } from 'vitest';
import { contactSheet, meanImage } from '../../src/data/preview.ts';
import type { PreparedSet } from '../../src/data/types.ts';

/** Image i is a flat grey of level v_i. */
function flatSet(levels: number[], res = 4): PreparedSet {
  const size = res * res * 3;
  const pixels = new Float32Array(levels.length * size);
  levels.forEach((v, i) => pixels.fill(v, i * size, (i + 1) * size));
  return { res, count: levels.length, pixels, names: levels.map((_, i) => `i${i}`) };
}

describe('dataset preview', () => {
  it('lays thumbnails out in rows with gaps, at the model resolution', () => {
    const sheet = contactSheet(flatSet([-1, 0, 1], 4), 64, 2);
    expect([sheet.width, sheet.height]).toEqual([2 * 5 - 1, 2 * 5 - 1]);
    const px = (x: number, y: number) => Array.from(sheet.data.subarray((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 4));
    expect(px(0, 0)).toEqual([0, 0, 0, 255]); // image 0: -1 → black
    expect(px(5, 0)).toEqual([128, 128, 128, 255]); // image 1: 0 → mid grey
    expect(px(0, 5)).toEqual([255, 255, 255, 255]); // image 2 starts the second row
    expect(px(4, 0)[3]).toBe(0); // the gap is transparent
    expect(px(5, 5)[3]).toBe(0); // no fourth image
  });

  it('caps the number of thumbnails', () => {
    const sheet = contactSheet(flatSet(Array(100).fill(0), 2), 10, 5);
    expect(sheet.height).toBe(2 * 3 - 1);
  });

  it('averages every image into the mean image', () => {
    const mean = meanImage(flatSet([-1, 1, 1, -1, 0.5], 2));
    expect(mean.data[0]).toBe(Math.round((0.1 + 1) * 127.5));
    expect(mean.data[3]).toBe(255);
  });
});
