import { useState } from 'react';
import type { DatasetInfo, ProjectedPinInfo, ProjectionDistance } from '../../contract/protocol.ts';
import { useI18n } from '../i18n/index.tsx';
import { fitVerdict, type ProjectionRun, type ProjectionState } from '../projection-state.ts';
import { download, type Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { presetCrop, sameSquare, cropSquare, type Crop } from './projection-crop.ts';
import { croppedFile, ProjectionCrop, useDecoded } from './ProjectionCrop.tsx';
import { stripFrames, stripGif } from './projection-export.ts';
import './projection.css';

/** Steps of a projection: a few seconds on a small model (docs/projection.md has the times). */
const DEFAULT_STEPS = 200;

/** Saves a canvas of the page as drawn (its own pixels, not a re-render), as the grid's PNG export does. */
function saveCanvas(testId: string, name: string): void {
  const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${testId}"]`);
  canvas?.toBlob((blob) => blob && download(name, blob, 'image/png'));
}

/** Saves the interpolation strip as drawn as an animated GIF of its frames. */
function saveStripGif(testId: string, name: string): void {
  const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${testId}"]`);
  if (!canvas || canvas.width < 2 || canvas.height < 1) return;
  const { width, height } = canvas;
  const bytes = stripGif(stripFrames(canvas.getContext('2d')!.getImageData(0, 0, width, height).data, width, height), height);
  download(name, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), 'image/gif');
}

/** A mirror distance below this: the picture is its own mirror image, and the ratio to it means nothing. */
const SYMMETRIC = 1e-6;

/** Distances span orders of magnitude: three significant digits. */
const show = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toPrecision(3) : '–');

/**
 * Put a picture into the generator: choose a target (a file, or a training image), watch the
 * Worker search for the latent that makes it, and use the result as a pin. The Worker squares the
 * picture with the dataset's own crop rule and background.
 */
export function Projection({
  style,
  images,
  dataset,
  projection,
  onPin,
  send,
}: {
  style: boolean;
  /** Training images there are to choose from. */
  images: number;
  /** The dataset's square rule and background, which a picture is prepared with too. */
  dataset: Pick<DatasetInfo, 'fit' | 'background' | 'res'> | undefined;
  projection: ProjectionState;
  onPin: (which: 0 | 1, id: string) => void;
  send: Send;
}) {
  const { t } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [source, setSource] = useState<'file' | 'training'>('file');
  const [index, setIndex] = useState(1);
  const [space, setSpace] = useState<'w' | 'w+'>('w+');
  const [steps, setSteps] = useState(DEFAULT_STEPS);
  const [fit, setFit] = useState<'dataset' | 'center' | 'pad'>('dataset');
  const [noiseMaps, setNoiseMaps] = useState(false);
  const [objective, setObjective] = useState<ProjectionDistance>('pyramid');
  // The person's own square; undefined: the square rule's (the select above).
  const [crop, setCrop] = useState<Crop | undefined>();
  const decoded = useDecoded(file);
  const bitmap = decoded?.ok ? decoded.bitmap : undefined;
  const rule = fit === 'dataset' ? (dataset?.fit ?? 'center') : fit;
  const preset = bitmap && presetCrop(bitmap.width, bitmap.height, rule);
  const run = projection.run;
  const running = run?.state === 'running';
  const ready = source === 'training' ? images > 0 : file !== undefined;
  const request = { space, steps, distance: objective, ...(style && noiseMaps ? { noiseMaps } : {}) };
  const start = async () => {
    if (source === 'training') return send({ type: 'projection/start', request: { target: { kind: 'training', index: index - 1 }, ...request } });
    if (!file) return;
    // An untouched square is the rule's: the Worker applies it to the file itself, exactly as to a training image.
    if (!bitmap || !preset || !crop || sameSquare(bitmap.width, bitmap.height, crop, preset))
      return send({ type: 'projection/start', request: { target: { kind: 'file', file }, ...request, ...(fit === 'dataset' ? {} : { fit }) } });
    const square = await croppedFile(bitmap, cropSquare(bitmap.width, bitmap.height, crop), file.name);
    send({ type: 'projection/start', request: { target: { kind: 'file', file: square }, ...request, fit: 'center' } });
  };
  return (
    <section className="projection" aria-labelledby="projection-heading">
      <h3 id="projection-heading">{t('project.heading')}</h3>
      <p className="hint">{t(style ? 'project.intro' : 'project.introZ')}</p>
      <div className="row" role="radiogroup" aria-label={t('project.source')}>
        <label className="flag">
          <input type="radio" name="projection-source" checked={source === 'file'} onChange={() => setSource('file')} /> {t('project.fromFile')}
        </label>
        <input
          type="file"
          accept="image/*"
          data-testid="projection-input"
          aria-label={t('project.fileLabel')}
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            setCrop(undefined);
            setSource('file');
          }}
        />
        <label className="flag">
          <input type="radio" name="projection-source" checked={source === 'training'} disabled={images === 0} onChange={() => setSource('training')} />{' '}
          {t('project.fromTraining')}
        </label>
        <input
          type="number"
          min={1}
          max={Math.max(1, images)}
          value={index}
          aria-label={t('project.indexLabel', { n: images })}
          onChange={(e) => {
            setIndex(Math.min(Math.max(1, Math.round(Number(e.target.value)) || 1), Math.max(1, images)));
            setSource('training');
          }}
        />
      </div>
      <div className="row">
        <label>
          {t('project.fit')}{' '}
          <select
            value={fit}
            onChange={(e) => {
              setFit(e.target.value as 'dataset' | 'center' | 'pad');
              setCrop(undefined);
            }}
          >
            <option value="dataset">{t('project.fitDataset')}</option>
            <option value="center">{t('project.fitCenter')}</option>
            <option value="pad">{t('project.fitPad')}</option>
          </select>
        </label>
        {style && (
          <label className="flag">
            <input type="checkbox" checked={noiseMaps} onChange={(e) => setNoiseMaps(e.target.checked)} /> {t('project.noiseMaps')}
          </label>
        )}
        {style && (
          <label>
            {t('project.space')}{' '}
            <select value={space} onChange={(e) => setSpace(e.target.value as 'w' | 'w+')}>
              <option value="w+">{t('project.spaceWPlus')}</option>
              <option value="w">{t('project.spaceW')}</option>
            </select>
          </label>
        )}
        <label>
          {t('project.objective')}{' '}
          <select data-testid="projection-objective" value={objective} onChange={(e) => setObjective(e.target.value as ProjectionDistance)}>
            <option value="pyramid">{t('project.objectivePyramid')}</option>
            <option value="pyramid+d">{t('project.objectiveD')}</option>
          </select>
        </label>
        <label>
          {t('project.steps')}{' '}
          <input
            type="number"
            min={10}
            max={5000}
            step={10}
            value={steps}
            onChange={(e) => setSteps(Math.min(5000, Math.max(10, Math.round(Number(e.target.value)) || DEFAULT_STEPS)))}
          />
        </label>
        <button type="button" data-testid="projection-start" disabled={!ready} onClick={() => void start()}>
          {running ? t('project.restart') : t('project.start')}
        </button>
        {running && (
          <button type="button" onClick={() => send({ type: 'projection/cancel' })}>
            {t('project.cancel')}
          </button>
        )}
      </div>
      {source === 'file' && bitmap && preset && (
        <ProjectionCrop
          bitmap={bitmap}
          crop={crop ?? preset}
          onCrop={setCrop}
          onReset={() => setCrop(undefined)}
          res={dataset?.res ?? 32}
          background={dataset?.background ?? [255, 255, 255]}
        />
      )}
      {source === 'file' && decoded?.ok === false && <p className="hint">{t('project.cropUnreadable')}</p>}
      <p className="hint">{t('project.distanceIs')}</p>
      {objective === 'pyramid+d' && <p className="hint">{t('project.distanceIsD')}</p>}
      {run && <RunView run={run} onPin={onPin} />}
      {projection.pins.length > 0 && <PinList pins={projection.pins} onPin={onPin} />}
    </section>
  );
}

function RunView({ run, onPin }: { run: ProjectionRun; onPin: (which: 0 | 1, id: string) => void }) {
  const { t, tm } = useI18n();
  return (
    <div className="projection-run">
      <div className="row">
        <figure>
          <PixelCanvas
            image={run.target}
            data-testid="projection-target"
            className="pixelated thumb"
            aria-label={t('project.targetAlt', { label: tm(run.label) })}
          />
          <figcaption>{t('project.target')}</figcaption>
        </figure>
        <figure>
          <PixelCanvas image={run.view} data-testid="projection-view" className="pixelated thumb" aria-label={t('project.viewAlt')} />
          <figcaption>{t('project.view')}</figcaption>
        </figure>
        {run.nearest && run.pin?.nearest && (
          <figure>
            <PixelCanvas image={run.nearest} className="pixelated thumb" aria-label={t('project.nearestAlt', { n: run.pin.nearest.index + 1 })} />
            <figcaption>{t('project.nearest', { n: run.pin.nearest.index + 1 })}</figcaption>
          </figure>
        )}
      </div>
      <p data-testid="projection-distance" aria-live="polite">
        {t(
          run.state === 'done'
            ? 'project.final'
            : run.state === 'stopped'
              ? 'project.stoppedAt'
              : run.distance === undefined
                ? 'project.starting'
                : 'project.progress',
          {
            distance: show(run.distance),
            step: run.step,
            total: run.total,
          },
        )}
      </p>
      <Curve values={run.curve} />
      {run.pin && <Verdict pin={run.pin} onPin={onPin} />}
    </div>
  );
}

/** The plain-words reading of a finished projection. */
function Verdict({ pin, onPin }: { pin: ProjectedPinInfo; onPin: (which: 0 | 1, id: string) => void }) {
  const { t } = useI18n();
  const verdict = fitVerdict(pin);
  return (
    <div className="projection-verdict">
      <p>
        {t(pin.mirror < SYMMETRIC ? 'project.yardstickSymmetric' : 'project.yardstick', {
          start: show(pin.start),
          mirror: show(pin.mirror),
          ratio: (pin.distance / Math.max(pin.mirror, 1e-12)).toFixed(1),
          seconds: (pin.ms / 1000).toFixed(1),
        })}{' '}
        <strong>{t(verdict === 'mirror' ? 'project.fitMirror' : verdict === 'near' ? 'project.fitNear' : 'project.fitFar')}</strong>
      </p>
      {pin.fixedNoise !== undefined && <p>{t('project.fixedNoise', { distance: show(pin.fixedNoise) })}</p>}
      {pin.objective === 'pyramid+d' && <p>{t('project.foundWithD')}</p>}
      {pin.nearest && (
        <p className={pin.nearest.far ? 'warning' : undefined} role={pin.nearest.far ? 'status' : undefined}>
          {t(pin.nearest.far ? 'project.farFromSet' : 'project.inSet', { distance: show(pin.nearest.distance), gap: show(pin.nearest.typicalGap) })}
        </p>
      )}
      <p className="row">
        <button type="button" onClick={() => onPin(0, pin.id)}>
          {t('project.asA')}
        </button>
        <button type="button" onClick={() => onPin(1, pin.id)}>
          {t('project.asB')}
        </button>
        <button type="button" onClick={() => saveCanvas('projection-view', 'ganvas-projection.png')}>
          {t('project.savePng')}
        </button>
        <button type="button" onClick={() => saveCanvas('interpolation', 'ganvas-interpolation.png')}>
          {t('project.saveStrip')}
        </button>
        <button type="button" onClick={() => saveStripGif('interpolation', 'ganvas-interpolation.gif')}>
          {t('project.saveGif')}
        </button>
      </p>
    </div>
  );
}

function PinList({ pins, onPin }: { pins: ProjectedPinInfo[]; onPin: (which: 0 | 1, id: string) => void }) {
  const { t, tm } = useI18n();
  return (
    <ul className="projection-pins" aria-label={t('project.pins')}>
      {pins.map((p) => (
        <li key={p.id}>
          {tm(p.label)} · {show(p.distance)}{' '}
          <button type="button" onClick={() => onPin(0, p.id)} aria-label={t('project.asAOf', { label: tm(p.label) })}>
            A
          </button>{' '}
          <button type="button" onClick={() => onPin(1, p.id)} aria-label={t('project.asBOf', { label: tm(p.label) })}>
            B
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The distance per step, on a log scale, as a small line. */
function Curve({ values }: { values: number[] }) {
  const { t } = useI18n();
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length < 2) return null;
  const logs = finite.map(Math.log10);
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const span = hi - lo || 1;
  const points = logs.map((v, i) => `${((i / (logs.length - 1)) * 200).toFixed(1)},${(((hi - v) / span) * 40).toFixed(1)}`).join(' ');
  return (
    <svg
      className="projection-curve"
      viewBox="0 0 200 40"
      width="200"
      height="40"
      role="img"
      aria-label={t('project.curveAlt', { first: show(finite[0]), last: show(finite[finite.length - 1]) })}
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1" />
    </svg>
  );
}
