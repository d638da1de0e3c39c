import type { Message } from '../../contract/messages.ts';
import type { BackendInfo, RunState } from '../../contract/protocol.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { THEMES, type Theme } from '../theme.ts';
import { StatusBar } from './StatusBar.tsx';

const THEME_LABELS: Record<Theme, MessageKey> = { system: 'app.theme.system', light: 'app.theme.light', dark: 'app.theme.dark' };

/** Title, the run's status, and the page's own controls: guide, shortcuts, theme, language. */
export function TopBar({
  state,
  message,
  backend,
  theme,
  setTheme,
  onHow,
  onShortcuts,
}: {
  state: RunState;
  message: Message;
  backend: BackendInfo | undefined;
  theme: Theme;
  setTheme: (t: Theme) => void;
  onHow: () => void;
  onShortcuts: () => void;
}) {
  const { t, lang, setLang } = useI18n();
  return (
    <header className="topbar">
      <div>
        <h1>Ganvas</h1>
        <p className="tagline">{t('app.tagline')}</p>
        <nav className="row page-tools" aria-label={t('app.howItWorks')}>
          <button type="button" data-testid="how-open" aria-keyshortcuts="H" onClick={onHow}>
            {t('app.howItWorks')}
          </button>
          <button type="button" data-testid="shortcuts-open" aria-keyshortcuts="?" onClick={onShortcuts}>
            {t('app.shortcuts')}
          </button>
          <label className="flag">
            {t('app.theme')}
            <select data-testid="theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
              {THEMES.map((th) => (
                <option key={th} value={th}>
                  {t(THEME_LABELS[th])}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            data-testid="lang-switch"
            lang={lang === 'en' ? 'zh-CN' : 'en'}
            title={t('app.langSwitchLabel')}
            onClick={() => setLang(lang === 'en' ? 'zh' : 'en')}
          >
            {t('app.langSwitch')}
          </button>
        </nav>
      </div>
      <StatusBar state={state} message={message} backend={backend} />
    </header>
  );
}
