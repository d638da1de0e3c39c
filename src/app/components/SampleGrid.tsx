import { useEffect, useRef } from 'react';
import type { SamplesFrame } from '../state.ts';

/** The fixed-latent grid: the same latents every time, so change means the generator learned. */
export function SampleGrid({ frame }: { frame: SamplesFrame | undefined }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !frame) return;
    c.width = frame.width;
    c.height = frame.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(frame.pixels), frame.width, frame.height), 0, 0);
  }, [frame]);
  return (
    <figure className="grid-figure">
      <canvas ref={canvas} data-testid="sample-grid" className="sample-grid" width={1} height={1} aria-label="generated samples from fixed latents" />
      <figcaption>{frame ? `samples at step ${frame.step}` : 'samples appear once a dataset is loaded'}</figcaption>
    </figure>
  );
}
