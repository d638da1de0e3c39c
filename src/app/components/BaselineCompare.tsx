import type { WorkerEvent } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { PixelCanvas } from './PixelCanvas.tsx';
import { Collapsible } from './Collapsible.tsx';

type Baseline = WorkerEvent & { type: 'baseline' };

/**
 * The seed's argument, on the person's own data: an autoencoder (or VAE) trained on the same
 * images with per-pixel error, its samples beside the GAN's grid and scored with the same SWD.
 */
export function BaselineCompare({ baseline, send, disabled }: { baseline: Baseline | undefined; send: Send; disabled: boolean }) {
  const { t } = useI18n();
  const running = baseline !== undefined && !baseline.done;
  const name = baseline && t(baseline.kind === 'vae' ? 'baseline.vae' : 'baseline.autoencoder');
  // Folded to its title and where it stands: one line under the grid until someone asks.
  const state = !baseline
    ? ''
    : baseline.done
      ? t('baseline.summaryDone', { name: name!, swd: baseline.swd?.toFixed(1) ?? '–', ganSwd: baseline.gan?.swd.toFixed(1) ?? '–' })
      : t('baseline.summaryRunning', { name: name!, step: baseline.step, total: baseline.total });
  return (
    <Collapsible
      id="baseline"
      className="baseline"
      testId="baseline"
      summary={
        <>
          <strong>{t('baseline.title')}</strong>
          {state && <small> · {state}</small>}
        </>
      }
    >
      <div className="row">
        <button
          type="button"
          data-testid="baseline-autoencoder"
          disabled={disabled || running}
          onClick={() => send({ type: 'baseline/train', kind: 'autoencoder' })}
        >
          {t('baseline.trainAe')}
        </button>
        <button type="button" data-testid="baseline-vae" disabled={disabled || running} onClick={() => send({ type: 'baseline/train', kind: 'vae' })}>
          {t('baseline.trainVae')}
        </button>
        {running && (
          <button type="button" className="link" onClick={() => send({ type: 'baseline/stop' })}>
            {t('data.cancel')}
          </button>
        )}
        <Help topic="explain.baseline" />
      </div>
      {baseline && (
        <figure>
          <PixelCanvas image={baseline.image} className="pixelated baseline-grid" data-testid="baseline-grid" aria-label={t('baseline.alt', { name: name! })} />
          <figcaption data-testid="baseline-caption">
            {baseline.done
              ? t('baseline.done', {
                  name: name!,
                  step: baseline.step,
                  swd: baseline.swd?.toFixed(1) ?? '–',
                  ganSwd: baseline.gan?.swd.toFixed(1) ?? '–',
                  ganStep: baseline.gan?.step ?? '–',
                })
              : t('baseline.progress', { name: name!, step: baseline.step, total: baseline.total, recon: baseline.recon.toFixed(4) })}
          </figcaption>
        </figure>
      )}
    </Collapsible>
  );
}
