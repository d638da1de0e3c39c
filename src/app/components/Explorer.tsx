import { useEffect, useRef, useState } from 'react';
import type { ModelKind } from '../../contract/config.ts';
import type { ExploreRequest, PixelsMessage, StyleBand } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';

export interface ExplorerFrame {
  step: number;
  mix: PixelsMessage | undefined;
  interpolation: PixelsMessage;
  noise: PixelsMessage | undefined;
}

const BANDS: { band: StyleBand; label: string }[] = [
  { band: 'coarse', label: 'coarse (4–8 px: pose, shape)' },
  { band: 'middle', label: 'middle' },
  { band: 'fine', label: 'fine (colour, texture)' },
];

/**
 * Explore the generator while it trains: the Worker redraws these with every grid, between
 * training steps. Pins come from clicks on the live grid.
 */
export function Explorer({ model, frame, pins, send }: { model: ModelKind; frame: ExplorerFrame | undefined; pins: [number, number]; send: Send }) {
  const [psi, setPsi] = useState(1);
  const [fromB, setFromB] = useState<StyleBand[]>(['coarse']);
  const [noiseSeed, setNoiseSeed] = useState(1);
  const [noiseOff, setNoiseOff] = useState(false);
  const [space, setSpace] = useState<'w' | 'z'>('w');
  const style = model === 'stylegan';

  useEffect(() => {
    const request: ExploreRequest = { psi, fromB, pins, noiseSeed, noiseOff, space };
    send({ type: 'explore', request });
  }, [psi, fromB, pins, noiseSeed, noiseOff, space, send]);
  useEffect(() => () => send({ type: 'explore', request: null }), [send]);

  return (
    <section className="panel explorer" data-testid="explorer" aria-labelledby="explore-heading">
      <h2 id="explore-heading">3 · Explore</h2>
      <p className="hint">Click two samples in the live grid to pin them as A and B (now #{pins[0] + 1} and #{pins[1] + 1}). Everything here updates while training runs.</p>
      <label className="field">
        <span>Truncation ψ = {psi.toFixed(2)} {style ? '(w = w̄ + ψ(w − w̄))' : '(z scaled by ψ)'}: lower trades variety for typical-looking samples</span>
        <input type="range" data-testid="truncation" min={0} max={1.5} step={0.05} value={psi} onChange={(e) => setPsi(Number(e.target.value))} />
      </label>
      <figure>
        <PixelCanvas image={frame?.interpolation} data-testid="interpolation" className="pixelated strip" aria-label="interpolation from A to B" />
        <figcaption>A → B, {style && space === 'w' ? 'linear in W (after the mapping network)' : 'spherical in z'}</figcaption>
      </figure>
      {style && (
        <div className="row" role="radiogroup" aria-label="interpolation space">
          <label className="flag"><input type="radio" name="space" checked={space === 'w'} onChange={() => setSpace('w')} /> in W (lerp)</label>
          <label className="flag"><input type="radio" name="space" checked={space === 'z'} onChange={() => setSpace('z')} /> in z (slerp)</label>
          <span className="hint">W is usually smoother: the mapping network unwarps z.</span>
        </div>
      )}
      {frame && <Animation strip={frame.interpolation} />}
      {style ? (
        <>
          <fieldset className="bands">
            <legend>Styles taken from the top row (B); the rest from the left column (A)</legend>
            {BANDS.map(({ band, label }) => (
              <label key={band} className="flag">
                <input type="checkbox" checked={fromB.includes(band)} onChange={(e) => setFromB(e.target.checked ? [...fromB, band] : fromB.filter((b) => b !== band))} />
                {label}
              </label>
            ))}
          </fieldset>
          <PixelCanvas image={frame?.mix} data-testid="style-mix-grid" className="pixelated mix" aria-label="style mixing grid" />
          <div className="row">
            <button type="button" onClick={() => setNoiseSeed(noiseSeed + 4)} disabled={noiseOff}>Resample noise</button>
            <label className="flag"><input type="checkbox" checked={noiseOff} onChange={(e) => setNoiseOff(e.target.checked)} /> noise off</label>
          </div>
          <PixelCanvas image={frame?.noise} className="pixelated strip" aria-label="sample A with different noise" />
          <p className="hint">Same w, different per-pixel noise: only fine, stochastic detail should change.</p>
        </>
      ) : (
        <p className="hint" data-testid="style-mix-grid">Style mixing needs the style-based generator: choose StyleGAN in Settings.</p>
      )}
    </section>
  );
}

/** Plays the interpolation strip as a loop, frame by frame. */
function Animation({ strip }: { strip: PixelsMessage }) {
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
  return <canvas ref={canvas} className="pixelated anim" aria-label="interpolation as an animation" />;
}
