import type { SamplesFrame } from '../state.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n } from '../i18n/index.tsx';

/** The fixed-latent grid: the same latents every time, so change means the generator learned. */
export function SampleGrid({ frame, side, onPick }: { frame: SamplesFrame | undefined; side: number; onPick: (index: number) => void }) {
  const { t } = useI18n();
  return (
    <figure className="grid-figure">
      <PixelCanvas
        image={frame}
        data-testid="sample-grid"
        data-step={frame?.step}
        className="sample-grid pixelated"
        aria-label={t('grid.alt')}
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const col = Math.min(side - 1, Math.floor(((e.clientX - r.left) / r.width) * side));
          const row = Math.min(side - 1, Math.floor(((e.clientY - r.top) / r.height) * side));
          onPick(row * side + col);
        }}
      />
      <figcaption>{frame ? t('grid.caption', { step: frame.step }) : t('grid.empty')}</figcaption>
    </figure>
  );
}
