import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

describe('faults', () => {
  it('a run that turns NaN pauses itself, rolls back to its last good snapshot, and can resume', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&reportEvery=2&fault=nan&faultAt=150`);
    const { page } = session;
    const status = await waitFor(() => textOf(page, 'status'), (t) => t.includes('diverged'), 120_000, 'divergence to be caught');
    expect(status).toMatch(/^paused: training diverged at step 15\d: the losses became NaN/);
    const rolledBack = Number(status.match(/Rolled back to step (\d+)/)![1]);
    expect(rolledBack).toBeGreaterThanOrEqual(100);
    expect(rolledBack).toBeLessThan(150);
    expect(await numberIn(page, 'step-count')).toBe(rolledBack);
    expect(await page.getByTestId('readout').textContent()).not.toMatch(/NaN/);

    await page.getByTestId('train-toggle').click();
    await waitFor(() => numberIn(page, 'step-count'), (n) => n > 170, 120_000, 'training past the fault');
    expect(await textOf(page, 'status')).toMatch(/^training/);
    expect(session.errors).toEqual([]);
  });

  it('a crashed Worker is replaced and the run restored from its last autosave, then trains on', async () => {
    const session = await open(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&res=16&width=8&batch=4&autosaveMs=1000&fault=worker-crash&faultAt=250`);
    const { page } = session;
    await waitFor(() => textOf(page, 'notices'), (t) => t.includes('crashed'), 120_000, 'the crash to be noticed');
    expect(await textOf(page, 'notices')).toMatch(/injected worker crash at step 250.*restored the last autosave/);
    const restored = await waitFor(() => textOf(page, 'status'), (t) => t.startsWith('training'), 60_000, 'training again');
    expect(restored).toMatch(/^training/);
    await waitFor(() => numberIn(page, 'step-count'), (n) => n > 300, 120_000, 'training past the crash');
    expect(session.errors.filter((e) => !e.includes('injected worker crash'))).toEqual([]);
  });
});
