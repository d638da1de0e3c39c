/// <reference types="vite/client" />
// (The session pulls in the Worker's backend module, whose wasm binaries are Vite `?url` imports.)
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/contract/protocol.ts';
import { Session } from '../../src/worker/session/session.ts';
import { tinyConfig } from '../helpers/tf.ts';
import { useSessionBackend } from '../helpers/session.ts';

beforeAll(useSessionBackend);

describe('the Worker session measures path length on demand', () => {
  it('answers quality/ppl with a ppl event for the current step, and a notice without a model', async () => {
    const events: WorkerEvent[] = [];
    const session = new Session((e) => events.push(e));
    await session.handle({ type: 'quality/ppl' });
    expect(events.filter((e) => e.type === 'notice')).toHaveLength(1);
    await session.handle({ type: 'config', config: tinyConfig({ gridSide: 2 }) });
    await session.handle({ type: 'dataset/builtin', name: 'shapes' });
    await session.handle({ type: 'train/step' });
    await session.handle({ type: 'train/step' });
    await session.handle({ type: 'quality/ppl' });
    const ppl = events.filter((e) => e.type === 'ppl');
    expect(ppl).toHaveLength(1);
    expect(ppl[0]).toMatchObject({ step: 2, space: 'z', pairs: 256 });
    expect(ppl[0]!.mean).toBeGreaterThan(0);
    expect(ppl[0]!.p90).toBeGreaterThanOrEqual(ppl[0]!.median);
    expect(events.filter((e) => e.type === 'status' && e.state === 'error')).toEqual([]);
  });
});
