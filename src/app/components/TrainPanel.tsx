import { MODEL_NAMES } from '../../contract/config.ts';
import type { UiState } from '../state.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { LossChart } from './LossChart.tsx';
import { PixelCanvas } from './PixelCanvas.tsx';
import { QualityPanel } from './QualityPanel.tsx';
import { SampleGrid } from './SampleGrid.tsx';
import { Settings } from './Settings.tsx';
import { GameControls } from './GameControls.tsx';
import { Tour } from './Tour.tsx';
import { BaselineCompare } from './BaselineCompare.tsx';

const fmt = (n: number | undefined, digits = 3) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

/** Baselines trained on per-pixel error: no discriminator, so no D(real)/D(fake). */
export const isReconstruction = (model: string | undefined) => model === 'autoencoder' || model === 'vae';

/** Train and watch: controls, the live grid, the loss chart and the settings. */
export function TrainPanel({ ui, send, onPick }: { ui: UiState; send: Send; onPick: (index: number) => void }) {
  const { t, num } = useI18n();
  // The loop, not the status word: while new images load during training the status says
  // 'loading' and the loop still runs, so the button must still pause it.
  const training = ui.looping;
  const canTrain = (ui.dataset?.count ?? 0) > 0 && ui.state !== 'loading';
  const last = ui.metrics.step.length - 1;
  const reconstruction = isReconstruction(ui.config?.model);
  const augmentP = ui.metrics.augmentP[last] ?? 0;
  return (
    <section className="panel train" aria-labelledby="train-heading">
      <h2 id="train-heading">{t('train.heading')}</h2>
      <div className="row controls">
        <button
          type="button"
          data-testid="train-toggle"
          className="primary"
          disabled={!canTrain && !training}
          aria-keyshortcuts="Space"
          onClick={() => send({ type: training ? 'train/pause' : 'train/start' })}
        >
          {training ? t('train.pause') : ui.step > 0 ? t('train.resume') : t('train.train')}
        </button>
        <button type="button" data-testid="train-step" disabled={!canTrain || training} aria-keyshortcuts="S" onClick={() => send({ type: 'train/step' })}>
          {t('train.step')}
        </button>
        <button
          type="button"
          data-testid="train-reset"
          className="secondary"
          disabled={!canTrain || ui.step === 0}
          onClick={() => send({ type: 'train/reset' })}
        >
          {t('train.reset')}
        </button>
        <span className="stat">
          {t('train.stepCount')} <strong data-testid="step-count">{ui.step}</strong>
        </span>
        <span className="stat">
          <strong data-testid="images-per-sec">{ui.imagesPerSec.toFixed(0)}</strong> {t('train.imagesPerSec')}
        </span>
        {ui.runName && (
          <span className="stat run-label">
            {t('train.run')} <strong data-testid="run-name">{ui.runName}</strong>
          </span>
        )}
      </div>
      {/* The grid and the chart lead, right under the buttons; the tour's captions sit under the grid they point at. */}
      <div className="watch">
        <div>
          <div data-tour="grid">
            <SampleGrid frame={ui.samples} side={ui.config?.gridSide ?? 1} onPick={onPick} slowNote={ui.looping ? ui.paceNote : null} />
          </div>
          <Tour active={ui.step > 0 && ui.dataset?.source.kind === 'builtin'} />
          <p className="hint questions">
            <Help topic="explain.grid" label="help.q.grid" /> <Help topic="explain.modeCollapse" label="help.q.collapse" />
          </p>
          {ui.augmented && augmentP > 0 && (
            <figure className="augmented">
              <PixelCanvas image={ui.augmented} className="pixelated" data-testid="augmented-view" aria-label={t('train.augmentedAlt')} />
              <figcaption>{t('train.augmentedCaption')}</figcaption>
            </figure>
          )}
          {!reconstruction && <BaselineCompare baseline={ui.baseline} send={send} disabled={!ui.samples || ui.state === 'loading'} />}
        </div>
        <div className="chart-box">
          <div data-tour="losses">
            <LossChart metrics={ui.metrics} reconstruction={reconstruction} />
          </div>
          <p className="readout" data-testid="readout" data-tour="dreal">
            {reconstruction
              ? t('train.readoutAe', { g: fmt(ui.metrics.gLoss[last], 4), d: fmt(ui.metrics.dLoss[last]) })
              : t('train.readout', {
                  real: fmt(ui.metrics.dReal[last]),
                  fake: fmt(ui.metrics.dFake[last]),
                  g: fmt(ui.metrics.gLoss[last]),
                  d: fmt(ui.metrics.dLoss[last]),
                })}
            {augmentP > 0 && (
              <>
                {' '}
                · {t('train.augmentP')} <strong data-testid="augment-p">{fmt(augmentP, 2)}</strong> <Help topic="explain.augmentP" />
              </>
            )}
          </p>
          <p className="hint questions">
            <Help topic="explain.losses" label="help.q.losses" /> {!reconstruction && <Help topic="explain.dReal" label="help.q.dReal" />}
          </p>
          <QualityPanel quality={ui.quality} best={ui.best} nearest={ui.nearest} send={send} idle={!ui.samples} />
          {!reconstruction && <p className="hint">{t('train.dHint')}</p>}
        </div>
      </div>
      {ui.config && !reconstruction && <GameControls config={ui.config} phase={ui.phase} send={send} />}
      <Settings config={ui.config} send={send} locked={training || ui.state === 'loading'} />
      {ui.config && (
        <p className="hint">
          {t(reconstruction ? 'train.summaryAe' : 'train.summary', {
            model: MODEL_NAMES[ui.config.model],
            res: ui.config.res,
            g: num(ui.params.generator),
            d: num(ui.params.discriminator),
            batch: ui.config.batch,
          })}
          {ui.sizing && (
            <>
              {' '}
              ·{' '}
              <span data-testid="auto-size">
                {t('train.autoSize', {
                  picked: ui.sizing.picked,
                  measured: ui.sizing.speeds
                    .map((s) => t(s.measured ? 'train.speed' : 'train.speedPredicted', { preset: s.preset, speed: s.stepsPerSec.toFixed(1) }))
                    .join(', '),
                })}
              </span>
            </>
          )}
        </p>
      )}
    </section>
  );
}
