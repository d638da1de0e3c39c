import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeProject } from '../../src/gan/project/checkpoint.ts';

/** Runs `npm run train` with `args`; its output (throws when it fails). */
function train(args: string[], timeout = 180_000): string {
  return execFileSync('npx', ['tsx', 'cli/train.ts', ...args], { encoding: 'utf8', timeout });
}

/** Runs `test` with a fresh output folder, removed afterwards. */
function withOut(test: (out: string) => void): void {
  const out = mkdtempSync(join(tmpdir(), 'ganvas-cli-'));
  try {
    test(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// Each test starts Node and the WASM backend at least once: over a minute on a loaded 2-core machine.
describe('npm run train (headless CLI)', { timeout: 300_000 }, () => {
  it('trains a few steps on a built-in set and writes a grid, metrics with SWD, and single samples', () =>
    withOut((out) => {
      const log = train([
        '--data',
        'shapes',
        '--steps',
        '8',
        '--every',
        '4',
        '--res',
        '16',
        '--width',
        '8',
        '--batch',
        '4',
        '--reportEvery',
        '2',
        '--out',
        out,
        '--samples',
        '3',
      ]);
      expect(log).toMatch(/step 8\/8 .* SWD \d.* diversity \d/);
      const grid = PNG.sync.read(readFileSync(join(out, 'grid.png')));
      expect(grid.width).toBe(8 * 17 - 1);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: number; swd?: number });
      expect(lines.map((l) => l.step)).toEqual([2, 4, 6, 8]);
      expect(lines.filter((l) => Number.isFinite(l.swd)).map((l) => l.step)).toEqual([4, 8]);
      const last = lines.at(-1) as { diversity?: number };
      expect(last.diversity).toBeGreaterThan(0);
      expect(readdirSync(join(out, 'samples'))).toEqual(['00000.png', '00001.png', '00002.png']);
    }));

  it('--every K prints at every multiple of K and the last step, also when K is not a multiple of reportEvery', () =>
    withOut((out) => {
      const log = train([
        '--data',
        'shapes',
        '--steps',
        '8',
        '--every',
        '3',
        '--res',
        '16',
        '--width',
        '8',
        '--batch',
        '4',
        '--reportEvery',
        '2',
        '--out',
        out,
      ]);
      expect([...log.matchAll(/^step (\d+)\/8 /gm)].map((m) => Number(m[1]))).toEqual([3, 6, 8]);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: number; steps: number; swd?: number; diversity?: number });
      // Reports every 2 steps as before, plus one at each progress line; each averages the steps since the last.
      expect(lines.map((l) => l.step)).toEqual([2, 3, 4, 6, 8]);
      expect(lines.map((l) => l.steps)).toEqual([2, 1, 1, 2, 2]);
      expect(lines.filter((l) => Number.isFinite(l.swd) && Number.isFinite(l.diversity)).map((l) => l.step)).toEqual([3, 6, 8]);
    }));

  it('trains on a built-in sprite set read from public/ (not only the drawn shapes)', () =>
    withOut((out) => {
      const log = train(['--data', 'faces', '--steps', '2', '--every', '2', '--res', '16', '--width', '8', '--batch', '4', '--out', out]);
      expect(log).toMatch(/^\d+ images at 16px/m);
      expect(log).toMatch(/step 2\/2 /);
    }));

  it('says what is wrong with a bad option instead of training', () => {
    expect(() => execFileSync('npx', ['tsx', 'cli/train.ts', '--res', '17', '--steps', '1'], { encoding: 'utf8', stdio: 'pipe', timeout: 60_000 })).toThrow(
      /res must be/,
    );
  });

  /** Runs the CLI expecting it to refuse: its exit code and what it printed to stderr. */
  const refusal = (args: string[]) => {
    const r = spawnSync('npx', ['tsx', 'cli/train.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stderr: r.stderr.trim() };
  };

  it('refuses a typo, a word for a number and a missing folder: one line naming the option, exit 2, nothing written', () =>
    withOut((out) => {
      const typo = refusal(['--stpes', '50', '--out', out]);
      expect(typo).toEqual({ status: 2, stderr: 'unknown option --stpes (did you mean --steps?); npm run train -- --help lists them' });
      const word = refusal(['--steps', 'abc', '--out', out]);
      expect(word).toEqual({ status: 2, stderr: '--steps: "abc" is not training steps (more steps, with --resume), a whole number ≥ 0' });
      const setting = refusal(['--batch', 'many', '--out', out]);
      expect(setting.status).toBe(2);
      expect(setting.stderr).toMatch(/^--batch: batch must be an integer from \d+ to \d+ \(got NaN\)$/);
      const folder = refusal(['--data', join(out, 'no-such-folder'), '--out', out]);
      expect(folder.status).toBe(2);
      expect(folder.stderr).toMatch(/^--data: no built-in set or folder called ".*no-such-folder" \(takes faces\|animals\|shapes, or a folder of images\)$/);
      expect(readdirSync(out)).toEqual([]);
    }));

  it('--help lists every option with its default', () => {
    const help = train(['--help'], 60_000);
    for (const option of [
      '--data',
      '--steps',
      '--every',
      '--out',
      '--backend',
      '--samples',
      '--ppl',
      '--preset',
      '--model',
      '--res',
      '--batch',
      '--lrD',
      '--ada',
      '--r1Gamma',
    ]) {
      expect(help, option).toMatch(new RegExp(`^  ${option} .*default`, 'm'));
    }
    expect(help).toMatch(/^ {2}--steps .*\(default 200\)$/m);
    expect(help).toMatch(/^ {2}--res +default 16$/m);
  });

  /** The per-step losses a run wrote (reportEvery 1). */
  const lossesOf = (out: string) =>
    readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; gLoss: number; dLoss: number });
  const tiny = ['--data', 'shapes', '--res', '16', '--width', '8', '--batch', '4', '--reportEvery', '1', '--every', '1000'];

  it(
    '--save writes a project the page reads, and --resume continues it exactly as one run (history and timeline continued)',
    () =>
      withOut((out) => {
        train([...tiny, '--steps', '0', '--out', join(out, 'init'), '--save', join(out, 'init.ganvas')]);
        train(['--resume', join(out, 'init.ganvas'), '--steps', '6', '--every', '1000', '--out', join(out, 'straight')]);
        train(['--resume', join(out, 'init.ganvas'), '--steps', '3', '--every', '1000', '--out', join(out, 'a'), '--save', join(out, 'a.ganvas')]);
        const log = train(['--resume', join(out, 'a.ganvas'), '--steps', '3', '--every', '1000', '--out', join(out, 'b'), '--save', join(out, 'b.ganvas')]);
        expect(log).toMatch(/resuming .*a\.ganvas at step 3/);
        const straight = lossesOf(join(out, 'straight'));
        const legs = [...lossesOf(join(out, 'a')), ...lossesOf(join(out, 'b'))];
        expect(legs.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
        // Same weights, optimizer moments, step counts and random stream: the same numbers, bit for bit.
        expect(legs.map((l) => [l.dLoss, l.gLoss])).toEqual(straight.map((l) => [l.dLoss, l.gLoss]));
        const decoded = decodeProject(new Uint8Array(readFileSync(join(out, 'b.ganvas'))));
        if (!decoded.ok) throw new Error(JSON.stringify(decoded.reason));
        const s = decoded.snapshot;
        expect(s.step).toBe(6);
        expect(s.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(s.history.map((h) => h.gLoss)).toEqual(legs.map((l) => l.gLoss));
        expect(s.timeline?.map((f) => f.step)).toEqual([0, 3, 6]);
        expect(s.dataset?.res).toBe(16);
        expect(s.optimizers['g']?.iterations).toBe(6);
      }),
    // Four CLI runs, each starting Node and the WASM backend.
    300_000,
  );

  it(
    '--resume refuses a damaged or foreign file with the reason, and settings that would make it another run',
    () =>
      withOut((out) => {
        train([...tiny, '--steps', '1', '--out', out, '--save', join(out, 'run.ganvas')]);
        const bytes = readFileSync(join(out, 'run.ganvas'));
        bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
        writeFileSync(join(out, 'damaged.ganvas'), bytes);
        writeFileSync(join(out, 'foreign.ganvas'), 'not a project');
        const damaged = refusal(['--resume', join(out, 'damaged.ganvas'), '--steps', '1', '--out', out]);
        expect(damaged.status).toBe(2);
        expect(damaged.stderr).toMatch(/^--resume: damaged\.ganvas cannot be opened: .*checksum/);
        const foreign = refusal(['--resume', join(out, 'foreign.ganvas'), '--steps', '1', '--out', out]);
        expect(foreign).toEqual({
          status: 2,
          stderr: '--resume: foreign.ganvas cannot be opened: this is not a Ganvas project file (it is not a zip archive)',
        });
        const setting = refusal(['--resume', join(out, 'run.ganvas'), '--batch', '8', '--out', out]);
        expect(setting.status).toBe(2);
        expect(setting.stderr).toMatch(/^--batch: a resumed run keeps the settings in .*run\.ganvas; leave out --batch$/);
      }),
    // Four CLI runs, each starting Node and the WASM backend.
    300_000,
  );
});
