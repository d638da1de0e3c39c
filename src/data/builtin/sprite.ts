/**
 * Sprite sheets: many equal square images packed into one PNG, row-major, `columns` per row.
 * Pure code (no DOM, no Node): the caller decodes the sheet, this file cuts it up and reads
 * its manifest.
 */
import type { RgbaImage } from '../types.ts';

/** The JSON written beside each sheet by `scripts/build-emoji-datasets.ts`. */
export interface SpriteManifest {
  name: string;
  label: string;
  /** Tile side in pixels. */
  tile: number;
  /** Number of tiles; the last row may be partly empty. */
  count: number;
  /** Tiles per row. */
  columns: number;
  /** One short name per tile, in tile order. */
  names: string[];
  licence: {
    /** SPDX identifier, e.g. "Apache-2.0". */
    name: string;
    source: string;
    text: string;
  };
}

function positiveInt(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/**
 * Cuts `count` tiles of `tile`×`tile` out of `sheet`, left to right, top to bottom.
 * Each result owns a fresh copy of its pixels. Throws a RangeError when the sheet is too
 * small for the grid or the numbers make no sense.
 */
export function sliceSprite(sheet: RgbaImage, tile: number, count: number, columns: number): RgbaImage[] {
  if (!positiveInt(tile) || !positiveInt(count) || !positiveInt(columns)) {
    throw new RangeError(`sprite: tile ${tile}, count ${count}, columns ${columns} must be positive integers`);
  }
  if (sheet.data.length !== sheet.width * sheet.height * 4) {
    throw new RangeError(`sprite: ${sheet.data.length} bytes do not match ${sheet.width}×${sheet.height} RGBA`);
  }
  const rows = Math.ceil(count / columns);
  const usedColumns = Math.min(count, columns);
  if (sheet.width < usedColumns * tile || sheet.height < rows * tile) {
    throw new RangeError(`sprite: a ${sheet.width}×${sheet.height} sheet cannot hold ${count} tiles of ${tile}px in ${columns} columns`);
  }
  const rowBytes = tile * 4;
  const tiles: RgbaImage[] = [];
  for (let i = 0; i < count; i++) {
    const x0 = (i % columns) * tile;
    const y0 = Math.floor(i / columns) * tile;
    const data = new Uint8Array(tile * rowBytes);
    for (let y = 0; y < tile; y++) {
      const start = ((y0 + y) * sheet.width + x0) * 4;
      data.set(sheet.data.subarray(start, start + rowBytes), y * rowBytes);
    }
    tiles.push({ width: tile, height: tile, data });
  }
  return tiles;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks parsed manifest JSON and returns it typed; throws an Error naming the first bad field.
 * `sheet` (the decoded PNG's size), when given, is checked against the grid as well.
 */
export function parseSpriteManifest(json: unknown, sheet?: { width: number; height: number }): SpriteManifest {
  if (!isRecord(json)) throw new Error('sprite manifest: not a JSON object');
  const { name, label, tile, count, columns, names, licence } = json;
  if (typeof name !== 'string' || typeof label !== 'string') {
    throw new Error('sprite manifest: name and label must be strings');
  }
  if (typeof tile !== 'number' || typeof count !== 'number' || typeof columns !== 'number') {
    throw new Error(`sprite manifest ${name}: tile, count and columns must be numbers`);
  }
  if (!positiveInt(tile) || !positiveInt(count) || !positiveInt(columns)) {
    throw new Error(`sprite manifest ${name}: tile, count and columns must be positive integers`);
  }
  if (!Array.isArray(names) || names.length !== count || !names.every((n) => typeof n === 'string')) {
    throw new Error(`sprite manifest ${name}: names must be ${count} strings`);
  }
  if (!isRecord(licence) || !['name', 'source', 'text'].every((k) => typeof licence[k] === 'string')) {
    throw new Error(`sprite manifest ${name}: licence needs name, source and text strings`);
  }
  if (sheet && (sheet.width !== columns * tile || sheet.height !== Math.ceil(count / columns) * tile)) {
    throw new Error(`sprite manifest ${name}: sheet is ${sheet.width}×${sheet.height}, ` + `expected ${columns * tile}×${Math.ceil(count / columns) * tile}`);
  }
  return json as unknown as SpriteManifest;
}
