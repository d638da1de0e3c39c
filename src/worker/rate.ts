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
