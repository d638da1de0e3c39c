/**
 * How often the loop's side work (drawing the grid, measuring SWD, autosaving) may run: never
 * more often than its configured interval, and never so often that it takes more than its share
 * of the Worker's time. A task that took `cost` ms waits at least cost·(1 − share)/share ms
 * after it ends, so on a slow backend the grid updates less often instead of slowing training.
 */
export const SHARES = {
  /** The grid and the explorer's images, with the live view most people watch. */
  render: 0.03,
  /** SWD against the dataset. */
  quality: 0.015,
  /** Serialising the run into IndexedDB. */
  autosave: 0.005,
} as const;

/** Together the side work stays under 5% of the loop (the target measured by `npm run bench`). */
export const SIDE_WORK_SHARE = SHARES.render + SHARES.quality + SHARES.autosave;

export class Cadence {
  /** The Worker's time origin: the first run waits one interval, as a fresh timer would. */
  private lastEnd = 0;
  private cost = 0;

  constructor(private readonly share: number) {}

  /** True when `minGapMs` has passed since the last run ended and the share allows another. */
  due(now: number, minGapMs: number): boolean {
    return now - this.lastEnd >= Math.max(minGapMs, (this.cost * (1 - this.share)) / this.share);
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
