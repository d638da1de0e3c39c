/**
 * Built-in datasets drawn in code: nothing to download or decode, any resolution, the same images
 * for the same seed everywhere.
 *
 * "shapes": one to three flat-coloured discs, squares and rings on a soft two-colour gradient.
 * Chosen to be learnable by a small GAN within a few hundred steps (a handful of colours, simple
 * silhouettes, smooth backgrounds) yet varied enough that mode collapse is visible at a glance.
 * Edges are anti-aliased from signed distances, so the set looks clean at 16 px and at 64 px.
 */
import type { PreparedSet } from '../types.ts';

export const PROCEDURAL_NAMES = ['shapes'] as const;
export type ProceduralName = (typeof PROCEDURAL_NAMES)[number];

export interface ProceduralOptions {
  /** Side in pixels. */
  res: number;
  /** Number of images (default 256). */
  count?: number;
  /** Same seed, same images (default 1). */
  seed?: number;
}

export const DEFAULT_PROCEDURAL_COUNT = 256;

type Rgb = readonly [number, number, number];
type ShapeKind = 'disc' | 'square' | 'ring';

interface Shape {
  kind: ShapeKind;
  /** Centre and radius in pixels. */
  cx: number;
  cy: number;
  r: number;
  color: Rgb;
}

/** Pale paper-like pairs, so the shapes stand out and the background is easy to model. */
const BACKGROUNDS: readonly (readonly [Rgb, Rgb])[] = [
  [
    [246, 231, 216],
    [227, 238, 252],
  ],
  [
    [253, 240, 213],
    [243, 217, 228],
  ],
  [
    [232, 244, 234],
    [223, 232, 247],
  ],
  [
    [240, 236, 250],
    [252, 246, 232],
  ],
];

/** Six saturated colours far apart in hue. */
const INKS: readonly Rgb[] = [
  [228, 87, 46], // vermilion
  [23, 160, 158], // teal
  [245, 185, 20], // saffron
  [63, 81, 181], // indigo
  [106, 168, 62], // leaf
  [142, 68, 173], // plum
];

const KINDS: readonly ShapeKind[] = ['disc', 'square', 'ring'];

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; enough for pictures, and seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

function randomShapes(rand: () => number, res: number): Shape[] {
  const n = 1 + Math.floor(rand() * 3);
  const shapes: Shape[] = [];
  for (let i = 0; i < n; i++) {
    const r = res * (0.14 + rand() * 0.14);
    shapes.push({
      kind: pick(rand, KINDS),
      cx: r + rand() * (res - 2 * r),
      cy: r + rand() * (res - 2 * r),
      r,
      color: pick(rand, INKS),
    });
  }
  return shapes;
}

/** Signed distance in pixels from (x, y) to the shape's edge, negative inside. */
function distance(s: Shape, x: number, y: number): number {
  const dx = x - s.cx;
  const dy = y - s.cy;
  switch (s.kind) {
    case 'disc':
      return Math.sqrt(dx * dx + dy * dy) - s.r;
    case 'square':
      return Math.max(Math.abs(dx), Math.abs(dy)) - s.r * 0.85; // visually as heavy as a disc
    case 'ring':
      return Math.abs(Math.sqrt(dx * dx + dy * dy) - s.r * 0.8) - s.r * 0.2;
  }
}

/** A soft linear gradient between two pale colours, in any direction, as 0–255 RGB. */
function drawBackground(rand: () => number, res: number, rgb: Float32Array): void {
  const [from, to] = pick(rand, BACKGROUNDS);
  const angle = rand() * 2 * Math.PI;
  const gx = Math.cos(angle) / res;
  const gy = Math.sin(angle) / res;
  for (let y = 0; y < res; y++) {
    for (let x = 0; x < res; x++) {
      // Gradient parameter in [0, 1] along the chosen direction through the centre.
      const t = Math.min(1, Math.max(0, 0.5 + (x + 0.5 - res / 2) * gx + (y + 0.5 - res / 2) * gy));
      const o = (y * res + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = from[c] + (to[c] - from[c]) * t;
    }
  }
}

/** Paints a shape over `rgb`, only inside its bounding box, with coverage-based anti-aliasing. */
function drawShape(s: Shape, res: number, rgb: Float32Array): void {
  const x0 = Math.max(0, Math.floor(s.cx - s.r - 1));
  const x1 = Math.min(res, Math.ceil(s.cx + s.r + 1));
  const y0 = Math.max(0, Math.floor(s.cy - s.r - 1));
  const y1 = Math.min(res, Math.ceil(s.cy + s.r + 1));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const cover = Math.min(1, Math.max(0, 0.5 - distance(s, x + 0.5, y + 0.5)));
      if (cover === 0) continue;
      const o = (y * res + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] += (s.color[c] - rgb[o + c]) * cover;
    }
  }
}

/** Draws one image into `out` at `offset` as NHWC floats in [-1, 1]; `rgb` is scratch space. */
function drawImage(rand: () => number, res: number, rgb: Float32Array, out: Float32Array, offset: number): void {
  drawBackground(rand, res, rgb);
  for (const s of randomShapes(rand, res)) drawShape(s, res, rgb);
  for (let i = 0; i < rgb.length; i++) out[offset + i] = rgb[i] / 127.5 - 1;
}

/** The "shapes" set: `count` images of res×res, deterministic in `seed`. */
export function makeShapes(opts: ProceduralOptions): PreparedSet {
  const { res } = opts;
  const count = opts.count ?? DEFAULT_PROCEDURAL_COUNT;
  if (!(Number.isInteger(res) && res > 0 && Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`shapes needs a positive integer res and count (got res ${res}, count ${count})`);
  }
  const rand = rng(opts.seed ?? 1);
  const stride = res * res * 3;
  const pixels = new Float32Array(count * stride);
  const names: string[] = [];
  const rgb = new Float32Array(stride);
  for (let i = 0; i < count; i++) {
    drawImage(rand, res, rgb, pixels, i * stride);
    names.push(`shapes/${String(i + 1).padStart(4, '0')}`);
  }
  return { res, count, pixels, names };
}

/** A procedural set by name (the registry the dataset picker lists). */
export function makeProcedural(name: ProceduralName, opts: ProceduralOptions): PreparedSet {
  switch (name) {
    case 'shapes':
      return makeShapes(opts);
  }
}
