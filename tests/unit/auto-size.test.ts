/**
 * The start-up size test (src/worker/auto-size.ts): the choice from measured step times and the
 * time cap, on a fake clock where each preset's step takes a set number of milliseconds; then
 * once on the real engine (WASM, tiny preset only) to check it builds, times and frees a trainer.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PresetName } from '../../src/contract/config.ts';
import { fastest, measureSizes, raceSteps, runSizeTest, SIZE_TEST, type RaceDeps, type SizeTestDeps } from '../../src/worker/auto-size.ts';
import { tinyConfig, useFastBackend } from '../helpers/tf.ts';

type StepTimes = Record<PresetName, { warm: number; step: number }>;

/** A clock that only moves when a fake step runs; records what was built and disposed. */
function fakeMachine(times: StepTimes) {
  let clock = 0;
  const built: PresetName[] = [];
  let live = 0;
  const deps: SizeTestDeps = {
    now: () => clock,
    build(preset) {
      built.push(preset);
      live++;
      let steps = 0;
      return {
        async step() {
          clock += steps++ === 0 ? times[preset].warm : times[preset].step;
        },
        dispose: () => void live--,
      };
    },
  };
  return { deps, built, live: () => live, clock: () => clock };
}

const rate = (ms: number) => 1000 / ms;
/** The cap logic below is written for a 2 steps/s floor; the product's floor is SIZE_TEST's. */
const AT_2 = { ...SIZE_TEST, minStepsPerSec: 2 };

describe('runSizeTest', () => {
  it('picks the largest preset at ≥ 2 steps/s and reports every measured rate', async () => {
    const m = fakeMachine({ tiny: { warm: 30, step: 20 }, small: { warm: 150, step: 100 }, full: { warm: 400, step: 600 } });
    const probe = await runSizeTest(m.deps, AT_2);
    expect(probe.picked).toBe('small');
    expect(probe.speeds).toEqual([
      { preset: 'tiny', stepsPerSec: rate(20), measured: true },
      { preset: 'small', stepsPerSec: rate(100), measured: true },
      { preset: 'full', stepsPerSec: rate(600), measured: true },
    ]);
    expect(probe.ms).toBe(m.clock());
    expect(m.live()).toBe(0);
  });

  it('picks full when every preset is fast enough', async () => {
    const m = fakeMachine({ tiny: { warm: 500, step: 5 }, small: { warm: 500, step: 10 }, full: { warm: 500, step: 40 } });
    expect((await runSizeTest(m.deps, AT_2)).picked).toBe('full');
  });

  it('stops at the first preset that is too slow: the larger one is never built', async () => {
    const m = fakeMachine({ tiny: { warm: 100, step: 80 }, small: { warm: 700, step: 600 }, full: { warm: 10, step: 10 } });
    const probe = await runSizeTest(m.deps, AT_2);
    expect(probe.picked).toBe('tiny');
    expect(m.built).toEqual(['tiny', 'small']);
    expect(probe.speeds.map((s) => s.preset)).toEqual(['tiny', 'small']);
    expect(probe.speeds[1]!.stepsPerSec).toBeLessThan(AT_2.minStepsPerSec);
  });

  it('falls back to tiny when even tiny is too slow', async () => {
    const m = fakeMachine({ tiny: { warm: 900, step: 800 }, small: { warm: 1, step: 1 }, full: { warm: 1, step: 1 } });
    const probe = await runSizeTest(m.deps, AT_2);
    expect(probe.picked).toBe('tiny');
    expect(m.built).toEqual(['tiny']);
  });

  it('does not build a preset predicted not to fit the time left, and says it was predicted', async () => {
    // tiny: 50 ms/step (16²·16 pixels); small has 8× the pixels → ~400 ms, three steps fit in 3.5 s;
    // small measures 450 ms → full (4× the pixels) predicts 1.8 s a step, three do not fit.
    const m = fakeMachine({ tiny: { warm: 60, step: 50 }, small: { warm: 500, step: 450 }, full: { warm: 2000, step: 1800 } });
    const probe = await runSizeTest(m.deps, AT_2);
    expect(probe.picked).toBe('small');
    expect(m.built).toEqual(['tiny', 'small']);
    expect(probe.speeds[2]).toEqual({ preset: 'full', stepsPerSec: rate(450 * 4), measured: false });
    expect(m.clock()).toBeLessThanOrEqual(SIZE_TEST.budgetMs);
  });

  it('keeps within the cap: times fewer steps when the next would end past it', async () => {
    const times = { tiny: { warm: 20, step: 10 }, small: { warm: 1000, step: 300 }, full: { warm: 1300, step: 1200 } };
    const m = fakeMachine(times);
    const probe = await runSizeTest(m.deps, { ...AT_2, budgetMs: 3500 });
    // After tiny and small (1640 ms), full predicts 4 × 300 = 1200 ms a step, 3600 for three: not built.
    expect(m.built).toEqual(['tiny', 'small']);
    expect(probe.picked).toBe('small');
    // With 5240 ms full just fits the prediction; after its warm-up one timed step fits, not two.
    const roomy = fakeMachine(times);
    const wide = await runSizeTest(roomy.deps, { ...AT_2, budgetMs: 5240 });
    expect(roomy.built).toEqual(['tiny', 'small', 'full']);
    expect(wide.speeds[2]).toEqual({ preset: 'full', stepsPerSec: rate(1200), measured: true });
    expect(roomy.clock()).toBe(1640 + 1300 + 1200);
    expect(wide.picked).toBe('small');
  });

  it('judges from the warm-up alone when no timed step fits, and never exceeds the cap by more than one step', async () => {
    const m = fakeMachine({ tiny: { warm: 4000, step: 100 }, small: { warm: 1, step: 1 }, full: { warm: 1, step: 1 } });
    const probe = await runSizeTest(m.deps, AT_2);
    expect(probe.speeds).toEqual([{ preset: 'tiny', stepsPerSec: rate(4000), measured: true }]);
    expect(m.clock()).toBe(4000);
    expect(m.live()).toBe(0);
  });
});

describe('measureSizes on the engine', () => {
  beforeAll(useFastBackend);

  it('builds, times and frees a real trainer for the requested model', async () => {
    const before = tf.memory().numTensors;
    // A budget that the tiny preset's warm-up uses up: one preset built, nothing left behind.
    const probe = await measureSizes(tinyConfig(), { ...SIZE_TEST, budgetMs: 1 });
    const measured = probe.speeds.filter((s) => s.measured);
    expect(measured.map((s) => s.preset)).toEqual(['tiny']);
    expect(measured[0]!.stepsPerSec).toBeGreaterThan(0);
    expect(Number.isFinite(measured[0]!.stepsPerSec)).toBe(true);
    expect(probe.picked).toBe('tiny');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the start-up race between backends and thread counts', () => {
  /** Contenders whose steps take fixed times on a fake clock; `broken` ones do not start. */
  function fakeRace(ms: Record<string, { warm: number; step: number }>, broken: string[] = []) {
    let clock = 0;
    let active = '';
    let live = 0;
    const activated: string[] = [];
    const deps: RaceDeps<string> = {
      now: () => clock,
      async activate(name) {
        activated.push(name);
        active = name;
        return !broken.includes(name);
      },
      build() {
        const times = ms[active]!;
        let steps = 0;
        live++;
        return {
          async step() {
            clock += steps++ === 0 ? times.warm : times.step;
          },
          dispose: () => void live--,
        };
      },
    };
    return { deps, activated, live: () => live };
  }

  it('times every contender after its warm-up and picks the fastest', async () => {
    const race = fakeRace({ webgpu: { warm: 2000, step: 40 }, wasm: { warm: 300, step: 90 } });
    const timings = await raceSteps(['webgpu', 'wasm'], race.deps);
    expect(timings).toEqual([
      { name: 'webgpu', msPerStep: 40 },
      { name: 'wasm', msPerStep: 90 },
    ]);
    expect(fastest(timings)).toBe('webgpu');
    expect(race.activated).toEqual(['webgpu', 'wasm']);
    expect(race.live()).toBe(0);
  });

  it('keeps WASM when the GPU is slower, and the preferred one within the noise margin', async () => {
    const slowGpu = fakeRace({ webgpu: { warm: 3000, step: 350 }, wasm: { warm: 400, step: 300 } });
    expect(fastest(await raceSteps(['webgpu', 'wasm'], slowGpu.deps))).toBe('wasm');
    expect(
      fastest([
        { name: 'webgpu', msPerStep: 100 },
        { name: 'wasm', msPerStep: 97 },
      ]),
    ).toBe('webgpu');
    expect(
      fastest([
        { name: '1', msPerStep: 100 },
        { name: '4', msPerStep: 90 },
      ]),
    ).toBe('4');
  });

  it('gives a contender that cannot start Infinity, so it never wins', async () => {
    const race = fakeRace({ webgpu: { warm: 10, step: 1 }, wasm: { warm: 10, step: 500 } }, ['webgpu']);
    const timings = await raceSteps(['webgpu', 'wasm'], race.deps);
    expect(timings[0]!.msPerStep).toBe(Infinity);
    expect(fastest(timings)).toBe('wasm');
    expect(race.live()).toBe(0);
  });

  it('stops timing a contender at its budget (a slow warm-up leaves one step)', async () => {
    const race = fakeRace({ '1': { warm: 3000, step: 3000 }, '2': { warm: 100, step: 100 } });
    const timings = await raceSteps(['1', '2'], race.deps, { budgetMs: 2500, timedSteps: 2 });
    // Contender 1's warm-up alone passes its budget: its time is the warm-up's (compile included).
    expect(timings).toEqual([
      { name: '1', msPerStep: 3000 },
      { name: '2', msPerStep: 100 },
    ]);
  });
});
