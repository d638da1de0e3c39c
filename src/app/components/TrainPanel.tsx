import type { UiState } from '../state.ts';
import type { Send } from '../useTrainer.ts';
import { LossChart } from './LossChart.tsx';
import { PixelCanvas } from './PixelCanvas.tsx';
import { QualityPanel } from './QualityPanel.tsx';
import { SampleGrid } from './SampleGrid.tsx';
import { Settings } from './Settings.tsx';

const fmt = (n: number | undefined, digits = 3) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

/** Train and watch: controls, the live grid, the loss chart and the settings. */
export function TrainPanel({ ui, send, onPick }: { ui: UiState; send: Send; onPick: (index: number) => void }) {
  const training = ui.state === 'training';
  const canTrain = (ui.dataset?.count ?? 0) > 0 && ui.state !== 'loading';
  const last = ui.metrics.step.length - 1;
  return (
    <section className="panel train" aria-labelledby="train-heading">
      <h2 id="train-heading">2 · Train</h2>
      <div className="row controls">
        <button type="button" data-testid="train-toggle" className="primary" disabled={!canTrain && !training}
          onClick={() => send({ type: training ? 'train/pause' : 'train/start' })}>
          {training ? 'Pause' : ui.step > 0 ? 'Resume' : 'Train'}
        </button>
        <button type="button" data-testid="train-step" disabled={!canTrain || training} onClick={() => send({ type: 'train/step' })}>
          Single step
        </button>
        <button type="button" data-testid="train-reset" className="secondary" disabled={!canTrain || ui.step === 0} onClick={() => send({ type: 'train/reset' })}>
          Reset weights
        </button>
        <span className="stat">step <strong data-testid="step-count">{ui.step}</strong></span>
        <span className="stat"><strong data-testid="images-per-sec">{ui.imagesPerSec.toFixed(1)}</strong> img/s</span>
      </div>
      <div className="watch">
        <div>
          <SampleGrid frame={ui.samples} side={ui.config?.gridSide ?? 1} onPick={onPick} />
          {ui.augmented && (ui.metrics.augmentP[last] ?? 0) > 0 && (
            <figure className="augmented">
              <PixelCanvas image={ui.augmented} className="pixelated" data-testid="augmented-view" aria-label="augmented reals and fakes as D sees them" />
              <figcaption>what D sees: augmented reals, then fakes. Cutout squares or shifts appearing in the samples above would mean augmentation leaks into G.</figcaption>
            </figure>
          )}
        </div>
        <div className="chart-box">
          <LossChart metrics={ui.metrics} />
          <p className="readout" data-testid="readout">
            D(real) <strong>{fmt(ui.metrics.dReal[last])}</strong> · D(fake) <strong>{fmt(ui.metrics.dFake[last])}</strong> ·
            G loss {fmt(ui.metrics.gLoss[last])} · D loss {fmt(ui.metrics.dLoss[last])}
            {(ui.metrics.augmentP[last] ?? 0) > 0 && <> · augment p <strong data-testid="augment-p">{fmt(ui.metrics.augmentP[last], 2)}</strong></>}
          </p>
          <QualityPanel quality={ui.quality} best={ui.best} nearest={ui.nearest} send={send} idle={!ui.samples} />
          <p className="hint">D outputs the probability that an image is real. When G wins the game, D can no longer tell: both drift toward 0.5.</p>
        </div>
      </div>
      <Settings config={ui.config} send={send} locked={training || ui.state === 'loading'} />
      {ui.config && (
        <p className="hint">
          {ui.config.model === 'stylegan' ? 'StyleGAN' : 'DCGAN'} {ui.config.res}×{ui.config.res} · G {ui.params.generator.toLocaleString('en')} / D {ui.params.discriminator.toLocaleString('en')} parameters · batch {ui.config.batch}
        </p>
      )}
    </section>
  );
}
