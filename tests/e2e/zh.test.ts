/**
 * In Chinese, what the Worker says reads in Chinese: a refused model, refused files and a bad
 * project file are all told without an English sentence (messages travel as keys, the page
 * renders them). The status line's first word stays English: the UI contract's state word.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { notAnImage, ownImages } from './images.ts';

const open = pagePerTest();

/** Three or more Latin words in a row: an English sentence left untranslated. */
const ENGLISH = /[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}/;
const withoutStateWord = (status: string) => status.replace(/^(idle|loading|training|paused|error)\b/, '');

async function rejectionReasons(page: Page): Promise<string[]> {
  return page.locator('.rejections li').evaluateAll((items) => items.map((li) => li.textContent!.replace(li.querySelector('strong')?.textContent ?? '', '')));
}

describe('the Worker’s messages in 简体中文', () => {
  it('a refused model, refused files and a bad project file, with no English sentence', async () => {
    const session = await open(`${inject('baseUrl')}/?lang=zh&backend=wasm&dataset=shapes&model=stylegan&res=64&width=64&batch=256`);
    const { page } = session;
    const refused = await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('error'),
      60_000,
      'the refusal',
    );
    expect(refused).toMatch(/无法构建这个模型：64×64 StyleGAN，批大小 256/);
    expect(withoutStateWord(refused)).not.toMatch(ENGLISH);

    const heic = {
      name: 'phone.heic',
      mimeType: 'image/heic',
      buffer: Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic'), 0, 0, 0, 0, ...Buffer.from('mif1heic')]),
    };
    await page.getByTestId('dataset-input').setInputFiles([...ownImages(3), notAnImage, heic]);
    await waitFor(
      () => page.locator('.rejections li').count(),
      (n) => n === 2,
      30_000,
      'two files refused',
    );
    const reasons = await rejectionReasons(page);
    expect(reasons.join('\n')).toMatch(/不是图片/);
    expect(reasons.join('\n')).toMatch(/HEIC/);
    for (const r of reasons) expect(r).not.toMatch(ENGLISH);

    await page
      .getByTestId('import-project')
      .setInputFiles({ name: 'broken.ganvas', mimeType: 'application/zip', buffer: Buffer.from('PK\u0003\u0004 not really a zip at all') });
    const notice = await waitFor(
      () => textOf(page, 'notices'),
      (t) => t.includes('broken.ganvas'),
      20_000,
      'the refusal of the project file',
    );
    expect(notice).toMatch(/无法打开 broken\.ganvas：/);
    expect(notice.replace('broken.ganvas', '')).not.toMatch(ENGLISH);
    expect(withoutStateWord(await textOf(page, 'status'))).not.toMatch(ENGLISH);
    expect(await numberIn(page, 'step-count')).toBe(0);
    expect(session.errors).toEqual([]);
  });
});
