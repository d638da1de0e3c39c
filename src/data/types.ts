/** Plain data types shared by the decoders (Worker and Node), the preparer and the engine. */

/** A decoded image: 8-bit RGBA, row-major, `data.length === width * height * 4`. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** One input file as raw bytes, before we know whether it is an image. */
export interface NamedBytes {
  /** Display name, relative path inside a folder or archive included (shown as text, never HTML). */
  name: string;
  bytes: Uint8Array;
}

/** Why a file was not taken: its name and a short, specific reason for a person. */
export type { Rejection } from '../contract/messages.ts';

/** How images become training tensors. */
export interface PrepareOptions {
  /** Output side in pixels. */
  res: number;
  /** Colour that transparent pixels are composited over, 0–255 RGB. */
  background: readonly [number, number, number];
  /** `center`: crop the largest centred square; `pad`: letterbox the whole image into a square. */
  fit: 'center' | 'pad';
}

export const DEFAULT_PREPARE: Omit<PrepareOptions, 'res'> = { background: [255, 255, 255], fit: 'center' };

/**
 * A prepared dataset: `count` images of res×res×3, NHWC, float32 in [-1, 1].
 * This is exactly what the model sees.
 */
export interface PreparedSet {
  res: number;
  count: number;
  pixels: Float32Array;
  names: string[];
}
