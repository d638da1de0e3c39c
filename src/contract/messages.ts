/**
 * Every sentence the Worker, the engine or the data layer shows a person, as a key with values,
 * never as finished text: the page renders it in the person's language (app/i18n), the CLI and
 * the logs in English (`english`). This catalogue is the English text and the list of keys; each
 * other language gives a text for every key (a missing one does not compile).
 * `{name}` marks a value; a value may itself be a message (a reason inside a sentence).
 */
import { CATALOGUE } from './message-catalogue.ts';

export { CATALOGUE as EN_MESSAGES };
export type MessageKey = keyof typeof CATALOGUE;
export type MessageArg = string | number | Message;

export interface Message {
  readonly key: MessageKey;
  readonly vars?: Readonly<Record<string, MessageArg>>;
}

export function msg(key: MessageKey, vars?: Record<string, MessageArg>): Message {
  return vars ? { key, vars } : { key };
}

/** Fills a message's template from `catalogue`, rendering nested messages the same way. */
export function renderMessage(m: Message, catalogue: Readonly<Record<MessageKey, string>>, format: (n: number) => string = String): string {
  const template = catalogue[m.key] ?? CATALOGUE[m.key] ?? m.key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = m.vars?.[name];
    if (v === undefined) return whole;
    if (typeof v === 'number') return format(v);
    return typeof v === 'string' ? v : renderMessage(v, catalogue, format);
  });
}

export const english = (m: Message): string => renderMessage(m, CATALOGUE);

/** A named thing (a file, an archive entry) that was not used, and why. */
export interface Rejection {
  name: string;
  reason: Message;
}

/** An error that carries a message for a person (its `.message` is the English text). */
export class MessageError extends Error {
  constructor(readonly content: Message) {
    super(english(content));
  }
}

/** The message an error carries; anything else (a bug, a browser's own error) becomes its text as a detail. */
export function messageOf(e: unknown): Message {
  if (e instanceof MessageError) return e.content;
  return msg('error.unexpected', { detail: e instanceof Error ? e.message : String(e) });
}
