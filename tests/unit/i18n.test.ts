import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/app/i18n/en.ts';
import { zh } from '../../src/app/i18n/zh.ts';
import { format, pickLang } from '../../src/app/i18n/core.ts';
import { translateMessage, WORKER_MESSAGES } from '../../src/app/i18n/core.ts';
import { EN_MESSAGES, msg, type MessageKey } from '../../src/contract/messages.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('UI text in two languages', () => {
  it('has every key, non-empty, with the same placeholders, in both languages', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(zh[key].trim(), key).not.toBe('');
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('translates: Chinese text differs from English except for symbols and names', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => en[k] === zh[k]);
    // Names and notation that read the same in both (checked by hand).
    expect(same.sort()).toEqual(['baseline.vae', 'chart.kl', 'settings.beta1'].sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('step {step} of {n}', { step: 3 })).toBe('step 3 of {n}');
  });

  it('picks the language from ?lang=, then the stored choice, then the browser', () => {
    expect(pickLang('?lang=zh', 'en', ['en-GB'])).toBe('zh');
    expect(pickLang('', 'zh', ['en-GB'])).toBe('zh');
    expect(pickLang('', null, ['fr-FR', 'zh-CN'])).toBe('zh');
    expect(pickLang('?lang=xx', null, ['de'])).toBe('en');
  });

  it('keeps UI text out of components: no hard-coded words in JSX text or labels', () => {
    const dir = join(__dirname, '../../src/app/components');
    const allowed = new Set(['Ganvas', 'Esc']);
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.tsx'))) {
      const source = ts.createSourceFile(file, readFileSync(join(dir, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
      const visit = (node: ts.Node): void => {
        if (ts.isJsxText(node) && /[A-Za-z]{2,}/.test(node.text) && !allowed.has(node.text.trim())) offenders.push(`${file}: ${node.text.trim()}`);
        if (
          ts.isJsxAttribute(node) &&
          ['aria-label', 'title', 'placeholder', 'alt'].includes(node.name.getText()) &&
          node.initializer &&
          ts.isStringLiteral(node.initializer) &&
          /[A-Za-z]{2,}/.test(node.initializer.text)
        ) {
          offenders.push(`${file}: ${node.name.getText()}="${node.initializer.text}"`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offenders).toEqual([]);
  });
});

describe("the Worker's messages in Chinese", () => {
  it('has a Chinese text for every catalogue key, with the same placeholders', () => {
    const zhKeys = Object.keys(WORKER_MESSAGES.zh).sort();
    expect(zhKeys).toEqual(Object.keys(EN_MESSAGES).sort());
    for (const key of Object.keys(EN_MESSAGES) as MessageKey[]) {
      expect(WORKER_MESSAGES.zh[key].trim(), key).not.toBe('');
      expect(placeholders(WORKER_MESSAGES.zh[key]), key).toEqual(placeholders(EN_MESSAGES[key]));
      // Chinese text, not an English sentence left in place (a bare value like '{detail}' is fine).
      if (/[a-z]{3,} [a-z]{3,} [a-z]{3,}/i.test(EN_MESSAGES[key].replace(/\{\w+\}/g, ''))) expect(WORKER_MESSAGES.zh[key], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('renders messages with their values, nested reasons included, in each language', () => {
    expect(translateMessage('zh', msg('session.ready', { n: 110 }))).toBe('110 张图片已就绪：点“开始训练”');
    expect(translateMessage('zh', msg('session.pausedAt', { step: 42 }))).toBe('已暂停于第 42 步');
    expect(translateMessage('zh', msg('session.training', { res: 16, model: 'DCGAN', batch: 16, backend: 'wasm' }))).toBe(
      '16×16 DCGAN，批大小 16，运行于 wasm',
    );
    const diverged = msg('session.diverged', { step: 120, problem: msg('guard.nan'), back: 100 });
    expect(translateMessage('zh', diverged)).toMatch(/第 120 步发散：损失变成了 NaN 或无穷大。已回滚到第 100 步/);
    expect(translateMessage('en', diverged)).toBe(
      'training diverged at step 120: the losses became NaN or infinite. Rolled back to step 100. Try lower learning rates (Settings), or press Resume to continue from step 100.',
    );
    expect(translateMessage('en', msg('session.ready', { n: 1234 }), (n) => n.toLocaleString('en'))).toBe('1,234 images ready: press Train');
  });
});
