/** Writes a generated block into a markdown doc between `<!-- TAG:begin -->` and `<!-- TAG:end -->`, or appends it under `heading`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function writeDocSection(doc: string, tag: string, body: string, heading: string): void {
  const begin = `<!-- ${tag}:begin -->`;
  const end = `<!-- ${tag}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  const text = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? `${text.slice(0, i)}${block}${text.slice(j + end.length)}` : `${text.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
  writeFileSync(doc, next);
  console.log(`table written into ${doc}`);
}
