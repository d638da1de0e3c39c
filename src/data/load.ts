/**
 * The whole pure loading pipeline: files (loose or in zips) → checked → de-duplicated → decoded by
 * an injected decoder (the Worker's or Node's) → prepared into one PreparedSet.
 *
 * It never throws for bad input: every file that cannot be used becomes a Rejection with a reason
 * a person can act on, and every good file beside it is kept. Only cancellation throws.
 */
import { MessageError, msg, type Message } from '../contract/messages.ts';
import type { NamedBytes, PreparedSet, PrepareOptions, Rejection, RgbaImage } from './types.ts';
import { checkFile, DEFAULT_FILE_LIMITS, FORMAT_LABEL, type DecodableFormat, type FileLimits } from './sniff.ts';
import { DEFAULT_ARCHIVE_LIMITS, expandArchive, isJunkPath, isZip, type ArchiveLimits } from './zip.ts';
import { isUpscaled, prepareImage } from './prepare.ts';

/** Most images in one dataset: 5000 at 64×64 is already 245 MB of float32 on the device. */
export const MAX_IMAGES = 5000;

/** Turns a checked file into RGBA pixels; the browser and Node each supply one. */
export type Decoder = (nb: NamedBytes, format: DecodableFormat) => Promise<RgbaImage>;

/**
 * Thrown by a decoder for a format it recognises but cannot handle where it runs (e.g. GIF in
 * Node). Its message is shown to the person as is, instead of "corrupt or unreadable".
 */
export class UnsupportedByDecoder extends MessageError {
  override name = 'UnsupportedByDecoder';
}

export interface LoadOptions extends PrepareOptions {
  /** At most this many images are kept (never more than MAX_IMAGES); the rest are rejected. */
  maxImages?: number;
  fileLimits?: FileLimits;
  archiveLimits?: ArchiveLimits;
}

export interface LoadResult {
  set: PreparedSet;
  rejections: Rejection[];
  /** Images kept, but worth a word (e.g. upscaled from a small source). */
  warnings: Rejection[];
  /** Files skipped because their bytes equal an earlier file's. */
  duplicates: number;
}

/** The part of AbortSignal we use (the engine is compiled without DOM or Node types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** A file that passed the header checks and waits to be decoded. */
interface Candidate {
  nb: NamedBytes;
  format: DecodableFormat;
}

/**
 * Cheap fingerprint of a file: its length and FNV-1a over its first 64 KiB and last 4 KiB.
 * Equal fingerprints are then confirmed byte by byte, so duplicates are exact without hashing
 * gigabytes of photos.
 */
export function fingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  const head = Math.min(bytes.length, 65536);
  const tail = Math.max(head, bytes.length - 4096);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  for (let i = tail; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Remembers files seen so far and says whether a new one repeats one of them exactly. */
class DuplicateFilter {
  count = 0;
  private readonly seen = new Map<string, Uint8Array[]>();

  isDuplicate(bytes: Uint8Array): boolean {
    const key = fingerprint(bytes);
    const same = this.seen.get(key);
    if (same?.some((s) => sameBytes(s, bytes))) {
      this.count++;
      return true;
    }
    if (same) same.push(bytes);
    else this.seen.set(key, [bytes]);
    return false;
  }
}

/** Phase 1, synchronous and header-only: expand archives, drop junk, check, de-duplicate. */
function screen(inputs: NamedBytes[], opts: LoadOptions): { candidates: Candidate[]; rejections: Rejection[]; duplicates: number } {
  const candidates: Candidate[] = [];
  const rejections: Rejection[] = [];
  const dups = new DuplicateFilter();
  const consider = (nb: NamedBytes): void => {
    if (isJunkPath(nb.name)) return;
    const check = checkFile(nb, opts.fileLimits ?? DEFAULT_FILE_LIMITS);
    if (!check.ok) rejections.push({ name: nb.name, reason: check.reason });
    else if (!dups.isDuplicate(nb.bytes)) candidates.push({ nb, format: check.format });
  };
  for (const nb of inputs) {
    if (isZip(nb.bytes) || /\.zip$/i.test(nb.name)) {
      if (isJunkPath(nb.name)) continue;
      const expanded = expandArchive(nb, opts.archiveLimits ?? DEFAULT_ARCHIVE_LIMITS);
      rejections.push(...expanded.rejections);
      expanded.files.forEach(consider);
    } else {
      consider(nb);
    }
  }
  return { candidates, rejections, duplicates: dups.count };
}

/** Decodes one candidate; the reason in words when it cannot be. */
async function decodeOne(nb: NamedBytes, format: DecodableFormat, decode: Decoder): Promise<RgbaImage | Message> {
  try {
    return await decode(nb, format);
  } catch (err) {
    if (err instanceof UnsupportedByDecoder) return err.content;
    return msg('file.corrupt', { format: FORMAT_LABEL[format] });
  }
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('loading was cancelled');
}

/** Fills a preallocated set one prepared image at a time. */
class SetBuilder {
  readonly names: string[] = [];
  readonly warnings: Rejection[] = [];
  private pixels: Float32Array;
  private readonly stride: number;

  constructor(
    private readonly opts: PrepareOptions,
    readonly capacity: number,
  ) {
    this.stride = opts.res * opts.res * 3;
    this.pixels = new Float32Array(capacity * this.stride);
  }

  get full(): boolean {
    return this.names.length >= this.capacity;
  }

  /** Prepares `img` into the next slot; a reason when the decoder's output is unusable. */
  add(name: string, img: RgbaImage): Message | undefined {
    try {
      prepareImage(img, this.opts, this.pixels, this.names.length * this.stride);
    } catch {
      return msg('file.noPixels');
    }
    this.names.push(name);
    if (isUpscaled(img, this.opts)) {
      const { res } = this.opts;
      this.warnings.push({ name, reason: msg('file.upscaled', { width: img.width, height: img.height, res }) });
    }
    return undefined;
  }

  finish(): PreparedSet {
    const used = this.names.length * this.stride;
    const pixels = used < this.pixels.length ? this.pixels.slice(0, used) : this.pixels;
    return { res: this.opts.res, count: this.names.length, pixels, names: this.names };
  }
}

/**
 * Loads files into a prepared dataset. `onProgress(done, total)` counts decoded candidates;
 * `signal` cancels between files (the promise then rejects with the signal's reason).
 */
export async function loadImages(
  inputs: NamedBytes[],
  decode: Decoder,
  opts: LoadOptions,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignalLike,
): Promise<LoadResult> {
  throwIfAborted(signal);
  const { candidates, rejections, duplicates } = screen(inputs, opts);
  const maxImages = Math.max(0, Math.min(opts.maxImages ?? MAX_IMAGES, MAX_IMAGES));
  const builder = new SetBuilder(opts, Math.min(candidates.length, maxImages));
  for (let i = 0; i < candidates.length; i++) {
    const { nb, format } = candidates[i];
    let problem: Message | undefined;
    if (builder.full) problem = msg('file.datasetFull', { max: maxImages });
    else {
      throwIfAborted(signal);
      const image = await decodeOne(nb, format, decode);
      problem = 'key' in image ? image : builder.add(nb.name, image);
    }
    if (problem !== undefined) rejections.push({ name: nb.name, reason: problem });
    onProgress?.(i + 1, candidates.length);
  }
  return { set: builder.finish(), rejections, warnings: builder.warnings, duplicates };
}

/** An empty dataset at `res` (the start for appending). */
export function emptySet(res: number): PreparedSet {
  return { res, count: 0, pixels: new Float32Array(0), names: [] };
}

/**
 * `a` followed by `b`, as a new set. Both must share `res` (a programming error otherwise).
 * It does not cap the total: pass `maxImages: MAX_IMAGES - a.count` when loading `b`.
 */
export function appendSets(a: PreparedSet, b: PreparedSet): PreparedSet {
  if (a.res !== b.res) throw new RangeError(`cannot append a ${b.res}px set to a ${a.res}px set`);
  const pixels = new Float32Array(a.pixels.length + b.pixels.length);
  pixels.set(a.pixels, 0);
  pixels.set(b.pixels, a.pixels.length);
  return { res: a.res, count: a.count + b.count, pixels, names: [...a.names, ...b.names] };
}
