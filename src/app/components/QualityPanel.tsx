import { COLLAPSE_DIVERSITY, collapseWarning } from '../../contract/metrics.ts';
import type { QualityPoint, WorkerEvent } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { Collapsible } from './Collapsible.tsx';

type Nearest = WorkerEvent & { type: 'nearest' };

/**
 * A tiny inline chart: one value over steps, as an SVG polyline (a few dozen points at most). `floor` draws a dashed
 * line at a threshold (kept inside the scale), so a value falling under it is seen, not only read.
 */
function Sparkline({
  points,
  value,
  label,
  digits,
  floor,
}: {
  points: QualityPoint[];
  value: (p: QualityPoint) => number;
  label: MessageKey;
  digits: number;
  floor?: number;
}) {
  const { t } = useI18n();
  const shown = points.filter((p) => Number.isFinite(value(p)));
  if (shown.length < 2) return null;
  const xs = shown.map((p) => p.step);
  const ys = shown.map(value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = floor === undefined ? [Math.min(...ys), Math.max(...ys)] : [Math.min(0, ...ys), Math.max(floor * 2, ...ys)];
  const y = (v: number) => (38 - ((v - y0) / (y1 - y0 || 1)) * 36).toFixed(1);
  const path = shown.map((p) => `${(((p.step - x0) / (x1 - x0 || 1)) * 200).toFixed(1)},${y(value(p))}`).join(' ');
  return (
    <svg className="sparkline" viewBox="0 0 200 40" role="img" aria-label={t(label, { from: ys[0]!.toFixed(digits), to: ys[ys.length - 1]!.toFixed(digits) })}>
      {floor !== undefined && <line x1="0" x2="200" y1={y(floor)} y2={y(floor)} stroke="currentColor" strokeWidth="0.5" strokeDasharray="3 3" opacity="0.6" />}
      <polyline points={path} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** A diversity for reading: two decimals, or a dash while unknown (a dataset of one image has no spread). */
const diversityText = (d: number | undefined) => (d !== undefined && Number.isFinite(d) ? d.toFixed(2) : '–');

/**
 * Is it learning, is it collapsing, is it copying? SWD against the data, the samples' diversity against the data's (with
 * a warning when it falls low), best snapshot, nearest neighbours.
 */
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
  const collapsing = collapseWarning(last);
  // The latest SWD and diversity stay in the one-line summary, and so does the collapse warning (a closed panel must
  // not hide it); how they were measured, the trends and the tools fold away.
  return (
    <Collapsible
      id="quality"
      className="quality"
      summary={
        <>
          {t('quality.label')} <strong data-testid="quality-metric">{last ? last.swd.toFixed(1) : '–'}</strong> · {t('quality.diversity')}{' '}
          <strong data-testid="sample-diversity">{diversityText(last?.diversity)}</strong>
          {collapsing && (
            <span role="status" data-testid="collapse-warning" style={{ display: 'block', color: 'var(--error)' }}>
              ⚠ {t('quality.collapse', { diversity: diversityText(last?.diversity) })}
            </span>
          )}
        </>
      }
    >
      <p>
        {last && <small>{t('quality.at', { step: last.step, levels: last.perLevel.map((v, i) => `${last.levels[i]}px ${v.toFixed(0)}`).join(', ') })} </small>}
        <Help topic="explain.swd" />
      </p>
      <Sparkline points={quality} value={(p) => p.swd} label="quality.sparkline" digits={1} />
      <p>
        <small>{t('quality.diversityAt', { diversity: diversityText(last?.diversity) })} </small>
        <Help topic="explain.diversity" />
      </p>
      <Sparkline points={quality} value={(p) => p.diversity} label="quality.diversitySparkline" digits={2} floor={COLLAPSE_DIVERSITY} />
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
