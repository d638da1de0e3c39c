/** Messages (contract/messages.ts) inside any value, turned into their English text, for comparing with sentences. */
import { english, EN_MESSAGES, type Message } from '../../src/contract/messages.ts';

const isMessage = (v: unknown): v is Message => typeof v === 'object' && v !== null && 'key' in v && typeof v.key === 'string' && v.key in EN_MESSAGES;

export function inEnglish(value: unknown): unknown {
  if (isMessage(value)) return english(value);
  if (Array.isArray(value)) return value.map(inEnglish);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inEnglish(v)]));
  }
  return value;
}
