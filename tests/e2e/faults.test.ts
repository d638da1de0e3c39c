import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

/** Every value `step-count` shows, recorded in the page as it changes (polling could miss a dip). */
async function recordSteps(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(`(() => {
    const seen = (window.steps = []);
    new MutationObserver(() => {
      const m = document.querySelector('[data-testid="step-count"]')?.textContent?.match(/\\d+/);
      if (m && seen[seen.length - 1] !== Number(m[0])) seen.push(Number(m[0]));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
  return () => page.evaluate(() => (window as unknown as { steps: number[] }).steps);
}

describe('faults', () => {
  it('a run that turns NaN pauses itself, rolls back to its last good snapshot, and can resume', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&reportEvery=2&fault=nan&faultAt=150`, {
      testHooks: true,
    });
    const { page } = session;
    const status = await waitFor(
      () => textOf(page, 'status'),
      (t) => t.includes('diverged'),
      120_000,
      'divergence to be caught',
    );
    expect(status).toMatch(/^paused: training diverged at step 15\d: the losses became NaN/);
    const rolledBack = Number(status.match(/Rolled back to step (\d+)/)![1]);
    expect(rolledBack).toBeGreaterThanOrEqual(100);
    expect(rolledBack).toBeLessThan(150);
    expect(await numberIn(page, 'step-count')).toBe(rolledBack);
    expect(await page.getByTestId('readout').textContent()).not.toMatch(/NaN/);

    await page.getByTestId('train-toggle').click();
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 170,
      120_000,
      'training past the fault',
    );
    expect(await textOf(page, 'status')).toMatch(/^training/);
    expect(session.errors).toEqual([]);
  });

  it('a crashed Worker is replaced and the run restored from its last autosave, then trains on', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&autosaveMs=1000&fault=worker-crash&faultAt=250`, {
      testHooks: true,
    });
    const { page } = session;
    await waitFor(
      () => textOf(page, 'notices'),
      (t) => t.includes('crashed'),
      120_000,
      'the crash to be noticed',
    );
    expect(await textOf(page, 'notices')).toMatch(/injected worker crash at step 250.*restored the last autosave/);
    const restored = await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('training'),
      60_000,
      'training again',
    );
    expect(restored).toMatch(/^training/);
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > 300,
      120_000,
      'training past the crash',
    );
    expect(session.errors.filter((e) => !e.includes('injected worker crash'))).toEqual([]);
  });

  it('a model too large for the device is refused before it is built, with the estimate and the limit', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&model=stylegan&res=64&width=64&batch=256`);
    const { page } = session;
    const status = await waitFor(
      () => textOf(page, 'status'),
      (t) => t.startsWith('error'),
      60_000,
      'the refusal',
    );
    expect(status).toMatch(
      /^error: cannot build this model: 64×64 StyleGAN at batch 256 on \d+ images needs about \d+\.\d GiB; WASM can address about 2\.0 GiB: lower the batch/,
    );
    expect(await numberIn(page, 'step-count')).toBe(0);
    expect(session.errors).toEqual([]);
  });

  // Software GPUs are slow here: the smallest model, one report per step, grids rarely. WASM has
  // no device: its loss is simulated by an error through the same path. SwiftShader's first WebGPU
  // device in a page dies by itself after the first step here (it did before this hook existed),
  // so the WebGPU loss is injected at step 1, before any autosave.
  it.each([
    ['webgl', 40],
    ['webgpu', 1],
    ['wasm', 300],
  ] as const)('a lost %s device: a fresh Worker restores the last autosave, says so, and trains on', async (backend, at) => {
    const session = await open(
      `${inject('baseUrl')}/?backend=${backend}&dataset=shapes&res=16&width=4&zDim=16&batch=2&reportEvery=1&sampleEveryMs=3000&qualityEveryMs=600000&autosaveMs=1000&fault=device-lost&faultAt=${at}`,
      { testHooks: true },
    );
    const { page } = session;
    const steps = await recordSteps(page);
    await waitFor(
      () => textOf(page, 'backend'),
      (t) => t.includes(backend),
      60_000,
      `the ${backend} backend`,
    );
    const status = await waitFor(
      () => textOf(page, 'status'),
      (t) => /^training.*recovered after/.test(t),
      180_000,
      'training to resume after the device loss',
    );
    const m = status.match(
      new RegExp(
        `recovered after the ${backend} device was lost at step (\\d+) \\(.+\\); continuing from (?:the autosave at step (\\d+)|step 0: there was no autosave yet)`,
      ),
    );
    expect(m, status).not.toBeNull();
    const [lostAt, resumedFrom] = [Number(m![1]), Number(m![2] ?? 0)];
    expect(lostAt).toBeGreaterThanOrEqual(at);
    expect(resumedFrom).toBeLessThanOrEqual(lostAt);
    if (at > 1) expect(resumedFrom).toBeGreaterThan(0);
    expect(await textOf(page, 'notices')).toMatch(new RegExp(`${backend} device was lost.*Restarted it`));
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n > lostAt + 5,
      180_000,
      'training past the loss',
    );
    // Every time the count goes down (the restore), it lands no lower than the autosave.
    const seen = await steps();
    expect(
      seen.every((n, i) => i === 0 || n >= seen[i - 1]! || n >= resumedFrom),
      JSON.stringify(seen),
    ).toBe(true);
    expect(session.errors.filter((e) => !/device was lost|Device is lost|GPU|WebGL|destroyed|Invalid/i.test(e))).toEqual([]);
  });
});
