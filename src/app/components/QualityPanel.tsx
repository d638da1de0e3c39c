import type { QualityPoint, WorkerEvent } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { Collapsible } from './Collapsible.tsx';

type Nearest = WorkerEvent & { type: 'nearest' };

/** A tiny inline chart: SWD over steps, as an SVG polyline (a few dozen points at most). */
function Sparkline({ points }: { points: QualityPoint[] }) {
  const { t } = useI18n();
  if (points.length < 2) return null;
  const xs = points.map((p) => p.step);
  const ys = points.map((p) => p.swd);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const path = points.map((p) => `${(((p.step - x0) / (x1 - x0 || 1)) * 200).toFixed(1)},${(38 - ((p.swd - y0) / (y1 - y0 || 1)) * 36).toFixed(1)}`).join(' ');
  return (
    <svg
      className="sparkline"
      viewBox="0 0 200 40"
      role="img"
      aria-label={t('quality.sparkline', { from: ys[0]!.toFixed(1), to: ys[ys.length - 1]!.toFixed(1) })}
    >
      <polyline points={path} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** Is it learning, and is it copying? SWD against the data, best snapshot, nearest neighbours. */
export function QualityPanel({
  quality,
  best,
  nearest,
  send,
  idle,
}: {
  quality: QualityPoint[];
  best: { step: number; swd: number } | undefined;
  nearest: Nearest | undefined;
  send: Send;
  idle: boolean;
}) {
  const { t } = useI18n();
  const last = quality[quality.length - 1];
  // The latest SWD stays in the one-line summary; how it was measured, the trend and the tools fold away.
  return (
    <Collapsible
      id="quality"
      className="quality"
      summary={
        <>
          {t('quality.label')} <strong data-testid="quality-metric">{last ? last.swd.toFixed(1) : '–'}</strong>
        </>
      }
    >
      <p>
        {last && <small>{t('quality.at', { step: last.step, levels: last.perLevel.map((v, i) => `${last.levels[i]}px ${v.toFixed(0)}`).join(', ') })} </small>}
        <Help topic="explain.swd" />
      </p>
      <Sparkline points={quality} />
      <div className="row">
        {best && (
          <button type="button" data-testid="back-to-best" onClick={() => send({ type: 'train/best' })}>
            {t('quality.best', { step: best.step, swd: best.swd.toFixed(1) })}
          </button>
        )}
        <button type="button" data-testid="check-nearest" disabled={idle} onClick={() => send({ type: 'quality/nearest' })}>
          {t('quality.nearest')}
        </button>
        <Help topic="explain.nearest" />
      </div>
      {nearest && (
        <figure className="nearest">
          <PixelCanvas image={nearest.image} className="pixelated" data-testid="nearest-grid" aria-label={t('quality.nearestAlt')} />
          <figcaption>
            {t('quality.nearestCaption', {
              step: nearest.step,
              percent: Math.round(nearest.nearCopyFraction * 100),
              median: nearest.medianDistance.toFixed(2),
            })}
          </figcaption>
        </figure>
      )}
    </Collapsible>
  );
}
