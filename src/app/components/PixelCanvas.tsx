import { useEffect, useRef, type CanvasHTMLAttributes } from 'react';
import type { PixelsMessage } from '../../contract/protocol.ts';

/** Draws RGBA pixels posted by the Worker; CSS scales it up with crisp pixels. */
export function PixelCanvas({ image, ...rest }: { image: PixelsMessage | undefined } & CanvasHTMLAttributes<HTMLCanvasElement> & { 'data-testid'?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !image || image.width === 0) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.pixels), image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={canvas} width={1} height={1} {...rest} />;
}
