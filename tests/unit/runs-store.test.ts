import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRun, duplicateRun, listRuns, loadRun, loadRunDataset, saveRun } from '../../src/worker/runs.ts';

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

/** How many image sets the store holds, read past the module's API. */
async function storedDatasets(): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('ganvas');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const count = await new Promise<number>((resolve) => {
    const c = db.transaction('datasets').objectStore('datasets').count();
    c.onsuccess = () => resolve(c.result);
  });
  db.close();
  return count;
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

  it("keeps a run's images once beside its autosaves: a later save with the same images writes only the file", async () => {
    storageWithRoom(1_000_000);
    const images = { res: 2, count: 1, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), names: ['a'] };
    const run = (step: number) => ({ ...summary(step), id: 'run-data' });
    await saveRun(run(10), Uint8Array.of(1), { id: 'data-1', data: images });
    // The second save names the same images; the store is nearly full, so writing them again would be refused.
    storageWithRoom(50);
    await saveRun(run(20), Uint8Array.of(2), { id: 'data-1', data: images });
    expect(Array.from((await loadRun('run-data'))!)).toEqual([2]);
    expect((await loadRunDataset('run-data'))?.data.pixels).toEqual(images.pixels);
    expect((await listRuns()).find((r) => r.id === 'run-data')?.size).toBe(1 + 12);

    // A copy shares the images; they go when the last run naming them is deleted.
    storageWithRoom(1_000_000);
    await duplicateRun('run-data', 'run-copy');
    await deleteRun('run-data');
    expect((await loadRunDataset('run-copy'))?.id).toBe('data-1');
    await deleteRun('run-copy');
    expect(await storedDatasets()).toBe(0);
  });
});
