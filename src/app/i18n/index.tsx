/**
 * UI language: English or Simplified Chinese, from `?lang=`, then the person's last choice,
 * then the browser's languages. Components get text only through `useI18n().t`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Message } from '../../contract/messages.ts';
import { pickLang, translate, translateMessage, type Lang, type MessageKey, type Vars } from './core.ts';

export { LANGS, type Lang, type MessageKey } from './core.ts';

const STORAGE_KEY = 'ganvas.lang';

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  /** A message from the Worker or the engine (a key with values), in this language. */
  tm: (message: Message) => string;
  /** Numbers grouped the way the language writes them. */
  num: (n: number) => string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLang(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked: the choice just does not persist
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => pickLang(location.search, storedLang(), navigator.languages ?? [navigator.language]));
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // see storedLang
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const locale = lang === 'zh' ? 'zh-CN' : 'en';
    return { lang, setLang, t: (key, vars) => translate(lang, key, vars), tm: (m) => translateMessage(lang, m), num: (n) => n.toLocaleString(locale) };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside <I18nProvider>');
  return value;
}
