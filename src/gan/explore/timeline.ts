/**
 * The run's timelapse: the fixed-latent grid kept at growing intervals (dense early, when
 * change is fast; sparse later), bounded in count, and written out as an animated GIF.
 */
import { applyPalette, GIFEncoder, quantize } from 'gifenc';
import type { GridImage } from './render.ts';

export interface TimelineFrame extends GridImage {
  step: number;
}

/** Frames kept at most; past it every other middle frame goes, keeping the spacing even in log-steps. */
export const MAX_FRAMES = 48;
/** Each capture waits for the step count to grow by this factor (and by MIN_GAP steps). */
const GROWTH = 1.25;
const MIN_GAP = 10;

export class Timeline {
  frames: TimelineFrame[] = [];
  private next = 0;

  /** Whether the grid at `step` should be kept. */
  due(step: number): boolean {
    return step >= this.next;
  }

  add(frame: TimelineFrame): void {
    this.frames.push({ ...frame, pixels: new Uint8ClampedArray(frame.pixels) });
    this.next = Math.max(frame.step + MIN_GAP, Math.ceil(frame.step * GROWTH));
    if (this.frames.length > MAX_FRAMES) this.frames = this.frames.filter((_, i, all) => i === 0 || i === all.length - 1 || i % 2 === 1);
  }

  /** Back to an earlier step (rollback, best snapshot): frames after it are of another run now. */
  truncate(step: number): void {
    this.frames = this.frames.filter((f) => f.step <= step);
    const last = this.frames[this.frames.length - 1];
    this.next = last ? Math.max(last.step + MIN_GAP, Math.ceil(last.step * GROWTH)) : 0;
  }

  clear(): void {
    this.frames = [];
    this.next = 0;
  }

  /** Frames from a saved run. */
  restore(frames: TimelineFrame[]): void {
    this.clear();
    for (const f of frames) this.add(f);
  }
}

/** Transparent gaps become the background colour: GIF has one-bit transparency at best. */
function flatten(pixels: Uint8ClampedArray, background: readonly [number, number, number]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels.length);
  for (let i = 0; i < pixels.length; i += 4) {
    const a = pixels[i + 3]! / 255;
    for (let c = 0; c < 3; c++) out[i + c] = pixels[i + c]! * a + background[c]! * (1 - a);
    out[i + 3] = 255;
  }
  return out;
}

/** Nearest-neighbour upscaling, so a 16-pixel grid is not a postage stamp in the GIF. */
function upscale(pixels: Uint8ClampedArray, width: number, height: number, k: number): Uint8ClampedArray {
  if (k === 1) return pixels;
  const out = new Uint8ClampedArray(width * k * height * k * 4);
  for (let y = 0; y < height * k; y++)
    for (let x = 0; x < width * k; x++)
      out.set(
        pixels.subarray((Math.floor(y / k) * width + Math.floor(x / k)) * 4, (Math.floor(y / k) * width + Math.floor(x / k)) * 4 + 4),
        (y * width * k + x) * 4,
      );
  return out;
}

/** An animated GIF of the frames, each with its own palette; the last frame lingers. */
export function timelineGif(frames: TimelineFrame[], delayMs = 200, background: readonly [number, number, number] = [255, 255, 255]): Uint8Array {
  if (frames.length === 0) throw new Error('the timeline is empty: train a few steps first');
  const gif = GIFEncoder();
  const k = Math.max(1, Math.floor(256 / frames[0]!.width));
  frames.forEach((f, i) => {
    const rgba = upscale(flatten(f.pixels, background), f.width, f.height, k);
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), f.width * k, f.height * k, { palette, delay: i === frames.length - 1 ? delayMs * 8 : delayMs, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}
