/**
 * npm run soak: the production page trains for a long time in headless Chromium (WASM, tiny
 * preset, built-in shapes) with the grid, SWD and autosave on, and three faults along the way:
 * a Worker crash (at 25% of the steps), a reload of the page (50%: the run is resumed from the
 * runs list) and a device loss (75%). It prints, at intervals, the Worker's tensors and JS heap
 * and the page's JS heap; for each fault, the steps lost; at the end, whether the final state
 * equals its autosave (weights, optimizer moments, random streams, counters, bit for bit).
 *
 *   npm run soak                          # 20,000 steps
 *   npm run soak -- --steps 3000 --every 30 --out docs/soak.md
 *   npm run soak -- --dist dist-mine      # another build folder (default dist, from npm run build)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { preview } from 'vite';
import { decodeProject } from '../src/gan/project/checkpoint.ts';
import type { TrainerSnapshot } from '../src/gan/project/checkpoint-types.ts';
import { parseArgs } from '../cli/args.ts';
import { openPage, textOf, waitFor, type Session } from '../tests/e2e/browser.ts';
import { listenToWorker, type Heard } from '../tests/e2e/worker-probe.ts';
import { mainHeapMB, workerMemory } from './bench-page-loop.ts';
import { machineLine } from './bench-table.ts';

const args = parseArgs(process.argv.slice(2));
const STEPS = Number(args.get('steps') ?? 20_000);
const EVERY_S = Number(args.get('every') ?? 60);
const DIST = args.get('dist') ?? 'dist';
const AUTOSAVE_MS = 20_000;
const QUERY = `backend=wasm&dataset=shapes&preset=tiny&autostart=0&autosaveMs=${AUTOSAVE_MS}`;
const HEARD = ['step', 'samples', 'quality', 'runs', 'status'];

interface MemoryRow {
  minutes: number;
  step: number;
  stepsPerSec: number;
  worker: number;
  tensors: number;
  workerHeapMB: number;
  pageHeapMB: number;
}
interface Fault {
  kind: string;
  /** The last step the page showed before the fault, and the step training went on from. */
  before: number;
  after: number;
  stepsPerSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(line);

/** The Worker messages heard since the last call (the page's recorder is read from `from`). */
function reader(probe: () => Promise<Heard[]>) {
  let from = 0;
  return async (): Promise<Heard[]> => {
    const all = await probe().catch(() => [] as Heard[]);
    const fresh = all.slice(from);
    from = all.length;
    return fresh;
  };
}

class Soak {
  readonly rows: MemoryRow[] = [];
  readonly faults: Fault[] = [];
  private readonly start = Date.now();
  step = 0;
  /** Worker generations: each crash, loss or reload starts a new one. */
  worker = 1;
  private pending: { kind: string; before: number } | undefined;
  private rate: { time: number; step: number }[] = [];
  grids = 0;
  swd = 0;
  current: string | undefined;

  constructor(private readonly session: Session) {}

  get page(): Page {
    return this.session.page;
  }

  stepsPerSec(): number {
    const a = this.rate[0];
    const b = this.rate.at(-1);
    return a && b && b.time > a.time ? ((b.step - a.step) * 1000) / (b.time - a.time) : 0;
  }

  /** The faults that restart the Worker by themselves, in the order they are injected. */
  private readonly restarts = ['worker crash', 'device loss'];

  /** Follows the step counter; a drop (a new Worker restoring the run) is a fault, closed when it goes on. */
  hear(events: Heard[]): void {
    for (const h of events) {
      if (h.type === 'samples') this.grids++;
      if (h.type === 'quality') this.swd++;
      if (h.type === 'runs' && h.current) this.current = h.current;
      if (h.type !== 'step' || h.step === undefined) continue;
      if (!this.pending && h.step < this.step) this.pending = { kind: this.restarts.shift() ?? 'worker restart', before: this.step };
      if (this.pending) {
        if (h.step === 0) continue; // the new Worker's empty model, before the autosave is in
        this.faults.push({ ...this.pending, after: h.step, stepsPerSec: this.stepsPerSec() });
        this.pending = undefined;
        this.worker++;
        this.rate = [];
      }
      this.step = h.step;
      this.rate.push({ time: Date.now(), step: h.step });
      while (this.rate.length > 2 && Date.now() - this.rate[0]!.time > 30_000) this.rate.shift();
    }
  }

  /** A reload is a fault the soak makes itself: it knows the step before. */
  reloaded(before: number, after: number, stepsPerSec: number): void {
    this.faults.push({ kind: 'page reload', before, after, stepsPerSec });
    this.step = after;
    this.worker++;
    this.rate = [];
  }

  async sample(): Promise<void> {
    const cdp = await this.session.context.newCDPSession(this.page);
    try {
      const w = await workerMemory(this.page, cdp);
      if (!w) return;
      const row = {
        minutes: (Date.now() - this.start) / 60_000,
        step: this.step,
        stepsPerSec: this.stepsPerSec(),
        worker: this.worker,
        tensors: w.tensors,
        workerHeapMB: w.heapMB,
        pageHeapMB: await mainHeapMB(this.page),
      };
      this.rows.push(row);
      log(
        `  ${row.minutes.toFixed(1)} min  step ${row.step}  ${row.stepsPerSec.toFixed(1)} steps/s  worker #${row.worker}  ${row.tensors} tensors  Worker ${row.workerHeapMB.toFixed(1)} MB  page ${row.pageHeapMB.toFixed(1)} MB`,
      );
    } finally {
      await cdp.detach().catch(() => undefined);
    }
  }
}

async function ready(page: Page): Promise<void> {
  await waitFor(
    () => textOf(page, 'status'),
    (t) => t.startsWith('idle') || t.startsWith('error'),
    180_000,
    'the page to be ready',
  );
  const status = await textOf(page, 'status');
  if (status.startsWith('error')) throw new Error(`the page could not start: ${status}`);
}

/** Trains until `until(step)`, hearing the Worker and sampling memory every EVERY_S. */
async function trainUntil(soak: Soak, read: () => Promise<Heard[]>, until: () => boolean, lastSample: { at: number }): Promise<void> {
  while (!until()) {
    await sleep(1000);
    soak.hear(await read());
    const status = await textOf(soak.page, 'status').catch(() => '');
    if (status.startsWith('error')) throw new Error(`training stopped: ${status}`);
    if (status.startsWith('paused') && !/restor|crash|lost/i.test(status)) throw new Error(`training paused by itself: ${status}`);
    if (Date.now() - lastSample.at >= EVERY_S * 1000) {
      lastSample.at = Date.now();
      await soak.sample();
    }
  }
}

async function autosaveBytes(page: Page, id: string): Promise<Uint8Array> {
  const values = await page.evaluate(async (runId) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('ganvas');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const record = await new Promise<{ bytes: Uint8Array } | undefined>((resolve, reject) => {
      const g = db.transaction('runs').objectStore('runs').get(runId);
      g.onsuccess = () => resolve(g.result as { bytes: Uint8Array } | undefined);
      g.onerror = () => reject(g.error);
    });
    db.close();
    return record ? Array.from(record.bytes) : [];
  }, id);
  return Uint8Array.from(values);
}

/** What differs between two saved states (empty: equal bit for bit). */
function differences(a: TrainerSnapshot, b: TrainerSnapshot): string[] {
  const out: string[] = [];
  if (a.step !== b.step) out.push(`step ${a.step} ≠ ${b.step}`);
  if (JSON.stringify(a.rng) !== JSON.stringify(b.rng)) out.push('the batch/latent random stream');
  if (JSON.stringify(a.config) !== JSON.stringify(b.config)) out.push('config');
  const arrays = (s: TrainerSnapshot) => {
    const named: [string, Float32Array][] = Object.entries(s.params).map(([k, v]) => [`param ${k}`, v.data]);
    for (const [o, st] of Object.entries(s.optimizers)) {
      named.push([`optimizer ${o} iterations`, Float32Array.of(st.iterations)]);
      for (const [k, v] of Object.entries(st.weights)) named.push([`optimizer ${o} ${k}`, v.data]);
    }
    for (const [k, v] of Object.entries(s.extras ?? {})) named.push([`extra ${k}`, v.data]);
    return new Map(named);
  };
  const [x, y] = [arrays(a), arrays(b)];
  for (const [k, v] of x) {
    const w = y.get(k);
    if (
      !w ||
      w.length !== v.length ||
      !new Uint8Array(v.buffer, v.byteOffset, v.byteLength).every((byte, i) => byte === new Uint8Array(w.buffer, w.byteOffset, w.byteLength)[i])
    )
      out.push(k);
  }
  for (const k of y.keys()) if (!x.has(k)) out.push(`${k} (only in the autosave)`);
  return out;
}

function report(soak: Soak, equal: string, seconds: number, stepsAsked: number): string {
  const rows = soak.rows.map(
    (r) =>
      `| ${r.minutes.toFixed(1)} | ${r.step} | ${r.stepsPerSec.toFixed(1)} | #${r.worker} | ${r.tensors} | ${r.workerHeapMB.toFixed(1)} | ${r.pageHeapMB.toFixed(1)} |`,
  );
  const faults = soak.faults.map((f) => {
    // A reload's "last step shown" is read just before the page goes; training (and a save) can finish a few steps after it.
    const lost = Math.max(0, f.before - f.after);
    const interval = f.stepsPerSec * (AUTOSAVE_MS / 1000);
    return `| ${f.kind} | ${f.before} | ${f.after} | ${lost} | ${f.stepsPerSec > 0 ? (lost / f.stepsPerSec).toFixed(1) : '–'} | ${interval.toFixed(0)} |`;
  });
  return [
    `${machineLine()}; Debian Chromium headless, the production build, WASM (1 thread), tiny preset (16 px, width 16, batch 16), built-in shapes; grid, SWD (every 15 s) and autosave (every ${AUTOSAVE_MS / 1000} s) on.`,
    '',
    `Asked for ${stepsAsked} steps; trained to step ${soak.step} in ${(seconds / 60).toFixed(1)} min (${soak.grids} grids and ${soak.swd} SWD measurements heard).`,
    '',
    '| minutes | step | steps/s | Worker | tensors | Worker JS heap MB | page JS heap MB |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '| fault | last step shown | went on from | steps lost | seconds of training lost | one autosave interval, in steps |',
    '|---|---|---|---|---|---|',
    ...faults,
    '',
    `Final state against its autosave (read from IndexedDB) and a project exported at the same moment: ${equal}`,
  ].join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(`${DIST}/index.html`))
    throw new Error(`no production build in ${DIST}/: run \`npm run build\` (or \`npx vite build --outDir ${DIST}\`) first`);
  const server = await preview({ build: { outDir: DIST }, preview: { host: '127.0.0.1', port: 0, open: false }, logLevel: 'warn' });
  const base = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
  const session = await openPage('about:blank', { testHooks: true });
  const started = Date.now();
  try {
    const probe = await listenToWorker(session.page, HEARD);
    const soak = new Soak(session);
    const read = reader(probe);
    const [crashAt, reloadAt, lossAt] = [0.25, 0.5, 0.75].map((f) => Math.round(STEPS * f));
    log(`soak: ${STEPS} steps; crash at ${crashAt}, reload after ${reloadAt}, device loss at ${lossAt}; memory every ${EVERY_S} s`);
    const sampled = { at: Date.now() };

    await session.page.goto(`${base}/?${QUERY}&fault=worker-crash&faultAt=${crashAt}`);
    await ready(session.page);
    await session.page.getByTestId('train-toggle').click();
    await soak.sample();
    await trainUntil(soak, read, () => soak.faults.length >= 1 && soak.step >= reloadAt, sampled);

    // The reload: the page comes back with its saved runs; the person resumes the run and trains.
    soak.hear(await read());
    const before = soak.step;
    const rate = soak.stepsPerSec();
    const runId = soak.current;
    await session.page.goto(`${base}/?${QUERY}&fault=device-lost&faultAt=${lossAt}`);
    const readAgain = reader(probe);
    await ready(session.page);
    await session.page
      .getByTestId('runs-list')
      .getByRole('button', { name: /Resume/ })
      .first()
      .click();
    const resumed = await waitFor(
      async () => (await readAgain()).filter((h) => h.type === 'step' && (h.step ?? 0) > 0).at(-1)?.step,
      (s) => s !== undefined,
      120_000,
      'the run to be resumed',
    );
    soak.reloaded(before, resumed!, rate);
    if (runId) soak.current = runId;
    await session.page.getByTestId('train-toggle').click();
    await trainUntil(soak, readAgain, () => soak.faults.length >= 3 && soak.step >= STEPS, sampled);

    // The end: pause (which autosaves), then compare the autosave with a project exported now.
    const pausedAt = await session.page.evaluate(() => performance.now());
    await session.page.getByTestId('train-toggle').click();
    const events: Heard[] = [];
    await waitFor(
      async () => {
        events.push(...(await readAgain()));
        return events.some((h) => h.type === 'runs' && h.t > pausedAt);
      },
      (saved) => saved,
      120_000,
      'the autosave after pausing',
    );
    soak.hear(events);
    await soak.sample();
    const [download] = await Promise.all([session.page.waitForEvent('download'), session.page.getByTestId('export-project').click()]);
    const exported = decodeProject(readFileSync((await download.path())!));
    const saved = decodeProject(await autosaveBytes(session.page, soak.current ?? ''));
    let equal: string;
    if (!exported.ok || !saved.ok) equal = `could not be read (${exported.ok ? 'autosave' : 'export'} refused)`;
    else {
      const diff = differences(exported.snapshot, saved.snapshot);
      equal = diff.length === 0 ? `equal, bit for bit, at step ${saved.snapshot.step}` : `DIFFERENT: ${diff.slice(0, 8).join(', ')}`;
    }
    const text = report(soak, equal, (Date.now() - started) / 1000, STEPS);
    log(`\n${text}`);
    const out = args.get('out');
    if (out) writeFileSync(out, `${text}\n`);
    // The test-hooks init script also runs on about:blank (before the first navigation), where localStorage is off limits.
    const errors = session.errors.filter((e) => !/Failed to read the 'localStorage' property/.test(e));
    if (errors.length) log(`\npage errors: ${errors.slice(0, 5).join(' | ')}`);
  } finally {
    await session.close();
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
