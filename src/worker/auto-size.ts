/**
 * The automatic size preset: at start-up, time a training step of each preset on the backend that
 * was chosen, and propose the largest one that still trains at ≥ 8 steps/s, so a person on any
 * machine sees the grid change within seconds. The test stops at the first preset that is too
 * slow (a larger one is slower still) and never holds start-up past a time cap.
 *
 * A step cannot be interrupted (on WASM and CPU it is synchronous), so the cap is kept by not
 * starting what would not fit: the next preset's step time is predicted from the last one
 * measured, scaled by the pixels a step processes (res² · batch). On WASM with our kernels that
 * predicts DCGAN's tiny → small (×8; measured ×9) and small → full (×4; measured ×4) well; on a GPU,
 * where small steps cost mostly overhead, it overestimates, which errs toward measuring less.
 */
import { PRESETS, applyPreset, type PresetName, type TrainConfig } from '../contract/config.ts';
import type { SizeProbe } from '../contract/protocol.ts';
import { GanTrainer } from '../gan/train/trainer.ts';

export const SIZE_TEST = {
  /**
   * Below this a first visit watches noise for minutes: faces emerge after a few hundred steps,
   * so 8 steps/s shows them within about a minute. (At 2 steps/s, the floor first proposed, the
   * 32 px preset on WASM here was still noise after 45 s and 75 steps.) A bare step here is also
   * ~20% faster than a step inside the app's loop.
   */
  minStepsPerSec: 8,
  /** Start-up may wait this long for the test, about one slow step past it at worst. */
  budgetMs: 3500,
  /** Timed steps per preset, after one untimed warm-up step (shader compile, first allocations). */
  timedSteps: 2,
} as const;
export type SizeTestOptions = { [K in keyof typeof SIZE_TEST]: number };

/** Smallest first: the order the presets are tried in. */
export const SIZE_ORDER: readonly PresetName[] = ['tiny', 'small', 'full'];

/** One preset built for timing: a step that resolves once its work is done on the device. */
export interface StepRig {
  step(): Promise<void>;
  dispose(): void;
}

/** What the test needs from the outside, so that it can run on a fake clock in tests. */
export interface SizeTestDeps {
  build(preset: PresetName): StepRig;
  now(): number;
}

/** Relative cost of a step: the pixels it pushes through D and G. */
const pixelsPerStep = (p: PresetName) => PRESETS[p].res * PRESETS[p].res * PRESETS[p].batch;

/**
 * Times the presets smallest first and picks the largest fast enough. Pure scheduling: every
 * number comes from `deps`, every preset built is disposed.
 */
export async function runSizeTest(deps: SizeTestDeps, opts: SizeTestOptions = SIZE_TEST): Promise<SizeProbe> {
  const start = deps.now();
  const deadline = start + opts.budgetMs;
  const speeds: SizeProbe['speeds'] = [];
  let picked = SIZE_ORDER[0]!;
  for (const preset of SIZE_ORDER) {
    const last = speeds.at(-1);
    if (last) {
      const predictedMs = (1000 / last.stepsPerSec) * (pixelsPerStep(preset) / pixelsPerStep(last.preset));
      if (deps.now() + predictedMs * (1 + opts.timedSteps) > deadline) {
        speeds.push({ preset, stepsPerSec: 1000 / predictedMs, measured: false });
        break;
      }
    }
    const rate = await timePreset(deps, preset, deadline, opts.timedSteps);
    speeds.push({ preset, stepsPerSec: rate, measured: true });
    if (rate < opts.minStepsPerSec) break;
    picked = preset;
  }
  return { picked, minStepsPerSec: opts.minStepsPerSec, speeds, ms: deps.now() - start };
}

/**
 * Steps/s of one preset: a warm-up step, then up to `timed` steps while the next one is expected
 * to end before the deadline. With no timed step, the warm-up's own time (compile included) gives
 * a lower bound on the rate, which is still enough to say "fast enough".
 */
async function timePreset(deps: SizeTestDeps, preset: PresetName, deadline: number, timed: number): Promise<number> {
  const rig = deps.build(preset);
  try {
    return 1000 / (await stepMs(rig, deps.now, () => deadline, timed));
  } finally {
    rig.dispose();
  }
}

/**
 * ms per step of a rig: a warm-up step, then up to `timed` steps that fit before the deadline
 * (given the time the warm-up ended). With no timed step, the warm-up's own time.
 */
export async function stepMs(rig: StepRig, now: () => number, deadlineAfterWarmUp: (t: number) => number, timed: number): Promise<number> {
  let t = now();
  await rig.step();
  let lastMs = now() - t;
  const deadline = deadlineAfterWarmUp(now());
  let total = 0;
  let steps = 0;
  while (steps < timed && now() + lastMs <= deadline) {
    t = now();
    await rig.step();
    lastMs = now() - t;
    total += lastMs;
    steps++;
  }
  return steps > 0 ? total / steps : lastMs;
}

/**
 * The start-up race between backends (and WASM thread counts): the same training step timed on
 * each, the fastest kept. Only a measurement on the person's machine can decide: an H100 at batch
 * 32 ran within 15% of one CPU thread (docs/webgpu-h100.md), and two WASM threads ran 1.23× one
 * thread on an idle 2-core machine and 0.74× on a busy one (docs/bench.md).
 */
export const RACE = {
  /** Each contender may take this long (after its warm-up step, compiles included). */
  budgetMs: 2500,
  timedSteps: 2,
  /** A later contender must be this much faster to win (5%: noise between two short timings). */
  margin: 0.05,
} as const;

/** One contender's speed in a race: ms per training step (Infinity when it could not run). */
export interface Timing<N extends string> {
  name: N;
  msPerStep: number;
}

/**
 * The fastest contender. Ties, and a difference within `margin` (a fraction; timing noise
 * on a busy machine), keep the earlier one: contenders come in order of preference.
 */
export function fastest<N extends string>(timings: readonly Timing<N>[], margin = RACE.margin): N {
  const first = timings[0];
  if (!first) throw new Error('no contender was timed');
  let best = first;
  for (const t of timings.slice(1)) if (t.msPerStep < best.msPerStep * (1 - margin)) best = t;
  return best.name;
}

/** What a race needs from the outside (tests give it a fake clock and fake steps). */
export interface RaceDeps<N extends string> {
  /** Makes `name` the running backend (or thread count); false when it cannot start. */
  activate(name: N): Promise<boolean>;
  build(): StepRig;
  now(): number;
}

/**
 * Times the same training step on each contender in turn (backends, or WASM thread counts), each
 * activated before its rig is built and disposed after. A contender that does not start or
 * throws gets Infinity. The caller activates the winner (`fastest`) afterwards.
 */
export async function raceSteps<N extends string>(names: readonly N[], deps: RaceDeps<N>, opts: Omit<typeof RACE, 'margin'> = RACE): Promise<Timing<N>[]> {
  const timings: Timing<N>[] = [];
  for (const name of names) {
    let ms = Infinity;
    try {
      if (await deps.activate(name)) {
        const rig = deps.build();
        try {
          ms = await stepMs(rig, deps.now, (t) => t + opts.budgetMs, opts.timedSteps);
        } finally {
          rig.dispose();
        }
      }
    } catch {
      ms = Infinity;
    }
    timings.push({ name, msPerStep: ms });
  }
  return timings;
}

/**
 * The real rig: a trainer for the requested model at a preset, on a set of blank images with the
 * built-in datasets' shape (res × res RGB; what the pixels are does not change the cost).
 */
export function trainerRig(config: TrainConfig, preset: PresetName): StepRig {
  const c = applyPreset(config, preset);
  const blank = { res: c.res, count: c.batch, pixels: new Float32Array(c.res * c.res * 3 * c.batch), names: [] };
  const trainer = new GanTrainer(c, blank);
  return {
    async step() {
      trainer.trainStep();
      await trainer.report(); // the read waits for the step's work on the device
    },
    dispose: () => trainer.dispose(),
  };
}

/** The start-up test on the current tfjs backend, for `config`'s model. */
export function measureSizes(config: TrainConfig, opts: SizeTestOptions = SIZE_TEST): Promise<SizeProbe> {
  return runSizeTest({ build: (p) => trainerRig(config, p), now: () => performance.now() }, opts);
}
