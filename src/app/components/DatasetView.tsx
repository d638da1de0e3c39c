import type { DatasetInfo, PixelsMessage } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
const rgbOf = (h: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];

/** The prepared images exactly as the model sees them, how they are made, and removal. */
export function DatasetView({ dataset, preview, send, busy }: {
  dataset: DatasetInfo;
  preview: { sheet: PixelsMessage; mean: PixelsMessage } | undefined;
  send: Send;
  busy: boolean;
}) {
  const setLook = (fit: 'center' | 'pad', background: [number, number, number]) => send({ type: 'dataset/options', fit, background });
  return (
    <>
      {dataset.count > 0 && preview && (
        <div className="preview">
          <figure>
            <PixelCanvas image={preview.sheet} className="pixelated" data-testid="dataset-preview" aria-label="prepared training images" />
            <figcaption>as the model sees them{dataset.count > 64 ? ` (first 64 of ${dataset.count})` : ''}</figcaption>
          </figure>
          <figure>
            <PixelCanvas image={preview.mean} className="pixelated mean" aria-label="mean image" />
            <figcaption>mean</figcaption>
          </figure>
        </div>
      )}
      <div className="look">
        <label className="field">
          <span>Make square by</span>
          <select value={dataset.fit} disabled={busy} data-testid="dataset-fit" onChange={(e) => setLook(e.target.value as 'center' | 'pad', dataset.background)}>
            <option value="center">cropping the centre</option>
            <option value="pad">padding (letterbox)</option>
          </select>
        </label>
        <label className="field">
          <span>Behind transparency</span>
          <input type="color" value={hex(dataset.background)} disabled={busy} aria-label="background colour for transparent pixels"
            onChange={(e) => setLook(dataset.fit, rgbOf(e.target.value))} />
        </label>
      </div>
      {dataset.count > 0 && (
        <button type="button" className="link" data-testid="export-dataset" onClick={() => send({ type: 'export/dataset' })} title="dataset.json + PNGs, the layout StyleGAN2-ADA's dataset_tool writes">
          Download these {dataset.count} images for StyleGAN2-ADA (.zip)
        </button>
      )}
      {dataset.names.length > 0 && (
        <details>
          <summary>{dataset.names.length} image file(s)</summary>
          <ul className="names">
            {dataset.names.map((n) => (
              <li key={n}>
                <span>{n}</span>
                <button type="button" className="link" disabled={busy} aria-label={`remove ${n}`} onClick={() => send({ type: 'dataset/remove', names: [n] })}>remove</button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
