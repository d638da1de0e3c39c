import type { Message } from '../../contract/messages.ts';
import type { BackendInfo, RunState } from '../../contract/protocol.ts';
import { useI18n } from '../i18n/index.tsx';
import { Help } from './Help.tsx';

/** Run state and the active backend, with why the better backends were skipped. */
export function StatusBar({ state, message, backend }: { state: RunState; message: Message; backend: BackendInfo | undefined }) {
  const { t, tm, lang } = useI18n();
  return (
    <div className="statusbar">
      <p data-testid="status" className={`status status-${state}`} role="status" aria-live="polite">
        {/* The state word stays English (the UI contract: tests read it); the translation follows it. */}
        {state}
        {lang === 'en' ? '' : ` (${t(`state.${state}`)})`}: {tm(message)}
      </p>
      <details className="backend">
        <summary data-testid="backend">{backend ? `${backend.name}${backend.software ? ` ${t('status.software')}` : ''}` : t('status.choosing')}</summary>
        {backend && (
          <div>
            <p data-testid="backend-reason">{tm(backend.reason)}</p>
            {backend.kernels && (
              <p data-testid="backend-kernels" data-fused={backend.kernels.fused ? 'on' : 'off'}>
                {tm(backend.kernels.reason)}
              </p>
            )}
            {backend.skipped.length > 0 && (
              <ul>
                {backend.skipped.map((s) => (
                  <li key={s.name}>{t('status.skipped', { name: s.name, reason: tm(s.reason) })}</li>
                ))}
              </ul>
            )}
            <p className="hint">
              {t('status.force')} <Help topic="explain.backend" />
            </p>
          </div>
        )}
      </details>
    </div>
  );
}
