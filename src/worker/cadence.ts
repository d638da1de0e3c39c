/**
 * How often the loop's side work (drawing the grid, measuring SWD, autosaving) may run.
 *
 * - SWD (`Cadence`): never more often than its configured interval, and never so often that it
 *   takes more than its share of the Worker's time. A task that took `cost` ms waits at least
 *   cost·(1 − share)/share ms after it ends.
 * - The picture (`RenderPace`): the same share rule where steps are fast, and a freshness floor
 *   where they are slow: what a person watches is never older than max(2 s, 2 steps). Where the
 *   floor needs more than the share, the picture wins, up to `FRESHNESS.cap` of the loop, and the
 *   pace says it is `slow` so the page can tell the person why.
 * - The autosave (`SaveClock`): a bound, not a share: a save starts at most `autosaveMs` after
 *   the previous one started, whatever it costs (its cost is measured by bench/bench-autosave.ts).
 */
export const SHARES = {
  /** The grid, the explorer's images and what D sees, where steps are fast. */
  render: 0.03,
  /** SWD against the dataset. */
  quality: 0.015,
} as const;

/** Where steps are fast, the side work stays under 5% of the loop (measured by `npm run bench`). */
export const SIDE_WORK_SHARE = SHARES.render + SHARES.quality;

/** The freshness floor of the live views, and how much of the loop the picture may take to keep it. */
export const FRESHNESS = {
  /** Older than this, and older than `steps` steps, the picture is stale. */
  ms: 2000,
  steps: 2,
  /** The most of the loop's time drawing may take to stay fresh (a slow backend's picture is all a person has). */
  cap: 0.25,
} as const;

/** The least wait after a task that took `cost` ms for it to stay within `share` of the time. */
const shareGap = (cost: number, share: number) => (cost * (1 - share)) / share;

export class Cadence {
  /** The Worker's time origin: the first run waits one interval, as a fresh timer would. */
  private lastEnd = 0;
  private cost = 0;

  constructor(private readonly share: number) {}

  /** True when `minGapMs` has passed since the last run ended and the share allows another. */
  due(now: number, minGapMs: number): boolean {
    return now - this.lastEnd >= Math.max(minGapMs, shareGap(this.cost, this.share));
  }

  /** Runs the task, timing it for the next `due`. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await task();
    } finally {
      this.lastEnd = performance.now();
      this.cost = this.lastEnd - start;
    }
  }
}

/** Why a render is due: the share allows it, or the freshness floor needs it (the backend is slow). */
export type RenderDue = 'share' | 'fresh' | false;

export class RenderPace {
  private lastEnd = 0;
  private lastStep = 0;
  /** The last two renders' times: the pace follows the cheaper, so one spike (a first render compiling its kernels, a GC) does not hold the picture back. */
  private costs: [number, number] = [0, 0];
  /** Whether the last render was due only to the floor: the share alone would have let the picture go stale. */
  slow = false;

  /**
   * The render due after `step`, given the configured least interval `minGapMs` and the measured
   * time a step takes (`stepMs`, 0 when not known yet). On a GPU backend steps are queued, not
   * done, when the loop gets them back, and only a read waits for them: the time the steps since
   * the last picture stand for is then their count times `stepMs`, not the clock's few ms.
   */
  due(now: number, step: number, minGapMs: number, stepMs = 0): RenderDue {
    const since = Math.max(now - this.lastEnd, (step - this.lastStep) * stepMs);
    const cost = this.cost;
    if (since >= Math.max(minGapMs, shareGap(cost, SHARES.render))) return 'share';
    // The floor: once both 2 s and 2 steps have passed (the render's own time counted, so the
    // picture lands by then), draw, unless that would take more than the cap.
    const stale = since + cost >= FRESHNESS.ms && step - this.lastStep >= FRESHNESS.steps;
    return stale && since >= shareGap(cost, FRESHNESS.cap) ? 'fresh' : false;
  }

  private get cost(): number {
    return Math.min(...this.costs);
  }

  /** Runs the render for `step`, timing it; `why` is what `due` said (a forced render counts as share). */
  async run<T>(step: number, why: RenderDue, task: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await task();
    } finally {
      this.lastEnd = performance.now();
      this.lastStep = step;
      this.costs = [this.costs[1], this.lastEnd - start];
      if (why) this.slow = why === 'fresh';
    }
  }

  /** The render's share of the loop when it runs at the freshness floor: what the page says when slow. */
  floorShare(stepMs: number): number {
    const gap = Math.max(FRESHNESS.ms, FRESHNESS.steps * stepMs);
    return Math.min(FRESHNESS.cap, this.cost / (gap + this.cost));
  }

  /** A new model: the next picture is due at once. */
  restart(): void {
    this.lastEnd = -Infinity;
    this.lastStep = 0;
    this.costs = [0, 0];
    this.slow = false;
  }
}

/**
 * The autosave's schedule: due `intervalMs` after the previous save started (a save that took
 * long does not push the next one out), so at most one interval of training, plus one step and
 * one save, is ever at risk.
 */
export class SaveClock {
  /** The Worker's time origin, as for Cadence: the first save waits one interval. */
  private lastStart = 0;

  due(now: number, intervalMs: number): boolean {
    return now - this.lastStart >= intervalMs;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    this.lastStart = performance.now();
    return task();
  }

  /** A save made outside the schedule (pause, new data) counts as the latest. */
  saved(now = performance.now()): void {
    this.lastStart = now;
  }
}
