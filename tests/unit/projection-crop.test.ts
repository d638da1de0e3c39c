import { describe, expect, it } from 'vitest';
import { clampCrop, cropSquare, dragCrop, MAX_ZOOM, minZoom, presetCrop, sameSquare } from '../../src/app/components/projection-crop.ts';
import { layout } from '../../src/data/prepare.ts';

describe('the crop and zoom of a projection target', () => {
  it('starts from the dataset’s rules: the centre square, or the whole picture letterboxed', () => {
    // The centre square is the one the dataset's 'center' rule takes (data/prepare.ts).
    const centre = cropSquare(64, 32, presetCrop(64, 32, 'center'));
    const { src } = layout(64, 32, { res: 16, fit: 'center' });
    expect(centre).toEqual({ x: src.x, y: src.y, side: src.w });
    // 'pad': a square of the longer side, the picture centred in it (16 rows of background above and below).
    expect(cropSquare(64, 32, presetCrop(64, 32, 'pad'))).toEqual({ x: 0, y: -16, side: 64 });
    expect(cropSquare(30, 90, presetCrop(30, 90, 'pad'))).toEqual({ x: -30, y: 0, side: 90 });
  });

  it('zooms into the picture and pans from end to end', () => {
    expect(cropSquare(64, 32, { zoom: 2, panX: 0, panY: 0 })).toEqual({ x: 0, y: 0, side: 16 });
    expect(cropSquare(64, 32, { zoom: 2, panX: 1, panY: 1 })).toEqual({ x: 48, y: 16, side: 16 });
    expect(cropSquare(64, 32, { zoom: 1, panX: 0, panY: 0.5 })).toEqual({ x: 0, y: 0, side: 32 });
    // Zoomed out past the short side, the picture slides inside the square.
    expect(cropSquare(64, 32, { zoom: 0.5, panX: 0.5, panY: 0 })).toEqual({ x: 0, y: 0, side: 64 });
    expect(cropSquare(64, 32, { zoom: 0.5, panX: 0.5, panY: 1 })).toEqual({ x: 0, y: -32, side: 64 });
  });

  it('keeps zoom and pan in range, whatever a slider or a stale state says', () => {
    expect(clampCrop(64, 32, { zoom: 0.1, panX: -1, panY: 7 })).toEqual({ zoom: minZoom(64, 32), panX: 0, panY: 1 });
    expect(clampCrop(64, 32, { zoom: 99, panX: NaN, panY: 0.3 })).toEqual({ zoom: MAX_ZOOM, panX: 0.5, panY: 0.3 });
  });

  it('tells an untouched square from a moved one', () => {
    const preset = presetCrop(64, 32, 'center');
    expect(sameSquare(64, 32, preset, { ...preset, panY: 0 })).toBe(true); // pan across a full side moves nothing
    expect(sameSquare(64, 32, preset, { ...preset, panX: 0.4 })).toBe(false);
    expect(sameSquare(64, 32, preset, { ...preset, zoom: 1.2 })).toBe(false);
  });
});

describe('dragging the square', () => {
  it('follows the pointer in source pixels and stops at the ends', () => {
    // Zoom 2 on 64×32: a 16-pixel square with 48 pixels to travel across and 16 down.
    const start = { zoom: 2, panX: 0.5, panY: 0.5 };
    expect(cropSquare(64, 32, dragCrop(64, 32, start, 12, -4))).toEqual({ x: 36, y: 4, side: 16 });
    expect(cropSquare(64, 32, dragCrop(64, 32, start, 1000, 1000))).toEqual({ x: 48, y: 16, side: 16 });
    // At zoom 1 the square spans the height: it moves along x only.
    expect(dragCrop(64, 32, { zoom: 1, panX: 0.5, panY: 0.5 }, -8, 30)).toEqual({ zoom: 1, panX: 0.25, panY: 0.5 });
  });
});
