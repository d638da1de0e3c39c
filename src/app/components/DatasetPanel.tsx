import { useState, type DragEvent } from 'react';
import type { BuiltinInfo, DataLimits, DatasetInfo, PixelsMessage, WorkerEvent } from '../../contract/protocol.ts';
import { datasetLabel, filesFromDrop } from '../files.ts';
import { DataChange } from './DataChange.tsx';
import type { Send } from '../useTrainer.ts';
import { DatasetView } from './DatasetView.tsx';
import { useI18n } from '../i18n/index.tsx';
import type { MessageKey } from '../i18n/index.tsx';

/** The built-in sets the page knows by name; a new one shows the Worker's English label until added here. */
const BUILTIN_LABELS: Record<string, MessageKey> = { faces: 'data.builtin.faces', animals: 'data.builtin.animals', shapes: 'data.builtin.shapes' };

interface Props {
  dataset: DatasetInfo | undefined;
  preview: { sheet: PixelsMessage; mean: PixelsMessage } | undefined;
  builtins: BuiltinInfo[];
  limits: DataLimits | undefined;
  progress: { done: number; total: number } | undefined;
  change: (WorkerEvent & { type: 'dataset/changed' }) | undefined;
  send: Send;
  /** A load or the start-up is in progress: new images still go in (they queue behind it). */
  busy: boolean;
}

/** Data in: built-in sets, files, folders, zips; what was kept and what was not, and why. */
export function DatasetPanel({ dataset, preview, builtins, limits, progress, change, send, busy }: Props) {
  const { t, tm, num } = useI18n();
  const [dragging, setDragging] = useState(false);
  const sourceName = dataset?.source.kind === 'builtin' ? dataset.source.name : '';
  const addFiles = (files: File[]) => {
    // A dropped project file opens the run; everything else is training data.
    const projects = files.filter((f) => f.name.toLowerCase().endsWith('.ganvas'));
    const images = files.filter((f) => !projects.includes(f));
    for (const file of projects.slice(0, 1)) send({ type: 'project/import', file });
    if (images.length) send({ type: 'dataset/files', files: images, replace: false, label: datasetLabel(images, t('data.myImages')) });
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    addFiles(await filesFromDrop(e.dataTransfer));
  };

  return (
    <section className="panel data" aria-labelledby="data-heading">
      <h2 id="data-heading">{t('data.heading')}</h2>
      <label className="field">
        <span>{t('data.builtin')}</span>
        <select data-testid="dataset-builtin" value={sourceName} onChange={(e) => e.target.value && send({ type: 'dataset/builtin', name: e.target.value })}>
          <option value="">{t('data.ownImages')}</option>
          {builtins.map((b) => (
            <option key={b.name} value={b.name}>
              {BUILTIN_LABELS[b.name] ? t(BUILTIN_LABELS[b.name]!) : b.label}
            </option>
          ))}
        </select>
      </label>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <p>{t('data.drop')}</p>
        {limits && (
          <p className="hint limits">
            {t('data.limits', {
              images: num(limits.maxImages),
              megapixels: limits.maxImagePixels / 1e6,
              fileMb: limits.maxFileBytes / 2 ** 20,
              zipMb: limits.maxArchiveBytes / 2 ** 20,
              entries: num(limits.maxArchiveEntries),
            })}
          </p>
        )}
        <label className="button">
          {t('data.chooseFiles')}
          <input
            data-testid="dataset-input"
            type="file"
            multiple
            accept="image/*,.zip,application/zip"
            onChange={(e) => {
              addFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </label>
        <label className="button">
          {t('data.chooseFolder')}
          <input
            data-testid="dataset-folder"
            type="file"
            multiple
            {...{ webkitdirectory: '' }}
            onChange={(e) => {
              addFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {busy && progress && progress.total > 0 && (
        <div className="loading-row">
          <progress max={progress.total} value={progress.done} aria-label={t('data.loadingImages')} />
          <span>
            {progress.done}/{progress.total}
          </span>
          <button type="button" onClick={() => send({ type: 'dataset/cancel' })}>
            {t('data.cancel')}
          </button>
        </div>
      )}
      <p className="dataset-summary">
        <span data-testid="dataset-count">{dataset?.count ?? 0}</span> {t('data.count')}
        {dataset && dataset.count > 0 && ` ${t('data.at', { res: dataset.res })}`}
        {dataset && dataset.duplicates > 0 && ` · ${t('data.duplicates', { n: dataset.duplicates })}`}
        {dataset?.source.kind === 'user' && (
          <button type="button" className="link" disabled={busy} onClick={() => send({ type: 'dataset/clear' })}>
            {t('data.clear')}
          </button>
        )}
      </p>
      <DataChange change={change} send={send} />
      {dataset?.licence && <p className="licence">{dataset.licence}</p>}
      {dataset && <DatasetView dataset={dataset} preview={preview} send={send} busy={busy} />}
      <ul data-testid="dataset-errors" className="rejections" aria-label={t('data.rejected')}>
        {dataset?.rejected.map((r, i) => (
          <li key={i}>
            <strong>{r.name}</strong>: {tm(r.reason)}
          </li>
        ))}
      </ul>
      {dataset && dataset.warnings.length > 0 && (
        <details className="warnings">
          <summary>{t('data.warnings', { n: dataset.warnings.length })}</summary>
          <ul>
            {dataset.warnings.map((w, i) => (
              <li key={i}>
                <strong>{w.name}</strong>: {tm(w.reason)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
