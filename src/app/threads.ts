/**
 * The page's memory of the WASM thread race (worker/thread-race.ts): the first visit on a machine
 * times one thread against several; later visits start with the winner at once. Kept per core
 * count, so a different machine (or a browser that reports other cores) races again.
 */
import type { ThreadRace, ThreadsChoice } from '../contract/protocol.ts';

const KEY = 'ganvas:wasm-threads';

/** The page's localStorage, or undefined where the browser blocks it (reading the property can throw). */
export function pageStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

interface Remembered extends ThreadRace {
  cores: number;
}

/** What to tell a new Worker: the URL's count, else an earlier race's winner on these cores, else nothing (race). */
export function threadsChoice(fromUrl: number | undefined, storage: Pick<Storage, 'getItem'> | undefined, cores: number): ThreadsChoice | undefined {
  if (fromUrl !== undefined) return { count: fromUrl, from: 'url' };
  const earlier = recall(storage);
  if (!earlier || earlier.cores !== cores) return undefined;
  const race: ThreadRace = { threads: earlier.threads, oneMs: earlier.oneMs, manyMs: earlier.manyMs, kept: earlier.kept };
  return { count: race.kept, from: 'earlier', race };
}

export function rememberThreadRace(storage: Pick<Storage, 'setItem'> | undefined, cores: number, race: ThreadRace): void {
  try {
    // JSON has no Infinity: a count that did not start is stored as null and read back as Infinity.
    storage?.setItem(KEY, JSON.stringify({ ...race, cores } satisfies Remembered));
  } catch {
    // storage blocked or full: the next visit races again
  }
}

function recall(storage: Pick<Storage, 'getItem'> | undefined): Remembered | undefined {
  try {
    const r = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<Record<keyof Remembered, number | null>> | null;
    if (!r || !isCount(r.cores) || !isCount(r.threads) || (r.kept !== 1 && r.kept !== r.threads)) return undefined;
    const ms = (v: number | null | undefined) => (typeof v === 'number' ? v : Infinity);
    return { cores: r.cores, threads: r.threads, kept: r.kept, oneMs: ms(r.oneMs), manyMs: ms(r.manyMs) };
  } catch {
    return undefined;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
