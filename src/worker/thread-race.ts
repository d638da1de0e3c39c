/**
 * WASM's thread count, chosen by speed on the person's machine (issue 16): the default DCGAN's
 * step (the small preset, as the backend race times it) on one thread, then on min(cores, 4),
 * in the same threaded module with its pool made again between them (wasm-setup.ts); more
 * threads must be 5% faster to be kept (auto-size.ts `fastest`). The page remembers the
 * outcome, so a person's later visits start at once with the winner.
 */
import { DEFAULT_CONFIG } from '../contract/config.ts';
import type { ThreadRace } from '../contract/protocol.ts';
import { fastest, RACE, stepMs, trainerRig, type StepRig } from './auto-size.ts';

/** What the race needs from the outside (tests give it fake steps and a fake clock). */
export interface ThreadRaceDeps {
  /** Makes the pool `count` threads; returns the count now running. */
  resize(count: number): number;
  build(): StepRig;
  now(): number;
}

/** One thread (the module's start) against `threads`, timed on one rig; the winner's pool is left running. */
export async function raceWasmThreads(threads: number, deps: ThreadRaceDeps): Promise<ThreadRace> {
  const rig = deps.build();
  try {
    const time = () => stepMs(rig, deps.now, (t) => t + RACE.budgetMs, RACE.timedSteps);
    const oneMs = await time();
    const running = deps.resize(threads);
    const manyMs = running === threads ? await time() : Infinity;
    const winner = fastest([
      { name: 'one', msPerStep: oneMs },
      { name: 'many', msPerStep: manyMs },
    ]);
    const kept = winner === 'many' ? threads : 1;
    if (kept === 1 && running !== 1) deps.resize(1);
    return { threads, oneMs, manyMs, kept };
  } finally {
    rig.dispose();
  }
}

/** The real race, on the running threaded WASM module. */
export const realThreadRace = (resize: ThreadRaceDeps['resize']): ThreadRaceDeps => ({
  resize,
  build: () => trainerRig(DEFAULT_CONFIG, 'small'),
  now: () => performance.now(),
});
