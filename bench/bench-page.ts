/**
 * Page rows of the benchmark, in headless Chromium on a fresh production build (the app plus the
 * bench's bare-steps page, built together into a temporary folder, served with the app's
 * headers). Per backend: bare steps in a Worker (bench/page/bare-steps.worker.ts), then, if a
 * step finished at all, the app's own loop (bench/bench-page-loop.ts) on the same settings.
 */
import { english } from '../src/contract/messages.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { openPage } from '../tests/e2e/browser.ts';
import type { BareMessage } from './page/bare-steps-protocol.ts';
import { median } from './step-timing.ts';
import { imagesPerSec, type LoopRow, type StepRow } from './bench-table.ts';
import { benchLoop } from './bench-page-loop.ts';

export interface PagePlan {
  backends: string[];
  /** App and bare-page URL parameters for the model size, e.g. `preset=small&batch=32`. */
  query: string;
  res: number;
  width: number;
  batch: number;
  bareSteps: number;
  /** A backend whose bare steps take longer than this is reported as it stands. */
  bareSeconds: number;
  /** Seconds of the app's loop, per backend; the longer run (memory over time) gets more. */
  loopSeconds: (backend: string) => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Beyond the steps' own time: the backend's start-up and the step under way at the deadline. */
const GRACE_MS = 30_000;

async function bareSteps(base: string, backend: string, plan: PagePlan): Promise<StepRow> {
  const maxMs = plan.bareSeconds * 1000;
  const s = await openPage(`${base}/bench/page/bare.html?backend=${backend}&${plan.query}&dataset=shapes&steps=${plan.bareSteps}&maxMs=${maxMs}`);
  const row: StepRow = {
    where: 'page',
    backend,
    model: 'DCGAN',
    res: plan.res,
    width: plan.width,
    batch: plan.batch,
    msPerStep: undefined,
    firstStepMs: undefined,
    kernelsPerStep: undefined,
    note: '',
  };
  try {
    const until = Date.now() + maxMs + GRACE_MS;
    let messages: BareMessage[] = [];
    while (Date.now() < until) {
      messages = await s.page.evaluate(() => (window as unknown as { __bare: BareMessage[] }).__bare);
      if (messages.some((m) => m.type === 'done' || m.type === 'error')) break;
      await sleep(500);
    }
    const error = messages.find((m) => m.type === 'error');
    const started = messages.find((m) => m.type === 'backend');
    const steps = messages.flatMap((m) => (m.type === 'step' ? [m] : []));
    if (started) row.backend = started.backend.software ? `${started.backend.name} (software)` : started.backend.name;
    // WASM on threads says so in its flavour: "WebAssembly on the CPU (SIMD, 2 threads)".
    const threads = started && english(started.backend.reason).match(/, (\d+) threads\)/)?.[1];
    if (threads) row.backend += `, ${threads} threads`;
    if (started && started.backend.name !== backend)
      row.note = `asked for ${backend}, got ${started.backend.name}: ${started.backend.skipped.map((k) => english(k.reason)).join('; ')}`;
    row.firstStepMs = steps.find((m) => m.index === 0)?.ms;
    const timed = steps.filter((m) => m.index > 0).map((m) => m.ms);
    row.msPerStep = timed.length ? median(timed) : undefined;
    row.kernelsPerStep = steps.find((m) => m.kernels !== undefined)?.kernels;
    const done = messages.find((m) => m.type === 'done');
    const leak = done?.type === 'done' && done.timing.tensorGrowth ? `; ${done.timing.tensorGrowth} tensors leaked` : '';
    const waited = `${((maxMs + GRACE_MS) / 1000).toFixed(0)} s`;
    row.note ||=
      error?.type === 'error'
        ? `failed: ${error.message}`
        : steps.length === 0
          ? `no step finished in ${waited}`
          : timed.length === 0
            ? `only the first step finished in ${waited}`
            : `bare steps in a Worker, median of ${timed.length}${leak}`;
    return row;
  } finally {
    await s.close();
  }
}

export async function benchPage(plan: PagePlan, onStep: (r: StepRow) => void, onLoop: (r: LoopRow) => void): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'ganvas-bench-'));
  try {
    await build({
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        rolldownOptions: { input: { main: 'index.html', bare: 'bench/page/bare.html' }, checks: { bundlerTimings: false } },
      },
    });
    const server = await preview({ build: { outDir }, preview: { host: '127.0.0.1', port: 0 }, logLevel: 'warn' });
    const base = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
    try {
      for (const backend of plan.backends) {
        const bare = await bareSteps(base, backend, plan);
        onStep(bare);
        // Not even two steps in the time allowed: too slow to watch, so no loop to measure either.
        if (bare.msPerStep === undefined) continue;
        const loop = await benchLoop({
          base,
          backend,
          query: `${plan.query}&dataset=shapes`,
          batch: plan.batch,
          res: plan.res,
          seconds: plan.loopSeconds(backend),
          readySeconds: 90,
        });
        onLoop({ ...loop, bareImagesPerSec: imagesPerSec(bare) });
      }
    } finally {
      await server.close();
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
