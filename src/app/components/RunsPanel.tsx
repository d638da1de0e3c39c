import type { RunSummary } from '../../contract/protocol.ts';
import type { Send } from '../useTrainer.ts';
import { useI18n } from '../i18n/index.tsx';
import { Collapsible } from './Collapsible.tsx';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Saved runs (autosaved in this browser) and project files to take elsewhere. Folded to a
 * count at first; open from the start when there are earlier runs to go back to.
 */
export function RunsPanel({ runs, current, send, canExport }: { runs: RunSummary[]; current: string | undefined; send: Send; canExport: boolean }) {
  const { t, lang } = useI18n();
  const when = (iso: string) => new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'short', timeStyle: 'short' });
  return (
    <section className="panel runs" aria-labelledby="runs-heading">
      <Collapsible
        id="runs"
        defaultOpen={runs.some((r) => r.id !== current) ? true : undefined}
        summary={
          <>
            <h2 id="runs-heading">{t('runs.heading')}</h2> <span className="hint">{runs.length ? t('runs.summary', { n: runs.length }) : t('runs.empty')}</span>
          </>
        }
      >
        <p className="hint">{t('runs.hint')}</p>
        <ul data-testid="runs-list" className="runs-list">
          {runs.map((r) => (
            <li key={r.id} className={r.id === current ? 'current' : undefined}>
              <span className="run-name" title={r.name}>
                {r.name}
              </span>
              <small>{t('runs.meta', { step: r.step, res: r.res, when: when(r.updated), size: mb(r.size) })}</small>
              <span className="row">
                <button type="button" disabled={r.id === current} onClick={() => send({ type: 'runs/resume', id: r.id })}>
                  {t('runs.resume')}
                </button>
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    const name = prompt(t('runs.renamePrompt'), r.name);
                    if (name?.trim()) send({ type: 'runs/rename', id: r.id, name: name.trim() });
                  }}
                >
                  {t('runs.rename')}
                </button>
                <button type="button" className="link" onClick={() => send({ type: 'runs/duplicate', id: r.id })}>
                  {t('runs.duplicate')}
                </button>
                <button
                  type="button"
                  className="link"
                  onClick={() => confirm(t('runs.deleteConfirm', { name: r.name })) && send({ type: 'runs/delete', id: r.id })}
                >
                  {t('runs.delete')}
                </button>
              </span>
            </li>
          ))}
        </ul>
        <div className="row">
          <button type="button" data-testid="export-project" disabled={!canExport} onClick={() => send({ type: 'project/export' })}>
            {t('runs.export')}
          </button>
          <button
            type="button"
            data-testid="export-generator"
            disabled={!canExport}
            onClick={() => send({ type: 'export/generator' })}
            title={t('runs.exportGeneratorHint')}
          >
            {t('runs.exportGenerator')}
          </button>
          <label className="button">
            {t('runs.open')}
            <input
              type="file"
              data-testid="import-project"
              accept=".ganvas,application/zip"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) send({ type: 'project/import', file });
                e.target.value = '';
              }}
            />
          </label>
        </div>
      </Collapsible>
    </section>
  );
}
