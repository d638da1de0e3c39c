import type { DatasetInfo, PixelsMessage } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { PixelCanvas } from './PixelCanvas.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Collapsible } from './Collapsible.tsx';

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
const rgbOf = (h: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];

/**
 * The prepared images exactly as the model sees them, how they are made (folded to one line
 * that says how), and the list of files with removal.
 */
export function DatasetView({
  dataset,
  preview,
  send,
  busy,
}: {
  dataset: DatasetInfo;
  preview: { sheet: PixelsMessage; mean: PixelsMessage } | undefined;
  send: Send;
  busy: boolean;
}) {
  const { t } = useI18n();
  const setLook = (fit: 'center' | 'pad', background: [number, number, number]) => send({ type: 'dataset/options', fit, background });
  return (
    <>
      <Collapsible
        id="data-look"
        className="data-look"
        summary={t('data.lookSummary', { fit: t(dataset.fit === 'pad' ? 'data.square.pad' : 'data.square.center') })}
      >
        {dataset.count > 0 && preview && (
          <div className="preview">
            <figure>
              <PixelCanvas image={preview.sheet} className="pixelated" data-testid="dataset-preview" aria-label={t('data.preparedAlt')} />
              <figcaption>
                {t('data.asSeen')}
                {dataset.count > 64 ? ` ${t('data.firstOf', { n: dataset.count })}` : ''}
              </figcaption>
            </figure>
            <figure>
              <PixelCanvas image={preview.mean} className="pixelated mean" aria-label={t('data.meanAlt')} />
              <figcaption>{t('data.mean')}</figcaption>
            </figure>
          </div>
        )}
        <div className="look">
          <label className="field">
            <span>{t('data.square')}</span>
            <select
              value={dataset.fit}
              disabled={busy}
              data-testid="dataset-fit"
              onChange={(e) => setLook(e.target.value as 'center' | 'pad', dataset.background)}
            >
              <option value="center">{t('data.square.center')}</option>
              <option value="pad">{t('data.square.pad')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('data.background')}</span>
            <input
              type="color"
              value={hex(dataset.background)}
              disabled={busy}
              aria-label={t('data.backgroundAlt')}
              onChange={(e) => setLook(dataset.fit, rgbOf(e.target.value))}
            />
          </label>
        </div>
        {dataset.count > 0 && (
          <button
            type="button"
            className="link"
            data-testid="export-dataset"
            onClick={() => send({ type: 'export/dataset' })}
            title={t('data.exportStyleganHint')}
          >
            {t('data.exportStylegan', { n: dataset.count })}
          </button>
        )}
      </Collapsible>
      {dataset.names.length > 0 && (
        <details>
          <summary>{t('data.files', { n: dataset.names.length })}</summary>
          <ul className="names">
            {dataset.names.map((n) => (
              <li key={n}>
                <span>{n}</span>
                <button
                  type="button"
                  className="link"
                  disabled={busy}
                  aria-label={t('data.removeName', { name: n })}
                  onClick={() => send({ type: 'dataset/remove', names: [n] })}
                >
                  {t('data.remove')}
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
