import type { SamplesFrame } from '../state.ts';
import { PixelCanvas } from './PixelCanvas.tsx';

/** The fixed-latent grid: the same latents every time, so change means the generator learned. */
export function SampleGrid({ frame }: { frame: SamplesFrame | undefined }) {
  return (
    <figure className="grid-figure">
      <PixelCanvas image={frame} data-testid="sample-grid" className="sample-grid pixelated" aria-label="generated samples from fixed latents" />
      <figcaption>{frame ? `samples at step ${frame.step}, from the same fixed latents each time` : 'samples appear once a dataset is loaded'}</figcaption>
    </figure>
  );
}
