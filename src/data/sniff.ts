/**
 * Recognises image files by their content (never by their name) and reads their size from the
 * header, so a bad file is turned away with a specific reason before anything is decoded.
 * Pure: bytes in, plain values out.
 */
import { msg, type Message } from '../contract/messages.ts';
import type { NamedBytes } from './types.ts';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'heic' | 'avif' | 'tiff' | 'svg' | 'unknown';
/** The formats a browser decodes natively; the rest are recognised only to explain the refusal. */
export type DecodableFormat = Extract<ImageFormat, 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp'>;

/** Largest image we accept, by header dimensions: decoded RGBA costs 4 bytes per pixel (50 MP = 200 MB). */
export const MAX_IMAGE_PIXELS = 50e6;
/** Largest single file we read: 64 MiB covers any camera photo; beyond that it is rarely an image. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface FileLimits {
  maxPixels: number;
  maxBytes: number;
}
export const DEFAULT_FILE_LIMITS: FileLimits = { maxPixels: MAX_IMAGE_PIXELS, maxBytes: MAX_FILE_BYTES };

export interface Dimensions {
  width: number;
  height: number;
}

export type FileCheck = { ok: true; format: DecodableFormat; width?: number; height?: number } | { ok: false; reason: Message };

/** Human name of a format, as people know it. */
export const FORMAT_LABEL: Record<ImageFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  heic: 'HEIC',
  avif: 'AVIF',
  tiff: 'TIFF',
  svg: 'SVG',
  unknown: 'unknown',
};

/** Recognised but refused, each with the advice a person needs. */
const UNSUPPORTED: Partial<Record<ImageFormat, Message>> = {
  heic: msg('file.convert', { format: 'HEIC', a: 'JPEG', b: 'PNG' }),
  avif: msg('file.convert', { format: 'AVIF', a: 'JPEG', b: 'PNG' }),
  tiff: msg('file.convert', { format: 'TIFF', a: 'PNG', b: 'JPEG' }),
  svg: msg('file.svg'),
};

// ---- byte helpers -------------------------------------------------------------------------

const u16be = (b: Uint8Array, p: number): number => (b[p] << 8) | b[p + 1];
const u16le = (b: Uint8Array, p: number): number => b[p] | (b[p + 1] << 8);
const u24le = (b: Uint8Array, p: number): number => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
const u32be = (b: Uint8Array, p: number): number => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
const i32le = (b: Uint8Array, p: number): number => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);

/** Whether `text` (ASCII) sits at `offset`; our own, since the engine has no TextDecoder. */
export function hasAscii(bytes: Uint8Array, offset: number, text: string): boolean {
  if (offset < 0 || offset + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The first `max` bytes as a lower-case string, non-ASCII bytes kept as code points (only for sniffing). */
function asciiHead(bytes: Uint8Array, max: number): string {
  let s = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i]);
  return s.toLowerCase();
}

// ---- format detection ---------------------------------------------------------------------

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1'];

/** HEIC and AVIF are both ISO-BMFF files: an `ftyp` box whose brands name the codec. */
function sniffIsoBmff(bytes: Uint8Array): ImageFormat {
  const boxEnd = Math.min(bytes.length, u32be(bytes, 0), 256); // brands fit well within 256 bytes
  const brands: string[] = [];
  for (let p = 8; p + 4 <= boxEnd; p += p === 8 ? 8 : 4) brands.push(asciiHead(bytes.subarray(p, p + 4), 4));
  if (brands.some((b) => b === 'avif' || b === 'avis')) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.includes(b))) return 'heic';
  return 'unknown'; // a video or another ISO-BMFF file
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = asciiHead(bytes, 4096)
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trimStart();
  return head.startsWith('<') && head.includes('<svg');
}

/** The image format, from magic bytes alone. */
export function detectFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (hasAscii(bytes, 0, 'GIF87a') || hasAscii(bytes, 0, 'GIF89a')) return 'gif';
  if (hasAscii(bytes, 0, 'RIFF') && hasAscii(bytes, 8, 'WEBP')) return 'webp';
  if (hasAscii(bytes, 0, 'BM') && bytes.length >= 26) return 'bmp';
  if (hasAscii(bytes, 4, 'ftyp')) return sniffIsoBmff(bytes);
  if (hasAscii(bytes, 0, 'II*\0') || hasAscii(bytes, 0, 'MM\0*')) return 'tiff';
  if (looksLikeSvg(bytes)) return 'svg';
  return 'unknown';
}

// ---- header walkers -----------------------------------------------------------------------

export type WalkEnd = 'end' | 'truncated' | 'stopped';

/**
 * Visits PNG chunks in order (type, data offset, data length); `visit` returns true to stop.
 * A chunk is visited only when it is whole (length, type, data and CRC all present).
 */
function walkPng(bytes: Uint8Array, visit: (type: number, data: number, len: number) => boolean): WalkEnd {
  for (let p = 8; p + 8 <= bytes.length;) {
    const len = u32be(bytes, p);
    const type = u32be(bytes, p + 4);
    if (p + 12 + len > bytes.length) break;
    if (visit(type, p + 8, len)) return 'stopped';
    if (type === 0x49454e44) return 'end'; // IEND
    p += 12 + len;
  }
  return 'truncated';
}

/** Index of the marker that ends entropy-coded data (FF not followed by 00, RSTn or fill), or length. */
function skipEntropy(bytes: Uint8Array, p: number): number {
  for (let i = bytes.indexOf(0xff, p); i >= 0; i = bytes.indexOf(0xff, i + 1)) {
    const next = bytes[i + 1];
    if (next === undefined) return bytes.length;
    if (next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return i;
  }
  return bytes.length;
}

/**
 * Visits JPEG segments (marker, offset of the length field) from SOI to EOI. Entropy-coded data
 * after each SOS is skipped by its byte-stuffing rules, so an EXIF thumbnail's own EOI or data
 * appended after the real EOI (phones do this) cannot fool it. Stray bytes between segments are
 * skipped as libjpeg does.
 */
export function walkJpeg(bytes: Uint8Array, visit: (marker: number, at: number) => boolean): WalkEnd {
  const n = bytes.length;
  let p = 2;
  while (p < n) {
    p = bytes.indexOf(0xff, p);
    if (p < 0) break;
    while (p < n && bytes[p] === 0xff) p++;
    if (p >= n) break;
    const marker = bytes[p++];
    if (marker === 0xd9) return 'end';
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (p + 2 > n) break;
    if (visit(marker, p)) return 'stopped';
    p += u16be(bytes, p);
    if (marker === 0xda) p = skipEntropy(bytes, p);
  }
  return 'truncated';
}

const isJpegSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function pngDimensions(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 24 || !hasAscii(bytes, 12, 'IHDR')) return undefined;
  return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function jpegDimensions(bytes: Uint8Array): Dimensions | undefined {
  let dims: Dimensions | undefined;
  walkJpeg(bytes, (marker, at) => {
    if (!isJpegSof(marker)) return false;
    if (at + 7 <= bytes.length) dims = { width: u16be(bytes, at + 5), height: u16be(bytes, at + 3) };
    return true;
  });
  return dims;
}

function bmpDimensions(bytes: Uint8Array): Dimensions | undefined {
  const headerSize = i32le(bytes, 14);
  if (headerSize === 12) return { width: u16le(bytes, 18), height: u16le(bytes, 20) }; // OS/2 BMP
  // Height is negative for top-down bitmaps.
  return { width: Math.abs(i32le(bytes, 18)), height: Math.abs(i32le(bytes, 22)) };
}

function webpDimensions(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 30) return undefined;
  if (hasAscii(bytes, 12, 'VP8 ')) {
    return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  if (hasAscii(bytes, 12, 'VP8L')) {
    const bits = (bytes[21] | (bytes[22] << 8) | (bytes[23] << 16) | (bytes[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (hasAscii(bytes, 12, 'VP8X')) return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
  return undefined;
}

/** Width and height from the file header, without decoding; undefined when the header is unreadable. */
export function readDimensions(bytes: Uint8Array, format: ImageFormat): Dimensions | undefined {
  switch (format) {
    case 'png':
      return pngDimensions(bytes);
    case 'jpeg':
      return jpegDimensions(bytes);
    case 'gif':
      return bytes.length >= 10 ? { width: u16le(bytes, 6), height: u16le(bytes, 8) } : undefined;
    case 'bmp':
      return bmpDimensions(bytes);
    case 'webp':
      return webpDimensions(bytes);
    default:
      return undefined;
  }
}

const IHDR = 0x49484452;

/**
 * What is wrong with a PNG's chunk structure, if anything: it must run to its end chunk and
 * carry exactly one image header. Decoders size their buffers from the LAST IHDR they meet (pngjs
 * does), so a second one could declare any size behind the first one's small, checked size.
 */
function pngStructure(bytes: Uint8Array): Message | undefined {
  let headers = 0;
  const end = walkPng(bytes, (type) => type === IHDR && ++headers > 1);
  if (end === 'stopped') return msg('file.pngTwoHeaders');
  return end === 'end' ? undefined : msg('file.pngTruncated');
}

/** What is wrong with the file's structure (only PNG and JPEG have a cheap, reliable check). */
function structuralProblem(bytes: Uint8Array, format: DecodableFormat): Message | undefined {
  if (format === 'png') return pngStructure(bytes);
  if (format === 'jpeg' && walkJpeg(bytes, () => false) !== 'end') return msg('file.truncatedJpeg');
  return undefined;
}

/** Why a file over `limit` bytes is refused (zip entries and loose files alike). */
export const tooLarge = (bytes: number, limit: number): Message => msg('file.tooLarge', { size: formatSize(bytes), limit: formatSize(limit) });

/** "12.3 MB", "64 MB", "900 KB", "12 bytes" (binary units, as file managers mostly show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return value >= 10 || Number.isInteger(value) ? `${Math.round(value)} ${unit}` : `${value.toFixed(1)} ${unit}`;
}

function checkDimensions(dims: Dimensions | undefined, format: DecodableFormat, limits: FileLimits): Message | undefined {
  if (!dims) return format === 'png' ? msg('file.pngNoHeader') : undefined;
  if (dims.width === 0 || dims.height === 0) return msg('file.zeroSize', { format: FORMAT_LABEL[format] });
  if (dims.width * dims.height > limits.maxPixels) {
    return msg('file.tooManyPixels', { width: dims.width, height: dims.height, megapixels: limits.maxPixels / 1e6 });
  }
  return undefined;
}

/**
 * Everything that can be said about a file without decoding it: is it an image we can use,
 * and if not, why (in words for a person).
 */
export function checkFile(nb: NamedBytes, limits: FileLimits = DEFAULT_FILE_LIMITS): FileCheck {
  const { bytes } = nb;
  if (bytes.length === 0) return { ok: false, reason: msg('file.empty') };
  if (bytes.length > limits.maxBytes) {
    return { ok: false, reason: tooLarge(bytes.length, limits.maxBytes) };
  }
  const format = detectFormat(bytes);
  if (format === 'unknown') return { ok: false, reason: msg('file.notImage') };
  const refusal = UNSUPPORTED[format];
  if (refusal !== undefined) return { ok: false, reason: refusal };
  const decodable = format as DecodableFormat;
  const broken = structuralProblem(bytes, decodable);
  if (broken !== undefined) return { ok: false, reason: broken };
  const dims = readDimensions(bytes, decodable);
  const problem = checkDimensions(dims, decodable, limits);
  if (problem !== undefined) return { ok: false, reason: problem };
  return dims ? { ok: true, format: decodable, width: dims.width, height: dims.height } : { ok: true, format: decodable };
}
