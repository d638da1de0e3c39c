import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Cadence, FRESHNESS, RenderPace, SaveClock, SHARES, SIDE_WORK_SHARE } from '../../src/worker/cadence.ts';

/** A fake clock: performance.now() reads it, tasks advance it. */
let clock = 0;
beforeEach(() => {
  clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterEach(() => vi.restoreAllMocks());

interface LoopRun {
  /** [time the picture landed, step it shows] for each render. */
  renders: [number, number][];
  renderMs: number;
  totalMs: number;
  steps: number;
  slow: boolean;
}

/**
 * The loop's use of RenderPace (loop.ts iteration): a step of `stepMs`, then the render when due.
 * `queued`: a GPU backend, where steps are only queued and the report every `queued` steps (or
 * a render) waits for the work queued before it.
 */
async function simulate(stepMs: number, renderMs: number, seconds: number, queued = 0): Promise<LoopRun> {
  const pace = new RenderPace();
  const run: LoopRun = { renders: [], renderMs: 0, totalMs: 0, steps: 0, slow: false };
  clock = 10_000; // well past the time origin
  const start = clock;
  let waiting = 0; // queued steps' work not yet waited for
  const sync = () => {
    clock += waiting;
    waiting = 0;
  };
  while (clock - start < seconds * 1000) {
    run.steps++;
    if (queued) {
      clock += 5;
      waiting += stepMs;
      if (run.steps % queued === 0) sync();
    } else clock += stepMs;
    // The loop's StepTime: a step's own time, measured from report to report, known after the first few.
    const why = pace.due(clock, run.steps, 700, run.steps > 4 ? stepMs : 0);
    if (!why) continue;
    await pace.run(run.steps, why, async () => {
      sync();
      clock += renderMs;
      run.renderMs += renderMs;
    });
    run.renders.push([clock, run.steps]);
  }
  run.totalMs = clock - start;
  run.slow = pace.slow;
  return run;
}

/** The largest gap between two pictures, in ms and in steps, once the step's time is known (from the third picture). */
function worstAge(run: LoopRun): { ms: number; steps: number } {
  let ms = 0;
  let steps = 0;
  for (let i = 2; i < run.renders.length; i++) {
    ms = Math.max(ms, run.renders[i]![0] - run.renders[i - 1]![0]);
    steps = Math.max(steps, run.renders[i]![1] - run.renders[i - 1]![1]);
  }
  return { ms, steps };
}

describe('RenderPace: the picture is never older than max(2 s, 2 steps)', () => {
  it('slow steps (2 s a step, a 400 ms render): a new picture at least every 2 steps, and the pace says it is slow', async () => {
    const run = await simulate(2000, 400, 120);
    expect(run.renders.length).toBeGreaterThan(20);
    expect(worstAge(run).steps).toBeLessThanOrEqual(FRESHNESS.steps);
    // The share rule alone (3%) would wait 400·0.97/0.03 ≈ 13 s, i.e. 6 steps, between pictures.
    expect(run.slow).toBe(true);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(FRESHNESS.cap);
  });

  it('a slow GPU backend (2 s a step, queued, read every 4 steps; a 1 s render): a new picture every 2 steps, within the cap', async () => {
    const run = await simulate(2000, 1000, 300, 4);
    expect(run.renders.length).toBeGreaterThan(30);
    expect(worstAge(run).steps).toBeLessThanOrEqual(FRESHNESS.steps);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(FRESHNESS.cap + 0.01);
    expect(run.slow).toBe(true);
  });

  it('a moderately slow backend (300 ms a step, a 150 ms render): a new picture within about 2 s', async () => {
    const run = await simulate(300, 150, 120);
    // The picture lands once 2 s have passed since the last (the render counted), within one step.
    expect(worstAge(run).ms).toBeLessThanOrEqual(FRESHNESS.ms + 300);
    expect(run.slow).toBe(true);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(FRESHNESS.cap);
  });

  it('fast steps (10 steps/s, a 20 ms render): the render stays within its 3% share and the pace is not slow', async () => {
    const run = await simulate(100, 20, 120);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(SHARES.render + 0.002);
    expect(worstAge(run).ms).toBeLessThanOrEqual(FRESHNESS.ms);
    expect(run.slow).toBe(false);
  });

  it('fast steps (5 steps/s, a 30 ms render) keep all side work under 5% of the loop', async () => {
    const run = await simulate(200, 30, 120);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(SHARES.render + 0.002);
    expect(SIDE_WORK_SHARE).toBeLessThanOrEqual(0.05);
    expect(run.slow).toBe(false);
  });

  it('a render so costly the floor would need more than the cap: the cap wins', async () => {
    const run = await simulate(500, 2000, 300);
    expect(run.renderMs / run.totalMs).toBeLessThanOrEqual(FRESHNESS.cap + 0.01);
    expect(run.renderMs / run.totalMs).toBeGreaterThan(0.2);
    expect(run.slow).toBe(true);
  });

  it('one costly render (a first render compiling its kernels) does not hold the next picture back', async () => {
    const pace = new RenderPace();
    clock = 10_000;
    await pace.run(1, 'share', async () => void (clock += 300));
    await pace.run(3, 'fresh', async () => void (clock += 5000));
    // 1 s steps: 2 s and 2 steps later the floor is due again, as after a 300 ms render.
    expect(pace.due(clock + 1000, 4, 700)).toBe(false);
    expect(pace.due(clock + 2000, 5, 700)).toBe('fresh');
  });

  it('says at what share of the loop it keeps the picture fresh', async () => {
    const pace = new RenderPace();
    clock = 10_000;
    await pace.run(1, 'fresh', async () => void (clock += 400));
    await pace.run(3, 'fresh', async () => void (clock += 400));
    // 2 steps of 2 s are the floor: 400 / (4000 + 400).
    expect(pace.floorShare(2000)).toBeCloseTo(400 / 4400, 5);
    // Fast steps: the 2 s floor, capped.
    expect(pace.floorShare(100)).toBeCloseTo(400 / 2400, 5);
  });
});

describe('Cadence: SWD within its share of the loop', () => {
  it('waits its interval, or longer after a costly run so the share holds', async () => {
    const pace = new Cadence(0.05);
    expect(pace.due(500, 700)).toBe(false);
    expect(pace.due(700, 700)).toBe(true);
    // A cheap task: the interval rules.
    clock = 1000;
    await pace.run(async () => void (clock += 10));
    expect(pace.due(1010 + 699, 700)).toBe(false);
    expect(pace.due(1010 + 700, 700)).toBe(true);
    // A 200 ms task at a 5% share waits 200·0.95/0.05 = 3800 ms, far past the 700 ms interval.
    clock = 5000;
    await pace.run(async () => void (clock += 200));
    expect(pace.due(5200 + 3799, 700)).toBe(false);
    expect(pace.due(5200 + 3800, 700)).toBe(true);
  });
});

describe('SaveClock: "autosave every 20 s" is a bound', () => {
  it('with a slow save (500 ms) and 100 ms steps, no two saves start more than 20 s + one step apart', async () => {
    const clockOf = new SaveClock();
    const starts: number[] = [];
    clock = 0;
    while (clock < 300_000) {
      clock += 100; // a step
      if (clockOf.due(clock, 20_000))
        await clockOf.run(async () => {
          starts.push(clock);
          clock += 500;
        });
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(starts.length).toBeGreaterThanOrEqual(14);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20_000 + 100);
  });

  it('a save outside the schedule (pause) restarts the interval', () => {
    const clockOf = new SaveClock();
    clockOf.saved(50_000);
    expect(clockOf.due(69_999, 20_000)).toBe(false);
    expect(clockOf.due(70_000, 20_000)).toBe(true);
  });
});
