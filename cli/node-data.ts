/** Datasets for the Node CLI: built-in sets read from public/, or a folder of images. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeShapes } from '../src/data/builtin/procedural.ts';
import { BUILTINS, isBuiltinName } from '../src/data/builtin/registry.ts';
import { sliceSprite } from '../src/data/builtin/sprite.ts';
import { loadImages } from '../src/data/load.ts';
import { loadFolder, nodeDecoder } from '../src/data/node/decode.ts';
import { prepareImage } from '../src/data/prepare.ts';
import { DEFAULT_PREPARE, type PreparedSet, type Rejection } from '../src/data/types.ts';

const PUBLIC = fileURLToPath(new URL('../public', import.meta.url));

/** `source` is a built-in name (`faces`, `shapes`, …) or a folder path. */
export async function loadDataset(source: string, res: number): Promise<{ set: PreparedSet; rejections: Rejection[] }> {
  if (isBuiltinName(source)) {
    const entry = BUILTINS[source];
    if (entry.kind === 'procedural') return { set: makeShapes({ res }), rejections: [] };
    const bytes = new Uint8Array(await readFile(join(PUBLIC, entry.file)));
    const sheet = await nodeDecoder({ name: entry.file, bytes }, 'png');
    const tiles = sliceSprite(sheet, entry.tile, entry.count, entry.columns);
    const pixels = new Float32Array(tiles.length * res * res * 3);
    tiles.forEach((t, i) => prepareImage(t, { ...DEFAULT_PREPARE, res }, pixels, i * res * res * 3));
    return { set: { res, count: tiles.length, pixels, names: tiles.map((_, i) => `${source} ${i + 1}`) }, rejections: [] };
  }
  const skipped: Rejection[] = [];
  const files = await loadFolder(source, (r) => skipped.push(r));
  const result = await loadImages(files, nodeDecoder, { ...DEFAULT_PREPARE, res });
  return { set: result.set, rejections: [...skipped, ...result.rejections] };
}
