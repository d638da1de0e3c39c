import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { listRuns, loadRun, saveRun } from '../../src/worker/runs.ts';

const summary = (step: number) => ({ id: 'run-1', name: 'test run', step, updated: new Date(step).toISOString(), res: 16, model: 'dcgan' });
const nav = globalThis as { navigator?: unknown };
const realNavigator = nav.navigator;
afterEach(() => Object.defineProperty(globalThis, 'navigator', { value: realNavigator, configurable: true, writable: true }));

function storageWithRoom(bytesFree: number) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { storage: { estimate: async () => ({ quota: 10_000_000, usage: 10_000_000 - bytesFree }) } },
    configurable: true,
    writable: true,
  });
}

describe('saved runs (IndexedDB)', () => {
  it('saves, lists and loads a run; a save refused for quota leaves the previous save whole', async () => {
    storageWithRoom(1_000_000);
    await saveRun(summary(10), Uint8Array.of(1, 2, 3));
    expect((await listRuns()).map((r) => [r.id, r.step, r.size])).toEqual([['run-1', 10, 3]]);

    storageWithRoom(100); // the disk is nearly full
    await expect(saveRun(summary(20), new Uint8Array(5000).fill(9))).rejects.toThrow(/not enough storage .* the previous save is kept/);
    expect(Array.from((await loadRun('run-1'))!)).toEqual([1, 2, 3]);
    expect((await listRuns())[0]!.step).toBe(10);
  });
});
