/**
 * The start-up size test in the real page: with no size in the URL the Worker times the presets
 * on its backend, posts the timings with the backend event (`sizing`), and builds the model at
 * the preset it picked. The Worker's messages are read by a listener added before the app loads.
 */
import { describe, expect, inject, it } from 'vitest';
import { PRESETS } from '../../src/contract/config.ts';
import type { SizeProbe, WorkerEvent } from '../../src/contract/protocol.ts';
import { waitFor } from './browser.ts';
import { pagePerTest } from './pages.ts';

const open = pagePerTest();

type Seen = Extract<WorkerEvent, { type: 'backend' | 'config' }>;

function recordWorkerEvents(): void {
  const seen: unknown[] = [];
  (window as unknown as { __seen: unknown[] }).__seen = seen;
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('message', (e: MessageEvent<{ type?: string }>) => {
        if (e.data?.type === 'backend' || e.data?.type === 'config') seen.push(e.data);
      });
    }
  };
}

describe('automatic size preset', () => {
  it('times the presets on the backend and builds the model at the one it picked', async () => {
    const session = await open('about:blank');
    const { page } = session;
    await page.addInitScript(recordWorkerEvents);
    await page.goto(`${inject('baseUrl')}/?backend=wasm&dataset=shapes&autostart=0`);
    const seen = () => page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);
    const sizingOf = (events: Seen[]): SizeProbe | undefined => events.flatMap((e) => (e.type === 'backend' && e.sizing ? [e.sizing] : []))[0];
    const sizing = (await waitFor(
      async () => sizingOf(await seen()),
      (s) => s !== undefined,
      60_000,
      'the size test',
    ))!;

    expect(sizing.speeds[0]).toMatchObject({ preset: 'tiny', measured: true });
    for (const s of sizing.speeds) expect(s.stepsPerSec).toBeGreaterThan(0);
    const picked = sizing.speeds.find((s) => s.preset === sizing.picked)!;
    expect(picked.measured).toBe(true);
    // The largest measured preset at ≥ 2 steps/s, or tiny when none was that fast.
    const fast = sizing.speeds.filter((s) => s.measured && s.stepsPerSec >= sizing.minStepsPerSec).map((s) => s.preset);
    expect(sizing.picked).toBe(fast.at(-1) ?? 'tiny');

    const built = await waitFor(
      async () => (await seen()).filter((e): e is Extract<Seen, { type: 'config' }> => e.type === 'config' && e.params.generator > 0).at(-1),
      (e) => e !== undefined,
      60_000,
      'the model built',
    );
    expect(built!.config.res).toBe(PRESETS[sizing.picked].res);
    expect(built!.config.width).toBe(PRESETS[sizing.picked].width);
    expect(session.errors).toEqual([]);
  });
});
