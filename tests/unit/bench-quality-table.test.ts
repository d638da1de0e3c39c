import { describe, expect, it } from 'vitest';
import { collapsed, groupTable, qualityTables, spread, targetLines, type RunPoint, type RunResult } from '../../bench/quality-table.ts';

/** A run with a point at step 100 and one at 1 minute, each given as [swd, diversity]. */
function run(model: string, seed: number, atStep: [number, number] | undefined, atMinute: [number, number], stepsPerSec = 2): RunResult {
  const points: RunPoint[] = [];
  if (atStep) points.push({ at: 'step', mark: 100, step: 100, seconds: 50, swd: atStep[0], diversity: atStep[1] });
  points.push({ at: 'time', mark: 1, step: 120 + seed, seconds: 60, swd: atMinute[0], diversity: atMinute[1] });
  return {
    set: 'faces',
    images: 110,
    res: 16,
    model,
    label: `label of ${model}`,
    seed,
    steps: [100],
    minutes: [1],
    complete: true,
    points,
    stepsPerSec,
    setup: 'width 16, batch 16',
    backend: model === 'torch-dcgan' ? 'PyTorch' : 'WASM',
    machine: 'test box',
    load: 2 + seed,
    date: `2026-12-02T01:0${seed}:00.000Z`,
  };
}

const ORDER = ['dcgan', 'stylegan', 'torch-dcgan'];
const runs = [
  run('stylegan', 1, [30, 0.9], [40, 0.8], 1),
  run('stylegan', 2, [33, 0.7], [44, 0.9], 1),
  run('stylegan', 3, [36, 0.2], [38, 0.3], 1),
  run('dcgan', 1, [50, 0.9], [60, 0.95], 4),
  run('dcgan', 2, undefined, [66, 0.85], 6),
];

describe('bench:quality table', () => {
  it('writes median (range), or the value alone for one seed', () => {
    expect(spread([3, 1, 2], 1)).toBe('2.0 (1.0–3.0)');
    expect(spread([1, 4], 2)).toBe('2.50 (1.00–4.00)');
    expect(spread([0.456], 2)).toBe('0.46');
    expect(spread([], 1)).toBe('–');
  });

  it('has one row per model in the given order, step marks before time marks, and says which seeds a mark lacks', () => {
    const lines = groupTable(runs, ORDER);
    expect(lines[0]).toBe('| model | seeds | steps/s | step 100: SWD · diversity | 1 min: SWD · diversity | collapsed (diversity < 0.5) |');
    expect(lines[2]).toBe('| label of dcgan | 1, 2 | 5.00 | 50.0 · 0.90; 1 of 2 seeds | 63.0 (60.0–66.0) · 0.90 (0.85–0.95) (step 122 (121–122)) | 0 of 2 |');
    expect(lines[3]).toBe(
      '| label of stylegan | 1, 2, 3 | 1.00 | 33.0 (30.0–36.0) · 0.70 (0.20–0.90) | 40.0 (38.0–44.0) · 0.80 (0.30–0.90) (step 122 (121–123)) | 1 of 3 (seed 3) |',
    );
    expect(lines).toHaveLength(4);
  });

  it('counts a seed as collapsed by its furthest point, not by the order points were taken', () => {
    const late = run('dcgan', 1, [50, 0.9], [60, 0.95]);
    // The time point (step 121) came first and read low; the step mark at 200 came after and recovered.
    late.points = [
      { at: 'time', mark: 1, step: 121, seconds: 60, swd: 80, diversity: 0.3 },
      { at: 'step', mark: 200, step: 200, seconds: 90, swd: 50, diversity: 0.9 },
    ];
    expect(collapsed([late])).toBe('0 of 1');
    late.points.reverse();
    expect(collapsed([late])).toBe('0 of 1');
    late.points[0]!.diversity = 0.49;
    expect(collapsed([late])).toBe('1 of 1 (seed 1)');
  });

  it('states the issue’s targets as ratios of median SWD at each mark both models reached', () => {
    const torch = [run('torch-dcgan', 1, [40, 1], [80, 1]), run('torch-dcgan', 2, [60, 1], [40, 1])];
    expect(targetLines([...runs, ...torch])).toEqual([
      // 33 / 50 and 40 / 63.
      '- stylegan / dcgan median SWD (target ≤ 0.75): step 100 0.66 ✓, 1 min 0.63 ✓',
      // 50 / 50 and 63 / 60.
      '- dcgan / torch-dcgan median SWD (target ≤ 1.1): step 100 1.00 ✓, 1 min 1.05 ✓',
    ]);
    expect(targetLines(runs.filter((r) => r.model === 'dcgan'))).toEqual([]);
  });

  it('says whether DCGAN + R1 beats the page default: median SWD strictly below', () => {
    const dcgan = runs.filter((r) => r.model === 'dcgan'); // median SWD 50 at step 100, 63 at 1 min
    // 50 / 50: a tie is not better; 57 / 63 is.
    expect(targetLines([...dcgan, run('dcgan-r1', 1, [50, 1], [57, 1])])).toEqual([
      '- dcgan-r1 / dcgan median SWD (better: < 1): step 100 1.00 ✗, 1 min 0.90 ✓',
    ]);
    // Over two seeds: medians 50 and 63, ratios 1.00.
    const two = [run('dcgan-r1', 1, [45, 1], [60, 1]), run('dcgan-r1', 2, [55, 1], [66, 1])];
    expect(targetLines([...dcgan, ...two])).toEqual(['- dcgan-r1 / dcgan median SWD (better: < 1): step 100 1.00 ✗, 1 min 1.00 ✗']);
  });

  it('ends with the runs’ dates, machine, load and backends', () => {
    const text = qualityTables(runs, ORDER, new Map([['faces|16', 21.5]]));
    expect(text).toContain('**faces (110 images) at 16 px** (width 16, batch 16); SWD of the dataset itself (128 images resampled): 21.5');
    expect(text.split('\n').at(-1)).toBe(
      '5 runs, 2026-12-02T01:01 to 2026-12-02T01:03 UTC, on test box; load average 3.0–5.0 at the runs’ starts (steps/s are this shared machine’s). Backends: WASM.',
    );
  });
});
