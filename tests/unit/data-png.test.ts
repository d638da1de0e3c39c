import { unzipSync, strFromU8 } from 'fflate';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../src/data/png.ts';
import { styleganDatasetZip } from '../../src/data/stylegan-dataset.ts';
import { makeShapes } from '../../src/data/builtin/procedural.ts';

describe('PNG writer', () => {
  it('writes RGBA and RGB PNGs that a real decoder reads back exactly', () => {
    const rgba = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const back = PNG.sync.read(Buffer.from(encodePng(5, 3, rgba)));
    expect([back.width, back.height]).toEqual([5, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(rgba));
    const rgb = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 20);
    const back3 = PNG.sync.read(Buffer.from(encodePng(2, 2, rgb, 3)));
    expect(Array.from(back3.data.filter((_, i) => i % 4 !== 3))).toEqual(Array.from(rgb));
  });
});

describe('StyleGAN2-ADA dataset export', () => {
  it('lays out dataset.json and one PNG per prepared image at the training resolution', () => {
    const set = makeShapes({ res: 16, count: 12 });
    const files = unzipSync(styleganDatasetZip(set));
    expect(JSON.parse(strFromU8(files['dataset.json']!))).toEqual({ labels: null });
    const pngs = Object.keys(files)
      .filter((n) => n.endsWith('.png'))
      .sort();
    expect(pngs).toHaveLength(12);
    expect(pngs[0]).toBe('00000/img00000000.png');
    const img = PNG.sync.read(Buffer.from(files[pngs[3]!]!));
    expect([img.width, img.height]).toEqual([16, 16]);
    const expected = Math.round((set.pixels[3 * 16 * 16 * 3]! + 1) * 127.5);
    expect(Math.abs(img.data[0]! - expected)).toBeLessThanOrEqual(1);
  });
});
