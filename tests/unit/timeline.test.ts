import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { MAX_FRAMES, Timeline, timelineGif, type TimelineFrame } from '../../src/gan/explore/timeline.ts';

const frame = (step: number, value: number): TimelineFrame => ({
  step,
  width: 4,
  height: 4,
  pixels: new Uint8ClampedArray(64).fill(value).map((v, i) => (i % 4 === 3 ? 255 : v)),
});

describe('timeline', () => {
  it('captures densely early and sparsely later, and stays bounded', () => {
    const t = new Timeline();
    for (let step = 0; step <= 200_000; step++) if (t.due(step)) t.add(frame(step, step % 255));
    const steps = t.frames.map((f) => f.step);
    expect(steps[0]).toBe(0);
    expect(steps[1]).toBe(10);
    expect(t.frames.length).toBeLessThanOrEqual(MAX_FRAMES);
    const gaps = steps.slice(1).map((s, i) => s - steps[i]!);
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]! * 100);
  });

  it('drops frames after a rollback', () => {
    const t = new Timeline();
    for (const s of [0, 10, 20, 40]) t.add(frame(s, 1));
    t.truncate(25);
    expect(t.frames.map((f) => f.step)).toEqual([0, 10, 20]);
    expect([t.due(26), t.due(30)]).toEqual([false, true]);
  });

  it('writes an animated GIF that decodes to one frame per snapshot, upscaled, with the right colours', () => {
    const gif = timelineGif([frame(0, 0), frame(10, 128), frame(20, 255)]);
    const reader = new GifReader(Buffer.from(gif));
    expect(reader.numFrames()).toBe(3);
    expect(reader.width).toBe(256);
    const rgba = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(1, rgba);
    expect(Math.abs(rgba[0]! - 128)).toBeLessThan(8);
    expect(reader.frameInfo(2).delay).toBeGreaterThan(reader.frameInfo(0).delay);
  });
});
