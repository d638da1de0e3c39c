import { useState } from 'react';
import type { WorkerEvent } from '../../contract/protocol.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Send } from '../useTrainer.ts';
import { Collapsible } from './Collapsible.tsx';

type Ppl = WorkerEvent & { type: 'ppl' };

/** PPL spans orders of magnitude between models and steps: three significant digits. */
const show = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : '–');

/**
 * Perceptual path length on demand (StyleGAN's smoothness metric): the Worker measures it
 * between training steps and answers with a `ppl` event.
 */
export function PathLength({ ppl, send, disabled = false }: { ppl: Ppl | undefined; send: Send; disabled?: boolean }) {
  const { t } = useI18n();
  // The result shown when the button was pressed: "measuring" until a different one arrives.
  // The button stays enabled, so a measurement the Worker dropped (model changed) can be retried.
  const [asked, setAsked] = useState<Ppl | undefined | null>(null);
  const measuring = asked !== null && asked === ppl;
  const measure = () => {
    setAsked(ppl);
    send({ type: 'quality/ppl' });
  };
  return (
    <Collapsible
      id="ppl"
      className="ppl"
      summary={
        <>
          {t('ppl.label')} <strong data-testid="ppl-value">{ppl ? show(ppl.mean) : '–'}</strong>
        </>
      }
    >
      <p>
        <button type="button" data-testid="ppl-measure" disabled={disabled} onClick={measure}>
          {measuring ? t('ppl.measuring') : t('ppl.measure')}
        </button>
        {ppl && (
          <small>
            {' '}
            {t('ppl.detail', { space: ppl.space === 'w' ? 'W' : 'z', step: ppl.step, median: show(ppl.median), p90: show(ppl.p90), pairs: ppl.pairs })}
          </small>
        )}
      </p>
      <p className="hint">{t('ppl.explain')}</p>
    </Collapsible>
  );
}
