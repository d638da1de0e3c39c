/**
 * The Worker's dataset: where the images came from, the files kept so they can be prepared
 * again at another resolution, and the prepared set the trainer uploads.
 */
import type { DatasetInfo, DatasetSource, RejectedFile } from '../contract/protocol.ts';
import { browserDecoder, bitmapToRgba } from '../data/browser/decode.ts';
import { makeShapes } from '../data/builtin/procedural.ts';
import { BUILTINS, isBuiltinName, type BuiltinName } from '../data/builtin/registry.ts';
import { sliceSprite } from '../data/builtin/sprite.ts';
import { appendSets, emptySet, fingerprint, loadImages, MAX_IMAGES } from '../data/load.ts';
import { prepareImage } from '../data/prepare.ts';
import { DEFAULT_PREPARE, type NamedBytes, type PreparedSet } from '../data/types.ts';

type Progress = (done: number, total: number) => void;

export class DatasetStore {
  private source: DatasetSource = { kind: 'none' };
  private files: NamedBytes[] = [];
  private fingerprints = new Set<string>();
  private rejected: RejectedFile[] = [];
  private warnings: RejectedFile[] = [];
  private duplicates = 0;
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

  async loadBuiltin(name: string): Promise<void> {
    if (!isBuiltinName(name)) throw new Error(`there is no built-in dataset called "${name}"`);
    const set = await builtinSet(name, this.res);
    this.clear();
    this.source = { kind: 'builtin', name };
    this.set = set;
  }

  /** Files added to a built-in set start a new user dataset; otherwise they append. */
  async addFiles(files: File[], replace: boolean, onProgress: Progress): Promise<void> {
    if (replace || this.source.kind !== 'user') this.clear();
    this.source = { kind: 'user' };
    const incoming: NamedBytes[] = [];
    for (const file of files) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const key = fingerprint(bytes);
      if (this.fingerprints.has(key)) {
        this.duplicates++;
        continue;
      }
      incoming.push({ name: file.webkitRelativePath || file.name, bytes });
    }
    const result = await loadImages(incoming, browserDecoder, { ...DEFAULT_PREPARE, res: this.res, maxImages: MAX_IMAGES - this.set.count }, onProgress);
    for (const nb of incoming) this.fingerprints.add(fingerprint(nb.bytes));
    this.files.push(...incoming);
    this.rejected.push(...result.rejections);
    this.warnings.push(...result.warnings);
    this.duplicates += result.duplicates;
    this.set = appendSets(this.set, result.set);
  }

  /** Prepares the same images again at a new resolution. */
  async setResolution(res: number, onProgress: Progress): Promise<void> {
    if (res === this.res) return;
    this.res = res;
    if (this.source.kind === 'builtin') this.set = await builtinSet(this.source.name as BuiltinName, res);
    else if (this.source.kind === 'user') {
      const result = await loadImages(this.files, browserDecoder, { ...DEFAULT_PREPARE, res }, onProgress);
      this.set = result.set;
    } else this.set = emptySet(res);
  }
}

async function builtinSet(name: BuiltinName, res: number): Promise<PreparedSet> {
  const entry = BUILTINS[name];
  if (entry.kind === 'procedural') return makeShapes({ res });
  const url = new URL(entry.file, new URL(import.meta.env.BASE_URL, self.location.origin));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the built-in dataset "${name}" (HTTP ${response.status})`);
  const bitmap = await createImageBitmap(await response.blob(), { premultiplyAlpha: 'none' });
  const sheet = bitmapToRgba(bitmap);
  bitmap.close();
  const tiles = sliceSprite(sheet, entry.tile, entry.count, entry.columns);
  const pixels = new Float32Array(tiles.length * res * res * 3);
  tiles.forEach((tile, i) => prepareImage(tile, { ...DEFAULT_PREPARE, res }, pixels, i * res * res * 3));
  return { res, count: tiles.length, pixels, names: tiles.map((_, i) => `${name} ${i + 1}`) };
}
