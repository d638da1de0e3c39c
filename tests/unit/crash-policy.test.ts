import { describe, expect, it } from 'vitest';
import { afterCrash, CRASH_LIMIT, CRASH_WINDOW_MS } from '../../src/app/crash-policy.ts';

describe('after the training Worker crashes', () => {
  it('restarts on the same backend while crashes are rare', () => {
    const crashes = [0];
    expect(afterCrash(crashes, 0, 'webgpu')).toEqual({ action: 'restart' });
    crashes.push(CRASH_WINDOW_MS + 1);
    // The first crash has left the window: still one recent crash.
    expect(afterCrash(crashes, CRASH_WINDOW_MS + 1, 'webgpu')).toEqual({ action: 'restart' });
    expect(crashes).toHaveLength(1);
  });

  it('hands a GPU backend that keeps failing over to WebAssembly, then counts afresh', () => {
    const crashes: number[] = [];
    let last;
    for (let i = 0; i < CRASH_LIMIT; i++) {
      crashes.push(i * 1000);
      last = afterCrash(crashes, i * 1000, 'webgl');
    }
    expect(last).toEqual({ action: 'fallback', to: 'wasm', failures: CRASH_LIMIT });
    expect(crashes).toEqual([]);
  });

  it('stops restarting when the CPU path keeps crashing too', () => {
    const crashes = [0, 10, 20];
    expect(afterCrash(crashes, 20, 'wasm')).toEqual({ action: 'stop', failures: 3 });
  });
});
