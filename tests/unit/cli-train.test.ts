import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

describe('npm run train (headless CLI)', () => {
  it('trains a few steps on a built-in set and writes a grid, metrics with SWD, and single samples', () => {
    const out = mkdtempSync(join(tmpdir(), 'ganvas-cli-'));
    try {
      const log = execFileSync('npx', ['tsx', 'cli/train.ts', '--data', 'shapes', '--steps', '8', '--every', '4', '--res', '16', '--width', '8', '--batch', '4', '--reportEvery', '2', '--out', out, '--samples', '3'], { encoding: 'utf8', timeout: 90_000 });
      expect(log).toMatch(/step 8\/8 .* SWD \d.* diversity \d/);
      const grid = PNG.sync.read(readFileSync(join(out, 'grid.png')));
      expect(grid.width).toBe(8 * 17 - 1);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; swd?: number });
      expect(lines.map((l) => l.step)).toEqual([2, 4, 6, 8]);
      expect(lines.filter((l) => Number.isFinite(l.swd)).map((l) => l.step)).toEqual([4, 8]);
      const last = lines.at(-1) as { diversity?: number };
      expect(last.diversity).toBeGreaterThan(0);
      expect(readdirSync(join(out, 'samples'))).toEqual(['00000.png', '00001.png', '00002.png']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('--every K prints at every multiple of K and the last step, also when K is not a multiple of reportEvery', () => {
    const out = mkdtempSync(join(tmpdir(), 'ganvas-cli-'));
    try {
      const log = execFileSync('npx', ['tsx', 'cli/train.ts', '--data', 'shapes', '--steps', '8', '--every', '3', '--res', '16', '--width', '8', '--batch', '4', '--reportEvery', '2', '--out', out], { encoding: 'utf8', timeout: 90_000 });
      expect([...log.matchAll(/^step (\d+)\/8 /gm)].map((m) => Number(m[1]))).toEqual([3, 6, 8]);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; steps: number; swd?: number; diversity?: number });
      // Reports every 2 steps as before, plus one at each progress line; each averages the steps since the last.
      expect(lines.map((l) => l.step)).toEqual([2, 3, 4, 6, 8]);
      expect(lines.map((l) => l.steps)).toEqual([2, 1, 1, 2, 2]);
      expect(lines.filter((l) => Number.isFinite(l.swd) && Number.isFinite(l.diversity)).map((l) => l.step)).toEqual([3, 6, 8]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('says what is wrong with a bad option instead of training', () => {
    expect(() => execFileSync('npx', ['tsx', 'cli/train.ts', '--res', '17', '--steps', '1'], { encoding: 'utf8', stdio: 'pipe', timeout: 60_000 })).toThrow(/res must be/);
  });
});
