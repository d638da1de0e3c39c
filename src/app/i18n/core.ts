/** Language choice and message formatting: no React, no DOM, so tests can use it in Node. */
import { en, type MessageKey, type Messages } from './en.ts';
import { zh } from './zh.ts';
import { EN_MESSAGES, renderMessage, type Message, type MessageKey as WorkerKey } from '../../contract/messages.ts';
import { MESSAGES_ZH } from './messages-zh.ts';

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];
export type { MessageKey };

export const MESSAGES: Record<Lang, Messages> = { en, zh };

export type Vars = Record<string, string | number>;

/** Fills `{name}` placeholders; a missing value is left visible rather than silently dropped. */
export function format(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  return format(MESSAGES[lang][key], vars);
}

/** The Worker's and the engine's messages (contract/messages.ts), by language. */
export const WORKER_MESSAGES: Record<Lang, Record<WorkerKey, string>> = { en: EN_MESSAGES, zh: MESSAGES_ZH };

/** A message from the Worker or the engine, in `lang`, its numbers written as `num` writes them. */
export function translateMessage(lang: Lang, m: Message, num: (n: number) => string = String): string {
  return renderMessage(m, WORKER_MESSAGES[lang], num);
}

/** `?lang=` wins, then a stored choice, then the first browser language we have. */
export function pickLang(search: string, stored: string | null, browser: readonly string[]): Lang {
  const asked = new URLSearchParams(search).get('lang');
  for (const candidate of [asked, stored, ...browser]) {
    const base = candidate?.toLowerCase().split('-')[0];
    if (base && (LANGS as readonly string[]).includes(base)) return base as Lang;
  }
  return 'en';
}
