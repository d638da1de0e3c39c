/**
 * Decoded RGBA → the float tensor the model sees: alpha composited over a background, centre crop
 * or letterbox, resized to res×res, NHWC float32 in [-1, 1].
 *
 * Resizing is separable (rows, then columns). Shrinking uses area averaging (a box filter whose
 * width is the scale factor), so a 4000-pixel photo brought down to 32 pixels averages every
 * source pixel instead of sampling a few and aliasing; enlarging uses bilinear interpolation.
 * Averaging happens in sRGB values, as browsers' canvas scaling does, so both decoders agree.
 */
import type { PreparedSet, PrepareOptions, RgbaImage } from './types.ts';

/** An integer pixel rectangle. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Which part of the source is used (`src`) and where it lands in the res×res output (`dst`). */
export function layout(width: number, height: number, opts: Pick<PrepareOptions, 'res' | 'fit'>): { src: Rect; dst: Rect } {
  const { res } = opts;
  if (opts.fit === 'center') {
    const side = Math.min(width, height);
    const src = { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side };
    return { src, dst: { x: 0, y: 0, w: res, h: res } };
  }
  const scale = res / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return { src: { x: 0, y: 0, w: width, h: height }, dst: { x: Math.floor((res - w) / 2), y: Math.floor((res - h) / 2), w, h } };
}

/** Whether preparing this image enlarges it (it then looks soft: worth a warning). */
export function isUpscaled(dims: { width: number; height: number }, opts: Pick<PrepareOptions, 'res' | 'fit'>): boolean {
  const used = opts.fit === 'center' ? Math.min(dims.width, dims.height) : Math.max(dims.width, dims.height);
  return used < opts.res;
}

/** For one output pixel along an axis: the first source index and the weights from there on. */
interface Tap {
  start: number;
  weights: number[];
}

/** Resampling weights for `dstLen` outputs drawn from source indices [srcStart, srcStart + srcLen). */
function axisTaps(srcStart: number, srcLen: number, dstLen: number): Tap[] {
  const f = srcLen / dstLen;
  const taps: Tap[] = [];
  for (let i = 0; i < dstLen; i++) {
    if (f > 1) {
      // Box filter: each source pixel counts by how much of it the output footprint [a, b) covers.
      const a = i * f;
      const b = Math.min(srcLen, (i + 1) * f);
      const first = Math.floor(a);
      const weights: number[] = [];
      for (let j = first; j < b; j++) weights.push((Math.min(b, j + 1) - Math.max(a, j)) / f);
      taps.push({ start: srcStart + first, weights });
    } else {
      // Bilinear: pixel centres aligned, edges clamped.
      const c = Math.min(srcLen - 1, Math.max(0, (i + 0.5) * f - 0.5));
      const j = Math.floor(c);
      const t = c - j;
      taps.push({ start: srcStart + j, weights: t > 0 && j + 1 < srcLen ? [1 - t, t] : [1] });
    }
  }
  return taps;
}

/**
 * Row pass: for each source row of `src`, the `dst.w` resampled RGB values, alpha already
 * composited over the background (compositing before averaging is exact for a fixed background).
 */
function resampleRows(img: RgbaImage, src: Rect, taps: Tap[], bg: readonly [number, number, number]): Float32Array {
  const { data, width } = img;
  const outW = taps.length;
  const tmp = new Float32Array(src.h * outW * 3);
  for (let y = 0; y < src.h; y++) {
    const row = (src.y + y) * width;
    for (let ox = 0; ox < outW; ox++) {
      const { start, weights } = taps[ox];
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < weights.length; k++) {
        const p = (row + start + k) * 4;
        const a = data[p + 3] / 255;
        const w = weights[k];
        r += w * (data[p] * a + bg[0] * (1 - a));
        g += w * (data[p + 1] * a + bg[1] * (1 - a));
        b += w * (data[p + 2] * a + bg[2] * (1 - a));
      }
      const q = (y * outW + ox) * 3;
      tmp[q] = r;
      tmp[q + 1] = g;
      tmp[q + 2] = b;
    }
  }
  return tmp;
}

const toUnit = (v: number): number => Math.min(1, Math.max(-1, v / 127.5 - 1));

/** Column pass: resample the row-pass output vertically into `dst` of the output image. */
function resampleColumns(tmp: Float32Array, srcTop: number, taps: Tap[], dst: Rect, res: number, out: Float32Array, offset: number): void {
  for (let oy = 0; oy < dst.h; oy++) {
    const { start, weights } = taps[oy];
    for (let ox = 0; ox < dst.w; ox++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let k = 0; k < weights.length; k++) {
        const q = ((start - srcTop + k) * dst.w + ox) * 3;
        r += weights[k] * tmp[q];
        g += weights[k] * tmp[q + 1];
        b += weights[k] * tmp[q + 2];
      }
      const o = offset + ((dst.y + oy) * res + dst.x + ox) * 3;
      out[o] = toUnit(r);
      out[o + 1] = toUnit(g);
      out[o + 2] = toUnit(b);
    }
  }
}

function fillBackground(out: Float32Array, offset: number, res: number, bg: readonly [number, number, number]): void {
  const [r, g, b] = bg.map(toUnit);
  for (let o = offset; o < offset + res * res * 3; o += 3) {
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
  }
}

/**
 * Writes `res*res*3` floats in [-1, 1] (NHWC, RGB) for `img` into `out` at `offset`.
 * Throws RangeError for an inconsistent image or a too-short `out` (a decoder bug, not bad input).
 */
export function prepareImage(img: RgbaImage, opts: PrepareOptions, out: Float32Array, offset: number): void {
  const { width, height } = img;
  if (!(width > 0 && height > 0) || img.data.length < width * height * 4) {
    throw new RangeError(`bad RGBA image: ${width}×${height} with ${img.data.length} bytes`);
  }
  if (offset < 0 || offset + opts.res * opts.res * 3 > out.length) throw new RangeError('output buffer too small');
  const { src, dst } = layout(width, height, opts);
  if (dst.w < opts.res || dst.h < opts.res) fillBackground(out, offset, opts.res, opts.background);
  const tmp = resampleRows(img, src, axisTaps(src.x, src.w, dst.w), opts.background);
  resampleColumns(tmp, src.y, axisTaps(src.y, src.h, dst.h), dst, opts.res, out, offset);
}

/**
 * The inverse for display and PNG writing: float RGB in [-1, 1] (NHWC) → opaque RGBA bytes.
 * `offset` is in floats; out-of-range values are clamped by the Uint8ClampedArray.
 */
export function rgbaFromFloat(src: Float32Array, width: number, height = width, offset = 0): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, o = offset; i < width * height; i++, o += 3) {
    rgba[i * 4] = (src[o] + 1) * 127.5;
    rgba[i * 4 + 1] = (src[o + 1] + 1) * 127.5;
    rgba[i * 4 + 2] = (src[o + 2] + 1) * 127.5;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** Image `index` of a prepared set, as RGBA (for thumbnails and nearest-neighbour views). */
export function imageFromSet(set: PreparedSet, index: number): RgbaImage {
  if (!(index >= 0 && index < set.count)) throw new RangeError(`no image ${index} in a set of ${set.count}`);
  const data = rgbaFromFloat(set.pixels, set.res, set.res, index * set.res * set.res * 3);
  return { width: set.res, height: set.res, data };
}
