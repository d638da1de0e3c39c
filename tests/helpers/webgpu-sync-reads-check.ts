/**
 * Child process of tests/unit/webgpu-sync-reads.test.ts: the Worker's session, on tfjs's WebGPU
 * backend through Dawn for Node, driven through what a person does with a DCGAN and a StyleGAN:
 * build on data, explore, train, pause (SWD, autosave), nearest images, path length, project an
 * image (StyleGAN: W+, noise maps, D's features), explore the pin, export the timelapse and the
 * project. Every synchronous read of a tensor held on the GPU is recorded with where it came from.
 *
 * Why it matters: tfjs-webgpu reads synchronously by copying through an OffscreenCanvas. In
 * Chromium with a software adapter that copy destroyed the device (the Worker was lost and
 * replaced, and a Train click sent to it went unanswered). Node has no OffscreenCanvas, so here
 * such a read fails, and the session reports an error: both are written out for the test.
 */
import 'fake-indexeddb/auto';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startWebGpuOnDawn } from './dawn-webgpu.ts';
import { tinyConfig } from './tf.ts';
import type { Command, WorkerEvent } from '../../src/contract/protocol.ts';
import type { TrainConfig } from '../../src/contract/config.ts';

export interface SyncReadsResult {
  backend: string;
  /** Per model: what was done, the synchronous GPU reads (phase and call site), and errors said. */
  runs: { model: string; phases: string[]; reads: string[]; errors: string[]; events: Record<string, number>; ms: Record<string, number> }[];
}

interface BackendLike {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown } | undefined };
}

const out = process.argv[2]!;
await startWebGpuOnDawn();
// After Dawn: the session's modules start tfjs-webgpu on import.
const { Session } = await import('../../src/worker/session/session.ts');

let phase = '';
let reads: string[] = [];
const backend = tf.backend() as unknown as BackendLike;
const readSync = backend.readSync.bind(backend);
backend.readSync = (dataId) => {
  if (backend.tensorMap.get(dataId)?.values == null) {
    const site = (new Error().stack ?? '')
      .split('\n')
      .slice(2, 7)
      .map((l) => l.trim().replace(/^at /, ''));
    reads.push(`${phase}: ${site.join(' < ')}`);
  }
  return readSync(dataId);
};

/** Waits until `ok()`; false after `ms`. */
const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

/** A phase that failed: the run stops there, and says where. */
class Stopped extends Error {}

async function drive(model: 'dcgan' | 'stylegan'): Promise<SyncReadsResult['runs'][number]> {
  reads = [];
  const events: WorkerEvent[] = [];
  const errors: string[] = [];
  const phases: string[] = [];
  const ms: Record<string, number> = {};
  const session = new Session((e) => {
    events.push(e);
    if ((e.type === 'status' && e.state === 'error') || (e.type === 'notice' && e.level === 'error')) errors.push(`${phase}: ${JSON.stringify(e.message)}`);
  });
  const count = (type: WorkerEvent['type']) => events.filter((e) => e.type === type).length;
  const step = async (name: string, commands: Command[], done: () => boolean = () => true) => {
    phase = name;
    phases.push(name);
    const t0 = performance.now();
    const said = errors.length;
    for (const c of commands) await session.handle(c);
    if (!(await until(() => done() || errors.length > said, 120_000))) errors.push(`${name}: timed out`);
    ms[name] = Math.round(performance.now() - t0);
    if (errors.length > said) throw new Stopped();
  };
  const style = model === 'stylegan';
  const config: TrainConfig = tinyConfig({ model, batch: 4, autosaveMs: 3_600_000, ...(style ? { wDim: 16, mappingLayers: 2 } : {}) });
  const explore = (pins: [number | string, number | string]): Command => ({
    type: 'explore',
    request: { psi: 0.7, fromB: ['coarse'], pins, noiseSeed: 2, noiseOff: false, space: style ? 'z' : 'w' },
  });

  try {
    await step('build', [
      { type: 'config', config },
      { type: 'dataset/builtin', name: 'shapes' },
    ]);
    await step('explore', [explore([0, 1])], () => count('explorer') > 0);
    const steps = () => Math.max(0, ...events.map((e) => (e.type === 'step' ? e.step : 0)));
    await step('train', [{ type: 'train/start' }], () => steps() >= 2);
    await step('pause', [{ type: 'train/pause' }]);
    await step('nearest', [{ type: 'quality/nearest' }]);
    await step('path length', [{ type: 'quality/ppl' }]);
    const request = style ? { space: 'w+' as const, noiseMaps: true, distance: 'pyramid+d' as const } : { space: 'w' as const };
    await step(
      'project',
      [{ type: 'projection/start', request: { target: { kind: 'training', index: 1 }, steps: 8, ...request } }],
      () => count('projection/done') > 0,
    );
    const pin = events.find((e): e is WorkerEvent & { type: 'projection/done' } => e.type === 'projection/done')!.pin.id;
    const before = count('explorer');
    await step('explore the pin', [explore([pin, 0])], () => count('explorer') > before);
    await step('exports', [{ type: 'export/gif' }, { type: 'project/export' }]);
  } catch (e) {
    if (!(e instanceof Stopped)) throw e; // said in `errors`
  }
  const tally: Record<string, number> = {};
  for (const e of events) tally[e.type] = (tally[e.type] ?? 0) + 1;
  return { model, phases, reads, errors, events: tally, ms };
}

const runs = [await drive('dcgan'), await drive('stylegan')];
const result: SyncReadsResult = { backend: tf.getBackend(), runs };
writeFileSync(out, JSON.stringify(result));
process.exit(0);
