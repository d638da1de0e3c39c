/**
 * Reads the entries of a .ganvas zip, refusing by the archive's directory BEFORE anything is
 * inflated: unexpected names, duplicate names, declared sizes over the limits, sizes deflate
 * cannot produce. fflate inflates into a buffer of exactly the declared size, so a forged size
 * can cost at most the limit, never more. Throws ProjectError.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { formatSize } from '../../data/sniff.ts';
import { entryProblem } from '../../data/zip.ts';
import { DATASET_FILE, MANIFEST_FILE, ProjectError, refuse, WEIGHTS_FILE, type ProjectLimits } from './checkpoint-types.ts';

const TIMELINE_PATTERN = /^timeline\/\d{4,6}\.png$/;

/** The largest a given entry may declare itself, or undefined when the name is not ours. */
function entryLimit(name: string, limits: ProjectLimits): number | undefined {
  if (name === MANIFEST_FILE) return limits.maxManifestBytes;
  if (name === WEIGHTS_FILE || name === DATASET_FILE) return limits.maxProjectBytes;
  if (TIMELINE_PATTERN.test(name)) return limits.maxPngBytes;
  return undefined;
}

/** Decides, entry by entry from the directory, what fflate may inflate; refuses by throwing. */
class Screen {
  readonly declared = new Map<string, number>();
  private total = 0;
  current = '';

  constructor(private readonly limits: ProjectLimits) {}

  take = (info: UnzipFileInfo): boolean => {
    const { name, originalSize, size, compression } = info;
    const shown = JSON.stringify(name.slice(0, 80));
    // Throwing (not returning false) also stops fflate walking a forged entry count of billions.
    if (this.declared.size >= this.limits.maxTimelineFrames + 3) refuse('project.tooManyEntries');
    const limit = entryLimit(name, this.limits);
    if (limit === undefined) refuse('project.unexpectedEntry', { entry: shown });
    if (this.declared.has(name)) refuse('project.twoEntries', { entry: shown });
    const problem = entryProblem(info, limit);
    if (problem === 'method') refuse('project.method', { entry: name, method: compression });
    if (problem === 'tooLarge') refuse('project.entryTooLarge', { entry: name, size: formatSize(originalSize), limit: formatSize(limit) });
    if (problem === 'forged') refuse('project.forged', { entry: name, size: originalSize, stored: size });
    this.total += originalSize;
    if (this.total > this.limits.maxProjectBytes) refuse('project.overLimit', { limit: formatSize(this.limits.maxProjectBytes) });
    this.declared.set(name, originalSize);
    this.current = name;
    return true;
  };
}

const isZipStart = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5);

/** The project's entries by name, each exactly as long as the directory said. */
export function readEntries(bytes: Uint8Array, limits: ProjectLimits): Map<string, Uint8Array> {
  if (!isZipStart(bytes)) refuse('project.notZip');
  const screen = new Screen(limits);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: screen.take });
  } catch (e) {
    if (e instanceof ProjectError) throw e;
    if (screen.current === '') refuse('project.truncatedZip');
    refuse('project.unpackFailed', { entry: screen.current });
  }
  const entries = new Map<string, Uint8Array>();
  for (const [name, want] of screen.declared) {
    const got = files[name];
    if (!got || got.length !== want) refuse('project.entryTruncated', { entry: name, want, got: got?.length ?? 0 });
    entries.set(name, got);
  }
  return entries;
}
