/**
 * Training speed over the last few seconds. One report window alone (a few steps) swings with
 * every grid render, SWD or autosave in it, so the readout jumped by 2× from one moment to the next.
 */
export class RateMeter {
  private marks: { time: number; step: number }[] = [];

  constructor(private readonly spanMs = 3000) {}

  /** Starts measuring afresh from `step` (training started, a new model, the Worker woke up). */
  restart(step: number, now = performance.now()): void {
    this.marks = [{ time: now, step }];
  }

  /** Records the step count at `now`; steps per second over about the last `spanMs`. */
  stepsPerSec(step: number, now = performance.now()): number {
    if (this.marks.length === 0) this.restart(step, now);
    this.marks.push({ time: now, step });
    // Keep the newest mark that is at least spanMs old as the start of the window.
    while (this.marks.length > 2 && now - this.marks[1]!.time >= this.spanMs) this.marks.shift();
    const first = this.marks[0]!;
    return ((step - first.step) * 1000) / Math.max(1, now - first.time);
  }
}

/**
 * A training step's own time, side work excluded, from one report to the next. On a GPU backend
 * the loop gets a step back once it is queued and only a read waits for it, so the clock alone
 * cannot say how long the steps since the last picture took; this can (see RenderPace.due).
 */
export class StepTime {
  private last: { time: number; step: number } | undefined;
  private side = 0;
  /** Milliseconds per step, smoothed over reports; 0 until two reports were seen. */
  ms = 0;

  restart(): void {
    this.last = undefined;
    this.side = 0;
    this.ms = 0;
  }

  /** Time the loop spent on something else (drawing, SWD, saving) since the last report. */
  sideWork(ms: number): void {
    this.side += ms;
  }

  report(step: number, now = performance.now()): void {
    const last = this.last;
    if (last && step > last.step) {
      const ms = Math.max(0, now - last.time - this.side) / (step - last.step);
      this.ms = this.ms > 0 ? (this.ms + ms) / 2 : ms;
    }
    this.last = { time: now, step };
    this.side = 0;
  }
}
