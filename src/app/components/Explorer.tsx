import { useCallback, useEffect, useRef, useState } from 'react';
import type { ModelKind } from '../../contract/config.ts';
import type { DatasetInfo, ExploreRequest, Pin, PixelsMessage, StyleBand, WorkerEvent } from '../../contract/protocol.ts';
import type { ProjectionState } from '../projection-state.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Help } from './Help.tsx';
import { PathLength } from './PathLength.tsx';
import { Projection } from './Projection.tsx';

type Ppl = WorkerEvent & { type: 'ppl' };

export interface ExplorerFrame {
  step: number;
  mix: PixelsMessage | undefined;
  interpolation: PixelsMessage;
  noise: PixelsMessage | undefined;
}

const BANDS: { band: StyleBand; label: MessageKey }[] = [
  { band: 'coarse', label: 'explore.band.coarse' },
  { band: 'middle', label: 'explore.band.middle' },
  { band: 'fine', label: 'explore.band.fine' },
];

/** No truncation: samples as the generator makes them. */
const DEFAULT_PSI = 1;

/** Projected pins in place of the grid's A and/or B, until the grid's pins change again. */
type Overrides = [string | undefined, string | undefined];

/**
 * Explore the generator while it trains: the Worker redraws these with every grid, between
 * training steps. Pins come from clicks on the live grid, or from projected pictures.
 */
export function Explorer({
  model,
  frame,
  pins: gridPins,
  ppl,
  projection,
  images,
  dataset,
  send,
}: {
  model: ModelKind;
  frame: ExplorerFrame | undefined;
  pins: [number, number];
  ppl: Ppl | undefined;
  projection: ProjectionState;
  /** Training images there are (projection can start from one). */
  images: number;
  /** The dataset's square rule and background (a projected picture is prepared with them). */
  dataset?: Pick<DatasetInfo, 'fit' | 'background' | 'res'> | undefined;
  send: Send;
}) {
  const { t, tm } = useI18n();
  // A click on the grid after a projection takes the pins back (set while rendering, as ψ below).
  const [overrides, setOverrides] = useState<Overrides>([undefined, undefined]);
  const [seenGridPins, setSeenGridPins] = useState(gridPins);
  if (seenGridPins !== gridPins) {
    setSeenGridPins(gridPins);
    setOverrides([undefined, undefined]);
  }
  // A pin whose model is gone (the Worker dropped it) falls back to the grid's.
  const known = (id: string | undefined) => (id !== undefined && projection.pins.some((p) => p.id === id) ? id : undefined);
  const pinA: Pin = known(overrides[0]) ?? gridPins[0];
  const pinB: Pin = known(overrides[1]) ?? gridPins[1];
  const onPin = useCallback((which: 0 | 1, id: string) => setOverrides((o) => (which === 0 ? [id, o[1]] : [o[0], id])), []);
  // A projection that just finished becomes pin A.
  const doneId = projection.run?.state === 'done' ? projection.run.id : undefined;
  const [seenDone, setSeenDone] = useState(doneId);
  if (seenDone !== doneId) {
    setSeenDone(doneId);
    if (doneId) setOverrides((o) => [doneId, o[1]]);
  }
  const pinName = (p: Pin) => {
    if (typeof p === 'number') return `#${p + 1}`;
    const info = projection.pins.find((q) => q.id === p);
    return info ? tm(info.label) : p;
  };
  const [psi, setPsi] = useState(DEFAULT_PSI);
  // ψ truncates z in DCGAN and W in StyleGAN: a value chosen for one kind of model means
  // something else for another, so a new kind starts untruncated (set while rendering, so the
  // Worker never hears the old ψ for the new model).
  const [psiModel, setPsiModel] = useState(model);
  if (psiModel !== model) {
    setPsiModel(model);
    setPsi(DEFAULT_PSI);
  }
  const [fromB, setFromB] = useState<StyleBand[]>(['coarse']);
  const [noiseSeed, setNoiseSeed] = useState(1);
  const [noiseOff, setNoiseOff] = useState(false);
  const [space, setSpace] = useState<'w' | 'z'>('w');
  const style = model === 'stylegan';

  useEffect(() => {
    const request: ExploreRequest = { psi, fromB, pins: [pinA, pinB], noiseSeed, noiseOff, space };
    send({ type: 'explore', request });
  }, [psi, fromB, pinA, pinB, noiseSeed, noiseOff, space, send]);
  useEffect(() => () => send({ type: 'explore', request: null }), [send]);

  return (
    <section className="panel explorer" data-testid="explorer" aria-labelledby="explore-heading">
      <h2 id="explore-heading">{t('explore.heading')}</h2>
      <p className="hint">
        {typeof pinA === 'number' && typeof pinB === 'number'
          ? t('explore.pins', { a: pinA + 1, b: pinB + 1 })
          : t('explore.pinsProjected', { a: pinName(pinA), b: pinName(pinB) })}
      </p>
      <div className="field">
        <span className="field-head">
          <label htmlFor="truncation">
            {t('explore.psi', { psi: psi.toFixed(2) })} {style ? t('explore.psiStyle') : t('explore.psiZ')}: {t('explore.psiHint')}
          </label>{' '}
          <Help topic="explain.psi" />
        </span>
        <input
          id="truncation"
          type="range"
          data-testid="truncation"
          min={0}
          max={1.5}
          step={0.05}
          value={psi}
          onChange={(e) => setPsi(Number(e.target.value))}
        />
      </div>
      <figure>
        <PixelCanvas image={frame?.interpolation} data-testid="interpolation" className="pixelated strip" aria-label={t('explore.interpAlt')} />
        <figcaption>{style && space === 'w' ? t('explore.interpW') : t('explore.interpZ')}</figcaption>
      </figure>
      {style && (
        <div className="row" role="radiogroup" aria-label={t('explore.space')}>
          <label className="flag">
            <input type="radio" name="space" checked={space === 'w'} onChange={() => setSpace('w')} /> {t('explore.inW')}
          </label>
          <label className="flag">
            <input type="radio" name="space" checked={space === 'z'} onChange={() => setSpace('z')} /> {t('explore.inZ')}
          </label>
          <span className="hint">{t('explore.spaceHint')}</span>
        </div>
      )}
      {frame && <Animation strip={frame.interpolation} />}
      {style ? (
        <>
          <fieldset className="bands">
            <legend>{t('explore.bands')}</legend>
            <Help topic="explain.mixing" />
            {BANDS.map(({ band, label }) => (
              <label key={band} className="flag">
                <input
                  type="checkbox"
                  checked={fromB.includes(band)}
                  onChange={(e) => setFromB(e.target.checked ? [...fromB, band] : fromB.filter((b) => b !== band))}
                />
                {t(label)}
              </label>
            ))}
          </fieldset>
          <PixelCanvas image={frame?.mix} data-testid="style-mix-grid" className="pixelated mix" aria-label={t('explore.mixAlt')} />
          <div className="row">
            <button type="button" onClick={() => setNoiseSeed(noiseSeed + 4)} disabled={noiseOff}>
              {t('explore.resample')}
            </button>
            <label className="flag">
              <input type="checkbox" checked={noiseOff} onChange={(e) => setNoiseOff(e.target.checked)} /> {t('explore.noiseOff')}
            </label>
            <Help topic="explain.noise" />
          </div>
          <PixelCanvas image={frame?.noise} className="pixelated strip" aria-label={t('explore.noiseAlt')} />
          <p className="hint">{t('explore.noiseHint')}</p>
        </>
      ) : (
        <p className="hint" data-testid="style-mix-grid">
          {t('explore.needsStyle')}
        </p>
      )}
      <Projection style={style} images={images} dataset={dataset} projection={projection} onPin={onPin} send={send} />
      <PathLength ppl={ppl} send={send} />
    </section>
  );
}

/** Plays the interpolation strip as a loop, frame by frame. */
function Animation({ strip }: { strip: PixelsMessage }) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const frames = 8;
    const side = (strip.width + 1) / frames - 1;
    const source = new OffscreenCanvas(strip.width, strip.height);
    source.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(strip.pixels), strip.width, strip.height), 0, 0);
    c.width = side;
    c.height = side;
    let i = 0;
    const timer = setInterval(() => {
      const f = i < frames ? i : 2 * frames - 2 - i; // there and back
      c.getContext('2d')!.drawImage(source, f * (side + 1), 0, side, side, 0, 0, side, side);
      i = (i + 1) % (2 * frames - 2);
    }, 160);
    return () => clearInterval(timer);
  }, [strip]);
  return <canvas ref={canvas} className="pixelated anim" aria-label={t('explore.animAlt')} />;
}
