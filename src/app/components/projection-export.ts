/**
 * The interpolation strip as an animated GIF, made in the page from the strip as drawn (its
 * own pixels, like the PNG export): the frames there and back, enlarged with nearest-neighbour
 * so a 16-pixel frame is not a postage stamp, each frame with its own palette.
 */
import { applyPalette, GIFEncoder, quantize } from 'gifenc';

/** Frames sit side by side with a one-pixel gap (as the explorer draws the strip). */
export function stripFrames(pixels: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray[] {
  const side = height;
  const count = Math.round((width + 1) / (side + 1));
  return Array.from({ length: count }, (_, f) => {
    const out = new Uint8ClampedArray(side * side * 4);
    for (let y = 0; y < side; y++) out.set(pixels.subarray((y * width + f * (side + 1)) * 4, (y * width + f * (side + 1) + side) * 4), y * side * 4);
    return out;
  });
}

function enlarge(frame: Uint8ClampedArray, side: number, k: number): Uint8ClampedArray {
  const big = side * k;
  const out = new Uint8ClampedArray(big * big * 4);
  for (let y = 0; y < big; y++)
    for (let x = 0; x < big; x++) {
      const from = (Math.floor(y / k) * side + Math.floor(x / k)) * 4;
      out.set(frame.subarray(from, from + 4), (y * big + x) * 4);
      out[(y * big + x) * 4 + 3] = 255; // GIF frames are opaque
    }
  return out;
}

/** A looping GIF of the frames, forward then back, `delayMs` apart. */
export function stripGif(frames: Uint8ClampedArray[], side: number, delayMs = 160): Uint8Array {
  const k = Math.max(1, Math.floor(256 / side));
  const order = [...frames.keys(), ...[...frames.keys()].slice(1, -1).reverse()];
  const gif = GIFEncoder();
  for (const i of order) {
    const rgba = enlarge(frames[i]!, side, k);
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), side * k, side * k, { palette, delay: delayMs, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}
