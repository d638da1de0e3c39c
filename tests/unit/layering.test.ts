/**
 * The walls between the rooms (docs/architecture.md): app/ never imports tfjs, the engine, the
 * data code or the Worker; gan/ and data/ never touch the DOM or postMessage. The tsconfigs
 * enforce the globals at compile time; this test enforces the imports and catches `any`-typed
 * escapes such as `(globalThis as any).document`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

/** The src/ room an import lands in, or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(SRC, resolve(file, '..', spec)).split(/[\\/]/)[0] ?? '';
}

describe('layering', () => {
  it('app/ imports only contract/, its own files and UI libraries', () => {
    const bad: string[] = [];
    for (const f of [...files(join(SRC, 'app')), join(SRC, 'main.tsx')]) {
      for (const spec of imports(f)) {
        const t = target(f, spec);
        if (t.startsWith('@tensorflow') || ['gan', 'worker', 'data'].includes(t)) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('gan/ and data/ (outside data/browser and data/node) use no DOM, Worker or Node globals', () => {
    const forbidden = /\b(document|window|postMessage|self\.|OffscreenCanvas|createImageBitmap|localStorage|indexedDB|process\.|require\(|globalThis)/;
    const bad: string[] = [];
    const pure = [...files(join(SRC, 'gan')), ...files(join(SRC, 'data'))].filter((f) => !/data[\\/](browser|node)[\\/]/.test(f));
    for (const f of pure) {
      // Comments may talk about the DOM; code may not. Block comments keep their line breaks.
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
      code.split('\n').forEach((line, i) => {
        if (forbidden.test(line.replace(/\/\/.*$/, ''))) bad.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
      });
      for (const spec of imports(f))
        if (spec.startsWith('node:') || ['worker', 'app'].includes(target(f, spec))) bad.push(`${relative(SRC, f)} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('the test itself can fail: it sees a forbidden import when one is there', () => {
    expect(target(join(SRC, 'app/x.ts'), '../gan/trainer.ts')).toBe('gan');
    expect(imports(join(SRC, 'worker/session/session.ts'))).toContain('../../gan/train/trainer.ts');
  });
});
