/**
 * The app's own loop in headless Chromium, measured from outside without touching the app: an
 * init script watches main-thread long tasks (PerformanceObserver) and the Worker's `step` and
 * `samples` messages (a listener added to every Worker the page makes); the Worker's tensor count
 * is read from tfjs's global engine, its JS heap through the DevTools protocol.
 */
import type { CDPSession, Page } from 'playwright-core';
import { numberIn, openPage, textOf } from '../tests/e2e/browser.ts';
import type { LoopRow } from './bench-table.ts';

interface Probe {
  longTasks: [start: number, ms: number][];
  steps: [time: number, step: number][];
  grids: [time: number, step: number][];
  click: number;
}

/** Runs in the page before the app's scripts. */
function installProbe(): void {
  const probe: Probe = { longTasks: [], steps: [], grids: [], click: NaN };
  (window as unknown as { __bench: Probe }).__bench = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('message', (e: MessageEvent<{ type?: string; step?: number }>) => {
        if (e.data?.type === 'step') probe.steps.push([performance.now(), e.data.step!]);
        if (e.data?.type === 'samples') probe.grids.push([performance.now(), e.data.step!]);
      });
    }
  };
}

/**
 * How old the grid was while training, seen at every step message after the first trained grid:
 * seconds since the last grid arrived, and steps since the step it showed (median and p95).
 */
export function gridAge(p: Pick<Probe, 'steps' | 'grids'>, since: number): string {
  const ms: number[] = [];
  const steps: number[] = [];
  let g = 0;
  const grids = p.grids.filter(([t, step]) => t >= since && step > 0);
  for (const [t, step] of p.steps) {
    while (g < grids.length && grids[g]![0] <= t) g++;
    const grid = grids[g - 1];
    if (!grid) continue;
    ms.push(t - grid[0]);
    steps.push(Math.max(0, step - grid[1]));
  }
  if (ms.length === 0) return 'grid age: no trained grid';
  const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))]!;
  return `grid age median ${(q(ms, 0.5) / 1000).toFixed(1)} s / ${q(steps, 0.5)} steps, p95 ${(q(ms, 0.95) / 1000).toFixed(1)} s / ${q(steps, 0.95)} steps (${grids.length} grids)`;
}

const readProbe = (page: Page) => page.evaluate(() => (window as unknown as { __bench: Probe }).__bench);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The training Worker's tensor count and JS heap (MB), or undefined while it cannot answer. */
export async function workerMemory(page: Page, cdp: CDPSession): Promise<{ tensors: number; heapMB: number } | undefined> {
  const worker = page.workers().find((w) => w.url().includes('trainer.worker'));
  if (!worker) return undefined;
  const tensors = await worker.evaluate(() => (globalThis as unknown as { _tfengine?: { state: { numTensors: number } } })._tfengine?.state.numTensors ?? NaN);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes('trainer.worker'));
  if (!target) return undefined;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  const reply = new Promise<number>((resolve) => {
    cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
      if (e.sessionId === sessionId && m.id === 1) resolve(m.result?.usedSize ?? NaN);
    });
  });
  await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) });
  const heap = await Promise.race([reply, sleep(30_000).then(() => NaN)]);
  await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
  return { tensors, heapMB: heap / 2 ** 20 };
}

export const mainHeapMB = (page: Page) =>
  page.evaluate(() => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN) / 2 ** 20);

export interface LoopPlan {
  base: string;
  backend: string;
  /** App URL parameters beyond backend (size, dataset). */
  query: string;
  batch: number;
  res: number;
  /** Seconds of training after the Train click. */
  seconds: number;
  /** Seconds to wait for the page to be ready to train. */
  readySeconds: number;
}

export async function benchLoop(plan: LoopPlan): Promise<LoopRow> {
  const s = await openPage('about:blank');
  const row: LoopRow = {
    backend: plan.backend,
    res: plan.res,
    batch: plan.batch,
    loopImagesPerSec: undefined,
    bareImagesPerSec: undefined,
    trainToFirstGridMs: undefined,
    longTasks: { count: 0, totalMs: 0 },
    tensors: [],
    workerHeapMB: [],
    mainHeapMB: [],
    steps: 0,
    seconds: 0,
    note: '',
  };
  try {
    await s.page.addInitScript(installProbe);
    await s.page.goto(`${plan.base}/?backend=${plan.backend}&${plan.query}&autostart=0`);
    const cdp = await s.context.newCDPSession(s.page);
    // Ready: idle, images loaded, and the untrained grid drawn (the model exists).
    const readyBy = Date.now() + plan.readySeconds * 1000;
    while (!(
      (await textOf(s.page, 'status')).startsWith('idle') &&
      (await numberIn(s.page, 'dataset-count')) > 0 &&
      (await readProbe(s.page)).grids.length > 0
    )) {
      if (Date.now() > readyBy || (await textOf(s.page, 'status')).startsWith('error')) {
        row.note = `not ready to train after ${plan.readySeconds} s: ${await textOf(s.page, 'status')}`;
        return row;
      }
      await sleep(250);
    }
    row.backend = (await textOf(s.page, 'backend')).trim().split(/\s+/)[0] ?? plan.backend;
    await s.page.evaluate(() => {
      (window as unknown as { __bench: Probe }).__bench.click = performance.now();
      document.querySelector<HTMLButtonElement>('[data-testid="train-toggle"]')!.click();
    });
    const t0 = Date.now();
    const sample = async () => {
      const w = await workerMemory(s.page, cdp);
      if (!w) return;
      row.tensors.push(w.tensors);
      row.workerHeapMB.push(w.heapMB);
      row.mainHeapMB.push(await mainHeapMB(s.page));
    };
    let half = false;
    while (Date.now() - t0 < plan.seconds * 1000) {
      await sleep(1000);
      if ((await textOf(s.page, 'status')).startsWith('error')) {
        row.note = await textOf(s.page, 'status');
        break;
      }
      // Memory once the first trained grid has arrived, then half-way through the run.
      if (row.tensors.length === 0 && (await readProbe(s.page)).grids.some(([, step]) => step > 0)) await sample();
      else if (!half && row.tensors.length > 0 && Date.now() - t0 >= (plan.seconds * 1000) / 2) {
        half = true;
        await sample();
      }
    }
    if (row.tensors.length > 0) await sample();
    const p = await readProbe(s.page);
    const after = (t: number) => t >= p.click;
    const trainedSteps = p.steps.filter(([t, step]) => after(t) && step > 0);
    const first = trainedSteps[0];
    const last = trainedSteps.at(-1);
    row.seconds = (Date.now() - t0) / 1000;
    row.steps = last?.[1] ?? 0;
    if (first && last && last[1] > first[1]) row.loopImagesPerSec = ((last[1] - first[1]) * plan.batch * 1000) / (last[0] - first[0]);
    else if (last) row.note ||= `too few steps for a steady rate (${((last[1] * plan.batch * 1000) / (last[0] - p.click)).toFixed(2)} images/s from the click)`;
    const grid = p.grids.find(([t, step]) => after(t) && step > 0);
    row.trainToFirstGridMs = grid && grid[0] - p.click;
    row.note = row.note ? `${row.note}; ${gridAge(p, p.click)}` : gridAge(p, p.click);
    const long = p.longTasks.filter(([t]) => after(t));
    row.longTasks = { count: long.length, totalMs: long.reduce((a, [, ms]) => a + ms, 0) };
    return row;
  } finally {
    await s.close();
  }
}
