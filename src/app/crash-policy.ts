/**
 * What the page does when its training Worker dies: restart it on the same backend, hand over
 * to WebAssembly when a GPU backend keeps failing (a device that keeps getting lost), or stop
 * when even the CPU path keeps crashing, rather than restarting forever.
 */
import type { BackendName } from '../contract/config.ts';

/** This many crashes within the window: stop restarting on the same backend. */
export const CRASH_LIMIT = 3;
export const CRASH_WINDOW_MS = 120_000;

export type Restart = { action: 'restart' } | { action: 'fallback'; to: 'wasm'; failures: number } | { action: 'stop'; failures: number };

/** `crashes`: times of the crashes so far, this one included (older ones are dropped in place). */
export function afterCrash(crashes: number[], now: number, backend: BackendName | undefined): Restart {
  const recent = crashes.filter((t) => now - t < CRASH_WINDOW_MS);
  crashes.splice(0, crashes.length, ...recent);
  if (recent.length < CRASH_LIMIT) return { action: 'restart' };
  crashes.length = 0;
  if (backend === 'wasm' || backend === 'cpu') return { action: 'stop', failures: recent.length };
  return { action: 'fallback', to: 'wasm', failures: recent.length };
}
