import type { SamplesFrame } from '../state.ts';
import { PixelCanvas } from './PixelCanvas.tsx';

/** The fixed-latent grid: the same latents every time, so change means the generator learned. */
export function SampleGrid({ frame, side, onPick }: { frame: SamplesFrame | undefined; side: number; onPick: (index: number) => void }) {
  return (
    <figure className="grid-figure">
      <PixelCanvas image={frame} data-testid="sample-grid" className="sample-grid pixelated" aria-label="generated samples from fixed latents; click one to pin it in the explorer"
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const col = Math.min(side - 1, Math.floor(((e.clientX - r.left) / r.width) * side));
          const row = Math.min(side - 1, Math.floor(((e.clientY - r.top) / r.height) * side));
          onPick(row * side + col);
        }} />
      <figcaption>{frame ? `samples at step ${frame.step}, from the same fixed latents each time` : 'samples appear once a dataset is loaded'}</figcaption>
    </figure>
  );
}
