import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { SHORTCUTS, type ShortcutActions } from '../shortcuts.ts';

const LABELS: Record<keyof ShortcutActions, MessageKey> = {
  toggle: 'shortcuts.toggle',
  step: 'shortcuts.step',
  exportGrid: 'shortcuts.export',
  help: 'shortcuts.help',
  how: 'shortcuts.how',
};

/** The keyboard shortcuts, listed from the same table that handles them. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div data-testid="shortcuts-help">
      <h2 id="shortcuts-title">{t('shortcuts.title')}</h2>
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.label}</kbd>
            </dt>
            <dd>{t(LABELS[s.action])}</dd>
          </div>
        ))}
        <div>
          <dt>
            <kbd>Esc</kbd>
          </dt>
          <dd>{t('shortcuts.close')}</dd>
        </div>
      </dl>
      <button type="button" autoFocus onClick={onClose}>
        {t('help.close')}
      </button>
    </div>
  );
}
