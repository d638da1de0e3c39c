/**
 * Opens a .zip of images into named files. Sizes are checked from the archive's directory BEFORE
 * anything is inflated (fflate's `filter` sees the declared sizes first, and inflates into a buffer
 * of exactly the declared size), so a zip bomb costs nothing. A damaged entry costs only itself.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import type { NamedBytes, Rejection } from './types.ts';
import { msg, type Message } from '../contract/messages.ts';
import { formatSize, MAX_FILE_BYTES, tooLarge } from './sniff.ts';

/** Largest declared uncompressed entry: the same as the largest loose file we accept. */
export const MAX_ENTRY_BYTES = MAX_FILE_BYTES;
/** Largest total declared uncompressed size we open: the browser holds it all in memory at once. */
export const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;
/** Most entries we look at: twice the image limit, leaving room for folders and OS junk. */
export const MAX_ARCHIVE_ENTRIES = 10_000;

export interface ArchiveLimits {
  maxEntryBytes: number;
  maxArchiveBytes: number;
  maxEntries: number;
}
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntryBytes: MAX_ENTRY_BYTES,
  maxArchiveBytes: MAX_ARCHIVE_BYTES,
  maxEntries: MAX_ARCHIVE_ENTRIES,
};

export interface Expanded {
  files: NamedBytes[];
  rejections: Rejection[];
}

/** Names no person means as an image: OS metadata, folders, hidden files (`._foo` is macOS's). */
const JUNK_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', 'ehthumbs.db']);

/**
 * Whether a path is OS junk or a directory, to be skipped without a word: anything under
 * `__MACOSX/` or a hidden folder, hidden files (macOS's `._foo` included) and known metadata files.
 */
export function isJunkPath(name: string): boolean {
  if (name === '' || name.endsWith('/') || name.endsWith('\\')) return true;
  const parts = name.split(/[/\\]/);
  const hidden = (p: string): boolean => p === '__MACOSX' || (p.startsWith('.') && p !== '.' && p !== '..');
  return parts.some(hidden) || JUNK_NAMES.has(parts[parts.length - 1].toLowerCase());
}

/** Zip local-file or empty-archive signature ("PK\3\4" / "PK\5\6"). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

const looksLikeArchiveName = (name: string): boolean => /\.(zip|7z|rar|tar|gz|tgz)$/i.test(name);

/** Deflate's best ratio is 1032:1; a larger declared size is a lie, whatever the limits. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * What is wrong with inflating a zip entry as its directory declares it, judged before anything
 * is inflated (fflate allocates the declared size): a method fflate cannot read, a declared size
 * over `limit`, or sizes no real entry has. The guard both the dataset zips and the project file use.
 */
export function entryProblem(info: Pick<UnzipFileInfo, 'originalSize' | 'size' | 'compression'>, limit: number): 'method' | 'tooLarge' | 'forged' | undefined {
  if (info.compression !== 0 && info.compression !== 8) return 'method';
  if (info.originalSize > limit) return 'tooLarge';
  // A stored entry is copied at its compressed size; a deflated one cannot grow past deflate's ratio.
  const stored = info.compression === 0;
  if (stored ? info.originalSize !== info.size : info.originalSize > info.size * DEFLATE_MAX_RATIO + 1024) return 'forged';
  return undefined;
}

/** One pass over the directory deciding, per entry, whether to inflate it; rejections are kept. */
class EntryScreen {
  readonly rejections: Rejection[] = [];
  /** Index and name of the entry fflate was last told to inflate: the culprit if it throws. */
  lastTaken = -1;
  lastTakenName = '';
  private index = -1;
  private total = 0;
  private stopped = false;

  constructor(
    private readonly archive: string,
    private readonly limits: ArchiveLimits,
    private readonly broken: ReadonlySet<number>,
  ) {}

  take = (info: UnzipFileInfo): boolean => {
    this.index++;
    if (this.stopped || isJunkPath(info.name) || this.broken.has(this.index)) return false;
    const { limits } = this;
    if (this.index >= limits.maxEntries) return this.stop(msg('zip.tooManyEntries', { max: limits.maxEntries }));
    const reason = this.refusal(info);
    if (reason !== undefined) {
      this.rejections.push({ name: `${this.archive}/${info.name}`, reason });
      return false;
    }
    this.total += info.originalSize;
    if (this.total > limits.maxArchiveBytes) {
      return this.stop(msg('zip.tooLarge', { size: formatSize(limits.maxArchiveBytes) }));
    }
    this.lastTaken = this.index;
    this.lastTakenName = info.name;
    return true;
  };

  /** Why this one entry is refused, if it is. */
  private refusal(info: UnzipFileInfo): Message | undefined {
    if (looksLikeArchiveName(info.name)) return msg('zip.nested');
    const problem = entryProblem(info, this.limits.maxEntryBytes);
    if (problem === 'tooLarge') return tooLarge(info.originalSize, this.limits.maxEntryBytes);
    if (problem === 'method') return msg('zip.method', { method: info.compression });
    if (problem === 'forged') return msg('zip.sizesDisagree');
    return undefined;
  }

  /** Records one archive-level rejection and refuses this entry and everything after it. */
  private stop(reason: Message): false {
    this.stopped = true;
    this.rejections.push({ name: this.archive, reason });
    return false;
  }
}

/** Every central-directory header takes at least 46 bytes, so no archive holds more entries than length / 46. */
const MIN_CENTRAL_HEADER_BYTES = 46;

/**
 * The entry count the archive's end record declares (the zip64 record's when there is one), found
 * the way fflate finds it; undefined without an end record. fflate walks that many headers even
 * past the end of the file, so a zip64 record claiming 4 billion entries would hang it.
 */
export function declaredEntries(bytes: Uint8Array): number | undefined {
  const u16 = (p: number): number => (bytes[p] ?? 0) | ((bytes[p + 1] ?? 0) << 8);
  const u32 = (p: number): number => u16(p) + u16(p + 2) * 65536;
  for (let e = bytes.length - 22; e >= 0 && bytes.length - e <= 65558; e--) {
    if (u32(e) !== 0x06054b50) continue;
    const zip64 = e >= 20 && u32(e - 20) === 0x07064b50 ? u32(e - 12) : -1;
    return zip64 >= 0 && u32(zip64) === 0x06064b50 ? u32(zip64 + 32) : u16(e + 8);
  }
  return undefined;
}

/** How many damaged entries we skip over (one re-read each) before giving up on the archive. */
const MAX_BROKEN_ENTRIES = 8;

/**
 * The files inside a zip archive, named "archive.zip/path/inside.png", plus a rejection for each
 * entry refused. Never throws: an unreadable archive is one rejection.
 */
export function expandArchive(nb: NamedBytes, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Expanded {
  const declared = declaredEntries(nb.bytes) ?? 0;
  if (declared * MIN_CENTRAL_HEADER_BYTES > nb.bytes.length) {
    return { files: [], rejections: [{ name: nb.name, reason: msg('zip.claims', { n: declared }) }] };
  }
  const broken = new Set<number>();
  const brokenRejections: Rejection[] = [];
  for (;;) {
    const screen = new EntryScreen(nb.name, limits, broken);
    try {
      const entries = unzipSync(nb.bytes, { filter: screen.take });
      return collect(nb.name, entries, [...brokenRejections, ...screen.rejections]);
    } catch {
      // fflate throws on the first damaged entry and keeps nothing: skip that entry, read again.
      if (screen.lastTaken < 0 || broken.has(screen.lastTaken) || broken.size >= MAX_BROKEN_ENTRIES) {
        return { files: [], rejections: [{ name: nb.name, reason: msg('zip.corrupt') }] };
      }
      broken.add(screen.lastTaken);
      brokenRejections.push({ name: `${nb.name}/${screen.lastTakenName}`, reason: msg('zip.corruptEntry') });
    }
  }
}

/** Inflated entries in archive order; an archive inside (found by content, whatever its name) is refused. */
function collect(archive: string, entries: Record<string, Uint8Array>, rejections: Rejection[]): Expanded {
  const files: NamedBytes[] = [];
  for (const [path, bytes] of Object.entries(entries)) {
    const name = `${archive}/${path}`;
    if (isZip(bytes)) rejections.push({ name, reason: msg('zip.nested') });
    else files.push({ name, bytes });
  }
  return { files, rejections };
}
