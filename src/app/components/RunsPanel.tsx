import type { RunSummary } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Saved runs (autosaved in this browser) and project files to take elsewhere. */
export function RunsPanel({ runs, current, send, canExport }: { runs: RunSummary[]; current: string | undefined; send: Send; canExport: boolean }) {
  return (
    <section className="panel runs" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Saved runs</h2>
      <p className="hint">Runs save themselves in this browser every 20 seconds and on pause.</p>
      <ul data-testid="runs-list" className="runs-list">
        {runs.map((r) => (
          <li key={r.id} className={r.id === current ? 'current' : undefined}>
            <span className="run-name" title={r.name}>{r.name}</span>
            <small>step {r.step} · {r.res}px · {when(r.updated)} · {mb(r.size)}</small>
            <span className="row">
              <button type="button" disabled={r.id === current} onClick={() => send({ type: 'runs/resume', id: r.id })}>Resume</button>
              <button type="button" className="link" onClick={() => {
                const name = prompt('Name this run', r.name);
                if (name?.trim()) send({ type: 'runs/rename', id: r.id, name: name.trim() });
              }}>rename</button>
              <button type="button" className="link" onClick={() => send({ type: 'runs/duplicate', id: r.id })}>duplicate</button>
              <button type="button" className="link" onClick={() => confirm(`Delete "${r.name}"?`) && send({ type: 'runs/delete', id: r.id })}>delete</button>
            </span>
          </li>
        ))}
      </ul>
      {runs.length === 0 && <p className="hint">No saved runs yet.</p>}
      <div className="row">
        <button type="button" data-testid="export-project" disabled={!canExport} onClick={() => send({ type: 'project/export' })}>Export project (.ganvas)</button>
        <button type="button" data-testid="export-generator" disabled={!canExport} onClick={() => send({ type: 'export/generator' })} title="model.json + weights: tf.loadLayersModel in any page (DCGAN)">
          Generator only (tfjs model)
        </button>
        <label className="button">
          Open project…
          <input type="file" data-testid="import-project" accept=".ganvas,application/zip" onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) send({ type: 'project/import', file });
            e.target.value = '';
          }} />
        </label>
      </div>
    </section>
  );
}
