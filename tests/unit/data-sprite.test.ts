import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_NAMES, BUILTINS, DEFAULT_BUILTIN, isBuiltinName, type SpriteBuiltin } from '../../src/data/builtin/registry.ts';
import { parseSpriteManifest, sliceSprite } from '../../src/data/builtin/sprite.ts';
import type { RgbaImage } from '../../src/data/types.ts';

const PUBLIC = resolve(import.meta.dirname, '..', '..', 'public');

function readSheet(file: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(resolve(PUBLIC, file)));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** A sheet whose pixel bytes encode their own tile index, x and y. */
function labelledSheet(tile: number, columns: number, rows: number): RgbaImage {
  const width = tile * columns;
  const height = tile * rows;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data.set([Math.floor(y / tile) * columns + Math.floor(x / tile), x % tile, y % tile, 255], p);
    }
  }
  return { width, height, data };
}

describe('sliceSprite', () => {
  it('cuts tiles in row-major order, each a copy', () => {
    const sheet = labelledSheet(4, 3, 2);
    const tiles = sliceSprite(sheet, 4, 5, 3);
    expect(tiles).toHaveLength(5);
    tiles.forEach((t, i) => {
      expect([t.width, t.height, t.data.length]).toEqual([4, 4, 64]);
      expect(t.data[0]).toBe(i);
      // pixel (x=3, y=2) of the tile
      expect(Array.from(t.data.subarray((2 * 4 + 3) * 4, (2 * 4 + 3) * 4 + 4))).toEqual([i, 3, 2, 255]);
    });
    tiles[0].data[0] = 99;
    expect(sheet.data[0]).toBe(0);
  });

  it('refuses a sheet too small for the grid and nonsense numbers', () => {
    const sheet = labelledSheet(4, 3, 2);
    expect(() => sliceSprite(sheet, 4, 7, 3)).toThrow(RangeError);
    expect(() => sliceSprite(sheet, 4, 4, 4)).toThrow(/cannot hold/);
    expect(() => sliceSprite(sheet, 0, 1, 1)).toThrow(/positive integers/);
    expect(() => sliceSprite({ ...sheet, width: 5 }, 4, 1, 1)).toThrow(/bytes do not match/);
  });
});

describe('built-in registry', () => {
  it('names every entry once, under its own key, with the default among them', () => {
    expect(new Set(BUILTIN_NAMES)).toEqual(new Set(Object.keys(BUILTINS)));
    expect(BUILTIN_NAMES).toHaveLength(Object.keys(BUILTINS).length);
    for (const name of BUILTIN_NAMES) expect(BUILTINS[name].name).toBe(name);
    expect(isBuiltinName(DEFAULT_BUILTIN)).toBe(true);
    expect(BUILTINS[DEFAULT_BUILTIN].kind).toBe('sprite');
    expect(isBuiltinName('none')).toBe(false);
    expect(isBuiltinName('toString')).toBe(false);
  });
});

const sprites = BUILTIN_NAMES.map((n) => BUILTINS[n]).filter((e): e is SpriteBuiltin => e.kind === 'sprite');

describe.each(sprites.map((e) => [e.name, e] as const))('committed sprite set %s', (_name, entry) => {
  const sheet = readSheet(entry.file);
  const manifest = parseSpriteManifest(JSON.parse(readFileSync(resolve(PUBLIC, entry.manifest), 'utf8')), sheet);

  it('has a manifest that matches the PNG and the registry', () => {
    expect(manifest.name).toBe(entry.name);
    expect([manifest.tile, manifest.count, manifest.columns]).toEqual([entry.tile, entry.count, entry.columns]);
    expect(manifest.count).toBeGreaterThanOrEqual(100);
    expect(new Set(manifest.names).size).toBe(manifest.count);
    expect(statSync(resolve(PUBLIC, entry.file)).size).toBeLessThan(600 * 1024);
  });

  it('carries its licence', () => {
    expect(manifest.licence.name).toBe('Apache-2.0');
    expect(manifest.licence.source).toBe(entry.licence.source);
    expect(manifest.licence.text).toMatch(/Apache License, Version 2\.0/);
    expect(entry.licence.text).toMatch(/Apache License, Version 2\.0/);
    expect(manifest.licence.text).not.toMatch(/https?:/);
    const licences = readFileSync(resolve(PUBLIC, 'datasets', 'LICENSES.md'), 'utf8');
    expect(licences).toContain(`${entry.name}.png`);
    expect(licences).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  });

  it('slices into distinct, non-empty 64×64 images', () => {
    const tiles = sliceSprite(sheet, manifest.tile, manifest.count, manifest.columns);
    expect(tiles).toHaveLength(manifest.count);
    const seen = new Set<string>();
    for (const t of tiles) {
      expect([t.width, t.height, t.data.length]).toEqual([64, 64, 64 * 64 * 4]);
      let opaque = 0;
      for (let p = 3; p < t.data.length; p += 4) if (t.data[p] > 0) opaque++;
      expect(opaque).toBeGreaterThan(64 * 64 * 0.05);
      seen.add(Buffer.from(t.data).toString('base64'));
    }
    expect(seen.size).toBe(tiles.length);
  });

  it('leaves the unused cells of the last row transparent', () => {
    const cells = manifest.columns * Math.ceil(manifest.count / manifest.columns);
    if (cells === manifest.count) return;
    const all = sliceSprite(sheet, manifest.tile, cells, manifest.columns);
    for (const t of all.slice(manifest.count)) expect(t.data.every((v) => v === 0)).toBe(true);
  });
});
