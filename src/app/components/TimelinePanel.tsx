import { useState } from 'react';
import { configToParams, type TrainConfig } from '../../contract/config.ts';
import type { PixelsMessage } from '../../contract/protocol.ts';
import type { MetricColumns } from '../state.ts';
import type { Send } from '../useTrainer.ts';
import { download } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { canRecordWebm, recordWebm } from '../webm.ts';
import { saveGridPng } from '../grid-png.ts';
import { useI18n } from '../i18n/index.tsx';
import { Collapsible } from './Collapsible.tsx';

/** A link that reproduces this setup (not the data): the config's non-default fields in the URL. */
export function shareLink(config: TrainConfig, dataset: string | undefined): string {
  const params = new URLSearchParams(configToParams(config));
  if (dataset) params.set('dataset', dataset);
  return `${location.origin}${location.pathname}?${params}`;
}

/** How the generations grew: a scrubber over kept grids, and things to take away. */
export function TimelinePanel({
  frames,
  metrics,
  config,
  dataset,
  send,
}: {
  frames: { step: number; image: PixelsMessage }[];
  metrics: MetricColumns;
  config: TrainConfig | undefined;
  dataset: string | undefined;
  send: Send;
}) {
  const { t } = useI18n();
  const [pick, setPick] = useState<number | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const [recording, setRecording] = useState(false);
  const saveWebm = async () => {
    setRecording(true);
    try {
      download(`ganvas-timelapse.webm`, await recordWebm(frames.map((f) => f.image)), 'video/webm');
    } finally {
      setRecording(false);
    }
  };
  const index = Math.min(pick ?? frames.length - 1, frames.length - 1);
  const frame = frames[index];
  // The last metric report at or before the frame's step.
  const at = frame ? metrics.step.filter((s) => s <= frame.step).length - 1 : -1;
  return (
    <section className="panel timeline" data-testid="timeline" aria-labelledby="timeline-heading">
      <Collapsible
        id="timeline"
        summary={
          <>
            <h2 id="timeline-heading">{t('timeline.heading')}</h2>{' '}
            <span className="hint">
              {frame ? t('timeline.summary', { n: frames.length, step: frames[frames.length - 1]!.step }) : t('timeline.summaryEmpty')}
            </span>
          </>
        }
      >
        {frame ? (
          <>
            <PixelCanvas image={frame.image} className="pixelated" data-testid="timeline-frame" aria-label={t('timeline.frameAlt', { step: frame.step })} />
            <label className="field">
              <span>
                {t('timeline.step')} <strong data-testid="timeline-step">{frame.step}</strong> {t('timeline.of', { i: index + 1, n: frames.length })}
                {at >= 0 &&
                  ` ${t('timeline.losses', { g: metrics.gLoss[at]!.toFixed(2), d: metrics.dLoss[at]!.toFixed(2), real: metrics.dReal[at]!.toFixed(2), fake: metrics.dFake[at]!.toFixed(2) })}`}
              </span>
              <input
                type="range"
                data-testid="timeline-scrubber"
                min={0}
                max={frames.length - 1}
                value={index}
                onChange={(e) => setPick(Number(e.target.value))}
              />
            </label>
          </>
        ) : (
          <p className="hint">{t('timeline.empty')}</p>
        )}
        <div className="row">
          <button type="button" data-testid="export-gif" disabled={frames.length === 0} onClick={() => send({ type: 'export/gif' })}>
            {t('timeline.gif')}
          </button>
          {canRecordWebm() && (
            <button type="button" data-testid="export-webm" disabled={frames.length === 0 || recording} onClick={() => void saveWebm()}>
              {recording ? t('timeline.recording') : t('timeline.webm')}
            </button>
          )}
          <button type="button" data-testid="export-grid" disabled={frames.length === 0} onClick={() => saveGridPng(frame?.step ?? 0)}>
            {t('timeline.grid')}
          </button>
          <button
            type="button"
            data-testid="share-link"
            disabled={!config}
            onClick={() => {
              void navigator.clipboard?.writeText(shareLink(config!, dataset)).then(() => setCopied(true));
            }}
          >
            {copied ? t('timeline.copied') : t('timeline.share')}
          </button>
        </div>
      </Collapsible>
    </section>
  );
}
