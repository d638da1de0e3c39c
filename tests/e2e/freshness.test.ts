/**
 * The stale-grid case of issue 17: on a software adapter (as slow as a weak integrated GPU), the
 * built-in faces at 16 px, batch 8, the grid said "samples at step 1" at step 13 and did not
 * change for 20 s. While training, the grid must be no older than max(2 s, 2 steps)
 * (src/worker/cadence.ts) unless keeping it so would take more than the 25% cap; on this
 * machine's software WebGL a render (36 faces, and what D sees) costs about as much as a step,
 * so the cap stretches the floor to about 4 steps, and the page must say the backend is slow.
 * Before the fix the grid waited 33× its render's cost (3% share): 30–60 s here.
 */
import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { listenToWorker, type Heard } from './worker-probe.ts';

const open = pagePerTest();

/** The floor (2 s) plus what a render, a step and the page's messages may add on a loaded 2-core machine. */
const AGE_MS = 2000 + 4000;
/** The floor (2 steps), stretched by the cap where a render costs as much as a step (see above). */
const AGE_STEPS = 2 + 2;

/** The oldest the grid was, seen at every step message after the first trained grid. */
function worstAge(heard: Heard[], since: number): { ms: number; steps: number; grids: number; stale: string[] } {
  let grid: Heard | undefined;
  const stale: string[] = [];
  let ms = 0;
  let steps = 0;
  let grids = 0;
  for (const h of heard.filter((x) => x.t >= since)) {
    if (h.type === 'samples') {
      grid = h;
      grids++;
    }
    if (h.type !== 'step' || !grid || grid.step === 0) continue;
    const age = { ms: h.t - grid.t, steps: h.step! - grid.step! };
    ms = Math.max(ms, age.ms);
    steps = Math.max(steps, age.steps);
    if (age.ms > AGE_MS && age.steps > AGE_STEPS) stale.push(`step ${h.step}: grid of step ${grid.step}, ${(age.ms / 1000).toFixed(1)} s old`);
  }
  return { ms, steps, grids, stale };
}

describe.each([
  ['webgl', 30_000],
  ['wasm', 15_000],
] as const)('the live grid on %s stays fresh', (backend, trainMs) => {
  it('16 px faces, batch 8: the grid is never older than max(2 s, 2 steps) while training', async () => {
    const session = await open('about:blank');
    const { page } = session;
    const heard = await listenToWorker(page, ['step', 'samples', 'pace', 'quality']);
    await page.goto(`${inject('baseUrl')}/?backend=${backend}&dataset=faces&res=16&batch=8&autostart=0`);
    await waitFor(
      async () => `${await textOf(page, 'status')} | ${await numberIn(page, 'dataset-count')}`,
      (t) => t.startsWith('idle') && !t.endsWith('NaN') && !t.endsWith(' 0'),
      180_000,
      'faces loaded and the model built',
    );
    expect(await textOf(page, 'backend')).toContain(backend);
    await page.getByTestId('train-toggle').click();
    // Warm-up: a software adapter compiles each new kernel on first use (the first step, grid and
    // SWD took 5–12 s each here); the floor is for training, from the first SWD measurement on.
    await waitFor(
      async () => (await heard()).some((h) => h.type === 'quality'),
      (warm) => warm,
      180_000,
      'the first SWD measurement',
    );
    // …and two reports later the loop knows a step's time (reportEvery 4).
    const warmStep = await numberIn(page, 'step-count');
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= warmStep + 8,
      180_000,
      'two more reports',
    );
    const warm = await page.evaluate(() => performance.now());
    await new Promise((r) => setTimeout(r, trainMs));
    const shownStep = Number(await page.getByTestId('sample-grid').getAttribute('data-step'));
    const note = (await page.getByTestId('pace-note').count()) > 0 ? await textOf(page, 'pace-note') : '';
    await page.getByTestId('train-toggle').click();

    const all = await heard();
    const age = worstAge(all, warm);
    const steps = (all.filter((h) => h.type === 'step').at(-1)?.step ?? 0) - (all.filter((h) => h.type === 'step' && h.t < warm).at(-1)?.step ?? 0);
    const notes = all.filter((h) => h.type === 'pace' && h.note).length;
    console.log(
      `${backend}: ${steps} steps in ${trainMs / 1000} s after warm-up, ${age.grids} grids, worst age ${(age.ms / 1000).toFixed(1)} s / ${age.steps} steps, slow-backend notes ${notes}`,
    );
    expect(steps).toBeGreaterThanOrEqual(6);
    expect(age.grids).toBeGreaterThanOrEqual(3);
    expect(age.stale).toEqual([]);
    // The page's own grid followed (the grid still said step 1 at step 13).
    expect(shownStep).toBeGreaterThanOrEqual(warmStep + 8);
    // Software WebGL cannot keep the floor within the usual share: the page says so under the grid.
    if (backend === 'webgl') expect(note).toMatch(/webgl is slow on this device \([\d.]+ s a step\).*up to \d+% of training time/);
    expect(session.errors).toEqual([]);
  });
});
