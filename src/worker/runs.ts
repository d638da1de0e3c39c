/**
 * Saved runs in IndexedDB (through `idb`), written from the Worker so the page never stalls.
 * A run is one encoded project file; a save is one `put` in one transaction, so a crash or
 * reload mid-write leaves the previous save whole (IndexedDB commits transactions atomically).
 */
import { MessageError, msg } from '../contract/messages.ts';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunSummary } from '../contract/protocol.ts';

interface RunRecord extends RunSummary {
  bytes: Uint8Array;
}

interface RunsSchema extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { updated: string } };
}

const DB_NAME = 'ganvas';
let db: Promise<IDBPDatabase<RunsSchema>> | undefined;

function open(): Promise<IDBPDatabase<RunsSchema>> {
  db ??= openDB<RunsSchema>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: 'id' }).createIndex('updated', 'updated');
    },
  });
  return db;
}

export async function listRuns(): Promise<RunSummary[]> {
  const all = await (await open()).getAllFromIndex('runs', 'updated');
  return all.reverse().map(({ bytes: _bytes, ...summary }) => summary);
}

export async function loadRun(id: string): Promise<Uint8Array | undefined> {
  return (await (await open()).get('runs', id))?.bytes;
}

/**
 * Saves a run, refusing up front when the browser says there is not room: a full disk must
 * produce a message, never a half-written store (the old save stays).
 */
export async function saveRun(summary: Omit<RunSummary, 'size'>, bytes: Uint8Array): Promise<void> {
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  if (estimate?.quota !== undefined && estimate.usage !== undefined && estimate.quota - estimate.usage < bytes.length * 1.1)
    throw new MessageError(noRoom(bytes));
  try {
    await (await open()).put('runs', { ...summary, size: bytes.length, bytes });
  } catch (e) {
    // The estimate can be stale: a write the browser refuses for quota fails whole, old save intact.
    if (e instanceof DOMException && e.name === 'QuotaExceededError') throw new MessageError(noRoom(bytes));
    throw e;
  }
}

const noRoom = (bytes: Uint8Array) => msg('runs.noRoom', { mb: (bytes.length / 2 ** 20).toFixed(1) });

export async function renameRun(id: string, name: string): Promise<void> {
  const d = await open();
  const tx = d.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (run) await tx.store.put({ ...run, name });
  await tx.done;
}

export async function deleteRun(id: string): Promise<void> {
  await (await open()).delete('runs', id);
}

/** A copy under a new id, so an experiment can branch from a saved state. */
export async function duplicateRun(id: string, newId: string): Promise<void> {
  const d = await open();
  const tx = d.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (run) await tx.store.put({ ...run, id: newId, name: `${run.name} (copy)`, updated: new Date().toISOString() });
  await tx.done;
}
