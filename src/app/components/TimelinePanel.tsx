import { useState } from 'react';
import { configToParams, type TrainConfig } from '../../contract/config.ts';
import type { PixelsMessage } from '../../contract/protocol.ts';
import type { MetricColumns } from '../state.ts';
import type { Send } from '../useTrainer.ts';
import { download } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { canRecordWebm, recordWebm } from '../webm.ts';

/** A link that reproduces this setup (not the data): the config's non-default fields in the URL. */
export function shareLink(config: TrainConfig, dataset: string | undefined): string {
  const params = new URLSearchParams(configToParams(config));
  if (dataset) params.set('dataset', dataset);
  return `${location.origin}${location.pathname}?${params}`;
}

/** How the generations grew: a scrubber over kept grids, and things to take away. */
export function TimelinePanel({ frames, metrics, config, dataset, send }: { frames: { step: number; image: PixelsMessage }[]; metrics: MetricColumns; config: TrainConfig | undefined; dataset: string | undefined; send: Send }) {
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
  const saveGrid = () => {
    const grid = document.querySelector<HTMLCanvasElement>('[data-testid="sample-grid"]');
    grid?.toBlob((blob) => blob && download(`ganvas-grid-step${frame?.step ?? 0}.png`, blob, 'image/png'));
  };
  return (
    <section className="panel timeline" data-testid="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      {frame ? (
        <>
          <PixelCanvas image={frame.image} className="pixelated" data-testid="timeline-frame" aria-label={`grid at step ${frame.step}`} />
          <label className="field">
            <span>
              step <strong data-testid="timeline-step">{frame.step}</strong> ({index + 1} of {frames.length} snapshots, dense early, sparse later)
              {at >= 0 && ` · G ${metrics.gLoss[at]!.toFixed(2)} · D ${metrics.dLoss[at]!.toFixed(2)} · D(real) ${metrics.dReal[at]!.toFixed(2)} · D(fake) ${metrics.dFake[at]!.toFixed(2)}`}
            </span>
            <input type="range" data-testid="timeline-scrubber" min={0} max={frames.length - 1} value={index} onChange={(e) => setPick(Number(e.target.value))} />
          </label>
        </>
      ) : (
        <p className="hint">Snapshots of the grid appear here as it trains.</p>
      )}
      <div className="row">
        <button type="button" data-testid="export-gif" disabled={frames.length === 0} onClick={() => send({ type: 'export/gif' })}>Timelapse (GIF)</button>
        {canRecordWebm() && (
          <button type="button" data-testid="export-webm" disabled={frames.length === 0 || recording} onClick={() => void saveWebm()}>
            {recording ? 'Recording…' : 'Timelapse (WebM)'}
          </button>
        )}
        <button type="button" data-testid="export-grid" disabled={frames.length === 0} onClick={saveGrid}>Grid (PNG)</button>
        <button type="button" data-testid="share-link" disabled={!config} onClick={() => {
          void navigator.clipboard?.writeText(shareLink(config!, dataset)).then(() => setCopied(true));
        }}>{copied ? 'Link copied' : 'Copy link to this setup'}</button>
      </div>
    </section>
  );
}
