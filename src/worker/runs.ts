/**
 * Saved runs in IndexedDB (through `idb`), written from the Worker so the page never stalls.
 * A run is one encoded project file; its training images, which do not change from one
 * autosave to the next and are most of its size (tens of MB for the largest set allowed), are
 * kept once beside it in `datasets` and named by the run. A save is one transaction, so a crash
 * or reload mid-write leaves the previous save whole (IndexedDB commits transactions atomically).
 */
import { MessageError, msg } from '../contract/messages.ts';
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { RunSummary } from '../contract/protocol.ts';
import type { StoredDataset } from '../gan/project/checkpoint-types.ts';

interface RunRecord extends RunSummary {
  bytes: Uint8Array;
  /** The run's images in `datasets`, when its project file was saved without them. */
  datasetId?: string;
}

interface DatasetRecord extends StoredDataset {
  id: string;
}

interface RunsSchema extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { updated: string } };
  datasets: { key: string; value: DatasetRecord };
}

/** A dataset saved apart from the run's file: its id stays the same while the images do. */
export interface DatasetPart {
  id: string;
  data: StoredDataset;
}

const DB_NAME = 'ganvas';
let db: Promise<IDBPDatabase<RunsSchema>> | undefined;

function open(): Promise<IDBPDatabase<RunsSchema>> {
  db ??= openDB<RunsSchema>(DB_NAME, 2, {
    upgrade(d, oldVersion) {
      if (oldVersion < 1) d.createObjectStore('runs', { keyPath: 'id' }).createIndex('updated', 'updated');
      if (oldVersion < 2) d.createObjectStore('datasets', { keyPath: 'id' });
    },
  });
  return db;
}

export async function listRuns(): Promise<RunSummary[]> {
  const all = await (await open()).getAllFromIndex('runs', 'updated');
  return all.reverse().map(({ bytes: _bytes, datasetId: _dataset, ...summary }) => summary);
}

export async function loadRun(id: string): Promise<Uint8Array | undefined> {
  return (await (await open()).get('runs', id))?.bytes;
}

/** The images of a run saved without them in its file; undefined for a file that holds its own. */
export async function loadRunDataset(id: string): Promise<DatasetPart | undefined> {
  const d = await open();
  const datasetId = (await d.get('runs', id))?.datasetId;
  const record = datasetId === undefined ? undefined : await d.get('datasets', datasetId);
  if (!record) return undefined;
  const { id: key, ...data } = record;
  return { id: key, data };
}

/**
 * Saves a run, refusing up front when the browser says there is not room: a full disk must
 * produce a message, never a half-written store (the old save stays). `dataset`: the images
 * kept apart from `bytes`, written only when the store does not hold that id yet.
 */
export async function saveRun(summary: Omit<RunSummary, 'size'>, bytes: Uint8Array, dataset?: DatasetPart): Promise<void> {
  const d = await open();
  const fresh = dataset && (await d.getKey('datasets', dataset.id)) === undefined ? dataset : undefined;
  const writing = bytes.length + (fresh?.data.pixels.length ?? 0);
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  if (estimate?.quota !== undefined && estimate.usage !== undefined && estimate.quota - estimate.usage < writing * 1.1) throw new MessageError(noRoom(writing));
  try {
    const tx = d.transaction(['runs', 'datasets'], 'readwrite');
    const old = await tx.objectStore('runs').get(summary.id);
    if (fresh) await tx.objectStore('datasets').put({ id: fresh.id, ...fresh.data });
    const size = bytes.length + (dataset?.data.pixels.length ?? 0);
    await tx.objectStore('runs').put({ ...summary, size, bytes, ...(dataset ? { datasetId: dataset.id } : {}) });
    if (old?.datasetId !== undefined && old.datasetId !== dataset?.id) await dropUnused(tx, old.datasetId, summary.id);
    await tx.done;
  } catch (e) {
    // The estimate can be stale: a write the browser refuses for quota fails whole, old save intact.
    if (e instanceof DOMException && e.name === 'QuotaExceededError') throw new MessageError(noRoom(writing));
    throw e;
  }
}

type ReadWrite = IDBPTransaction<RunsSchema, ('runs' | 'datasets')[], 'readwrite'>;

/** Deletes a stored dataset no run other than `except` names any more. */
async function dropUnused(tx: ReadWrite, datasetId: string, except: string): Promise<void> {
  const runs = await tx.objectStore('runs').getAll();
  if (!runs.some((r) => r.id !== except && r.datasetId === datasetId)) await tx.objectStore('datasets').delete(datasetId);
}

const noRoom = (bytes: number) => msg('runs.noRoom', { mb: (bytes / 2 ** 20).toFixed(1) });

export async function renameRun(id: string, name: string): Promise<void> {
  const d = await open();
  const tx = d.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (run) await tx.store.put({ ...run, name });
  await tx.done;
}

export async function deleteRun(id: string): Promise<void> {
  const tx = (await open()).transaction(['runs', 'datasets'], 'readwrite');
  const run = await tx.objectStore('runs').get(id);
  await tx.objectStore('runs').delete(id);
  if (run?.datasetId !== undefined) await dropUnused(tx, run.datasetId, id);
  await tx.done;
}

/** A copy under a new id, so an experiment can branch from a saved state. */
export async function duplicateRun(id: string, newId: string): Promise<void> {
  const d = await open();
  const tx = d.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (run) await tx.store.put({ ...run, id: newId, name: `${run.name} (copy)`, updated: new Date().toISOString() });
  await tx.done;
}
