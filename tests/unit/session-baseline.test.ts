/// <reference types="vite/client" />
// (The session pulls in the Worker's backend module, whose wasm binaries are Vite `?url` imports.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/contract/protocol.ts';
import { Session } from '../../src/worker/session/session.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { until, useSessionBackend } from '../helpers/session.ts';

beforeAll(useSessionBackend);

describe('the autoencoder baseline in the Worker session', () => {
  it('trains beside the GAN through the command queue, scores both, and frees its tensors', async () => {
    const events: WorkerEvent[] = [];
    const session = new Session((e) => events.push(e));
    await session.handle({ type: 'config', config: tinyConfig({ gridSide: 2 }) });
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    for (let i = 0; i < 3; i++) await session.handle({ type: 'train/step' });
    await session.handle({ type: 'baseline/train', kind: 'vae' });
    const done = () => events.find((e): e is WorkerEvent & { type: 'baseline' } => e.type === 'baseline' && e.done);
    await until(() => done() !== undefined, 60_000);
    const last = done()!;
    expect(last.kind).toBe('vae');
    expect(last.step).toBe(50); // the GAN had 3 steps: the floor of 50
    expect(Number.isFinite(last.swd)).toBe(true);
    expect(last.gan?.step).toBe(3);
    expect(Number.isFinite(last.gan?.swd)).toBe(true);
    expect(events.filter((e) => e.type === 'status' && e.state === 'error')).toEqual([]);
    // A second baseline leaves the tensor count where the first left it: nothing leaks.
    const settled = tf.memory().numTensors;
    events.length = 0;
    await session.handle({ type: 'baseline/train', kind: 'autoencoder' });
    await until(() => done() !== undefined, 60_000);
    expect(tf.memory().numTensors).toBe(settled);

    // Cancelled before it finishes: the page is told, so its buttons come back.
    events.length = 0;
    // (Both queued at once: the stop lands before the first training slice, on any machine.)
    const started = session.handle({ type: 'baseline/train', kind: 'autoencoder' });
    await session.handle({ type: 'baseline/stop' });
    await started;
    expect(events.some((e) => e.type === 'baseline/stopped')).toBe(true);
    expect(done()).toBeUndefined();
    expect(tf.memory().numTensors).toBe(settled);
  });
});
