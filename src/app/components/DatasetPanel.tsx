import { useState, type DragEvent } from 'react';
import type { BuiltinInfo, DataLimits, DatasetInfo, PixelsMessage } from '../../contract/protocol.ts';
import { filesFromDrop } from '../files.ts';
import type { Send } from '../useTrainer.ts';
import { DatasetView } from './DatasetView.tsx';

interface Props {
  dataset: DatasetInfo | undefined;
  preview: { sheet: PixelsMessage; mean: PixelsMessage } | undefined;
  builtins: BuiltinInfo[];
  limits: DataLimits | undefined;
  progress: { done: number; total: number } | undefined;
  send: Send;
  busy: boolean;
}

/** Data in: built-in sets, files, folders, zips; what was kept and what was not, and why. */
export function DatasetPanel({ dataset, preview, builtins, limits, progress, send, busy }: Props) {
  const [dragging, setDragging] = useState(false);
  const sourceName = dataset?.source.kind === 'builtin' ? dataset.source.name : '';
  const addFiles = (files: File[]) => {
    // A dropped project file opens the run; everything else is training data.
    const projects = files.filter((f) => f.name.toLowerCase().endsWith('.ganvas'));
    const images = files.filter((f) => !projects.includes(f));
    for (const file of projects.slice(0, 1)) send({ type: 'project/import', file });
    if (images.length) send({ type: 'dataset/files', files: images, replace: false });
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    addFiles(await filesFromDrop(e.dataTransfer));
  };

  return (
    <section className="panel" aria-labelledby="data-heading">
      <h2 id="data-heading">1 · Data</h2>
      <label className="field">
        <span>Built-in dataset</span>
        <select data-testid="dataset-builtin" value={sourceName} disabled={busy} onChange={(e) => e.target.value && send({ type: 'dataset/builtin', name: e.target.value })}>
          <option value="">— your own images —</option>
          {builtins.map((b) => (
            <option key={b.name} value={b.name}>
              {b.label}
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
        <p>Drop images, a folder or a .zip here (or a .ganvas project to open it)</p>
        {limits && (
          <p className="hint limits">
            PNG, JPEG, WebP, GIF, BMP · up to {limits.maxImages.toLocaleString('en')} images, {limits.maxImagePixels / 1e6} MP and {limits.maxFileBytes / 2 ** 20} MB per image ·
            zips up to {limits.maxArchiveBytes / 2 ** 20} MB unpacked and {limits.maxArchiveEntries.toLocaleString('en')} files
          </p>
        )}
        <label className="button">
          Choose files…
          <input data-testid="dataset-input" type="file" multiple accept="image/*,.zip,application/zip" disabled={busy}
            onChange={(e) => { addFiles(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
        </label>
        <label className="button">
          Choose a folder…
          <input type="file" multiple disabled={busy} {...{ webkitdirectory: '' }}
            onChange={(e) => { addFiles(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
        </label>
      </div>
      {busy && progress && progress.total > 0 && (
        <div className="loading-row">
          <progress max={progress.total} value={progress.done} aria-label="loading images" />
          <span>{progress.done}/{progress.total}</span>
          <button type="button" onClick={() => send({ type: 'dataset/cancel' })}>Cancel</button>
        </div>
      )}
      <p className="dataset-summary">
        <span data-testid="dataset-count">{dataset?.count ?? 0}</span> images
        {dataset && dataset.count > 0 && ` at ${dataset.res}×${dataset.res}`}
        {dataset && dataset.duplicates > 0 && ` · ${dataset.duplicates} duplicate(s) skipped`}
        {dataset?.source.kind === 'user' && (
          <button type="button" className="link" disabled={busy} onClick={() => send({ type: 'dataset/clear' })}>clear</button>
        )}
      </p>
      {dataset?.licence && <p className="licence">{dataset.licence}</p>}
      {dataset && <DatasetView dataset={dataset} preview={preview} send={send} busy={busy} />}
      <ul data-testid="dataset-errors" className="rejections" aria-label="files not used">
        {dataset?.rejected.map((r, i) => (
          <li key={i}>
            <strong>{r.name}</strong>: {r.reason}
          </li>
        ))}
      </ul>
      {dataset && dataset.warnings.length > 0 && (
        <details className="warnings">
          <summary>{dataset.warnings.length} warning(s)</summary>
          <ul>{dataset.warnings.map((w, i) => <li key={i}><strong>{w.name}</strong>: {w.reason}</li>)}</ul>
        </details>
      )}
    </section>
  );
}
