import { describe, expect, it } from 'vitest';
import { setsUp } from '../../src/app/components/Collapsible.tsx';

describe('secondary panels: folded on the plain URL, open on a link with a setup', () => {
  it('treats any parameter but the language as a setup', () => {
    expect(setsUp('')).toBe(false);
    expect(setsUp('?')).toBe(false);
    expect(setsUp('?lang=zh')).toBe(false);
    expect(setsUp('?dataset=faces')).toBe(true);
    expect(setsUp('?lang=en&model=stylegan&res=16')).toBe(true);
    expect(setsUp('?autostart=0')).toBe(true);
  });
});
