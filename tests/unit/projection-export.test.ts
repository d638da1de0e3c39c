import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { stripFrames, stripGif } from '../../src/app/components/projection-export.ts';

/** A strip of `n` frames of side `side`, one-pixel gaps: frame f is filled with colour (40f, 255 − 40f, 7). */
function strip(n: number, side: number) {
  const width = n * side + n - 1;
  const pixels = new Uint8ClampedArray(width * side * 4);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < width; x++) {
      const f = Math.floor(x / (side + 1));
      const gap = x % (side + 1) === side;
      pixels.set(gap ? [0, 0, 0, 0] : [40 * f, 255 - 40 * f, 7, 255], (y * width + x) * 4);
    }
  return { pixels, width, height: side };
}

describe('the interpolation as a GIF', () => {
  it('cuts the strip into its frames, gaps left out', () => {
    const s = strip(4, 3);
    const frames = stripFrames(s.pixels, s.width, s.height);
    expect(frames).toHaveLength(4);
    frames.forEach((f, i) => {
      expect(f.length).toBe(3 * 3 * 4);
      for (let p = 0; p < 9; p++) expect(Array.from(f.subarray(p * 4, p * 4 + 4))).toEqual([40 * i, 255 - 40 * i, 7, 255]);
    });
  });

  it('writes a looping GIF that plays the frames there and back, enlarged, in their colours', () => {
    const s = strip(5, 16);
    const bytes = stripGif(stripFrames(s.pixels, s.width, s.height), 16);
    const gif = new GifReader(bytes as Uint8Array<ArrayBuffer>);
    // 256 / 16: each pixel becomes 16×16; frames 0 1 2 3 4 3 2 1, then again.
    expect([gif.width, gif.height, gif.numFrames(), gif.loopCount()]).toEqual([256, 256, 8, 0]);
    const order = [0, 1, 2, 3, 4, 3, 2, 1];
    const rgba = new Uint8Array(256 * 256 * 4);
    order.forEach((f, i) => {
      gif.decodeAndBlitFrameRGBA(i, rgba);
      expect(Array.from(rgba.subarray(0, 3))).toEqual([40 * f, 255 - 40 * f, 7]);
      expect(Array.from(rgba.subarray(rgba.length - 4, rgba.length - 1))).toEqual([40 * f, 255 - 40 * f, 7]);
    });
  });
});
