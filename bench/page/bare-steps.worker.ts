/// <reference lib="webworker" />
/**
 * Bench-only Worker entry (started by bench/page/bare.html, not by the app): bare training
 * steps on one backend, timed as in Node (bench/step-timing.ts), with no loop, grid or messages
 * around them. Set against the app's own loop on the same backend, it gives the loop's overhead.
 */
import { configFromParams, DEFAULT_CONFIG, type BackendName } from '../../src/contract/config.ts';
import { makeShapes } from '../../src/data/builtin/procedural.ts';
import { timeTrainerSteps } from '../step-timing.ts';
import { GanTrainer } from '../../src/gan/train/trainer.ts';
import { chooseBackend } from '../../src/worker/backend.ts';
import type { BareMessage, BareRequest } from './bare-steps-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: BareMessage) => self.postMessage(m);

async function run(search: string): Promise<void> {
  const params = new URLSearchParams(search);
  const { config } = configFromParams(params, DEFAULT_CONFIG);
  const threads = Number(params.get('threads') ?? 0);
  const backend = await chooseBackend((params.get('backend') ?? 'wasm') as BackendName, threads > 0 ? { threads: { count: threads, from: 'url' } } : {});
  post({ type: 'backend', backend, config });
  // The built-in "shapes" set, as the app's loop trains on it in the bench.
  const trainer = new GanTrainer(config, makeShapes({ res: config.res }));
  try {
    const timing = await timeTrainerSteps(trainer, {
      steps: Number(params.get('steps') ?? 8),
      maxMs: Number(params.get('maxMs') ?? 30_000),
      now: () => performance.now(),
      onStep: (index, ms, kernels) => post({ type: 'step', index, ms, kernels }),
    });
    post({ type: 'done', timing });
  } finally {
    trainer.dispose();
  }
}

self.onmessage = (e: MessageEvent<BareRequest>) => {
  run(e.data.search).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
