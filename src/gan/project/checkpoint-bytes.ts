/**
 * Byte-level pieces of the project format: checksums, little-endian float32 packing, 8-bit
 * dataset quantisation and a PNG header peek. Pure functions on typed arrays.
 */

/**
 * FNV-1a 32 of `bytes[start, end)`, as 8 hex digits. Not cryptographic: it catches the damage
 * files actually suffer (a flipped bit, a truncated copy, a bad sector), fast enough to run over
 * every byte of a project on load (zip's own CRC is not checked by fflate).
 */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The file format is little-endian; typed arrays use the platform's order, so we check it once. */
export const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes `src` as little-endian float32 bytes at `out[offset…]`, every bit kept (-0, NaN payloads). */
export function writeFloat32LE(src: Float32Array, out: Uint8Array, offset: number, fast = PLATFORM_IS_LITTLE_ENDIAN): void {
  if (fast) {
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, src.length * 4);
  for (let i = 0; i < src.length; i++) view.setFloat32(i * 4, src[i], true);
}

/** Reads `count` little-endian float32s from `bytes[offset…]` into a new array of its own. */
export function readFloat32LE(bytes: Uint8Array, offset: number, count: number, fast = PLATFORM_IS_LITTLE_ENDIAN): Float32Array {
  const start = bytes.byteOffset + offset;
  // slice() copies, so any alignment of the source is fine and the result owns its buffer.
  if (fast) return new Float32Array(bytes.buffer.slice(start, start + count * 4));
  const view = new DataView(bytes.buffer, start, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for finite v and NaN for NaN or ±Infinity: one comparison per element.
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Prepared pixels in [-1, 1] → 0..255, a quarter of the size. data/prepare maps an 8-bit value v
 * to v / 127.5 - 1, so this inverts it exactly for images that were not resampled, and to within
 * half a grey level for those that were. Values outside [-1, 1] are clamped; NaN becomes 0.
 */
export function quantiseDataset(pixels: Float32Array): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const q = Math.round((pixels[i] + 1) * 127.5);
    out[i] = q > 255 ? 255 : q > 0 ? q : 0;
  }
  return out;
}

/** 0..255 → [-1, 1] with the same arithmetic as data/prepare, so a stored set trains identically. */
export function dequantiseDataset(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 127.5 - 1;
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes do not start like a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  if (PNG_SIGNATURE.some((b, i) => bytes[i] !== b) || IHDR.some((b, i) => bytes[12 + i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 24);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
