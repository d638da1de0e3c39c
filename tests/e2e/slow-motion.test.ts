/**
 * Honest slow motion (issue 17): D's update happens while D is named and highlighted, then G's
 * while G is, each phase long enough to see, and the grid changes only after G's update. (It used
 * to say "D is learning", sleep, run the whole round and the render, then say "G is learning".)
 */
import { describe, expect, inject, it } from 'vitest';
import { textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';
import { listenToWorker } from './worker-probe.ts';

const open = pagePerTest();

describe('slow motion', () => {
  it('names and highlights each player while it learns, and redraws the grid only after G', async () => {
    const session = await open('about:blank');
    const { page } = session;
    const heard = await listenToWorker(page, ['phase', 'step', 'samples']);
    await page.goto(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&autostart=0&sampleEveryMs=0`);
    await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('idle'),
      120_000,
      'model ready',
    );
    await page.getByTestId('slow-motion').check();
    await page.getByTestId('train-toggle').click();
    // The highlight follows the phase: the active player's label is D's, then G's.
    const highlighted = new Set<string>();
    const end = Date.now() + 9_000;
    while (Date.now() < end) {
      // Both read in one evaluation: two queries could straddle a phase change.
      const { phase, active } = await page.evaluate(() => ({
        phase: document.querySelector('[data-testid="phase"]')?.getAttribute('data-phase') ?? null,
        active: document.querySelector('.player.active select')?.getAttribute('data-testid') ?? null,
      }));
      if (phase && active) highlighted.add(`${phase}:${active}`);
      await page.waitForTimeout(100);
    }
    await page.getByTestId('train-toggle').click();
    expect([...highlighted].sort()).toEqual(['d:d-steps', 'g:g-steps']);

    const events = (await heard()).filter((h) => h.type !== 'phase' || h.phase);
    const firstPhase = events.findIndex((h) => h.type === 'phase');
    const play = events.slice(firstPhase);
    // Phases alternate D, G, D, G… and each lasts at least most of a second.
    const phases = play.filter((h) => h.type === 'phase');
    expect(phases.length).toBeGreaterThanOrEqual(6);
    phases.forEach((h, i) => expect(h.phase).toBe(i % 2 === 0 ? 'd' : 'g'));
    const lengths = phases.slice(1).map((h, i) => h.t - phases[i]!.t);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(800);
    // Every grid comes during G's phase, after G's step; D's step moves the counter, not the grid.
    let phase: string | null | undefined;
    let step = 0;
    let gridsInG = 0;
    let stepsInD = 0;
    for (const h of play) {
      if (h.type === 'phase') phase = h.phase;
      if (h.type === 'step') step = h.step!;
      if (h.type === 'step' && phase === 'd') stepsInD++;
      if (h.type !== 'samples') continue;
      expect(phase, `grid of step ${h.step} posted during ${phase}`).toBe('g');
      expect(h.step).toBe(step);
      gridsInG++;
    }
    expect(gridsInG).toBeGreaterThanOrEqual(2);
    // One D step and one G step per round: the step counter moves once in each phase.
    expect(stepsInD).toBeGreaterThanOrEqual(2);
    expect(session.errors).toEqual([]);
  });
});
