/**
 * Text a person reads comes from the message catalogue (contract/messages.ts), never as an English
 * sentence built inside the Worker, the engine or the data layer: such a sentence could not be
 * shown in Chinese. Errors thrown for bugs (`throw new Error(...)`) are exempt: nobody should see them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
const ROOMS = ['worker', 'gan', 'data'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** String literals on a line (quotes and templates, without what `${}` puts in). */
const LITERAL = /(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g;
/** Four or more words in a row: a sentence, not a name, a key or a format. */
const SENTENCE = /[A-Za-z]{2,}(?:[ ,;:()]+[A-Za-z]+){3,}/;
/** A line may say why its English stays (a licence quoted as written). */
const EXEMPT = /\/\/ english-ok: \S/;

export function sentencesIn(code: string): string[] {
  const lines = code.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).split('\n');
  const found: string[] = [];
  let inThrow = false; // a bug's error spread over lines: `throw new Error(` … `);`
  lines.forEach((raw, i) => {
    const throwing = inThrow || /throw new \w*Error\(/.test(raw);
    inThrow = throwing && !/\);\s*$/.test(raw);
    if (EXEMPT.test(raw) || throwing) return;
    const line = raw.replace(/\/\/.*$/, '');
    for (const [, , text] of line.matchAll(LITERAL)) if (SENTENCE.test(text!.replace(/\$\{[^}]*\}/g, ' '))) found.push(`${i + 1}: ${line.trim()}`);
  });
  return found;
}

describe('messages as keys', () => {
  it('no Worker, engine or data module builds an English sentence for a person', () => {
    const bad: string[] = [];
    for (const room of ROOMS) {
      for (const f of files(join(SRC, room))) for (const s of sentencesIn(readFileSync(f, 'utf8'))) bad.push(`${relative(SRC, f)}:${s}`);
    }
    expect(bad).toEqual([]);
  });

  it('the check can fail: it sees a sentence where one is written', () => {
    expect(sentencesIn("s.status('idle', 'add images before training');")).toHaveLength(1);
    expect(sentencesIn("s.status('idle', msg('session.addImagesStep'));")).toEqual([]);
    expect(sentencesIn("throw new Error('DCGAN resolution must be a power of two');")).toEqual([]);
  });
});
