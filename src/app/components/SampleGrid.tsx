import type { Message } from '../../contract/messages.ts';
import type { SamplesFrame } from '../state.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n } from '../i18n/index.tsx';

/**
 * The fixed-latent grid: the same latents every time, so change means the generator learned.
 * `slowNote` says, under the picture, why it costs more than usual to keep it fresh (a slow backend).
 */
export function SampleGrid({
  frame,
  side,
  onPick,
  slowNote,
}: {
  frame: SamplesFrame | undefined;
  side: number;
  onPick: (index: number) => void;
  slowNote?: Message | null;
}) {
  const { t, tm } = useI18n();
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
      <figcaption>
        {frame ? t('grid.caption', { step: frame.step }) : t('grid.empty')}
        {slowNote && (
          <span className="hint" data-testid="pace-note" role="note">
            {' '}
            {tm(slowNote)}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
