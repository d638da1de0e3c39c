/**
 * WASM's thread race (src/worker/thread-race.ts) on a fake machine whose step time depends on the
 * pool size the race set, and the page's memory of its outcome (src/app/threads.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ThreadRace } from '../../src/contract/protocol.ts';
import { rememberThreadRace, threadsChoice } from '../../src/app/threads.ts';
import { raceWasmThreads, type ThreadRaceDeps } from '../../src/worker/thread-race.ts';

/** `msAt[n]`: a step's time on n threads (the first step of a rig also costs `warmMs`); `maxPool`: what a resize can reach. */
function fakeWasm(msAt: Record<number, number>, maxPool = 8, warmMs = 500) {
  let clock = 0;
  let pool = 1;
  const resizes: number[] = [];
  let live = 0;
  const deps: ThreadRaceDeps = {
    now: () => clock,
    resize(count) {
      resizes.push(count);
      pool = Math.min(count, maxPool);
      return pool;
    },
    build() {
      live++;
      let steps = 0;
      return {
        async step() {
          clock += (steps++ === 0 ? warmMs : 0) + msAt[pool]!;
        },
        dispose: () => void live--,
      };
    },
  };
  return { deps, resizes, pool: () => pool, live: () => live };
}

describe('raceWasmThreads', () => {
  it('keeps more threads when they are more than 5% faster, and leaves their pool running', async () => {
    const m = fakeWasm({ 1: 200, 4: 120 });
    expect(await raceWasmThreads(4, m.deps)).toEqual({ threads: 4, oneMs: 200, manyMs: 120, kept: 4 });
    expect(m.resizes).toEqual([4]);
    expect(m.pool()).toBe(4);
    expect(m.live()).toBe(0);
  });

  it('goes back to one thread when more are slower, or within the 5% margin', async () => {
    const slower = fakeWasm({ 1: 200, 2: 260 });
    expect((await raceWasmThreads(2, slower.deps)).kept).toBe(1);
    expect(slower.pool()).toBe(1);
    const tie = fakeWasm({ 1: 200, 2: 195 });
    expect((await raceWasmThreads(2, tie.deps)).kept).toBe(1);
    expect(tie.resizes).toEqual([2, 1]);
  });

  it('counts a pool that did not grow as not running, and stays on one thread', async () => {
    const m = fakeWasm({ 1: 200, 2: 100 }, 1);
    expect(await raceWasmThreads(2, m.deps)).toEqual({ threads: 2, oneMs: 200, manyMs: Infinity, kept: 1 });
    expect(m.pool()).toBe(1);
  });
});

/** A Storage stand-in: a Map behind getItem/setItem. */
function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
}

describe("the page's memory of the race", () => {
  const race: ThreadRace = { threads: 4, oneMs: 210, manyMs: 130, kept: 4 };

  it('gives a new Worker the URL’s count first, then an earlier winner on the same core count, else nothing (race)', () => {
    const storage = memoryStorage();
    expect(threadsChoice(undefined, storage, 8)).toBeUndefined();
    rememberThreadRace(storage, 8, race);
    expect(threadsChoice(undefined, storage, 8)).toEqual({ count: 4, from: 'earlier', race });
    expect(threadsChoice(2, storage, 8)).toEqual({ count: 2, from: 'url' });
    expect(threadsChoice(undefined, storage, 4)).toBeUndefined();
  });

  it('keeps a count that did not start (Infinity, which JSON cannot hold) as not running', () => {
    const storage = memoryStorage();
    rememberThreadRace(storage, 2, { threads: 2, oneMs: 300, manyMs: Infinity, kept: 1 });
    expect(threadsChoice(undefined, storage, 2)).toEqual({ count: 1, from: 'earlier', race: { threads: 2, oneMs: 300, manyMs: Infinity, kept: 1 } });
  });

  it('races again when the memory is garbage or the storage is blocked', () => {
    const storage = memoryStorage();
    for (const junk of ['{', '"x"', '{"threads":4,"kept":3,"cores":8,"oneMs":1,"manyMs":1}', '{"threads":0,"kept":1,"cores":8}']) {
      storage.items.set('ganvas:wasm-threads', junk);
      expect(threadsChoice(undefined, storage, 8)).toBeUndefined();
    }
    const blocked = {
      getItem: (): string | null => {
        throw new DOMException('blocked', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    };
    expect(() => rememberThreadRace(blocked, 8, race)).not.toThrow();
    expect(threadsChoice(undefined, blocked, 8)).toBeUndefined();
  });
});
