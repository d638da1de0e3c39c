/**
 * The "How it works" page in two languages (src/app/i18n/how-en.ts, how-zh.ts): the same keys
 * at every depth, nothing empty, nothing left in English, and markup that survives translation.
 */
import { describe, expect, it } from 'vitest';
import { howEn } from '../../src/app/i18n/how-en.ts';
import { howZh } from '../../src/app/i18n/how-zh.ts';

type Tree = { [key: string]: string | Tree };

/** Every string leaf as [dotted path, text]. Throws on anything that is neither. */
function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]): [string, string][] => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') return [[path, value]];
    if (value && typeof value === 'object' && !Array.isArray(value)) return leaves(value, path);
    throw new Error(`${path}: not a string or an object`);
  });
}

const en = new Map(leaves(howEn));
const zh = new Map(leaves(howZh));

/** Paper titles stay in English in the Chinese list, as Chinese texts cite them. */
const SAME_IN_BOTH = [...en.keys()].filter((k) => k.startsWith('references.') && k.endsWith('.title'));

const CJK = /[\u3400-\u9fff]/;
const code = (s: string) => [...s.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('How it works: text in two languages', () => {
  it('has the same keys at every depth in both languages', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    expect(en.size).toBeGreaterThan(60); // the walk found the nested sections, not just the top
  });

  it('has no empty or padded text', () => {
    for (const [lang, map] of [
      ['en', en],
      ['zh', zh],
    ] as const) {
      for (const [key, text] of map) {
        expect(text.trim(), `${lang} ${key}`).not.toBe('');
        expect(text, `${lang} ${key}`).toBe(text.trim());
      }
    }
  });

  it('translates every leaf except the listed paper titles', () => {
    const same = [...en.keys()].filter((k) => en.get(k) === zh.get(k));
    expect(same.sort()).toEqual(SAME_IN_BOTH.sort());
    expect(SAME_IN_BOTH).toHaveLength(9);
    for (const [key, text] of zh) {
      if (SAME_IN_BOTH.includes(key)) continue;
      expect(CJK.test(text), `zh ${key} has no Chinese: ${text}`).toBe(true);
    }
    for (const [key, text] of en) expect(CJK.test(text), `en ${key}`).toBe(false);
  });

  it('keeps code spans, placeholders and markup balanced and identical across languages', () => {
    for (const [key, text] of en) {
      const other = zh.get(key) ?? '';
      for (const t of [text, other]) {
        expect(t.split('`').length % 2, `${key}: unpaired backtick`).toBe(1);
        expect(t.split('**').length % 2, `${key}: unpaired **`).toBe(1);
      }
      expect(code(other), key).toEqual(code(text));
      expect(placeholders(other), key).toEqual(placeholders(text));
    }
    // The URL parameters the autoencoder section tells people to type must be real ones.
    expect(code(howEn.autoencoder.try)).toEqual(['?model=autoencoder', '?model=vae']);
  });

  it('uses the standard Chinese terms', () => {
    const all = [...zh.values()].join('\n');
    for (const term of ['生成器', '判别器', '潜变量', '映射网络', '风格混合', '截断', '感知路径长度', '自编码器', '变分自编码器']) {
      expect(all, term).toContain(term);
    }
  });
});
