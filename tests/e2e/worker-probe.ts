/**
 * Watches the training Worker's messages from outside the app: an init script wraps the page's
 * `Worker` so every message of the types asked for is recorded with the page's clock, in the
 * order the page received them. (The DOM alone can merge two messages into one React render.)
 */
import type { Page } from 'playwright-core';

export interface Heard {
  /** performance.now() in the page when the message arrived. */
  t: number;
  type: string;
  step?: number;
  phase?: string | null;
  note?: unknown;
  /** `runs`: the current run's id. */
  current?: string;
}

/** Installs the recorder; call before the page's first navigation. */
export async function listenToWorker(page: Page, types: string[]): Promise<() => Promise<Heard[]>> {
  await page.addInitScript((wanted: string[]) => {
    const heard: Heard[] = [];
    (window as unknown as { __heard: Heard[] }).__heard = heard;
    const Base = window.Worker;
    window.Worker = class extends Base {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (e: MessageEvent<Omit<Heard, 't'>>) => {
          const m = e.data;
          if (!m?.type || !wanted.includes(m.type)) return;
          heard.push({ t: performance.now(), type: m.type, step: m.step, phase: m.phase, note: m.note, current: m.current });
        });
      }
    };
  }, types);
  return () => page.evaluate(() => (window as unknown as { __heard: Heard[] }).__heard);
}
