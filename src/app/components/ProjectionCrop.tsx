import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { clampCrop, cropSquare, dragCrop, MAX_ZOOM, minZoom, type Crop, type Square } from './projection-crop.ts';

/** Side of the overview canvas (the whole picture with the square outlined), in CSS pixels. */
const OVERVIEW = 192;
/** A cropped target is handed to the Worker at most this large; it brings it down to the model's size anyway. */
const MAX_SENT_SIDE = 1024;

type Rgb = readonly [number, number, number];
const css = ([r, g, b]: Rgb) => `rgb(${r}, ${g}, ${b})`;

/** The picture decoded for the preview, or why it could not be (the Worker still reads the file itself). */
export type Decoded = { ok: true; bitmap: ImageBitmap } | { ok: false } | undefined;

/** Decodes the chosen file for the preview; closes the bitmap when the file changes. */
export function useDecoded(file: File | undefined): Decoded {
  const [decoded, setDecoded] = useState<{ file: File; result: Decoded } | undefined>();
  useEffect(() => {
    if (!file) return;
    let bitmap: ImageBitmap | undefined;
    let live = true;
    createImageBitmap(file).then(
      (b) => {
        bitmap = b;
        if (live) setDecoded({ file, result: { ok: true, bitmap: b } });
        else b.close();
      },
      () => live && setDecoded({ file, result: { ok: false } }),
    );
    return () => {
      live = false;
      bitmap?.close();
    };
  }, [file]);
  return file && decoded?.file === file ? decoded.result : undefined;
}

/** The square of the picture as a PNG file (transparent where the square leaves the picture: the Worker fills that with the dataset's background). */
export async function croppedFile(bitmap: ImageBitmap, square: Square, name: string): Promise<File> {
  const side = Math.max(1, Math.round(Math.min(square.side, MAX_SENT_SIDE)));
  const k = side / square.side;
  const canvas = new OffscreenCanvas(side, side);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, -square.x * k, -square.y * k, bitmap.width * k, bitmap.height * k);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new File([blob], name, { type: 'image/png' });
}

/** The whole picture (on the dataset's background where the square reaches past it), the outside of the square dimmed. */
function drawOverview(c: HTMLCanvasElement, bitmap: ImageBitmap, s: Square, background: Rgb): void {
  const left = Math.min(0, s.x);
  const top = Math.min(0, s.y);
  const w = Math.max(bitmap.width, s.x + s.side) - left;
  const h = Math.max(bitmap.height, s.y + s.side) - top;
  const k = OVERVIEW / Math.max(w, h);
  c.width = Math.round(w * k);
  c.height = Math.round(h * k);
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = css(background);
  ctx.fillRect((s.x - left) * k, (s.y - top) * k, s.side * k, s.side * k);
  ctx.drawImage(bitmap, -left * k, -top * k, bitmap.width * k, bitmap.height * k);
  ctx.fillStyle = 'rgba(0, 0, 0, 0.5)';
  ctx.beginPath();
  ctx.rect(0, 0, c.width, c.height);
  ctx.rect((s.x - left) * k, (s.y - top) * k, s.side * k, s.side * k);
  ctx.fill('evenodd');
  ctx.strokeStyle = '#ffd400';
  ctx.lineWidth = 2;
  ctx.strokeRect((s.x - left) * k + 1, (s.y - top) * k + 1, s.side * k - 2, s.side * k - 2);
}

/** The square at the model's size over the dataset's background: close to what the Worker prepares (it averages areas exactly). */
function drawTarget(c: HTMLCanvasElement, bitmap: ImageBitmap, s: Square, res: number, background: Rgb): void {
  c.width = res;
  c.height = res;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = css(background);
  ctx.fillRect(0, 0, res, res);
  ctx.imageSmoothingQuality = 'high';
  const k = res / s.side;
  ctx.drawImage(bitmap, -s.x * k, -s.y * k, bitmap.width * k, bitmap.height * k);
}

/**
 * Crop and zoom over the chosen picture: the overview with the square the model will see, that
 * square at the model's size, and sliders for zoom and position (arrow keys move them).
 */
export function ProjectionCrop({
  bitmap,
  crop,
  onCrop,
  onReset,
  res,
  background,
}: {
  bitmap: ImageBitmap;
  crop: Crop;
  onCrop: (c: Crop) => void;
  onReset: () => void;
  res: number;
  background: Rgb;
}) {
  const { t } = useI18n();
  const overview = useRef<HTMLCanvasElement>(null);
  const target = useRef<HTMLCanvasElement>(null);
  // A drag on the overview moves the square (the sliders do the same from the keyboard).
  const drag = useRef<{ x: number; y: number; crop: Crop } | undefined>(undefined);
  const { width, height } = bitmap;
  const c = clampCrop(width, height, crop);
  const square = cropSquare(width, height, c);
  useEffect(() => {
    if (overview.current) drawOverview(overview.current, bitmap, square, background);
    if (target.current) drawTarget(target.current, bitmap, square, res, background);
  }, [bitmap, square.x, square.y, square.side, res, background]); // eslint-disable-line react-hooks/exhaustive-deps -- the square's numbers, not its object
  const slider = (key: keyof Crop, label: string, min: number, max: number, step: number) => (
    <label>
      {label}{' '}
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={c[key]}
        data-testid={`projection-${key === 'zoom' ? 'zoom' : key === 'panX' ? 'pan-x' : 'pan-y'}`}
        aria-valuetext={key === 'zoom' ? t('project.zoomValue', { zoom: c.zoom.toFixed(2) }) : `${Math.round(c[key] * 100)}%`}
        onChange={(e) => onCrop({ ...c, [key]: Number(e.target.value) })}
      />
    </label>
  );
  return (
    <fieldset className="projection-crop">
      <legend>{t('project.crop')}</legend>
      <div className="row">
        <canvas
          ref={overview}
          data-testid="projection-crop"
          role="img"
          aria-label={t('project.cropAlt')}
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId);
            drag.current = { x: e.clientX, y: e.clientY, crop: c };
          }}
          onPointerMove={(e) => {
            const from = drag.current;
            if (!from) return;
            // Screen pixels → source pixels: the overview shows max(w, h, square) source pixels across its drawn width.
            const box = e.currentTarget.getBoundingClientRect();
            const k = Math.max(width, height, square.side) / Math.max(box.width, box.height, 1);
            onCrop(dragCrop(width, height, from.crop, (e.clientX - from.x) * k, (e.clientY - from.y) * k));
          }}
          onPointerUp={() => (drag.current = undefined)}
          onPointerCancel={() => (drag.current = undefined)}
        />
        <figure>
          <canvas ref={target} data-testid="projection-crop-preview" className="pixelated thumb" role="img" aria-label={t('project.cropPreviewAlt', { res })} />
          <figcaption>{t('project.cropPreview', { res })}</figcaption>
        </figure>
      </div>
      <div className="row">
        {slider('zoom', t('project.zoom'), Math.floor(minZoom(width, height) * 100) / 100, MAX_ZOOM, 0.05)}
        {slider('panX', t('project.panX'), 0, 1, 0.02)}
        {slider('panY', t('project.panY'), 0, 1, 0.02)}
        <button type="button" onClick={onReset}>
          {t('project.cropReset')}
        </button>
      </div>
      <p className="hint">{t('project.cropHint')}</p>
    </fieldset>
  );
}
