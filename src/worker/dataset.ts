/**
 * The Worker's dataset: where the images came from, the files kept so they can be prepared
 * again (another resolution, crop mode or background), and the prepared set the trainer uploads.
 */
import { MessageError, msg } from '../contract/messages.ts';
import type { DatasetInfo, DatasetSource, RejectedFile } from '../contract/protocol.ts';
import { browserDecoder, bitmapToRgba } from '../data/browser/decode.ts';
import { makeShapes } from '../data/builtin/procedural.ts';
import { BUILTINS, isBuiltinName, type BuiltinName } from '../data/builtin/registry.ts';
import { sliceSprite } from '../data/builtin/sprite.ts';
import { appendSets, emptySet, fingerprint, loadImages, MAX_IMAGES } from '../data/load.ts';
import { prepareImage } from '../data/prepare.ts';
import { expandArchive, isZip } from '../data/zip.ts';
import { DEFAULT_PREPARE, type NamedBytes, type PreparedSet, type PrepareOptions } from '../data/types.ts';

type Progress = (done: number, total: number) => void;

/** Thrown by a load the person cancelled; what was loaded before it stays. */
export class LoadCancelled extends MessageError {
  override name = 'LoadCancelled';
}
type Look = Omit<PrepareOptions, 'res'>;

export class DatasetStore {
  private source: DatasetSource = { kind: 'none' };
  private files: NamedBytes[] = [];
  private fingerprints = new Set<string>();
  private rejected: RejectedFile[] = [];
  private warnings: RejectedFile[] = [];
  private duplicates = 0;
  private look: Look = DEFAULT_PREPARE;
  private loading: AbortController | undefined;
  set: PreparedSet;

  constructor(private res: number) {
    this.set = emptySet(res);
  }

  info(): DatasetInfo {
    const licence = this.source.kind === 'builtin' && isBuiltinName(this.source.name) ? BUILTINS[this.source.name].licence?.text : undefined;
    return {
      source: this.source,
      count: this.set.count,
      res: this.set.res,
      rejected: this.rejected,
      warnings: this.warnings,
      duplicates: this.duplicates,
      names: this.source.kind === 'user' ? this.set.names : [],
      fit: this.look.fit,
      background: [...this.look.background] as [number, number, number],
      ...(licence ? { licence } : {}),
    };
  }

  clear(): void {
    this.source = { kind: 'none' };
    this.files = [];
    this.fingerprints.clear();
    this.rejected = [];
    this.warnings = [];
    this.duplicates = 0;
    this.set = emptySet(this.res);
  }

  /** The store as it is now, and a function that puts it back (a refused load must leave no trace). */
  mark(): () => void {
    const saved = {
      source: this.source,
      files: [...this.files],
      fingerprints: new Set(this.fingerprints),
      rejected: [...this.rejected],
      warnings: [...this.warnings],
      duplicates: this.duplicates,
      look: this.look,
      res: this.res,
      set: this.set,
    };
    return () => Object.assign(this, saved);
  }

  /** Cancels a load in progress (called outside the command queue). */
  cancel(): void {
    this.loading?.abort(new LoadCancelled(msg('data.cancelled')));
  }

  async loadBuiltin(name: string): Promise<void> {
    if (!isBuiltinName(name)) throw new MessageError(msg('data.noSuchBuiltin', { name }));
    const set = await builtinSet(name, this.res, this.look);
    this.clear();
    this.source = { kind: 'builtin', name };
    this.set = set;
  }

  /** Whether files added now start a new dataset (`replace`, or the current one is not the person's own). */
  replacedBy(replace: boolean): boolean {
    return replace || this.source.kind !== 'user';
  }

  /**
   * Files added to a built-in or saved set start a new user dataset named `label`; otherwise they
   * append. Says which happened (nothing, when no image could be used).
   */
  async addFiles(files: File[], replace: boolean, label: string, onProgress: Progress): Promise<'fresh' | 'appended' | 'none'> {
    const fresh = this.replacedBy(replace);
    const incoming: NamedBytes[] = [];
    const archiveRejections: RejectedFile[] = [];
    let duplicates = 0;
    // Archives are opened here rather than inside loadImages, so each image is kept as its own
    // file: re-preparing or removing one image must not need the whole archive again.
    for (const file of files) {
      const nb = { name: file.webkitRelativePath || file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
      const expanded = isZip(nb.bytes) ? expandArchive(nb) : { files: [nb], rejections: [] };
      archiveRejections.push(...expanded.rejections);
      for (const f of expanded.files) {
        if (!fresh && this.fingerprints.has(fingerprint(f.bytes))) duplicates++;
        else incoming.push(f);
      }
    }
    const room = MAX_IMAGES - (fresh ? 0 : this.set.count);
    const result = await this.guarded((signal) => loadImages(incoming, browserDecoder, { ...this.look, res: this.res, maxImages: room }, onProgress, signal));
    if (fresh && result.set.count === 0) {
      // Nothing usable: keep the images and the model there are, and say why beside them.
      this.rejected = [...archiveRejections, ...result.rejections];
      return 'none';
    }
    if (fresh) this.clear();
    if (this.source.kind !== 'user') this.source = { kind: 'user', label };
    const kept = new Set(result.set.names);
    for (const nb of incoming) {
      if (!kept.has(nb.name)) continue;
      this.fingerprints.add(fingerprint(nb.bytes));
      this.files.push(nb);
    }
    this.rejected.push(...archiveRejections, ...result.rejections);
    this.warnings.push(...result.warnings);
    this.duplicates += duplicates + result.duplicates;
    this.set = appendSets(this.set, result.set);
    return fresh ? 'fresh' : result.set.count > 0 ? 'appended' : 'none';
  }

  /** Takes a prepared set from a saved run (no source files come with it). */
  restore(set: PreparedSet, name: string): void {
    this.clear();
    this.source = { kind: 'saved', name };
    this.res = set.res;
    this.set = set;
  }

  /** Drops images by name (user datasets), without decoding anything again. */
  remove(names: string[]): void {
    const drop = new Set(names);
    const size = this.res * this.res * 3;
    const keep = this.set.names.map((n, i) => [n, i] as const).filter(([n]) => !drop.has(n));
    const pixels = new Float32Array(keep.length * size);
    keep.forEach(([, i], j) => pixels.set(this.set.pixels.subarray(i * size, (i + 1) * size), j * size));
    this.set = { res: this.res, count: keep.length, pixels, names: keep.map(([n]) => n) };
    const dropped = this.files.filter((f) => drop.has(f.name));
    for (const f of dropped) this.fingerprints.delete(fingerprint(f.bytes));
    this.files = this.files.filter((f) => !drop.has(f.name));
  }

  /** Prepares the same images again at a new resolution or with a new crop mode / background. */
  async reprepare(res: number, look: Look, onProgress: Progress): Promise<void> {
    if (res === this.res && look.fit === this.look.fit && look.background.every((c, i) => c === this.look.background[i])) return;
    const next = await this.prepareAgain(res, look, onProgress);
    this.res = res;
    this.look = look;
    this.set = next;
  }

  get options(): Look {
    return this.look;
  }

  private async prepareAgain(res: number, look: Look, onProgress: Progress): Promise<PreparedSet> {
    if (this.source.kind === 'builtin') return builtinSet(this.source.name as BuiltinName, res, look);
    if (this.source.kind === 'none') return emptySet(res);
    if (this.source.kind === 'saved') {
      throw new MessageError(msg('data.savedPrepared', { name: this.source.name, res: this.res }));
    }
    const result = await this.guarded((signal) => loadImages(this.files, browserDecoder, { ...look, res }, onProgress, signal));
    return result.set;
  }

  private async guarded<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.loading = new AbortController();
    try {
      return await run(this.loading.signal);
    } finally {
      this.loading = undefined;
    }
  }
}

async function builtinSet(name: BuiltinName, res: number, look: Look): Promise<PreparedSet> {
  const entry = BUILTINS[name];
  if (entry.kind === 'procedural') return makeShapes({ res });
  const url = new URL(entry.file, new URL(import.meta.env.BASE_URL, self.location.origin));
  const response = await fetch(url).catch((e: unknown) => {
    throw new MessageError(msg('data.offline', { name, detail: e instanceof Error ? e.message : String(e) }));
  });
  if (!response.ok) throw new MessageError(msg('data.http', { name, status: response.status }));
  const bitmap = await createImageBitmap(await response.blob(), { premultiplyAlpha: 'none' });
  const sheet = bitmapToRgba(bitmap);
  bitmap.close();
  const tiles = sliceSprite(sheet, entry.tile, entry.count, entry.columns);
  const pixels = new Float32Array(tiles.length * res * res * 3);
  tiles.forEach((tile, i) => prepareImage(tile, { ...look, res }, pixels, i * res * res * 3));
  return { res, count: tiles.length, pixels, names: tiles.map((_, i) => `${name} ${i + 1}`) };
}
