import type { BackendInfo, RunState } from '../../contract/protocol.ts';

/** Run state and the active backend, with why the better backends were skipped. */
export function StatusBar({ state, message, backend }: { state: RunState; message: string; backend: BackendInfo | undefined }) {
  return (
    <div className="statusbar">
      <p data-testid="status" className={`status status-${state}`} role="status" aria-live="polite">
        {state}: {message}
      </p>
      <details className="backend">
        <summary data-testid="backend">{backend ? `${backend.name}${backend.software ? ' (software)' : ''}` : 'choosing backend…'}</summary>
        {backend && (
          <div>
            <p>{backend.reason}</p>
            {backend.skipped.length > 0 && (
              <ul>{backend.skipped.map((s) => <li key={s.name}>{s.name} skipped: {s.reason}</li>)}</ul>
            )}
            <p className="hint">Force one with <code>?backend=webgpu</code>, <code>webgl</code>, <code>wasm</code> or <code>cpu</code>.</p>
          </div>
        )}
      </details>
    </div>
  );
}
