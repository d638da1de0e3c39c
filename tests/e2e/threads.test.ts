/**
 * WASM's thread count chosen by speed (src/worker/thread-race.ts): a first visit times one thread
 * against two (this machine's cores) and says both times; the next visit starts with the winner
 * without timing again; `?threads=2` trains on two threads in the production build, under its CSP.
 */
import { describe, expect, inject, it } from 'vitest';
import { numberIn, textOf, waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();
const RACED = /WebAssembly on the CPU \(SIMD, (one thread|2 threads)\): \d+ ms per training step on (one thread|2 threads) here, against \d+ ms on (one|2)$/;

describe('WASM threads', () => {
  it('races one thread against two at the first visit, and the next visit starts with the winner', async () => {
    const { page, errors } = await open(`${inject('baseUrl')}/?dataset=none&autostart=0`);
    const reason = await waitFor(
      () => textOf(page, 'backend-reason'),
      (t) => t.length > 0,
      60_000,
      'the backend and why',
    );
    const raced = reason.match(RACED);
    expect(raced, reason).not.toBeNull();
    // The flavour names the count running, which is the one the race kept.
    expect(raced![1]).toBe(raced![2]);
    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('ganvas:wasm-threads'))) ?? 'null') as { kept: number; threads: number } | null;
    expect(stored).toMatchObject({ threads: 2, kept: raced![1] === 'one thread' ? 1 : 2 });

    await page.reload();
    const again = await waitFor(
      () => textOf(page, 'backend-reason'),
      (t) => t.length > 0,
      60_000,
      'the backend after a reload',
    );
    expect(again).toContain(`(SIMD, ${raced![1]}), the faster when timed at an earlier visit`);
    expect(errors).toEqual([]);
  });

  it('trains on two threads when ?threads=2 asks for them', async () => {
    const { page, errors } = await open(`${inject('baseUrl')}/?backend=wasm&threads=2&dataset=shapes&res=16&width=8&batch=4&reportEvery=1`);
    await waitFor(
      () => numberIn(page, 'step-count'),
      (n) => n >= 10,
      60_000,
      'ten training steps',
    );
    expect(await textOf(page, 'backend-reason')).toBe('requested with ?backend=wasm: WebAssembly on the CPU (SIMD, 2 threads), as asked with ?threads=2');
    expect(await textOf(page, 'status')).toMatch(/^training/);
    expect(errors).toEqual([]);
  });
});
