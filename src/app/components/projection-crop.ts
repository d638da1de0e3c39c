/**
 * The crop and zoom of a projection target: which square of the person's picture the model sees.
 * Zoom 1 is the largest centred square (the dataset's 'center' rule); the lowest zoom is the
 * whole picture inside a square of its longer side (the 'pad' rule, the rest filled with the
 * dataset's background); above 1 the square shrinks into the picture. Pan moves the square over
 * the picture from one end of its free range to the other (0 … 1, 0.5 centred).
 */

export interface Crop {
  zoom: number;
  panX: number;
  panY: number;
}

/** The square in source pixels: its top-left corner (may lie outside the picture) and side. */
export interface Square {
  x: number;
  y: number;
  side: number;
}

/** Zooming in further than this leaves too few source pixels to say anything. */
export const MAX_ZOOM = 8;

/** The lowest zoom for a picture: its whole longer side in the square. */
export function minZoom(width: number, height: number): number {
  return Math.min(width, height) / Math.max(width, height);
}

/** The crop a square rule starts from: the centre square, or the whole picture letterboxed. */
export function presetCrop(width: number, height: number, fit: 'center' | 'pad'): Crop {
  return { zoom: fit === 'center' ? 1 : minZoom(width, height), panX: 0.5, panY: 0.5 };
}

export function clampCrop(width: number, height: number, c: Crop): Crop {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : (lo + hi) / 2));
  return { zoom: clamp(c.zoom, minZoom(width, height), MAX_ZOOM), panX: clamp(c.panX, 0, 1), panY: clamp(c.panY, 0, 1) };
}

/**
 * The square a crop takes. Along each axis the square's start ranges between 0 and (length −
 * side): when the square is shorter than the picture it slides inside it, when longer the
 * picture slides inside the square.
 */
export function cropSquare(width: number, height: number, crop: Crop): Square {
  const c = clampCrop(width, height, crop);
  const side = Math.min(width, height) / c.zoom;
  const along = (length: number, pan: number) => pan * (length - side) || 0; // || 0: no −0
  return { x: along(width, c.panX), y: along(height, c.panY), side };
}

/** Whether two crops take the same square (to the nearest source pixel). */
export function sameSquare(width: number, height: number, a: Crop, b: Crop): boolean {
  const [p, q] = [cropSquare(width, height, a), cropSquare(width, height, b)];
  return Math.abs(p.x - q.x) < 0.5 && Math.abs(p.y - q.y) < 0.5 && Math.abs(p.side - q.side) < 0.5;
}

/** The crop after dragging its square by (dx, dy) source pixels: the square follows the pointer as far as it can go. */
export function dragCrop(width: number, height: number, crop: Crop, dx: number, dy: number): Crop {
  const c = clampCrop(width, height, crop);
  const side = Math.min(width, height) / c.zoom;
  // Where the square cannot move along an axis (it spans the picture exactly), pan stays.
  const along = (pan: number, d: number, length: number) => (Math.abs(length - side) < 1e-9 ? pan : pan + d / (length - side));
  return clampCrop(width, height, { zoom: c.zoom, panX: along(c.panX, dx, width), panY: along(c.panY, dy, height) });
}
